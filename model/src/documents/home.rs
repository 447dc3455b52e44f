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

use automerge::ROOT;
use automerge::transaction::Transactable;
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

/// Puts the entries of `after` that `before` lacks or holds differently, and deletes those `after` lacks.
fn write_map_changes<T: Transactable + autosurgeon::Doc, V: Reconcile + PartialEq>(
    tx: &mut T,
    map: &automerge::ObjId,
    before: &BTreeMap<String, V>,
    after: &BTreeMap<String, V>,
) -> Result<(), autosurgeon::ReconcileError> {
    for (key, value) in after {
        if before.get(key) != Some(value) {
            autosurgeon::reconcile_prop(tx, map, key.as_str(), value)?;
        }
    }
    for key in before.keys().filter(|key| !after.contains_key(*key)) {
        Transactable::delete(tx, map, key.as_str())?;
    }
    Ok(())
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

    /// Writes into `tx` what differs between `before` (what the document holds) and `self`, entry by entry:
    /// the server adds one document or one alert to a home at a time, and reconciling the whole home each
    /// time cost as much as the home is long (a desk's lists thousands of incidents).
    pub fn write_changes<T: Transactable + autosurgeon::Doc>(
        &self,
        before: &Home,
        tx: &mut T,
    ) -> Result<(), autosurgeon::ReconcileError> {
        let same_header = self.kind == before.kind && self.schema == before.schema && self.person == before.person;
        let maps = (
            automerge::ReadDoc::get(tx, ROOT, "documents"),
            automerge::ReadDoc::get(tx, ROOT, "alerts"),
            automerge::ReadDoc::get(tx, ROOT, "acknowledged"),
        );
        let (Ok(Some((_, documents))), Ok(Some((_, alerts))), Ok(Some((_, acknowledged)))) = maps else {
            // A home written before one of its lists existed: written whole, once.
            return autosurgeon::reconcile(tx, self);
        };
        if !same_header {
            return autosurgeon::reconcile(tx, self);
        }
        write_map_changes(tx, &documents, &before.documents, &self.documents)?;
        write_map_changes(tx, &alerts, &before.alerts, &self.alerts)?;
        write_map_changes(tx, &acknowledged, &before.acknowledged, &self.acknowledged)
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

#[cfg(test)]
mod tests {
    use automerge::Automerge;

    use super::*;

    fn alert(kind: &str) -> HomeAlert {
        HomeAlert {
            kind: kind.into(),
            document: None,
            title_class: "instruction".into(),
            urgency: "high".into(),
            called_at: "2026-10-01T08:00:00+08:00".into(),
        }
    }

    #[test]
    fn changes_written_entry_by_entry_read_back_as_the_whole_home() {
        let mut before = Home::new("wang");
        before.documents.insert("a".into(), HomeEntry { kind: "incident".into() });
        before.documents.insert("b".into(), HomeEntry { kind: "roster".into() });
        before.alerts.insert("alert-1".into(), alert("incident"));
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        autosurgeon::reconcile(&mut tx, &before).expect("the home written whole");
        tx.commit();

        let mut after = before.clone();
        after.documents.remove("a");
        after.documents.insert("c".into(), HomeEntry { kind: "instruction".into() });
        after.documents.insert("b".into(), HomeEntry { kind: "duty_log".into() });
        after.alerts.insert("alert-2".into(), alert("instruction"));
        after.alerts.remove("alert-1");
        let mut tx = doc.transaction();
        after.write_changes(&before, &mut tx).expect("the changes written");
        tx.commit();
        let read: Home = autosurgeon::hydrate(&doc).expect("read back");
        assert_eq!(read, after);
    }
}
