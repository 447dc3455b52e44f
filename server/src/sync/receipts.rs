//! The change log's lines for what one message brought: each new change with its actor, its claimed time and
//! who delivered it, and the paths the message touched (one diff per message, shared by its changes).
//!
//! Which changes are the server's own is known from what was delivered, never from the actor id a change
//! carries: a phone could name any actor, the server's among them (the hub refuses that before storing).

use std::collections::BTreeSet;

use automerge::PatchAction;
use automerge::{Automerge, ChangeHash, Prop};

use crate::accounts::Principal;
use crate::db::change_log::SERVER_DEVICE;
use crate::store::ChangeReceipt;

/// Who brought the new changes of a document.
pub enum Delivery<'a> {
    /// The server wrote them all itself: a home, the directory from the command line.
    Server,
    /// A signed-in person's device delivered `changes`; any other new change is the server's own, written
    /// on top (an instruction's ledger number, receipt times).
    Person { by: &'a Principal, changes: &'a BTreeSet<ChangeHash> },
}

/// Paths are cut to this depth (`entries/e2`, not every field inside the new entry).
const PATH_DEPTH: usize = 3;
/// At most this many paths per message.
const MAX_PATHS: usize = 32;

pub fn receipts(
    doc: &Automerge,
    before: &[ChangeHash],
    delivery: Delivery<'_>,
    received_at: i64,
) -> Vec<ChangeReceipt> {
    let touched = touched_paths(doc, before);
    doc.get_changes(before)
        .iter()
        .map(|change| {
            let delivered_by = match &delivery {
                Delivery::Person { by, changes } if changes.contains(&change.hash()) => Some(*by),
                _ => None,
            };
            ChangeReceipt {
                change_hash: change.hash().to_string(),
                actor: change.actor_id().to_hex_string(),
                seq: change.seq() as i64,
                claimed_at: change.timestamp(),
                received_at,
                username: delivered_by.map(|p| p.username.clone()),
                device_id: Some(delivered_by.map_or_else(|| SERVER_DEVICE.to_owned(), |p| p.device_id.clone())),
                touched: touched.clone(),
            }
        })
        .collect()
}

fn touched_paths(doc: &Automerge, before: &[ChangeHash]) -> String {
    let after = doc.get_heads();
    let mut paths = BTreeSet::new();
    for patch in doc.diff(before, &after) {
        let mut parts: Vec<String> = patch.path.iter().map(|(_, prop)| prop_text(prop)).collect();
        match &patch.action {
            PatchAction::PutMap { key, .. } => parts.push(key.clone()),
            PatchAction::DeleteMap { key } => parts.push(key.clone()),
            _ => {}
        }
        parts.truncate(PATH_DEPTH);
        if !parts.is_empty() {
            paths.insert(parts.join("/"));
        }
        if paths.len() >= MAX_PATHS {
            break;
        }
    }
    paths.into_iter().collect::<Vec<_>>().join(",")
}

fn prop_text(prop: &Prop) -> String {
    match prop {
        Prop::Map(key) => key.clone(),
        Prop::Seq(index) => index.to_string(),
    }
}
