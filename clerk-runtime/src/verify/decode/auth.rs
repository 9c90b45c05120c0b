//! v1/v2 claims → [`Auth`]: done once per token, so checks never parse.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::{
    DecodeError, MAX_CLAIM_LIST_BYTES, MAX_ORG_PERMISSION_BYTES, MAX_ORG_PERMISSIONS, RawClaims,
    RawOrg, StringClaim, mask,
};
use crate::auth::{
    ActorClaims, Auth, AuthData, EntitlementClaim, Entitlements, OrgClaims, SessionStatus, Span,
    Text, TokenVersion,
};
use crate::auth::{normalize_org_key, split_ascii};

impl Auth {
    /// The session of decoded claims, with the payload text they were read
    /// from, kept for [`Auth::claims`]. Two steps because the claims borrow
    /// from the payload until they are decoded.
    pub(crate) fn new(mut data: AuthData, payload: String) -> Auth {
        data.payload = payload;
        Auth(Arc::new(data))
    }
}

impl AuthData {
    /// Decodes verified claims, read from a payload of `payload_len` bytes;
    /// the payload is left empty for [`Auth::new`].
    pub(crate) fn from_claims(
        raw: RawClaims<'_>,
        payload_len: usize,
    ) -> Result<AuthData, DecodeError> {
        check_list_lengths(&raw)?;
        let Times {
            exp: expires_at,
            nbf: not_before,
            iat: issued_at,
        } = Times::of(&raw)?;
        let user_id = match raw.sub.as_ref().and_then(StringClaim::as_str) {
            Some(sub) if !sub.is_empty() => sub,
            _ => return Err(DecodeError::InvalidSubject),
        };
        let version = match raw.v {
            None | Some(1) => TokenVersion::V1,
            Some(2) => TokenVersion::V2,
            Some(other) => return Err(DecodeError::UnsupportedVersion(other)),
        };

        // The strings kept are distinct parts of the payload, so they fit
        // in its length, with room left for a typical member's v2
        // permissions (built from feature and action names; more grow it).
        let mut text = Text::with_capacity(payload_len);
        let user_id = text.push(&[user_id]);
        let mut keep = |s: &Option<Cow<'_, str>>| s.as_deref().map(|s| text.push(&[s]));
        let session_id = keep(&raw.sid);
        let authorized_party = keep(&raw.azp);
        let issuer = keep(&raw.iss);
        let actor = raw.act.as_ref().map(|act| ActorClaims {
            subject: keep(&act.sub),
            issuer: keep(&act.iss),
            session_id: keep(&act.sid),
        });
        let features = raw
            .fea
            .as_deref()
            .map(|fea| EntitlementClaim::decode(fea, &mut text));
        let plans = raw
            .pla
            .as_deref()
            .map(|pla| EntitlementClaim::decode(pla, &mut text));
        let org = match version {
            TokenVersion::V1 => v1_org(&raw, &mut text),
            TokenVersion::V2 => match &raw.o {
                Some(o) => v2_org(o, raw.fea.as_deref(), &mut text)?,
                None => None,
            },
        };

        Ok(AuthData {
            text,
            user_id,
            session_id,
            status: status(raw.sts),
            org,
            features,
            plans,
            actor,
            factor_ages: raw.fva,
            issued_at,
            expires_at,
            not_before,
            authorized_party,
            issuer,
            version,
            payload: String::new(),
            claims: OnceLock::new(),
            typed: OnceLock::new(),
            user_id_header: OnceLock::new(),
        })
    }
}

/// The list claims are bounded before any of them is split or decoded.
fn check_list_lengths(raw: &RawClaims<'_>) -> Result<(), DecodeError> {
    let org = raw.o.as_ref();
    let lists = [
        ("fea", raw.fea.as_deref()),
        ("pla", raw.pla.as_deref()),
        ("o.per", org.and_then(|o| o.per.as_deref())),
        ("o.fpm", org.and_then(|o| o.fpm.as_deref())),
    ];
    for (claim, value) in lists {
        if let Some(len) = value
            .map(str::len)
            .filter(|len| *len > MAX_CLAIM_LIST_BYTES)
        {
            return Err(DecodeError::ClaimTooLong {
                claim,
                len,
                max: MAX_CLAIM_LIST_BYTES,
            });
        }
    }
    if raw
        .org_permissions
        .as_ref()
        .is_some_and(|p| !within_permission_limits(p.len(), p.iter().map(|p| p.0.len()).sum()))
    {
        return Err(DecodeError::TooManyPermissions);
    }
    Ok(())
}

fn within_permission_limits(count: usize, bytes: usize) -> bool {
    count <= MAX_ORG_PERMISSIONS && bytes <= MAX_ORG_PERMISSION_BYTES
}

/// Unix seconds from a JSON number; fractions are truncated toward the past.
/// `exp`, `nbf` and `iat` as whole seconds: the one reading of the time
/// claims, used by the verifier's checks and by the decoder alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Times {
    /// `exp` (required).
    pub(crate) exp: i64,
    /// `nbf`, when present.
    pub(crate) nbf: Option<i64>,
    /// `iat`, when present.
    pub(crate) iat: Option<i64>,
}

impl Times {
    /// Reads the time claims; `null` counts as absent, fractions are floored.
    pub(crate) fn of(raw: &RawClaims<'_>) -> Result<Times, DecodeError> {
        Ok(Times {
            exp: seconds(raw.exp.as_ref(), "exp")?.ok_or(DecodeError::MissingExpiry)?,
            nbf: seconds(raw.nbf.as_ref(), "nbf")?,
            iat: seconds(raw.iat.as_ref(), "iat")?,
        })
    }
}

fn seconds(value: Option<&Value>, claim: &'static str) -> Result<Option<i64>, DecodeError> {
    let invalid = DecodeError::InvalidTime { claim };
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(s) => Ok(Some(s)),
            None => match n.as_f64() {
                // `as` saturates; the range check keeps absurd values out.
                Some(f) if f.is_finite() && f.abs() < 1e15 => Ok(Some(f.floor() as i64)),
                _ => Err(invalid),
            },
        },
        Some(_) => Err(invalid),
    }
}

fn status(sts: Option<Cow<'_, str>>) -> SessionStatus {
    match sts.as_deref() {
        // Tokens from before session tasks have no `sts`: they are active.
        None | Some("active") => SessionStatus::Active,
        Some("pending") => SessionStatus::Pending,
        Some(other) => SessionStatus::Other(other.into()),
    }
}

/// The role without any leading `org:` runs, which the session keeps with
/// one `org:`; empty roles count as none.
fn normalized_role(role: &str) -> Option<&str> {
    Some(normalize_org_key(role)).filter(|bare| !bare.is_empty())
}

/// Keeps `role` in `text` in `org:` form.
fn keep_role(role: Option<&str>, text: &mut Text) -> Option<Span> {
    role.and_then(normalized_role)
        .map(|bare| text.push(&["org:", bare]))
}

/// Keeps `s` in `text`; empty strings count as none.
fn keep_non_empty(s: Option<&str>, text: &mut Text) -> Option<Span> {
    s.filter(|s| !s.is_empty()).map(|s| text.push(&[s]))
}

/// Room for this many permissions, and their sorted copy, before the
/// list grows: a typical member's, in the list's one allocation.
const USUAL_PERMISSIONS: usize = 8;

fn v1_org(raw: &RawClaims<'_>, text: &mut Text) -> Option<OrgClaims> {
    let id = keep_non_empty(raw.org_id.as_deref(), text)?;
    let slug = keep_non_empty(raw.org_slug.as_deref(), text);
    let role = keep_role(raw.org_role.as_deref(), text);
    // Permissions are kept as issued: Clerk compares them verbatim with the
    // normalised argument, so a legacy unprefixed entry never matches.
    let issued = raw.org_permissions.as_deref().unwrap_or_default();
    let mut permissions = Vec::with_capacity(2 * issued.len());
    permissions.extend(issued.iter().map(|p| text.push(&[&p.0])));
    Some(OrgClaims::new(id, slug, role, permissions, text))
}

fn v2_org(
    o: &RawOrg<'_>,
    fea: Option<&str>,
    text: &mut Text,
) -> Result<Option<OrgClaims>, DecodeError> {
    let Some(id) = keep_non_empty(o.id.as_deref(), text) else {
        return Ok(None);
    };
    let slug = keep_non_empty(o.slg.as_deref(), text);
    let role = keep_role(o.rol.as_deref(), text);
    let mut permissions = Vec::with_capacity(2 * USUAL_PERMISSIONS);
    if let (Some(fea), Some(per), Some(fpm)) = (fea, o.per.as_deref(), o.fpm.as_deref()) {
        v2_permissions(Entitlements::parse(fea), per, fpm, text, &mut permissions)
            .ok_or(DecodeError::TooManyPermissions)?;
    }
    Ok(Some(OrgClaims::new(id, slug, role, permissions, text)))
}

/// Clerk's v2 permission decoding (docs/clerk-semantics.md §2): organization feature `i`
/// gets action `j` when bit `j` of mask `i` is set. Each permission is kept
/// in `text` and its span pushed to `out`; `None` as soon as the result
/// would exceed [`MAX_ORG_PERMISSIONS`] or [`MAX_ORG_PERMISSION_BYTES`].
pub(crate) fn v2_permissions(
    features: Entitlements<'_>,
    per: &str,
    fpm: &str,
    text: &mut Text,
    out: &mut Vec<Span>,
) -> Option<()> {
    if per.is_empty() || fpm.is_empty() {
        return Some(());
    }
    let action_count = split_ascii(per, b',').count();
    let mut masks = split_ascii(fpm, b',').map(str::trim);
    let mut bytes = 0;
    for feature in features.org_names() {
        // Features past the last mask have none.
        let Some(mask) = masks.next() else { break };
        // The set bits come in ascending order: one walk of the actions.
        let mut actions = split_ascii(per, b',').map(str::trim).enumerate();
        for bit in mask::set_bits_below(mask, action_count) {
            // `bit < action_count`: the walk finds it.
            let Some((_, action)) = actions.find(|(j, _)| *j == bit) else {
                break;
            };
            let permission = text.push(&["org:", feature, ":", action]);
            bytes += text.get(permission).len();
            if !within_permission_limits(out.len() + 1, bytes) {
                return None;
            }
            out.push(permission);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::{DecodeError, auth_from_json};
    use crate::auth::{Auth, SessionStatus, TokenVersion};

    fn base() -> Value {
        json!({"sub": "user_1", "sid": "sess_1", "exp": 2_000_000_000, "iat": 1_999_999_940})
    }

    fn with(extra: Value) -> Auth {
        let mut payload = base();
        let (Value::Object(map), Value::Object(extra)) = (&mut payload, extra) else {
            panic!("objects expected");
        };
        map.extend(extra);
        auth_from_json(payload).expect("valid claims")
    }

    fn v2_org(fea: &str, per: &str, fpm: &str) -> Auth {
        with(
            json!({"v": 2, "fea": fea, "o": {"id": "org_1", "rol": "admin", "per": per, "fpm": fpm}}),
        )
    }

    fn permissions(auth: &Auth) -> Vec<&str> {
        auth.org().expect("organization").permissions().collect()
    }

    #[test]
    fn borrowed_claims_with_json_escapes_decode_like_plain_ones() {
        // The borrowed claims fall back to an owned copy when the JSON text
        // has escapes; the result must not depend on the spelling.
        let text = r#"{"sub":"user_1","sid":"sess_1","exp":2000000000,"v":2,
            "sts":"p\u0065nding","fea":"o:d\u0061ta,u:beta","pla":"o:pr\u006f",
            "o":{"id":"org_1","rol":"\u0061dmin","per":"r\u0065ad","fpm":"1"}}"#;
        let raw: super::super::RawClaims = serde_json::from_str(text).unwrap();
        let auth = Auth::new(
            super::AuthData::from_claims(raw, text.len()).unwrap(),
            text.into(),
        );
        assert_eq!(*auth.status(), SessionStatus::Pending);
        assert_eq!(permissions(&auth), ["org:data:read"]);
        assert_eq!(auth.org().unwrap().role(), Some("org:admin"));
        assert!(auth.has(crate::auth::Check::feature("u:beta")));
        assert!(auth.has(crate::auth::Check::plan("o:pro")));
    }

    #[test]
    fn semantics_example_masks_three_and_two() {
        let auth = v2_org("o:dashboard,o:impersonation", "read,manage", "3,2");
        assert_eq!(
            permissions(&auth),
            [
                "org:dashboard:read",
                "org:dashboard:manage",
                "org:impersonation:manage"
            ]
        );
    }

    #[test]
    fn semantics_example_mixed_scopes_skip_user_features_and_unmasked_ones() {
        let auth = v2_org(
            "o:reservations,u:dashboard,uo:support-chat,o:impersonation",
            "read,manage",
            "2,3",
        );
        assert_eq!(
            permissions(&auth),
            [
                "org:reservations:manage",
                "org:support-chat:read",
                "org:support-chat:manage"
            ]
        );
    }

    #[test]
    fn non_digit_mask_grants_nothing_but_keeps_its_position() {
        let auth = v2_org("o:a,o:b,o:c", "read,manage", "x1, -1 ,2");
        assert_eq!(permissions(&auth), ["org:c:manage"]);
    }

    #[test]
    fn empty_mask_grants_nothing_but_keeps_its_position() {
        let auth = v2_org("o:a,o:b", "read,manage", ",1");
        assert_eq!(permissions(&auth), ["org:b:read"]);
    }

    #[test]
    fn mask_bits_beyond_the_action_list_are_ignored() {
        let auth = v2_org("o:a", "read,manage", "15");
        assert_eq!(permissions(&auth), ["org:a:read", "org:a:manage"]);
    }

    #[test]
    fn masks_and_actions_are_trimmed() {
        let auth = v2_org(" o:a , o:b ", " read , manage ", " 1 , 2 ");
        assert_eq!(permissions(&auth), ["org:a:read", "org:b:manage"]);
    }

    #[test]
    fn mask_above_two_to_the_64_selects_high_actions() {
        let actions: Vec<String> = (0..70).map(|i| format!("a{i}")).collect();
        // 2^65 + 2^64 + 1
        let auth = v2_org("o:big", &actions.join(","), "55340232221128654849");
        assert_eq!(
            permissions(&auth),
            ["org:big:a0", "org:big:a64", "org:big:a65"]
        );
    }

    #[test]
    fn mask_of_two_to_the_200_selects_action_200() {
        let actions: Vec<String> = (0..201).map(|i| format!("a{i}")).collect();
        let two_to_200 = "1606938044258990275541962092341162602522202993782792835301376";
        let auth = v2_org("o:big", &actions.join(","), two_to_200);
        assert_eq!(permissions(&auth), ["org:big:a200"]);
    }

    #[test]
    fn missing_per_or_fpm_gives_an_org_without_permissions() {
        let auth =
            with(json!({"v": 2, "fea": "o:a", "o": {"id": "org_1", "rol": "admin", "fpm": "1"}}));
        assert_eq!(permissions(&auth), Vec::<&str>::new());
        let auth = with(
            json!({"v": 2, "fea": "o:a", "o": {"id": "org_1", "rol": "admin", "per": "read"}}),
        );
        assert_eq!(permissions(&auth), Vec::<&str>::new());
    }

    #[test]
    fn v2_without_fea_has_no_permissions() {
        let auth =
            with(json!({"v": 2, "o": {"id": "org_1", "rol": "admin", "per": "read", "fpm": "1"}}));
        assert_eq!(permissions(&auth), Vec::<&str>::new());
    }

    #[test]
    fn v2_role_gets_the_org_prefix() {
        let auth = v2_org("o:a", "read", "1");
        assert_eq!(auth.org_role(), Some("org:admin"));
        assert_eq!(auth.version(), TokenVersion::V2);
    }

    /// `n` ones in decimal: the mask granting actions `0..n`.
    fn all_ones(n: u32) -> String {
        ((num_bigint::BigUint::from(1u8) << n) - 1u8).to_string()
    }

    fn v2_org_result(fea: &str, per: &str, fpm: &str) -> Result<Auth, DecodeError> {
        let mut payload = base();
        payload["v"] = json!(2);
        payload["fea"] = json!(fea);
        payload["o"] = json!({"id": "org_1", "rol": "admin", "per": per, "fpm": fpm});
        auth_from_json(payload)
    }

    #[test]
    fn list_claims_at_the_length_limit_are_accepted_one_byte_more_is_refused() {
        use crate::verify::decode::MAX_CLAIM_LIST_BYTES as MAX;
        let at_limit = format!("o:{}", "f".repeat(MAX - 2));
        let over = format!("{at_limit}f");
        for claim in ["fea", "pla", "o.per", "o.fpm"] {
            let build = |value: &str| {
                let mut payload = base();
                payload["v"] = json!(2);
                payload["o"] = json!({"id": "org_1"});
                match claim {
                    "o.per" => payload["o"]["per"] = json!(value),
                    "o.fpm" => payload["o"]["fpm"] = json!(value),
                    name => payload[name] = json!(value),
                }
                auth_from_json(payload)
            };
            assert!(build(&at_limit).is_ok(), "{claim} at {MAX} bytes");
            assert_eq!(
                build(&over).unwrap_err(),
                DecodeError::ClaimTooLong {
                    claim,
                    len: MAX + 1,
                    max: MAX
                }
            );
        }
    }

    #[test]
    fn v2_decoded_permissions_at_the_count_limit_are_accepted_one_more_is_refused() {
        use crate::verify::decode::MAX_ORG_PERMISSIONS as MAX;
        let per = vec!["a"; MAX + 1].join(",");
        let auth = v2_org_result("o:f", &per, &all_ones(MAX as u32)).expect("at the limit");
        assert_eq!(auth.org().unwrap().permissions().len(), MAX);
        assert_eq!(
            v2_org_result("o:f", &per, &all_ones(MAX as u32 + 1)).unwrap_err(),
            DecodeError::TooManyPermissions
        );
    }

    #[test]
    fn v2_decoded_permissions_at_the_byte_limit_are_accepted_one_more_is_refused() {
        use crate::verify::decode::MAX_ORG_PERMISSION_BYTES as MAX;
        // Each permission `org:<1018 f>:a` is exactly 1024 bytes.
        let fea = format!("o:{}", "f".repeat(1018));
        let per = vec!["a"; 65].join(",");
        let fits = (MAX / 1024) as u32;
        let auth = v2_org_result(&fea, &per, &all_ones(fits)).expect("at the limit");
        let total: usize = auth.org().unwrap().permissions().map(str::len).sum();
        assert_eq!(total, MAX);
        assert_eq!(
            v2_org_result(&fea, &per, &all_ones(fits + 1)).unwrap_err(),
            DecodeError::TooManyPermissions
        );
    }

    #[test]
    fn v1_permission_list_at_the_count_limit_is_accepted_one_more_is_refused() {
        use crate::verify::decode::MAX_ORG_PERMISSIONS as MAX;
        let list = |n: usize| (0..n).map(|i| format!("org:f:a{i}")).collect::<Vec<_>>();
        let mut payload = base();
        payload["org_id"] = json!("org_1");
        payload["org_permissions"] = json!(list(MAX));
        assert_eq!(
            auth_from_json(payload.clone())
                .unwrap()
                .org()
                .unwrap()
                .permissions()
                .len(),
            MAX
        );
        payload["org_permissions"] = json!(list(MAX + 1));
        assert_eq!(
            auth_from_json(payload).unwrap_err(),
            DecodeError::TooManyPermissions
        );
    }

    #[test]
    fn v2_without_o_has_no_organization() {
        let auth = with(json!({"v": 2, "fea": "o:a"}));
        assert!(auth.org().is_none());
    }

    #[test]
    fn v2_org_id_and_slug_are_read_from_o() {
        let auth = with(json!({"v": 2, "o": {"id": "org_9", "slg": "acme", "rol": "member"}}));
        let org = auth.org().expect("organization");
        assert_eq!((org.id(), org.slug()), ("org_9", Some("acme")));
    }

    #[test]
    fn v1_legacy_role_without_prefix_is_normalised() {
        let auth = with(json!({"org_id": "org_1", "org_role": "admin"}));
        assert_eq!(auth.org_role(), Some("org:admin"));
        assert_eq!(auth.version(), TokenVersion::V1);
    }

    #[test]
    fn v1_role_with_repeated_prefix_keeps_exactly_one() {
        let auth = with(json!({"org_id": "org_1", "org_role": "org:org:admin"}));
        assert_eq!(auth.org_role(), Some("org:admin"));
    }

    #[test]
    fn v1_permissions_are_kept_as_issued() {
        let auth = with(json!({"org_id": "org_1", "org_role": "org:admin",
            "org_permissions": ["org:data:read", "legacy:write"]}));
        assert_eq!(permissions(&auth), ["org:data:read", "legacy:write"]);
    }

    #[test]
    fn v1_without_org_id_has_no_organization() {
        let auth = with(json!({"org_role": "org:admin"}));
        assert!(auth.org().is_none());
    }

    #[test]
    fn subject_must_be_a_non_empty_string() {
        for sub in [json!(null), json!(5), json!("")] {
            let mut payload = base();
            payload["sub"] = sub;
            assert_eq!(
                auth_from_json(payload).unwrap_err(),
                DecodeError::InvalidSubject
            );
        }
    }

    #[test]
    fn expiry_is_required() {
        let mut payload = base();
        payload.as_object_mut().expect("object").remove("exp");
        assert_eq!(
            auth_from_json(payload).unwrap_err(),
            DecodeError::MissingExpiry
        );
    }

    #[test]
    fn non_numeric_time_claim_is_rejected_with_its_name() {
        let mut payload = base();
        payload["nbf"] = json!("soon");
        assert_eq!(
            auth_from_json(payload).unwrap_err(),
            DecodeError::InvalidTime { claim: "nbf" }
        );
    }

    #[test]
    fn fractional_times_are_truncated_to_seconds() {
        let mut payload = base();
        payload["exp"] = json!(1_700_000_000.9);
        assert_eq!(
            auth_from_json(payload).expect("valid").expires_at(),
            1_700_000_000
        );
    }

    #[test]
    fn unknown_version_is_rejected() {
        let mut payload = base();
        payload["v"] = json!(3);
        assert_eq!(
            auth_from_json(payload).unwrap_err(),
            DecodeError::UnsupportedVersion(3)
        );
    }

    #[test]
    fn missing_status_means_active() {
        assert_eq!(with(json!({})).status(), &SessionStatus::Active);
    }

    #[test]
    fn pending_status_is_kept() {
        let auth = with(json!({"sts": "pending"}));
        assert!(auth.is_pending());
    }

    #[test]
    fn unknown_status_is_kept_verbatim() {
        let auth = with(json!({"sts": "frozen"}));
        assert_eq!(auth.status(), &SessionStatus::Other("frozen".into()));
    }

    #[test]
    fn template_token_has_no_session_id() {
        let auth = auth_from_json(json!({"sub": "user_1", "exp": 2_000_000_000})).expect("valid");
        assert_eq!(auth.session_id(), None);
    }

    #[test]
    fn standard_claims_are_exposed() {
        let auth = with(
            json!({"nbf": 1_999_999_935, "azp": "https://app.example.com",
            "iss": "https://clerk.example.com", "fva": [3, -1],
            "act": {"sub": "user_admin", "iss": "https://dashboard.clerk.com", "sid": "sess_a"}}),
        );
        assert_eq!(auth.user_id(), "user_1");
        assert_eq!(auth.session_id(), Some("sess_1"));
        assert_eq!(auth.issued_at(), Some(1_999_999_940));
        assert_eq!(auth.not_before(), Some(1_999_999_935));
        assert_eq!(auth.expires_at(), 2_000_000_000);
        assert_eq!(auth.authorized_party(), Some("https://app.example.com"));
        assert_eq!(auth.issuer(), Some("https://clerk.example.com"));
        assert_eq!(auth.factor_verification_age(), Some([3, -1]));
        assert_eq!(auth.actor().and_then(|a| a.subject()), Some("user_admin"));
    }

    #[test]
    fn features_and_plans_are_parsed_with_scopes() {
        use crate::auth::Scope;
        let auth = with(json!({"v": 2, "fea": "u:a,ou:b", "pla": "o:pro"}));
        let features: Vec<_> = auth.features().map(|e| (e.scope(), e.name())).collect();
        assert_eq!(features, [(Scope::User, "a"), (Scope::Both, "b")]);
        let plans: Vec<_> = auth.plans().map(|e| e.to_string()).collect();
        assert_eq!(plans, ["o:pro"]);
    }

    #[test]
    fn custom_claims_are_parsed_once_and_cached() {
        let auth = with(json!({"metadata": {"role": "owner"}}));
        assert_eq!(auth.claims().get_str("metadata.role"), Some("owner"));
        assert!(std::ptr::eq(auth.claims(), auth.claims()));
    }

    #[test]
    fn debug_output_leaves_the_payload_out() {
        let auth = with(json!({"secret_note": "do-not-log-me"}));
        let debug = format!("{auth:?}");
        assert!(debug.contains("user_1"));
        assert!(!debug.contains("do-not-log-me"));
    }

    #[test]
    fn auth_is_send_sync_and_static() {
        fn assert_bounds<T: Send + Sync + std::fmt::Debug + 'static>() {}
        assert_bounds::<Auth>();
    }
}

/// Decoding checked against an independent big-integer reference.
#[cfg(test)]
mod properties {
    use num_bigint::BigUint;
    use proptest::prelude::*;

    use super::{normalized_role, v2_permissions};
    use crate::auth::{Entitlements, Text, normalize_org_key};
    use crate::verify::decode::mask::set_bits_below;

    /// Semantics §2 written the obvious way, with `num-bigint` for the masks.
    fn reference(fea: &[(&str, String)], actions: &[String], masks: &[String]) -> Vec<String> {
        if actions.is_empty() || masks.is_empty() {
            return Vec::new();
        }
        let org_features = fea
            .iter()
            .filter(|(scope, _)| matches!(*scope, "o" | "ou" | "uo"))
            .map(|(_, name)| name);
        let mut out = Vec::new();
        for (feature, mask) in org_features.zip(masks) {
            let digits_only = !mask.is_empty() && mask.bytes().all(|b| b.is_ascii_digit());
            let Some(value) = digits_only
                .then(|| BigUint::parse_bytes(mask.as_bytes(), 10))
                .flatten()
            else {
                continue;
            };
            for (j, action) in actions.iter().enumerate() {
                if value.bit(j as u64) {
                    out.push(format!("org:{feature}:{action}"));
                }
            }
        }
        out
    }

    /// A mask below 2^200, sometimes zero-padded, or junk that is not all digits.
    fn mask() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => (proptest::collection::vec(any::<u8>(), 0..=25), 0usize..3)
                .prop_map(|(bytes, zeros)| format!("{}{}", "0".repeat(zeros), BigUint::from_bytes_le(&bytes))),
            1 => "[0-9a-z+ .-]{0,6}",
        ]
    }

    fn scope() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just("o"), Just("u"), Just("ou"), Just("uo")]
    }

    proptest! {
        #[test]
        fn fpm_decoding_matches_the_bigint_reference(
            scopes in proptest::collection::vec(scope(), 0..6),
            action_count in 0usize..210,
            masks in proptest::collection::vec(mask(), 1..8),
        ) {
            let fea: Vec<(&str, String)> =
                scopes.iter().enumerate().map(|(i, s)| (*s, format!("f{i}"))).collect();
            let actions: Vec<String> = (0..action_count).map(|i| format!("a{i}")).collect();
            let fea_claim = fea.iter().map(|(s, n)| format!("{s}:{n}")).collect::<Vec<_>>().join(",");
            let mut text = Text::default();
            let mut spans = Vec::new();
            let got: Option<Vec<String>> = v2_permissions(
                Entitlements::parse(&fea_claim),
                &actions.join(","),
                &masks.join(","),
                &mut text,
                &mut spans,
            )
            .map(|()| spans.iter().map(|s| text.get(*s).to_owned()).collect());
            // Clerk trims each mask before reading it.
            let masks_trimmed: Vec<String> = masks.iter().map(|m| m.trim().to_owned()).collect();
            let expected = reference(&fea, &actions, &masks_trimmed);
            // Past the permission limit the token is refused, not truncated.
            let expected = (expected.len() <= crate::verify::decode::MAX_ORG_PERMISSIONS).then_some(expected);
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn mask_bits_match_the_bigint_bits(bytes in proptest::collection::vec(any::<u8>(), 0..=25), limit in 0usize..220) {
            let value = BigUint::from_bytes_le(&bytes);
            let expected: Vec<usize> = (0..limit).filter(|&j| value.bit(j as u64)).collect();
            prop_assert_eq!(set_bits_below(&value.to_string(), limit).collect::<Vec<_>>(), expected);
        }

        #[test]
        fn org_normalisation_is_idempotent(key in "(org:){0,3}[a-z:_]{0,12}") {
            let once = normalize_org_key(&key);
            prop_assert_eq!(normalize_org_key(once), once);
            let role = normalized_role(&key);
            prop_assert_eq!(role.and_then(normalized_role), role);
        }

        #[test]
        fn any_number_of_org_prefixes_names_the_same_role(prefixes in 0usize..5, role in "[a-z_]{1,10}") {
            let spelled = format!("{}{role}", "org:".repeat(prefixes));
            prop_assert_eq!(normalized_role(&spelled), Some(role.as_str()));
        }
    }
}
