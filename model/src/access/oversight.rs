//! Who may change the desk's oversight documents. The desk opens filing rounds, plans spot checks and
//! records what it found, and keeps the assessment record, each in its own name; a unit's officers keep
//! their unit's duty log (the desk keeps its own), every entry in the officer's own name. A new document is
//! judged as its heading and then as its records added to the heading alone (`*_heading_of`).

use super::{Refusal, Viewer, short};
use crate::documents::Known;
use crate::documents::assessment::Assessment;
use crate::documents::directory::Role;
use crate::documents::duty_log::DutyLog;
use crate::documents::filing_round::FilingRound;
use crate::documents::spot_check::SpotChecks;

/// A filing round as first opened: everything but its closure.
pub(super) fn round_heading_of(round: &FilingRound) -> FilingRound {
    FilingRound { closed: None, ..round.clone() }
}

/// A spot-check plan before any check is planned.
pub(super) fn spot_checks_heading_of(plan: &SpotChecks) -> SpotChecks {
    SpotChecks { checks: Default::default(), ..plan.clone() }
}

/// A unit's month of the duty log before anything is logged.
pub(super) fn duty_log_heading_of(log: &DutyLog) -> DutyLog {
    DutyLog { entries: Default::default(), ..log.clone() }
}

/// A year's assessment record before anything is recorded.
pub(super) fn assessment_heading_of(record: &Assessment) -> Assessment {
    Assessment { items: Default::default(), ..record.clone() }
}

pub(super) fn check_round(
    viewer: &Viewer,
    before: Option<&FilingRound>,
    after: &FilingRound,
    refused: &mut Vec<Refusal>,
) {
    if !viewer.has(Role::Desk) {
        refused.push(Refusal::new(
            "filing_round.desk",
            "only the desk opens, extends and closes a filing round",
            "只有值班台可以发起、增补和关闭报备",
        ));
        return;
    }
    if before.is_none() && after.opened_by != viewer.person {
        refused.push(
            Refusal::new("filing_round.desk", "a filing round is opened in your own name", "报备须以本人名义发起")
                .at("opened_by"),
        );
    }
    let heading = round_heading_of(after);
    let before = before.unwrap_or(&heading);
    let newly_closed = after.closed.as_ref().filter(|_| before.closed.is_none());
    if newly_closed.is_some_and(|c| c.by != viewer.person) {
        refused.push(
            Refusal::new("filing_round.desk", "a filing round is closed in your own name", "报备须以本人名义关闭")
                .at("closed"),
        );
    }
}

pub(super) fn check_spot_checks(
    viewer: &Viewer,
    before: Option<&SpotChecks>,
    after: &SpotChecks,
    refused: &mut Vec<Refusal>,
) {
    if !viewer.has(Role::Desk) {
        refused.push(Refusal::new(
            "spot_checks.desk",
            "only the desk plans spot checks and records their results",
            "只有值班台可以安排抽查并记录抽查结果",
        ));
        return;
    }
    let heading = spot_checks_heading_of(after);
    let before = before.unwrap_or(&heading);
    let me = viewer.person.as_str();
    for (id, check) in &after.checks {
        let old = before.checks.get(id);
        if old.is_none() && check.planned_by != me {
            refused.push(
                Refusal::new(
                    "spot_checks.own_name",
                    format!("check {} is planned in your own name", short(id)),
                    format!("抽查 {} 须以本人名义安排", short(id)),
                )
                .at(format!("checks/{id}/planned_by")),
            );
        }
        let newly_recorded = check.result.as_ref().filter(|_| old.is_none_or(|o| o.result.is_none()));
        if newly_recorded.is_some_and(|r| r.checked_by != me) {
            refused.push(
                Refusal::new(
                    "spot_checks.own_name",
                    format!(
                        "the result of check {} is recorded in the name of the officer who made the call",
                        short(id)
                    ),
                    format!("抽查 {} 的结果须以实际拨打电话的值班员名义记录", short(id)),
                )
                .at(format!("checks/{id}/result/checked_by")),
            );
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
        refused.push(
            Refusal::new(
                "duty_log.unit",
                format!("the duty log of unit {:?} is kept by its own officers", after.unit),
                format!("单位 {} 的值班日志由本单位值班人员填写", after.unit),
            )
            .at("unit"),
        );
        return;
    }
    let heading = duty_log_heading_of(after);
    let before = before.unwrap_or(&heading);
    if before.unit != after.unit || before.month != after.month {
        let part = if before.unit != after.unit { "unit" } else { "month" };
        refused.push(
            Refusal::new(
                "duty_log.unit",
                "a duty log's unit and month do not change; start a new log",
                "值班日志的单位和月份不能更改；请另建一份日志",
            )
            .at(part),
        );
    }
    let not_mine = after
        .entries
        .iter()
        .filter(|(id, _)| !before.entries.contains_key(*id))
        .find(|(_, entry)| entry.by != viewer.person);
    if let Some((id, _)) = not_mine {
        refused.push(
            Refusal::new("duty_log.own_name", "log entries are written in your own name", "值班日志须以本人名义填写")
                .at(format!("entries/{id}/by")),
        );
    }
}

pub(super) fn check_assessment(
    viewer: &Viewer,
    before: Option<&Assessment>,
    after: &Assessment,
    refused: &mut Vec<Refusal>,
) {
    if !viewer.has(Role::Desk) {
        refused.push(Refusal::new(
            "assessment.desk",
            "only the desk keeps the assessment record",
            "只有值班台可以填写考核记录",
        ));
        return;
    }
    let heading = assessment_heading_of(after);
    let before = before.unwrap_or(&heading);
    let not_mine =
        after.items.iter().filter(|(id, _)| !before.items.contains_key(*id)).find(|(_, item)| item.by != viewer.person);
    if let Some((id, _)) = not_mine {
        refused.push(
            Refusal::new(
                "assessment.own_name",
                "assessment items are recorded in your own name",
                "考核事项须以本人名义记录",
            )
            .at(format!("items/{id}/by")),
        );
    }
    if before.year != after.year {
        refused.push(
            Refusal::new("assessment.year", "the record's year does not change", "考核记录的年度不能更改").at("year"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Audience, check_write};
    use crate::documents::TypedDocument;
    use crate::documents::directory::Directory;
    use crate::documents::duty_log::{LogEntry, LogKind};
    use crate::documents::filing_round::Occasion;
    use crate::documents::roster::parse_local;
    use crate::documents::units_directory;

    fn directory() -> Directory {
        units_directory(&[("city", None), ("east", Some("city")), ("water", Some("city"))])
    }

    fn viewer(person: &str, unit: &str, role: Role) -> Viewer {
        Viewer { person: person.into(), unit: unit.into(), roles: vec![role] }
    }

    fn rules(viewer: &Viewer, before: Option<TypedDocument>, after: TypedDocument) -> Vec<String> {
        match check_write(viewer, before.as_ref(), &after, &directory()) {
            Ok(()) => Vec::new(),
            Err(refusals) => refusals.into_iter().map(|r| r.rule).collect(),
        }
    }

    fn round(by: &str) -> FilingRound {
        let t = |s: &str| parse_local("t", s).expect("time");
        FilingRound::new(
            "国庆节",
            Occasion::Holiday,
            (t("2026-10-01T00:00"), t("2026-10-08T08:00")),
            t("2026-09-28T23:59"),
            vec!["east".into(), "water".into()],
            by,
            t("2026-09-20T09:00"),
        )
    }

    fn log_entry(by: &str) -> LogEntry {
        LogEntry {
            kind: LogKind::ZeroReport,
            at: "2026-10-01T16:30:00+08:00".into(),
            by: by.into(),
            counterpart: String::new(),
            summary: String::new(),
            handling: String::new(),
            instruction: None,
            for_date: Some("2026-10-01".into()),
        }
    }

    #[test]
    fn the_desk_opens_rounds_and_units_see_only_theirs() {
        let desk = viewer("desk-1", "city", Role::Desk);
        let wang = viewer("wang", "east", Role::UnitOfficer);
        assert!(rules(&desk, None, round("desk-1").into()).is_empty());
        assert_eq!(rules(&desk, None, round("desk-2").into()), vec!["filing_round.desk"], "in your own name");
        assert_eq!(rules(&wang, None, round("wang").into()), vec!["filing_round.desk"]);
        let audience = Audience::of(&round("desk-1").into());
        assert!(audience.includes(&wang, &directory()), "east is in the round");
        let mut only_water = round("desk-1");
        only_water.units = vec!["water".into()];
        assert!(!Audience::of(&only_water.into()).includes(&wang, &directory()));
    }

    #[test]
    fn a_units_officers_keep_its_log_in_their_own_names() {
        let wang = viewer("wang", "east", Role::UnitOfficer);
        let desk = viewer("desk-1", "city", Role::Desk);
        let mut log = DutyLog::new("east", "2026-10");
        log.entries.insert("z1".into(), log_entry("wang"));
        assert!(rules(&wang, None, log.clone().into()).is_empty());
        assert_eq!(rules(&desk, None, log.clone().into()), vec!["duty_log.unit"], "the desk keeps its own log");
        let mut forged = log.clone();
        forged.entries.insert("z2".into(), log_entry("zhao"));
        assert_eq!(rules(&wang, Some(log.clone().into()), forged.into()), vec!["duty_log.own_name"]);
        let mut waters = DutyLog::new("water", "2026-10");
        waters.entries.insert("z1".into(), log_entry("wang"));
        assert_eq!(rules(&wang, None, waters.into()), vec!["duty_log.unit"]);
    }

    #[test]
    fn spot_checks_and_the_assessment_record_are_the_desks() {
        let desk = viewer("desk-1", "city", Role::Desk);
        let leader = viewer("mayor", "city", Role::Leader);
        let wang = viewer("wang", "east", Role::UnitOfficer);
        let plan: TypedDocument = SpotChecks::new("国庆节抽查", None).into();
        assert!(rules(&desk, None, plan.clone()).is_empty());
        assert_eq!(rules(&wang, None, plan.clone()), vec!["spot_checks.desk"]);
        assert_eq!(rules(&leader, None, Assessment::new(2026).into()), vec!["assessment.desk"]);
        let audience = Audience::of(&plan);
        assert!(audience.includes(&leader, &directory()) && !audience.includes(&wang, &directory()));
    }
}
