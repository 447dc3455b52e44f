//! Who may see a document. What decides it is the document's audience (`Audience`): a few facts the server
//! also keeps in a table, so that it can tell who sees what without reading every document. A phone asking
//! for a document it may not see is told it does not exist.

use std::collections::BTreeSet;

use super::Viewer;
use crate::documents::directory::Role;
use crate::documents::instruction::{Instruction, RecipientKind};
use crate::documents::{Known, TypedDocument};

/// Who a document is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The directory (and a document still empty): everyone.
    Everyone,
    /// A home document: its person only.
    Person(String),
    /// Anything that is not an office document, or does not read as one: administrators only.
    Administrators,
    /// Its reporting unit (and the units above it), the people who filed it or were sent to it; if
    /// sensitive, only the reporting unit itself and those people (and always the desk and leaders).
    Incident { unit: String, sensitive: bool, people: BTreeSet<String> },
    /// The unit and the units above it: a roster, a duty log.
    Unit { unit: String },
    /// Each of the units and the units above them: a filing round.
    Units { units: BTreeSet<String> },
    /// The desk and leaders only: spot checks, the assessment record.
    Desk,
    /// The recipients: units and people.
    Instruction { units: BTreeSet<String>, people: BTreeSet<String> },
}

impl Audience {
    pub fn of(document: &TypedDocument) -> Self {
        match document {
            TypedDocument::Directory(_) | TypedDocument::Empty => Audience::Everyone,
            TypedDocument::Home(home) => Audience::Person(home.person.clone()),
            TypedDocument::Untyped | TypedDocument::Other(_) => Audience::Administrators,
            TypedDocument::Incident(incident) => {
                let mut people: BTreeSet<String> = incident.assignees.keys().cloned().collect();
                for entry in incident.entries.values() {
                    people.insert(entry.reporter.person.clone());
                    people.extend(entry.recorded_by.clone());
                }
                Audience::Incident { unit: incident.unit.clone(), sensitive: incident.sensitive, people }
            }
            TypedDocument::Roster(roster) => Audience::Unit { unit: roster.unit.clone() },
            TypedDocument::DutyLog(log) => Audience::Unit { unit: log.unit.clone() },
            TypedDocument::FilingRound(round) => Audience::Units { units: round.units.iter().cloned().collect() },
            TypedDocument::SpotChecks(_) | TypedDocument::Assessment(_) => Audience::Desk,
            TypedDocument::Instruction(instruction) => {
                let (mut units, mut people) = (BTreeSet::new(), BTreeSet::new());
                for (id, recipient) in &instruction.recipients {
                    match recipient.kind {
                        RecipientKind::Unit => units.insert(id.clone()),
                        RecipientKind::Person => people.insert(id.clone()),
                    };
                }
                Audience::Instruction { units, people }
            }
        }
    }

    /// Whether `viewer` is in this audience.
    pub fn includes(&self, viewer: &Viewer, known: &(impl Known + ?Sized)) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::Person(person) => *person == viewer.person,
            Audience::Administrators => viewer.has(Role::Admin),
            _ if viewer.sees_everything() => true,
            Audience::Incident { unit, sensitive, people } => {
                let named = people.contains(&viewer.person);
                if *sensitive {
                    // The reporting unit only: its own officers, and its reporters who filed or were sent.
                    named || (viewer.has(Role::UnitOfficer) && viewer.unit == *unit)
                } else {
                    viewer.oversees(unit, known) || (viewer.has(Role::Field) && named)
                }
            }
            Audience::Unit { unit } => viewer.oversees(unit, known) || viewer.reports_for(unit),
            Audience::Units { units } => {
                units.iter().any(|unit| viewer.oversees(unit, known) || viewer.reports_for(unit))
            }
            Audience::Desk => false,
            Audience::Instruction { units, people } => {
                people.contains(&viewer.person) || units.iter().any(|unit| viewer.on_duty_in(unit))
            }
        }
    }
}

pub fn may_read(viewer: &Viewer, document: &TypedDocument, known: &(impl Known + ?Sized)) -> bool {
    Audience::of(document).includes(viewer, known)
}

/// Addressed to the person, or to their unit.
pub(crate) fn addressed_to(viewer: &Viewer, instruction: &Instruction) -> bool {
    instruction.recipients.iter().any(|(id, recipient)| match recipient.kind {
        RecipientKind::Person => *id == viewer.person,
        RecipientKind::Unit => *id == viewer.unit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::units_directory;

    fn viewer(person: &str, unit: &str, roles: &[Role]) -> Viewer {
        Viewer { person: person.into(), unit: unit.into(), roles: roles.to_vec() }
    }

    /// A unit's roster and log are its people's on duty and the officers above it; an instruction to a unit
    /// is its officers' and field reporters'. An administrator of the unit keeps the system, not the duty.
    #[test]
    fn a_units_documents_are_for_its_people_on_duty_not_its_administrator() {
        let directory = units_directory(&[("city", None), ("east", Some("city")), ("west", Some("city"))]);
        let roster = Audience::Unit { unit: "east".into() };
        let to_east = Audience::Instruction { units: ["east".to_owned()].into(), people: Default::default() };
        let cases = [
            (viewer("li", "east", &[Role::Field]), true, true),
            (viewer("wang", "east", &[Role::UnitOfficer]), true, true),
            (viewer("city-officer", "city", &[Role::UnitOfficer]), true, false),
            (viewer("west-officer", "west", &[Role::UnitOfficer]), false, false),
            (viewer("it", "east", &[Role::Admin]), false, false),
            (viewer("it-and-duty", "east", &[Role::Admin, Role::Field]), true, true),
        ];
        for (who, sees_roster, sees_instruction) in cases {
            assert_eq!(roster.includes(&who, &directory), sees_roster, "{}: east's roster", who.person);
            assert_eq!(to_east.includes(&who, &directory), sees_instruction, "{}: an instruction to east", who.person);
        }
    }
}
