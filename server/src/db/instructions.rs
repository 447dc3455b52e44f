//! Leaders' instructions as projected, read: `instructions` (one row per instruction document), their
//! recipients (`instruction_recipients`) and the acknowledgements signed (`acknowledgements`).
//! `db::projection::instructions` writes them; the API, the publications, the scores and the demo read them
//! here.

use std::sync::LazyLock;

use crate::db::Database;
use crate::on_conn;

/// An instruction's row, with how many of its recipients were not relayed to in time.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Instruction {
    pub document_id: String,
    /// `2027-014`, once the server has given it its place in the ledger.
    pub number: Option<String>,
    pub leader: String,
    pub issued_at: i64,
    pub issued_at_text: String,
    pub text: String,
    /// The `automerge:` URL of the incident it was written on.
    pub incident: Option<String>,
    pub status: String,
    pub relay_due_at: i64,
    pub feedback_due_at: i64,
    /// 0 or 1: the feedback deadline falls in a year whose holiday calendar is not loaded.
    pub feedback_due_provisional: i64,
    pub recipient_count: i64,
    pub acknowledged_count: i64,
    pub fed_back_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// Recipients not relayed to by the relay deadline (or at all).
    pub late_relays: i64,
}

// Every read of an instruction selects this, so every reader gets the same shape.
const SELECT: &str = "SELECT i.*, (SELECT COUNT(*) FROM instruction_recipients r WHERE r.document_id = i.document_id \
     AND (r.relayed_at IS NULL OR r.relayed_at > i.relay_due_at)) AS late_relays FROM instructions i";

static ONE: LazyLock<String> = LazyLock::new(|| format!("{SELECT} WHERE i.document_id = $1"));

/// What the desk's list filters instructions by; `None` lets all through.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    /// issued, relayed, acknowledged, fed_back or closed.
    pub status: Option<&'a str>,
    /// Only those sent to this unit or person (as a recipient, not through a unit above it).
    pub recipient: Option<&'a str>,
}

/// The newest 1000 instructions `filter` lets through, newest issued first.
pub async fn listed(database: &Database, filter: &Filter<'_>) -> Result<Vec<Instruction>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        let mut q = sqlx::QueryBuilder::new(SELECT);
        q.push(" WHERE 1 = 1");
        if let Some(status) = filter.status {
            q.push(" AND i.status = ").push_bind(status);
        }
        if let Some(recipient) = filter.recipient {
            q.push(" AND EXISTS (SELECT 1 FROM instruction_recipients r WHERE r.document_id = i.document_id AND r.recipient_id = ")
                .push_bind(recipient)
                .push(")");
        }
        q.push(" ORDER BY i.issued_at DESC, i.document_id LIMIT 1000");
        q.build_query_as().fetch_all(c).await
    })
}

/// Instruction `id` (a document id); `None` when no such instruction is projected.
pub async fn one(database: &Database, id: &str) -> Result<Option<Instruction>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(ONE.as_str()).bind(id).fetch_optional(c).await
    })
}

/// A recipient of an instruction: a unit or a person.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Recipient {
    pub document_id: String,
    pub recipient_id: String,
    /// unit or person.
    pub kind: String,
    pub relayed_at: Option<i64>,
    /// 0 or 1.
    pub acknowledged: i64,
}

/// An acknowledgement signed for a recipient by one of its people.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Acknowledgement {
    pub document_id: String,
    pub recipient_id: String,
    pub person_id: String,
    pub device: String,
    /// By the phone's clock.
    pub acknowledged_at: i64,
    pub acknowledged_at_text: String,
    /// When the server stored it.
    pub server_received_at: Option<i64>,
}

/// An instruction with its recipients (by id) and acknowledgements (in the order signed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub instruction: Instruction,
    pub recipients: Vec<Recipient>,
    pub acknowledgements: Vec<Acknowledgement>,
}

/// Instruction `id` with its recipients and acknowledgements; `None` when no such instruction is projected.
pub async fn detail(database: &Database, id: &str) -> Result<Option<Detail>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        let instruction: Option<Instruction> =
            sqlx::query_as(ONE.as_str()).bind(id).fetch_optional(&mut *c).await?;
        let Some(instruction) = instruction else { return Ok(None) };
        let recipients = sqlx::query_as("SELECT * FROM instruction_recipients WHERE document_id = $1 ORDER BY recipient_id")
            .bind(id)
            .fetch_all(&mut *c)
            .await?;
        let acknowledgements = sqlx::query_as("SELECT * FROM acknowledgements WHERE document_id = $1 ORDER BY acknowledged_at")
            .bind(id)
            .fetch_all(&mut *c)
            .await?;
        Ok(Some(Detail { instruction, recipients, acknowledgements }))
    })
}

/// The instructions written on incidents received with `from ≤ received_at < to`, in the order issued
/// (an instruction names its incident by `automerge:` URL).
pub async fn on_incidents_received_between(
    database: &Database,
    from: i64,
    to: i64,
) -> Result<Vec<Instruction>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE i.incident IN \
             (SELECT 'automerge:' || document_id FROM incidents WHERE received_at >= $1 AND received_at < $2) \
             ORDER BY i.issued_at, i.document_id"
        )))
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
    })
}

/// How the instructions of a period were handled, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Figures {
    pub issued: i64,
    /// Every recipient relayed to by the relay deadline.
    pub relayed_in_time: i64,
    /// Every recipient acknowledged (and there was one).
    pub fully_acknowledged: i64,
    pub fed_back: i64,
    pub fed_back_in_time: i64,
}

/// The instructions issued with `from ≤ issued_at < to`, counted by how they were handled.
pub async fn figures_issued_between(database: &Database, from: i64, to: i64) -> Result<Figures, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT COUNT(*) AS issued, \
             COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM instruction_recipients r WHERE r.document_id = i.document_id \
                 AND (r.relayed_at IS NULL OR r.relayed_at > i.relay_due_at))) AS relayed_in_time, \
             COUNT(*) FILTER (WHERE i.recipient_count > 0 AND i.acknowledged_count = i.recipient_count) AS fully_acknowledged, \
             COUNT(*) FILTER (WHERE i.fed_back_at IS NOT NULL) AS fed_back, \
             COUNT(*) FILTER (WHERE i.fed_back_at IS NOT NULL AND i.fed_back_at <= i.feedback_due_at) AS fed_back_in_time \
             FROM instructions i WHERE i.issued_at >= $1 AND i.issued_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(c)
        .await
    })
}

/// An instruction as a unit among its recipients received it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SentToUnit {
    pub document_id: String,
    /// The unit.
    pub recipient_id: String,
    pub issued_at: i64,
    pub number: Option<String>,
    pub text: String,
}

/// Every unit sent an instruction issued with `from ≤ issued_at < to`, once per instruction.
pub async fn sent_to_units_between(database: &Database, from: i64, to: i64) -> Result<Vec<SentToUnit>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT r.document_id, r.recipient_id, i.issued_at, i.number, i.text FROM instruction_recipients r \
             JOIN instructions i ON i.document_id = r.document_id \
             WHERE r.kind = 'unit' AND i.issued_at >= $1 AND i.issued_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
    })
}
