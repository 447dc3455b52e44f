//! Document ids as automerge-repo writes them: bs58check of 16 random bytes, shown as `automerge:<id>`.

use std::fmt;
use std::str::FromStr;

use rand::RngCore;

/// The scheme automerge-repo puts in front of a document id to make a URL.
pub const URL_SCHEME: &str = "automerge:";

/// A document's identity: 16 bytes, the same on every phone and on the server.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentIdError {
    #[error("document id {0:?} is not base58check (a typo, or not an automerge document id)")]
    NotBase58Check(String),
    #[error("document id {id:?} decodes to {len} bytes; an automerge document id has 16")]
    WrongLength { id: String, len: usize },
}

impl DocumentId {
    /// A new random id, as `repo.create()` would make.
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// `automerge:<id>`, the form people copy around.
    pub fn url(&self) -> String {
        format!("{URL_SCHEME}{self}")
    }

    /// Accepts a bare id or an `automerge:` URL; a heads suffix (`#…`) is ignored.
    pub fn parse_url_or_id(text: &str) -> Result<Self, DocumentIdError> {
        let text = text.trim();
        let bare = text.strip_prefix(URL_SCHEME).unwrap_or(text);
        let bare = bare.split('#').next().unwrap_or(bare);
        bare.parse()
    }
}

impl FromStr for DocumentId {
    type Err = DocumentIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes =
            bs58::decode(s).with_check(None).into_vec().map_err(|_| DocumentIdError::NotBase58Check(s.to_owned()))?;
        let array: [u8; 16] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| DocumentIdError::WrongLength { id: s.to_owned(), len: bytes.len() })?;
        Ok(Self(array))
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text_and_url() {
        let id = DocumentId::random();
        assert_eq!(id.to_string().parse::<DocumentId>(), Ok(id));
        assert_eq!(DocumentId::parse_url_or_id(&id.url()), Ok(id));
        assert_eq!(DocumentId::parse_url_or_id(&format!("{}#abc", id.url())), Ok(id));
    }

    #[test]
    fn reads_an_id_made_by_the_javascript_repo() {
        // Made by @automerge/automerge-repo 2.5.6 `repo.create()` on Node 20.
        let id: DocumentId = DocumentId::parse_url_or_id("automerge:3ZJN5DSusd7MzbyRhAUWkGEx9SB4").expect("valid id");
        assert_eq!(id.to_string(), "3ZJN5DSusd7MzbyRhAUWkGEx9SB4");
    }

    #[test]
    fn rejects_typos_and_wrong_lengths() {
        assert!(matches!(
            "4NMNnkMhL8jXrdJ9jamS58PAVdXv".parse::<DocumentId>(),
            Err(DocumentIdError::NotBase58Check(_))
        ));
        let short = bs58::encode([1u8; 8]).with_check().into_string();
        assert!(matches!(short.parse::<DocumentId>(), Err(DocumentIdError::WrongLength { len: 8, .. })));
        assert!("not an id!".parse::<DocumentId>().is_err());
    }
}
