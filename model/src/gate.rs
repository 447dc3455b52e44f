//! The gate every change to a typed document passes: on the phone before it is saved, on the server before
//! it is stored, with the same rules. The server applies an incoming sync message, reads the document
//! before and after, and refuses the message (storing nothing of it) when the document after
//! is unreadable, has problems it did not have before, or shows an edit nobody may make: a submitted report
//! rewritten, an acknowledgement removed, the ledger number written by a phone.
//!
//! Problems already present before the change are not held against it, so a document that a newer rule
//! would call invalid can still be worked on. Then the access rules (`zhiban_model::access`): whether this
//! person may make this change at all. A new document is judged as its records added to its heading alone
//! (`access::heading_of`), here as there: whatever it is born with passes the rules an edit would.
//!
//! Every refusal names its rule (`Refusal::rule`): the access rules' own (`incident.judgement`, …), and for
//! the document rules `document.unreadable`, `document.type`, `document.problem` (a problem the change
//! brings), `document.history` (an edit of what is on record) and `server.field` (a field only the server
//! writes).

use std::collections::BTreeSet;

use crate::access::{self, Refusal, Viewer};
use crate::documents::directory::{Directory, DutyCategory, Role};
use crate::documents::instruction::InstructionProblem;
use crate::documents::{DocumentError, Known, TypedDocument};

/// Why a change by `viewer` was refused (every reason, each naming its rule), in words for the person whose
/// phone sent it. `viewer` is `None` only on a phone nobody has logged in on yet: the document's own rules
/// are checked, the access rules wait for the server.
pub fn check_change(
    before: &Result<TypedDocument, DocumentError>,
    after: &Result<TypedDocument, DocumentError>,
    directory: &Directory,
    viewer: Option<&Viewer>,
) -> Result<(), Vec<Refusal>> {
    let after = match (before, after) {
        (_, Ok(after)) => after,
        // It could not be read before either: this change makes nothing worse, but only an administrator
        // works on a document that does not read as the office's.
        (Err(_), Err(_)) if viewer.is_none_or(|v| v.has(Role::Admin)) => return Ok(()),
        (Err(e), Err(_)) => {
            return Err(vec![Refusal::new(
                "document.unreadable",
                format!("this document cannot be read ({e}); only an administrator may change it"),
            )]);
        }
        (Ok(_), Err(e)) => return Err(vec![Refusal::new("document.unreadable", e.to_string())]),
    };
    let before = before.as_ref().ok();
    if let Some(before) = before
        && before.kind().is_some()
        && before.kind() != after.kind()
    {
        return Err(vec![Refusal::new(
            "document.type",
            format!(
                "a {} cannot become a {}",
                before.kind().unwrap_or("document"),
                after.kind().unwrap_or("document of another type")
            ),
        )]);
    }
    // The directory is checked against itself as it will be.
    let known: &dyn Known = match after {
        TypedDocument::Directory(d) => d,
        _ => directory,
    };
    let mut refused: Vec<Refusal> =
        new_problems(before.map(|b| problems(b, known)).unwrap_or_default(), problems(after, known))
            .into_iter()
            .map(|problem| Refusal::new("document.problem", problem))
            .collect();
    // A new document's records are judged as added to its heading alone.
    let created = match before {
        Some(b) if b.kind().is_some() => None,
        _ => access::heading_of(after),
    };
    refused.extend(forbidden(created.as_ref().or(before), after));
    if let Some(viewer) = viewer
        && let Err(rules) = access::check_write(viewer, before, after, known)
    {
        refused.extend(rules);
    }
    if refused.is_empty() { Ok(()) } else { Err(refused) }
}

fn problems(document: &TypedDocument, known: &dyn Known) -> Vec<String> {
    match document {
        TypedDocument::Empty | TypedDocument::Untyped | TypedDocument::Other(_) | TypedDocument::Home(_) => Vec::new(),
        TypedDocument::Directory(d) => d.problems().iter().map(ToString::to_string).collect(),
        TypedDocument::Incident(i) => i.problems(known).iter().map(ToString::to_string).collect(),
        TypedDocument::Instruction(i) => i.problems(known).iter().map(ToString::to_string).collect(),
        TypedDocument::FilingRound(r) => r.problems(known).iter().map(ToString::to_string).collect(),
        TypedDocument::SpotChecks(c) => c.problems(known).iter().map(ToString::to_string).collect(),
        TypedDocument::DutyLog(l) => l.problems(known).iter().map(ToString::to_string).collect(),
        TypedDocument::Assessment(a) => a.problems(known).iter().map(ToString::to_string).collect(),
        TypedDocument::Roster(r) => {
            let mut out = Vec::new();
            if !known.has_unit(&r.unit) {
                out.push(format!("unit {:?} is not in the directory", r.unit));
            }
            // The times must read; gaps and ranks are for the desk to see, not reasons to refuse a draft.
            if let Err(e) = r.to_rules(DutyCategory::One) {
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

/// Edits nobody may make: what is on record rewritten, a field only the server writes. `before` is the
/// heading alone for a new document.
fn forbidden(before: Option<&TypedDocument>, after: &TypedDocument) -> Vec<Refusal> {
    fn history<P: ToString>(problems: Vec<P>) -> Vec<Refusal> {
        problems.iter().map(|p| Refusal::new("document.history", p.to_string())).collect()
    }
    match (before, after) {
        (Some(TypedDocument::Incident(b)), TypedDocument::Incident(a)) => history(a.forbidden_changes_since(b)),
        (Some(TypedDocument::Instruction(b)), TypedDocument::Instruction(a)) => a
            .forbidden_changes_since(b)
            .iter()
            .map(|p| match p {
                InstructionProblem::ServerOnly(_) => Refusal::new("server.field", p.to_string()),
                _ => Refusal::new("document.history", p.to_string()),
            })
            .collect(),
        (Some(TypedDocument::FilingRound(b)), TypedDocument::FilingRound(a)) => history(a.forbidden_changes_since(b)),
        (Some(TypedDocument::SpotChecks(b)), TypedDocument::SpotChecks(a)) => history(a.forbidden_changes_since(b)),
        (Some(TypedDocument::DutyLog(b)), TypedDocument::DutyLog(a)) => history(a.forbidden_changes_since(b)),
        (Some(TypedDocument::Assessment(b)), TypedDocument::Assessment(a)) => history(a.forbidden_changes_since(b)),
        _ => Vec::new(),
    }
}
