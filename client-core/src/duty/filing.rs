//! Filing a roster with the desk (报备) and the desk's answer. A roster is filed only when it passes the
//! validation for its unit's duty category (every hour covered, a main and a deputy officer on each shift,
//! the principal leader on a holiday's first day, …): the refusal names each slot and why, in the duty
//! officer's words, before anything is saved. The desk accepts it, or returns it with its reasons.

use zhiban_model::DocumentId;
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::roster::RosterDocument;
use zhiban_model::rules::calendar::HolidayCalendar;
use zhiban_model::rules::roster::{OfficeHours, validate_roster};

use super::oversight::local_now;
use super::problems;
use crate::client::Client;
use crate::error::ClientError;
use zhiban_model::refusal::{DOCUMENT_PROBLEM, Refusal};

/// What validation finds in `roster` for its unit's duty category, each with the slot it is about; empty
/// when it may be filed. The phone uses the shipped calendar and the reference office hours; the server shows
/// the desk the same check with the office's own.
pub fn roster_problems(roster: &RosterDocument, directory: &Directory) -> Vec<Refusal> {
    let Some(unit) = directory.units.get(&roster.unit) else {
        return vec![unknown_unit(&roster.unit)];
    };
    match roster.to_rules(unit.category) {
        Ok(rules) => problems(validate_roster(&rules, directory, &HolidayCalendar::shipped(), OfficeHours::default())),
        Err(e) => problems([e]),
    }
}

/// A roster for a unit the directory does not know.
pub(crate) fn unknown_unit(unit: &str) -> Refusal {
    Refusal::new(
        DOCUMENT_PROBLEM,
        format!("unit {unit:?} is not in the directory"),
        format!("单位 {unit} 不在通讯录中"),
    )
    .at("unit")
}

impl Client {
    /// The unit's officer files the roster with the desk, if it passes validation.
    pub fn file_roster(&self, id: DocumentId) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        self.update_typed(id, "file this roster", &directory, |r: &mut RosterDocument| {
            let found = roster_problems(r, &directory);
            if !found.is_empty() {
                return Err(found);
            }
            r.file(&me.person, local_now()).map_err(|e| problems([e]))
        })
    }

    /// The desk accepts a filed roster.
    pub fn accept_roster(&self, id: DocumentId) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        self.update_typed(id, "accept this roster", &directory, |r: &mut RosterDocument| {
            r.accept(&me.person, local_now()).map_err(|e| problems([e]))
        })
    }

    /// The desk returns a filed roster to its unit, with the reasons to correct.
    pub fn return_roster(&self, id: DocumentId, reasons: Vec<String>) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        self.update_typed(id, "return this roster", &directory, |r: &mut RosterDocument| {
            r.return_with(&me.person, local_now(), reasons).map_err(|e| problems([e]))
        })
    }
}
