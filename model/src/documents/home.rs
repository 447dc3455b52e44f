//! A person's home document: the list of documents they may see, written only by the server. A phone syncs
//! it first and then exactly the documents it lists; when an entry disappears the phone removes its copy
//! (keeping aside any local change the server never accepted).

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use super::{DocumentError, read_document};

pub const KIND: &str = "home";
pub const SCHEMA: i64 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct HomeEntry {
    /// The document's type (`incident`, `roster`, …), so the phone can fetch the urgent kinds first.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Home {
    #[autosurgeon(rename = "type")]
    pub kind: String,
    pub schema: i64,
    /// Whose home this is: their person id.
    pub person: String,
    /// Keyed by document id (bs58check, as in an `automerge:` URL without the prefix).
    pub documents: BTreeMap<String, HomeEntry>,
}

impl Home {
    pub fn new(person: &str) -> Self {
        Self { kind: KIND.to_owned(), schema: SCHEMA, person: person.to_owned(), documents: BTreeMap::new() }
    }

    pub fn read<R: autosurgeon::ReadDoc + automerge::ReadDoc>(doc: &R) -> Result<Self, DocumentError> {
        read_document(doc, KIND, SCHEMA)
    }
}
