//! A person's home document: the list of documents they may see, written by the server. A phone syncs it
//! first and then exactly the documents it lists; when an entry disappears the phone removes its copy
//! (keeping aside any local change the server never accepted).
//!
//! The server also lists in `alerts` the open alerts that have called this person, so a phone whose push
//! never arrived (no push service, a phone that was off) still learns of them at its next sync.
//!
//! The one part its person writes is `acknowledged`: their receipts for alerts (收到), made on the phone,
//! offline if need be, and carried to the server by sync like any change. An instruction is signed for in
//! the instruction itself; every other alert (a serious incident, a report or feedback due, a roster to
//! file) is acknowledged here.

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
    /// Open alerts that called this person, keyed by alert id; an alert leaves the list once acknowledged
    /// (by anyone its chain called) or ended. Absent in homes written before alerts were listed.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub alerts: BTreeMap<String, HomeAlert>,
    /// The person's receipts for alerts, keyed by alert id. Absent in homes written before receipts existed.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub acknowledged: BTreeMap<String, AlertReceipt>,
}

/// An open alert as the phone shows it: what a push would have carried, and when the person was first called.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct HomeAlert {
    /// `instruction`, `incident`, `report_due`, `feedback_due`, `roster_filing`.
    pub kind: String,
    /// The document it is about (its id), if any.
    pub document: Option<String>,
    pub title_class: String,
    /// `high` or `normal`.
    pub urgency: String,
    /// RFC 3339, the server's time.
    pub called_at: String,
}

/// A person's receipt for an alert.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct AlertReceipt {
    /// When the person acknowledged, by the phone's clock (RFC 3339).
    pub at: String,
    /// The device it was made on.
    pub device: String,
}

impl Home {
    pub fn new(person: &str) -> Self {
        Self {
            kind: KIND.to_owned(),
            schema: SCHEMA,
            person: person.to_owned(),
            documents: BTreeMap::new(),
            alerts: BTreeMap::new(),
            acknowledged: BTreeMap::new(),
        }
    }

    pub fn read<R: autosurgeon::ReadDoc + automerge::ReadDoc>(doc: &R) -> Result<Self, DocumentError> {
        read_document(doc, KIND, SCHEMA)
    }

    /// Alerts listed for this person that they have not acknowledged on this phone.
    pub fn unacknowledged_alerts(&self) -> impl Iterator<Item = (&String, &HomeAlert)> {
        self.alerts.iter().filter(|(id, _)| !self.acknowledged.contains_key(*id))
    }

    /// Receipts in `self` that `before` did not have.
    pub fn new_receipts<'a>(&'a self, before: Option<&Home>) -> Vec<(&'a str, &'a AlertReceipt)> {
        self.acknowledged
            .iter()
            .filter(|(id, _)| before.is_none_or(|b| !b.acknowledged.contains_key(*id)))
            .map(|(id, r)| (id.as_str(), r))
            .collect()
    }
}
