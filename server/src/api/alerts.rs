//! The desk's view of alerts: per alert, who was called when, who acknowledged when, what is overdue.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::Caller;
use super::error::ApiResult;
use super::time;
use crate::AppState;
use crate::db::alerts::desk::{self, Shown};

#[derive(Serialize, ToSchema)]
pub struct Call {
    pub person: String,
    /// The step of the chain (0 first) and the round within it.
    pub step: i64,
    pub round: i64,
    pub called_at: String,
    /// Devices whose push service took the push.
    pub pushed: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RecipientEscalation {
    pub recipient: String,
    /// When the next call is due; none once acknowledged or the chain has ended.
    pub next_call_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    /// When the acknowledgement was made, by the phone's clock (it may reach the server much later).
    pub acknowledged_on_device_at: Option<String>,
    /// Nobody acknowledged and the chain has run out.
    pub overdue: bool,
    pub calls: Vec<Call>,
}

#[derive(Serialize, ToSchema)]
pub struct AlertView {
    pub alert: String,
    pub kind: String,
    pub document: Option<String>,
    pub title_class: String,
    pub urgency: String,
    pub raised_at: String,
    /// When the situation cleared (the report came, the feedback was given, the roster was filed), and how.
    pub resolved_at: Option<String>,
    pub resolution: Option<String>,
    pub recipients: Vec<RecipientEscalation>,
}

#[derive(Deserialize, IntoParams)]
pub struct AlertFilter {
    /// Only alerts still open: not resolved, with someone yet to acknowledge.
    #[serde(default)]
    pub open: bool,
    /// Only alerts of this kind: instruction, incident, report_due, feedback_due, roster_filing, early_warning.
    pub kind: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AlertList {
    pub alerts: Vec<AlertView>,
}

/// Alerts, newest first (at most 200), with each recipient's escalation and calls.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertFilter),
    responses((status = 200, body = AlertList)))]
pub async fn list(
    caller: Caller,
    State(state): State<AppState>,
    Query(filter): Query<AlertFilter>,
) -> ApiResult<AlertList> {
    let database = &state.hub.office().database;
    let visible = caller.visible(&state).await?;
    let now = state.hub.now_millis();
    let Shown { alerts, escalations, calls } = desk::newest(database, filter.kind.as_deref()).await?;
    let alerts = alerts
        .into_iter()
        .filter(|alert| match (&visible, &alert.document) {
            (None, _) => true,
            (Some(v), Some(d)) => v.contains(d),
            (Some(_), None) => false,
        })
        .map(|alert| AlertView {
            recipients: escalations
                .iter()
                .filter(|r| r.alert == alert.alert)
                .map(|r| RecipientEscalation {
                    recipient: r.recipient.clone(),
                    next_call_at: r.next_at.map(time::text),
                    acknowledged_at: r.acknowledged_at.map(time::text),
                    acknowledged_by: r.acknowledged_by.clone(),
                    acknowledged_on_device_at: r.acknowledged_on_device_at.map(time::text),
                    overdue: alert.resolved_at.is_none()
                        && r.acknowledged_at.is_none()
                        && r.exhausted_at.is_some_and(|t| t <= now),
                    calls: calls
                        .iter()
                        .filter(|c| c.alert == alert.alert && c.recipient == r.recipient)
                        .map(|c| Call {
                            person: c.person.clone(),
                            step: c.step,
                            round: c.round,
                            called_at: time::text(c.called_at),
                            pushed: c.pushed,
                        })
                        .collect(),
                })
                .collect(),
            document: alert.document.map(|d| super::url(&d)),
            alert: alert.alert,
            kind: alert.kind,
            title_class: alert.title_class,
            urgency: alert.urgency,
            raised_at: time::text(alert.raised_at),
            resolved_at: alert.resolved_at.map(time::text),
            resolution: alert.resolution,
        })
        .filter(|a| {
            !filter.open || (a.resolved_at.is_none() && a.recipients.iter().any(|r| r.acknowledged_at.is_none()))
        })
        .collect();
    Ok(Json(AlertList { alerts }))
}
