//! Why a change or an operation was refused, as data: the rule that said no, the part of the document it is
//! about, and the reason in the office's language and in English. Made by the access rules and the gate,
//! sent by the server beside the automerge-repo `error` message's text, kept by the phone, shown by the
//! console next to the field. Nothing reads the reason's text to find out which rule or which part: those
//! travel as their own fields.

use serde::{Deserialize, Serialize};

/// One reason a change was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{reason} (rule {rule})")]
pub struct Refusal {
    /// A stable name for the rule, `incident.lifecycle` say, for logs, tests and apps to act on. The
    /// document's own rules start with `document.` (see `crate::gate`); the others are access rules or the
    /// server's.
    pub rule: String,
    /// The part of the document the reason is about, as a path of its fields and record ids
    /// (`entries/e2/casualties`), when there is one: a form shows the reason beside that field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// In English.
    pub reason: String,
    /// In Chinese, for the people of the duty office.
    pub reason_zh: String,
}

impl Refusal {
    pub fn new(rule: &str, reason: impl Into<String>, reason_zh: impl Into<String>) -> Self {
        Self { rule: rule.to_owned(), part: None, reason: reason.into(), reason_zh: reason_zh.into() }
    }

    /// The same refusal, about `part` of the document.
    pub fn at(mut self, part: impl Into<String>) -> Self {
        self.part = Some(part.into());
        self
    }

    /// A problem of a document or an operation, under `rule`.
    pub fn of(rule: &str, problem: &(impl Explain + ?Sized)) -> Self {
        Self { rule: rule.to_owned(), part: problem.part(), reason: problem.to_string(), reason_zh: problem.zh() }
    }

    /// Whether the rule is one of the document's own (what is wrong with the document), rather than what
    /// this person may do.
    pub fn is_about_the_document(&self) -> bool {
        self.rule.starts_with("document.")
    }
}

/// The rule of a problem a change brings into a document (a count below zero, a time that does not read).
pub const DOCUMENT_PROBLEM: &str = "document.problem";

/// The rule of what a person gave an operation (an empty device name, a time that does not read, a choice
/// not among those offered): neither the document's rules nor access.
pub const INPUT_RULE: &str = "input";

/// Problems an operation would bring into a document, as refusals under [`DOCUMENT_PROBLEM`].
pub fn document_problems<P: Explain>(problems: impl IntoIterator<Item = P>) -> Vec<Refusal> {
    problems.into_iter().map(|p| Refusal::of(DOCUMENT_PROBLEM, &p)).collect()
}

/// What the person gave for `part` does not do.
pub fn input(part: &str, reason: impl Into<String>, reason_zh: impl Into<String>) -> Refusal {
    Refusal::new(INPUT_RULE, reason, reason_zh).at(part)
}

/// A problem said for people: in English by `Display`, in Chinese by `zh`, with the part of the document it is
/// about when there is one.
pub trait Explain: std::fmt::Display {
    /// The reason in Chinese.
    fn zh(&self) -> String;

    /// The part of the document, as in `Refusal::part`.
    fn part(&self) -> Option<String> {
        None
    }
}

/// Every reason in one line for a person, in English: each with its rule.
pub fn in_english(refusals: &[Refusal]) -> String {
    refusals.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// Every reason in one line, in Chinese.
pub fn in_chinese(refusals: &[Refusal]) -> String {
    refusals.iter().map(|r| r.reason_zh.as_str()).collect::<Vec<_>>().join("；")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn travels_as_camel_case_and_leaves_out_a_missing_part() {
        let refusal =
            Refusal::new("incident.lifecycle", "only the desk moves an incident on", "只有值班台可以推进事件");
        let json = serde_json::to_value(&refusal).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"rule": "incident.lifecycle", "reason": "only the desk moves an incident on",
                "reasonZh": "只有值班台可以推进事件"})
        );
        let at = refusal.clone().at("entries/e2");
        let back: Refusal = serde_json::from_value(serde_json::to_value(&at).expect("json")).expect("back");
        assert_eq!(back, at);
        assert_eq!(refusal.to_string(), "only the desk moves an incident on (rule incident.lifecycle)");
        assert!(!refusal.is_about_the_document());
        assert!(Refusal::new(DOCUMENT_PROBLEM, "x", "x").is_about_the_document());
    }
}
