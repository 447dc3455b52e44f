//! Unit scores from the records: every report sent, photo attached, instruction received, adoption,
//! lateness, judgement, spot-check finding, filing and criticism in a period becomes a piece of evidence
//! naming its document and the part of it, and `rules::scores` turns evidence into points and a ranking.
//! Nothing here is stored: a score is always what the records say now.

use chrono::{DateTime, FixedOffset};
use zhiban_model::documents::assessment::{AdoptionLevel, ItemKind};
use zhiban_model::documents::spot_check::{Outcome, Session};
use zhiban_model::rules::filing::UnitFilingState;
use zhiban_model::rules::office_time_zone;
use zhiban_model::rules::scores::{Evidence, OutcomeCode, ScoreFact, UnitScore, score};

use super::{filings, local_millis, local_time};
use crate::office::Office;
use crate::on_database;

/// The instant of unix milliseconds, in the office's zone.
fn instant(millis: i64) -> DateTime<FixedOffset> {
    DateTime::from_timestamp_millis(millis).unwrap_or_default().with_timezone(&office_time_zone())
}

/// The units that are scored: every unit but the desk's own.
pub fn scored_units(office: &Office) -> Vec<String> {
    let directory = office.directory();
    let desk = directory.desk_unit().map(str::to_owned);
    directory.units.keys().filter(|u| Some(*u) != desk.as_ref()).cloned().collect()
}

type EntryRow = (String, String, String, i64, String, String);
type AttachmentRow = (String, String, String, i64, String, String);
type ItemRow = (String, String, String, String, Option<String>, String, String, i64);
type RecipientRow = (String, String, i64, Option<String>, String);
type LateRow = (String, String, i64, String, i64);
type JudgementRow = (String, i64, String, String, String, i64, String, Option<i64>);
type CheckRow = (String, String, String, String, String, String, Option<i64>, i64, String);

/// Every kind of record a score is made of, as read.
type Records = (
    Vec<EntryRow>,
    Vec<AttachmentRow>,
    Vec<ItemRow>,
    Vec<RecipientRow>,
    Vec<LateRow>,
    Vec<JudgementRow>,
    Vec<CheckRow>,
);

/// Every piece of evidence about any unit between `from` and `to` (unix ms, `to` excluded), judged as of
/// `now` for filing rounds still running.
pub async fn evidence(office: &Office, from: i64, to: i64, now: i64) -> Result<Vec<Evidence>, sqlx::Error> {
    let database = &office.database;
    let (entries, attachments, items, recipients, late, judgements, checks): Records = on_database!(database, pool => {(
        sqlx::query_as(
            "SELECT e.document_id, e.entry_id, e.reporter_unit, e.submitted_at, e.label, i.title \
             FROM report_entries e JOIN incidents i ON i.document_id = e.document_id \
             WHERE e.submitted_at >= $1 AND e.submitted_at < $2",
        ).bind(from).bind(to).fetch_all(pool).await?,
        sqlx::query_as(
            "SELECT a.document_id, a.sha256, COALESCE(e.reporter_unit, i.unit_id), a.added_at, a.media_type, i.title \
             FROM incident_attachments a JOIN incidents i ON i.document_id = a.document_id \
             LEFT JOIN report_entries e ON e.document_id = a.document_id AND e.entry_id = a.entry_id \
             WHERE a.added_at >= $1 AND a.added_at < $2",
        ).bind(from).bind(to).fetch_all(pool).await?,
        sqlx::query_as(
            "SELECT document_id, item_id, kind, unit_id, level, publication, reason, at FROM assessment_items \
             WHERE at >= $1 AND at < $2",
        ).bind(from).bind(to).fetch_all(pool).await?,
        sqlx::query_as(
            "SELECT r.document_id, r.recipient_id, i.issued_at, i.number, i.text FROM instruction_recipients r \
             JOIN instructions i ON i.document_id = r.document_id \
             WHERE r.kind = 'unit' AND i.issued_at >= $1 AND i.issued_at < $2",
        ).bind(from).bind(to).fetch_all(pool).await?,
        sqlx::query_as(
            "SELECT document_id, unit_id, received_at, title, late_by_seconds FROM incidents \
             WHERE late_by_seconds > 0 AND received_at >= $1 AND received_at < $2",
        ).bind(from).bind(to).fetch_all(pool).await?,
        sqlx::query_as(
            "SELECT j.document_id, j.position, j.kind, j.unit_id, j.reason, j.at, i.title, i.late_by_seconds \
             FROM incident_judgements j JOIN incidents i ON i.document_id = j.document_id \
             WHERE j.at >= $1 AND j.at < $2",
        ).bind(from).bind(to).fetch_all(pool).await?,
        sqlx::query_as(
            "SELECT document_id, check_id, unit_id, day, session, outcome, ring_seconds, checked_at, note \
             FROM spot_checks WHERE outcome IS NOT NULL AND outcome <> 'proper' \
             AND checked_at >= $1 AND checked_at < $2",
        ).bind(from).bind(to).fetch_all(pool).await?,
    )});

    let mut out = Vec::new();
    let mut push = |unit: String, fact, at: i64, document: String, reference: String, detail: String| {
        out.push(Evidence { unit, fact, at: instant(at), document, reference, detail });
    };
    for (document, entry, unit, at, label, title) in entries {
        push(unit, ScoreFact::ReportSent, at, document, entry, format!("《{title}》{label}"));
    }
    for (document, sha256, unit, at, media_type, title) in attachments {
        let fact = match media_type.split('/').next() {
            Some("image") => ScoreFact::PhotoSent,
            Some("audio" | "video") => ScoreFact::AudioVideoSent,
            _ => continue,
        };
        push(unit, fact, at, document, sha256, format!("《{title}》附件（{media_type}）"));
    }
    for (document, item, kind, unit, level, publication, reason, at) in items {
        let fact = match ItemKind::parse(&kind) {
            Some(ItemKind::Adoption) => match level.as_deref().and_then(AdoptionLevel::parse) {
                Some(level) => ScoreFact::Adopted(level.into()),
                None => continue,
            },
            Some(ItemKind::NonStandardReport) => ScoreFact::NonStandardReport,
            Some(ItemKind::Criticism) => ScoreFact::Criticism,
            None => continue,
        };
        let detail = [publication, reason].into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>().join("：");
        push(unit, fact, at, document, item, detail);
    }
    for (document, unit, at, number, text) in recipients {
        let number = number.map(|n| format!("第{n}号")).unwrap_or_default();
        let text: String = text.chars().take(30).collect();
        let reference = unit_ref(&unit);
        push(unit, ScoreFact::InstructionReceived, at, document, reference, format!("批示{number}：{text}"));
    }
    for (document, unit, at, title, late_by) in late {
        let minutes = late_by / 60;
        push(
            unit,
            ScoreFact::LateReport,
            at,
            document,
            "first_report".into(),
            format!("《{title}》首报迟{minutes}分钟"),
        );
    }
    for (document, position, kind, unit, reason, at, title, late_by) in judgements {
        let fact = match kind.as_str() {
            // Lateness the numbers already show is counted once, from the numbers.
            "late" if late_by.is_some_and(|s| s > 0) => continue,
            "late" => ScoreFact::LateReport,
            "omitted" => ScoreFact::OmittedReport,
            "concealed" => ScoreFact::ConcealedReport,
            "false" => ScoreFact::FalseReport,
            _ => continue,
        };
        push(unit, fact, at, document, format!("judgement:{position}"), format!("《{title}》：{reason}"));
    }
    for (document, check, unit, day, session, outcome, ring, at, note) in checks {
        let Some(code) = Outcome::parse(&outcome).and_then(OutcomeCode::of) else { continue };
        let outcome = Outcome::parse(&outcome).map(Outcome::label_zh).unwrap_or_default();
        let session = Session::parse(&session).map(Session::label_zh).unwrap_or_default();
        let ring = ring.map(|s| format!("，响铃{s}秒")).unwrap_or_default();
        let note = if note.is_empty() { String::new() } else { format!("；{note}") };
        push(
            unit,
            ScoreFact::CheckFinding(code),
            at,
            document,
            check,
            format!("{day}{session}抽查：{outcome}{ring}{note}"),
        );
    }
    // Filing rounds whose deadline falls in the period: late filings and units that never filed.
    let judged_at = local_time(now.min(to));
    for round in filings::rounds(database).await? {
        let Some(terms) = round.terms() else { continue };
        let deadline = local_millis(terms.deadline);
        if deadline < from || deadline >= to {
            continue;
        }
        let Some(status) = filings::status_of(database, round, judged_at).await? else { continue };
        let round = &status.round;
        for (unit, filing) in &status.units {
            let unit = unit.clone();
            if let (Some(late_by), Some(filed_at)) = (filing.late_by, filing.first_filed_at) {
                let detail = format!("{}：逾期{}分钟报备", round.title, late_by.num_minutes());
                push(
                    unit,
                    ScoreFact::LateFiling,
                    local_millis(filed_at),
                    round.document_id.clone(),
                    "filed".into(),
                    detail,
                );
            } else if filing.state == UnitFilingState::Missing && judged_at >= terms.period_start {
                let detail = format!("{}：截至{}未报备", round.title, round.deadline_text);
                push(unit, ScoreFact::MissingFiling, deadline, round.document_id.clone(), "missing".into(), detail);
            }
        }
    }
    Ok(out)
}

fn unit_ref(unit: &str) -> String {
    format!("recipient:{unit}")
}

/// Every scored unit's score between `from` and `to`, ranked.
pub async fn scores(office: &Office, from: i64, to: i64, now: i64) -> Result<Vec<UnitScore>, sqlx::Error> {
    let evidence = evidence(office, from, to, now).await?;
    Ok(score(&scored_units(office), evidence, &office.rules.scores))
}
