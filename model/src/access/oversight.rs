//! Who may change the desk's oversight documents. The desk opens filing rounds, plans spot checks and
//! records what it found, and keeps the assessment record, each in its own name; a unit's officers keep
//! their unit's duty log (the desk keeps its own), every entry in the officer's own name.

use super::{Refusal, Viewer};
use crate::documents::Known;
use crate::documents::assessment::Assessment;
use crate::documents::directory::Role;
use crate::documents::duty_log::DutyLog;
use crate::documents::filing_round::FilingRound;
use crate::documents::spot_check::SpotChecks;

pub(super) fn check_round(
    viewer: &Viewer,
    before: Option<&FilingRound>,
    after: &FilingRound,
    refused: &mut Vec<Refusal>,
) {
    if !viewer.has(Role::Desk) {
        refused.push(Refusal::new("filing_round.desk", "only the desk opens, extends and closes a filing round"));
        return;
    }
    if before.is_none() && after.opened_by != viewer.person {
        refused.push(Refusal::new("filing_round.desk", "a filing round is opened in your own name"));
    }
    let newly_closed = after.closed.as_ref().filter(|_| before.is_none_or(|b| b.closed.is_none()));
    if newly_closed.is_some_and(|c| c.by != viewer.person) {
        refused.push(Refusal::new("filing_round.desk", "a filing round is closed in your own name"));
    }
}

pub(super) fn check_spot_checks(
    viewer: &Viewer,
    before: Option<&SpotChecks>,
    after: &SpotChecks,
    refused: &mut Vec<Refusal>,
) {
    if !viewer.has(Role::Desk) {
        refused.push(Refusal::new("spot_checks.desk", "only the desk plans spot checks and records their results"));
        return;
    }
    let me = viewer.person.as_str();
    for (id, check) in &after.checks {
        let old = before.and_then(|b| b.checks.get(id));
        if old.is_none() && check.planned_by != me {
            refused.push(Refusal::new("spot_checks.own_name", format!("check {id} is planned in your own name")));
        }
        let newly_recorded = check.result.as_ref().filter(|_| old.is_none_or(|o| o.result.is_none()));
        if newly_recorded.is_some_and(|r| r.checked_by != me) {
            refused.push(Refusal::new(
                "spot_checks.own_name",
                format!("the result of check {id} is recorded in the name of the officer who made the call"),
            ));
        }
    }
}

pub(super) fn check_duty_log(
    viewer: &Viewer,
    before: Option<&DutyLog>,
    after: &DutyLog,
    known: &(impl Known + ?Sized),
    refused: &mut Vec<Refusal>,
) {
    let keeps_it = viewer.oversees(&after.unit, known) || (viewer.has(Role::Desk) && viewer.unit == after.unit);
    if !keeps_it {
        refused.push(Refusal::new(
            "duty_log.unit",
            format!("the duty log of unit {:?} is kept by its own officers", after.unit),
        ));
        return;
    }
    if let Some(before) = before
        && (before.unit != after.unit || before.month != after.month)
    {
        refused.push(Refusal::new("duty_log.unit", "a duty log's unit and month do not change; start a new log"));
    }
    let mine = after
        .entries
        .iter()
        .filter(|(id, _)| before.is_none_or(|b| !b.entries.contains_key(*id)))
        .all(|(_, entry)| entry.by == viewer.person);
    if !mine {
        refused.push(Refusal::new("duty_log.own_name", "log entries are written in your own name"));
    }
}

pub(super) fn check_assessment(
    viewer: &Viewer,
    before: Option<&Assessment>,
    after: &Assessment,
    refused: &mut Vec<Refusal>,
) {
    if !viewer.has(Role::Desk) {
        refused.push(Refusal::new("assessment.desk", "only the desk keeps the assessment record"));
        return;
    }
    let mine = after
        .items
        .iter()
        .filter(|(id, _)| before.is_none_or(|b| !b.items.contains_key(*id)))
        .all(|(_, item)| item.by == viewer.person);
    if !mine {
        refused.push(Refusal::new("assessment.own_name", "assessment items are recorded in your own name"));
    }
    if before.is_some_and(|b| b.year != after.year) {
        refused.push(Refusal::new("assessment.year", "the record's year does not change"));
    }
}
