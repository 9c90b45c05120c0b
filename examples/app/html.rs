//! The page layout shared by every server-rendered page.

use axum::response::Html;
use clerk_runtime::Auth;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::AppState;

/// Loads Clerk once both bundles ran, then mounts Clerk's components into
/// the placeholders a page has (`#clerk-user-button`, `#clerk-org-switcher`,
/// `#clerk-sign-in`, `#clerk-sign-up`) and signs out through Clerk's SDK.
/// clerk-js keeps `__session` fresh while the page is open; the handshake
/// covers page loads in between.
const CLERK_BOOT: &str = r#"window.addEventListener('load', async () => {
  const clerk = window.Clerk;
  if (!clerk || typeof clerk.load !== 'function') return;
  await clerk.load({ ui: { ClerkUI: window.__internal_ClerkUICtor } });
  const mount = (id, f) => { const el = document.getElementById(id); if (el) f(el); };
  mount('clerk-user-button', (el) => clerk.mountUserButton(el));
  mount('clerk-org-switcher', (el) => clerk.mountOrganizationSwitcher(el));
  mount('clerk-sign-in', (el) => clerk.mountSignIn(el, { forceRedirectUrl: el.dataset.redirectUrl, signUpUrl: '/sign-up' }));
  mount('clerk-sign-up', (el) => clerk.mountSignUp(el, { forceRedirectUrl: el.dataset.redirectUrl, signInUrl: '/sign-in' }));
  mount('clerk-sign-out', (el) => el.addEventListener('click', () => clerk.signOut({ redirectUrl: '/' })));
});"#;

/// Wraps `body` in the layout: title, navigation, sign-in state. In Clerk
/// mode with a publishable key, the head loads Clerk's browser SDK and the
/// navigation shows Clerk's user button and organization switcher.
pub(crate) fn page(
    state: &AppState,
    title: &str,
    auth: Option<&Auth>,
    body: Markup,
) -> Html<String> {
    let clerk = state.clerk_browser();
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · clerk-runtime example" }
                style { (PreEscaped(STYLE)) }
                @if let Some(sdk) = clerk {
                    (PreEscaped(sdk.script_tags(None)))
                    script { (PreEscaped(CLERK_BOOT)) }
                }
            }
            body {
                nav {
                    a href="/" { "Home" } " "
                    a href="/pricing" { "Pricing" } " "
                    a href="/dashboard" { "Dashboard" } " "
                    a href="/sessions" { "Sessions" } " "
                    @if let (Some(auth), Some(_)) = (auth, clerk) {
                        span.who { "Signed in as " code #who { (auth.user_id()) } }
                        div #clerk-org-switcher {}
                        div #clerk-user-button {}
                        button #clerk-sign-out type="button" { "Sign out" }
                    } @else if let Some(auth) = auth {
                        span.who { "Signed in as " code #who { (auth.user_id()) } }
                        form.inline method="post" action="/sign-out" {
                            button #sign-out type="submit" { "Sign out" }
                        }
                    } @else {
                        a #sign-in-link href="/sign-in" { "Sign in" }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    Html(markup.into_string())
}

/// Formats unix seconds as UTC `YYYY-MM-DD HH:MM:SS`.
pub(crate) fn time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm): exact for the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The example's stylesheet: small, served inline with every page.
const STYLE: &str = include_str!("style.css");

#[cfg(test)]
mod tests {
    use super::time;

    #[test]
    fn formats_unix_seconds_as_utc() {
        assert_eq!(time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(time(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(time(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
