//! What crosses the boundary: plain records an app can show and store, built from the client core's types.
//! Documents are named by their `automerge:` URL; times are RFC 3339 in the office's zone (UTC+8), or
//! office local times (`2026-10-01T08:00`) where the roster has them.

use zhiban_client_core as core;
use zhiban_model::DocumentId;
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::incident as model;
use zhiban_model::documents::instruction as instruction_model;

use crate::error::{Result, ZhibanError};

/// A document named in a call: an `automerge:` URL or a bare id.
pub(crate) fn document(field: &str, text: &str) -> Result<DocumentId> {
    DocumentId::parse_url_or_id(text.trim())
        .map_err(|e| ZhibanError::invalid(field, format!("{text:?} is not a document (automerge:… URL): {e}")))
}

/// Who is logged in on this phone.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CurrentUser {
    /// Their id in the directory (also their username).
    pub person: String,
    /// Their name, once the phone holds the directory.
    pub name: Option<String>,
    pub unit: String,
    pub unit_name: Option<String>,
    /// Role codes: `leader`, `desk`, `unit_officer`, `field`, `admin`.
    pub roles: Vec<String>,
    /// This device's name, recorded with each acknowledgement.
    pub device: Option<String>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Connection {
    /// Not syncing.
    Idle,
    Connecting,
    Online,
    /// The last attempt failed; the background sync tries again.
    Offline {
        reason: String,
    },
    /// The server wants a new login; changes are kept until then.
    LoginRequired {
        reason: String,
    },
}

impl From<core::ConnectionState> for Connection {
    fn from(state: core::ConnectionState) -> Self {
        match state {
            core::ConnectionState::Idle => Connection::Idle,
            core::ConnectionState::Connecting => Connection::Connecting,
            core::ConnectionState::Online => Connection::Online,
            core::ConnectionState::Offline { reason } => Connection::Offline { reason },
            core::ConnectionState::LoginRequired { reason } => Connection::LoginRequired { reason },
        }
    }
}

/// One reason something was refused: which rule said no, the part of the document it is about (show the
/// reason beside that field), and the reason in Chinese and English.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Refusal {
    /// A stable name, `incident.lifecycle` say: act on it, never on the reason's words. Rules starting with
    /// `document.` are about what is wrong with the document, `input` about what was given, the others about
    /// what this person may do.
    pub rule: String,
    /// A path of the document's fields and record ids (`entries/e2/casualties`), or the argument's name.
    pub part: Option<String>,
    pub reason: String,
    pub reason_zh: String,
}

impl From<&core::Refusal> for Refusal {
    fn from(r: &core::Refusal) -> Self {
        Refusal { rule: r.rule.clone(), part: r.part.clone(), reason: r.reason.clone(), reason_zh: r.reason_zh.clone() }
    }
}

pub(crate) fn refusals(refusals: &[core::Refusal]) -> Vec<Refusal> {
    refusals.iter().map(Refusal::from).collect()
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RefusedDocument {
    pub document: String,
    /// The server's message as it said it.
    pub reason: String,
    /// Each reason as data.
    pub refusals: Vec<Refusal>,
}

impl From<&core::RefusedDocument> for RefusedDocument {
    fn from(r: &core::RefusedDocument) -> Self {
        RefusedDocument { document: r.id.url(), reason: r.reason.clone(), refusals: refusals(&r.refusals) }
    }
}

/// How this phone stands with the server.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncStatus {
    pub connection: Connection,
    /// Changes made here the server has not confirmed (refused ones not counted).
    pub pending_changes: u64,
    /// The documents those changes are in.
    pub pending_documents: Vec<String>,
    /// Documents whose changes the server refused: kept here, not sent again.
    pub refused: Vec<RefusedDocument>,
    pub documents_held: u64,
    /// Photos whose bytes the server does not hold whole yet.
    pub photos_to_upload: u64,
}

impl SyncStatus {
    pub(crate) fn of(status: core::SyncStatus, photos_to_upload: usize) -> Self {
        let refused: Vec<RefusedDocument> = status.refused.iter().map(RefusedDocument::from).collect();
        let waiting: Vec<&core::DocumentStatus> =
            status.pending.iter().filter(|d| !status.refused.iter().any(|r| r.id == d.id)).collect();
        SyncStatus {
            pending_changes: waiting.iter().map(|d| d.pending_changes as u64).sum(),
            pending_documents: waiting.iter().map(|d| d.id.url()).collect(),
            refused,
            documents_held: status.documents_held as u64,
            photos_to_upload: photos_to_upload as u64,
            connection: status.connection.into(),
        }
    }
}

/// One of the user's shifts, or a period as leader on duty.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Shift {
    pub roster: String,
    pub unit: String,
    pub shift: String,
    /// `main`, `deputy` or `leader`.
    pub post: String,
    /// Office local times, `2026-10-01T08:00`.
    pub start: String,
    pub end: String,
}

impl From<core::ShiftOfMine> for Shift {
    fn from(s: core::ShiftOfMine) -> Self {
        Shift {
            roster: s.roster.url(),
            unit: s.unit,
            shift: s.shift,
            post: s.post.to_owned(),
            start: s.start,
            end: s.end,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Contact {
    pub person: String,
    pub name: String,
    pub phone: String,
}

impl From<core::Contact> for Contact {
    fn from(c: core::Contact) -> Self {
        Contact { person: c.person, name: c.name, phone: c.phone }
    }
}

/// Who is on duty in a unit at one time.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OnDuty {
    pub unit: String,
    pub unit_name: String,
    /// The unit's duty phone, which must always be answered.
    pub duty_phone: String,
    /// Office local time asked about.
    pub at: String,
    pub main: Option<Contact>,
    pub deputy: Option<Contact>,
    pub leader: Option<Contact>,
}

impl From<core::OnDuty> for OnDuty {
    fn from(o: core::OnDuty) -> Self {
        OnDuty {
            unit: o.unit,
            unit_name: o.unit_name,
            duty_phone: o.duty_phone,
            at: o.at,
            main: o.main.map(Into::into),
            deputy: o.deputy.map(Into::into),
            leader: o.leader.map(Into::into),
        }
    }
}

/// A person in the directory.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DirectoryPerson {
    pub person: String,
    pub name: String,
    pub unit: String,
    pub unit_name: String,
    /// 主要负责人, 处级, …
    pub rank: String,
    pub phone: String,
    pub roles: Vec<String>,
}

impl DirectoryPerson {
    pub(crate) fn of(id: &str, directory: &Directory) -> Option<Self> {
        let p = directory.people.get(id)?;
        Some(DirectoryPerson {
            person: id.to_owned(),
            name: p.name.clone(),
            unit: p.unit.clone(),
            unit_name: directory.units.get(&p.unit).map(|u| u.name.clone()).unwrap_or_default(),
            rank: p.rank.label_zh().to_owned(),
            phone: p.phone.clone(),
            roles: p.roles.iter().map(|r| r.code().to_owned()).collect(),
        })
    }
}

/// People counted at the scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Record)]
pub struct Casualties {
    pub dead: i64,
    pub injured: i64,
    /// Of the injured, seriously: what the grade is judged on.
    pub serious_injuries: i64,
    pub missing: i64,
    pub trapped: i64,
}

impl From<Casualties> for model::Casualties {
    fn from(c: Casualties) -> Self {
        let Casualties { dead, injured, serious_injuries, missing, trapped } = c;
        model::Casualties { dead, injured, serious_injuries, missing, trapped }
    }
}

impl From<model::Casualties> for Casualties {
    fn from(c: model::Casualties) -> Self {
        let model::Casualties { dead, injured, serious_injuries, missing, trapped } = c;
        Casualties { dead, injured, serious_injuries, missing, trapped }
    }
}

/// What one report says. A follow-up fills only what changed; a missing value means "nothing new".
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct ReportDetails {
    /// The account in words: what happened, or what changed.
    pub account: String,
    /// When it happened (RFC 3339).
    pub occurred_at: Option<String>,
    /// Where, in words.
    pub place: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// 性质: fire, collapse, …
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

impl From<ReportDetails> for model::ReportDetails {
    fn from(d: ReportDetails) -> Self {
        let place = (d.place.is_some() || d.latitude.is_some() || d.longitude.is_some()).then(|| model::Place {
            text: d.place.unwrap_or_default(),
            latitude: d.latitude.map(model::Degrees),
            longitude: d.longitude.map(model::Degrees),
        });
        model::ReportDetails {
            account: d.account,
            occurred_at: d.occurred_at,
            place,
            nature: d.nature,
            scope: d.scope,
            casualties: d.casualties.map(Into::into),
            direct_loss_cny: d.direct_loss_cny,
            trend: d.trend,
            leaders_on_site: d.leaders_on_site,
            measures: d.measures,
            requests: d.requests,
            source: d.source,
            cause: d.cause,
        }
    }
}

impl From<&model::ReportDetails> for ReportDetails {
    fn from(d: &model::ReportDetails) -> Self {
        ReportDetails {
            account: d.account.clone(),
            occurred_at: d.occurred_at.clone(),
            place: d.place.as_ref().map(|p| p.text.clone()),
            latitude: d.place.as_ref().and_then(|p| p.latitude).map(|l| l.0),
            longitude: d.place.as_ref().and_then(|p| p.longitude).map(|l| l.0),
            nature: d.nature.clone(),
            scope: d.scope.clone(),
            casualties: d.casualties.map(Into::into),
            direct_loss_cny: d.direct_loss_cny,
            trend: d.trend.clone(),
            leaders_on_site: d.leaders_on_site.clone(),
            measures: d.measures.clone(),
            requests: d.requests.clone(),
            source: d.source.clone(),
            cause: d.cause.clone(),
        }
    }
}

/// A first report (首报) from the field.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FirstReport {
    pub title: String,
    /// The unit responsible for reporting; the user's own unit when missing.
    pub unit: Option<String>,
    pub sensitive: bool,
    pub details: ReportDetails,
    /// Fields not known yet (`casualties`, `cause`, …): the report goes now, a follow-up fills them.
    pub pending: Vec<String>,
}

/// A first report filed on this phone.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FiledReport {
    pub incident: String,
    pub entry: String,
    /// Fields still pending, for a follow-up to fill.
    pub pending: Vec<String>,
}

impl From<core::FiledReport> for FiledReport {
    fn from(f: core::FiledReport) -> Self {
        FiledReport { incident: f.incident.url(), entry: f.entry, pending: f.pending }
    }
}

/// One report in an incident's chain.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportEntry {
    pub entry: String,
    /// 首报, 续报一, …, 终报.
    pub label: String,
    /// `first`, `follow_up`, `final`.
    pub kind: String,
    pub submitted_at: String,
    pub reporter: String,
    pub reporter_name: String,
    pub details: ReportDetails,
    pub pending: Vec<String>,
}

/// A photo (or other file) attached to an incident.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Attachment {
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    /// The report it goes with, if any.
    pub entry: Option<String>,
    pub added_by: String,
}

/// An incident as a field reporter or duty officer reads it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Incident {
    pub document: String,
    pub title: String,
    pub unit: String,
    pub received_at: String,
    pub sensitive: bool,
    /// `received`, `assessed`, `reported_up`, `handling`, `feedback`, `archived`.
    pub stage: String,
    /// 接报, 研判, …
    pub stage_label: String,
    /// The grade the figures suggest (`I`–`IV`), and the desk's, once confirmed.
    pub suggested_grade: String,
    pub confirmed_grade: Option<String>,
    /// Fields still pending across the chain.
    pub pending: Vec<String>,
    pub reports: Vec<ReportEntry>,
    pub attachments: Vec<Attachment>,
}

impl Incident {
    pub(crate) fn of(id: DocumentId, view: core::IncidentView) -> Self {
        let reports = view
            .chain
            .into_iter()
            .map(|(entry, label, e)| ReportEntry {
                entry,
                label,
                kind: match e.kind {
                    model::ReportKind::First => "first",
                    model::ReportKind::FollowUp => "follow_up",
                    model::ReportKind::Final => "final",
                }
                .to_owned(),
                submitted_at: e.submitted_at.clone(),
                reporter: e.reporter.person.clone(),
                reporter_name: e.reporter.name.clone(),
                details: (&e.details).into(),
                pending: e.pending.clone(),
            })
            .collect();
        let attachments = view
            .incident
            .attachments
            .values()
            .map(|a| Attachment {
                sha256: a.sha256.clone(),
                file_name: a.file_name.clone(),
                media_type: a.media_type.clone(),
                size: a.size,
                entry: a.entry.clone(),
                added_by: a.added_by.clone(),
            })
            .collect();
        Incident {
            document: id.url(),
            title: view.incident.title.clone(),
            unit: view.incident.unit.clone(),
            received_at: view.incident.received_at.clone(),
            sensitive: view.incident.sensitive,
            stage: view.stage.as_str().to_owned(),
            stage_label: view.stage.label_zh().to_owned(),
            suggested_grade: model::grade_code(view.suggested_grade.grade).to_owned(),
            confirmed_grade: view.confirmed_grade.map(|g| model::grade_code(g).to_owned()),
            pending: view.pending,
            reports,
            attachments,
        }
    }
}

/// One person's acknowledgement (签收) of an instruction for one recipient.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Acknowledgement {
    pub recipient: String,
    pub person: String,
    pub device: String,
    /// By the phone's clock.
    pub acknowledged_at: String,
    /// When the server stored it: the time that counts. Missing until it has.
    pub server_received_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InstructionRecipient {
    /// A unit id or a person id.
    pub recipient: String,
    /// `unit` or `person`.
    pub kind: String,
    pub acknowledgements: Vec<Acknowledgement>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Progress {
    pub by: String,
    pub unit: String,
    pub at: String,
    pub text: String,
}

/// A leader's instruction (批示).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Instruction {
    pub document: String,
    /// The ledger number, once the server assigned it.
    pub number: Option<String>,
    pub leader: String,
    pub issued_at: String,
    pub text: String,
    /// The incident it was written on.
    pub incident: Option<String>,
    /// `issued`, `relayed`, `acknowledged`, `fed_back`, `closed`.
    pub status: String,
    pub recipients: Vec<InstructionRecipient>,
    pub progress: Vec<Progress>,
    pub feedback: Option<String>,
}

impl Instruction {
    pub(crate) fn of(id: DocumentId, i: &instruction_model::Instruction) -> Self {
        let recipients = i
            .recipients
            .iter()
            .map(|(recipient, r)| InstructionRecipient {
                recipient: recipient.clone(),
                kind: match r.kind {
                    instruction_model::RecipientKind::Unit => "unit",
                    instruction_model::RecipientKind::Person => "person",
                }
                .to_owned(),
                acknowledgements: i
                    .acknowledgements
                    .values()
                    .filter(|a| &a.recipient == recipient)
                    .map(|a| Acknowledgement {
                        recipient: a.recipient.clone(),
                        person: a.person.clone(),
                        device: a.device.clone(),
                        acknowledged_at: a.acknowledged_at.clone(),
                        server_received_at: a.server_received_at.clone(),
                    })
                    .collect(),
            })
            .collect();
        Instruction {
            document: id.url(),
            number: i.number.clone(),
            leader: i.leader.clone(),
            issued_at: i.issued_at.clone(),
            text: i.text.clone(),
            incident: i.incident.clone(),
            status: i.status().as_str().to_owned(),
            recipients,
            progress: i
                .progress
                .iter()
                .map(|p| Progress { by: p.by.clone(), unit: p.unit.clone(), at: p.at.clone(), text: p.text.clone() })
                .collect(),
            feedback: i.feedback.as_ref().map(|f| f.text.clone()),
        }
    }
}

/// An instruction on this phone waiting for the user's acknowledgement.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PendingAcknowledgement {
    pub instruction: String,
    pub number: Option<String>,
    pub leader: String,
    pub issued_at: String,
    pub text: String,
    /// The recipients (the user, or the user's unit) it waits on.
    pub waiting_for: Vec<String>,
}

impl From<core::PendingAcknowledgement> for PendingAcknowledgement {
    fn from(p: core::PendingAcknowledgement) -> Self {
        PendingAcknowledgement {
            instruction: p.instruction.url(),
            number: p.number,
            leader: p.leader,
            issued_at: p.issued_at,
            text: p.text,
            waiting_for: p.recipients,
        }
    }
}

/// An alert that called this person: from a push, or from the list in their home at sync.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Alert {
    /// The alert's id, for acknowledging it; a push from an older server may lack it.
    pub alert: Option<String>,
    /// `instruction`, `incident`, `report_due`, `feedback_due`, `roster_filing`.
    pub kind: String,
    /// The document to open.
    pub document: Option<String>,
    /// The few words to show (新的领导批示, 较大突发事件, …).
    pub title_class: String,
    /// `high` or `normal`.
    pub urgency: String,
    /// When the server first called this person, for an alert from the home list.
    pub called_at: Option<String>,
    /// Whether the document is on this phone now (a push received offline: not yet).
    pub document_on_phone: bool,
}

impl Alert {
    pub(crate) fn of(open: core::OpenAlert, on_phone: bool) -> Self {
        Alert {
            alert: Some(open.alert),
            kind: open.kind,
            document: open.document.map(|d| d.url()),
            title_class: open.title_class,
            urgency: open.urgency,
            called_at: Some(open.called_at),
            document_on_phone: on_phone,
        }
    }
}

/// What `sync_for` got done in the time it had.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncReport {
    /// Everything is sent and received: nothing is pending.
    pub finished: bool,
    /// Why it stopped short, when it did (offline, out of time, login required).
    pub stopped_because: Option<String>,
    pub pending_changes: u64,
    pub pending_documents: Vec<String>,
    pub photos_to_upload: u64,
    pub milliseconds_used: u64,
}
