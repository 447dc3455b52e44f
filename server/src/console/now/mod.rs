//! 当前: the duty desk's board — who is on duty in every unit, open incidents with their reporting clocks,
//! instructions awaiting acknowledgement, and alerts escalating. Each part is live: the page's script
//! swaps it in again when the server says something changed.

mod alerts;
mod incidents;
mod instructions;
mod on_duty;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::failure::Failure;
use super::format;
use super::layout::page;
use super::session::Desk;
use crate::AppState;

pub use incidents::open_incidents;
pub use instructions::{excerpt, instruction, open_instructions};

pub async fn board(State(state): State<AppState>, desk: Desk) -> Result<Response, Failure> {
    let now = state.hub.now_millis();
    let on_duty = on_duty::section(&state, now).await;
    let incidents = incidents::section(&state, &desk, now).await?;
    let instructions = instructions::section(&state, &desk, now).await?;
    let alerts = alerts::section(&state, &desk, now).await?;
    let handover = super::log::latest_handover(&state, &desk.principal.unit).await?;
    let directory = state.hub.office().directory();
    let body = html! {
        p.clock #as-of data-live { "截至 " (format::long(now)) "（北京时间）" }
        div.board.now {
            div.column { (on_duty) (super::log::handover_note(&directory, handover.as_ref())) }
            div.column { (incidents) (instructions) (alerts) }
        }
    };
    Ok(page(&desk, "/now", "当前值班", now, body).into_response())
}
