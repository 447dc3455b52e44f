//! Live pages: `/live` tells a signed-in console over Server-Sent Events when a stored document changed,
//! by kind only (never content), and the page's script (`console.js`, served from the binary) fetches the
//! page again and swaps in its live parts. A burst of changes (a fan-out writes a thousand homes) is sent
//! as one event.
//!
//! A page hears only of documents its person may see, by the check the API makes before answering for a
//! document (`Caller::check`: the document's stored audience, `Audience::includes`): an administrator's page
//! is not told an incident changed, nobody's page that someone else's home did. Who is called or has
//! answered (`alerts`, which names no document) is told to the desk and leaders, the only ones the alert
//! board shows every alert to; a watcher that fell behind is told to read everything again, which names
//! nothing either. The stream ends once its session does (signed out, expired, the device revoked, the
//! person's unit or roles changed): the page's script then finds it must sign in again.

use std::collections::{BTreeSet, HashSet};
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;
use zhiban_model::DocumentId;

use super::session::{Desk, SESSION_COOKIE, cookie};
use crate::AppState;
use crate::accounts::AuthError;
use crate::api::caller::Caller;
use crate::sync::Changed;

const SCRIPT: &str = include_str!("console.js");

/// How long changes are gathered into one event.
const GATHER: Duration = Duration::from_millis(250);

/// Told when the watcher fell behind and missed changes: every part may be stale.
const EVERYTHING: &str = "everything";

pub async fn script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], SCRIPT)
}

/// What a page heard in one gathering: the changes, and whether some were missed.
#[derive(Default)]
struct Heard {
    changes: Vec<Changed>,
    missed: bool,
}

impl Heard {
    /// Takes one answer of the watch; `false` once the watch has closed.
    fn take(&mut self, answer: Result<Changed, RecvError>) -> bool {
        match answer {
            Ok(changed) => self.changes.push(changed),
            Err(RecvError::Lagged(_)) => self.missed = true,
            Err(RecvError::Closed) => return false,
        }
        true
    }
}

/// `event: changed`, with data `{"kinds": [...], "now": <server ms>}` (the server's clock, which the page's
/// reporting clocks count from), sent only when something the person may see changed.
pub async fn events(
    State(state): State<AppState>,
    desk: Desk,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let changes = state.hub.watch();
    let watcher = Watcher { caller: desk.caller(), session: cookie(&headers, SESSION_COOKIE).unwrap_or_default() };
    let stream = futures_util::stream::unfold((changes, state, watcher), |(mut changes, state, watcher)| async move {
        loop {
            let mut heard = Heard::default();
            if !heard.take(changes.recv().await) {
                return None;
            }
            let gathering = tokio::time::sleep(GATHER);
            tokio::pin!(gathering);
            let mut open = true;
            while open {
                tokio::select! {
                    _ = &mut gathering => break,
                    more = changes.recv() => open = heard.take(more),
                }
            }
            let kinds = audible(&state, &watcher.caller, heard).await;
            if kinds.is_empty() {
                if !open {
                    return None;
                }
                continue;
            }
            if !watcher.still_signed_in(&state).await {
                return None;
            }
            let data = serde_json::json!({ "kinds": kinds, "now": state.hub.now_millis() });
            return Some((Ok(Event::default().event("changed").data(data.to_string())), (changes, state, watcher)));
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Who a stream is for: the person as the API's caller, and their session.
struct Watcher {
    caller: Caller,
    session: String,
}

impl Watcher {
    /// Whether the session the stream was opened with still stands, for the same person with the same
    /// rights. A database that does not answer is not a reason to end it: the next event asks again.
    async fn still_signed_in(&self, state: &AppState) -> bool {
        match state.accounts.console_session(&self.session).await {
            Ok(session) => session.principal == self.caller.principal,
            Err(AuthError::Database(_)) => true,
            Err(_) => false,
        }
    }
}

/// The kinds of what was heard that `caller` may be told of.
async fn audible(state: &AppState, caller: &Caller, heard: Heard) -> BTreeSet<&'static str> {
    let mut kinds = BTreeSet::new();
    if heard.missed {
        // The page reads itself whole again, as the person it is for: nothing more to tell or look up.
        kinds.insert(EVERYTHING);
        return kinds;
    }
    let mut checked: HashSet<DocumentId> = HashSet::new();
    for changed in heard.changes {
        // One document of a kind the page may see is enough to tell it of the kind.
        if kinds.contains(changed.kind) {
            continue;
        }
        let told = match changed.document {
            None => caller.viewer.sees_everything(),
            Some(id) => checked.insert(id) && may_see(state, caller, id, changed.kind).await,
        };
        if told {
            kinds.insert(changed.kind);
        }
    }
    kinds
}

/// Whether `caller` may see document `id` of `kind`, as the API judges it.
async fn may_see(state: &AppState, caller: &Caller, id: DocumentId, kind: &str) -> bool {
    // The desk and leaders see every document of the office's kinds (the directory is everyone's): asking the
    // database would answer the same. A home (someone's own) or a document of no known kind (an
    // administrator's plain document, another server's change) is looked up.
    if caller.viewer.sees_everything() && !matches!(kind, "home" | "document") {
        return true;
    }
    match caller.check(state, id, kind).await {
        Ok(()) => true,
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => false,
        Err(e) => {
            // Not told, rather than told of what may not be theirs; the page still reads on reload.
            tracing::warn!(document = %id, error = %e.reason, "cannot tell who may see a changed document");
            false
        }
    }
}
