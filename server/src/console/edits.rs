//! A console action's change, made through the hub as the desk officer (`Hub::edit_as`), and what its
//! outcome means for the page: done (back to the page), refused (the page again, the reason by its form),
//! or failed (an error page).

use std::future::Future;

use axum::response::{IntoResponse, Redirect, Response};
use zhiban_model::DocumentId;
use zhiban_model::documents::TypedDocument;

use super::failure::Failure;
use super::session::Desk;
use crate::AppState;
use crate::sync::{EditError, SyncError};

/// Applies `edit` to document `id` (as the page's address names it) in the desk officer's name.
pub async fn edit_document(
    state: &AppState,
    desk: &Desk,
    id: &str,
    edit: impl FnOnce(&mut TypedDocument) -> Result<(), Vec<String>>,
) -> Result<(), EditError> {
    let document =
        DocumentId::parse_url_or_id(id).map_err(|_| EditError::Refused(vec!["地址中的文档编号无法识别".into()]))?;
    state.hub.edit_as(&desk.author(), document, edit).await
}

/// An id for a new check or log entry, unique without asking anyone, of the same form as a phone's.
pub fn new_record_id() -> String {
    format!("e{:016x}", rand::random::<u64>())
}

/// Adds a record to document `existing` with `add`, or, when there is none yet, creates `fresh` with `add`
/// applied: how a spot check joins the day's plan or a log entry its month's log, made on first need.
pub async fn add_or_create(
    state: &AppState,
    desk: &Desk,
    existing: Option<DocumentId>,
    mut fresh: TypedDocument,
    add: impl FnOnce(&mut TypedDocument) -> Result<(), Vec<String>>,
) -> Result<(), EditError> {
    match existing {
        Some(id) => state.hub.edit_as(&desk.author(), id, add).await,
        None => {
            add(&mut fresh).map_err(EditError::Refused)?;
            state.hub.create_as(&desk.author(), &fresh).await.map(|_| ())
        }
    }
}

/// What the change gave when it was kept, or the reason to show by the form when it was refused; a
/// failure page otherwise.
pub fn refusal<T>(outcome: Result<T, EditError>) -> Result<Result<T, String>, Failure> {
    match outcome {
        Ok(kept) => Ok(Ok(kept)),
        Err(EditError::Refused(reasons)) => Ok(Err(reasons.join("；"))),
        Err(EditError::Sync(SyncError::ChangeRefused { refusals, .. })) => {
            let reasons: Vec<String> = refusals.iter().map(ToString::to_string).collect();
            Ok(Err(format!("未通过校验：{}", reasons.join("; "))))
        }
        Err(e) => Err(e.into()),
    }
}

/// The answer to an action: back to `page` once the change was kept (so a reload posts nothing again), or
/// `refused(reason)`, the form's page again with the reason by its field.
pub async fn answer<F: Future<Output = Result<Response, Failure>>>(
    outcome: Result<(), EditError>,
    page: &str,
    refused: impl FnOnce(String) -> F,
) -> Result<Response, Failure> {
    match refusal(outcome)? {
        Ok(()) => Ok(Redirect::to(page).into_response()),
        Err(reason) => refused(reason).await,
    }
}
