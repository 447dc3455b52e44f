//! Who may see a document. A phone asking for a document it may not see is told it does not exist.

use super::Viewer;
use crate::documents::directory::Role;
use crate::documents::incident::Incident;
use crate::documents::instruction::{Instruction, RecipientKind};
use crate::documents::roster::RosterDocument;
use crate::documents::{Known, TypedDocument};

pub fn may_read(viewer: &Viewer, document: &TypedDocument, known: &(impl Known + ?Sized)) -> bool {
    match document {
        TypedDocument::Directory(_) | TypedDocument::Empty => true,
        TypedDocument::Home(home) => home.person == viewer.person,
        // Not an office document: only administrators (imports, operations tooling) work with those.
        TypedDocument::Untyped | TypedDocument::Other(_) => viewer.has(Role::Admin),
        TypedDocument::Incident(incident) => may_read_incident(viewer, incident, known),
        TypedDocument::Instruction(instruction) => viewer.sees_everything() || addressed_to(viewer, instruction),
        TypedDocument::Roster(roster) => may_read_roster(viewer, roster, known),
    }
}

fn may_read_incident(viewer: &Viewer, incident: &Incident, known: &(impl Known + ?Sized)) -> bool {
    if viewer.sees_everything() {
        return true;
    }
    let filed_or_assigned = incident.filed_by(&viewer.person) || incident.assignees.contains_key(&viewer.person);
    if incident.sensitive {
        // The reporting unit only: its own officers, and its reporters who filed or were sent.
        return filed_or_assigned || (viewer.has(Role::UnitOfficer) && viewer.unit == incident.unit);
    }
    viewer.oversees(&incident.unit, known) || (viewer.has(Role::Field) && filed_or_assigned)
}

fn may_read_roster(viewer: &Viewer, roster: &RosterDocument, known: &(impl Known + ?Sized)) -> bool {
    viewer.sees_everything() || viewer.oversees(&roster.unit, known) || roster.unit == viewer.unit
}

/// Addressed to the person, or to their unit.
pub(crate) fn addressed_to(viewer: &Viewer, instruction: &Instruction) -> bool {
    instruction.recipients.iter().any(|(id, recipient)| match recipient.kind {
        RecipientKind::Person => *id == viewer.person,
        RecipientKind::Unit => *id == viewer.unit,
    })
}
