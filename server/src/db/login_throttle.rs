//! Failed logins counted per key (`login_throttle`: `pair:ADDRESS USERNAME`, `address:ADDRESS`,
//! `user:USERNAME`), and the addresses each user logged in from (`login_addresses`). The policy (which keys,
//! their numbers, what a refusal says) is the accounts' (`accounts/login.rs`); here is how it is counted.

use std::sync::LazyLock;
use std::time::Duration;

use super::Database;
use crate::accounts::Throttle;
use crate::on_conn;

/// A key's count as it stands: its attempts and the time of the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub attempts: i64,
    pub last_at: i64,
}

/// What [`reserve`] did with an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Counted under every key.
    Counted,
    /// Counted under none: the key at `index` refused it, its count standing at `count`.
    Refused { index: usize, count: Count },
}

/// Whether an attempt may go ahead now, from the row's values before it: `Throttle::wait_ms`'s rule, in SQL
/// (20 is its largest number of doublings). $2 now, $3 free, $4 first delay, $5 largest delay, $6 memory
/// (milliseconds).
const ATTEMPT_ALLOWED: &str = "(CASE WHEN login_throttle.last_at + $6 <= $2 THEN 1 \
     WHEN login_throttle.attempts < $3 THEN 1 \
     WHEN login_throttle.last_at + $5 <= $2 THEN 1 \
     WHEN login_throttle.attempts - $3 >= 20 THEN 0 \
     WHEN login_throttle.last_at + (CAST($4 AS BIGINT) << CAST(login_throttle.attempts - $3 AS INTEGER)) <= $2 THEN 1 \
     ELSE 0 END = 1)";

/// Counts an attempt if the throttle lets it go ahead, in one statement (the row is locked while it runs, on
/// both backends); `accepted` says whether it did. A count left alone for `memory` starts again from one.
/// Every column is set from the row as it was, so the rule is written out for each.
static RESERVE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO login_throttle (throttle_key, attempts, last_at, accepted) VALUES ($1, 1, $2, 1) \
         ON CONFLICT (throttle_key) DO UPDATE SET \
         attempts = CASE WHEN login_throttle.last_at + $6 <= $2 THEN 1 WHEN {ATTEMPT_ALLOWED} \
         THEN login_throttle.attempts + 1 ELSE login_throttle.attempts END, \
         last_at = CASE WHEN {ATTEMPT_ALLOWED} THEN $2 ELSE login_throttle.last_at END, \
         accepted = CASE WHEN {ATTEMPT_ALLOWED} THEN 1 ELSE 0 END \
         RETURNING attempts, last_at, accepted"
    )
});

fn ms(d: Duration) -> i64 {
    d.as_millis() as i64
}

/// The counts under `keys`, in order; `None` for a key with none.
pub async fn counts(database: &Database, keys: &[&str]) -> Result<Vec<Option<Count>>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let mut counts = Vec::with_capacity(keys.len());
    for key in keys {
        let row: Option<(i64, i64)> = on_conn!(pooled.conn(), c => {
            sqlx::query_as("SELECT attempts, last_at FROM login_throttle WHERE throttle_key = $1")
                .bind(*key).fetch_optional(c).await?
        });
        counts.push(row.map(|(attempts, last_at)| Count { attempts, last_at }));
    }
    Ok(counts)
}

/// Counts an attempt at `now` under each key with its throttle, in one transaction: under all of them, or,
/// when one refuses it, under none. Attempts arriving together are counted one after another, so they
/// cannot all pass a check made before any of them was counted.
pub async fn reserve(database: &Database, counts: &[(String, Throttle)], now: i64) -> Result<Reservation, sqlx::Error> {
    let mut tx = database.begin().await?;
    on_conn!(tx.conn(), c => {
        for (index, (key, throttle)) in counts.iter().enumerate() {
            let (attempts, last_at, accepted): (i64, i64, i64) = sqlx::query_as(RESERVE.as_str())
                .bind(key).bind(now).bind(throttle.free).bind(ms(throttle.first_delay))
                .bind(ms(throttle.max_delay)).bind(ms(throttle.memory))
                .fetch_one(&mut *c).await?;
            if accepted != 1 {
                // Dropping the transaction rolls back what it counted.
                return Ok(Reservation::Refused { index, count: Count { attempts, last_at } });
            }
        }
    });
    tx.commit().await?;
    Ok(Reservation::Counted)
}

/// A login that proved right, in one transaction: the count under `cleared` is removed, the attempt is taken
/// back from those under `taken_back`, and `address` (username, address) is remembered as the user's at
/// `now`.
pub async fn succeeded(
    database: &Database,
    cleared: &str,
    taken_back: &[&str],
    address: Option<(&str, &str)>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = database.begin().await?;
    on_conn!(tx.conn(), c => {
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1").bind(cleared).execute(&mut *c).await?;
        for key in taken_back {
            sqlx::query("UPDATE login_throttle SET attempts = attempts - 1 WHERE throttle_key = $1 AND attempts > 0")
                .bind(*key).execute(&mut *c).await?;
        }
        if let Some((username, address)) = address {
            sqlx::query(
                "INSERT INTO login_addresses (username, address, last_success_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (username, address) DO UPDATE SET last_success_at = excluded.last_success_at",
            )
            .bind(username).bind(address).bind(now).execute(&mut *c).await?;
        }
    });
    tx.commit().await
}

/// Whether `username` logged in from `address` after `since`.
pub async fn is_known_address(
    database: &Database,
    username: &str,
    address: &str,
    since: i64,
) -> Result<bool, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let found: Option<i64> = on_conn!(pooled.conn(), c => {
        sqlx::query_scalar(
            "SELECT last_success_at FROM login_addresses \
             WHERE username = $1 AND address = $2 AND last_success_at > $3",
        )
        .bind(username).bind(address).bind(since).fetch_optional(c).await?
    });
    Ok(found.is_some())
}

/// Removes the counts last touched at or before `counts_before` and the addresses last logged in from at or
/// before `addresses_before`.
pub async fn sweep(database: &Database, counts_before: i64, addresses_before: i64) -> Result<(), sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query("DELETE FROM login_throttle WHERE last_at <= $1").bind(counts_before).execute(&mut *c).await?;
        sqlx::query("DELETE FROM login_addresses WHERE last_success_at <= $1")
            .bind(addresses_before).execute(&mut *c).await?;
    });
    Ok(())
}
