//! A document read as the type it says it is.

use automerge::ReadDoc;
use zhiban_model::documents::DocumentError;
use zhiban_model::documents::directory::{self, Directory};
use zhiban_model::documents::incident::{self, Incident};
use zhiban_model::documents::instruction::{self, Instruction};
use zhiban_model::documents::roster::{self, RosterDocument};

#[derive(Debug, Clone, PartialEq)]
pub enum TypedDocument {
    /// No `type` at the root: a document the office's rules do not cover (or one still empty).
    Untyped,
    /// A type this server does not know; synced, not checked or projected.
    Other(String),
    Directory(Directory),
    Roster(RosterDocument),
    Incident(Incident),
    Instruction(Instruction),
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
            _ => return Ok(TypedDocument::Untyped),
        };
        Ok(match kind.as_str() {
            directory::KIND => TypedDocument::Directory(Directory::read(doc)?),
            roster::KIND => TypedDocument::Roster(RosterDocument::read(doc)?),
            incident::KIND => TypedDocument::Incident(Incident::read(doc)?),
            instruction::KIND => TypedDocument::Instruction(Instruction::read(doc)?),
            _ => TypedDocument::Other(kind),
        })
    }

    /// The kind the office's tables know it by, if any.
    pub fn kind(&self) -> Option<&'static str> {
        match self {
            TypedDocument::Untyped | TypedDocument::Other(_) => None,
            TypedDocument::Directory(_) => Some(directory::KIND),
            TypedDocument::Roster(_) => Some(roster::KIND),
            TypedDocument::Incident(_) => Some(incident::KIND),
            TypedDocument::Instruction(_) => Some(instruction::KIND),
        }
    }
}
