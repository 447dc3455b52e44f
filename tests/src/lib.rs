//! The test bench for Zhiban's stories: databases (SQLite always, PostgreSQL when
//! `ZHIBAN_TEST_POSTGRES_URL` names one), servers in this process or as separate processes, and raw
//! protocol peers. Everything runs for real on loopback.

pub mod accounts;
pub mod alerting;
pub mod browser;
pub mod console;
pub mod console_browser;
pub mod database;
pub mod duty;
pub mod fast_clock;
pub mod fault_proxy;
pub mod field;
pub mod js;
pub mod mobile;
pub mod peer;
pub mod photos;
pub mod private_postgres;
pub mod process;
pub mod push_service;
pub mod server;

pub use database::{Backend, TestDatabase};
pub use peer::RawPeer;
pub use server::{InProcessServer, ServerProcess};

/// Whether a peer's heads include every change of `doc` (false while some of their heads are unknown here).
pub fn covers(doc: &automerge::Automerge, theirs: &[automerge::ChangeHash]) -> bool {
    use automerge::ReadDoc;
    if theirs.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
        return false;
    }
    let missing: std::collections::HashSet<_> = doc.get_changes(theirs).iter().map(|c| c.hash()).collect();
    doc.get_heads().iter().all(|h| !missing.contains(h))
}

/// Logs to the test output when `ZHIBAN_LOG` is set.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ZHIBAN_LOG").unwrap_or_else(|_| "warn".into()))
        .try_init();
}

/// A phone: a client core on its own temporary data folder.
pub struct Phone {
    pub client: zhiban_client_core::Client,
    pub folder: tempfile::TempDir,
}

impl Phone {
    pub fn new(server_http_url: &str) -> anyhow::Result<Self> {
        let folder = tempfile::tempdir()?;
        let client = zhiban_client_core::Client::open(folder.path(), Some(server_http_url))?;
        Ok(Self { client, folder })
    }

    /// A phone on which `username` (added already; every test server has `test-admin`) has logged in.
    pub async fn signed_in(server_http_url: &str, username: &str) -> anyhow::Result<Self> {
        let phone = Self::new(server_http_url)?;
        let password = accounts::password_of(username);
        phone.client.login(username, &password, &format!("{username}'s phone")).await?;
        Ok(phone)
    }

    /// The same phone after the app was killed and started again.
    pub fn restart(self, server_http_url: &str) -> anyhow::Result<Self> {
        let folder = self.folder;
        drop(self.client);
        let client = zhiban_client_core::Client::open(folder.path(), Some(server_http_url))?;
        Ok(Self { client, folder })
    }
}
