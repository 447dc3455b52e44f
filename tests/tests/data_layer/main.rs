//! One suite for the data-access layer (`zhiban_server::db` and the store on it), run on every backend
//! available: what the server relies on from SQLite and PostgreSQL alike. One module per group of tables.

mod accounts;
mod alerts;
mod documents;
mod reads;

use zhiban_server::db::Database;
use zhiban_tests::{Backend, TestDatabase};

/// Runs `test` on a fresh, migrated database of each backend available, with the backend's name.
pub async fn each_database(test: impl AsyncFn(&'static str, Database)) {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("test database");
        let store = zhiban_server::store::open(&db.url).await.expect("store opens and migrates");
        test(store.backend(), store.database()).await;
    }
}
