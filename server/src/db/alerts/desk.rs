//! The desk's view of alerts: the newest alerts, each recipient's escalation and every call made.

use crate::db::Database;
use crate::on_conn;

/// An alert as the desk sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub alert: String,
    pub kind: String,
    pub document: Option<String>,
    pub title_class: String,
    pub urgency: String,
    pub raised_at: i64,
    pub resolved_at: Option<i64>,
    pub resolution: Option<String>,
}

/// One recipient's escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub alert: String,
    pub recipient: String,
    pub next_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub exhausted_at: Option<i64>,
    pub acknowledged_on_device_at: Option<i64>,
}

/// One call made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub alert: String,
    pub recipient: String,
    pub person: String,
    pub step: i64,
    pub round: i64,
    pub called_at: i64,
    pub pushed: i64,
}

/// The newest alerts shown, of `kind` (`None`: every kind), with their escalations and calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    /// Newest first.
    pub alerts: Vec<Alert>,
    /// By recipient.
    pub escalations: Vec<Escalation>,
    /// By when they were made, then by person.
    pub calls: Vec<Call>,
}

// Each query selects from the same newest alerts (`$1`: a kind, or '' for every kind).
const ALERTS: &str = "SELECT alert_id, kind, document_id, title_class, urgency, raised_at, resolved_at, resolution \
    FROM alerts WHERE alert_id IN \
    (SELECT alert_id FROM alerts WHERE ($1 = '' OR kind = $1) ORDER BY raised_at DESC LIMIT 200) \
    ORDER BY raised_at DESC";
const ESCALATIONS: &str = "SELECT alert_id, recipient, next_at, acknowledged_at, acknowledged_by, exhausted_at, \
    acknowledged_on_device_at FROM alert_recipients WHERE alert_id IN \
    (SELECT alert_id FROM alerts WHERE ($1 = '' OR kind = $1) ORDER BY raised_at DESC LIMIT 200) \
    ORDER BY recipient";
const CALLS: &str = "SELECT alert_id, recipient, person, step, round, called_at, pushed FROM alert_calls \
    WHERE alert_id IN \
    (SELECT alert_id FROM alerts WHERE ($1 = '' OR kind = $1) ORDER BY raised_at DESC LIMIT 200) \
    ORDER BY called_at, person";

type AlertRow = (String, String, Option<String>, String, String, i64, Option<i64>, Option<String>);
type EscalationRow = (String, String, Option<i64>, Option<i64>, Option<String>, Option<i64>, Option<i64>);
type CallRow = (String, String, String, i64, i64, i64, i64);
type Rows = (Vec<AlertRow>, Vec<EscalationRow>, Vec<CallRow>);

/// The newest 200 alerts of `kind` (every kind when `None`), with their escalations and calls.
pub async fn newest(database: &Database, kind: Option<&str>) -> Result<Shown, sqlx::Error> {
    let kind = kind.unwrap_or_default();
    let mut pooled = database.acquire().await?;
    let (alerts, escalations, calls): Rows = on_conn!(pooled.conn(), c => {(
        sqlx::query_as(ALERTS).bind(kind).fetch_all(&mut *c).await?,
        sqlx::query_as(ESCALATIONS).bind(kind).fetch_all(&mut *c).await?,
        sqlx::query_as(CALLS).bind(kind).fetch_all(&mut *c).await?,
    )});
    Ok(Shown {
        alerts: alerts
            .into_iter()
            .map(|(alert, kind, document, title_class, urgency, raised_at, resolved_at, resolution)| Alert {
                alert,
                kind,
                document,
                title_class,
                urgency,
                raised_at,
                resolved_at,
                resolution,
            })
            .collect(),
        escalations: escalations
            .into_iter()
            .map(|(alert, recipient, next_at, acknowledged_at, acknowledged_by, exhausted_at, on_device)| Escalation {
                alert,
                recipient,
                next_at,
                acknowledged_at,
                acknowledged_by,
                exhausted_at,
                acknowledged_on_device_at: on_device,
            })
            .collect(),
        calls: calls
            .into_iter()
            .map(|(alert, recipient, person, step, round, called_at, pushed)| Call {
                alert,
                recipient,
                person,
                step,
                round,
                called_at,
                pushed,
            })
            .collect(),
    })
}
