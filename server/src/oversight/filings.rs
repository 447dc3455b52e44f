//! Filing rounds and where each unit stands in them: the round from `filing_rounds`, the units' rosters
//! and their filing steps from `rosters` and `roster_filing_steps`, judged by `rules::filing` (the same
//! judgement the watch's reminders, the bulletin and the scores use).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use zhiban_model::documents::filing_round::RoundTerms;
use zhiban_model::documents::roster::{FilingStatus, parse_local};
use zhiban_model::rules::filing::{FilingStepView, RosterFiling, UnitFiling, unit_filing};

use super::local_millis;
use crate::database::Database;
use crate::on_database;

/// A filing round as projected.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Round {
    pub document_id: String,
    pub title: String,
    pub occasion: String,
    pub period_start_text: String,
    pub period_end_text: String,
    pub deadline_text: String,
    pub opened_by: String,
    pub opened_at_text: String,
    pub closed_at: Option<i64>,
}

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

const ROUND_COLUMNS: &str = "document_id, title, occasion, period_start_text, period_end_text, deadline_text, \
                             opened_by, opened_at_text, closed_at";

/// Every round, newest period first.
pub async fn rounds(database: &Database) -> Result<Vec<Round>, sqlx::Error> {
    Ok(on_database!(database, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ROUND_COLUMNS} FROM filing_rounds ORDER BY period_start DESC, document_id"
        )))
        .fetch_all(pool)
        .await?
    }))
}

/// Rounds whose deadline or period falls between `from` and `until` (unix ms): what the watch looks at.
pub async fn rounds_open_between(database: &Database, from: i64, until: i64) -> Result<Vec<Round>, sqlx::Error> {
    Ok(on_database!(database, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ROUND_COLUMNS} FROM filing_rounds WHERE closed_at IS NULL AND period_start > $1 AND deadline < $2 \
             ORDER BY deadline, document_id"
        )))
        .bind(from).bind(until)
        .fetch_all(pool)
        .await?
    }))
}

pub async fn round(database: &Database, id: &str) -> Result<Option<Round>, sqlx::Error> {
    Ok(on_database!(database, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ROUND_COLUMNS} FROM filing_rounds WHERE document_id = $1")))
            .bind(id)
            .fetch_optional(pool)
            .await?
    }))
}

pub async fn round_units(database: &Database, id: &str) -> Result<Vec<String>, sqlx::Error> {
    Ok(on_database!(database, pool => {
        sqlx::query_scalar("SELECT unit_id FROM filing_round_units WHERE document_id = $1 ORDER BY unit_id")
            .bind(id)
            .fetch_all(pool)
            .await?
    }))
}

type RosterRecord = (String, String, String, String, String);
type StepRecord = (String, String, String, String, String);

/// Every unit's rosters overlapping the period, with their filing steps: two queries, however many units.
pub async fn rosters_overlapping(
    database: &Database,
    terms: &RoundTerms,
) -> Result<BTreeMap<String, Vec<RosterFiling>>, sqlx::Error> {
    let (start, end) = (local_millis(terms.period_start), local_millis(terms.period_end));
    let (rosters, steps): (Vec<RosterRecord>, Vec<StepRecord>) = on_database!(database, pool => {
        let rosters = sqlx::query_as(
            "SELECT document_id, unit_id, period_start_text, period_end_text, problems FROM rosters \
             WHERE period_start < $1 AND period_end > $2 ORDER BY document_id",
        )
        .bind(end).bind(start)
        .fetch_all(pool)
        .await?;
        let steps = sqlx::query_as(
            "SELECT s.document_id, s.status, s.by_person, s.at_text, s.reasons FROM roster_filing_steps s \
             JOIN rosters r ON r.document_id = s.document_id \
             WHERE r.period_start < $1 AND r.period_end > $2 ORDER BY s.document_id, s.position",
        )
        .bind(end).bind(start)
        .fetch_all(pool)
        .await?;
        (rosters, steps)
    });
    let mut steps_of: BTreeMap<String, Vec<FilingStepView>> = BTreeMap::new();
    for (document, status, by, at, reasons) in steps {
        let (Some(status), Ok(at)) = (filing_status(&status), parse_local("at", &at)) else { continue };
        let reasons = serde_json::from_str(&reasons).unwrap_or_default();
        steps_of.entry(document).or_default().push(FilingStepView { status, by, at, reasons });
    }
    let mut by_unit: BTreeMap<String, Vec<RosterFiling>> = BTreeMap::new();
    for (document, unit, start, end, problems) in rosters {
        let (Ok(period_start), Ok(period_end)) = (parse_local("start", &start), parse_local("end", &end)) else {
            continue;
        };
        by_unit.entry(unit).or_default().push(RosterFiling {
            steps: steps_of.remove(&document).unwrap_or_default(),
            roster: document,
            period_start,
            period_end,
            problems: serde_json::from_str(&problems).unwrap_or_default(),
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
    match round(database, id).await? {
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
    let units = round_units(database, &round.document_id).await?;
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
