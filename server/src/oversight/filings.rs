//! Filing rounds and where each unit stands in them: the round from `filing_rounds`, the units' rosters
//! and their filing steps from `rosters` and `roster_filing_steps`, judged by `rules::filing` (the same
//! judgement the watch's reminders, the bulletin and the scores use).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use zhiban_model::documents::filing_round::RoundTerms;
use zhiban_model::documents::roster::{FilingStatus, parse_local};
use zhiban_model::rules::filing::{FilingStepView, RosterFiling, UnitFiling, unit_filing};

use super::local_millis;
use crate::db::oversight::filing_rounds;
use crate::db::{self, Database};

/// A filing round as projected; every round (newest period first), and the open ones the watch looks at.
pub use crate::db::oversight::filing_rounds::{Round, all as rounds, open_between as rounds_open_between};

impl Round {
    pub fn terms(&self) -> Option<RoundTerms> {
        Some(RoundTerms {
            period_start: parse_local("period_start", &self.period_start_text).ok()?,
            period_end: parse_local("period_end", &self.period_end_text).ok()?,
            deadline: parse_local("deadline", &self.deadline_text).ok()?,
        })
    }
}

/// A round with where each of its units stands.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundStatus {
    pub round: Round,
    pub terms: RoundTerms,
    /// By unit id.
    pub units: BTreeMap<String, UnitFiling>,
}

/// Every unit's rosters overlapping the period, with their filing steps: two queries, however many units.
pub async fn rosters_overlapping(
    database: &Database,
    terms: &RoundTerms,
) -> Result<BTreeMap<String, Vec<RosterFiling>>, sqlx::Error> {
    let (start, end) = (local_millis(terms.period_start), local_millis(terms.period_end));
    let filings = db::rosters::filings_overlapping(database, start, end).await?;
    let mut steps_of: BTreeMap<String, Vec<FilingStepView>> = BTreeMap::new();
    for step in filings.steps {
        let (Some(status), Ok(at)) = (filing_status(&step.status), parse_local("at", &step.at_text)) else { continue };
        let reasons = serde_json::from_str(&step.reasons).unwrap_or_default();
        steps_of.entry(step.document_id).or_default().push(FilingStepView { status, by: step.by_person, at, reasons });
    }
    let mut by_unit: BTreeMap<String, Vec<RosterFiling>> = BTreeMap::new();
    for roster in filings.rosters {
        let (Ok(period_start), Ok(period_end)) =
            (parse_local("start", &roster.period_start_text), parse_local("end", &roster.period_end_text))
        else {
            continue;
        };
        by_unit.entry(roster.unit_id).or_default().push(RosterFiling {
            steps: steps_of.remove(&roster.document_id).unwrap_or_default(),
            roster: roster.document_id,
            period_start,
            period_end,
            problems: serde_json::from_str(&roster.problems).unwrap_or_default(),
        });
    }
    Ok(by_unit)
}

fn filing_status(code: &str) -> Option<FilingStatus> {
    Some(match code {
        "draft" => FilingStatus::Draft,
        "filed" => FilingStatus::Filed,
        "accepted" => FilingStatus::Accepted,
        "returned" => FilingStatus::Returned,
        _ => return None,
    })
}

/// A round and where each of its units stands as of `now` (local office time); `None` for no such round.
pub async fn status(database: &Database, id: &str, now: NaiveDateTime) -> Result<Option<RoundStatus>, sqlx::Error> {
    match filing_rounds::one(database, id).await? {
        Some(round) => status_of(database, round, now).await,
        None => Ok(None),
    }
}

/// Where each unit of a round already read stands as of `now`; `None` when its times do not read.
pub async fn status_of(
    database: &Database,
    round: Round,
    now: NaiveDateTime,
) -> Result<Option<RoundStatus>, sqlx::Error> {
    let Some(terms) = round.terms() else { return Ok(None) };
    let units = filing_rounds::units_of(database, &round.document_id).await?;
    let rosters = rosters_overlapping(database, &terms).await?;
    let units = units
        .into_iter()
        .map(|unit| {
            let filing = unit_filing(&terms, rosters.get(&unit).map(Vec::as_slice).unwrap_or_default(), now);
            (unit, filing)
        })
        .collect();
    Ok(Some(RoundStatus { round, terms, units }))
}
