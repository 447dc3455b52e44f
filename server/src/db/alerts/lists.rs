//! The open alerts each person's home lists: the alerts that called them, not yet acknowledged for that
//! recipient nor ended, raised since a given time; found through `alert_calls_by_person`.

use std::sync::LazyLock;

use crate::db::Database;
use crate::on_conn;

/// An open alert as one person's home lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub person: String,
    pub alert: String,
    pub kind: String,
    pub document: Option<String>,
    pub title_class: String,
    pub urgency: String,
    /// When the alert first called the person.
    pub called_at: i64,
}

type ListedRow = (String, String, String, Option<String>, String, String, i64);

/// How many people one statement asks about (`c.person IN ($2, …)`): the smallest of these sizes that holds
/// them, its other places NULL, which matches nobody. So a connection keeps five statements prepared, not one
/// per count, and both planners see a list they look up by the index (PostgreSQL estimates a set-returning
/// function such as `json_each` at a hundred rows, and then scanned every call ever made).
const SIZES: [usize; 5] = [1, 10, 100, 1_000, 10_000];

static STATEMENTS: LazyLock<[String; 5]> = LazyLock::new(|| SIZES.map(open_for_statement));

fn open_for_statement(size: usize) -> String {
    let places: Vec<String> = (2..size + 2).map(|place| format!("${place}")).collect();
    format!(
        "SELECT c.person, a.alert_id, a.kind, a.document_id, a.title_class, a.urgency, MIN(c.called_at) \
         FROM alert_calls c JOIN alerts a ON a.alert_id = c.alert_id \
         JOIN alert_recipients r ON r.alert_id = c.alert_id AND r.recipient = c.recipient \
         WHERE c.person IN ({}) AND a.resolved_at IS NULL AND r.acknowledged_at IS NULL AND a.raised_at >= $1 \
         GROUP BY c.person, a.alert_id, a.kind, a.document_id, a.title_class, a.urgency",
        places.join(", ")
    )
}

/// The open alerts of each of `people`, raised at or after `since`, one row per person and alert: in one
/// query for up to 10,000 people (a new alert lists itself in a thousand homes at once).
pub async fn open_for(database: &Database, people: &[String], since: i64) -> Result<Vec<Listed>, sqlx::Error> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<ListedRow> = Vec::new();
    let mut pooled = database.acquire().await?;
    for batch in people.chunks(SIZES[SIZES.len() - 1]) {
        let size = SIZES.iter().position(|size| *size >= batch.len()).unwrap_or(SIZES.len() - 1);
        let statement: &'static str = STATEMENTS[size].as_str();
        let found: Vec<ListedRow> = on_conn!(pooled.conn(), c => {
            let mut query = sqlx::query_as(statement).bind(since);
            for place in 0..SIZES[size] {
                query = query.bind(batch.get(place));
            }
            query.fetch_all(c).await?
        });
        rows.extend(found);
    }
    Ok(rows
        .into_iter()
        .map(|(person, alert, kind, document, title_class, urgency, called_at)| Listed {
            person,
            alert,
            kind,
            document,
            title_class,
            urgency,
            called_at,
        })
        .collect())
}
