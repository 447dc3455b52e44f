//! The server's VAPID key pair (RFC 8292): made once by the operator, kept in the database; only the public
//! key is ever served.

use base64ct::{Base64UrlUnpadded, Encoding};
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair};

use super::PushError;
use crate::db::Database;
use crate::db::push::vapid_keys::{self, StoredKey};

/// The key pair and the contact push services may write to about our traffic.
pub struct VapidKeys {
    pub key_pair: ES256KeyPair,
    /// `mailto:` or `https:` contact (the JWT's `sub`).
    pub subject: String,
}

impl VapidKeys {
    /// The public key as browsers and distributors take it: base64url of the uncompressed point.
    pub fn public_key(&self) -> String {
        Base64UrlUnpadded::encode_string(&self.key_pair.public_key().public_key().to_bytes_uncompressed())
    }

    /// The stored keys, if the operator made them.
    pub async fn load(database: &Database) -> Result<Option<Self>, PushError> {
        let Some(StoredKey { private_key, subject }) = vapid_keys::stored(database).await? else { return Ok(None) };
        let bytes = Base64UrlUnpadded::decode_vec(&private_key).map_err(|e| PushError::BadKey(e.to_string()))?;
        let key_pair = ES256KeyPair::from_bytes(&bytes).map_err(|e| PushError::BadKey(e.to_string()))?;
        Ok(Some(Self { key_pair, subject }))
    }

    /// Makes and stores a new key pair. Refused when one exists unless `replace`: a new key invalidates
    /// every subscription made with the old one, and every phone must subscribe again.
    pub async fn generate(database: &Database, subject: &str, replace: bool) -> Result<Self, PushError> {
        if !(subject.starts_with("mailto:") || subject.starts_with("https:")) {
            return Err(PushError::BadKey(format!("the subject {subject:?} must be a mailto: or https: contact")));
        }
        if !replace && Self::load(database).await?.is_some() {
            return Err(PushError::BadKey(
                "VAPID keys exist already; --replace makes new ones (every phone must then subscribe again)".into(),
            ));
        }
        let keys = Self { key_pair: ES256KeyPair::generate(), subject: subject.to_owned() };
        let private = Base64UrlUnpadded::encode_string(&keys.key_pair.to_bytes());
        let public = keys.public_key();
        // When the operator made the keys, on the machine's clock: nothing in the office is judged by it.
        let now = chrono::Utc::now().timestamp_millis();
        // With a new key, the subscriptions made for the old one go: push services would refuse them now.
        let key = vapid_keys::NewKey { private_key: &private, public_key: &public, subject };
        vapid_keys::replace(database, key, replace, now).await?;
        Ok(keys)
    }
}
