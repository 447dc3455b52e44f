//! Waiting out a database that went away (PostgreSQL restarted, a failover, a network cut) instead of
//! dropping every phone's socket: a change that arrives meanwhile is held, unannounced, and stored when the
//! database is back; only after [`WAIT_FOR_DATABASE`] is the phone told to send it again later.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::StoreError;

/// How long a change waits for the database before its phone is told to try again later: a real wait, on the
/// machine's clock (not the office's, which tests move).
pub const WAIT_FOR_DATABASE: Duration = Duration::from_secs(60);

const FIRST_PAUSE: Duration = Duration::from_millis(100);
const LONGEST_PAUSE: Duration = Duration::from_secs(2);

/// Runs `attempt` until it succeeds, fails for another reason than an unreachable database, or
/// [`WAIT_FOR_DATABASE`] has passed.
pub async fn while_unreachable<T, Fut>(what: &str, mut attempt: impl FnMut() -> Fut) -> Result<T, StoreError>
where
    Fut: Future<Output = Result<T, StoreError>>,
{
    let deadline = Instant::now() + WAIT_FOR_DATABASE;
    let mut pause = FIRST_PAUSE;
    loop {
        match attempt().await {
            Err(e) if e.is_unreachable() && Instant::now() + pause < deadline => {
                tracing::warn!(error = %e, retry_in_ms = pause.as_millis() as u64, "the database is away; {what} waits");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
            outcome => return outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_unreachable_database_is_waited_for_and_a_refusal_is_not() {
        let tries = AtomicUsize::new(0);
        let stored = while_unreachable("a change", || async {
            match tries.fetch_add(1, Ordering::SeqCst) {
                0..3 => Err(StoreError::BatchFailed { reason: "connection reset".into(), unreachable: true }),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(stored.expect("stored on the fourth try"), 3);

        let tries = AtomicUsize::new(0);
        let refused: Result<(), _> = while_unreachable("a change", || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err(StoreError::BatchFailed { reason: "database or disk is full".into(), unreachable: false })
        })
        .await;
        assert!(refused.is_err());
        assert_eq!(tries.load(Ordering::SeqCst), 1, "a refusal is not tried again");

        let started = Instant::now();
        let gave_up: Result<(), _> = while_unreachable("a change", || async {
            Err(StoreError::BatchFailed { reason: "connection refused".into(), unreachable: true })
        })
        .await;
        assert!(gave_up.is_err_and(|e| e.is_unreachable()));
        assert!(started.elapsed() <= WAIT_FOR_DATABASE, "gives up within the wait");
    }
}
