//! Keeping home documents current (see `homes`). A change that alters who a document is for adds it to, or
//! removes it from, the homes of the people concerned, as the server's own change; a person's home is
//! checked against every document's audience when it is first used after loading, which also repairs a
//! home a crash left behind.

use zhiban_model::DocumentId;
use zhiban_model::access::{Audience, Viewer};
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::home::{Home, HomeAlert, HomeEntry};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Weak;

use futures_util::StreamExt;

use tokio::sync::mpsc::UnboundedReceiver;

use super::hub::Hub;
use super::live_document::LiveDocument;
use super::receipts::{Delivery, receipts};
use crate::accounts::Accounts;
use crate::alerts;
use crate::db::audiences;
use crate::homes::{DocumentAudience, entries_for, home_document_id, listed_for};
use crate::store::{NewChunk, StoreError};

/// Homes written at once after one change: enough to fill the group commit's batches, few enough that the
/// database's connections are not all taken.
const HOMES_AT_ONCE: usize = 64;

impl alerts::lists::AlertLists for Hub {
    fn refresh(&self, people: Vec<String>) {
        self.refresh_alert_lists_of(people);
    }
}

/// Rewrites the alert lists of the people the hub is told of, until the hub is gone.
pub(super) async fn refresh_alert_lists(hub: Weak<Hub>, mut people: UnboundedReceiver<Vec<String>>) {
    while let Some(mut batch) = people.recv().await {
        // Take whatever else is waiting too, and do each person once.
        while let Ok(more) = people.try_recv() {
            batch.extend(more);
        }
        batch.sort();
        batch.dedup();
        let Some(hub) = hub.upgrade() else { return };
        let mut lists = match hub.open_alerts_of_each(&batch).await {
            Ok(lists) => lists,
            Err(e) => {
                tracing::warn!(people = batch.len(), error = %e, "cannot list the open alerts in homes");
                continue;
            }
        };
        let listed: Vec<(String, BTreeMap<String, HomeAlert>)> = batch
            .into_iter()
            .map(|person| {
                let list = lists.remove(&person).unwrap_or_default();
                (person, list)
            })
            .collect();
        futures_util::stream::iter(listed)
            .for_each_concurrent(HOMES_AT_ONCE, |(person, listed)| {
                let hub = hub.clone();
                async move {
                    if let Err(e) = hub.edit_home_if_made(&person, |h| h.alerts = listed).await {
                        tracing::warn!(%person, error = %e, "cannot list the open alerts in a home");
                    }
                }
            })
            .await;
        // Who is being called, or has answered, changed: the console's alert board follows.
        hub.tell_watchers(super::changed::Changed { document: None, kind: "alerts" });
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error("cannot read who may see what: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot store the home document: {0}")]
    Store(#[from] StoreError),
    #[error("cannot write the home document: {0}")]
    Write(String),
    #[error(transparent)]
    Alerts(#[from] crate::alerts::AlertError),
}

impl Hub {
    /// The id of `person`'s home document (made on first need, then remembered).
    pub async fn home_of(&self, person: &str) -> Result<DocumentId, sqlx::Error> {
        if let Some(id) = self.homes_known().get(person) {
            return Ok(*id);
        }
        let id = home_document_id(&self.office().database, person).await?;
        self.homes_known().insert(person.to_owned(), id);
        Ok(id)
    }

    /// Brings `viewer`'s home, loaded in `live`, in line with every document's audience and the alerts
    /// open for them.
    pub(super) async fn reconcile_home(&self, live: &mut LiveDocument, viewer: &Viewer) -> Result<(), HomeError> {
        let all = audiences::listable(&self.office().database).await?;
        let entries = entries_for(viewer, &all, &*self.office().directory());
        let listed = self.open_alerts_of(&viewer.person).await?;
        self.write_home(live, &viewer.person, |home| {
            home.documents = entries;
            home.alerts = listed;
        })
        .await?;
        live.home_reconciled = true;
        Ok(())
    }

    /// A stored change made document `id` for someone else (`before` → `after`): the homes of the people
    /// who gained or lost it follow. Homes not made yet are left: they are filled when first used. The
    /// people in `alert_lists_changed` have their lists of open alerts rewritten too: in the same write for
    /// those whose home gains or loses the document, soon after for the others.
    pub(super) async fn update_homes(
        &self,
        id: DocumentId,
        (before, after): (Option<&DocumentAudience>, Option<&DocumentAudience>),
        alert_lists_changed: Vec<String>,
    ) -> Result<(), HomeError> {
        if before == after || after.is_some_and(|a| matches!(a.audience, Audience::Person(_))) {
            self.refresh_alert_lists_of(alert_lists_changed);
            return Ok(());
        }
        let viewers = match Accounts::active_viewers(&self.office().database).await {
            Ok(viewers) => viewers,
            Err(e) => {
                self.refresh_alert_lists_of(alert_lists_changed);
                return Err(e.into());
            }
        };
        let mut alerts_left: BTreeSet<String> = alert_lists_changed.into_iter().collect();
        // Who, the document's kind if it is now in their home, and whether their alerts are listed anew:
        // owned, for the concurrent writes below.
        let concerned: Vec<(String, Option<String>, bool)> = {
            let directory = self.office().directory();
            viewers
                .into_iter()
                .filter_map(|viewer| {
                    let was = before.is_some_and(|a| listed_for(&viewer, a, &*directory));
                    let now = after.filter(|a| listed_for(&viewer, a, &*directory));
                    let kind_changed = now.is_some() && before.map(|b| &b.kind) != now.map(|a| &a.kind);
                    (was != now.is_some() || kind_changed).then(|| {
                        let alerts = alerts_left.remove(&viewer.person);
                        (viewer.person, now.map(|a| a.kind.clone()), alerts)
                    })
                })
                .collect()
        };
        self.refresh_alert_lists_of(alerts_left.into_iter().collect());
        // The alert lists of all of them in one query.
        let listing: Vec<String> = concerned.iter().filter(|(_, _, alerts)| *alerts).map(|(p, ..)| p.clone()).collect();
        let mut lists = match self.open_alerts_of_each(&listing).await {
            Ok(lists) => Some(lists),
            Err(e) => {
                // The document is listed now all the same; the alerts soon after.
                tracing::warn!(people = listing.len(), error = %e, "cannot list the open alerts in homes now");
                self.refresh_alert_lists_of(listing);
                None
            }
        };
        let concerned: Vec<_> = concerned
            .into_iter()
            .map(|(person, kind, alerts)| {
                let listed = lists.as_mut().filter(|_| alerts).map(|l| l.remove(&person).unwrap_or_default());
                (person, kind, listed)
            })
            .collect();
        let key = id.to_string();
        // Many homes at once, so their appends share the group commit's transactions: one after the other,
        // an instruction to a thousand people waited for a thousand disk syncs.
        let outcomes: Vec<Result<(), HomeError>> = futures_util::stream::iter(concerned)
            .map(|(person, kind, listed)| {
                let key = key.clone();
                async move {
                    self.edit_home_if_made(&person, |h| {
                        match kind {
                            Some(kind) => {
                                h.documents.insert(key, HomeEntry { kind });
                            }
                            None => {
                                h.documents.remove(&key);
                            }
                        }
                        if let Some(listed) = listed {
                            h.alerts = listed;
                        }
                    })
                    .await
                }
            })
            .buffer_unordered(HOMES_AT_ONCE)
            .collect()
            .await;
        outcomes.into_iter().collect()
    }

    /// Applies `edit` to `person`'s home, if it has been made: a home not made yet is filled when first used.
    async fn edit_home_if_made(&self, person: &str, edit: impl FnOnce(&mut Home)) -> Result<(), HomeError> {
        let home = self.home_of(person).await?;
        let slot = self.slot(home);
        let mut guard = slot.live.lock().await;
        let live = &mut *guard;
        live.ensure_loaded(self.store()).await?;
        if !live.exists() {
            return Ok(());
        }
        self.write_home(live, person, edit).await
    }

    /// Asks for the alert lists of `people`'s homes to be brought up to date, soon.
    pub fn refresh_alert_lists_of(&self, people: Vec<String>) {
        if !people.is_empty() {
            // Fails only when the hub is going away, and the homes with it.
            let _ = self.alert_lists.send(people);
        }
    }

    /// The open alerts `person`'s home lists now.
    async fn open_alerts_of(&self, person: &str) -> Result<BTreeMap<String, HomeAlert>, HomeError> {
        Ok(alerts::lists::open_for(&self.office().database, person, self.clock().now_millis()).await?)
    }

    /// The open alerts the homes of `people` list now (someone with none is left out).
    async fn open_alerts_of_each(
        &self,
        people: &[String],
    ) -> Result<HashMap<String, BTreeMap<String, HomeAlert>>, HomeError> {
        Ok(alerts::lists::open_for_each(&self.office().database, people, self.clock().now_millis()).await?)
    }

    /// Applies `edit` to the home in `live` as the server's own change, stores it, and sends it to the
    /// phones that have the home open.
    async fn write_home(
        &self,
        live: &mut LiveDocument,
        person: &str,
        edit: impl FnOnce(&mut Home),
    ) -> Result<(), HomeError> {
        let before = live.doc.get_heads();
        let current = match live.typed() {
            Ok(TypedDocument::Home(home)) => home.clone(),
            _ => Home::new(person),
        };
        let mut home = current.clone();
        edit(&mut home);
        if home == current && !before.is_empty() {
            return Ok(());
        }
        live.begin_unstored();
        live.doc.set_actor(self.actor().clone());
        let mut tx = live.doc.transaction();
        let written = if before.is_empty() {
            autosurgeon::reconcile(&mut tx, &home)
        } else {
            home.write_changes(&current, &mut tx)
        };
        if let Err(e) = written {
            tx.rollback();
            live.reset();
            return Err(HomeError::Write(e.to_string()));
        }
        tx.commit();
        let documents = home.documents.len();
        live.typed = Some(Ok(TypedDocument::Home(home)));
        let data = live.doc.save_after(&before);
        let now = self.clock().now_millis();
        let receipts = receipts(&live.doc, &before, Delivery::Server, now);
        let audience = Some(DocumentAudience { audience: Audience::Person(person.to_owned()), kind: "home".into() });
        let chunk = NewChunk { document_id: live.id, data, projection: None, receipts, audience };
        match self.committer().append(chunk).await {
            Ok(seq) => {
                live.stored.insert(seq);
            }
            Err(e) => {
                live.reset();
                return Err(e.into());
            }
        }
        live.end_unstored();
        tracing::debug!(%person, documents, "home document updated");
        live.send_sync_messages(self.peer_id());
        Ok(())
    }
}
