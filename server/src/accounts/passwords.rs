//! Passwords, hashed with argon2id (the crate's defaults, which are OWASP's recommended minimum: 19 MiB, two
//! passes, one lane) on a blocking thread, since a hash is meant to take tens of milliseconds of CPU.
//!
//! Each hash works in 19 MiB. Hashes run only with a turn from the [`PasswordGate`], in working memory the
//! gate keeps (one block per turn, made once): left to the allocator, every hash took 19 MiB afresh, which
//! it kept afterwards, fragmented, so that a server that had answered two hundred logins at once sat at
//! 3 GiB, and even two at a time at 375 MiB.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 10;

/// How many password hashes may run at once, and how long (and how many) logins may wait for a turn. Clones
/// share one gate: the bound is for the whole server, however many `Accounts` it makes.
#[derive(Clone, Debug)]
pub struct PasswordGate(Arc<Gate>);

#[derive(Debug)]
struct Gate {
    turns: Arc<Semaphore>,
    at_once: usize,
    max_waiting: usize,
    max_wait: Duration,
    waiting: AtomicUsize,
    hashing: AtomicUsize,
    most_hashing: AtomicUsize,
    /// Working memory for hashes at the default parameters, kept between them: at most one per turn.
    memory: Mutex<Vec<Memory>>,
}

/// Argon2's working memory for one hash.
type Memory = Vec<Block>;

/// No turn to hash could be had soon enough: the caller answers "busy, try again in a second".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// A turn to run one hash; the hash holds it until it ends, even when the login that asked has gone.
#[derive(Debug)]
pub struct Turn {
    _permit: OwnedSemaphorePermit,
    gate: PasswordGate,
}

impl Default for PasswordGate {
    /// One hash per core, at most four (76 MiB); up to 500 logins wait, each at most 10 s. At 30–50 ms a
    /// hash, two cores clear a burst of 200 logins in about 5 s.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self::new(cores.clamp(1, 4), 500, Duration::from_secs(10))
    }
}

impl PasswordGate {
    /// At most `at_once` hashes at a time; a login finding `max_waiting` already waiting, or waiting longer
    /// than `max_wait`, is turned away.
    pub fn new(at_once: usize, max_waiting: usize, max_wait: Duration) -> Self {
        let at_once = at_once.max(1);
        Self(Arc::new(Gate {
            turns: Arc::new(Semaphore::new(at_once)),
            at_once,
            max_waiting,
            max_wait,
            waiting: AtomicUsize::new(0),
            hashing: AtomicUsize::new(0),
            most_hashing: AtomicUsize::new(0),
            memory: Mutex::new(Vec::new()),
        }))
    }

    /// Hashes allowed at once.
    pub fn at_once(&self) -> usize {
        self.0.at_once
    }

    /// The most hashes that have run at the same moment since the gate was made (for tests and load runs).
    pub fn most_at_once(&self) -> usize {
        self.0.most_hashing.load(Ordering::SeqCst)
    }

    /// A turn for a login: at once if one is free, else after waiting in a bounded queue for a bounded time.
    pub async fn turn(&self) -> Result<Turn, Busy> {
        let gate = &self.0;
        if let Ok(permit) = gate.turns.clone().try_acquire_owned() {
            return Ok(Turn { _permit: permit, gate: self.clone() });
        }
        if gate.waiting.fetch_add(1, Ordering::SeqCst) >= gate.max_waiting {
            gate.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Busy);
        }
        let waited = tokio::time::timeout(gate.max_wait, gate.turns.clone().acquire_owned()).await;
        gate.waiting.fetch_sub(1, Ordering::SeqCst);
        match waited {
            Ok(Ok(permit)) => Ok(Turn { _permit: permit, gate: self.clone() }),
            _ => Err(Busy),
        }
    }

    /// A turn for an administrator's change (a new user, a reset password): waits as long as it takes.
    async fn turn_unhurried(&self) -> Turn {
        match self.0.turns.clone().acquire_owned().await {
            Ok(permit) => Turn { _permit: permit, gate: self.clone() },
            // The semaphore is never closed.
            Err(_) => unreachable!("the password gate's semaphore is never closed"),
        }
    }
}

impl Turn {
    /// Runs `f` (a hash) in the gate's working memory, counted as hashing, on this blocking thread.
    fn run<T>(self, f: impl FnOnce(&mut Memory) -> T) -> T {
        let gate = &self.gate.0;
        let now = gate.hashing.fetch_add(1, Ordering::SeqCst) + 1;
        gate.most_hashing.fetch_max(now, Ordering::SeqCst);
        let kept = gate.memory.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut memory = kept.unwrap_or_else(|| vec![Block::default(); Params::DEFAULT.block_count()]);
        let result = f(&mut memory);
        gate.memory.lock().unwrap_or_else(|e| e.into_inner()).push(memory);
        gate.hashing.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

/// Hashes `password` with `salt` into `out`, in `memory` when it is large enough for `params` (a hash stored
/// under larger parameters than today's gets memory of its own).
fn hash_into(
    memory: &mut Memory,
    argon2: &Argon2,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    match memory.get_mut(..params.block_count()) {
        Some(memory) => argon2.hash_password_into_with_memory(password, salt, out, memory),
        None => argon2.hash_password_into(password, salt, out),
    }
}

/// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `password`, with a fresh salt.
fn new_hash(memory: &mut Memory, password: &[u8]) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buffer).map_err(|e| e.to_string())?;
    let params = Params::DEFAULT;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    hash_into(memory, &argon2, &params, password, salt_bytes, &mut out).map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

/// Whether `password` hashes to `stored` (a PHC string) under the algorithm, version, parameters and salt it
/// names; compared in constant time (`Output`'s equality).
fn matches(memory: &mut Memory, password: &[u8], stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed)) else {
        return false;
    };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else { return false };
    let mut salt_buffer = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else { return false };
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params.clone());
    let mut out = vec![0u8; expected.len()];
    hash_into(memory, &argon2, &params, password, salt, &mut out).is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

pub async fn hash(gate: &PasswordGate, password: String) -> Result<String, String> {
    let turn = gate.turn_unhurried().await;
    tokio::task::spawn_blocking(move || turn.run(|memory| new_hash(memory, password.as_bytes())))
        .await
        .map_err(|e| e.to_string())?
}

/// Whether `password` matches `stored`, checked in `turn`. With no stored hash (no such user) a hash is still
/// computed, so an unknown username takes as long to refuse as a wrong password.
pub async fn verify(turn: Turn, password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        turn.run(|memory| match stored {
            Some(stored) => matches(memory, password.as_bytes(), &stored),
            None => {
                let _ = new_hash(memory, password.as_bytes());
                false
            }
        })
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_read_and_read_as_the_argon2_crate_writes_them() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let mut memory = Vec::new();
        let ours = new_hash(&mut memory, b"a long enough password").expect("hash");
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        let parsed = PasswordHash::new(&ours).expect("PHC");
        assert!(Argon2::default().verify_password(b"a long enough password", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"another password", &parsed).is_err());

        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default().hash_password(b"a long enough password", &salt).expect("hash").to_string();
        let mut memory = vec![Block::default(); Params::DEFAULT.block_count()];
        assert!(matches(&mut memory, b"a long enough password", &theirs));
        assert!(!matches(&mut memory, b"a long enough passworD", &theirs));
        assert!(matches(&mut memory, b"a long enough password", &ours), "in kept memory, again");
        // Other parameters than today's (a smaller cost), in memory of their own size.
        let small = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(1024, 1, 1, None).expect("params"));
        let small = small.hash_password(b"a long enough password", &salt).expect("hash").to_string();
        assert!(matches(&mut memory, b"a long enough password", &small));
        assert!(!matches(&mut memory, b"a long enough password", "not a PHC string"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_than_the_gate_allows_and_the_queue_is_bounded() {
        let gate = PasswordGate::new(1, 3, Duration::from_secs(30));
        let stored = hash(&gate, "a long enough password".into()).await.expect("hash");
        let checks: Vec<_> = (0..4)
            .map(|_| {
                let (gate, stored) = (gate.clone(), stored.clone());
                tokio::spawn(async move {
                    let turn = gate.turn().await?;
                    Ok::<_, Busy>(verify(turn, "a long enough password".into(), Some(stored)).await)
                })
            })
            .collect();
        let mut answers = Vec::new();
        for check in checks {
            answers.push(check.await.expect("task"));
        }
        assert!(answers.iter().all(|a| *a == Ok(true)), "{answers:?}");
        assert_eq!(gate.most_at_once(), 1);

        // One hashing, one waiting, no room for a third: turned away at once.
        let gate = PasswordGate::new(1, 1, Duration::from_secs(30));
        let first = gate.turn().await.expect("free");
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.turn().await.map(drop) }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(gate.turn().await.map(drop), Err(Busy), "the queue is full");
        drop(first);
        assert_eq!(waiting.await.expect("task"), Ok(()), "the waiting one got its turn");

        // Waiting longer than allowed: turned away.
        let gate = PasswordGate::new(1, 10, Duration::from_millis(50));
        let _first = gate.turn().await.expect("free");
        assert_eq!(gate.turn().await.map(drop), Err(Busy));
    }
}
