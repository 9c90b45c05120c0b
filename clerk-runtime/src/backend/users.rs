//! Users: `GET /v1/users/{id}`.

use serde::{Deserialize, Deserializer};

use super::client::Call;
use super::path::segment;
use super::{BackendClient, BackendError};

type Metadata = serde_json::Map<String, serde_json::Value>;

/// A Clerk user as the Backend API returns it. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// User id (`user_...`).
    pub id: String,
    /// Your own id for the user, if set.
    #[serde(default)]
    pub external_id: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Username, when the instance uses usernames.
    #[serde(default)]
    pub username: Option<String>,
    /// Avatar URL (Clerk serves a default one when none was uploaded).
    #[serde(default)]
    pub image_url: Option<String>,
    /// Whether the user uploaded an avatar.
    #[serde(default)]
    pub has_image: bool,
    /// Id of the primary entry of `email_addresses`.
    #[serde(default)]
    pub primary_email_address_id: Option<String>,
    /// All email addresses.
    #[serde(default, deserialize_with = "null_as_default")]
    pub email_addresses: Vec<EmailAddress>,
    /// Readable by the frontend, writable by the backend.
    #[serde(default, deserialize_with = "null_as_default")]
    pub public_metadata: Metadata,
    /// Backend only; absent when Clerk does not send it.
    #[serde(default)]
    pub private_metadata: Option<Metadata>,
    /// Readable and writable by the frontend: never trust it for authorization.
    #[serde(default)]
    pub unsafe_metadata: Option<Metadata>,
    /// Banned users cannot sign in.
    #[serde(default)]
    pub banned: bool,
    /// Locked out after too many failed attempts.
    #[serde(default)]
    pub locked: bool,
    /// Last sign-in.
    #[serde(default)]
    pub last_sign_in_at: Option<i64>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<i64>,
    /// Last update.
    #[serde(default)]
    pub updated_at: Option<i64>,
}

/// One email address of a [`User`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct EmailAddress {
    /// Id (`idn_...`).
    pub id: String,
    /// The address.
    pub email_address: String,
    /// Clerk's verification object (`status`, `strategy`...), kept raw.
    #[serde(default)]
    pub verification: Option<serde_json::Value>,
}

impl EmailAddress {
    /// Whether Clerk reports the address as verified.
    pub fn is_verified(&self) -> bool {
        self.verification
            .as_ref()
            .and_then(|v| v.get("status"))
            .and_then(|s| s.as_str())
            == Some("verified")
    }
}

impl User {
    /// The primary email entry: the one `primary_email_address_id` names.
    pub fn primary_email_address(&self) -> Option<&EmailAddress> {
        let primary = self.primary_email_address_id.as_deref()?;
        self.email_addresses.iter().find(|e| e.id == primary)
    }

    /// The primary email address.
    pub fn primary_email(&self) -> Option<&str> {
        self.primary_email_address()
            .map(|e| e.email_address.as_str())
    }

    /// First and last name joined by a space, whichever are set.
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl BackendClient {
    /// Reads one user (`GET /v1/users/{id}`).
    pub async fn get_user(&self, user_id: &str) -> Result<User, BackendError> {
        let id = segment("user id", user_id)?;
        self.call(Call::get(format!("/users/{id}"))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(json: &str) -> User {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn primary_email_follows_primary_email_address_id() {
        let u = user(
            r#"{"id":"user_1","primary_email_address_id":"idn_2","email_addresses":[
                {"id":"idn_1","email_address":"old@example.com"},
                {"id":"idn_2","email_address":"new@example.com","verification":{"status":"verified"}}]}"#,
        );
        assert_eq!(u.primary_email(), Some("new@example.com"));
        assert!(u.primary_email_address().unwrap().is_verified());
    }

    #[test]
    fn dangling_primary_id_yields_no_email() {
        let u = user(
            r#"{"id":"user_1","primary_email_address_id":"idn_9","email_addresses":[{"id":"idn_1","email_address":"a@b.c"}]}"#,
        );
        assert_eq!(u.primary_email(), None);
    }

    #[test]
    fn null_metadata_and_lists_decode_as_empty() {
        let u = user(
            r#"{"id":"user_1","public_metadata":null,"email_addresses":null,"private_metadata":null}"#,
        );
        assert!(u.public_metadata.is_empty());
        assert!(u.email_addresses.is_empty());
        assert_eq!(u.private_metadata, None);
        assert_eq!(u.full_name(), None);
    }

    #[test]
    fn full_name_joins_present_parts() {
        let u = user(r#"{"id":"user_1","first_name":"Ada","last_name":null}"#);
        assert_eq!(u.full_name().as_deref(), Some("Ada"));
    }
}
