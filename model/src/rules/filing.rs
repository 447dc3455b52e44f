//! Where each unit stands in a filing round (报备), read from its rosters: not yet filed, missing (the
//! deadline passed with nothing filed), filed and awaiting the desk, accepted, or returned with reasons;
//! and whether its filing was late. The server's API, the watch's reminders, the bulletin and the scores
//! all read it from here, so they agree.

use chrono::{Duration, NaiveDateTime};

use crate::documents::filing_round::RoundTerms;
use crate::documents::roster::FilingStatus;

/// One step of a roster's filing, as projected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingStepView {
    pub status: FilingStatus,
    pub by: String,
    pub at: NaiveDateTime,
    pub reasons: Vec<String>,
}

/// A roster of the unit with its filing history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterFiling {
    /// The roster document's id.
    pub roster: String,
    pub period_start: NaiveDateTime,
    pub period_end: NaiveDateTime,
    pub steps: Vec<FilingStepView>,
    /// Validation problems by the unit's duty category (in the duty officer's words).
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitFilingState {
    /// Nothing filed yet, before the deadline.
    Pending,
    /// Nothing filed, and the deadline has passed (未按时报备).
    Missing,
    /// Filed, waiting for the desk.
    Filed,
    Accepted,
    /// Returned by the desk with reasons: the unit corrects and files again.
    Returned,
}

impl UnitFilingState {
    pub fn code(self) -> &'static str {
        match self {
            UnitFilingState::Pending => "pending",
            UnitFilingState::Missing => "missing",
            UnitFilingState::Filed => "filed",
            UnitFilingState::Accepted => "accepted",
            UnitFilingState::Returned => "returned",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            UnitFilingState::Pending => "待报备",
            UnitFilingState::Missing => "逾期未报",
            UnitFilingState::Filed => "已报备待审",
            UnitFilingState::Accepted => "已接收",
            UnitFilingState::Returned => "已退回",
        }
    }

    /// Whether the unit has done its part for now (filed or accepted): reminders stop.
    pub fn has_filed(self) -> bool {
        matches!(self, UnitFilingState::Filed | UnitFilingState::Accepted)
    }
}

/// Where one unit stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFiling {
    pub state: UnitFilingState,
    /// The roster the state is read from.
    pub roster: Option<String>,
    /// When the unit first filed a roster for the period.
    pub first_filed_at: Option<NaiveDateTime>,
    /// How late that first filing was, if it was after the deadline.
    pub late_by: Option<Duration>,
    /// The desk's reasons, when returned.
    pub reasons: Vec<String>,
    /// What the roster's validation found.
    pub problems: Vec<String>,
    /// False when the roster leaves part of the round's period uncovered.
    pub covers_period: bool,
}

/// A roster counts for the round when its period overlaps the round's.
fn overlaps(terms: &RoundTerms, roster: &RosterFiling) -> bool {
    roster.period_start < terms.period_end && roster.period_end > terms.period_start
}

/// Covers the period, allowing a roster to start at the first morning's handover and end at the last
/// day's: within a day of each end.
fn covers(terms: &RoundTerms, roster: &RosterFiling) -> bool {
    roster.period_start < terms.period_start + Duration::days(1)
        && roster.period_end > terms.period_end - Duration::days(1)
}

/// Where a unit stands, as of `now` (local office time), given all of the unit's rosters.
pub fn unit_filing(terms: &RoundTerms, rosters: &[RosterFiling], now: NaiveDateTime) -> UnitFiling {
    let relevant: Vec<&RosterFiling> = rosters.iter().filter(|r| overlaps(terms, r)).collect();
    let first_filed_at =
        relevant.iter().flat_map(|r| r.steps.iter()).filter(|s| s.status == FilingStatus::Filed).map(|s| s.at).min();
    // The roster the desk is dealing with: the one with the latest filing step (or, with none, any).
    let current = relevant
        .iter()
        .filter(|r| r.steps.iter().any(|s| s.status != FilingStatus::Draft))
        .max_by_key(|r| (r.steps.iter().map(|s| s.at).max(), r.roster.clone()))
        .or_else(|| relevant.first())
        .copied();
    let status = current.and_then(|r| r.steps.last()).map(|s| s.status).unwrap_or(FilingStatus::Draft);
    let state = match status {
        FilingStatus::Filed => UnitFilingState::Filed,
        FilingStatus::Accepted => UnitFilingState::Accepted,
        FilingStatus::Returned => UnitFilingState::Returned,
        FilingStatus::Draft if now > terms.deadline => UnitFilingState::Missing,
        FilingStatus::Draft => UnitFilingState::Pending,
    };
    let reasons = match (state, current.and_then(|r| r.steps.last())) {
        (UnitFilingState::Returned, Some(step)) => step.reasons.clone(),
        _ => Vec::new(),
    };
    UnitFiling {
        state,
        roster: current.map(|r| r.roster.clone()),
        first_filed_at,
        late_by: first_filed_at.filter(|at| *at > terms.deadline).map(|at| at - terms.deadline),
        reasons,
        problems: current.map(|r| r.problems.clone()).unwrap_or_default(),
        covers_period: current.is_some_and(|r| covers(terms, r)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::roster::parse_local;

    fn t(text: &str) -> NaiveDateTime {
        parse_local("t", text).expect("time")
    }

    fn terms() -> RoundTerms {
        RoundTerms {
            period_start: t("2026-10-01T00:00"),
            period_end: t("2026-10-08T08:00"),
            deadline: t("2026-09-28T23:59"),
        }
    }

    fn step(status: FilingStatus, at: &str) -> FilingStepView {
        let reasons = if status == FilingStatus::Returned { vec!["10月3日缺副班".to_owned()] } else { Vec::new() };
        FilingStepView { status, by: "someone".into(), at: t(at), reasons }
    }

    fn roster(id: &str, steps: Vec<FilingStepView>) -> RosterFiling {
        RosterFiling {
            roster: id.into(),
            period_start: t("2026-10-01T08:00"),
            period_end: t("2026-10-08T08:00"),
            steps,
            problems: Vec::new(),
        }
    }

    #[test]
    fn nothing_filed_is_pending_then_missing() {
        let before = unit_filing(&terms(), &[], t("2026-09-27T10:00"));
        assert_eq!(before.state, UnitFilingState::Pending);
        let after = unit_filing(&terms(), &[roster("r1", vec![])], t("2026-09-29T08:00"));
        assert_eq!(after.state, UnitFilingState::Missing);
        assert_eq!(after.late_by, None);
    }

    #[test]
    fn a_late_filing_is_late_even_once_accepted_and_a_refiling_after_return_is_not() {
        let late = roster(
            "r1",
            vec![step(FilingStatus::Filed, "2026-09-29T09:59"), step(FilingStatus::Accepted, "2026-09-29T11:00")],
        );
        let state = unit_filing(&terms(), &[late], t("2026-10-02T00:00"));
        assert_eq!(state.state, UnitFilingState::Accepted);
        assert_eq!(state.late_by, Some(Duration::minutes(600)));
        assert!(state.covers_period);

        let returned = roster(
            "r2",
            vec![
                step(FilingStatus::Filed, "2026-09-27T10:00"),
                step(FilingStatus::Returned, "2026-09-27T15:00"),
                step(FilingStatus::Filed, "2026-09-29T10:00"),
            ],
        );
        let state = unit_filing(&terms(), std::slice::from_ref(&returned), t("2026-09-30T00:00"));
        assert_eq!((state.state, state.late_by), (UnitFilingState::Filed, None), "first filed on time");
        let mut still_returned = returned;
        still_returned.steps.pop();
        let state = unit_filing(&terms(), &[still_returned], t("2026-09-28T00:00"));
        assert_eq!(state.state, UnitFilingState::Returned);
        assert_eq!(state.reasons, vec!["10月3日缺副班".to_owned()]);
    }

    #[test]
    fn rosters_of_other_periods_do_not_count_and_a_short_one_does_not_cover() {
        let mut september = roster("old", vec![step(FilingStatus::Accepted, "2026-08-25T10:00")]);
        september.period_start = t("2026-09-01T08:00");
        september.period_end = t("2026-10-01T00:00");
        assert_eq!(unit_filing(&terms(), &[september], t("2026-09-27T00:00")).state, UnitFilingState::Pending);
        let mut short = roster("short", vec![step(FilingStatus::Filed, "2026-09-26T10:00")]);
        short.period_end = t("2026-10-04T08:00");
        let state = unit_filing(&terms(), &[short], t("2026-09-27T00:00"));
        assert_eq!(state.state, UnitFilingState::Filed);
        assert!(!state.covers_period);
    }
}
