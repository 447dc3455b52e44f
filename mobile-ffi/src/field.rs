//! Reporting from the field, offline: the first report (with fields left pending), follow-ups, the final
//! report, photos from a file path; and reading an incident. Each call is saved on the phone before it
//! returns and goes to the server with the next sync.

use std::path::Path;

use zhiban_client_core::{media_type_of, office_now};
use zhiban_model::documents::incident as model;
use zhiban_model::rules::grade::GradeThresholds;

use crate::client::ZhibanClient;
use crate::error::{Result, ZhibanError};
use crate::records::{FiledReport, FirstReport, Incident, ReportDetails, document};

#[uniffi::export]
impl ZhibanClient {
    /// Files a first report (首报) as a new incident, by the logged-in person, now. Fields not known yet
    /// go in `report.pending`; a follow-up fills them.
    pub fn file_first_report(&self, report: FirstReport) -> Result<FiledReport> {
        let unit = match report.unit.filter(|u| !u.trim().is_empty()) {
            Some(unit) => unit,
            None => self.core.viewer()?.map(|v| v.unit).ok_or_else(|| ZhibanError::LoginRequired {
                reason: "log in first: a report is filed by the person logged in".into(),
            })?,
        };
        let first = model::FirstReport {
            title: report.title,
            unit,
            received_at: Some(office_now()),
            sensitive: report.sensitive,
            reporter: model::Reporter::default(),
            recorded_by: None,
            details: report.details.into(),
            pending: report.pending,
        };
        Ok(self.core.file_first_report(first, office_now())?.into())
    }

    /// Adds a follow-up (续报) to `incident`; returns the new report's id.
    pub fn add_follow_up(&self, incident: String, details: ReportDetails) -> Result<String> {
        Ok(self.core.add_follow_up(document("incident", &incident)?, details.into(), office_now())?)
    }

    /// Files the final report (终报) of `incident`; returns its id.
    pub fn file_final_report(&self, incident: String, details: ReportDetails) -> Result<String> {
        Ok(self.core.file_final_report(document("incident", &incident)?, details.into(), office_now())?)
    }

    /// Attaches the photo (or recording, or video) at `path` to `incident`, with report `entry` if given.
    /// The bytes are copied into the phone's store at once, so the app may delete its file; they upload
    /// with the next sync, resuming where an interrupted upload stopped. Returns the file's SHA-256.
    pub fn attach_photo(&self, incident: String, path: String, entry: Option<String>) -> Result<String> {
        let incident = document("incident", &incident)?;
        let data =
            std::fs::read(&path).map_err(|e| ZhibanError::invalid("path", format!("cannot read {path}: {e}")))?;
        let file_name = Path::new(&path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let media_type = media_type_of(&file_name);
        Ok(self.core.attach(incident, &file_name, media_type, &data, entry.as_deref(), office_now())?)
    }

    /// An incident on this phone, with its report chain and attachments.
    pub fn incident(&self, incident: String) -> Result<Incident> {
        let id = document("incident", &incident)?;
        Ok(Incident::of(id, self.core.show_incident(id, &GradeThresholds::default())?))
    }

    /// Every incident on this phone, most recently received first.
    pub fn incidents(&self) -> Result<Vec<Incident>> {
        let thresholds = GradeThresholds::default();
        let mut out = Vec::new();
        for id in self.core.documents()? {
            // Documents of other kinds are not incidents.
            if let Ok(view) = self.core.show_incident(id, &thresholds) {
                out.push(Incident::of(id, view));
            }
        }
        out.sort_by(|a, b| b.received_at.cmp(&a.received_at));
        Ok(out)
    }
}
