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
use crate::db::Database;
use crate::db::alerts::calls::{self, Claim, RecordedCall};
use crate::office::Office;
use crate::push::Outcome;
use crate::push::deliver::{Made, push_to, record};
use crate::push::{AlertPayload, OutboundPolicy, PushSender, Urgency};

/// How long a push may live at the push service before it is no use.
const PUSH_TTL: Duration = Duration::from_secs(600);

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
    let due = calls::due(database, now, CLAIM_BATCH).await?;
    let full = due.len() as i64 == CLAIM_BATCH;
    let mut claims = Vec::new();
    for escalation in &due {
        let chain = chain_from_text(&escalation.alert, &escalation.chain)?;
        let (step, round) = (escalation.step, escalation.round);
        let Some(current) = chain.get(step as usize) else { continue };
        let wait = current.wait_minutes * 60_000;
        let (to_step, to_round, to_next_at, exhausted_at) = match next(&chain, step as usize, round as u32) {
            Some((s, r)) => (s as i64, r as i64, Some(now + wait), None),
            // The last call: overdue if nobody acknowledges within the wait.
            None => (step, round, None, Some(now + wait)),
        };
        claims.push(Claim {
            alert: &escalation.alert,
            recipient: &escalation.recipient,
            step,
            round,
            next_at: escalation.next_at,
            to_step,
            to_round,
            to_next_at,
            exhausted_at,
            people: current.people.clone(),
        });
    }
    let called = calls::claim(database, &claims, now).await?;
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
    let calls = calls::unsent(database, now).await?;
    if calls.is_empty() {
        return Ok(());
    }
    let leased = calls::lease(database, calls, now + SENDING_LEASE_MS, now).await?;
    let pushed: Vec<(RecordedCall, Vec<Made>)> = futures_util::stream::iter(leased)
        .map(|call| async move {
            let Some(sender) = sender else { return (call, Vec::new()) };
            let payload = AlertPayload {
                kind: call.kind.clone(),
                document: call
                    .document
                    .as_ref()
                    .and_then(|d| d.parse::<zhiban_model::DocumentId>().ok())
                    .map(|d| d.url()),
                title_class: call.title_class.clone(),
                urgency: if call.urgency == "high" { Urgency::High } else { Urgency::Normal },
                alert: Some(call.alert.clone()),
            };
            match push_to(database, sender, &call.person, &payload, PUSH_TTL).await {
                Ok(made) => (call, made),
                Err(e) => {
                    tracing::warn!(alert = %call.alert, person = %call.person, error = %e, "cannot push an alert call");
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
    let sent: Vec<(&RecordedCall, i64)> = pushed
        .iter()
        .map(|(call, made)| (call, made.iter().filter(|m| m.delivery.outcome == Outcome::Accepted).count() as i64))
        .collect();
    calls::mark_sent(database, &sent).await?;
    Ok(())
}
