//! What the server knows about the duty office beyond syncing bytes: the rules and their configuration,
//! the directory (to check units and people), which changes a phone may make to a typed document, and the
//! fields only the server writes (the instruction ledger number, acknowledgement receipt times).

mod amend;
mod config;
pub mod directory_admin;
mod rules;

use std::sync::{Arc, RwLock};

use zhiban_model::documents::directory::Directory;

pub use amend::AmendError;
pub use config::ConfigError;
pub use rules::DutyRules;
pub use zhiban_model::documents::TypedDocument;
pub use zhiban_model::gate::check_change;

use crate::clock::{Clock, SystemClock};
use crate::db::Database;

/// Shared by the hub, the projections and the API.
#[derive(Clone)]
pub struct Office {
    pub database: Database,
    pub rules: Arc<DutyRules>,
    /// The directory as last projected: what changes are checked against.
    directory: Arc<RwLock<Arc<Directory>>>,
    /// The office's time: the server's one clock (`ServerConfig::clock`), read by everything that asks
    /// what time it is for the office's purposes.
    clock: Arc<dyn Clock>,
}

impl Office {
    /// The office on the machine's clock, for code with no clock of its own to give (tests, benchmarks).
    pub fn new(database: Database, rules: DutyRules) -> Self {
        Self::with_clock(database, rules, Arc::new(SystemClock))
    }

    /// The office on `clock`: a server's, the one its configuration gives.
    pub fn with_clock(database: Database, rules: DutyRules, clock: Arc<dyn Clock>) -> Self {
        Self {
            database,
            rules: Arc::new(rules),
            directory: Arc::new(RwLock::new(Arc::new(Directory::default()))),
            clock,
        }
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn directory(&self) -> Arc<Directory> {
        self.directory.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    pub fn set_directory(&self, directory: Directory) {
        *self.directory.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(directory);
    }
}
