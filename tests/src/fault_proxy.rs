//! A TCP proxy on loopback that injects network faults between phones and the server: delays, stalls,
//! connections dropped between frames and cut in the middle of one. Decisions come from a seeded random
//! generator per connection and direction, so a failing run can be replayed with its seed. Faults can be
//! switched off (healed) to let everything settle before a test compares what each side holds.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// How often each fault strikes, per chunk of bytes forwarded (a chunk is what one read returned, up to
/// 16 KiB: often one WebSocket frame, sometimes part of one or several).
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    /// Each chunk waits up to this long before going on.
    pub max_delay: Duration,
    /// Chance that a chunk waits `stall` first (a phone in a lift).
    pub stall: f64,
    pub stall_for: Duration,
    /// Chance that the connection is closed before the chunk (between frames, most often).
    pub drop: f64,
    /// Chance that only part of the chunk goes through and then the connection is closed (mid-frame).
    pub cut: f64,
}

impl Faults {
    /// A bad mobile network: a few milliseconds of delay, a stall or a lost connection every few hundred
    /// chunks.
    pub fn bad_network() -> Self {
        Self {
            max_delay: Duration::from_millis(20),
            stall: 0.005,
            stall_for: Duration::from_secs(2),
            drop: 0.01,
            cut: 0.01,
        }
    }

    /// No faults at all: the same run through the proxy, to tell the network's part from the rest.
    pub fn none() -> Self {
        Self { max_delay: Duration::ZERO, stall: 0.0, stall_for: Duration::ZERO, drop: 0.0, cut: 0.0 }
    }
}

/// What the proxy did, all told.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub connections: AtomicU64,
    pub chunks: AtomicU64,
    pub stalls: AtomicU64,
    pub drops: AtomicU64,
    pub cuts: AtomicU64,
}

impl FaultCounts {
    pub fn summary(&self) -> String {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "{} connections, {} chunks: {} stalled, {} dropped between chunks, {} cut mid-chunk",
            n(&self.connections),
            n(&self.chunks),
            n(&self.stalls),
            n(&self.drops),
            n(&self.cuts)
        )
    }

    /// Drops and cuts together: connections the proxy broke.
    pub fn broken(&self) -> u64 {
        self.drops.load(Ordering::Relaxed) + self.cuts.load(Ordering::Relaxed)
    }
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    healed: Arc<AtomicBool>,
    pub counts: Arc<FaultCounts>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards every connection to `upstream`, with `faults`.
    pub async fn start(upstream: SocketAddr, faults: Faults, seed: u64) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let healed = Arc::new(AtomicBool::new(false));
        let counts = Arc::new(FaultCounts::default());
        let (h, c) = (healed.clone(), counts.clone());
        let task = tokio::spawn(async move {
            let mut n = 0u64;
            while let Ok((phone, _)) = listener.accept().await {
                n += 1;
                c.connections.fetch_add(1, Ordering::Relaxed);
                let (healed, counts) = (h.clone(), c.clone());
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else { return };
                    let _ = (phone.set_nodelay(true), server.set_nodelay(true));
                    let (phone_read, phone_write) = phone.into_split();
                    let (server_read, server_write) = server.into_split();
                    let up = pump(
                        phone_read,
                        server_write,
                        faults,
                        StdRng::seed_from_u64(seed ^ (n << 1)),
                        healed.clone(),
                        counts.clone(),
                    );
                    let down = pump(
                        server_read,
                        phone_write,
                        faults,
                        StdRng::seed_from_u64(seed ^ (n << 1 | 1)),
                        healed,
                        counts,
                    );
                    // When either direction breaks the connection, the other goes with it.
                    tokio::select! {
                        () = up => {}
                        () = down => {}
                    }
                });
            }
        });
        Ok(Self { addr, healed, counts, task })
    }

    /// Stops injecting faults: from now on bytes go straight through (connections already broken stay so).
    pub fn heal(&self) {
        self.healed.store(true, Ordering::Relaxed);
    }

    /// `http://ADDR`, for a phone's server address.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Forwards one direction until either side closes or a fault breaks the connection.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    faults: Faults,
    mut rng: StdRng,
    healed: Arc<AtomicBool>,
    counts: Arc<FaultCounts>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        counts.chunks.fetch_add(1, Ordering::Relaxed);
        let chunk = &buffer[..n];
        if !healed.load(Ordering::Relaxed) {
            if rng.random_bool(faults.drop) {
                counts.drops.fetch_add(1, Ordering::Relaxed);
                break;
            }
            if rng.random_bool(faults.cut) && n > 1 {
                counts.cuts.fetch_add(1, Ordering::Relaxed);
                let _ = to.write_all(&chunk[..rng.random_range(1..n)]).await;
                break;
            }
            if rng.random_bool(faults.stall) {
                counts.stalls.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(faults.stall_for).await;
            } else if !faults.max_delay.is_zero() {
                tokio::time::sleep(faults.max_delay.mul_f64(rng.random::<f64>())).await;
            }
        }
        if to.write_all(chunk).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
