//! Incident reports from the field (first report, follow-ups, final report) and the desk's steps on them
//! (assess, advance). Offline first: each is one local change, checked with the model's rules.

use chrono::{DateTime, FixedOffset};
use zhiban_model::DocumentId;
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::incident::{
    FiguresRecord, FirstReport, Incident, ReportDetails, ReportEntry, ReportKind, Reporter, Stage,
};
use zhiban_model::rules::grade::{Grade, GradeSuggestion, GradeThresholds};

use super::{new_entry_id, problems, refused, unreadable};
use crate::client::Client;
use crate::error::ClientError;

/// A first report as filed on this phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledReport {
    pub incident: DocumentId,
    pub entry: String,
    /// Fields the report left pending, to be filled by a follow-up.
    pub pending: Vec<String>,
}

/// An incident as a duty officer reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentView {
    pub incident: Incident,
    /// The chain in order: (entry id, label 首报/续报一/终报, entry).
    pub chain: Vec<(String, String, ReportEntry)>,
    pub current: ReportDetails,
    pub figures: Option<FiguresRecord>,
    pub pending: Vec<String>,
    pub stage: Stage,
    pub suggested_grade: GradeSuggestion,
    pub confirmed_grade: Option<Grade>,
}

/// The reporter's details from the directory; an unknown person is reported by id (and refused by the rules
/// that need a known unit).
fn reporter_of(person: &str, directory: &Directory) -> Reporter {
    match directory.people.get(person) {
        Some(p) => Reporter {
            person: person.to_owned(),
            unit: p.unit.clone(),
            name: p.name.clone(),
            title: p.rank.label_zh().to_owned(),
            phone: p.phone.clone(),
        },
        None => Reporter { person: person.to_owned(), ..Reporter::default() },
    }
}

impl Client {
    /// Files a first report (首报) as a new incident, by the person using this phone; `report.reporter` is
    /// filled from the directory. Works offline.
    pub fn file_first_report(
        &self,
        mut report: FirstReport,
        at: DateTime<FixedOffset>,
    ) -> Result<FiledReport, ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        if report.reporter.person.is_empty() {
            report.reporter = reporter_of(&me.person, &directory);
        }
        let entry = new_entry_id();
        let incident = Incident::file_first_report(report, &entry, at, &directory)
            .map_err(|found| refused("file this first report", problems(found)))?;
        let pending = incident.still_pending();
        let id = self.create_typed("file this first report", &incident, &directory)?;
        Ok(FiledReport { incident: id, entry, pending })
    }

    /// Adds a follow-up (续报) by the person using this phone; returns the new entry's id.
    pub fn add_follow_up(
        &self,
        incident: DocumentId,
        details: ReportDetails,
        at: DateTime<FixedOffset>,
    ) -> Result<String, ClientError> {
        self.add_report(incident, ReportKind::FollowUp, details, at)
    }

    /// Files the final report (终报).
    pub fn file_final_report(
        &self,
        incident: DocumentId,
        details: ReportDetails,
        at: DateTime<FixedOffset>,
    ) -> Result<String, ClientError> {
        self.add_report(incident, ReportKind::Final, details, at)
    }

    fn add_report(
        &self,
        incident: DocumentId,
        kind: ReportKind,
        details: ReportDetails,
        at: DateTime<FixedOffset>,
    ) -> Result<String, ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        let what = if kind == ReportKind::Final { "file the final report" } else { "add this follow-up" };
        let entry = new_entry_id();
        self.update_typed(incident, what, &directory, |i: &mut Incident| {
            i.add_report(&entry, kind, reporter_of(&me.person, &directory), details, at).map_err(problems)
        })?;
        Ok(entry)
    }

    /// The desk confirms the grade (a reason is needed when it differs from the suggestion); the incident
    /// is then assessed (研判).
    pub fn assess_incident(
        &self,
        incident: DocumentId,
        grade: Grade,
        reason: &str,
        at: DateTime<FixedOffset>,
        thresholds: &GradeThresholds,
    ) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        self.update_typed(incident, "assess this incident", &directory, |i: &mut Incident| {
            i.assess(grade, reason, &me.person, at, thresholds).map_err(|p| problems([p]))
        })
    }

    /// Moves the incident forward (reported up, handling, feedback, archived).
    pub fn advance_incident(
        &self,
        incident: DocumentId,
        stage: Stage,
        note: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        let what = format!("move this incident to {} ({})", stage.as_str(), stage.label_zh());
        self.update_typed(incident, &what, &directory, |i: &mut Incident| {
            i.advance(stage, &me.person, at, note).map_err(|p| problems([p]))
        })
    }

    pub fn incident(&self, id: DocumentId) -> Result<Incident, ClientError> {
        self.read_with(id, |doc| Incident::read(doc).map_err(unreadable))
    }

    /// The incident as a duty officer reads it: the chain with its labels, the current figures, what is
    /// still pending, the stage and the grade.
    pub fn show_incident(&self, id: DocumentId, thresholds: &GradeThresholds) -> Result<IncidentView, ClientError> {
        let incident = self.incident(id)?;
        let chain = incident.chain().into_iter().map(|(id, label, entry)| (id, label.to_zh(), entry.clone())).collect();
        Ok(IncidentView {
            chain,
            current: incident.current_details(),
            figures: incident.current_figures(),
            pending: incident.still_pending(),
            stage: incident.stage(),
            suggested_grade: incident.suggested_grade(thresholds),
            confirmed_grade: incident.confirmed_grade().map(|(_, g)| g),
            incident,
        })
    }
}
