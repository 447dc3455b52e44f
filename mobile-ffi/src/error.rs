//! The one error the apps see. Each kind says what the app can do about it; `reason` is a sentence for
//! the user. What went wrong inside (SQLite, JSON, the protocol) stays inside: it is logged, and the app
//! gets the kind and the sentence. (The field is `reason`, not `message`: Kotlin's exceptions own that
//! name.)

use zhiban_client_core::{self as core, ClientError};

use crate::records::{Refusal, refusals};

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ZhibanError {
    /// The server cannot be reached (or did not answer in time). Whatever was done is kept on the phone
    /// and goes with the next sync: show "offline", not a failure.
    #[error("{reason}")]
    Offline { reason: String },
    /// Nobody is logged in, or the server wants a new login. Nothing on the phone is lost.
    #[error("{reason}")]
    LoginRequired { reason: String },
    /// The office's access rules do not allow this person to do this; `rule` names the first rule that
    /// said no, `refusals` gives every reason.
    #[error("{reason}")]
    Forbidden { rule: String, reason: String, refusals: Vec<Refusal> },
    /// What was given does not do: `field` names the argument or the part of the document, when known;
    /// `refusals` gives every reason with its part, to show beside each field.
    #[error("{reason}")]
    InvalidInput { field: Option<String>, reason: String, refusals: Vec<Refusal> },
    /// The document is not on this phone (sync first), or not on the server either.
    #[error("{reason}")]
    NotFound { document: String, reason: String },
    /// The server refused or failed the request, or refused changes made here (they are kept aside; their
    /// reasons are in `refusals`).
    #[error("{reason}")]
    RejectedByServer { reason: String, refusals: Vec<Refusal> },
    /// The phone's own storage failed (full, damaged, not writable).
    #[error("{reason}")]
    Storage { reason: String },
}

pub type Result<T> = std::result::Result<T, ZhibanError>;

impl ZhibanError {
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        ZhibanError::InvalidInput { field: Some(field.to_owned()), reason: reason.into(), refusals: Vec::new() }
    }
}

/// Whether a refusal is about what this person may do (an access rule or the server's), rather than about
/// what is wrong with the document or with what was given.
fn is_access(refusal: &core::Refusal) -> bool {
    !refusal.is_about_the_document() && refusal.rule != core::INPUT_RULE
}

impl From<ClientError> for ZhibanError {
    fn from(e: ClientError) -> Self {
        let reason = e.to_string();
        match e {
            ClientError::Unreachable { .. } | ClientError::Timeout(..) | ClientError::NoServer => {
                ZhibanError::Offline { reason }
            }
            ClientError::LoginRequired(_) => ZhibanError::LoginRequired { reason },
            ClientError::NotSetUp(_) => ZhibanError::LoginRequired { reason },
            ClientError::Refused { refusals: given, .. } => match given.iter().find(|r| is_access(r)) {
                Some(access) => {
                    ZhibanError::Forbidden { rule: access.rule.clone(), reason, refusals: refusals(&given) }
                }
                None => ZhibanError::InvalidInput {
                    field: given.iter().find_map(|r| r.part.clone()),
                    reason,
                    refusals: refusals(&given),
                },
            },
            ClientError::InvalidInput(_) | ClientError::BadServerUrl(_) | ClientError::Json(_) => {
                ZhibanError::InvalidInput { field: None, reason, refusals: Vec::new() }
            }
            ClientError::NotHere(id, _) | ClientError::Unavailable(id) => {
                ZhibanError::NotFound { document: id.url(), reason }
            }
            ClientError::ChangesRefused(documents) => ZhibanError::RejectedByServer {
                reason,
                refusals: documents.iter().flat_map(|d| refusals(&d.refusals)).collect(),
            },
            ClientError::Http { .. } | ClientError::ServerError(_) | ClientError::Protocol(_) => {
                ZhibanError::RejectedByServer { reason, refusals: Vec::new() }
            }
            ClientError::DataFolder { .. }
            | ClientError::LocalStore(_)
            | ClientError::StoreTooNew { .. }
            | ClientError::Corrupt { .. } => {
                tracing::error!(error = %reason, "the phone's storage failed");
                ZhibanError::Storage { reason }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_access_refusal_names_its_rule_and_a_validation_refusal_gives_its_field() {
        let forbidden = ClientError::Refused {
            what: "add this follow-up".into(),
            refusals: vec![core::Refusal::new(
                "incident.lifecycle",
                "only the desk moves an incident on",
                "只有值班台可以推进事件",
            )],
        };
        match ZhibanError::from(forbidden) {
            ZhibanError::Forbidden { rule, reason, refusals } => {
                assert_eq!(rule, "incident.lifecycle");
                assert!(reason.contains("only the desk"), "{reason}");
                assert_eq!(refusals[0].reason_zh, "只有值班台可以推进事件");
            }
            other => panic!("not forbidden: {other:?}"),
        }
        let invalid = ClientError::Refused {
            what: "file this first report".into(),
            refusals: vec![core::Refusal::new(core::INPUT_RULE, "the title is empty", "标题为空").at("title")],
        };
        assert!(matches!(
            ZhibanError::from(invalid),
            ZhibanError::InvalidInput { field: Some(field), .. } if field == "title"
        ));
        let problem = ClientError::Refused {
            what: "add this follow-up".into(),
            refusals: vec![
                core::Refusal::new("document.problem", "casualties cannot be negative", "伤亡人数不能为负数")
                    .at("entries/e2/details/casualties"),
            ],
        };
        match ZhibanError::from(problem) {
            ZhibanError::InvalidInput { field, refusals, .. } => {
                assert_eq!(field.as_deref(), Some("entries/e2/details/casualties"));
                assert_eq!(refusals[0].rule, "document.problem");
            }
            other => panic!("not invalid input: {other:?}"),
        }
        let offline = ClientError::Unreachable { url: "http://x".into(), reason: "refused".into() };
        assert!(matches!(ZhibanError::from(offline), ZhibanError::Offline { .. }));
    }
}
