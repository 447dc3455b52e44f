//! Unit scores (考核): points for what a unit did and deductions for what it failed to do, each traceable
//! to the record that caused it, summed per unit over a period (a year, usually) and ranked. The weights
//! are the office's configuration; these defaults are a reasonable start, not a regulation.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::documents::assessment::AdoptionLevel;
use crate::documents::spot_check::Outcome;

/// Points per item; deductions are negative. Every field may be set in the rules file (`"scores"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreWeights {
    /// What every unit starts the year with.
    pub base: f64,
    /// Per report entry sent (首报, 续报, 终报).
    pub report_sent: f64,
    /// Per photo sent with a report.
    pub photo_sent: f64,
    /// Per recording or video sent with a report.
    pub audio_video_sent: f64,
    pub adopted_by_city: f64,
    pub adopted_by_province: f64,
    pub adopted_by_nation: f64,
    /// Per instruction addressed to the unit.
    pub instruction_received: f64,
    pub late_report: f64,
    pub omitted_report: f64,
    pub concealed_report: f64,
    pub false_report: f64,
    pub non_standard_report: f64,
    pub check_unanswered: f64,
    pub check_empty_post: f64,
    pub check_off_post: f64,
    pub check_stand_in: f64,
    pub check_report_not_timely: f64,
    pub late_filing: f64,
    pub missing_filing: f64,
    pub criticism: f64,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        Self {
            base: 100.0,
            report_sent: 1.0,
            photo_sent: 0.5,
            audio_video_sent: 1.0,
            adopted_by_city: 2.0,
            adopted_by_province: 5.0,
            adopted_by_nation: 10.0,
            instruction_received: 0.5,
            late_report: -2.0,
            omitted_report: -5.0,
            concealed_report: -10.0,
            false_report: -10.0,
            non_standard_report: -1.0,
            check_unanswered: -1.0,
            check_empty_post: -3.0,
            check_off_post: -3.0,
            check_stand_in: -2.0,
            check_report_not_timely: -2.0,
            late_filing: -1.0,
            missing_filing: -3.0,
            criticism: -5.0,
        }
    }
}

/// What a unit did or failed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreFact {
    ReportSent,
    PhotoSent,
    AudioVideoSent,
    Adopted(AdoptionLevelCode),
    InstructionReceived,
    LateReport,
    OmittedReport,
    ConcealedReport,
    FalseReport,
    NonStandardReport,
    CheckFinding(OutcomeCode),
    LateFiling,
    MissingFiling,
    Criticism,
}

/// `AdoptionLevel` as a plain, serialisable key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdoptionLevelCode {
    City,
    Province,
    National,
}

impl From<AdoptionLevel> for AdoptionLevelCode {
    fn from(level: AdoptionLevel) -> Self {
        match level {
            AdoptionLevel::City => AdoptionLevelCode::City,
            AdoptionLevel::Province => AdoptionLevelCode::Province,
            AdoptionLevel::National => AdoptionLevelCode::National,
        }
    }
}

/// A spot-check finding as a plain, serialisable key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeCode {
    Unanswered,
    EmptyPost,
    OffPost,
    StandIn,
    ReportNotTimely,
}

impl OutcomeCode {
    /// `None` for a proper answer: not a finding.
    pub fn of(outcome: Outcome) -> Option<Self> {
        Some(match outcome {
            Outcome::Proper => return None,
            Outcome::Unanswered => OutcomeCode::Unanswered,
            Outcome::EmptyPost => OutcomeCode::EmptyPost,
            Outcome::OffPost => OutcomeCode::OffPost,
            Outcome::StandIn => OutcomeCode::StandIn,
            Outcome::ReportNotTimely => OutcomeCode::ReportNotTimely,
        })
    }
}

impl ScoreFact {
    pub fn points(self, w: &ScoreWeights) -> f64 {
        match self {
            ScoreFact::ReportSent => w.report_sent,
            ScoreFact::PhotoSent => w.photo_sent,
            ScoreFact::AudioVideoSent => w.audio_video_sent,
            ScoreFact::Adopted(AdoptionLevelCode::City) => w.adopted_by_city,
            ScoreFact::Adopted(AdoptionLevelCode::Province) => w.adopted_by_province,
            ScoreFact::Adopted(AdoptionLevelCode::National) => w.adopted_by_nation,
            ScoreFact::InstructionReceived => w.instruction_received,
            ScoreFact::LateReport => w.late_report,
            ScoreFact::OmittedReport => w.omitted_report,
            ScoreFact::ConcealedReport => w.concealed_report,
            ScoreFact::FalseReport => w.false_report,
            ScoreFact::NonStandardReport => w.non_standard_report,
            ScoreFact::CheckFinding(OutcomeCode::Unanswered) => w.check_unanswered,
            ScoreFact::CheckFinding(OutcomeCode::EmptyPost) => w.check_empty_post,
            ScoreFact::CheckFinding(OutcomeCode::OffPost) => w.check_off_post,
            ScoreFact::CheckFinding(OutcomeCode::StandIn) => w.check_stand_in,
            ScoreFact::CheckFinding(OutcomeCode::ReportNotTimely) => w.check_report_not_timely,
            ScoreFact::LateFiling => w.late_filing,
            ScoreFact::MissingFiling => w.missing_filing,
            ScoreFact::Criticism => w.criticism,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ScoreFact::ReportSent => "报送信息",
            ScoreFact::PhotoSent => "报送图片",
            ScoreFact::AudioVideoSent => "报送音视频",
            ScoreFact::Adopted(AdoptionLevelCode::City) => "信息被市级采用",
            ScoreFact::Adopted(AdoptionLevelCode::Province) => "信息被省级采用",
            ScoreFact::Adopted(AdoptionLevelCode::National) => "信息被国家级采用",
            ScoreFact::InstructionReceived => "承办领导批示",
            ScoreFact::LateReport => "迟报",
            ScoreFact::OmittedReport => "漏报",
            ScoreFact::ConcealedReport => "瞒报",
            ScoreFact::FalseReport => "谎报",
            ScoreFact::NonStandardReport => "报送不规范",
            ScoreFact::CheckFinding(OutcomeCode::Unanswered) => "抽查长时间无人接听",
            ScoreFact::CheckFinding(OutcomeCode::EmptyPost) => "抽查空岗",
            ScoreFact::CheckFinding(OutcomeCode::OffPost) => "抽查脱岗",
            ScoreFact::CheckFinding(OutcomeCode::StandIn) => "抽查替岗",
            ScoreFact::CheckFinding(OutcomeCode::ReportNotTimely) => "抽查报告不及时",
            ScoreFact::LateFiling => "值班表迟报备",
            ScoreFact::MissingFiling => "值班表未报备",
            ScoreFact::Criticism => "通报批评",
        }
    }
}

/// One record that earns or costs a unit points: what, when, and where it is on record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub unit: String,
    pub fact: ScoreFact,
    pub at: DateTime<FixedOffset>,
    /// The document the record is in (its id).
    pub document: String,
    /// The part of it: a report entry, an attachment's hash, a check, an item, a judgement's position.
    pub reference: String,
    /// In words, for the reader of the score sheet.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreLine {
    #[serde(flatten)]
    pub evidence: Evidence,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitScore {
    pub unit: String,
    pub base: f64,
    pub gained: f64,
    /// Negative, or zero.
    pub deducted: f64,
    pub total: f64,
    /// 1 for the best; units with the same total share a rank (1, 1, 3).
    pub rank: usize,
    /// Every line, oldest first.
    pub lines: Vec<ScoreLine>,
}

/// Scores `units` from `evidence` (evidence about other units is left out), ranked best first; ties are
/// ordered by unit id.
pub fn score(units: &[String], evidence: Vec<Evidence>, weights: &ScoreWeights) -> Vec<UnitScore> {
    let mut by_unit: BTreeMap<&str, Vec<ScoreLine>> = units.iter().map(|u| (u.as_str(), Vec::new())).collect();
    for e in evidence {
        let points = e.fact.points(weights);
        if let Some(lines) = by_unit.get_mut(e.unit.as_str()) {
            lines.push(ScoreLine { evidence: e, points });
        }
    }
    let mut scores: Vec<UnitScore> = by_unit
        .into_iter()
        .map(|(unit, mut lines)| {
            lines.sort_by(|a, b| {
                (a.evidence.at, &a.evidence.document, &a.evidence.reference).cmp(&(
                    b.evidence.at,
                    &b.evidence.document,
                    &b.evidence.reference,
                ))
            });
            let gained: f64 = lines.iter().map(|l| l.points).filter(|p| *p > 0.0).sum();
            let deducted: f64 = lines.iter().map(|l| l.points).filter(|p| *p < 0.0).sum();
            UnitScore {
                unit: unit.to_owned(),
                base: weights.base,
                gained: round2(gained),
                deducted: round2(deducted),
                total: round2(weights.base + gained + deducted),
                rank: 0,
                lines,
            }
        })
        .collect();
    scores.sort_by(|a, b| b.total.total_cmp(&a.total).then_with(|| a.unit.cmp(&b.unit)));
    let mut previous: Option<(f64, usize)> = None;
    for (i, s) in scores.iter_mut().enumerate() {
        s.rank = match previous {
            Some((total, rank)) if total == s.total => rank,
            _ => i + 1,
        };
        previous = Some((s.total, s.rank));
    }
    scores
}

/// Points are shown to two decimals; rounding the sums keeps 0.1 + 0.2 from ranking two units apart.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(unit: &str, fact: ScoreFact, reference: &str) -> Evidence {
        Evidence {
            unit: unit.into(),
            fact,
            at: DateTime::parse_from_rfc3339("2026-10-01T09:00:00+08:00").expect("time"),
            document: "doc".into(),
            reference: reference.into(),
            detail: String::new(),
        }
    }

    #[test]
    fn every_point_has_its_record_and_ties_share_a_rank() {
        let units: Vec<String> = ["east", "water", "west"].map(String::from).to_vec();
        let weights = ScoreWeights::default();
        let scores = score(
            &units,
            vec![
                evidence("east", ScoreFact::ReportSent, "entry-1"),
                evidence("east", ScoreFact::CheckFinding(OutcomeCode::EmptyPost), "check-1"),
                evidence("water", ScoreFact::LateFiling, "round-1"),
                evidence("west", ScoreFact::Criticism, "item-1"),
                evidence("west", ScoreFact::Adopted(AdoptionLevelCode::Province), "item-2"),
                evidence("elsewhere", ScoreFact::Criticism, "item-3"),
            ],
            &weights,
        );
        let summary: Vec<(&str, f64, usize)> = scores.iter().map(|s| (s.unit.as_str(), s.total, s.rank)).collect();
        assert_eq!(summary, vec![("west", 100.0, 1), ("water", 99.0, 2), ("east", 98.0, 3)]);
        let east = scores.iter().find(|s| s.unit == "east").expect("east");
        assert_eq!((east.gained, east.deducted), (1.0, -3.0));
        assert_eq!(
            east.lines.iter().map(|l| (l.evidence.reference.as_str(), l.points)).collect::<Vec<_>>(),
            vec![("check-1", -3.0), ("entry-1", 1.0)]
        );
    }

    #[test]
    fn equal_totals_share_a_rank() {
        let units: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let scores = score(&units, vec![evidence("c", ScoreFact::LateReport, "x")], &ScoreWeights::default());
        let ranks: Vec<(&str, usize)> = scores.iter().map(|s| (s.unit.as_str(), s.rank)).collect();
        assert_eq!(ranks, vec![("a", 1), ("b", 1), ("c", 3)]);
    }

    #[test]
    fn weights_come_from_configuration_with_defaults_for_the_rest() {
        let w: ScoreWeights = serde_json::from_str(r#"{"late_report": -4, "base": 60}"#).expect("weights");
        assert_eq!((w.late_report, w.base, w.criticism), (-4.0, 60.0, -5.0));
        assert!(serde_json::from_str::<ScoreWeights>(r#"{"late": -4}"#).is_err(), "an unknown name is refused");
    }
}
