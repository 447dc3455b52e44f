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
use crate::db;
use crate::office::Office;

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

/// Every piece of evidence about any unit between `from` and `to` (unix ms, `to` excluded), judged as of
/// `now` for filing rounds still running.
pub async fn evidence(office: &Office, from: i64, to: i64, now: i64) -> Result<Vec<Evidence>, sqlx::Error> {
    let database = &office.database;
    let entries = db::incidents::reports_sent_between(database, from, to).await?;
    let attachments = db::incidents::attachments_added_between(database, from, to).await?;
    let items = db::oversight::assessment::items_between(database, from, to).await?;
    let recipients = db::instructions::sent_to_units_between(database, from, to).await?;
    let late = db::incidents::late_received_between(database, from, to).await?;
    let judgements = db::incidents::judgements_between(database, from, to).await?;
    let checks = db::oversight::spot_checks::findings_between(database, from, to).await?;

    let mut out = Vec::new();
    let mut push = |unit: String, fact, at: i64, document: String, reference: String, detail: String| {
        out.push(Evidence { unit, fact, at: instant(at), document, reference, detail });
    };
    for e in entries {
        let detail = format!("《{}》{}", e.title, e.label);
        push(e.reporter_unit, ScoreFact::ReportSent, e.submitted_at, e.document_id, e.entry_id, detail);
    }
    for a in attachments {
        let fact = match a.media_type.split('/').next() {
            Some("image") => ScoreFact::PhotoSent,
            Some("audio" | "video") => ScoreFact::AudioVideoSent,
            _ => continue,
        };
        let detail = format!("《{}》附件（{}）", a.title, a.media_type);
        push(a.unit_id, fact, a.added_at, a.document_id, a.sha256, detail);
    }
    for item in items {
        let fact = match ItemKind::parse(&item.kind) {
            Some(ItemKind::Adoption) => match item.level.as_deref().and_then(AdoptionLevel::parse) {
                Some(level) => ScoreFact::Adopted(level.into()),
                None => continue,
            },
            Some(ItemKind::NonStandardReport) => ScoreFact::NonStandardReport,
            Some(ItemKind::Criticism) => ScoreFact::Criticism,
            None => continue,
        };
        let detail =
            [item.publication, item.reason].into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>().join("：");
        push(item.unit_id, fact, item.at, item.document_id, item.item_id, detail);
    }
    for r in recipients {
        let number = r.number.map(|n| format!("第{n}号")).unwrap_or_default();
        let text: String = r.text.chars().take(30).collect();
        let reference = unit_ref(&r.recipient_id);
        push(
            r.recipient_id,
            ScoreFact::InstructionReceived,
            r.issued_at,
            r.document_id,
            reference,
            format!("批示{number}：{text}"),
        );
    }
    for i in late {
        let minutes = i.late_by_seconds.unwrap_or_default() / 60;
        let detail = format!("《{}》首报迟{minutes}分钟", i.title);
        push(i.unit_id, ScoreFact::LateReport, i.received_at, i.document_id, "first_report".into(), detail);
    }
    for j in judgements {
        let fact = match j.kind.as_str() {
            // Lateness the numbers already show is counted once, from the numbers.
            "late" if j.late_by_seconds.is_some_and(|s| s > 0) => continue,
            "late" => ScoreFact::LateReport,
            "omitted" => ScoreFact::OmittedReport,
            "concealed" => ScoreFact::ConcealedReport,
            "false" => ScoreFact::FalseReport,
            _ => continue,
        };
        let detail = format!("《{}》：{}", j.title, j.reason);
        push(j.unit_id, fact, j.at, j.document_id, format!("judgement:{}", j.position), detail);
    }
    for c in checks {
        // A finding has been checked: its outcome and time are there.
        let (Some(outcome), Some(at)) = (c.outcome.as_deref().and_then(Outcome::parse), c.checked_at) else { continue };
        let Some(code) = OutcomeCode::of(outcome) else { continue };
        let session = Session::parse(&c.session).map(Session::label_zh).unwrap_or_default();
        let ring = c.ring_seconds.map(|s| format!("，响铃{s}秒")).unwrap_or_default();
        let note = c.note.filter(|n| !n.is_empty()).map(|n| format!("；{n}")).unwrap_or_default();
        let detail = format!("{}{session}抽查：{}{ring}{note}", c.day, outcome.label_zh());
        push(c.unit_id, ScoreFact::CheckFinding(code), at, c.document_id, c.check_id, detail);
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
