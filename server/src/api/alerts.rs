//! The desk's view of alerts: per alert, who was called when, who acknowledged when, what is overdue.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::Caller;
use super::error::ApiResult;
use super::time;
use crate::AppState;
use crate::on_database;

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

type AlertRow = (String, String, Option<String>, String, String, i64, Option<i64>, Option<String>);
type RecipientRow = (String, String, Option<i64>, Option<i64>, Option<String>, Option<i64>, Option<i64>);

/// The newest alerts the desk is shown (of the kind asked for, if one is), for selecting their recipients
/// and calls too.
macro_rules! shown {
    () => {
        "(SELECT alert_id FROM alerts WHERE ($1 = '' OR kind = $1) ORDER BY raised_at DESC LIMIT 200)"
    };
}
type CallRow = (String, String, String, i64, i64, i64, i64);

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
    let kind = filter.kind.clone().unwrap_or_default();
    let (alerts, recipients, calls): (Vec<AlertRow>, Vec<RecipientRow>, Vec<CallRow>) = on_database!(database, pool => {(
        sqlx::query_as(concat!("SELECT alert_id, kind, document_id, title_class, urgency, raised_at, resolved_at, \
                                resolution FROM alerts WHERE alert_id IN ", shown!(), " ORDER BY raised_at DESC"))
            .bind(&kind).fetch_all(pool).await?,
        sqlx::query_as(concat!("SELECT alert_id, recipient, next_at, acknowledged_at, acknowledged_by, exhausted_at, \
                                acknowledged_on_device_at FROM alert_recipients WHERE alert_id IN ", shown!(), " ORDER BY recipient"))
            .bind(&kind).fetch_all(pool).await?,
        sqlx::query_as(concat!("SELECT alert_id, recipient, person, step, round, called_at, pushed FROM alert_calls \
                                WHERE alert_id IN ", shown!(), " ORDER BY called_at, person"))
            .bind(&kind).fetch_all(pool).await?,
    )});
    let alerts = alerts
        .into_iter()
        .filter(|(_, _, document, ..)| match (&visible, document) {
            (None, _) => true,
            (Some(v), Some(d)) => v.contains(d),
            (Some(_), None) => false,
        })
        .map(|(alert, kind, document, title_class, urgency, raised_at, resolved_at, resolution)| AlertView {
            recipients: recipients
                .iter()
                .filter(|r| r.0 == alert)
                .map(|(_, recipient, next_at, acked_at, acked_by, exhausted_at, on_device)| RecipientEscalation {
                    recipient: recipient.clone(),
                    next_call_at: next_at.map(time::text),
                    acknowledged_at: acked_at.map(time::text),
                    acknowledged_by: acked_by.clone(),
                    acknowledged_on_device_at: on_device.map(time::text),
                    overdue: resolved_at.is_none() && acked_at.is_none() && exhausted_at.is_some_and(|t| t <= now),
                    calls: calls
                        .iter()
                        .filter(|c| c.0 == alert && &c.1 == recipient)
                        .map(|(_, _, person, step, round, called_at, pushed)| Call {
                            person: person.clone(),
                            step: *step,
                            round: *round,
                            called_at: time::text(*called_at),
                            pushed: *pushed,
                        })
                        .collect(),
                })
                .collect(),
            document: document.map(|d| super::url(&d)),
            alert,
            kind,
            title_class,
            urgency,
            raised_at: time::text(raised_at),
            resolved_at: resolved_at.map(time::text),
            resolution,
        })
        .filter(|a| {
            !filter.open || (a.resolved_at.is_none() && a.recipients.iter().any(|r| r.acknowledged_at.is_none()))
        })
        .collect();
    Ok(Json(AlertList { alerts }))
}
