//! The duty desk's console: web pages in Chinese served by the server itself, for the people who run the
//! office at their desks and on the duty room's wall screen. Server-rendered HTML (maud), a stylesheet served
//! from the binary, no script needed to read a page. Signed in with the same accounts as the phones
//! (`session.rs`); every form carries the session's CSRF token.
//!
//! Every page reads what the API would answer the signed-in person: through the API's own handlers with
//! them as the caller (`Desk::caller`), or the same checks (`Caller::check`, `visible`, `sees_rosters_of`,
//! `Hub::read_as`), never more. The desk and leaders see every unit's records; an administrator sees what
//! the access rules give them (the directory, their own unit's roster and log, what is addressed to them),
//! and the pages the API answers no one else (spot checks, the analysis) are not in their header.
//!
//! - `/signin`, `/signout`: `signin.rs`
//! - `/now`: the board: who is on duty in every unit, open incidents, instructions awaiting
//!   acknowledgement, alerts escalating (`now/`)
//! - `/incidents…`: incident pages and their lifecycle actions (`incidents/`)
//! - `/instructions…`: the instructions ledger (`instructions/`)
//! - `/rosters…`, `/rounds…`: rosters as calendar grids, filing rounds (`rosters/`)
//! - `/checks…`: spot checks of the duty rooms (`checks/`)
//! - `/log…`: the duty log and shift handovers (`log/`)
//! - `/publications…`, `/scores/…`: publications and unit scores (`publications.rs`)
//! - `/analysis`: incident trends, frequency, compound risks, early warnings (`analysis.rs`)
//! - `/directory`: units and people with their phones (`directory.rs`)
//! - `/live`: Server-Sent Events telling a page to refresh its live parts, for the documents its person
//!   may see (`live.rs`, `console.js`)
//!
//! Shared: `layout.rs` (page shell), `format.rs` (times and names as the office writes them), `fields.rs`
//! (a field's problem by the field), `edits.rs` (a change in the officer's name, a record added to its document or a new one, the outcome),
//! `failure.rs` (error pages), `session.rs` (who is signed in, CSRF), `csp.rs` (the Content Security Policy
//! of every page: no inline script or style, in no frame).

mod analysis;
mod checks;
pub(crate) mod csp;
mod directory;
mod edits;
mod failure;
mod fields;
mod format;
mod incidents;
mod instructions;
mod layout;
mod live;
mod log;
mod now;
mod publications;
mod rosters;
mod session;
mod signin;

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::AppState;

pub use session::Desk;

pub fn routes() -> Router<AppState> {
    let routes = Router::new()
        .merge(incidents::routes())
        .merge(instructions::routes())
        .merge(rosters::routes())
        .merge(publications::routes())
        .merge(checks::routes())
        .merge(log::routes())
        .merge(analysis::routes())
        .merge(directory::routes())
        .route("/", get(home))
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signout", axum::routing::post(signin::sign_out))
        .route("/now", get(now::board))
        .route("/live", get(live::events))
        .route("/console.css", get(layout::stylesheet))
        .route("/console.js", get(live::script));
    // Routes that need another policy set their own (a publication, an attachment's bytes).
    csp::apply(routes, csp::CONSOLE)
}

/// The console's front door: the board for someone signed in, else the sign-in form.
async fn home(desk: Option<Desk>) -> Response {
    match desk {
        Some(_) => Redirect::to("/now").into_response(),
        None => Redirect::to("/signin").into_response(),
    }
}
