//! Logging in: the password check and the throttle around it (the policy and its reasons are in SECURITY.md,
//! "Login").
//!
//! Failed logins are counted three ways, each in a row of `login_throttle`:
//! - per username *and* address (`pair:`): the person at their usual place, progressively delayed after a few
//!   failures, never walled, and not affected by what is tried from anywhere else;
//! - per address (`address:`, an IPv6 address by its /64): one place trying many usernames;
//! - per username from addresses where it has not logged in before (`user:`): a ceiling for guessing spread
//!   over many addresses. An address where the user logged in successfully (`login_addresses`) skips it.
//!
//! An attempt is reserved before its password is hashed, in one statement that both checks and counts it, so
//! attempts arriving together cannot all pass a check made before any of them was counted. The reservation
//! counts as a failure until the password proves right; then it is taken back (and the pair's count cleared).
//! A login takes its turn to hash (`PasswordGate`) before reserving, so at most a few attempts are ever in
//! flight: many people signing in at once from one office address are not taken for one place guessing.

use std::net::IpAddr;
use std::time::Duration;

use super::passwords::{self, Busy};
use super::{Accounts, LoginError, Tokens, tokens};
use crate::db::{self, login_throttle::Reservation};

/// One count of failed logins: `free` failures go unhindered; after them each further attempt waits
/// `first_delay`, doubled with every failure, up to `max_delay`. The count is forgotten after `memory`
/// without an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub free: i64,
    pub first_delay: Duration,
    pub max_delay: Duration,
    pub memory: Duration,
}

/// Beyond this many doublings the delay is `max_delay` anyway (and the shift would overflow). The reservation's
/// SQL has the same number (`db::login_throttle`).
const MAX_DOUBLINGS: i64 = 20;

impl Throttle {
    /// Milliseconds until an attempt may follow `failures` counted, the last at `last_at`; `None` if now.
    fn wait_ms(&self, failures: i64, last_at: i64, now: i64) -> Option<i64> {
        let memory = self.memory.as_millis() as i64;
        if last_at + memory <= now || failures < self.free {
            return None;
        }
        let max = self.max_delay.as_millis() as i64;
        let doublings = failures - self.free;
        let delay = if doublings >= MAX_DOUBLINGS {
            max
        } else {
            ((self.first_delay.as_millis() as i64) << doublings).min(max)
        };
        let next = last_at + delay.min(memory);
        (next > now).then_some(next - now)
    }
}

/// How often rows nobody needs any more are removed (when a login fails).
const SWEEP_EVERY: Duration = Duration::from_secs(10 * 60);

/// Usernames longer than this are counted by their digest: a key holds what an attacker typed.
const LONGEST_KEY_USERNAME: usize = 64;

/// An address as it is counted: IPv4 as it is (an IPv4-mapped IPv6 address too), IPv6 by its /64, which one
/// subscriber usually holds whole.
fn counted_address(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

fn counted_username(username: &str) -> String {
    if username.len() > LONGEST_KEY_USERNAME { tokens::digest(username) } else { username.to_owned() }
}

/// Seconds for `Retry-After`, at least one.
fn seconds(ms: i64) -> u64 {
    (ms.max(0) as u64).div_ceil(1000).max(1)
}

impl Accounts {
    /// Logs `username` in on a new device called `device_name`.
    pub async fn login(
        &self,
        username: &str,
        password: String,
        device_name: &str,
        address: Option<IpAddr>,
    ) -> Result<Tokens, LoginError> {
        self.verify_login(username, password, address).await?;
        Ok(self.sign_in_device(username, device_name).await?)
    }

    /// Checks `username`'s password, throttled (see the module's comment); a disabled account is refused.
    pub(super) async fn verify_login(
        &self,
        username: &str,
        password: String,
        address: Option<IpAddr>,
    ) -> Result<(), LoginError> {
        let place = address.map(counted_address);
        let known_place = match &place {
            Some(place) => self.is_known_address(username, place).await?,
            None => false,
        };
        let name = counted_username(username);
        let policy = &self.policy;
        let mut counts = vec![(format!("pair:{} {name}", place.as_deref().unwrap_or("-")), policy.per_user_at_address)];
        if let Some(place) = &place {
            counts.push((format!("address:{place}"), policy.per_address));
        }
        if !known_place {
            counts.push((format!("user:{name}"), policy.per_user));
        }

        // A look first, so an attempt that would be refused is answered at once instead of queueing for a turn.
        if let Some(retry_after_secs) = self.refused_now(&counts).await? {
            return Err(LoginError::Throttled { retry_after_secs });
        }
        let turn = self.policy.password_checks.turn().await.map_err(|Busy| LoginError::Busy { retry_after_secs: 1 })?;
        self.reserve(&counts).await?;
        let (stored, disabled) = match db::accounts::password_of(&self.database, username).await? {
            Some(stored) => (Some(stored.hash), stored.disabled),
            None => (None, false),
        };
        if !passwords::verify(turn, password, stored).await {
            // The reservations stay: they were failures.
            tracing::info!(%username, "failed login");
            self.sweep_if_due().await?;
            return Err(LoginError::BadCredentials);
        }
        if disabled {
            self.succeeded(username, None, &counts).await?;
            return Err(LoginError::Disabled);
        }
        self.succeeded(username, place.as_deref(), &counts).await?;
        Ok(())
    }

    /// Seconds to wait when one of `counts` refuses an attempt now; read only, so two attempts at once may
    /// both pass it: `reserve` decides.
    async fn refused_now(&self, counts: &[(String, Throttle)]) -> Result<Option<u64>, sqlx::Error> {
        let now = self.now();
        let keys: Vec<&str> = counts.iter().map(|(key, _)| key.as_str()).collect();
        let stored = db::login_throttle::counts(&self.database, &keys).await?;
        let wait = counts
            .iter()
            .zip(stored)
            .filter_map(|((_, throttle), count)| count.and_then(|c| throttle.wait_ms(c.attempts, c.last_at, now)))
            .max();
        Ok(wait.map(seconds))
    }

    /// Counts the attempt in each of `counts`, in one transaction: in all of them, or in none when one
    /// refuses it (`Throttled`, with that count's wait).
    async fn reserve(&self, counts: &[(String, Throttle)]) -> Result<(), LoginError> {
        let now = self.now();
        match db::login_throttle::reserve(&self.database, counts, now).await? {
            Reservation::Counted => Ok(()),
            Reservation::Refused { index, count } => {
                let wait = counts[index].1.wait_ms(count.attempts, count.last_at, now).unwrap_or(1000);
                Err(LoginError::Throttled { retry_after_secs: seconds(wait) })
            }
        }
    }

    /// The attempt succeeded: it was no failure. The pair's count is cleared (the person at this place knows
    /// the password), the attempt is taken back from the others (one success must not wipe out what an
    /// address or a username has failed), and the address is remembered as the user's.
    async fn succeeded(
        &self,
        username: &str,
        place: Option<&str>,
        counts: &[(String, Throttle)],
    ) -> Result<(), sqlx::Error> {
        // The pair's count comes first (`verify_login`).
        let Some(((pair, _), others)) = counts.split_first() else { return Ok(()) };
        let others: Vec<&str> = others.iter().map(|(key, _)| key.as_str()).collect();
        let address = place.map(|place| (username, place));
        db::login_throttle::succeeded(&self.database, pair, &others, address, self.now()).await
    }

    /// Whether `username` logged in from `place` within `known_address_memory`.
    async fn is_known_address(&self, username: &str, place: &str) -> Result<bool, sqlx::Error> {
        let since = self.now() - self.policy.known_address_memory.as_millis() as i64;
        db::login_throttle::is_known_address(&self.database, username, place, since).await
    }

    /// Removes counts forgotten already and addresses no longer known, at most every `SWEEP_EVERY`.
    async fn sweep_if_due(&self) -> Result<(), sqlx::Error> {
        let now = self.now();
        let last = self.last_sweep.load(std::sync::atomic::Ordering::SeqCst);
        if now < last + SWEEP_EVERY.as_millis() as i64
            || self
                .last_sweep
                .compare_exchange(last, now, std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst)
                .is_err()
        {
            return Ok(());
        }
        let policy = &self.policy;
        let longest = [policy.per_user_at_address, policy.per_address, policy.per_user]
            .iter()
            .map(|t| t.memory)
            .max()
            .unwrap_or_default();
        let counts_before = now - longest.as_millis() as i64;
        let addresses_before = now - policy.known_address_memory.as_millis() as i64;
        db::login_throttle::sweep(&self.database, counts_before, addresses_before).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_after_the_free_failures_up_to_the_largest() {
        let t = Throttle {
            free: 5,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(900),
            memory: Duration::from_secs(3600),
        };
        let now = 1_000_000_000;
        assert_eq!(t.wait_ms(4, now, now), None);
        assert_eq!(t.wait_ms(5, now, now), Some(1000));
        assert_eq!(t.wait_ms(6, now, now), Some(2000));
        assert_eq!(t.wait_ms(7, now - 1500, now), Some(2500));
        assert_eq!(t.wait_ms(14, now, now), Some(512_000));
        assert_eq!(t.wait_ms(15, now, now), Some(900_000));
        assert_eq!(t.wait_ms(500, now, now), Some(900_000));
        assert_eq!(t.wait_ms(500, now - 3_600_000, now), None, "forgotten");
        let wall = Throttle { free: 100, first_delay: t.memory, max_delay: t.memory, memory: t.memory };
        assert_eq!(wall.wait_ms(100, now - 1000, now), Some(3_599_000));
    }

    #[test]
    fn addresses_are_counted_by_what_one_subscriber_holds() {
        let count = |a: &str| counted_address(a.parse().expect("address"));
        assert_eq!(count("203.0.113.7"), "203.0.113.7");
        assert_eq!(count("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(count("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(count("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64");
    }
}
