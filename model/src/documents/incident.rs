//! An incident: the report chain from the site (first report, numbered follow-ups, final report), the
//! desk's lifecycle (received → assessed → reported up → handling → feedback → archived), the confirmed
//! grade with its reason, the one current set of figures with its history, and attachments by reference.
//!
//! Everything that grows is keyed by id or appended, so a field reporter offline and the desk online can
//! both write the same incident and both keep what they wrote. A submitted report entry is never edited:
//! corrections are new entries, and the server refuses a change that alters or removes one.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, FixedOffset};

use super::time::{format_instant, parse_instant};
use super::{DocumentError, FieldError, Known, Named, is_subsequence, read_document};
use crate::refusal::Explain;
use crate::rules::grade::{Figures, Grade, GradeSuggestion, GradeThresholds};
use crate::rules::numbering::{ChainEntry, ChainLabel, EntryKind, label_chain};

pub const KIND: &str = "incident";
pub const SCHEMA: i64 = 1;

/// The fields a report can leave pending (unknown yet) and fill in later.
pub const REPORT_FIELDS: [&str; 12] = [
    "occurred_at",
    "place",
    "nature",
    "scope",
    "casualties",
    "direct_loss_cny",
    "trend",
    "leaders_on_site",
    "measures",
    "requests",
    "source",
    "cause",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum ReportKind {
    /// 首报.
    #[autosurgeon(rename = "first")]
    First,
    /// 续报.
    #[autosurgeon(rename = "follow_up")]
    FollowUp,
    /// 终报.
    #[autosurgeon(rename = "final")]
    Final,
}

impl ReportKind {
    /// The kind as a reason names it.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::First => "first report",
            ReportKind::FollowUp => "follow-up",
            ReportKind::Final => "final report",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ReportKind::First => "首报",
            ReportKind::FollowUp => "续报",
            ReportKind::Final => "终报",
        }
    }

    fn numbering(self) -> EntryKind {
        match self {
            ReportKind::First => EntryKind::First,
            ReportKind::FollowUp => EntryKind::FollowUp,
            ReportKind::Final => EntryKind::Final,
        }
    }
}

/// Where it happened: words always, coordinates when the phone had them.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Default)]
pub struct Place {
    pub text: String,
    pub latitude: Option<Degrees>,
    pub longitude: Option<Degrees>,
}

/// A coordinate in degrees. Read from a float or a whole number, since other clients write `113` for 113.0.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Degrees(pub f64);

impl autosurgeon::Hydrate for Degrees {
    fn hydrate_f64(f: f64) -> Result<Self, autosurgeon::HydrateError> {
        Ok(Degrees(f))
    }

    fn hydrate_int(i: i64) -> Result<Self, autosurgeon::HydrateError> {
        Ok(Degrees(i as f64))
    }

    fn hydrate_uint(u: u64) -> Result<Self, autosurgeon::HydrateError> {
        Ok(Degrees(u as f64))
    }
}

impl autosurgeon::Reconcile for Degrees {
    type Key<'a> = autosurgeon::reconcile::NoKey;

    fn reconcile<R: autosurgeon::Reconciler>(&self, reconciler: R) -> Result<(), R::Error> {
        self.0.reconcile(reconciler)
    }
}

/// People counted at the scene. Counts are signed so that a bad count is refused with a reason instead of
/// failing to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate, Default)]
pub struct Casualties {
    pub dead: i64,
    pub injured: i64,
    /// Of the injured, seriously (acute poisoning included): what the grade is judged on.
    pub serious_injuries: i64,
    pub missing: i64,
    pub trapped: i64,
}

/// Who sent a report in.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Default)]
pub struct Reporter {
    /// The person's id in the directory.
    pub person: String,
    pub unit: String,
    pub name: String,
    pub title: String,
    pub phone: String,
}

/// What one report says. A follow-up fills only what changed; `None` means "this report says nothing new".
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Default)]
pub struct ReportDetails {
    /// The account in words: what happened (first report) or what changed (follow-up).
    pub account: String,
    pub occurred_at: Option<String>,
    pub place: Option<Place>,
    pub nature: Option<String>,
    pub scope: Option<String>,
    pub casualties: Option<Casualties>,
    pub direct_loss_cny: Option<i64>,
    pub trend: Option<String>,
    pub leaders_on_site: Option<String>,
    pub measures: Option<String>,
    pub requests: Option<String>,
    pub source: Option<String>,
    pub cause: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct ReportEntry {
    pub kind: ReportKind,
    /// When the reporter submitted it, by the phone's clock.
    pub submitted_at: String,
    pub reporter: Reporter,
    /// Who typed it in, when not the reporter (the desk taking a call).
    pub recorded_by: Option<String>,
    pub details: ReportDetails,
    /// Fields still unknown at the time (from `REPORT_FIELDS`); a first report goes out with them pending.
    pub pending: Vec<String>,
}

/// A photo, recording or video, stored by content hash; the bytes travel separately.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Attachment {
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub file_name: String,
    /// The report entry it goes with; `None` for one added to the incident as a whole.
    pub entry: Option<String>,
    pub added_by: String,
    pub added_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate)]
pub enum Stage {
    /// 接报.
    #[autosurgeon(rename = "received")]
    Received,
    /// 研判: grade confirmed.
    #[autosurgeon(rename = "assessed")]
    Assessed,
    /// 上报, to the province.
    #[autosurgeon(rename = "reported_up")]
    ReportedUp,
    /// 处置.
    #[autosurgeon(rename = "handling")]
    Handling,
    /// 反馈.
    #[autosurgeon(rename = "feedback")]
    Feedback,
    /// 归档.
    #[autosurgeon(rename = "archived")]
    Archived,
}

impl Stage {
    pub const ALL: [Stage; 6] =
        [Stage::Received, Stage::Assessed, Stage::ReportedUp, Stage::Handling, Stage::Feedback, Stage::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Assessed => "assessed",
            Stage::ReportedUp => "reported_up",
            Stage::Handling => "handling",
            Stage::Feedback => "feedback",
            Stage::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Stage::Received => "接报",
            Stage::Assessed => "研判",
            Stage::ReportedUp => "上报",
            Stage::Handling => "处置",
            Stage::Feedback => "反馈",
            Stage::Archived => "归档",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct LifecycleStep {
    pub stage: Stage,
    pub by: String,
    pub at: String,
    pub note: String,
}

/// The grade the desk confirmed, and why (required when it differs from the rules' suggestion).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct GradeConfirmation {
    /// `I`, `II`, `III` or `IV`.
    pub grade: String,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// One set of figures; the incident's history is a list of them and the latest is the one sent up (口径一致).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct FiguresRecord {
    pub casualties: Casualties,
    pub direct_loss_cny: i64,
    pub set_by: String,
    pub set_at: String,
    /// The report entry these came from, or `None` for the desk's own correction.
    pub from_entry: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum JudgementKind {
    /// 迟报.
    #[autosurgeon(rename = "late")]
    Late,
    /// 漏报.
    #[autosurgeon(rename = "omitted")]
    Omitted,
    /// 瞒报.
    #[autosurgeon(rename = "concealed")]
    Concealed,
    /// 谎报.
    #[autosurgeon(rename = "false")]
    False,
}

/// A failure the desk records after checking, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Judgement {
    pub kind: JudgementKind,
    pub unit: String,
    pub reason: String,
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Incident {
    #[autosurgeon(rename = "type")]
    pub kind: String,
    pub schema: i64,
    pub title: String,
    /// The unit responsible for reporting it.
    pub unit: String,
    /// When the unit received the information (接报时间): the deadlines count from here.
    pub received_at: String,
    pub sensitive: bool,
    pub entries: BTreeMap<String, ReportEntry>,
    pub lifecycle: Vec<LifecycleStep>,
    pub grade_confirmations: Vec<GradeConfirmation>,
    pub figures: Vec<FiguresRecord>,
    pub attachments: BTreeMap<String, Attachment>,
    pub judgements: Vec<Judgement>,
    /// Field reporters the desk sent to the scene, keyed by person id: they may read and report on it.
    /// Absent in incidents written before assignment existed.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub assignees: BTreeMap<String, Assignment>,
}

/// The desk assigning a field reporter to an incident (派员).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Assignment {
    pub by: String,
    pub at: String,
}

/// The parts of an incident its problems name.
pub mod names {
    use super::Named;

    pub const TITLE: Named = Named::new("the title", "事件标题", Some("title"));
    pub const JUDGEMENT_REASON: Named = Named::new("the reason for a judgement", "认定理由", None);
    pub const PERSON_ASSIGNED: Named = Named::new("the person assigned", "派往人员", None);
    pub const ATTACHMENTS: Named = Named::new("attachments", "附件", Some("attachments"));
    pub const TIME_RECEIVED: Named = Named::new("time received", "接报时间", Some("received_at"));
    pub const LIFECYCLE: Named = Named::new("lifecycle", "办理环节记录", Some("lifecycle"));
    pub const GRADE_CONFIRMATIONS: Named = Named::new("grade confirmations", "定级记录", Some("grade_confirmations"));
    pub const FIGURES_HISTORY: Named = Named::new("figures history", "伤亡和损失数字的历史记录", Some("figures"));
    pub const JUDGEMENTS: Named = Named::new("judgements", "迟报、漏报、瞒报、谎报的认定记录", Some("judgements"));
}

/// Why an operation on an incident was refused, or what makes an incident invalid. Each case holds where
/// in the incident it is (a report entry's id, an attachment's hash), so the same fault in two reports is
/// two problems, and a form can show it beside its field (`Explain::part`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentProblem {
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("the incident happened at {occurred_at}, after it was received at {received_at}; check both times")]
    OccurredAfterReceived { entry: String, occurred_at: String, received_at: String },
    /// `field` (`casualties.dead`, `direct_loss_cny`, `size`) of the record at path `within`
    /// (`entries/e2/details`, `figures/1`, `attachments/<sha256>`).
    #[error("{field} is {value}; a count cannot be negative")]
    NegativeCount { within: String, field: String, value: i64 },
    /// The incident's reporting unit.
    #[error("unit {0:?} is not in the directory")]
    UnknownUnit(String),
    #[error("the reporter's unit {unit:?} is not in the directory")]
    UnknownReporterUnit { entry: String, unit: String },
    #[error("{field:?} is not a report field that can be pending (known: {fields})", fields = REPORT_FIELDS.join(", "))]
    UnknownPendingField { entry: String, field: String },
    #[error("the incident has no first report")]
    NoFirstReport,
    /// A follow-up or the final report added where there is no first report.
    #[error("a {} needs a first report before it", .0.name())]
    NeedsFirstReport(ReportKind),
    #[error("report entry {0:?} was submitted and cannot be changed or removed; add a new entry to correct it")]
    EntryEdited(String),
    #[error("report entry {0:?} already exists")]
    DuplicateEntry(String),
    #[error("there is no report entry {entry:?} in this incident")]
    UnknownEntry { attachment: String, entry: String },
    #[error("attachment {0:?} is not named by a SHA-256 in lowercase hex")]
    BadAttachmentHash(String),
    #[error("the {0} of the incident cannot be changed once recorded")]
    HistoryRewritten(Named),
    #[error("the incident is {current:?}; it cannot move to {wanted:?} (steps go forward only)")]
    StageBackwards { current: Stage, wanted: Stage },
    #[error("an incident is assessed by confirming its grade; use assess")]
    AssessWithoutGrade,
    #[error("{0:?} is not a grade (I, II, III or IV)")]
    BadGrade(String),
    #[error("the confirmed grade {confirmed} differs from the suggested {suggested}; give the reason")]
    OverrideWithoutReason { confirmed: Grade, suggested: Grade },
    #[error("an incident is archived only after its final report")]
    ArchiveWithoutFinalReport,
    #[error("{0} must not be empty")]
    Empty(Named),
}

/// A count's name as the office says it.
fn count_zh(field: &str) -> &'static str {
    match field {
        "casualties.dead" => "死亡人数",
        "casualties.injured" => "受伤人数",
        "casualties.serious_injuries" => "重伤人数",
        "casualties.missing" => "失踪人数",
        "casualties.trapped" => "被困人数",
        "direct_loss_cny" => "直接经济损失",
        "size" => "附件大小",
        _ => "数量",
    }
}

impl Explain for IncidentProblem {
    fn zh(&self) -> String {
        match self {
            IncidentProblem::Field(e) => e.zh(),
            IncidentProblem::OccurredAfterReceived { occurred_at, received_at, .. } => {
                format!("事发时间 {occurred_at} 晚于接报时间 {received_at}；请核对这两个时间")
            }
            IncidentProblem::NegativeCount { field, value, .. } => {
                format!("{}（{field}）为 {value}；数量不能为负数", count_zh(field))
            }
            IncidentProblem::UnknownUnit(unit) => format!("单位 {unit} 不在通讯录中"),
            IncidentProblem::UnknownReporterUnit { unit, .. } => format!("报送人所在单位 {unit} 不在通讯录中"),
            IncidentProblem::UnknownPendingField { field, .. } => {
                format!("“{field}”不是可以待报的报告字段（可待报的字段：{}）", REPORT_FIELDS.join("、"))
            }
            IncidentProblem::NoFirstReport => "该事件没有首报".into(),
            IncidentProblem::NeedsFirstReport(kind) => format!("报送{}之前须先有首报", kind.label_zh()),
            IncidentProblem::EntryEdited(id) => {
                format!("报告 {id} 已报送，不能修改或删除；如需更正，请另报一条")
            }
            IncidentProblem::DuplicateEntry(id) => format!("报告 {id} 已存在"),
            IncidentProblem::UnknownEntry { entry, .. } => format!("该事件中没有报告 {entry}"),
            IncidentProblem::BadAttachmentHash(key) => format!("附件 {key} 的名称不是小写十六进制的 SHA-256 值"),
            IncidentProblem::HistoryRewritten(what) => format!("事件的{}一经记录不能更改", what.zh),
            IncidentProblem::StageBackwards { current, wanted } => format!(
                "事件已处于「{}」环节，不能转到「{}」（办理环节只能向前推进）",
                current.label_zh(),
                wanted.label_zh()
            ),
            IncidentProblem::AssessWithoutGrade => "研判须确认事件等级；请通过研判定级办理".into(),
            IncidentProblem::BadGrade(grade) => format!("“{grade}”不是有效的事件等级（I、II、III 或 IV）"),
            IncidentProblem::OverrideWithoutReason { confirmed, suggested } => format!(
                "所定等级（{}）与按规则建议的等级（{}）不同，请填写理由",
                confirmed.label_zh(),
                suggested.label_zh()
            ),
            IncidentProblem::ArchiveWithoutFinalReport => "收到终报后才能归档".into(),
            IncidentProblem::Empty(what) => format!("{}不能为空", what.zh),
        }
    }

    fn part(&self) -> Option<String> {
        match self {
            IncidentProblem::Field(e) => e.part(),
            IncidentProblem::OccurredAfterReceived { entry, .. } => {
                Some(format!("entries/{entry}/details/occurred_at"))
            }
            IncidentProblem::NegativeCount { within, field, .. } => {
                Some(format!("{within}/{}", field.replace('.', "/")))
            }
            IncidentProblem::UnknownUnit(_) => Some("unit".into()),
            IncidentProblem::UnknownReporterUnit { entry, .. } => Some(format!("entries/{entry}/reporter/unit")),
            IncidentProblem::UnknownPendingField { entry, .. } => Some(format!("entries/{entry}/pending")),
            IncidentProblem::NoFirstReport => Some("entries".into()),
            IncidentProblem::EntryEdited(id) | IncidentProblem::DuplicateEntry(id) => Some(format!("entries/{id}")),
            IncidentProblem::UnknownEntry { attachment, .. } => Some(format!("attachments/{attachment}/entry")),
            IncidentProblem::BadAttachmentHash(key) => Some(format!("attachments/{key}")),
            IncidentProblem::BadGrade(_) => Some("grade_confirmations".into()),
            IncidentProblem::HistoryRewritten(what) | IncidentProblem::Empty(what) => what.part.map(Into::into),
            // Refusals of what the desk asked to do, not of a part of the document.
            IncidentProblem::NeedsFirstReport(_)
            | IncidentProblem::StageBackwards { .. }
            | IncidentProblem::AssessWithoutGrade
            | IncidentProblem::OverrideWithoutReason { .. }
            | IncidentProblem::ArchiveWithoutFinalReport => None,
        }
    }
}

/// A first report as the reporter files it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FirstReport {
    pub title: String,
    pub unit: String,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub sensitive: bool,
    pub reporter: Reporter,
    pub recorded_by: Option<String>,
    pub details: ReportDetails,
    pub pending: Vec<String>,
}

pub fn parse_grade(text: &str) -> Option<Grade> {
    match text.trim() {
        "I" | "1" | "Ⅰ" => Some(Grade::I),
        "II" | "2" | "Ⅱ" => Some(Grade::II),
        "III" | "3" | "Ⅲ" => Some(Grade::III),
        "IV" | "4" | "Ⅳ" => Some(Grade::IV),
        _ => None,
    }
}

pub fn grade_code(grade: Grade) -> &'static str {
    match grade {
        Grade::I => "I",
        Grade::II => "II",
        Grade::III => "III",
        Grade::IV => "IV",
    }
}

/// Checks the facts of one report, or of one set of figures, held at path `within` of the incident.
fn check_details(within: &str, details: &ReportDetails, problems: &mut Vec<IncidentProblem>) {
    if let Some(at) = &details.occurred_at
        && let Err(e) = parse_instant(&format!("{within}/occurred_at"), at)
    {
        problems.push(e.into());
    }
    if let Some(c) = &details.casualties {
        for (name, value) in [
            ("dead", c.dead),
            ("injured", c.injured),
            ("serious_injuries", c.serious_injuries),
            ("missing", c.missing),
            ("trapped", c.trapped),
        ] {
            if value < 0 {
                problems.push(IncidentProblem::NegativeCount {
                    within: within.to_owned(),
                    field: format!("casualties.{name}"),
                    value,
                });
            }
        }
        if c.serious_injuries > c.injured && c.injured >= 0 {
            problems.push(IncidentProblem::Field(FieldError::MoreSeriousThanInjured {
                field: format!("{within}/casualties/serious_injuries"),
                serious: c.serious_injuries,
                injured: c.injured,
            }));
        }
    }
    if let Some(loss) = details.direct_loss_cny
        && loss < 0
    {
        problems.push(IncidentProblem::NegativeCount {
            within: within.to_owned(),
            field: "direct_loss_cny".into(),
            value: loss,
        });
    }
}

impl Incident {
    pub fn read<R: autosurgeon::ReadDoc + automerge::ReadDoc>(doc: &R) -> Result<Self, DocumentError> {
        read_document(doc, KIND, SCHEMA)
    }

    /// A new incident with its first report; `entry_id` is made by the caller (unique per phone).
    pub fn file_first_report(
        report: FirstReport,
        entry_id: &str,
        at: DateTime<FixedOffset>,
        known: &(impl Known + ?Sized),
    ) -> Result<Self, Vec<IncidentProblem>> {
        let received_at = report.received_at.unwrap_or(at);
        let mut incident = Incident {
            kind: KIND.to_owned(),
            schema: SCHEMA,
            title: report.title.trim().to_owned(),
            unit: report.unit,
            received_at: format_instant(received_at),
            sensitive: report.sensitive,
            entries: BTreeMap::new(),
            lifecycle: vec![LifecycleStep {
                stage: Stage::Received,
                by: report.recorded_by.clone().unwrap_or_else(|| report.reporter.person.clone()),
                at: format_instant(at),
                note: String::new(),
            }],
            grade_confirmations: Vec::new(),
            figures: Vec::new(),
            attachments: BTreeMap::new(),
            judgements: Vec::new(),
            assignees: BTreeMap::new(),
        };
        let entry = ReportEntry {
            kind: ReportKind::First,
            submitted_at: format_instant(at),
            reporter: report.reporter,
            recorded_by: report.recorded_by,
            details: report.details,
            pending: report.pending,
        };
        incident.record_figures_of(entry_id, &entry);
        incident.entries.insert(entry_id.to_owned(), entry);
        let problems = incident.problems(known);
        if problems.is_empty() { Ok(incident) } else { Err(problems) }
    }

    /// Adds a follow-up or the final report. Casualty or loss figures in it become the current figures.
    pub fn add_report(
        &mut self,
        entry_id: &str,
        kind: ReportKind,
        reporter: Reporter,
        details: ReportDetails,
        at: DateTime<FixedOffset>,
    ) -> Result<(), Vec<IncidentProblem>> {
        if !self.entries.values().any(|e| e.kind == ReportKind::First) {
            let what = if kind == ReportKind::Final { ReportKind::Final } else { ReportKind::FollowUp };
            return Err(vec![IncidentProblem::NeedsFirstReport(what)]);
        }
        let entry = ReportEntry {
            kind,
            submitted_at: format_instant(at),
            reporter,
            recorded_by: None,
            details,
            pending: Vec::new(),
        };
        self.insert_entry(entry_id, entry)
    }

    fn insert_entry(&mut self, entry_id: &str, entry: ReportEntry) -> Result<(), Vec<IncidentProblem>> {
        if self.entries.contains_key(entry_id) {
            return Err(vec![IncidentProblem::DuplicateEntry(entry_id.to_owned())]);
        }
        let mut problems = Vec::new();
        check_details(&format!("entries/{entry_id}/details"), &entry.details, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        self.record_figures_of(entry_id, &entry);
        self.entries.insert(entry_id.to_owned(), entry);
        Ok(())
    }

    /// Casualty or loss figures in a report become the current figures; what it leaves out carries over.
    fn record_figures_of(&mut self, entry_id: &str, entry: &ReportEntry) {
        if entry.details.casualties.is_some() || entry.details.direct_loss_cny.is_some() {
            let previous = self.current_figures();
            self.figures.push(FiguresRecord {
                casualties: entry.details.casualties.or(previous.as_ref().map(|f| f.casualties)).unwrap_or_default(),
                direct_loss_cny: entry
                    .details
                    .direct_loss_cny
                    .or(previous.as_ref().map(|f| f.direct_loss_cny))
                    .unwrap_or(0),
                set_by: entry.reporter.person.clone(),
                set_at: entry.submitted_at.clone(),
                from_entry: Some(entry_id.to_owned()),
                note: String::new(),
            });
        }
    }

    /// Records an attachment, with the report it goes with. The entry itself is not edited: attachments
    /// are the incident's, so a photo taken after a report was sent can still join it.
    pub fn attach(&mut self, attachment: Attachment) -> Result<(), IncidentProblem> {
        if let Some(entry) = &attachment.entry
            && !self.entries.contains_key(entry)
        {
            return Err(IncidentProblem::UnknownEntry { attachment: attachment.sha256.clone(), entry: entry.clone() });
        }
        if !is_sha256_hex(&attachment.sha256) {
            return Err(IncidentProblem::BadAttachmentHash(attachment.sha256));
        }
        if attachment.size < 0 {
            return Err(IncidentProblem::NegativeCount {
                within: format!("attachments/{}", attachment.sha256),
                field: "size".into(),
                value: attachment.size,
            });
        }
        self.attachments.insert(attachment.sha256.clone(), attachment);
        Ok(())
    }

    /// The desk confirms the grade (overriding the suggestion needs a reason) and the incident is assessed.
    pub fn assess(
        &mut self,
        grade: Grade,
        reason: &str,
        by: &str,
        at: DateTime<FixedOffset>,
        thresholds: &GradeThresholds,
    ) -> Result<(), IncidentProblem> {
        let suggested = self.suggested_grade(thresholds).grade;
        if grade != suggested && reason.trim().is_empty() {
            return Err(IncidentProblem::OverrideWithoutReason { confirmed: grade, suggested });
        }
        self.grade_confirmations.push(GradeConfirmation {
            grade: grade_code(grade).to_owned(),
            reason: reason.trim().to_owned(),
            by: by.to_owned(),
            at: format_instant(at),
        });
        if self.stage() < Stage::Assessed {
            self.push_step(Stage::Assessed, by, at, reason);
        }
        Ok(())
    }

    /// Moves the incident forward to `stage` (reported up, handling, feedback, archived).
    pub fn advance(
        &mut self,
        stage: Stage,
        by: &str,
        at: DateTime<FixedOffset>,
        note: &str,
    ) -> Result<(), IncidentProblem> {
        let current = self.stage();
        if stage <= current {
            return Err(IncidentProblem::StageBackwards { current, wanted: stage });
        }
        if stage == Stage::Assessed || (current < Stage::Assessed && self.confirmed_grade().is_none()) {
            return Err(IncidentProblem::AssessWithoutGrade);
        }
        if stage == Stage::Archived && !self.entries.values().any(|e| e.kind == ReportKind::Final) {
            return Err(IncidentProblem::ArchiveWithoutFinalReport);
        }
        self.push_step(stage, by, at, note);
        Ok(())
    }

    fn push_step(&mut self, stage: Stage, by: &str, at: DateTime<FixedOffset>, note: &str) {
        self.lifecycle.push(LifecycleStep {
            stage,
            by: by.to_owned(),
            at: format_instant(at),
            note: note.trim().to_owned(),
        });
    }

    /// The desk corrects the figures (口径一致): the new set becomes current, the old stays in history.
    pub fn set_figures(
        &mut self,
        casualties: Casualties,
        direct_loss_cny: i64,
        by: &str,
        at: DateTime<FixedOffset>,
        note: &str,
    ) -> Result<(), Vec<IncidentProblem>> {
        let details = ReportDetails {
            casualties: Some(casualties),
            direct_loss_cny: Some(direct_loss_cny),
            ..Default::default()
        };
        let mut problems = Vec::new();
        check_details(&format!("figures/{}", self.figures.len()), &details, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        self.figures.push(FiguresRecord {
            casualties,
            direct_loss_cny,
            set_by: by.to_owned(),
            set_at: format_instant(at),
            from_entry: None,
            note: note.trim().to_owned(),
        });
        Ok(())
    }

    pub fn judge(&mut self, judgement: Judgement) -> Result<(), IncidentProblem> {
        if judgement.reason.trim().is_empty() {
            return Err(IncidentProblem::Empty(names::JUDGEMENT_REASON));
        }
        self.judgements.push(judgement);
        Ok(())
    }

    /// The desk sends a field reporter to the scene; they may then read the incident and report on it.
    pub fn assign(&mut self, person: &str, by: &str, at: DateTime<FixedOffset>) -> Result<(), IncidentProblem> {
        if person.trim().is_empty() {
            return Err(IncidentProblem::Empty(names::PERSON_ASSIGNED));
        }
        self.assignees
            .entry(person.trim().to_owned())
            .or_insert_with(|| Assignment { by: by.to_owned(), at: format_instant(at) });
        Ok(())
    }

    /// Whether `person` filed or recorded any of its reports.
    pub fn filed_by(&self, person: &str) -> bool {
        self.entries.values().any(|e| e.reporter.person == person || e.recorded_by.as_deref() == Some(person))
    }

    /// The furthest stage reached. Steps from two desks merge; the furthest wins.
    pub fn stage(&self) -> Stage {
        self.lifecycle.iter().map(|s| s.stage).max().unwrap_or(Stage::Received)
    }

    /// The latest confirmation, by time, then by who (so every replica picks the same one).
    pub fn confirmed_grade(&self) -> Option<(&GradeConfirmation, Grade)> {
        self.grade_confirmations
            .iter()
            .filter_map(|c| parse_grade(&c.grade).map(|g| (c, g)))
            .max_by(|(a, _), (b, _)| (instant_key(&a.at), &a.by).cmp(&(instant_key(&b.at), &b.by)))
    }

    /// The one current set of figures: the latest record, by time, then by who set it.
    pub fn current_figures(&self) -> Option<FiguresRecord> {
        self.figures
            .iter()
            .max_by(|a, b| (instant_key(&a.set_at), &a.set_by).cmp(&(instant_key(&b.set_at), &b.set_by)))
            .cloned()
    }

    pub fn suggested_grade(&self, thresholds: &GradeThresholds) -> GradeSuggestion {
        let figures = self.current_figures().map(|f| Figures {
            deaths: f.casualties.dead.max(0) as u32,
            serious_injuries: f.casualties.serious_injuries.max(0) as u32,
            direct_loss_cny: f.direct_loss_cny.max(0) as u64,
        });
        thresholds.suggest(&figures.unwrap_or_default(), self.sensitive)
    }

    /// The grade deadlines are counted against: the confirmed one, else the suggestion.
    pub fn effective_grade(&self, thresholds: &GradeThresholds) -> GradeSuggestion {
        match self.confirmed_grade() {
            Some((_, grade)) => GradeSuggestion { grade, sensitive: self.sensitive },
            None => self.suggested_grade(thresholds),
        }
    }

    /// The report chain in order, with the labels people read (首报, 续报一, …, 终报).
    pub fn chain(&self) -> Vec<(String, ChainLabel, &ReportEntry)> {
        let numbering: Vec<ChainEntry> = self
            .entries
            .iter()
            .map(|(id, e)| ChainEntry {
                id: id.clone(),
                kind: e.kind.numbering(),
                submitted_at: instant_key(&e.submitted_at).unwrap_or_default().fixed_offset(),
            })
            .collect();
        label_chain(&numbering)
            .into_iter()
            .filter_map(|(id, label)| self.entries.get(&id).map(|e| (id, label, e)))
            .collect()
    }

    /// When the first report was submitted (the earliest first report), for lateness.
    pub fn first_reported_at(&self) -> Option<DateTime<FixedOffset>> {
        self.entries
            .values()
            .filter(|e| e.kind == ReportKind::First)
            .filter_map(|e| parse_instant("submitted_at", &e.submitted_at).ok())
            .min()
    }

    /// The incident's facts as the chain tells them so far: each field from the latest report that set it.
    pub fn current_details(&self) -> ReportDetails {
        let mut out = ReportDetails::default();
        for (_, _, entry) in self.chain() {
            let d = &entry.details;
            if !d.account.trim().is_empty() && entry.kind == ReportKind::First {
                out.account = d.account.clone();
            }
            macro_rules! latest {
                ($($field:ident),*) => { $( if d.$field.is_some() { out.$field = d.$field.clone(); } )* };
            }
            latest!(
                occurred_at,
                place,
                nature,
                scope,
                casualties,
                direct_loss_cny,
                trend,
                leaders_on_site,
                measures,
                requests,
                source,
                cause
            );
        }
        out
    }

    /// Fields the first report left pending and no later report has filled.
    pub fn still_pending(&self) -> Vec<String> {
        let current = self.current_details();
        let filled = |field: &str| match field {
            "occurred_at" => current.occurred_at.is_some(),
            "place" => current.place.is_some(),
            "nature" => current.nature.is_some(),
            "scope" => current.scope.is_some(),
            "casualties" => current.casualties.is_some(),
            "direct_loss_cny" => current.direct_loss_cny.is_some(),
            "trend" => current.trend.is_some(),
            "leaders_on_site" => current.leaders_on_site.is_some(),
            "measures" => current.measures.is_some(),
            "requests" => current.requests.is_some(),
            "source" => current.source.is_some(),
            "cause" => current.cause.is_some(),
            _ => true,
        };
        let mut pending: Vec<String> =
            self.entries.values().flat_map(|e| e.pending.iter()).filter(|f| !filled(f)).cloned().collect();
        pending.sort();
        pending.dedup();
        pending
    }

    /// Everything that makes this incident invalid, in a stable order; empty when it is valid.
    pub fn problems(&self, known: &(impl Known + ?Sized)) -> Vec<IncidentProblem> {
        let mut problems = Vec::new();
        if self.title.trim().is_empty() {
            problems.push(IncidentProblem::Empty(names::TITLE));
        }
        if !known.has_unit(&self.unit) {
            problems.push(IncidentProblem::UnknownUnit(self.unit.clone()));
        }
        let received = match parse_instant("received_at", &self.received_at) {
            Ok(t) => Some(t),
            Err(e) => {
                problems.push(e.into());
                None
            }
        };
        if !self.entries.values().any(|e| e.kind == ReportKind::First) {
            problems.push(IncidentProblem::NoFirstReport);
        }
        for (id, entry) in &self.entries {
            if let Err(e) = parse_instant(&format!("entries/{id}/submitted_at"), &entry.submitted_at) {
                problems.push(e.into());
            }
            check_details(&format!("entries/{id}/details"), &entry.details, &mut problems);
            if let (Some(received), Some(occurred)) = (received, entry.details.occurred_at.as_deref())
                && let Ok(occurred) = parse_instant("occurred_at", occurred)
                && occurred > received
            {
                problems.push(IncidentProblem::OccurredAfterReceived {
                    entry: id.clone(),
                    occurred_at: format_instant(occurred),
                    received_at: format_instant(received),
                });
            }
            if !entry.reporter.unit.is_empty() && !known.has_unit(&entry.reporter.unit) {
                problems.push(IncidentProblem::UnknownReporterUnit {
                    entry: id.clone(),
                    unit: entry.reporter.unit.clone(),
                });
            }
            for field in &entry.pending {
                if !REPORT_FIELDS.contains(&field.as_str()) {
                    problems.push(IncidentProblem::UnknownPendingField { entry: id.clone(), field: field.clone() });
                }
            }
        }
        for (key, attachment) in &self.attachments {
            if !is_sha256_hex(key) || key != &attachment.sha256 {
                problems.push(IncidentProblem::BadAttachmentHash(key.clone()));
            }
            if attachment.size < 0 {
                problems.push(IncidentProblem::NegativeCount {
                    within: format!("attachments/{key}"),
                    field: "size".into(),
                    value: attachment.size,
                });
            }
            if let Some(entry) = &attachment.entry
                && !self.entries.contains_key(entry)
            {
                problems.push(IncidentProblem::UnknownEntry { attachment: key.clone(), entry: entry.clone() });
            }
        }
        for c in &self.grade_confirmations {
            if parse_grade(&c.grade).is_none() {
                problems.push(IncidentProblem::BadGrade(c.grade.clone()));
            }
        }
        for (i, step) in self.lifecycle.iter().enumerate() {
            if let Err(e) = parse_instant(&format!("lifecycle/{i}/at"), &step.at) {
                problems.push(e.into());
            }
        }
        for (i, f) in self.figures.iter().enumerate() {
            check_details(
                &format!("figures/{i}"),
                &ReportDetails {
                    casualties: Some(f.casualties),
                    direct_loss_cny: Some(f.direct_loss_cny),
                    ..Default::default()
                },
                &mut problems,
            );
        }
        problems
    }

    /// What a change from `before` to `self` did that nobody may do: edit or remove a submitted report,
    /// rewrite the lifecycle, the grade confirmations, the figures' history or the judgements, or change
    /// when the incident was received.
    pub fn forbidden_changes_since(&self, before: &Incident) -> Vec<IncidentProblem> {
        let mut problems = Vec::new();
        for (sha256, attachment) in &before.attachments {
            if self.attachments.get(sha256) != Some(attachment) {
                problems.push(IncidentProblem::HistoryRewritten(names::ATTACHMENTS));
            }
        }
        for (id, entry) in &before.entries {
            if self.entries.get(id) != Some(entry) {
                problems.push(IncidentProblem::EntryEdited(id.clone()));
            }
        }
        if self.received_at != before.received_at {
            problems.push(IncidentProblem::HistoryRewritten(names::TIME_RECEIVED));
        }
        if !is_subsequence(&before.lifecycle, &self.lifecycle) {
            problems.push(IncidentProblem::HistoryRewritten(names::LIFECYCLE));
        }
        if !is_subsequence(&before.grade_confirmations, &self.grade_confirmations) {
            problems.push(IncidentProblem::HistoryRewritten(names::GRADE_CONFIRMATIONS));
        }
        if !is_subsequence(&before.figures, &self.figures) {
            problems.push(IncidentProblem::HistoryRewritten(names::FIGURES_HISTORY));
        }
        if !is_subsequence(&before.judgements, &self.judgements) {
            problems.push(IncidentProblem::HistoryRewritten(names::JUDGEMENTS));
        }
        problems
    }
}

/// Times compare as instants; an unreadable time sorts first (validation reports it).
fn instant_key(text: &str) -> Option<DateTime<chrono::Utc>> {
    parse_instant("", text).ok().map(|t| t.to_utc())
}

pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::directory::{Directory, DutyCategory, Unit};
    use automerge::AutoCommit;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("time")
    }

    fn directory() -> Directory {
        let mut d = Directory::default();
        for id in ["city", "east"] {
            d.units.insert(
                id.into(),
                Unit { name: id.into(), parent: None, category: DutyCategory::One, duty_phone: "1".into() },
            );
        }
        d
    }

    fn reporter() -> Reporter {
        Reporter {
            person: "li".into(),
            unit: "east".into(),
            name: "李四".into(),
            title: "科员".into(),
            phone: "1".into(),
        }
    }

    fn first_report() -> FirstReport {
        FirstReport {
            title: "东城区仓库火灾".into(),
            unit: "east".into(),
            received_at: Some(at("2026-10-01T08:00:00+08:00")),
            reporter: reporter(),
            details: ReportDetails {
                account: "仓库起火，消防已到场".into(),
                occurred_at: Some("2026-10-01T07:50:00+08:00".into()),
                casualties: Some(Casualties { dead: 1, injured: 4, serious_injuries: 2, ..Default::default() }),
                ..Default::default()
            },
            pending: vec!["direct_loss_cny".into(), "cause".into()],
            ..Default::default()
        }
    }

    fn incident() -> Incident {
        Incident::file_first_report(first_report(), "e1", at("2026-10-01T08:10:00+08:00"), &directory()).expect("valid")
    }

    #[test]
    fn a_first_report_goes_out_with_pending_fields_and_follow_ups_fill_them() {
        let mut i = incident();
        assert_eq!(i.still_pending(), vec!["cause".to_string(), "direct_loss_cny".to_string()]);
        assert_eq!(i.stage(), Stage::Received);
        let details =
            ReportDetails {
                direct_loss_cny: Some(3_000_000), account: "损失初步核定".into(), ..Default::default()
            };
        i.add_report("e2", ReportKind::FollowUp, reporter(), details, at("2026-10-01T10:00:00+08:00"))
            .expect("follow-up");
        assert_eq!(i.still_pending(), vec!["cause".to_string()]);
        let current = i.current_figures().expect("figures");
        assert_eq!((current.casualties.dead, current.direct_loss_cny), (1, 3_000_000), "casualties carried over");
        assert_eq!(i.figures.len(), 2, "earlier figures stay in history");
        let labels: Vec<String> = i.chain().iter().map(|(_, l, _)| l.to_zh()).collect();
        assert_eq!(labels, vec!["首报", "续报一"]);
    }

    #[test]
    fn bad_reports_are_refused_with_reasons() {
        let mut report = first_report();
        report.details.occurred_at = Some("2026-10-01T09:00:00+08:00".into());
        report.details.casualties = Some(Casualties { dead: -1, ..Default::default() });
        report.unit = "nowhere".into();
        report.pending.push("weather".into());
        let problems = Incident::file_first_report(report, "e1", at("2026-10-01T08:10:00+08:00"), &directory())
            .expect_err("invalid");
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(text.contains(&"unit \"nowhere\" is not in the directory".to_string()), "{text:?}");
        assert!(text.contains(&"casualties.dead is -1; a count cannot be negative".to_string()), "{text:?}");
        assert!(
            text.contains(&"the incident happened at 2026-10-01T09:00:00+08:00, after it was received at 2026-10-01T08:00:00+08:00; check both times".to_string()),
            "{text:?}"
        );
        assert!(text.iter().any(|t| t.starts_with("\"weather\" is not a report field")), "{text:?}");
        let mut i = incident();
        assert_eq!(
            i.add_report(
                "e1",
                ReportKind::FollowUp,
                reporter(),
                ReportDetails::default(),
                at("2026-10-01T09:00:00+08:00")
            ),
            Err(vec![IncidentProblem::DuplicateEntry("e1".into())])
        );
    }

    #[test]
    fn the_desk_confirms_or_overrides_the_grade_and_moves_forward_only() {
        let mut i = incident();
        let t = GradeThresholds::default();
        assert_eq!(i.suggested_grade(&t).grade, Grade::IV);
        assert_eq!(
            i.advance(Stage::Handling, "desk", at("2026-10-01T08:20:00+08:00"), ""),
            Err(IncidentProblem::AssessWithoutGrade)
        );
        assert_eq!(
            i.assess(Grade::III, " ", "desk", at("2026-10-01T08:20:00+08:00"), &t),
            Err(IncidentProblem::OverrideWithoutReason { confirmed: Grade::III, suggested: Grade::IV })
        );
        i.assess(Grade::III, "化工仓库，次生风险大", "desk", at("2026-10-01T08:20:00+08:00"), &t).expect("assess");
        assert_eq!(i.stage(), Stage::Assessed);
        assert_eq!(i.effective_grade(&t).grade, Grade::III);
        i.advance(Stage::Handling, "desk", at("2026-10-01T08:30:00+08:00"), "").expect("handling");
        assert!(matches!(
            i.advance(Stage::ReportedUp, "desk", at("2026-10-01T08:31:00+08:00"), ""),
            Err(IncidentProblem::StageBackwards { .. })
        ));
        assert_eq!(
            i.advance(Stage::Archived, "desk", at("2026-10-02T08:00:00+08:00"), ""),
            Err(IncidentProblem::ArchiveWithoutFinalReport)
        );
        i.add_report("e9", ReportKind::Final, reporter(), ReportDetails::default(), at("2026-10-02T07:00:00+08:00"))
            .expect("final");
        i.advance(Stage::Archived, "desk", at("2026-10-02T08:00:00+08:00"), "").expect("archive");
    }

    #[test]
    fn offline_report_and_online_assessment_both_survive_the_merge() {
        let mut desk = AutoCommit::new();
        autosurgeon::reconcile(&mut desk, incident()).expect("reconcile");
        let mut field = desk.fork();
        let mut on_desk = Incident::read(&desk).expect("read");
        on_desk
            .assess(Grade::IV, "", "desk", at("2026-10-01T08:20:00+08:00"), &GradeThresholds::default())
            .expect("assess");
        autosurgeon::reconcile(&mut desk, &on_desk).expect("desk");
        let mut on_phone = Incident::read(&field).expect("read");
        on_phone
            .add_report(
                "e2",
                ReportKind::FollowUp,
                reporter(),
                ReportDetails { account: "火势得到控制".into(), ..Default::default() },
                at("2026-10-01T08:25:00+08:00"),
            )
            .expect("follow-up");
        autosurgeon::reconcile(&mut field, &on_phone).expect("field");
        desk.merge(&mut field).expect("merge");
        let merged = Incident::read(&desk).expect("read");
        assert_eq!(merged.stage(), Stage::Assessed);
        assert!(merged.entries.contains_key("e2"));
        assert!(merged.problems(&directory()).is_empty());
        assert!(merged.forbidden_changes_since(&on_desk).is_empty());
    }

    #[test]
    fn reads_the_same_when_written_as_text_and_floats_by_another_client() {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let original = incident();
        let mut exact = AutoCommit::new();
        autosurgeon::reconcile(&mut exact, &original).expect("reconcile");
        // As `zhiban doc create --json` or the JavaScript client writes it: strings as text objects...
        let mut other = AutoCommit::new();
        crate::json::put_root(&mut other, &crate::json::to_json(&exact)).expect("put");
        // ...and numbers as floats.
        let (_, entries) = other.get(automerge::ROOT, "entries").expect("get").expect("entries");
        let (_, e1) = other.get(&entries, "e1").expect("get").expect("e1");
        let (_, details) = other.get(&e1, "details").expect("get").expect("details");
        let (_, casualties) = other.get(&details, "casualties").expect("get").expect("casualties");
        other.put(&casualties, "dead", 1.0_f64).expect("float");
        other.put(automerge::ROOT, "schema", 1.0_f64).expect("float");
        assert_eq!(Incident::read(&other), Ok(original));
        let mut wrong = AutoCommit::new();
        crate::json::put_root(&mut wrong, &serde_json::json!({"type": "roster", "schema": 1})).expect("put");
        assert!(matches!(Incident::read(&wrong), Err(DocumentError::WrongType { .. })));
    }

    #[test]
    fn editing_a_submitted_report_is_forbidden() {
        let before = incident();
        let mut after = before.clone();
        after.entries.get_mut("e1").expect("e1").details.account = "改写".into();
        after.lifecycle.clear();
        assert_eq!(
            after.forbidden_changes_since(&before),
            vec![IncidentProblem::EntryEdited("e1".into()), IncidentProblem::HistoryRewritten(names::LIFECYCLE)]
        );
    }
}
