//! The desk's oversight on the phone: filing rounds (报备) for holidays and special periods, spot checks
//! (抽查) of the units' duty rooms and what they found, the units' duty logs (值班日志, zero reports among
//! them), and the desk's assessment record (考核记录). Each operation is offline, like the others: read the
//! typed document from this phone's copy, apply, check with the server's rules, save in one transaction.

use std::collections::BTreeMap;

use automerge::Automerge;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rand::SeedableRng;
use rand::rngs::StdRng;
use zhiban_model::DocumentId;
use zhiban_model::documents::DocumentError;
use zhiban_model::documents::assessment::{AdoptionLevel, Assessment, AssessmentItem, ItemKind};
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::duty_log::{DutyLog, LogEntry, LogKind};
use zhiban_model::documents::filing_round::{FilingRound, Occasion};
use zhiban_model::documents::spot_check::{CheckResult, Method, Outcome, Session, SpotCheck, SpotChecks};
use zhiban_model::documents::time::format_instant;
use zhiban_model::rules::calendar::{HolidayCalendar, festival_zh};
use zhiban_model::rules::office_time_zone;
use zhiban_model::rules::reminders::{ReminderRules, holidays_between, roster_filing_deadline};
use zhiban_model::rules::spot_checks::{SpotCheckRules, draw};

use super::{input, new_entry_id, office_now, refused, unreadable};
use crate::client::Client;
use crate::error::ClientError;
use zhiban_model::refusal::{DOCUMENT_PROBLEM, Refusal};

/// What a zero report says unless the officer says otherwise.
pub const ZERO_REPORT_SUMMARY: &str = "今日无突发事件信息报告";

/// A filing round's terms for the statutory holiday that starts on `first_day`, from the shipped calendar:
/// (title, period start, period end, deadline). The period runs from the first day 00:00 to the morning
/// handover (08:00) of the day after the last holiday day; rosters are due by the end of the third working
/// day before (`ReminderRules::roster_filing_working_days_before`). The title reads
/// `2026年国庆节假期值班表报备`.
pub fn holiday_round_terms(
    first_day: NaiveDate,
) -> Result<(String, NaiveDateTime, NaiveDateTime, NaiveDateTime), ClientError> {
    let calendar = HolidayCalendar::shipped();
    let Some(holiday) = holidays_between(&calendar, first_day, first_day).into_iter().next() else {
        let running = holidays_between(&calendar, first_day - Duration::days(31), first_day)
            .into_iter()
            .find(|h| h.first_day <= first_day && first_day <= h.last_day);
        let next = holidays_between(&calendar, first_day, first_day + Duration::days(366)).into_iter().next();
        let hint = match (running, next) {
            (Some(h), _) => {
                format!("; it falls in the {} holiday, which starts on {}", festival_zh(&h.festival), h.first_day)
            }
            (None, Some(h)) => format!("; the next one starts on {} ({})", h.first_day, festival_zh(&h.festival)),
            (None, None) => format!(
                "; the calendar lists the years {}",
                calendar.loaded_years().map(|y| y.to_string()).collect::<Vec<_>>().join(", ")
            ),
        };
        return Err(ClientError::InvalidInput(format!(
            "no statutory holiday starts on {first_day} in the calendar{hint}"
        )));
    };
    let title = format!("{}年{}假期值班表报备", holiday.first_day.year(), festival_zh(&holiday.festival));
    let period_start = holiday.first_day.and_time(NaiveTime::MIN);
    let handover = NaiveTime::from_hms_opt(8, 0, 0).expect("08:00 is a time");
    let period_end = (holiday.last_day + Duration::days(1)).and_time(handover);
    let deadline = roster_filing_deadline(&calendar, &holiday, &ReminderRules::default()).naive_local();
    // Documents hold minutes: 23:59:59 is 23:59.
    let deadline = deadline.with_second(0).unwrap_or(deadline);
    Ok((title, period_start, period_end, deadline))
}

/// The office's local time now, as documents hold it (minutes).
pub(crate) fn local_now() -> NaiveDateTime {
    let now = office_now().naive_local();
    now.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(now)
}

/// Units in `units` the directory does not know, as reasons.
fn unknown_units<'a>(units: impl IntoIterator<Item = &'a String>, directory: &Directory) -> Vec<Refusal> {
    units
        .into_iter()
        .filter(|u| !directory.units.contains_key(u.as_str()))
        .map(|u| input("units", format!("unit {u:?} is not in the directory"), format!("单位 {u} 不在通讯录中")))
        .collect()
}

/// Every unit but the desk's own: who a round or a spot check covers unless told otherwise.
fn units_but_the_desk(directory: &Directory) -> Vec<String> {
    let desk = directory.desk_unit();
    directory.units.keys().filter(|u| Some(u.as_str()) != desk).cloned().collect()
}

impl Client {
    /// Every document this phone holds that reads as `read` reads it, by id.
    fn held_as<T>(
        &self,
        read: impl Fn(&Automerge) -> Result<T, DocumentError>,
    ) -> Result<Vec<(DocumentId, T)>, ClientError> {
        let mut ids = self.documents()?;
        ids.sort();
        let mut out = Vec::new();
        for id in ids {
            // Documents of other kinds (and ones that do not read) are not what is asked for.
            if let Ok(document) = self.read_with(id, |doc| read(doc).map_err(unreadable)) {
                out.push((id, document));
            }
        }
        Ok(out)
    }

    /// The unit of the person using this phone, from the directory (or as the server last said).
    fn my_unit(&self, directory: &Directory) -> Result<String, ClientError> {
        let me = self.require_identity()?;
        if let Some(person) = directory.people.get(&me.person) {
            return Ok(person.unit.clone());
        }
        match self.viewer()? {
            Some(viewer) if !viewer.unit.is_empty() => Ok(viewer.unit),
            _ => Err(refused(
                "find your unit",
                [input(
                    "person",
                    format!("{:?} is not a person in the directory", me.person),
                    format!("{} 不是通讯录中的人员", me.person),
                )],
            )),
        }
    }

    // Filing rounds.

    /// The desk opens a filing round in the name of the person using this phone, at the office's time now,
    /// for `units` (empty: every unit but the desk's).
    pub fn open_filing_round(
        &self,
        title: &str,
        occasion: Occasion,
        period_start: NaiveDateTime,
        period_end: NaiveDateTime,
        deadline: NaiveDateTime,
        units: Vec<String>,
    ) -> Result<DocumentId, ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        let units = if units.is_empty() { units_but_the_desk(&directory) } else { units };
        let round =
            FilingRound::new(title, occasion, (period_start, period_end), deadline, units, &me.person, local_now());
        self.create_typed("open this filing round", &round, &directory)
    }

    /// Adds units to an open round; returns the ones it did not name yet.
    pub fn add_round_units(&self, round: DocumentId, units: Vec<String>) -> Result<Vec<String>, ClientError> {
        let directory = self.directory()?;
        self.update_typed(round, "add units to this filing round", &directory, |r: &mut FilingRound| {
            let mut added = Vec::new();
            for unit in units {
                if !r.units.contains(&unit) && !added.contains(&unit) {
                    added.push(unit);
                }
            }
            if added.is_empty() {
                return Err(vec![input(
                    "units",
                    "the round already names every one of these units",
                    "本轮报备已包含所有这些单位",
                )]);
            }
            r.units.extend(added.iter().cloned());
            Ok(added)
        })
    }

    /// The desk closes a round (it is a record from then on), in the name of the person using this phone.
    pub fn close_filing_round(&self, round: DocumentId, note: &str) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        self.update_typed(round, "close this filing round", &directory, |r: &mut FilingRound| {
            if let Some(closed) = &r.closed {
                return Err(vec![Refusal::new(
                    DOCUMENT_PROBLEM,
                    format!("the round was closed already, by {} at {}", closed.by, closed.at),
                    format!("本轮报备已于 {} 由 {} 关闭", closed.at, closed.by),
                )]);
            }
            r.close(&me.person, local_now(), note);
            Ok(())
        })
    }

    pub fn filing_round(&self, id: DocumentId) -> Result<FilingRound, ClientError> {
        self.read_with(id, |doc| FilingRound::read(doc).map_err(unreadable))
    }

    /// Every filing round this phone holds, by id.
    pub fn filing_rounds_held(&self) -> Result<Vec<(DocumentId, FilingRound)>, ClientError> {
        self.held_as(FilingRound::read)
    }

    // Spot checks.

    /// The desk plans spot checks: for every day in `days` and every session, `rules.per_session` units
    /// drawn from `units` (empty: the round's units when `round` is given and held here, otherwise every
    /// unit but the desk's), units with findings in the spot checks this phone holds drawn more often.
    /// `seed` makes the draw reproducible. Planned in the name of the person using this phone.
    pub fn plan_spot_checks(
        &self,
        title: &str,
        round: Option<DocumentId>,
        days: Vec<NaiveDate>,
        units: Vec<String>,
        rules: &SpotCheckRules,
        seed: Option<u64>,
    ) -> Result<DocumentId, ClientError> {
        const WHAT: &str = "plan these spot checks";
        let me = self.require_identity()?;
        let directory = self.directory()?;
        let units = match (units.is_empty(), round) {
            (false, _) => units,
            (true, Some(round)) if self.holds(round)? => self.filing_round(round)?.units,
            (true, _) => units_but_the_desk(&directory),
        };
        let mut reasons = Vec::new();
        if title.trim().is_empty() {
            reasons.push(input("title", "the plan needs a title", "抽查计划需要标题"));
        }
        if days.is_empty() {
            reasons.push(input("days", "the plan needs at least one day", "抽查计划至少需要一天"));
        }
        if units.is_empty() {
            reasons.push(input("units", "there are no units to draw from", "没有可供抽取的单位"));
        }
        if rules.per_session == 0 {
            reasons.push(input("perSession", "at least one unit is checked per session", "每个时段至少抽查一个单位"));
        }
        reasons.extend(unknown_units(&units, &directory));
        if !reasons.is_empty() {
            return Err(refused(WHAT, reasons));
        }
        let findings = self.past_findings()?;
        let pool: Vec<(String, u32)> = units
            .into_iter()
            .map(|unit| {
                let past = findings.get(&unit).copied().unwrap_or(0);
                (unit, past)
            })
            .collect();
        let mut rng = StdRng::seed_from_u64(seed.unwrap_or_else(rand::random));
        let mut plan = SpotChecks::new(title.trim(), round.map(|r| r.url()));
        for check in draw(&pool, &days, &Session::ALL, rules, &mut rng) {
            plan.checks.insert(
                new_entry_id(),
                SpotCheck {
                    unit: check.unit,
                    date: check.date.format("%Y-%m-%d").to_string(),
                    session: check.session,
                    planned_by: me.person.clone(),
                    result: None,
                },
            );
        }
        self.create_typed(WHAT, &plan, &directory)
    }

    /// Findings per unit in the spot checks this phone holds (the desk's phone holds them all).
    pub fn past_findings(&self) -> Result<BTreeMap<String, u32>, ClientError> {
        let mut out = BTreeMap::new();
        for (_, plan) in self.spot_checks_held()? {
            for (_, check, _) in plan.findings() {
                *out.entry(check.unit.clone()).or_insert(0) += 1;
            }
        }
        Ok(out)
    }

    /// Records what the desk found on check `check_id`, in the name of the person using this phone, at the
    /// office's time now. A result on record is not rewritten.
    #[allow(clippy::too_many_arguments)]
    pub fn record_check_result(
        &self,
        plan: DocumentId,
        check_id: &str,
        outcome: Outcome,
        ring_seconds: Option<i64>,
        method: Method,
        answered_by: &str,
        note: &str,
    ) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        let result = CheckResult {
            outcome,
            ring_seconds,
            method,
            answered_by: answered_by.trim().to_owned(),
            checked_by: me.person.clone(),
            checked_at: format_instant(office_now()),
            note: note.to_owned(),
        };
        self.update_typed(plan, "record this check", &directory, |p: &mut SpotChecks| {
            let Some(check) = p.checks.get_mut(check_id) else {
                let ids: Vec<&str> = p.checks.keys().map(String::as_str).collect();
                let known = if ids.is_empty() {
                    "it has none".to_owned()
                } else {
                    format!("its checks are {}", ids.join(", "))
                };
                let known_zh = if ids.is_empty() {
                    "计划中没有抽查".to_owned()
                } else {
                    format!("已有 {}", ids.join("、"))
                };
                return Err(vec![input(
                    "check",
                    format!("there is no check {check_id:?} in this plan ({known})"),
                    format!("此计划中没有抽查 {check_id}（{known_zh}）"),
                )]);
            };
            if let Some(on_record) = &check.result {
                return Err(vec![
                    Refusal::new(
                        "document.history",
                        format!(
                            "check {check_id} already has its result ({} by {} at {}); a result on record is not \
                             changed",
                            on_record.outcome.code(),
                            on_record.checked_by,
                            on_record.checked_at
                        ),
                        format!(
                            "抽查 {check_id} 已有结果（{}，{} 于 {} 记录）；已记录的结果不能更改",
                            on_record.outcome.code(),
                            on_record.checked_by,
                            on_record.checked_at
                        ),
                    )
                    .at(format!("checks/{check_id}/result")),
                ]);
            }
            check.result = Some(result);
            Ok(())
        })
    }

    /// The desk checks a unit the draw did not pick; returns the new check's id.
    pub fn add_unplanned_check(
        &self,
        plan: DocumentId,
        unit: &str,
        date: NaiveDate,
        session: Session,
    ) -> Result<String, ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        let check_id = new_entry_id();
        let check = SpotCheck {
            unit: unit.to_owned(),
            date: date.format("%Y-%m-%d").to_string(),
            session,
            planned_by: me.person.clone(),
            result: None,
        };
        self.update_typed(plan, "add this check", &directory, |p: &mut SpotChecks| {
            p.checks.insert(check_id.clone(), check);
            Ok(())
        })?;
        Ok(check_id)
    }

    pub fn spot_checks(&self, id: DocumentId) -> Result<SpotChecks, ClientError> {
        self.read_with(id, |doc| SpotChecks::read(doc).map_err(unreadable))
    }

    /// Every spot-check plan this phone holds, by id.
    pub fn spot_checks_held(&self) -> Result<Vec<(DocumentId, SpotChecks)>, ClientError> {
        self.held_as(SpotChecks::read)
    }

    // Duty logs.

    /// Logs an entry in the duty log of `unit` (default: the user's unit) for the month of `at` (default:
    /// now), in the name of the person using this phone; the log is started when this phone holds none for
    /// that unit and month (with several, the first by id). Returns the log and the entry's id.
    #[allow(clippy::too_many_arguments)]
    pub fn log_duty(
        &self,
        unit: Option<String>,
        kind: LogKind,
        counterpart: &str,
        summary: &str,
        handling: &str,
        instruction: Option<DocumentId>,
        for_date: Option<NaiveDate>,
        at: Option<DateTime<FixedOffset>>,
    ) -> Result<(DocumentId, String), ClientError> {
        const WHAT: &str = "log this";
        let me = self.require_identity()?;
        let directory = self.directory()?;
        let unit = match unit {
            Some(unit) => unit,
            None => self.my_unit(&directory)?,
        };
        let at = at.unwrap_or_else(office_now);
        let month = at.with_timezone(&office_time_zone()).format("%Y-%m").to_string();
        let entry_id = new_entry_id();
        let entry = LogEntry {
            kind,
            at: format_instant(at),
            by: me.person.clone(),
            counterpart: counterpart.trim().to_owned(),
            summary: summary.trim().to_owned(),
            handling: handling.trim().to_owned(),
            instruction: instruction.map(|i| i.url()),
            for_date: for_date.map(|d| d.format("%Y-%m-%d").to_string()),
        };
        let held = self.duty_logs_held()?.into_iter().find(|(_, log)| log.unit == unit && log.month == month);
        let log = match held {
            Some((id, _)) => {
                self.update_typed(id, WHAT, &directory, |log: &mut DutyLog| {
                    log.entries.insert(entry_id.clone(), entry);
                    Ok(())
                })?;
                id
            }
            None => {
                let mut log = DutyLog::new(&unit, &month);
                log.entries.insert(entry_id.clone(), entry);
                self.create_typed(WHAT, &log, &directory)?
            }
        };
        Ok((log, entry_id))
    }

    /// The user's unit reports it has nothing to report for `date` (零报告); `summary` defaults to
    /// `今日无突发事件信息报告`.
    pub fn file_zero_report(
        &self,
        date: NaiveDate,
        summary: Option<&str>,
    ) -> Result<(DocumentId, String), ClientError> {
        let summary = summary.filter(|s| !s.trim().is_empty()).unwrap_or(ZERO_REPORT_SUMMARY);
        self.log_duty(None, LogKind::ZeroReport, "", summary, "", None, Some(date), None)
    }

    pub fn duty_log(&self, id: DocumentId) -> Result<DutyLog, ClientError> {
        self.read_with(id, |doc| DutyLog::read(doc).map_err(unreadable))
    }

    /// Every duty log this phone holds, by id.
    pub fn duty_logs_held(&self) -> Result<Vec<(DocumentId, DutyLog)>, ClientError> {
        self.held_as(DutyLog::read)
    }

    // The assessment record.

    /// The desk records an item about a unit in the assessment record of this year (started when this
    /// phone holds none), in the name of the person using this phone. Returns the record and the item's id.
    #[allow(clippy::too_many_arguments)]
    pub fn record_assessment(
        &self,
        kind: ItemKind,
        unit: &str,
        level: Option<AdoptionLevel>,
        publication: &str,
        incident: Option<DocumentId>,
        entry: Option<String>,
        reason: &str,
    ) -> Result<(DocumentId, String), ClientError> {
        const WHAT: &str = "record this assessment item";
        let me = self.require_identity()?;
        let directory = self.directory()?;
        let now = office_now();
        let year = i64::from(now.year());
        let item_id = new_entry_id();
        let item = AssessmentItem {
            kind,
            unit: unit.to_owned(),
            level,
            publication: publication.trim().to_owned(),
            incident: incident.map(|i| i.url()),
            entry,
            reason: reason.trim().to_owned(),
            by: me.person.clone(),
            at: format_instant(now),
        };
        let held = self.assessments_held()?.into_iter().find(|(_, record)| record.year == year);
        let record = match held {
            Some((id, _)) => {
                self.update_typed(id, WHAT, &directory, |record: &mut Assessment| {
                    record.items.insert(item_id.clone(), item);
                    Ok(())
                })?;
                id
            }
            None => {
                let mut record = Assessment::new(year);
                record.items.insert(item_id.clone(), item);
                self.create_typed(WHAT, &record, &directory)?
            }
        };
        Ok((record, item_id))
    }

    pub fn assessment(&self, id: DocumentId) -> Result<Assessment, ClientError> {
        self.read_with(id, |doc| Assessment::read(doc).map_err(unreadable))
    }

    /// Every assessment record this phone holds, by id.
    pub fn assessments_held(&self) -> Result<Vec<(DocumentId, Assessment)>, ClientError> {
        self.held_as(Assessment::read)
    }
}

#[cfg(test)]
mod tests {
    use zhiban_model::documents::directory::{DutyCategory, Person, Rank, Role, Unit};

    use super::*;

    fn directory() -> Directory {
        let mut d = Directory::default();
        for (id, parent) in [("city", None), ("east", Some("city")), ("west", Some("city")), ("water", Some("city"))] {
            d.units.insert(
                id.into(),
                Unit {
                    name: id.into(),
                    parent: parent.map(Into::into),
                    category: DutyCategory::One,
                    duty_phone: "12345".into(),
                },
            );
        }
        for (id, unit, roles) in [("desk-1", "city", vec![Role::Desk]), ("east-1", "east", vec![Role::UnitOfficer])] {
            d.people.insert(
                id.into(),
                Person { name: id.into(), unit: unit.into(), rank: Rank::Section, phone: "1".into(), roles },
            );
        }
        d
    }

    /// A phone with the directory, used by `person`, logged in (as far as the access rules go) with `roles`.
    fn phone(person: &str, unit: &str, roles: &str) -> (tempfile::TempDir, Client) {
        let folder = tempfile::tempdir().expect("folder");
        let client = Client::open(folder.path(), None).expect("client");
        client.create_directory(&directory()).expect("directory");
        client
            .with_store(|store| {
                store.set_settings(&[
                    ("person", person),
                    ("device", "test"),
                    ("login_user", person),
                    ("login_unit", unit),
                    ("login_roles", roles),
                ])
            })
            .expect("identity");
        (folder, client)
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("day")
    }

    #[test]
    fn the_desk_plans_spot_checks_offline_and_records_what_it_found() {
        let (_folder, client) = phone("desk-1", "city", "desk");
        let days = vec![day("2026-10-01"), day("2026-10-02")];
        let rules = SpotCheckRules { per_session: 2, ..SpotCheckRules::default() };
        let id = client
            .plan_spot_checks("2026年国庆节假期值班抽查", None, days.clone(), Vec::new(), &rules, Some(7))
            .expect("planned");
        let plan = client.spot_checks(id).expect("plan");
        assert_eq!(plan.checks.len(), 2 * 3 * 2);
        assert!(plan.checks.values().all(|c| c.unit != "city" && c.planned_by == "desk-1"), "not the desk itself");
        assert_eq!(client.spot_checks_held().expect("held").len(), 1);

        let (check_id, check) = plan.checks.iter().next().expect("a check");
        let unit = check.unit.clone();
        let unanswered = client.record_check_result(id, check_id, Outcome::Unanswered, None, Method::Phone, "", "");
        assert!(
            matches!(&unanswered, Err(ClientError::Refused { refusals, .. }) if refusals[0].reason.contains("ring time")),
            "{unanswered:?}"
        );
        client
            .record_check_result(id, check_id, Outcome::EmptyPost, Some(60), Method::Phone, "", "无人在岗")
            .expect("recorded");
        let again = client.record_check_result(id, check_id, Outcome::Proper, None, Method::Phone, "", "");
        assert!(matches!(&again, Err(ClientError::Refused { refusals, .. }) if refusals[0].reason.contains("already")));
        let missing = client.record_check_result(id, "nope", Outcome::Proper, None, Method::Phone, "", "");
        assert!(
            matches!(&missing, Err(ClientError::Refused { refusals, .. }) if refusals[0].reason.contains("no check"))
        );
        assert_eq!(client.past_findings().expect("findings").get(&unit), Some(&1));

        let added = client.add_unplanned_check(id, "water", day("2026-10-02"), Session::Evening).expect("added");
        assert_eq!(client.spot_checks(id).expect("plan").checks[&added].unit, "water");

        // Units given are the only ones drawn from.
        let again = client.plan_spot_checks("再抽", None, days, vec!["east".into()], &rules, Some(7)).expect("again");
        assert!(client.spot_checks(again).expect("plan").checks.values().all(|c| c.unit == "east"));
    }

    #[test]
    fn a_plan_names_every_problem_and_only_the_desk_plans() {
        let (_folder, desk) = phone("desk-1", "city", "desk");
        let bad =
            desk.plan_spot_checks(" ", None, Vec::new(), vec!["nowhere".into()], &SpotCheckRules::default(), None);
        let Err(ClientError::Refused { refusals, .. }) = bad else { panic!("refused: {bad:?}") };
        let parts: Vec<(&str, Option<&str>)> = refusals.iter().map(|r| (r.rule.as_str(), r.part.as_deref())).collect();
        assert_eq!(parts, vec![("input", Some("title")), ("input", Some("days")), ("input", Some("units"))]);
        assert!(refusals[2].reason.contains("nowhere") && refusals[2].reason_zh.contains("nowhere"), "{refusals:?}");
        let (_folder, officer) = phone("east-1", "east", "unit_officer");
        let refused =
            officer.plan_spot_checks("x", None, vec![day("2026-10-01")], Vec::new(), &SpotCheckRules::default(), None);
        assert!(
            matches!(&refused, Err(ClientError::Refused { refusals, .. }) if refusals.iter().any(|r| r.rule == "spot_checks.desk")),
            "{refused:?}"
        );
        assert!(officer.spot_checks_held().expect("held").is_empty(), "nothing saved");
    }

    #[test]
    fn a_round_for_national_day_comes_from_the_calendar_and_closes_once() {
        let (title, start, end, deadline) = holiday_round_terms(day("2026-10-01")).expect("national day");
        assert_eq!(title, "2026年国庆节假期值班表报备");
        assert_eq!(zhiban_model::documents::roster::format_time(start), "2026-10-01T00:00");
        assert_eq!(zhiban_model::documents::roster::format_time(end), "2026-10-08T08:00");
        assert_eq!(zhiban_model::documents::roster::format_time(deadline), "2026-09-28T23:59");
        let error = holiday_round_terms(day("2026-10-02")).expect_err("not a first day").to_string();
        assert!(error.contains("2026-10-02") && error.contains("starts on 2026-10-01"), "{error}");
        let error = holiday_round_terms(day("2026-08-03")).expect_err("a working day").to_string();
        assert!(error.contains("the next one starts on 2026-09-25 (中秋节)"), "{error}");

        let (_folder, client) = phone("desk-1", "city", "desk");
        let id = client.open_filing_round(&title, Occasion::Holiday, start, end, deadline, Vec::new()).expect("opened");
        let round = client.filing_round(id).expect("round");
        assert_eq!(round.opened_by, "desk-1");
        assert_eq!(
            round.units,
            units_but_the_desk(&client.directory().expect("directory")),
            "no units: all but the desk's"
        );
        let added = client.add_round_units(id, vec!["east".into(), "city".into()]).expect("added");
        assert_eq!(added, vec!["city"]);
        client.close_filing_round(id, "全部报备").expect("closed");
        let twice = client.close_filing_round(id, "");
        assert!(
            matches!(&twice, Err(ClientError::Refused { refusals, .. }) if refusals[0].reason.contains("closed already"))
        );
        let late = client.add_round_units(id, vec!["nowhere".into()]);
        assert!(matches!(&late, Err(ClientError::Refused { .. })), "{late:?}");
        assert_eq!(client.filing_rounds_held().expect("held").len(), 1);
    }

    #[test]
    fn a_unit_logs_into_one_log_a_month_and_the_desk_keeps_the_assessment_record() {
        let (_folder, officer) = phone("east-1", "east", "unit_officer");
        let at = DateTime::parse_from_rfc3339("2026-10-01T20:00:00+08:00").expect("time");
        let (log, first) = officer
            .log_duty(None, LogKind::Call, "市民王某", "反映积水", "已转交排水公司", None, None, Some(at))
            .expect("logged");
        let (same, zero) = officer
            .log_duty(None, LogKind::ZeroReport, "", ZERO_REPORT_SUMMARY, "", None, Some(day("2026-10-01")), Some(at))
            .expect("zero");
        assert_eq!(same, log, "one log for the unit and month");
        let kept = officer.duty_log(log).expect("log");
        assert_eq!((kept.unit.as_str(), kept.month.as_str()), ("east", "2026-10"));
        assert_eq!(kept.entries[&first].by, "east-1");
        assert_eq!(kept.entries[&zero].for_date.as_deref(), Some("2026-10-01"));
        let elsewhere = officer.log_duty(Some("west".into()), LogKind::Call, "", "x", "", None, None, Some(at));
        assert!(matches!(&elsewhere, Err(ClientError::Refused { .. })), "{elsewhere:?}");

        let assessing = officer.record_assessment(ItemKind::Criticism, "east", None, "", None, None, "迟报");
        assert!(matches!(&assessing, Err(ClientError::Refused { .. })), "only the desk: {assessing:?}");
        let (_folder, desk) = phone("desk-1", "city", "desk");
        let no_level = desk.record_assessment(ItemKind::Adoption, "east", None, "《值班要情》", None, None, "");
        assert!(matches!(&no_level, Err(ClientError::Refused { .. })), "{no_level:?}");
        let (record, _) = desk
            .record_assessment(
                ItemKind::Adoption,
                "east",
                Some(AdoptionLevel::Province),
                "《值班要情》",
                None,
                None,
                "",
            )
            .expect("recorded");
        let (same, _) =
            desk.record_assessment(ItemKind::Criticism, "west", None, "", None, None, "迟报").expect("recorded");
        assert_eq!(same, record);
        assert_eq!(desk.assessment(record).expect("record").items.len(), 2);
    }
}
