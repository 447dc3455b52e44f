//! Which changes a phone may make to a typed document. The server applies an incoming sync message, reads
//! the document before and after, and refuses the message (storing nothing of it) when the document after
//! is unreadable, has problems it did not have before, or shows an edit nobody may make: a submitted report
//! rewritten, an acknowledgement removed, the ledger number written by a phone.
//!
//! Problems already present before the change are not held against it, so a document that a newer rule
//! would call invalid can still be worked on.

use std::collections::BTreeSet;

use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::{DocumentError, Known};

use super::typed::TypedDocument;

/// Why a change was refused, in words for the person whose phone sent it.
pub fn check_change(
    before: &Result<TypedDocument, DocumentError>,
    after: &Result<TypedDocument, DocumentError>,
    directory: &Directory,
) -> Result<(), String> {
    let after = match (before, after) {
        (_, Ok(after)) => after,
        // It could not be read before either: this change makes nothing worse.
        (Err(_), Err(_)) => return Ok(()),
        (Ok(_), Err(e)) => return Err(e.to_string()),
    };
    let before = before.as_ref().ok();
    if let Some(before) = before
        && before.kind().is_some()
        && before.kind() != after.kind()
    {
        return Err(format!(
            "a {} cannot become a {}",
            before.kind().unwrap_or("document"),
            after.kind().unwrap_or("document of another type")
        ));
    }
    // The directory is checked against itself as it will be.
    let known: &dyn Known = match after {
        TypedDocument::Directory(d) => d,
        _ => directory,
    };
    let mut refused: Vec<String> =
        new_problems(before.map(|b| problems(b, known)).unwrap_or_default(), problems(after, known));
    refused.extend(forbidden(before, after));
    if refused.is_empty() { Ok(()) } else { Err(refused.join("; ")) }
}

fn problems(document: &TypedDocument, known: &dyn Known) -> Vec<String> {
    match document {
        TypedDocument::Untyped | TypedDocument::Other(_) => Vec::new(),
        TypedDocument::Directory(d) => d.problems().iter().map(ToString::to_string).collect(),
        TypedDocument::Incident(i) => i.problems(known).iter().map(ToString::to_string).collect(),
        TypedDocument::Instruction(i) => i.problems(known).iter().map(ToString::to_string).collect(),
        TypedDocument::Roster(r) => {
            let mut out = Vec::new();
            if !known.has_unit(&r.unit) {
                out.push(format!("unit {:?} is not in the directory", r.unit));
            }
            // The times must read; gaps and ranks are for the desk to see, not reasons to refuse a draft.
            if let Err(e) = r.to_rules(zhiban_model::documents::directory::DutyCategory::One) {
                out.push(e.to_string());
            }
            out
        }
    }
}

fn new_problems(before: Vec<String>, after: Vec<String>) -> Vec<String> {
    let old: BTreeSet<String> = before.into_iter().collect();
    after.into_iter().filter(|p| !old.contains(p)).collect()
}

fn forbidden(before: Option<&TypedDocument>, after: &TypedDocument) -> Vec<String> {
    match (before, after) {
        (Some(TypedDocument::Incident(b)), TypedDocument::Incident(a)) => {
            a.forbidden_changes_since(b).iter().map(ToString::to_string).collect()
        }
        (Some(TypedDocument::Instruction(b)), TypedDocument::Instruction(a)) => {
            a.forbidden_changes_since(b).iter().map(ToString::to_string).collect()
        }
        // A new instruction comes without the server's fields.
        (_, TypedDocument::Instruction(a)) => {
            let mut out = Vec::new();
            if a.number.is_some() {
                out.push("only the server assigns the ledger number".to_owned());
            }
            if a.acknowledgements.values().any(|ack| ack.server_received_at.is_some()) {
                out.push("only the server assigns the server receipt time".to_owned());
            }
            out
        }
        _ => Vec::new(),
    }
}
