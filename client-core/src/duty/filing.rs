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
use crate::client::Client;
use crate::error::ClientError;

/// What validation finds in `roster` for its unit's duty category, in Chinese; empty when it may be filed.
/// The phone uses the shipped calendar and the reference office hours; the server shows the desk the same
/// check with the office's own.
pub fn roster_problems(roster: &RosterDocument, directory: &Directory) -> Vec<String> {
    let Some(unit) = directory.units.get(&roster.unit) else {
        return vec![format!("单位 {} 不在通讯录中", roster.unit)];
    };
    match roster.to_rules(unit.category) {
        Ok(rules) => validate_roster(&rules, directory, &HolidayCalendar::shipped(), OfficeHours::default())
            .iter()
            .map(|p| p.to_zh())
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}

impl Client {
    /// The unit's officer files the roster with the desk, if it passes validation.
    pub fn file_roster(&self, id: DocumentId) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        self.update_typed(id, "file this roster", &directory, |r: &mut RosterDocument| {
            let problems = roster_problems(r, &directory);
            if !problems.is_empty() {
                return Err(problems);
            }
            r.file(&me.person, local_now()).map_err(|e| vec![e.to_string()])
        })
    }

    /// The desk accepts a filed roster.
    pub fn accept_roster(&self, id: DocumentId) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        self.update_typed(id, "accept this roster", &directory, |r: &mut RosterDocument| {
            r.accept(&me.person, local_now()).map_err(|e| vec![e.to_string()])
        })
    }

    /// The desk returns a filed roster to its unit, with the reasons to correct.
    pub fn return_roster(&self, id: DocumentId, reasons: Vec<String>) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        self.update_typed(id, "return this roster", &directory, |r: &mut RosterDocument| {
            r.return_with(&me.person, local_now(), reasons).map_err(|e| vec![e.to_string()])
        })
    }
}
