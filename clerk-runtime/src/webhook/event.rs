//! Clerk's webhook envelope and typed payloads.
//!
//! The envelope (clerk-docs `webhooks/overview.mdx`, `@clerk/backend`
//! `Webhooks.ts`): `{"data": {...}, "object": "event", "type": "user.created",
//! "timestamp": <ms>, "instance_id": "ins_...", "event_attributes": {...}}`.
//! [`WebhookEvent`] keeps all of it; [`EventData`] has a variant per user,
//! session, organization and membership event, and [`EventData::Other`]
//! for every other type (email, sms, billing, ones Clerk adds later), so an
//! unknown type never fails to deserialize. Payload fields other than ids
//! are optional: a field Clerk drops does not break a delivery either.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::revocation::Revocation;
use crate::verify::Verifier;

/// A Clerk webhook event.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// The event type as sent (`user.created`, `session.revoked`, ...).
    pub event_type: String,
    /// Always `"event"`.
    pub object: String,
    /// When the event occurred, unix milliseconds.
    pub timestamp: Option<i64>,
    /// The Clerk instance (`ins_...`).
    pub instance_id: Option<String>,
    /// The request that caused the event, when Clerk reports one.
    pub event_attributes: Option<EventAttributes>,
    /// The payload, typed by `event_type`.
    pub data: EventData,
}

/// The payload of a [`WebhookEvent`], one variant per event type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventData {
    /// `user.created`.
    UserCreated(User),
    /// `user.updated`.
    UserUpdated(User),
    /// `user.deleted`.
    UserDeleted(DeletedObject),
    /// `session.created`.
    SessionCreated(SessionEvent),
    /// `session.ended`.
    SessionEnded(SessionEvent),
    /// `session.removed`.
    SessionRemoved(SessionEvent),
    /// `session.revoked`.
    SessionRevoked(SessionEvent),
    /// `organization.created`.
    OrganizationCreated(Organization),
    /// `organization.updated`.
    OrganizationUpdated(Organization),
    /// `organization.deleted`.
    OrganizationDeleted(DeletedObject),
    /// `organizationMembership.created`.
    MembershipCreated(OrganizationMembership),
    /// `organizationMembership.updated`.
    MembershipUpdated(OrganizationMembership),
    /// `organizationMembership.deleted`.
    MembershipDeleted(OrganizationMembership),
    /// Any other type: the payload as JSON.
    Other(Value),
}

impl EventData {
    /// The payload of an event of type `event_type`.
    pub fn from_type(event_type: &str, data: Value) -> Result<Self, serde_json::Error> {
        use serde_json::from_value as parse;
        Ok(match event_type {
            "user.created" => Self::UserCreated(parse(data)?),
            "user.updated" => Self::UserUpdated(parse(data)?),
            "user.deleted" => Self::UserDeleted(parse(data)?),
            "session.created" => Self::SessionCreated(parse(data)?),
            "session.ended" => Self::SessionEnded(parse(data)?),
            "session.removed" => Self::SessionRemoved(parse(data)?),
            "session.revoked" => Self::SessionRevoked(parse(data)?),
            "organization.created" => Self::OrganizationCreated(parse(data)?),
            "organization.updated" => Self::OrganizationUpdated(parse(data)?),
            "organization.deleted" => Self::OrganizationDeleted(parse(data)?),
            "organizationMembership.created" => Self::MembershipCreated(parse(data)?),
            "organizationMembership.updated" => Self::MembershipUpdated(parse(data)?),
            "organizationMembership.deleted" => Self::MembershipDeleted(parse(data)?),
            _ => Self::Other(data),
        })
    }
}

impl WebhookEvent {
    /// The tokens this event makes invalid: the session of `session.ended`,
    /// `session.removed` and `session.revoked`, every session of the user of
    /// `user.deleted`.
    pub fn revocation(&self) -> Option<Revocation> {
        match &self.data {
            EventData::SessionEnded(s)
            | EventData::SessionRemoved(s)
            | EventData::SessionRevoked(s) => Some(Revocation::Session(s.id.clone())),
            EventData::UserDeleted(deleted) => deleted.id.clone().map(Revocation::User),
            _ => None,
        }
    }

    /// Applies [`WebhookEvent::revocation`] to `verifier` (and through it to
    /// every instance, with a [`revocation`](crate::revocation) hub), so the
    /// very next request with such a token is refused. Returns what it revoked.
    pub fn revoke_in(&self, verifier: &Verifier) -> Option<Revocation> {
        let revocation = self.revocation()?;
        verifier.revoke(&revocation);
        Some(revocation)
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default = "event_object")]
    object: String,
    #[serde(default)]
    timestamp: Option<i64>,
    #[serde(default)]
    instance_id: Option<String>,
    #[serde(default)]
    event_attributes: Option<EventAttributes>,
    #[serde(default)]
    data: Value,
}

fn event_object() -> String {
    "event".to_owned()
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let envelope = Envelope::deserialize(deserializer)?;
        let data = EventData::from_type(&envelope.event_type, envelope.data).map_err(|e| {
            serde::de::Error::custom(format_args!("{} payload: {e}", envelope.event_type))
        })?;
        Ok(Self {
            event_type: envelope.event_type,
            object: envelope.object,
            timestamp: envelope.timestamp,
            instance_id: envelope.instance_id,
            event_attributes: envelope.event_attributes,
            data,
        })
    }
}

/// `event_attributes` of the envelope.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EventAttributes {
    /// The HTTP request behind the event.
    #[serde(default)]
    pub http_request: Option<HttpRequest>,
}

/// `event_attributes.http_request`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HttpRequest {
    /// The client's IP address.
    #[serde(default)]
    pub client_ip: Option<String>,
    /// The client's user agent.
    #[serde(default)]
    pub user_agent: Option<String>,
}

/// One of a user's email addresses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EmailAddress {
    /// Id (`idn_...`).
    pub id: String,
    /// The address.
    pub email_address: String,
}

/// A user (`user.created`, `user.updated`; Clerk's UserJSON, main fields).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct User {
    /// User id (`user_...`).
    pub id: String,
    /// Your own id for the user, if set.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Username.
    #[serde(default)]
    pub username: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Profile image URL.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Id of the primary address among `email_addresses`.
    #[serde(default)]
    pub primary_email_address_id: Option<String>,
    /// Email addresses.
    #[serde(default)]
    pub email_addresses: Vec<EmailAddress>,
    /// Public metadata (readable in the browser).
    #[serde(default)]
    pub public_metadata: Value,
    /// Private metadata (backend only).
    #[serde(default)]
    pub private_metadata: Value,
    /// Unsafe metadata (writable by the user).
    #[serde(default)]
    pub unsafe_metadata: Value,
    /// Whether the user is banned.
    #[serde(default)]
    pub banned: Option<bool>,
    /// Whether the user is locked out.
    #[serde(default)]
    pub locked: Option<bool>,
    /// Last sign-in, unix ms.
    #[serde(default)]
    pub last_sign_in_at: Option<i64>,
    /// Creation, unix ms.
    #[serde(default)]
    pub created_at: Option<i64>,
    /// Last update, unix ms.
    #[serde(default)]
    pub updated_at: Option<i64>,
}

impl User {
    /// The primary email address, if the user has one.
    pub fn primary_email(&self) -> Option<&str> {
        let primary = self.primary_email_address_id.as_deref()?;
        self.email_addresses
            .iter()
            .find(|e| e.id == primary)
            .map(|e| e.email_address.as_str())
    }
}

/// A deleted resource (`user.deleted`, `organization.deleted`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeletedObject {
    /// Id of the deleted resource.
    #[serde(default)]
    pub id: Option<String>,
    /// Its kind (`user`, `organization`).
    #[serde(default)]
    pub object: Option<String>,
    /// Slug (organizations).
    #[serde(default)]
    pub slug: Option<String>,
    /// Always `true`.
    #[serde(default)]
    pub deleted: bool,
}

/// A session event (`session.*`: Clerk's SessionWebhookEventJSON).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SessionEvent {
    /// Session id (`sess_...`).
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// Status (`active`, `ended`, `revoked`, `removed`, ...).
    #[serde(default)]
    pub status: Option<String>,
    /// The browser/device client (`client_...`).
    #[serde(default)]
    pub client_id: Option<String>,
    /// Organization last active in the session.
    #[serde(default)]
    pub last_active_organization_id: Option<String>,
    /// Impersonation actor, when an admin acts as the user.
    #[serde(default)]
    pub actor: Option<Value>,
    /// Last activity, unix ms.
    #[serde(default)]
    pub last_active_at: Option<i64>,
    /// Expiry, unix ms.
    #[serde(default)]
    pub expire_at: Option<i64>,
    /// Abandonment time, unix ms.
    #[serde(default)]
    pub abandon_at: Option<i64>,
    /// Creation, unix ms.
    #[serde(default)]
    pub created_at: Option<i64>,
    /// Last update, unix ms.
    #[serde(default)]
    pub updated_at: Option<i64>,
    /// The session's user, when Clerk includes it.
    #[serde(default)]
    pub user: Option<Box<User>>,
}

/// An organization (`organization.created`, `organization.updated`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Organization {
    /// Organization id (`org_...`).
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Slug.
    #[serde(default)]
    pub slug: Option<String>,
    /// Logo URL.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Number of members.
    #[serde(default)]
    pub members_count: Option<u64>,
    /// Membership limit (0: none).
    #[serde(default)]
    pub max_allowed_memberships: Option<u64>,
    /// The creating user's id.
    #[serde(default)]
    pub created_by: Option<String>,
    /// Public metadata.
    #[serde(default)]
    pub public_metadata: Value,
    /// Private metadata.
    #[serde(default)]
    pub private_metadata: Value,
    /// Creation, unix ms.
    #[serde(default)]
    pub created_at: Option<i64>,
    /// Last update, unix ms.
    #[serde(default)]
    pub updated_at: Option<i64>,
}

/// A membership (`organizationMembership.*`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrganizationMembership {
    /// Membership id (`orgmem_...`).
    pub id: String,
    /// Role key (`org:admin`, ...).
    pub role: String,
    /// Permission keys of the role.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// The organization.
    pub organization: Organization,
    /// The member.
    pub public_user_data: PublicUserData,
    /// Public metadata.
    #[serde(default)]
    pub public_metadata: Value,
    /// Private metadata.
    #[serde(default)]
    pub private_metadata: Value,
    /// Creation, unix ms.
    #[serde(default)]
    pub created_at: Option<i64>,
    /// Last update, unix ms.
    #[serde(default)]
    pub updated_at: Option<i64>,
}

/// The member of an [`OrganizationMembership`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PublicUserData {
    /// The user's id.
    pub user_id: String,
    /// Their identifier (email, phone or username).
    #[serde(default)]
    pub identifier: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Profile image URL.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Whether the image is not the default.
    #[serde(default)]
    pub has_image: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(event_type: &str, data: Value) -> WebhookEvent {
        serde_json::from_value(json!({
            "data": data,
            "instance_id": "ins_123",
            "object": "event",
            "timestamp": 1654012591835_i64,
            "type": event_type,
            "event_attributes": {"http_request": {"client_ip": "203.0.113.7", "user_agent": "curl/8"}},
        }))
        .unwrap()
    }

    fn user_json() -> Value {
        json!({
            "id": "user_29w83sxmDNGwOuEthce5gg56FcC",
            "object": "user",
            "first_name": "Example",
            "last_name": null,
            "primary_email_address_id": "idn_1",
            "email_addresses": [{"id": "idn_1", "email_address": "example@example.org", "object": "email_address"}],
            "public_metadata": {"role": "admin"},
            "created_at": 1654012591514_i64,
            "some_new_field": [1, 2, 3],
        })
    }

    #[test]
    fn envelope_fields_are_kept() {
        let e = event("user.created", user_json());
        assert_eq!(e.event_type, "user.created");
        assert_eq!(e.object, "event");
        assert_eq!(e.timestamp, Some(1654012591835));
        assert_eq!(e.instance_id.as_deref(), Some("ins_123"));
        let request = e.event_attributes.unwrap().http_request.unwrap();
        assert_eq!(request.client_ip.as_deref(), Some("203.0.113.7"));
    }

    #[test]
    fn user_created_is_typed() {
        let EventData::UserCreated(user) = event("user.created", user_json()).data else {
            panic!("not user.created");
        };
        assert_eq!(user.id, "user_29w83sxmDNGwOuEthce5gg56FcC");
        assert_eq!(user.primary_email(), Some("example@example.org"));
        assert_eq!(user.public_metadata["role"], "admin");
        assert_eq!(user.last_name, None);
    }

    #[test]
    fn user_deleted_revokes_the_user() {
        let e = event(
            "user.deleted",
            json!({"id": "user_1", "object": "user", "deleted": true}),
        );
        assert!(matches!(&e.data, EventData::UserDeleted(d) if d.deleted));
        assert_eq!(e.revocation(), Some(Revocation::User("user_1".into())));
    }

    fn session_json(status: &str) -> Value {
        json!({
            "id": "sess_1", "object": "session", "client_id": "client_1", "user_id": "user_1",
            "status": status, "last_active_at": 1, "expire_at": 2, "abandon_at": 3,
            "created_at": 0, "updated_at": 1, "actor": null,
            "user": user_json(),
        })
    }

    #[test]
    fn ended_removed_and_revoked_sessions_revoke_the_session() {
        for (event_type, status) in [
            ("session.ended", "ended"),
            ("session.removed", "removed"),
            ("session.revoked", "revoked"),
        ] {
            let e = event(event_type, session_json(status));
            assert_eq!(
                e.revocation(),
                Some(Revocation::Session("sess_1".into())),
                "{event_type}"
            );
        }
    }

    #[test]
    fn session_created_is_typed_and_revokes_nothing() {
        let e = event("session.created", session_json("active"));
        let EventData::SessionCreated(session) = &e.data else {
            panic!("not session.created");
        };
        assert_eq!(session.user_id, "user_1");
        assert_eq!(
            session.user.as_ref().unwrap().id,
            "user_29w83sxmDNGwOuEthce5gg56FcC"
        );
        assert_eq!(e.revocation(), None);
    }

    fn organization_json() -> Value {
        json!({"id": "org_1", "object": "organization", "name": "Acme", "slug": "acme",
               "members_count": 3, "public_metadata": {}, "created_by": "user_1"})
    }

    #[test]
    fn organization_events_are_typed() {
        let EventData::OrganizationUpdated(org) =
            event("organization.updated", organization_json()).data
        else {
            panic!("not organization.updated");
        };
        assert_eq!(
            (org.slug.as_deref(), org.members_count),
            (Some("acme"), Some(3))
        );
        let deleted = event(
            "organization.deleted",
            json!({"id": "org_1", "object": "organization", "deleted": true}),
        );
        assert!(matches!(deleted.data, EventData::OrganizationDeleted(_)));
        assert_eq!(deleted.revocation(), None);
    }

    #[test]
    fn membership_events_are_typed() {
        let membership = json!({
            "id": "orgmem_1", "object": "organization_membership", "role": "org:admin",
            "permissions": ["org:sys_memberships:manage"], "organization": organization_json(),
            "public_user_data": {"user_id": "user_1", "identifier": "a@example.org",
                                 "first_name": null, "last_name": null, "image_url": "", "has_image": false},
            "created_at": 1, "updated_at": 2,
        });
        for event_type in [
            "organizationMembership.created",
            "organizationMembership.updated",
            "organizationMembership.deleted",
        ] {
            let e = event(event_type, membership.clone());
            let (EventData::MembershipCreated(m)
            | EventData::MembershipUpdated(m)
            | EventData::MembershipDeleted(m)) = &e.data
            else {
                panic!("{event_type} not typed as a membership");
            };
            assert_eq!(
                (m.role.as_str(), m.public_user_data.user_id.as_str()),
                ("org:admin", "user_1")
            );
            assert_eq!(m.organization.id, "org_1");
        }
    }

    #[test]
    fn unknown_event_type_is_other_with_its_payload() {
        let e = event(
            "subscriptionItem.freeTrialEnding",
            json!({"id": "csub_1", "new": true}),
        );
        assert_eq!(
            e.data,
            EventData::Other(json!({"id": "csub_1", "new": true}))
        );
        assert_eq!(e.revocation(), None);
    }

    #[test]
    fn known_type_with_an_unusable_payload_is_an_error() {
        let result: Result<WebhookEvent, _> = serde_json::from_value(
            json!({"type": "session.revoked", "object": "event", "data": {"status": "revoked"}}),
        );
        let error = result.unwrap_err().to_string();
        assert!(error.contains("session.revoked payload"), "{error}");
    }

    #[test]
    fn missing_type_is_an_error() {
        let result: Result<WebhookEvent, _> =
            serde_json::from_value(json!({"object": "event", "data": {}}));
        assert!(result.is_err());
    }
}
