//! The one error the apps see. Each kind says what the app can do about it; `reason` is a sentence for
//! the user. What went wrong inside (SQLite, JSON, the protocol) stays inside: it is logged, and the app
//! gets the kind and the sentence. (The field is `reason`, not `message`: Kotlin's exceptions own that
//! name.)

use zhiban_client_core::ClientError;

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ZhibanError {
    /// The server cannot be reached (or did not answer in time). Whatever was done is kept on the phone
    /// and goes with the next sync: show "offline", not a failure.
    #[error("{reason}")]
    Offline { reason: String },
    /// Nobody is logged in, or the server wants a new login. Nothing on the phone is lost.
    #[error("{reason}")]
    LoginRequired { reason: String },
    /// The office's access rules do not allow this person to do this; `rule` names the rule.
    #[error("{reason}")]
    Forbidden { rule: String, reason: String },
    /// What was given does not do: `field` names the argument or the part of the document, when known.
    #[error("{reason}")]
    InvalidInput { field: Option<String>, reason: String },
    /// The document is not on this phone (sync first), or not on the server either.
    #[error("{reason}")]
    NotFound { document: String, reason: String },
    /// The server refused or failed the request, or refused changes made here (they are kept aside).
    #[error("{reason}")]
    RejectedByServer { reason: String },
    /// The phone's own storage failed (full, damaged, not writable).
    #[error("{reason}")]
    Storage { reason: String },
}

pub type Result<T> = std::result::Result<T, ZhibanError>;

impl ZhibanError {
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        ZhibanError::InvalidInput { field: Some(field.to_owned()), reason: reason.into() }
    }
}

/// An access rule's refusal reads "… (rule incident.lifecycle)" (`zhiban_model::access::Refusal`). The
/// document's own rules (`document.problem`, `document.history`, …) name what is wrong with the document, not
/// what the person may do: those are invalid input.
fn access_rule(reason: &str) -> Option<&str> {
    let rule = reason.strip_suffix(')')?.rsplit_once("(rule ").map(|(_, rule)| rule)?;
    (!rule.starts_with("document.")).then_some(rule)
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
            ClientError::Refused { reasons, .. } => match reasons.iter().find_map(|r| access_rule(r)) {
                Some(rule) => ZhibanError::Forbidden { rule: rule.to_owned(), reason },
                None => ZhibanError::InvalidInput { field: None, reason },
            },
            ClientError::InvalidInput(_) | ClientError::BadServerUrl(_) | ClientError::Json(_) => {
                ZhibanError::InvalidInput { field: None, reason }
            }
            ClientError::NotHere(id, _) | ClientError::Unavailable(id) => {
                ZhibanError::NotFound { document: id.url(), reason }
            }
            ClientError::Http { .. }
            | ClientError::ServerError(_)
            | ClientError::ChangesRefused(_)
            | ClientError::Protocol(_) => ZhibanError::RejectedByServer { reason },
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
    fn an_access_refusal_names_its_rule_and_a_validation_refusal_does_not() {
        let forbidden = ClientError::Refused {
            what: "add this follow-up".into(),
            reasons: vec!["only the desk moves an incident on (rule incident.lifecycle)".into()],
        };
        match ZhibanError::from(forbidden) {
            ZhibanError::Forbidden { rule, reason } => {
                assert_eq!(rule, "incident.lifecycle");
                assert!(reason.contains("only the desk"), "{reason}");
            }
            other => panic!("not forbidden: {other:?}"),
        }
        let invalid =
            ClientError::Refused { what: "file this first report".into(), reasons: vec!["the title is empty".into()] };
        assert!(matches!(ZhibanError::from(invalid), ZhibanError::InvalidInput { field: None, .. }));
        let problem = ClientError::Refused {
            what: "add this follow-up".into(),
            reasons: vec!["entry e2: casualties cannot be negative (rule document.problem)".into()],
        };
        assert!(matches!(ZhibanError::from(problem), ZhibanError::InvalidInput { field: None, .. }));
        let offline = ClientError::Unreachable { url: "http://x".into(), reason: "refused".into() };
        assert!(matches!(ZhibanError::from(offline), ZhibanError::Offline { .. }));
    }
}
