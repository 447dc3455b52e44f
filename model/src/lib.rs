//! What Zhiban's server and clients agree on. No I/O and no async runtime here: document ids, the
//! automerge-repo wire protocol, and documents as JSON.

pub mod access;
pub mod document_id;
pub mod documents;
pub mod gate;
pub mod json;
pub mod push;
pub mod refusal;
pub mod rules;
pub mod wire;

pub use document_id::{DocumentId, DocumentIdError};
pub use wire::{Message, PeerId, PeerMetadata, WireError};

/// Largest frame the server and client accept unless configured otherwise: 16 MiB.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;
