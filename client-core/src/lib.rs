//! Zhiban's client core, the phone's brain: documents live in a local SQLite file and work with no network;
//! a sync loop brings them in line with the server whenever it can be reached.
//!
//! ```no_run
//! # async fn demo() -> Result<(), zhiban_client_core::ClientError> {
//! let client = zhiban_client_core::Client::open("phone-data".as_ref(), Some("http://127.0.0.1:8760"))?;
//! let id = client.create_document(&serde_json::json!({"title": "暴雨 首报"}))?;
//! client.set_path(id, "title", &serde_json::json!("暴雨 续报一"))?;
//! client.sync_once(std::time::Duration::from_secs(30)).await?; // Ok once the server confirmed it all
//! # Ok(()) }
//! ```

mod alerts;
mod client;
pub mod duty;
mod error;
mod home;
mod local_store;
mod login;
mod push;
mod server_url;
mod sync;

pub use alerts::OpenAlert;
pub use client::{Client, ConnectionState, DocumentStatus, RefusedDocument, SyncHandle, SyncStatus};
pub use duty::{
    AttachmentUpload, Contact, FiledReport, Identity, IncidentView, NO_DIRECTORY, NO_IDENTITY, OnDuty,
    PendingAcknowledgement, ShiftOfMine, UploadOptions, UploadReport, ZERO_REPORT_SUMMARY, holiday_round_terms,
    media_type_of, office_now, roster_problems,
};
pub use error::ClientError;
pub use login::UNSENT_RULE;
pub use server_url::sync_url;
pub use zhiban_model::DocumentId;
pub use zhiban_model::refusal::{INPUT_RULE, Refusal};
