//! The office's rules from files it can replace without a new release: a JSON file of numbers (every field
//! optional; what it leaves out keeps the reference default) and a calendar CSV whose years replace the
//! shipped calendar's.
//!
//! ```json
//! {
//!   "reporting_deadlines": { "III": { "verbal_minutes": 30, "written_minutes": 60 },
//!                            "IV":  { "verbal_minutes": null, "written_minutes": 360 } },
//!   "grade_thresholds": { "deaths": [30, 10, 3], "serious_injuries": [100, 50, 10],
//!                         "direct_loss_cny": [100000000, 50000000, 10000000] },
//!   "instruction_clocks": { "relay_minutes": 5, "feedback_working_days": 3 },
//!   "office_hours": { "start": "08:30", "end": "17:30" },
//!   "escalation": {
//!     "instruction": [ { "notify": ["deputy"], "wait_minutes": 3, "times": 2 },
//!                      { "notify": ["main", "role:unit_officer"], "wait_minutes": 3, "times": 2 },
//!                      { "notify": ["leader"], "wait_minutes": 5, "times": 2 },
//!                      { "notify": ["unit_head", "person:p_city_director"], "wait_minutes": 10, "times": 1 } ]
//!   },
//!   "reminders": { "follow_up_every_hours": 24, "report_due_before_minutes": 60,
//!                  "feedback_due_before_hours": 24, "roster_filing_working_days_before": 3,
//!                  "roster_filing_remind_days_before": 2 },
//!   "incident_categories": [ { "code": "geological", "name": "地质灾害", "class": "natural_disaster",
//!                              "keywords": ["滑坡", "泥石流", "崩塌"] } ],
//!   "early_warning": { "window_days": 7, "baseline_windows": 12, "probability_below": 0.01, "min_count": 3 },
//!   "compound_risk": { "distance_km": 20, "hours": 24 },
//!   "scores": { "base": 100, "report_sent": 1, "late_report": -2, "check_empty_post": -3 },
//!   "spot_checks": { "per_session": 3, "weight_per_finding": 2 }
//! }
//! ```
//!
//! Escalation chains are named `instruction` (a unit an instruction is addressed to), `person` (a person
//! addressed directly), `serious_incident` (the desk, for grade Ⅲ and above or sensitive), `report_due`,
//! `feedback_due`, `roster_filing` and `early_warning` (the desk, for an early warning of the incident
//! analysis); a chain given replaces that chain whole. Callees: `deputy`, `main`,
//! `leader` (on duty now in the recipient's unit), `unit_head`, `role:CODE` (the unit's people with that
//! role), `person:ID`, and `recipient` (the person addressed).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Duration, NaiveTime};
use serde::Deserialize;
use zhiban_model::rules::analysis::{CompoundRules, EarlyWarningRules, IncidentCategory, Taxonomy};
use zhiban_model::rules::calendar::HolidayCalendar;
use zhiban_model::rules::deadlines::ReportingRule;
use zhiban_model::rules::escalation::{Callee, ChainFor, EscalationChain, EscalationStep};
use zhiban_model::rules::grade::ColumnBounds;
use zhiban_model::rules::scores::ScoreWeights;
use zhiban_model::rules::spot_checks::SpotCheckRules;

use super::DutyRules;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a valid rules file: {reason}")]
    Rules { path: String, reason: String },
    #[error("{path} is not a valid calendar: {source}")]
    Calendar {
        path: String,
        #[source]
        source: zhiban_model::rules::calendar::CalendarError,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    reporting_deadlines: BTreeMap<String, DeadlineEntry>,
    grade_thresholds: Option<ThresholdsEntry>,
    instruction_clocks: Option<ClocksEntry>,
    office_hours: Option<OfficeHoursEntry>,
    #[serde(default)]
    escalation: BTreeMap<String, Vec<StepEntry>>,
    reminders: Option<RemindersEntry>,
    /// Replaces the reference list whole.
    incident_categories: Option<Vec<IncidentCategory>>,
    early_warning: Option<EarlyWarningRules>,
    compound_risk: Option<CompoundRules>,
    scores: Option<ScoreWeights>,
    spot_checks: Option<SpotCheckRules>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepEntry {
    notify: Vec<String>,
    wait_minutes: i64,
    #[serde(default = "once")]
    times: u32,
}

fn once() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemindersEntry {
    follow_up_every_hours: Option<i64>,
    report_due_before_minutes: Option<i64>,
    feedback_due_before_hours: Option<i64>,
    roster_filing_working_days_before: Option<u32>,
    roster_filing_remind_days_before: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeadlineEntry {
    /// `null`: no verbal report required.
    verbal_minutes: Option<i64>,
    written_minutes: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsEntry {
    deaths: Option<[u32; 3]>,
    serious_injuries: Option<[u32; 3]>,
    direct_loss_cny: Option<[u64; 3]>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClocksEntry {
    relay_minutes: Option<i64>,
    feedback_working_days: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeHoursEntry {
    start: String,
    end: String,
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.display().to_string(), source })
}

fn bounds<T: PartialOrd + Copy>(name: &str, [i, ii, iii]: [T; 3]) -> Result<ColumnBounds<T>, String> {
    if i >= ii && ii >= iii {
        Ok(ColumnBounds { grade_i: i, grade_ii: ii, grade_iii: iii })
    } else {
        Err(format!("grade_thresholds.{name} must go from grade I's bound down to grade III's"))
    }
}

impl DutyRules {
    /// The reference defaults, with the rules file and the calendar file laid over them where given.
    pub fn load(rules: Option<&Path>, calendar: Option<&Path>) -> Result<Self, ConfigError> {
        let mut out = DutyRules::default();
        if let Some(path) = rules {
            let bad = |reason: String| ConfigError::Rules { path: path.display().to_string(), reason };
            let file: RulesFile = serde_json::from_str(&read(path)?).map_err(|e| bad(e.to_string()))?;
            out.apply(file).map_err(bad)?;
        }
        if let Some(path) = calendar {
            let newer = HolidayCalendar::from_csv(&read(path)?)
                .map_err(|source| ConfigError::Calendar { path: path.display().to_string(), source })?;
            out.calendar = out.calendar.with_years_from(newer);
        }
        Ok(out)
    }

    fn apply(&mut self, file: RulesFile) -> Result<(), String> {
        for (grade, entry) in file.reporting_deadlines {
            let slot = match grade.as_str() {
                "I" => &mut self.deadlines.grade_i,
                "II" => &mut self.deadlines.grade_ii,
                "III" => &mut self.deadlines.grade_iii,
                "IV" => &mut self.deadlines.grade_iv,
                other => return Err(format!("reporting_deadlines: {other:?} is not a grade (I, II, III, IV)")),
            };
            if entry.written_minutes <= 0 || entry.verbal_minutes.is_some_and(|m| m <= 0) {
                return Err(format!("reporting_deadlines.{grade}: minutes must be positive"));
            }
            *slot = ReportingRule {
                verbal: entry.verbal_minutes.map(Duration::minutes),
                written: Duration::minutes(entry.written_minutes),
            };
        }
        if let Some(t) = file.grade_thresholds {
            if let Some(b) = t.deaths {
                self.thresholds.deaths = bounds("deaths", b)?;
            }
            if let Some(b) = t.serious_injuries {
                self.thresholds.serious_injuries = bounds("serious_injuries", b)?;
            }
            if let Some(b) = t.direct_loss_cny {
                self.thresholds.direct_loss_cny = bounds("direct_loss_cny", b)?;
            }
        }
        if let Some(c) = file.instruction_clocks {
            if let Some(m) = c.relay_minutes {
                if m <= 0 {
                    return Err("instruction_clocks.relay_minutes must be positive".into());
                }
                self.instruction_clocks.relay_within = Duration::minutes(m);
            }
            if let Some(d) = c.feedback_working_days {
                self.instruction_clocks.feedback_working_days = d;
            }
        }
        if let Some(h) = file.office_hours {
            let time = |field: &str, text: &str| {
                NaiveTime::parse_from_str(text, "%H:%M")
                    .map_err(|_| format!("office_hours.{field}: {text:?} is not a time like 08:30"))
            };
            self.office_hours.start = time("start", &h.start)?;
            self.office_hours.end = time("end", &h.end)?;
            if self.office_hours.end <= self.office_hours.start {
                return Err("office_hours.end must be after office_hours.start".into());
            }
        }
        for (name, steps) in file.escalation {
            let which = ChainFor::parse(&name).ok_or_else(|| {
                let known: Vec<&str> = ChainFor::ALL.iter().map(|c| c.code()).collect();
                format!("escalation: {name:?} is not a chain (known: {})", known.join(", "))
            })?;
            self.escalation.set(which, chain(&name, steps)?);
        }
        if let Some(r) = file.reminders {
            self.apply_reminders(r)?;
        }
        self.apply_oversight(file.incident_categories, file.early_warning, file.compound_risk)?;
        if let Some(weights) = file.scores {
            self.scores = weights;
        }
        if let Some(checks) = file.spot_checks {
            if checks.per_session == 0 || checks.weight_per_finding < 0.0 {
                return Err("spot_checks: per_session must be at least 1 and weight_per_finding not negative".into());
            }
            self.spot_checks = checks;
        }
        Ok(())
    }

    fn apply_oversight(
        &mut self,
        categories: Option<Vec<IncidentCategory>>,
        early_warning: Option<EarlyWarningRules>,
        compound: Option<CompoundRules>,
    ) -> Result<(), String> {
        if let Some(categories) = categories {
            let taxonomy = Taxonomy { categories };
            if let Some(problem) = taxonomy.problems().into_iter().next() {
                return Err(format!("incident_categories: {problem}"));
            }
            self.taxonomy = taxonomy;
        }
        if let Some(w) = early_warning {
            if w.window_days <= 0 || w.baseline_windows == 0 || !(0.0..1.0).contains(&w.probability_below) {
                return Err("early_warning: window_days and baseline_windows must be positive and \
                            probability_below between 0 and 1"
                    .into());
            }
            self.early_warning = w;
        }
        if let Some(c) = compound {
            if c.distance_km <= 0.0 || c.hours <= 0 {
                return Err("compound_risk: distance_km and hours must be positive".into());
            }
            self.compound_risk = c;
        }
        Ok(())
    }

    fn apply_reminders(&mut self, r: RemindersEntry) -> Result<(), String> {
        let positive = |field: &str, value: i64| {
            if value > 0 { Ok(value) } else { Err(format!("reminders.{field} must be positive")) }
        };
        let rules = &mut self.reminders;
        if let Some(h) = r.follow_up_every_hours {
            rules.follow_up_every = Duration::hours(positive("follow_up_every_hours", h)?);
        }
        if let Some(m) = r.report_due_before_minutes {
            rules.report_due_before = Duration::minutes(positive("report_due_before_minutes", m)?);
        }
        if let Some(h) = r.feedback_due_before_hours {
            rules.feedback_due_before = Duration::hours(positive("feedback_due_before_hours", h)?);
        }
        if let Some(d) = r.roster_filing_working_days_before {
            rules.roster_filing_working_days_before = d;
        }
        if let Some(d) = r.roster_filing_remind_days_before {
            rules.roster_filing_remind_days_before = positive("roster_filing_remind_days_before", d)?;
        }
        Ok(())
    }
}

/// A chain from the rules file, every step checked.
fn chain(name: &str, steps: Vec<StepEntry>) -> Result<EscalationChain, String> {
    if steps.is_empty() {
        return Err(format!("escalation.{name}: a chain needs at least one step"));
    }
    let steps = steps
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let at = format!("escalation.{name}[{i}]");
            if s.notify.is_empty() {
                return Err(format!("{at}.notify: a step calls someone"));
            }
            if s.wait_minutes <= 0 {
                return Err(format!("{at}.wait_minutes must be positive"));
            }
            if s.times == 0 {
                return Err(format!("{at}.times must be at least 1"));
            }
            let notify = s
                .notify
                .iter()
                .map(|c| Callee::parse(c).map_err(|e| format!("{at}.notify: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(EscalationStep { notify, wait_minutes: s.wait_minutes, times: s.times })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(EscalationChain { steps })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhiban_model::rules::grade::{Figures, Grade};

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), text).expect("write");
        file
    }

    #[test]
    fn a_rules_file_overrides_what_it_names_and_keeps_the_rest() {
        let file = write(
            r#"{"reporting_deadlines": {"IV": {"verbal_minutes": 60, "written_minutes": 240}},
                "grade_thresholds": {"deaths": [20, 8, 2]},
                "instruction_clocks": {"feedback_working_days": 5}}"#,
        );
        let rules = DutyRules::load(Some(file.path()), None).expect("valid");
        assert_eq!(rules.deadlines.grade_iv.written, Duration::minutes(240));
        assert_eq!(rules.deadlines.grade_iv.verbal, Some(Duration::minutes(60)));
        assert_eq!(rules.deadlines.grade_i, DutyRules::default().deadlines.grade_i);
        let two_dead = Figures { deaths: 2, ..Default::default() };
        assert_eq!(rules.thresholds.suggest(&two_dead, false).grade, Grade::III);
        assert_eq!(rules.instruction_clocks.feedback_working_days, 5);
        assert_eq!(rules.instruction_clocks.relay_within, Duration::minutes(5));
    }

    #[test]
    fn a_bad_rules_file_is_refused_with_the_field_named() {
        for (text, expected) in [
            (r#"{"reporting_deadlines": {"V": {"verbal_minutes": 1, "written_minutes": 2}}}"#, "\"V\" is not a grade"),
            (r#"{"grade_thresholds": {"deaths": [3, 10, 30]}}"#, "grade_thresholds.deaths"),
            (r#"{"office_hours": {"start": "8am", "end": "17:30"}}"#, "office_hours.start"),
            (r#"{"deadlines": {}}"#, "unknown field `deadlines`"),
            (r#"{"escalation": {"mayor": [{"notify": ["main"], "wait_minutes": 3}]}}"#, "\"mayor\" is not a chain"),
            (r#"{"escalation": {"instruction": []}}"#, "escalation.instruction: a chain needs"),
            (
                r#"{"escalation": {"instruction": [{"notify": ["boss"], "wait_minutes": 3}]}}"#,
                "escalation.instruction[0].notify",
            ),
            (
                r#"{"escalation": {"person": [{"notify": ["recipient"], "wait_minutes": 0}]}}"#,
                "escalation.person[0].wait_minutes",
            ),
            (r#"{"reminders": {"follow_up_every_hours": -1}}"#, "reminders.follow_up_every_hours"),
            (r#"{"scores": {"late": -3}}"#, "unknown field `late`"),
            (r#"{"early_warning": {"probability_below": 2}}"#, "early_warning"),
            (
                r#"{"incident_categories": [{"code": "x", "name": "", "class": "natural_disaster", "keywords": []}]}"#,
                "incident_categories",
            ),
        ] {
            let file = write(text);
            let e = DutyRules::load(Some(file.path()), None).expect_err(text).to_string();
            assert!(e.contains(expected), "{text}: {e}");
        }
    }

    #[test]
    fn an_escalation_chain_from_the_rules_file_replaces_that_chain_only() {
        use zhiban_model::documents::directory::Role;
        let file = write(
            r#"{"escalation": {"instruction": [
                    {"notify": ["main", "role:unit_officer"], "wait_minutes": 2, "times": 3},
                    {"notify": ["person:p_director"], "wait_minutes": 10}]},
                "reminders": {"feedback_due_before_hours": 8}}"#,
        );
        let rules = DutyRules::load(Some(file.path()), None).expect("valid");
        let chain = &rules.escalation.instruction;
        assert_eq!(chain.steps.len(), 2);
        assert_eq!(chain.steps[0].notify, vec![Callee::Main, Callee::Role(Role::UnitOfficer)]);
        assert_eq!((chain.steps[0].wait_minutes, chain.steps[0].times), (2, 3));
        assert_eq!(chain.steps[1].notify, vec![Callee::Person("p_director".into())]);
        assert_eq!(chain.steps[1].times, 1, "times defaults to once");
        assert_eq!(rules.escalation.person, DutyRules::default().escalation.person);
        assert_eq!(rules.reminders.feedback_due_before, Duration::hours(8));
        assert_eq!(rules.reminders.follow_up_every, Duration::hours(24));
    }

    #[test]
    fn the_oversight_numbers_come_from_the_rules_file_too() {
        let file = write(
            r#"{"scores": {"late_report": -4}, "early_warning": {"window_days": 14},
                "incident_categories": [{"code": "geo", "name": "地质灾害", "class": "natural_disaster",
                                         "keywords": ["滑坡"]}]}"#,
        );
        let rules = DutyRules::load(Some(file.path()), None).expect("valid");
        assert_eq!((rules.scores.late_report, rules.scores.criticism), (-4.0, -5.0));
        assert_eq!((rules.early_warning.window_days, rules.early_warning.baseline_windows), (14, 12));
        assert_eq!(rules.taxonomy.categories.len(), 1);
        assert_eq!(rules.taxonomy.classify(Some("山体滑坡"), "").map(|c| c.code.as_str()), Some("geo"));
    }

    #[test]
    fn a_calendar_file_adds_next_year() {
        let file = write("date,kind,festival\n2027-01-01,holiday,元旦\n");
        let rules = DutyRules::load(None, Some(file.path())).expect("valid");
        assert!(rules.calendar.loaded_years().any(|y| y == 2027));
        assert!(rules.calendar.loaded_years().any(|y| y == 2026), "the shipped years stay");
    }
}
