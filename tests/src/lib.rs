//! The test bench for Zhiban's stories: databases (SQLite always, PostgreSQL when
//! `ZHIBAN_TEST_POSTGRES_URL` names one), servers in this process or as separate processes, and raw
//! protocol peers. Everything runs for real on loopback.

pub mod database;
pub mod peer;
pub mod server;

pub use database::{Backend, TestDatabase};
pub use peer::RawPeer;
pub use server::{InProcessServer, ServerProcess};

/// Logs to the test output when `ZHIBAN_LOG` is set.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ZHIBAN_LOG").unwrap_or_else(|_| "warn".into()))
        .try_init();
}
