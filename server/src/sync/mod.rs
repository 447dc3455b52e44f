//! The sync endpoint: automerge-repo peers connect over a WebSocket, and the hub keeps each document they
//! use in memory, applies their sync messages, stores new changes durably, and sends the result to every
//! peer of the document.

mod actor_owners;
mod authored;
mod changed;
pub mod connection;
pub mod ephemeral;
mod first_answers;
mod homes;
mod hub;
mod incoming;
mod live_document;
mod outbound;
mod receipts;
mod sessions;
mod user_connections;

pub use authored::{Author, EditError};
pub use changed::Changed;
pub use connection::ConnectionLimits;
pub use homes::HomeError;
pub use hub::{Hub, HubConfig, SyncError};
pub(crate) use receipts::{Delivery, receipts};
pub use sessions::{LiveSession, LiveSessions};
pub use user_connections::{UserConnection, UserConnections};
