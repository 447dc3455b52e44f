//! The directory as projected, read: its units (`units`) and people (`people`). `db::projection::directory`
//! writes them and says which directory is in use; the API reads units and the people on a unit's rosters
//! here.

use crate::db::Database;
use crate::on_conn;

/// A unit's row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Unit {
    pub unit_id: String,
    pub name: String,
    pub parent_id: Option<String>,
    /// Duty category: 1, 2 or 3.
    pub category: String,
    /// The phone that must always be answered.
    pub duty_phone: String,
}

/// A person's row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Person {
    pub person_id: String,
    pub name: String,
    pub unit_id: String,
    /// principal, division or section.
    pub rank: String,
    pub phone: String,
    /// Comma-separated.
    pub roles: String,
}

/// Every unit, by id.
pub async fn units(database: &Database) -> Result<Vec<Unit>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT unit_id, name, parent_id, category, duty_phone FROM units ORDER BY unit_id")
            .fetch_all(c)
            .await
    })
}

/// Unit `id`; `None` when the directory does not list it.
pub async fn unit(database: &Database, id: &str) -> Result<Option<Unit>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT unit_id, name, parent_id, category, duty_phone FROM units WHERE unit_id = $1")
            .bind(id)
            .fetch_optional(c)
            .await
    })
}

/// The people any roster of `unit` puts on duty (as main, deputy or leader), in no particular order; people
/// the directory does not list are left out.
pub async fn people_on_rosters_of(database: &Database, unit: &str) -> Result<Vec<Person>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT person_id, name, unit_id, rank, phone, roles FROM people WHERE person_id IN \
             (SELECT main FROM shifts WHERE unit_id = $1 UNION SELECT deputy FROM shifts WHERE unit_id = $1 \
              UNION SELECT leader FROM shifts WHERE unit_id = $1)",
        )
        .bind(unit)
        .fetch_all(c)
        .await
    })
}
