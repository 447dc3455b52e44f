//! Making the calls of every escalation when they are due. A due call is claimed by one conditional update
//! that also moves the escalation on and records the call, in one transaction: whichever server (or
//! restart) claims it makes it, nobody else can, and a claimed call survives a crash as a record not yet
//! sent, which the next tick sends. So a step is neither lost nor repeated.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use zhiban_model::rules::escalation::next;

use super::lists::AlertLists;
use super::{AlertError, chain_from_text};
use crate::database::Database;
use crate::office::Office;
use crate::on_database;
use crate::push::Outcome;
use crate::push::deliver::{Made, push_to, record};
use crate::push::{AlertPayload, OutboundPolicy, PushSender, Urgency};

/// How long a push may live at the push service before it is no use.
const PUSH_TTL: Duration = Duration::from_secs(600);

type DueRow = (String, String, String, i64, i64, i64, String, Option<String>, String, String);
type CallRow = (String, String, i64, i64, String, String, Option<String>, String, String);

/// How often the watch looks at what falls due: each time the office's clock has moved on this much, and at
/// least every this many seconds of the machine's.
const WATCH_EVERY_MS: i64 = 15_000;

/// Runs `tick` every second until the handle is aborted (when the server stops), and the watch over what
/// falls due whenever the office's clock (`office.clock()`) has moved on 15 s since the last. Pushes go out
/// once the operator has made VAPID keys (looked for at every tick until then), to the endpoints `outbound`
/// allows; before that, calls are recorded and not pushed. Pushes are sent by tasks of their own, so the tick
/// goes on claiming and sending while a push service is slow to answer.
pub fn spawn(office: Office, lists: Arc<dyn AlertLists>, outbound: Arc<OutboundPolicy>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let database = office.database.clone();
        let clock = office.clock().clone();
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        let mut sender: Option<Arc<dyn PushSender>> = None;
        let mut watched_at: Option<(i64, tokio::time::Instant)> = None;
        // Dropped with this task when the server stops: a stopped server pushes nothing more.
        let mut sending = tokio::task::JoinSet::new();
        let mut retrying = tokio::task::JoinSet::new();
        loop {
            interval.tick().await;
            while sending.try_join_next().is_some() {}
            while retrying.try_join_next().is_some() {}
            let now = clock.now_millis();
            let watch_due = watched_at.is_none_or(|(office, machine)| {
                now - office >= WATCH_EVERY_MS || now < office || machine.elapsed().as_millis() as i64 >= WATCH_EVERY_MS
            });
            if watch_due {
                match super::watch::watch(&office, now).await {
                    Ok(watched) if watched != Default::default() => {
                        tracing::info!(raised = ?watched.raised, ended = ?watched.ended, "deadlines watched");
                        // Alerts that ended leave the lists of the people they called.
                        lists.refresh(watched.unlisted);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot watch deadlines; trying again"),
                }
                watched_at = Some((now, tokio::time::Instant::now()));
            }
            if sender.is_none()
                && let Ok(Some(keys)) = crate::push::VapidKeys::load(&database).await
            {
                match crate::push::WebPushSender::new(keys, outbound.clone()) {
                    Ok(web_push) => sender = Some(Arc::new(web_push)),
                    Err(e) => tracing::warn!(error = %e, "cannot set up Web Push"),
                }
            }
            match claim_due(&database, now).await {
                // The people about to be called find the alert in their homes' lists too: a phone the
                // push does not reach learns of it at its next sync.
                Ok(called) => lists.refresh(called),
                Err(e) => tracing::warn!(error = %e, "cannot claim the calls due; trying again"),
            }
            // Calls being sent are leased, so a new batch takes only the calls made since.
            if sending.len() < MAX_SENDING_BATCHES {
                let (database, sender) = (database.clone(), sender.clone());
                sending.spawn(async move {
                    if let Err(e) = send_recorded_calls(&database, sender.as_deref()).await {
                        tracing::warn!(error = %e, "cannot push the calls made; trying again");
                    }
                });
            }
            if let Some(sender) = &sender
                && retrying.is_empty()
            {
                let (database, sender) = (database.clone(), sender.clone());
                retrying.spawn(async move {
                    if let Err(e) = crate::push::deliver::retry_due(&database, sender.as_ref(), PUSH_TTL).await {
                        tracing::warn!(error = %e, "cannot retry pushes; trying again");
                    }
                });
            }
        }
    })
}

/// Calls claimed per transaction: one commit for many, so a thousand recipients cost a few commits.
const CLAIM_BATCH: i64 = 500;
/// Calls pushed at once by one batch (the sender bounds its requests in flight overall).
const SEND_CONCURRENCY: usize = 64;
/// Batches of calls being pushed at once; each tick starts one while fewer are under way.
const MAX_SENDING_BATCHES: usize = 10;

/// Claims every call due at `now`, recording each; returns the people to call. Run by the tick, and at
/// once when an instruction is stored, so that each recipient's home lists the alert in the same write
/// that lists the instruction; the next tick pushes the calls claimed either way.
pub async fn claim_due(database: &Database, now: i64) -> Result<Vec<String>, AlertError> {
    let mut called = Vec::new();
    // Batch after batch until nothing is due (a bounded number per tick, so sending is not starved).
    for _ in 0..20 {
        let (claimed, full) = claim_batch(database, now).await?;
        called.extend(claimed);
        if !full {
            break;
        }
    }
    called.sort();
    called.dedup();
    Ok(called)
}

/// One batch of due calls claimed in one transaction; returns the people to call, and whether the batch
/// was full (more may be due).
async fn claim_batch(database: &Database, now: i64) -> Result<(Vec<String>, bool), AlertError> {
    let due: Vec<DueRow> = on_database!(database, pool => {
        sqlx::query_as(
            "SELECT r.alert_id, r.recipient, r.chain, r.step, r.round, r.next_at, a.kind, a.document_id, \
             a.title_class, a.urgency FROM alert_recipients r JOIN alerts a ON a.alert_id = r.alert_id \
             WHERE r.next_at IS NOT NULL AND r.next_at <= $1 ORDER BY r.next_at LIMIT $2",
        )
        .bind(now)
        .bind(CLAIM_BATCH)
        .fetch_all(pool)
        .await?
    });
    let full = due.len() as i64 == CLAIM_BATCH;
    let mut moves = Vec::new();
    for (alert, recipient, chain_text, step, round, next_at, ..) in &due {
        let chain = chain_from_text(alert, chain_text)?;
        let Some(current) = chain.get(*step as usize) else { continue };
        let wait = current.wait_minutes * 60_000;
        let (new_step, new_round, new_next, exhausted) = match next(&chain, *step as usize, *round as u32) {
            Some((s, r)) => (s as i64, r as i64, Some(now + wait), None),
            // The last call: overdue if nobody acknowledges within the wait.
            None => (*step, *round, None, Some(now + wait)),
        };
        moves.push((
            alert,
            recipient,
            *step,
            *round,
            *next_at,
            new_step,
            new_round,
            new_next,
            exhausted,
            current.people.clone(),
        ));
    }
    let called = on_database!(database, pool => {
        let mut tx = pool.begin().await?;
        let mut called = Vec::new();
        for (alert, recipient, step, round, next_at, new_step, new_round, new_next, exhausted, people) in &moves {
            // Conditional on the escalation being where we read it: of two servers, one moves it.
            let won = sqlx::query(
                "UPDATE alert_recipients SET step = $1, round = $2, next_at = $3, exhausted_at = $4 \
                 WHERE alert_id = $5 AND recipient = $6 AND step = $7 AND round = $8 AND next_at = $9 \
                 AND acknowledged_at IS NULL",
            )
            .bind(new_step).bind(new_round).bind(new_next).bind(exhausted)
            .bind(alert).bind(recipient).bind(step).bind(round).bind(next_at)
            .execute(&mut *tx)
            .await?
            .rows_affected() == 1;
            if !won {
                continue;
            }
            for person in people {
                sqlx::query(
                    "INSERT INTO alert_calls (alert_id, recipient, step, round, person, called_at, pushed, sent) \
                     VALUES ($1, $2, $3, $4, $5, $6, 0, FALSE) ON CONFLICT DO NOTHING",
                )
                .bind(alert).bind(recipient).bind(step).bind(round).bind(person).bind(now)
                .execute(&mut *tx)
                .await?;
                called.push(person.clone());
            }
        }
        tx.commit().await?;
        called
    });
    Ok((called, full))
}

/// How long a server may take to push one call before another may take it over.
const SENDING_LEASE_MS: i64 = 60_000;

/// Pushes every recorded call not yet sent (just claimed, or left by a crash) and marks it sent. The calls
/// are leased first, in one transaction, so two servers (or two batches) do not both push one; pushed side
/// by side, each push request given at most `push::sender::SEND_TIMEOUT` (well inside the lease); then
/// recorded, with every delivery, in one more. Leases run on the machine's clock, not the office's: they
/// are about how long a server may take, not about when calls are due.
async fn send_recorded_calls(database: &Database, sender: Option<&dyn PushSender>) -> Result<(), AlertError> {
    let now = chrono::Utc::now().timestamp_millis();
    let calls: Vec<CallRow> = on_database!(database, pool => {
        sqlx::query_as(
            "SELECT c.alert_id, c.recipient, c.step, c.round, c.person, a.kind, a.document_id, a.title_class, \
             a.urgency FROM alert_calls c JOIN alerts a ON a.alert_id = c.alert_id WHERE c.sent = FALSE \
             AND (c.sending_until IS NULL OR c.sending_until < $1) ORDER BY c.called_at LIMIT 1000",
        )
        .bind(now)
        .fetch_all(pool)
        .await?
    });
    if calls.is_empty() {
        return Ok(());
    }
    let leased: Vec<CallRow> = on_database!(database, pool => {
        let mut tx = pool.begin().await?;
        let mut leased = Vec::new();
        for call in calls {
            let (alert, recipient, step, round, person, ..) = &call;
            let won = sqlx::query(
                "UPDATE alert_calls SET sending_until = $1 WHERE alert_id = $2 AND recipient = $3 AND step = $4 \
                 AND round = $5 AND person = $6 AND sent = FALSE AND (sending_until IS NULL OR sending_until < $7)",
            )
            .bind(now + SENDING_LEASE_MS).bind(alert).bind(recipient).bind(step).bind(round).bind(person).bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected() == 1;
            if won {
                leased.push(call);
            }
        }
        tx.commit().await?;
        leased
    });
    let pushed: Vec<(CallRow, Vec<Made>)> = futures_util::stream::iter(leased)
        .map(|call| async move {
            let Some(sender) = sender else { return (call, Vec::new()) };
            let (alert, _, _, _, person, kind, document, title_class, urgency) = &call;
            let payload = AlertPayload {
                kind: kind.clone(),
                document: document.as_ref().and_then(|d| d.parse::<zhiban_model::DocumentId>().ok()).map(|d| d.url()),
                title_class: title_class.clone(),
                urgency: if urgency == "high" { Urgency::High } else { Urgency::Normal },
                alert: Some(alert.clone()),
            };
            match push_to(database, sender, person, &payload, PUSH_TTL).await {
                Ok(made) => (call, made),
                Err(e) => {
                    tracing::warn!(%alert, %person, error = %e, "cannot push an alert call");
                    (call, Vec::new())
                }
            }
        })
        .buffer_unordered(SEND_CONCURRENCY)
        .collect()
        .await;
    let deliveries: Vec<Made> = pushed.iter().flat_map(|(_, made)| made.iter().cloned()).collect();
    if let Err(e) = record(database, &deliveries).await {
        tracing::warn!(error = %e, "cannot record the pushes made");
    }
    on_database!(database, pool => {
        let mut tx = pool.begin().await?;
        for ((alert, recipient, step, round, person, ..), made) in &pushed {
            let accepted = made.iter().filter(|m| m.delivery.outcome == Outcome::Accepted).count() as i64;
            sqlx::query(
                "UPDATE alert_calls SET sent = TRUE, pushed = $1 WHERE alert_id = $2 AND recipient = $3 \
                 AND step = $4 AND round = $5 AND person = $6",
            )
            .bind(accepted).bind(alert).bind(recipient).bind(step).bind(round).bind(person)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}
