//! Fresh databases for tests: a SQLite file in a temporary folder, or a new PostgreSQL database on the
//! server `ZHIBAN_TEST_POSTGRES_URL` names.

use sqlx::Connection;

pub const POSTGRES_ENV: &str = "ZHIBAN_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// SQLite always; PostgreSQL too when the environment names a server.
    pub fn available() -> Vec<Backend> {
        let mut backends = vec![Backend::Sqlite];
        if std::env::var(POSTGRES_ENV).is_ok_and(|v| !v.is_empty()) {
            backends.push(Backend::Postgres);
        }
        backends
    }
}

/// A database nobody else uses, removed when this is dropped: SQLite's folder, or PostgreSQL's database.
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    _folder: Option<tempfile::TempDir>,
    /// The PostgreSQL server's URL and the database made on it.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> anyhow::Result<Self> {
        match backend {
            Backend::Sqlite => {
                let folder = tempfile::tempdir()?;
                let url = format!("sqlite://{}", folder.path().join("zhiban.db").display());
                Ok(Self { url, backend, _folder: Some(folder), postgres: None })
            }
            Backend::Postgres => {
                let base = std::env::var(POSTGRES_ENV)?;
                let name = format!("zhiban_test_{:016x}", rand::random::<u64>());
                let mut admin = sqlx::PgConnection::connect(&base).await?;
                // `name` is made above from hex digits only.
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await?;
                admin.close().await?;
                Ok(Self { url: with_database(&base, &name), backend, _folder: None, postgres: Some((base, name)) })
            }
        }
    }
}

impl Drop for TestDatabase {
    /// Left behind, test databases piled up in the thousands and made PostgreSQL's start after a crash take
    /// minutes. Dropped on a thread of its own, since `drop` cannot await and may run inside a runtime;
    /// `FORCE` ends the connections a stopped server's pool still holds.
    fn drop(&mut self) {
        let Some((base, name)) = self.postgres.take() else { return };
        let dropped = std::thread::spawn(move || -> anyhow::Result<()> {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&base).await?;
                // `name` is made of hex digits only, in `new`.
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await?;
                admin.close().await?;
                Ok(())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop a test database (`.ci/run` removes leftovers): {e:#}");
        }
    }
}

/// `postgres://u@h:p/old?x` with the database replaced by `name`.
fn with_database(base: &str, name: &str) -> String {
    let (without_query, query) = match base.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (base, None),
    };
    let scheme_end = without_query.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match without_query[scheme_end..].find('/') {
        Some(i) => &without_query[..scheme_end + i],
        None => without_query,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(super::with_database("postgres://u@h:5/db", "n"), "postgres://u@h:5/n");
        assert_eq!(super::with_database("postgres://u@h/db?sslmode=disable", "n"), "postgres://u@h/n?sslmode=disable");
        assert_eq!(super::with_database("postgres://u@h", "n"), "postgres://u@h/n");
    }
}
