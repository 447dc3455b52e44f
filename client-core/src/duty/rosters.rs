//! Rosters on the phone: the user's own shifts, and who is on duty in a unit at a time (main, deputy,
//! leader, with names and phones from the directory), over the roster documents this phone holds.

use std::time::Duration;

use chrono::NaiveDateTime;
use serde_json::Value;
use zhiban_model::DocumentId;
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::roster::RosterDocument;

use super::unreadable;
use crate::client::Client;
use crate::error::ClientError;

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// One of the user's shifts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftOfMine {
    pub roster: DocumentId,
    pub unit: String,
    pub shift: String,
    /// `main`, `deputy` or `leader`.
    pub post: &'static str,
    /// Office local times, `2026-10-01T08:00`.
    pub start: String,
    pub end: String,
}

/// Someone to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub person: String,
    /// From the directory; empty for someone not in it.
    pub name: String,
    pub phone: String,
}

/// Who is on duty in a unit at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDuty {
    pub unit: String,
    pub unit_name: String,
    /// The unit's duty phone, which must always be answered.
    pub duty_phone: String,
    pub at: String,
    pub main: Option<Contact>,
    pub deputy: Option<Contact>,
    pub leader: Option<Contact>,
}

fn contact(person: &str, directory: &Directory) -> Contact {
    let p = directory.people.get(person);
    Contact {
        person: person.to_owned(),
        name: p.map(|p| p.name.clone()).unwrap_or_default(),
        phone: p.map(|p| p.phone.clone()).unwrap_or_default(),
    }
}

/// Whether `at` falls in `[start, end)`; a time that does not read is never covered.
fn covers(start: &str, end: &str, at: NaiveDateTime) -> bool {
    match (NaiveDateTime::parse_from_str(start, TIME_FORMAT), NaiveDateTime::parse_from_str(end, TIME_FORMAT)) {
        (Ok(start), Ok(end)) => start <= at && at < end,
        _ => false,
    }
}

impl Client {
    pub fn roster(&self, id: DocumentId) -> Result<RosterDocument, ClientError> {
        self.read_with(id, |doc| RosterDocument::read(doc).map_err(unreadable))
    }

    /// Records a unit's roster (a draft until filed); its unit must be in the directory and its times read.
    pub fn create_roster(&self, roster: &RosterDocument) -> Result<DocumentId, ClientError> {
        let directory = self.directory()?;
        let mut reasons = Vec::new();
        if !directory.units.contains_key(&roster.unit) {
            reasons.push(super::filing::unknown_unit(&roster.unit));
        }
        let category = directory.units.get(&roster.unit).map(|u| u.category);
        if let Err(e) = roster.to_rules(category.unwrap_or(zhiban_model::documents::directory::DutyCategory::One)) {
            reasons.extend(super::problems([e]));
        }
        if !reasons.is_empty() {
            return Err(super::refused("record this roster", reasons));
        }
        self.create_typed("record this roster", roster, &directory)
    }

    /// Every roster document this phone holds.
    pub fn rosters_held(&self) -> Result<Vec<(DocumentId, RosterDocument)>, ClientError> {
        let mut out = Vec::new();
        for id in self.documents()? {
            if let Ok(roster) = self.roster(id) {
                out.push((id, roster));
            }
        }
        Ok(out)
    }

    /// The user's shifts and leader periods in the rosters this phone holds, in time order.
    pub fn my_shifts(&self) -> Result<Vec<ShiftOfMine>, ClientError> {
        let me = self.require_identity()?;
        let mut out = Vec::new();
        for (id, roster) in self.rosters_held()? {
            for (shift_id, shift) in &roster.shifts {
                for (post, who) in [("main", &shift.main), ("deputy", &shift.deputy)] {
                    if who.as_deref() == Some(me.person.as_str()) {
                        out.push(ShiftOfMine {
                            roster: id,
                            unit: roster.unit.clone(),
                            shift: shift_id.clone(),
                            post,
                            start: shift.start.clone(),
                            end: shift.end.clone(),
                        });
                    }
                }
            }
            for (period_id, period) in &roster.leaders {
                if period.leader.as_deref() == Some(me.person.as_str()) {
                    out.push(ShiftOfMine {
                        roster: id,
                        unit: roster.unit.clone(),
                        shift: period_id.clone(),
                        post: "leader",
                        start: period.start.clone(),
                        end: period.end.clone(),
                    });
                }
            }
        }
        out.sort_by(|a, b| (&a.start, &a.unit, a.post).cmp(&(&b.start, &b.unit, b.post)));
        Ok(out)
    }

    /// Who is on duty in `unit` at `at` (office local time), from the rosters this phone holds.
    pub fn on_duty(&self, unit: &str, at: NaiveDateTime) -> Result<OnDuty, ClientError> {
        let directory = self.directory()?;
        let Some(unit_entry) = directory.units.get(unit) else {
            return Err(super::refused("find who is on duty", [super::filing::unknown_unit(unit)]));
        };
        let mut on_duty = OnDuty {
            unit: unit.to_owned(),
            unit_name: unit_entry.name.clone(),
            duty_phone: unit_entry.duty_phone.clone(),
            at: at.format(TIME_FORMAT).to_string(),
            main: None,
            deputy: None,
            leader: None,
        };
        for (_, roster) in self.rosters_held()?.into_iter().filter(|(_, r)| r.unit == unit) {
            for shift in roster.shifts.values().filter(|s| covers(&s.start, &s.end, at)) {
                if on_duty.main.is_none() {
                    on_duty.main = shift.main.as_deref().map(|p| contact(p, &directory));
                }
                if on_duty.deputy.is_none() {
                    on_duty.deputy = shift.deputy.as_deref().map(|p| contact(p, &directory));
                }
            }
            for period in roster.leaders.values().filter(|l| covers(&l.start, &l.end, at)) {
                if on_duty.leader.is_none() {
                    on_duty.leader = period.leader.as_deref().map(|p| contact(p, &directory));
                }
            }
        }
        Ok(on_duty)
    }

    /// Asks the server for a unit's rosters (`GET /api/v1/rosters?unit=`) and fetches the ones this phone
    /// does not hold yet.
    pub async fn rosters_from_server(&self, unit: &str, timeout: Duration) -> Result<Vec<DocumentId>, ClientError> {
        let mut path =
            url::Url::parse("http://x/api/v1/rosters").map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        path.query_pairs_mut().append_pair("unit", unit);
        let query = path.query().unwrap_or_default().to_owned();
        let answer = self.api_get(&format!("api/v1/rosters?{query}"), "the request for rosters").await?;
        let mut ids = Vec::new();
        for entry in answer.get("rosters").and_then(Value::as_array).into_iter().flatten() {
            if let Some(url) = entry.get("document").and_then(Value::as_str)
                && let Ok(id) = DocumentId::parse_url_or_id(url)
            {
                ids.push(id);
            }
        }
        for id in &ids {
            self.fetch(*id, timeout).await?;
        }
        Ok(ids)
    }
}
