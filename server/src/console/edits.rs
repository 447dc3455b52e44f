//! A console action's change, made through the hub as the desk officer (`Hub::edit_as`), and what its
//! outcome means for the page: done (back to the page), refused (the page again, each reason by the field
//! it is about), or failed (an error page).

use std::future::Future;

use axum::response::{IntoResponse, Redirect, Response};
use zhiban_model::DocumentId;
use zhiban_model::documents::TypedDocument;
use zhiban_model::refusal::{Refusal, input};

use super::failure::Failure;
use super::session::Desk;
use crate::AppState;
use crate::sync::{EditError, SyncError};

/// Applies `edit` to document `id` (as the page's address names it) in the desk officer's name.
pub async fn edit_document(
    state: &AppState,
    desk: &Desk,
    id: &str,
    edit: impl FnOnce(&mut TypedDocument) -> Result<(), Vec<Refusal>>,
) -> Result<(), EditError> {
    let document = DocumentId::parse_url_or_id(id).map_err(|_| {
        EditError::Refused(vec![input(
            "id",
            "the document id in the address does not read",
            "地址中的文档编号无法识别",
        )])
    })?;
    state.hub.edit_as(&desk.author(), document, edit).await
}

/// The refusal of an action on a document that is not of the kind the page works on (`该文档不是…`).
pub fn not_a(kind_en: &str, kind_zh: &str) -> Vec<Refusal> {
    vec![Refusal::new("document.type", format!("this document is not {kind_en}"), format!("该文档不是{kind_zh}"))]
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
    add: impl FnOnce(&mut TypedDocument) -> Result<(), Vec<Refusal>>,
) -> Result<(), EditError> {
    match existing {
        Some(id) => state.hub.edit_as(&desk.author(), id, add).await,
        None => {
            add(&mut fresh).map_err(EditError::Refused)?;
            state.hub.create_as(&desk.author(), &fresh).await.map(|_| ())
        }
    }
}

/// Why a form's action was refused: each reason in the desk's words, placed by the part of the document (or
/// the form's field) it is about. Nothing here reads a reason's text.
#[derive(Debug, Clone, Default)]
pub struct Refused(pub Vec<Refusal>);

impl Refused {
    /// The reasons about any of `parts` or anything under one of them (`recipients` takes
    /// `recipients/east`), joined; `None` when there are none.
    pub fn about(&self, parts: &[&str]) -> Option<String> {
        joined(self.0.iter().filter(|r| is_under(r, parts)))
    }

    /// The reasons about none of `placed`: shown with the form as a whole.
    pub fn besides(&self, placed: &[&str]) -> Option<String> {
        joined(self.0.iter().filter(|r| !is_under(r, placed)))
    }

    /// Every reason, for a form with one place to show them.
    pub fn all(&self) -> String {
        zhiban_model::refusal::in_chinese(&self.0)
    }
}

fn is_under(refusal: &Refusal, parts: &[&str]) -> bool {
    refusal.part.as_deref().is_some_and(|part| {
        parts.iter().any(|p| part == *p || part.strip_prefix(p).is_some_and(|rest| rest.starts_with('/')))
    })
}

fn joined<'a>(refusals: impl Iterator<Item = &'a Refusal>) -> Option<String> {
    let said: Vec<&str> = refusals.map(|r| r.reason_zh.as_str()).collect();
    (!said.is_empty()).then(|| said.join("；"))
}

/// What the change gave when it was kept, or why it was refused (to show by the form); a failure page
/// otherwise.
pub fn refusal<T>(outcome: Result<T, EditError>) -> Result<Result<T, Refused>, Failure> {
    match outcome {
        Ok(kept) => Ok(Ok(kept)),
        Err(EditError::Refused(refusals)) | Err(EditError::Sync(SyncError::ChangeRefused { refusals, .. })) => {
            Ok(Err(Refused(refusals)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The answer to an action: back to `page` once the change was kept (so a reload posts nothing again), or
/// `refused(why)`, the form's page again with each reason by its field.
pub async fn answer<F: Future<Output = Result<Response, Failure>>>(
    outcome: Result<(), EditError>,
    page: &str,
    refused: impl FnOnce(Refused) -> F,
) -> Result<Response, Failure> {
    match refusal(outcome)? {
        Ok(()) => Ok(Redirect::to(page).into_response()),
        Err(why) => refused(why).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_go_by_their_part_and_the_rest_with_the_form() {
        let refused = Refused(vec![
            input("recipients/east", "unit east is not in the directory", "接收方 east 不在通讯录中"),
            input("text", "the text is empty", "批示内容不能为空"),
            input("recipientsx", "elsewhere", "别处"),
            Refusal::new("instruction.create", "only the desk or a leader", "只有值班台或领导可以录入批示"),
        ]);
        assert_eq!(refused.about(&["recipients"]).as_deref(), Some("接收方 east 不在通讯录中"));
        assert_eq!(refused.about(&["leader"]), None);
        assert_eq!(refused.besides(&["recipients", "text"]).as_deref(), Some("别处；只有值班台或领导可以录入批示"));
        assert_eq!(refused.all().matches('；').count(), 3);
    }
}
