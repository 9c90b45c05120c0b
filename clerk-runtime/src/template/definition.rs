//! JWT templates as code: the claims JSON with Clerk shortcodes, the
//! dashboard JSON to paste into Clerk, and shortcode rendering for the dev
//! issuer.

use std::time::Duration;

use serde_json::{Map, Value, json};

/// Clerk's default template lifetime (60 s).
pub const DEFAULT_TEMPLATE_LIFETIME: Duration = Duration::from_secs(60);

/// Clerk's default allowed clock skew of a template (5 s).
pub const DEFAULT_TEMPLATE_SKEW: Duration = Duration::from_secs(5);

/// The JWT-template claim holding Hasura's namespace.
pub const HASURA_NAMESPACE: &str = "https://hasura.io/jwt/claims";

/// A Clerk JWT template: its name, token lifetime and claims.
///
/// `claims` is what goes into the dashboard's claims editor: static values
/// and Clerk shortcodes (`"{{user.id}}"`). A string that is exactly one
/// shortcode becomes the shortcode's value with its JSON type (an object for
/// `{{user.public_metadata}}`); shortcodes inside longer strings are
/// interpolated as text.
///
/// ```
/// use clerk_runtime::template::JwtTemplate;
/// let supabase = JwtTemplate::supabase();
/// // Paste this into Clerk's dashboard (JWT templates → New template), or
/// // POST it to the Backend API's `/v1/jwt_templates`.
/// println!("{}", supabase.to_dashboard_json());
/// assert_eq!(supabase.audience(), vec!["authenticated".to_owned()]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct JwtTemplate {
    /// The template name: what `getToken({ template })` and
    /// `POST /v1/sessions/{id}/tokens/{template}` name.
    pub name: String,
    /// Token lifetime (Clerk's default 60 s).
    pub lifetime: Duration,
    /// Clock skew Clerk allows on tokens of this template (default 5 s).
    pub allowed_clock_skew: Duration,
    /// The template's claims, with shortcodes.
    pub claims: Value,
}

impl JwtTemplate {
    /// A template named `name` living `lifetime`, with `claims` (a JSON object).
    pub fn new(name: impl Into<String>, lifetime: Duration, claims: Value) -> Self {
        Self {
            name: name.into(),
            lifetime,
            allowed_clock_skew: DEFAULT_TEMPLATE_SKEW,
            claims,
        }
    }

    /// The `default` template: who the user is and their active organization,
    /// no audience. Read with [`DefaultTemplateClaims`](super::DefaultTemplateClaims).
    pub fn default_template() -> Self {
        Self::new(
            "default",
            DEFAULT_TEMPLATE_LIFETIME,
            json!({
                "email": "{{user.primary_email_address}}",
                "org_id": "{{org.id}}",
                "org_role": "{{org.role}}",
                "public_metadata": "{{user.public_metadata}}"
            }),
        )
    }

    /// Clerk's `supabase` template: audience and role `authenticated`, as
    /// Supabase's PostgREST expects. Read with [`SupabaseClaims`](super::SupabaseClaims).
    pub fn supabase() -> Self {
        Self::new(
            "supabase",
            DEFAULT_TEMPLATE_LIFETIME,
            json!({
                "aud": "authenticated",
                "role": "authenticated",
                "email": "{{user.primary_email_address}}",
                "app_metadata": {},
                "user_metadata": "{{user.public_metadata}}"
            }),
        )
    }

    /// Clerk's `hasura` template: Hasura's claim namespace with the user as
    /// `x-hasura-user-id` and the active organization as `x-hasura-org-id`.
    /// Read with [`HasuraClaims`](super::HasuraClaims).
    pub fn hasura() -> Self {
        Self::new(
            "hasura",
            DEFAULT_TEMPLATE_LIFETIME,
            json!({
                HASURA_NAMESPACE: {
                    "x-hasura-default-role": "user",
                    "x-hasura-allowed-roles": ["user"],
                    "x-hasura-user-id": "{{user.id}}",
                    "x-hasura-org-id": "{{org.id}}"
                }
            }),
        )
    }

    /// The `custom` template: a token for one of your own services
    /// (audience `custom-api`), carrying the user, the organization role and
    /// the public metadata. Read it with your own `#[derive(Claims)]` struct.
    pub fn custom() -> Self {
        Self::new(
            "custom",
            DEFAULT_TEMPLATE_LIFETIME,
            json!({
                "aud": "custom-api",
                "user_id": "{{user.id}}",
                "email": "{{user.primary_email_address}}",
                "org": {"id": "{{org.id}}", "role": "{{org.role}}"},
                "metadata": "{{user.public_metadata}}"
            }),
        )
    }

    /// Static audiences of the template (`aud` as a string or array of
    /// strings, shortcodes excluded); empty when it sets none.
    pub fn audience(&self) -> Vec<String> {
        let static_str = |v: &Value| v.as_str().filter(|s| !s.contains("{{")).map(str::to_owned);
        match self.claims.get("aud") {
            Some(Value::Array(items)) => items.iter().filter_map(static_str).collect(),
            Some(value) => static_str(value).into_iter().collect(),
            None => Vec::new(),
        }
    }

    /// The template as Clerk's JWT-template object (`name`, `lifetime`,
    /// `allowed_clock_skew` in seconds, `claims`), pretty-printed: the fields
    /// of the dashboard form, and the body of `POST /v1/jwt_templates`.
    pub fn to_dashboard_json(&self) -> String {
        let value = json!({
            "name": self.name,
            "lifetime": self.lifetime.as_secs(),
            "allowed_clock_skew": self.allowed_clock_skew.as_secs(),
            "claims": self.claims,
        });
        // Serializing a `Value` to a string cannot fail (no non-string keys).
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// The claims with every shortcode replaced from `values`.
    pub fn render(&self, values: &ShortcodeValues) -> Value {
        render_value(&self.claims, values)
    }
}

/// What shortcodes resolve to when rendering a template locally (the dev
/// issuer): `{{user.id}}`, `{{user.primary_email_address}}`,
/// `{{user.public_metadata}}` (and dotted paths into it, e.g.
/// `{{user.public_metadata.plan}}`), `{{session.id}}`, `{{org.id}}`,
/// `{{org.slug}}`, `{{org.role}}`. Unknown shortcodes and absent values
/// render as `null` (Clerk rejects unknown shortcodes when the template is saved).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShortcodeValues {
    /// `user.id`.
    pub user_id: String,
    /// `session.id`.
    pub session_id: Option<String>,
    /// `user.primary_email_address`.
    pub email: Option<String>,
    /// `user.public_metadata` (an object; `null` when unset renders as `{}`).
    pub public_metadata: Value,
    /// `org.id`.
    pub org_id: Option<String>,
    /// `org.slug`.
    pub org_slug: Option<String>,
    /// `org.role`, in `org:` form.
    pub org_role: Option<String>,
}

impl ShortcodeValues {
    /// The value of one shortcode (without braces), `None` when unknown or unset.
    pub fn lookup(&self, code: &str) -> Option<Value> {
        let text = |v: &Option<String>| v.as_deref().map(Value::from);
        match code {
            "user.id" => Some(Value::from(self.user_id.as_str())),
            "user.primary_email_address" => text(&self.email),
            "user.public_metadata" => Some(match &self.public_metadata {
                Value::Null => Value::Object(Map::new()),
                other => other.clone(),
            }),
            "session.id" => text(&self.session_id),
            "org.id" => text(&self.org_id),
            "org.slug" => text(&self.org_slug),
            "org.role" => text(&self.org_role),
            _ => {
                let path = code.strip_prefix("user.public_metadata.")?;
                let mut current = &self.public_metadata;
                for key in path.split('.') {
                    current = current.get(key)?;
                }
                Some(current.clone())
            }
        }
    }
}

fn render_value(value: &Value, values: &ShortcodeValues) -> Value {
    match value {
        Value::String(s) => render_string(s, values),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| render_value(v, values)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), render_value(v, values)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn render_string(s: &str, values: &ShortcodeValues) -> Value {
    // Exactly one shortcode: keep the value's JSON type.
    if let Some(code) = s
        .strip_prefix("{{")
        .and_then(|rest| rest.strip_suffix("}}"))
        .filter(|code| !code.contains("{{") && !code.contains("}}"))
    {
        return values.lookup(code.trim()).unwrap_or(Value::Null);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let code = rest[start + 2..start + len].trim();
        match values.lookup(code) {
            Some(Value::String(text)) => out.push_str(&text),
            Some(Value::Null) | None => {}
            Some(other) => out.push_str(&other.to_string()),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    Value::String(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> ShortcodeValues {
        ShortcodeValues {
            user_id: "user_alice".into(),
            session_id: Some("sess_1".into()),
            email: Some("alice@example.com".into()),
            public_metadata: json!({"plan": "pro", "limits": {"seats": 3}}),
            org_id: Some("org_1".into()),
            org_slug: Some("acme".into()),
            org_role: Some("org:admin".into()),
        }
    }

    #[test]
    fn whole_string_shortcode_keeps_the_json_type() {
        let t = JwtTemplate::new(
            "t",
            DEFAULT_TEMPLATE_LIFETIME,
            json!({"m": "{{user.public_metadata}}"}),
        );
        assert_eq!(t.render(&alice())["m"]["limits"]["seats"], 3);
    }

    #[test]
    fn embedded_shortcodes_are_interpolated_as_text() {
        let t = JwtTemplate::new(
            "t",
            DEFAULT_TEMPLATE_LIFETIME,
            json!({"label": "{{user.id}} in {{ org.slug }} ({{user.public_metadata.limits.seats}})"}),
        );
        assert_eq!(t.render(&alice())["label"], "user_alice in acme (3)");
    }

    #[test]
    fn unset_and_unknown_shortcodes_render_as_null() {
        let t = JwtTemplate::new(
            "t",
            DEFAULT_TEMPLATE_LIFETIME,
            json!({"org": "{{org.id}}", "x": "{{user.shoe_size}}"}),
        );
        let rendered = t.render(&ShortcodeValues {
            user_id: "user_1".into(),
            ..ShortcodeValues::default()
        });
        assert_eq!(rendered, json!({"org": null, "x": null}));
    }

    #[test]
    fn hasura_template_nests_under_the_url_namespace() {
        let rendered = JwtTemplate::hasura().render(&alice());
        assert_eq!(rendered[HASURA_NAMESPACE]["x-hasura-user-id"], "user_alice");
        assert_eq!(rendered[HASURA_NAMESPACE]["x-hasura-org-id"], "org_1");
    }

    #[test]
    fn dashboard_json_carries_name_lifetime_and_unrendered_claims() {
        let json: Value =
            serde_json::from_str(&JwtTemplate::supabase().to_dashboard_json()).unwrap();
        assert_eq!(json["name"], "supabase");
        assert_eq!(json["lifetime"], 60);
        assert_eq!(json["allowed_clock_skew"], 5);
        assert_eq!(json["claims"]["email"], "{{user.primary_email_address}}");
        assert_eq!(json["claims"]["aud"], "authenticated");
    }

    #[test]
    fn audience_ignores_shortcodes_and_reads_arrays() {
        assert!(JwtTemplate::default_template().audience().is_empty());
        let t = JwtTemplate::new(
            "t",
            DEFAULT_TEMPLATE_LIFETIME,
            json!({"aud": ["a", "{{org.id}}", "b"]}),
        );
        assert_eq!(t.audience(), ["a", "b"]);
    }
}
