//! The scheduler's calls. A due call is claimed by one conditional update of its escalation, which moves
//! the escalation on and records the call in the same transaction: whichever server (or restart) claims it
//! makes it, nobody else can, and a claimed call survives a crash as a record not yet sent. Recorded calls are
//! then leased for sending, pushed, and marked sent.

use crate::db::Database;
use crate::on_conn;

/// An escalation whose next call is due, as read (the claim is conditional on it being still so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEscalation {
    pub alert: String,
    pub recipient: String,
    /// The frozen chain as stored.
    pub chain: String,
    pub step: i64,
    pub round: i64,
    pub next_at: i64,
}

type DueRow = (String, String, String, i64, i64, i64, String, Option<String>, String, String);

/// Escalations with a call due at `now`, the longest due first, at most `limit`.
pub async fn due(database: &Database, now: i64, limit: i64) -> Result<Vec<DueEscalation>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let rows: Vec<DueRow> = on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT r.alert_id, r.recipient, r.chain, r.step, r.round, r.next_at, a.kind, a.document_id, \
             a.title_class, a.urgency FROM alert_recipients r JOIN alerts a ON a.alert_id = r.alert_id \
             WHERE r.next_at IS NOT NULL AND r.next_at <= $1 ORDER BY r.next_at LIMIT $2",
        )
        .bind(now).bind(limit).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|(alert, recipient, chain, step, round, next_at, ..)| DueEscalation {
            alert,
            recipient,
            chain,
            step,
            round,
            next_at,
        })
        .collect())
}

/// A due call to claim: the escalation where it was read (`step`, `round`, `next_at`), where it moves to, and
/// the people this call calls.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    pub alert: &'a str,
    pub recipient: &'a str,
    pub step: i64,
    pub round: i64,
    pub next_at: i64,
    pub to_step: i64,
    pub to_round: i64,
    /// The call after this one; none when this is the chain's last.
    pub to_next_at: Option<i64>,
    /// When the chain is over with nobody answering, once this is its last call.
    pub exhausted_at: Option<i64>,
    pub people: Vec<String>,
}

/// Claims `claims` at `now`, in one transaction: each escalation still where it was read (and not
/// acknowledged) moves on, and its call is recorded to each of its people, not yet sent. Of two servers
/// claiming the same call, exactly one does. Returns the people called, once per call claimed here.
pub async fn claim(database: &Database, claims: &[Claim<'_>], now: i64) -> Result<Vec<String>, sqlx::Error> {
    if claims.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = database.begin().await?;
    let called = on_conn!(tx.conn(), c => {
        let mut called = Vec::new();
        for claim in claims {
            // Conditional on the escalation being where we read it: of two servers, one moves it.
            let won = sqlx::query(
                "UPDATE alert_recipients SET step = $1, round = $2, next_at = $3, exhausted_at = $4 \
                 WHERE alert_id = $5 AND recipient = $6 AND step = $7 AND round = $8 AND next_at = $9 \
                 AND acknowledged_at IS NULL",
            )
            .bind(claim.to_step).bind(claim.to_round).bind(claim.to_next_at).bind(claim.exhausted_at)
            .bind(claim.alert).bind(claim.recipient).bind(claim.step).bind(claim.round).bind(claim.next_at)
            .execute(&mut *c).await?.rows_affected() == 1;
            if !won {
                continue;
            }
            for person in &claim.people {
                sqlx::query(
                    "INSERT INTO alert_calls (alert_id, recipient, step, round, person, called_at, pushed, sent) \
                     VALUES ($1, $2, $3, $4, $5, $6, 0, FALSE) ON CONFLICT DO NOTHING",
                )
                .bind(claim.alert).bind(claim.recipient).bind(claim.step).bind(claim.round).bind(person).bind(now)
                .execute(&mut *c).await?;
                called.push(person.clone());
            }
        }
        called
    });
    tx.commit().await?;
    Ok(called)
}

/// A call recorded and not yet sent, with what its push carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    pub alert: String,
    pub recipient: String,
    pub step: i64,
    pub round: i64,
    pub person: String,
    pub kind: String,
    pub document: Option<String>,
    pub title_class: String,
    pub urgency: String,
}

type CallRow = (String, String, i64, i64, String, String, Option<String>, String, String);

/// Calls recorded and not sent, nobody's lease on them running at `now`, the oldest first, at most 1,000.
pub async fn unsent(database: &Database, now: i64) -> Result<Vec<RecordedCall>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let rows: Vec<CallRow> = on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT c.alert_id, c.recipient, c.step, c.round, c.person, a.kind, a.document_id, a.title_class, \
             a.urgency FROM alert_calls c JOIN alerts a ON a.alert_id = c.alert_id WHERE c.sent = FALSE \
             AND (c.sending_until IS NULL OR c.sending_until < $1) ORDER BY c.called_at LIMIT 1000",
        )
        .bind(now).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|(alert, recipient, step, round, person, kind, document, title_class, urgency)| RecordedCall {
            alert,
            recipient,
            step,
            round,
            person,
            kind,
            document,
            title_class,
            urgency,
        })
        .collect())
}

/// Leases `calls` to this server until `until`, in one transaction: each still unsent and not leased at
/// `now` is taken. Returns those taken; of two servers, one takes each.
pub async fn lease(
    database: &Database,
    calls: Vec<RecordedCall>,
    until: i64,
    now: i64,
) -> Result<Vec<RecordedCall>, sqlx::Error> {
    if calls.is_empty() {
        return Ok(calls);
    }
    let mut tx = database.begin().await?;
    let leased = on_conn!(tx.conn(), c => {
        let mut leased = Vec::new();
        for call in calls {
            let won = sqlx::query(
                "UPDATE alert_calls SET sending_until = $1 WHERE alert_id = $2 AND recipient = $3 AND step = $4 \
                 AND round = $5 AND person = $6 AND sent = FALSE AND (sending_until IS NULL OR sending_until < $7)",
            )
            .bind(until).bind(&call.alert).bind(&call.recipient).bind(call.step).bind(call.round)
            .bind(&call.person).bind(now)
            .execute(&mut *c).await?.rows_affected() == 1;
            if won {
                leased.push(call);
            }
        }
        leased
    });
    tx.commit().await?;
    Ok(leased)
}

/// Marks calls sent, each with how many devices' push services took it, in one transaction.
pub async fn mark_sent(database: &Database, sent: &[(&RecordedCall, i64)]) -> Result<(), sqlx::Error> {
    if sent.is_empty() {
        return Ok(());
    }
    let mut tx = database.begin().await?;
    on_conn!(tx.conn(), c => {
        for (call, pushed) in sent {
            sqlx::query(
                "UPDATE alert_calls SET sent = TRUE, pushed = $1 WHERE alert_id = $2 AND recipient = $3 \
                 AND step = $4 AND round = $5 AND person = $6",
            )
            .bind(pushed).bind(&call.alert).bind(&call.recipient).bind(call.step).bind(call.round)
            .bind(&call.person)
            .execute(&mut *c).await?;
        }
    });
    tx.commit().await
}
