//! The only code that holds SQL. One module per group of tables; pages, handlers, the hub and the scheduler
//! call named functions here (`db::alerts::open_for`, …) and hold no SQL of their own.
//!
//! Both backends take the same SQL (`$1` placeholders, BIGINT and TEXT columns), so each query is written
//! once. The one way to run it on whichever backend this server has: get a [`Conn`] (from the pool with
//! [`Database::acquire`], or from a [`Transaction`]) and run the body with [`on_conn!`], which compiles it
//! once per backend, so each query is checked against each driver's types.
//!
//! A function that reads or writes on its own takes `&Database`; one that must run inside a caller's
//! transaction (the store's append, with its rows) takes `&mut Conn<'_>`.

// Modules, one per group of tables:
/// People who log in: `users` (names, unit, roles, password hash, disabled).
pub mod accounts;
/// Alerts, their escalations and calls: `alerts`, `alert_recipients`, `alert_calls`.
pub mod alerts;
/// Attachment bytes and partial uploads: `attachment_uploads`, `attachment_chunks`.
pub mod attachments;
/// Who each document is for, and each person's home document: `document_audiences`, `home_documents`.
pub mod audiences;
/// How each stored change was received, and who owns each actor id: `change_log`, `actor_bindings`.
pub mod change_log;
/// The web console's sessions: `console_sessions`.
pub mod console_sessions;
/// Devices and their tokens: `devices`, `access_tokens`, `refresh_tokens`.
pub mod devices;
/// The directory's units and people, read: `units`, `people`.
pub mod directory;
/// The documents' store: `documents`, `document_chunks`, and the storage id in `server_identity`.
pub mod documents;
/// A document's history as received, read: `change_log`.
pub mod history;
/// Incidents, read: `incidents`, `report_entries`, `incident_steps`, `incident_judgements`, `incident_attachments`.
pub mod incidents;
/// Instructions, read: `instructions`, `instruction_recipients`, `acknowledgements`.
pub mod instructions;
/// The instruction ledger: `ledger_counters`.
pub mod ledger;
/// Failed logins and the addresses users logged in from: `login_throttle`, `login_addresses`.
pub mod login_throttle;
/// The desk's oversight, read: `filing_rounds`, `filing_round_units`, `spot_checks`, `duty_log_entries`, `assessment_items`.
pub mod oversight;
/// Each typed document's rows for the desk, replaced whole: `projected_documents` and each kind's tables.
pub mod projection;
/// Web Push: `vapid_keys`, `push_subscriptions`, `push_deliveries`.
pub mod push;
/// Rosters, read: `rosters`, `shifts`, `roster_filing_steps`.
pub mod rosters;
/// People whose sessions ended or changed, as the accounts' triggers record them: `session_events`.
pub mod session_events;

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool};

/// The SQL database: the documents' store and the tables beside them.
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// One connection of either backend, borrowed: a pooled one or the one a transaction runs on.
pub enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// A connection taken from the pool, given back when dropped.
pub enum Pooled {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// A transaction: committed by [`Transaction::commit`], rolled back when dropped without it.
pub enum Transaction {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Runs `$body` with `$c` bound to the backend's own connection (`&mut SqliteConnection` or
/// `&mut PgConnection`): the body is compiled once per backend.
#[macro_export]
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}

impl Database {
    /// `sqlite` or `postgres`, for `/health` and logs.
    pub fn backend(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }

    /// A connection from the pool, for one or more statements outside a transaction.
    pub async fn acquire(&self) -> Result<Pooled, sqlx::Error> {
        Ok(match self {
            Database::Sqlite(pool) => Pooled::Sqlite(pool.acquire().await?),
            Database::Postgres(pool) => Pooled::Postgres(pool.acquire().await?),
        })
    }

    /// Begins a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a transaction
    /// that reads and then writes would otherwise fail to upgrade its lock while another writes.
    pub async fn begin(&self) -> Result<Transaction, sqlx::Error> {
        Ok(match self {
            Database::Sqlite(pool) => Transaction::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Database::Postgres(pool) => Transaction::Postgres(pool.begin().await?),
        })
    }
}

impl Pooled {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(c) => Conn::Sqlite(&mut *c),
            Pooled::Postgres(c) => Conn::Postgres(&mut *c),
        }
    }
}

impl Transaction {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Transaction::Sqlite(tx) => Conn::Sqlite(&mut *tx),
            Transaction::Postgres(tx) => Conn::Postgres(&mut *tx),
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Transaction::Sqlite(tx) => tx.commit().await,
            Transaction::Postgres(tx) => tx.commit().await,
        }
    }
}

impl Conn<'_> {
    /// The same connection, borrowed again (to pass to another function in this module and go on using it).
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// Runs `$body` with `$pool` bound to the concrete pool. Being replaced by [`on_conn!`] and named functions in
/// this module, group by group; removed once no caller is left.
#[macro_export]
macro_rules! on_database {
    ($database:expr, $pool:ident => $body:expr) => {
        match $database {
            $crate::db::Database::Sqlite($pool) => $body,
            $crate::db::Database::Postgres($pool) => $body,
        }
    };
}
