//! A console action's change, made through the hub as the desk officer (`Hub::edit_as`), and what its
//! outcome means for the page: done (back to the page), refused (the page again, the reason by its form),
//! or failed (an error page).

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

/// `None` when the change was kept; the reason to show by the form when it was refused; a failure page
/// otherwise.
pub fn refusal(outcome: Result<(), EditError>) -> Result<Option<String>, Failure> {
    match outcome {
        Ok(()) => Ok(None),
        Err(EditError::Refused(reasons)) => Ok(Some(reasons.join("；"))),
        Err(EditError::Sync(SyncError::ChangeRefused { reason, .. })) => Ok(Some(format!("未通过校验：{reason}"))),
        Err(e) => Err(e.into()),
    }
}
