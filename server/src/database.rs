//! The SQL database behind the store, for code that queries tables beside the documents (projections, the
//! ledger, the API). Both backends take the same SQL here (`$1` placeholders, BIGINT and TEXT columns), so
//! each query is written once and `on_database!` runs it on whichever pool this server has.

use sqlx::{PgPool, SqlitePool};

#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool: the body is compiled once per backend, so each
/// query is checked against each driver's types.
#[macro_export]
macro_rules! on_database {
    ($database:expr, $pool:ident => $body:expr) => {
        match $database {
            $crate::database::Database::Sqlite($pool) => $body,
            $crate::database::Database::Postgres($pool) => $body,
        }
    };
}
