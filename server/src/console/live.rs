//! Live pages: `/live` tells a signed-in console over Server-Sent Events when a stored document changed,
//! by kind only (never content), and the page's script (`console.js`, served from the binary) fetches the
//! page again and swaps in its live parts. A burst of changes (a fan-out writes a thousand homes) is sent
//! as one event.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::session::Desk;
use crate::AppState;

const SCRIPT: &str = include_str!("console.js");

/// How long changes are gathered into one event.
const GATHER: Duration = Duration::from_millis(250);

pub async fn script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], SCRIPT)
}

/// `event: changed`, with data `{"kinds": [...], "now": <server ms>}` (the server's clock, which the page's
/// reporting clocks count from).
pub async fn events(State(state): State<AppState>, _desk: Desk) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let changes = state.hub.watch();
    let stream = futures_util::stream::unfold((changes, state), |(mut changes, state)| async move {
        let mut kinds = BTreeSet::new();
        match changes.recv().await {
            Ok(changed) => kinds.insert(changed.kind),
            Err(RecvError::Lagged(_)) => kinds.insert("everything"),
            Err(RecvError::Closed) => return None,
        };
        let gathering = tokio::time::sleep(GATHER);
        tokio::pin!(gathering);
        loop {
            tokio::select! {
                _ = &mut gathering => break,
                more = changes.recv() => match more {
                    Ok(changed) => { kinds.insert(changed.kind); }
                    Err(RecvError::Lagged(_)) => { kinds.insert("everything"); }
                    Err(RecvError::Closed) => break,
                },
            }
        }
        let data = serde_json::json!({ "kinds": kinds, "now": state.hub.now_millis() });
        Some((Ok(Event::default().event("changed").data(data.to_string())), (changes, state)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
