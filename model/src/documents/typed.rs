//! A document read as the type it says it is: what the server's gate, projection and access rules, and the
//! phone's checks, look at.

use automerge::ReadDoc;

use super::DocumentError;
use super::assessment::{self, Assessment};
use super::directory::{self, Directory};
use super::duty_log::{self, DutyLog};
use super::filing_round::{self, FilingRound};
use super::home::{self, Home};
use super::incident::{self, Incident};
use super::instruction::{self, Instruction};
use super::roster::{self, RosterDocument};
use super::spot_check::{self, SpotChecks};

#[derive(Debug, Clone, PartialEq)]
pub enum TypedDocument {
    /// Nothing at the root yet: a document just created (the JavaScript client's `repo.create()`).
    Empty,
    /// Content but no `type` at the root: a document the office's rules do not cover.
    Untyped,
    /// A type this server does not know; synced, not checked or projected.
    Other(String),
    Directory(Directory),
    Roster(RosterDocument),
    Incident(Incident),
    Instruction(Instruction),
    /// A person's home document: what they may see. Written only by the server.
    Home(Home),
    /// The desk's oversight: a roster filing round, a spot-check plan with its results, a unit's duty log,
    /// the desk's assessment record.
    FilingRound(FilingRound),
    SpotChecks(SpotChecks),
    DutyLog(DutyLog),
    Assessment(Assessment),
}

impl TypedDocument {
    pub fn read(doc: &automerge::Automerge) -> Result<Self, DocumentError> {
        let kind = match ReadDoc::get(doc, automerge::ROOT, "type") {
            Ok(Some((value, id))) => match value {
                automerge::Value::Scalar(s) => match s.as_ref() {
                    automerge::ScalarValue::Str(text) => text.to_string(),
                    _ => return Ok(TypedDocument::Other(String::new())),
                },
                automerge::Value::Object(automerge::ObjType::Text) => ReadDoc::text(doc, &id).unwrap_or_default(),
                automerge::Value::Object(_) => return Ok(TypedDocument::Other(String::new())),
            },
            _ if doc.length(automerge::ROOT) == 0 => return Ok(TypedDocument::Empty),
            _ => return Ok(TypedDocument::Untyped),
        };
        Ok(match kind.as_str() {
            directory::KIND => TypedDocument::Directory(Directory::read(doc)?),
            roster::KIND => TypedDocument::Roster(RosterDocument::read(doc)?),
            incident::KIND => TypedDocument::Incident(Incident::read(doc)?),
            instruction::KIND => TypedDocument::Instruction(Instruction::read(doc)?),
            home::KIND => TypedDocument::Home(Home::read(doc)?),
            filing_round::KIND => TypedDocument::FilingRound(FilingRound::read(doc)?),
            spot_check::KIND => TypedDocument::SpotChecks(SpotChecks::read(doc)?),
            duty_log::KIND => TypedDocument::DutyLog(DutyLog::read(doc)?),
            assessment::KIND => TypedDocument::Assessment(Assessment::read(doc)?),
            _ => TypedDocument::Other(kind),
        })
    }

    /// Writes this document into `doc` (a transaction, say) as its whole content, by the same mapping it is
    /// read with. Only the kinds the model knows can be written: not an empty, untyped or foreign document.
    pub fn write_to<D: autosurgeon::Doc>(&self, doc: &mut D) -> Result<(), DocumentError> {
        let written = match self {
            TypedDocument::Directory(d) => autosurgeon::reconcile(doc, d),
            TypedDocument::Roster(d) => autosurgeon::reconcile(doc, d),
            TypedDocument::Incident(d) => autosurgeon::reconcile(doc, d),
            TypedDocument::Instruction(d) => autosurgeon::reconcile(doc, d),
            TypedDocument::Home(d) => autosurgeon::reconcile(doc, d),
            TypedDocument::FilingRound(d) => autosurgeon::reconcile(doc, d),
            TypedDocument::SpotChecks(d) => autosurgeon::reconcile(doc, d),
            TypedDocument::DutyLog(d) => autosurgeon::reconcile(doc, d),
            TypedDocument::Assessment(d) => autosurgeon::reconcile(doc, d),
            TypedDocument::Empty | TypedDocument::Untyped | TypedDocument::Other(_) => {
                return Err(DocumentError::Shape {
                    kind: "document",
                    reason: "only the office's document types are written from their typed form".into(),
                });
            }
        };
        written.map_err(|e| DocumentError::Shape { kind: self.kind().unwrap_or("document"), reason: e.to_string() })
    }

    /// The kind the office's tables know it by, if any.
    pub fn kind(&self) -> Option<&'static str> {
        match self {
            TypedDocument::Empty | TypedDocument::Untyped | TypedDocument::Other(_) => None,
            TypedDocument::Directory(_) => Some(directory::KIND),
            TypedDocument::Roster(_) => Some(roster::KIND),
            TypedDocument::Incident(_) => Some(incident::KIND),
            TypedDocument::Instruction(_) => Some(instruction::KIND),
            TypedDocument::Home(_) => Some(home::KIND),
            TypedDocument::FilingRound(_) => Some(filing_round::KIND),
            TypedDocument::SpotChecks(_) => Some(spot_check::KIND),
            TypedDocument::DutyLog(_) => Some(duty_log::KIND),
            TypedDocument::Assessment(_) => Some(assessment::KIND),
        }
    }
}

macro_rules! typed_from {
    ($($variant:ident($ty:ty)),*) => {$(
        impl From<$ty> for TypedDocument {
            fn from(document: $ty) -> Self {
                TypedDocument::$variant(document)
            }
        }
    )*};
}
typed_from!(
    Directory(Directory),
    Roster(RosterDocument),
    Incident(Incident),
    Instruction(Instruction),
    Home(Home),
    FilingRound(FilingRound),
    SpotChecks(SpotChecks),
    DutyLog(DutyLog),
    Assessment(Assessment)
);
