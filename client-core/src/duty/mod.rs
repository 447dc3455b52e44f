//! The duty office's operations on the phone: file and follow up reports, attach photos, acknowledge
//! instructions, read rosters. Each works offline: it reads the typed document from this phone's copy,
//! applies the model's operation, checks the result with the same rules the server uses (against the
//! directory this phone holds), and reconciles it back in one local transaction, so what the user saw as
//! saved survives the app being killed. Sync takes it to the server later.

mod attachments;
mod filing;
pub(crate) mod http;
mod identity;
mod instructions;
mod oversight;
mod reports;
mod rosters;

use automerge::transaction::Transaction;
use chrono::{DateTime, FixedOffset, Utc};
use zhiban_model::DocumentId;
use zhiban_model::access::Viewer;
use zhiban_model::documents::assessment::Assessment;
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::duty_log::DutyLog;
use zhiban_model::documents::filing_round::FilingRound;
use zhiban_model::documents::home::Home;
use zhiban_model::documents::incident::Incident;
use zhiban_model::documents::instruction::Instruction;
use zhiban_model::documents::roster::RosterDocument;
use zhiban_model::documents::spot_check::SpotChecks;
use zhiban_model::documents::{DocumentError, TypedDocument};
use zhiban_model::gate::check_change;
use zhiban_model::refusal::Refusal;

use crate::client::Client;
use crate::error::ClientError;

pub use attachments::{AttachmentUpload, UploadOptions, UploadReport, media_type_of};
pub use filing::roster_problems;
pub(crate) use identity::DIRECTORY;
pub use identity::{Identity, NO_DIRECTORY, NO_IDENTITY};
pub use instructions::PendingAcknowledgement;
pub use oversight::{ZERO_REPORT_SUMMARY, holiday_round_terms};
pub use reports::{FiledReport, IncidentView};
pub use rosters::{Contact, OnDuty, ShiftOfMine};

/// Now, in the office's zone (Asia/Shanghai, UTC+8): what the CLI stamps on what the user does.
pub fn office_now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&zhiban_model::rules::office_time_zone())
}

/// A duty operation refused: every reason, each with its rule and part.
pub(crate) fn refused(what: &str, refusals: impl IntoIterator<Item = Refusal>) -> ClientError {
    ClientError::Refused { what: what.to_owned(), refusals: refusals.into_iter().collect() }
}

pub(crate) use zhiban_model::refusal::{document_problems as problems, input};

/// An office document the phone reads and changes through the gate.
pub(crate) trait Typed: Clone + autosurgeon::Reconcile + Into<TypedDocument> {
    fn read_typed(tx: &Transaction<'_>) -> Result<Self, DocumentError>;
}

macro_rules! typed {
    ($($ty:ty),*) => {$(
        impl Typed for $ty {
            fn read_typed(tx: &Transaction<'_>) -> Result<Self, DocumentError> {
                <$ty>::read(tx)
            }
        }
    )*};
}
typed!(Directory, Incident, Instruction, RosterDocument, Home, FilingRound, SpotChecks, DutyLog, Assessment);

/// The gate the server passes every change through, passed here first (`zhiban_model::gate`): no new
/// problems, no forbidden edits, and only what the logged-in person may do.
fn pass_gate(
    what: &str,
    before: Option<TypedDocument>,
    after: TypedDocument,
    directory: &Directory,
    viewer: Option<&Viewer>,
) -> Result<(), ClientError> {
    let before = Ok(before.unwrap_or(TypedDocument::Empty));
    check_change(&before, &Ok(after), directory, viewer).map_err(|reasons| refused(what, reasons))
}

impl Client {
    /// Reads document `id` as `T`, applies `operation`, passes the result through the gate and reconciles
    /// it back: one local transaction, so what the user saw as saved is saved.
    pub(crate) fn update_typed<T: Typed, V>(
        &self,
        id: DocumentId,
        what: &str,
        directory: &Directory,
        operation: impl FnOnce(&mut T) -> Result<V, Vec<Refusal>>,
    ) -> Result<V, ClientError> {
        let viewer = self.viewer()?;
        self.change_with(id, |tx| {
            let before = T::read_typed(tx).map_err(unreadable)?;
            let mut after = before.clone();
            let value = operation(&mut after).map_err(|reasons| refused(what, reasons))?;
            pass_gate(what, Some(before.into()), after.clone().into(), directory, viewer.as_ref())?;
            reconcile_into(tx, &after)?;
            Ok(value)
        })
    }

    /// A new document of the office, through the gate.
    pub(crate) fn create_typed<T: Typed>(
        &self,
        what: &str,
        document: &T,
        directory: &Directory,
    ) -> Result<DocumentId, ClientError> {
        pass_gate(what, None, document.clone().into(), directory, self.viewer()?.as_ref())?;
        self.create_with(|tx| reconcile_into(tx, document))
    }
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
