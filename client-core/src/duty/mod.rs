//! The duty office's operations on the phone: file and follow up reports, attach photos, acknowledge
//! instructions, read rosters. Each works offline: it reads the typed document from this phone's copy,
//! applies the model's operation, checks the result with the same rules the server uses (against the
//! directory this phone holds), and reconciles it back in one local transaction, so what the user saw as
//! saved survives the app being killed. Sync takes it to the server later.

mod attachments;
pub(crate) mod http;
mod identity;
mod instructions;
mod reports;
mod rosters;

use automerge::transaction::Transaction;
use chrono::{DateTime, FixedOffset, Utc};
use zhiban_model::documents::DocumentError;

use crate::error::ClientError;

pub use attachments::{AttachmentUpload, UploadOptions, UploadReport, media_type_of};
pub use identity::Identity;
pub use instructions::PendingAcknowledgement;
pub use reports::{FiledReport, IncidentView};
pub use rosters::{Contact, OnDuty, ShiftOfMine};

/// Now, in the office's zone (Asia/Shanghai, UTC+8): what the CLI stamps on what the user does.
pub fn office_now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&zhiban_model::rules::office_time_zone())
}

/// A refusal listing every reason.
pub(crate) fn refused<P: ToString>(what: &str, problems: impl IntoIterator<Item = P>) -> ClientError {
    ClientError::Refused { what: what.to_owned(), reasons: problems.into_iter().map(|p| p.to_string()).collect() }
}

/// Problems in `after` that `before` did not have: what an operation would add. The server judges a change
/// the same way, so a document that a newer rule calls invalid can still be worked on.
pub(crate) fn new_problems<P: ToString>(before: Vec<P>, after: Vec<P>) -> Vec<String> {
    let old: std::collections::BTreeSet<String> = before.iter().map(ToString::to_string).collect();
    after.iter().map(ToString::to_string).filter(|p| !old.contains(p)).collect()
}

/// An id for a new entry (report, attachment): unique per phone without asking anyone.
pub(crate) fn new_entry_id() -> String {
    format!("e{:016x}", rand::random::<u64>())
}

pub(crate) fn unreadable(e: DocumentError) -> ClientError {
    ClientError::InvalidInput(e.to_string())
}

/// Writes `value` into the document of the transaction as its whole content.
pub(crate) fn reconcile_into<T: autosurgeon::Reconcile>(
    tx: &mut Transaction<'_>,
    value: &T,
) -> Result<(), ClientError> {
    autosurgeon::reconcile(tx, value).map_err(|e| ClientError::InvalidInput(format!("cannot write the document: {e}")))
}
