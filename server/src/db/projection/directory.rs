//! The directory's rows: `units` and `people`, each tagged with the directory document listing them; and
//! which directory is in use.

use crate::db::{Conn, Database};
use crate::on_conn;

#[derive(Debug, Clone, PartialEq)]
pub struct UnitRow {
    pub unit_id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub category: String,
    pub duty_phone: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonRow {
    pub person_id: String,
    pub name: String,
    pub unit_id: String,
    pub rank: String,
    pub phone: String,
    pub roles: String,
}

/// Replaces what directory `document_id` lists: ids it no longer lists leave with it, and a unit or
/// person another directory listed moves to this one.
pub(super) async fn replace(
    conn: &mut Conn<'_>,
    document_id: &str,
    units: &[UnitRow],
    people: &[PersonRow],
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        sqlx::query("DELETE FROM units WHERE directory_id = $1").bind(document_id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM people WHERE directory_id = $1").bind(document_id).execute(&mut *c).await?;
        for u in units {
            sqlx::query(
                "INSERT INTO units (unit_id, directory_id, name, parent_id, category, duty_phone) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (unit_id) DO UPDATE SET \
                 directory_id = excluded.directory_id, name = excluded.name, parent_id = excluded.parent_id, \
                 category = excluded.category, duty_phone = excluded.duty_phone",
            )
            .bind(&u.unit_id).bind(document_id).bind(&u.name).bind(&u.parent_id).bind(&u.category).bind(&u.duty_phone)
            .execute(&mut *c)
            .await?;
        }
        for p in people {
            sqlx::query(
                "INSERT INTO people (person_id, directory_id, name, unit_id, rank, phone, roles) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (person_id) DO UPDATE SET \
                 directory_id = excluded.directory_id, name = excluded.name, unit_id = excluded.unit_id, \
                 rank = excluded.rank, phone = excluded.phone, roles = excluded.roles",
            )
            .bind(&p.person_id).bind(document_id).bind(&p.name).bind(&p.unit_id).bind(&p.rank).bind(&p.phone).bind(&p.roles)
            .execute(&mut *c)
            .await?;
        }
    });
    Ok(())
}

/// The directory in use: the document last projected as one.
pub async fn in_use(database: &Database) -> Result<Option<String>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar(
            "SELECT document_id FROM projected_documents WHERE kind = 'directory' ORDER BY projected_at DESC LIMIT 1",
        )
        .fetch_optional(c)
        .await
    })
}
