//! 当前: the duty desk's board — who is on duty in every unit, open incidents with their reporting clocks,
//! instructions awaiting acknowledgement, and alerts escalating. Each part is live: the page's script
//! swaps it in again when the server says something changed. Every part reads what the API answers the
//! signed-in person (an administrator sees only their own unit's roster and what is addressed to them).

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
pub use on_duty::units_in_order;

pub async fn board(State(state): State<AppState>, desk: Desk) -> Result<Response, Failure> {
    let now = state.hub.now_millis();
    let on_duty = on_duty::section(&state, &desk, now).await;
    let incidents = incidents::section(&state, &desk, now).await?;
    let instructions = instructions::section(&state, &desk, now).await?;
    let alerts = alerts::section(&state, &desk, now).await?;
    // The last handover of the person's own unit, from its duty log, if that log is theirs to read.
    let own = &desk.principal.unit;
    let handover = if super::log::may_read_log_of(&state, &desk, own) {
        Some(super::log::latest_handover(&state, &desk, own).await?)
    } else {
        None
    };
    let directory = state.hub.office().directory();
    let body = html! {
        @if !desk.sees_everything() {
            p.summary.part {
                "本页只列出您有权查看的值班表、突发事件、领导批示和提醒，与手机应用和接口所见相同；"
                "全部单位的值班情况、值班抽查和事件分析仅供值班室人员和带班领导查看。"
                "各单位及人员的联系方式见" a href="/directory" { "通讯录" } "。"
            }
        }
        p.clock #as-of data-live { "截至 " (format::long(now)) "（北京时间）" }
        div.board.now {
            div.column {
                (on_duty)
                @if let Some(handover) = &handover { (super::log::handover_note(&directory, handover.as_ref())) }
            }
            div.column { (incidents) (instructions) (alerts) }
        }
    };
    Ok(page(&desk, "/now", "当前值班", now, body).into_response())
}
