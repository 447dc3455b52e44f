//! Who each document is for (`document_audiences`, written in the transaction of the change that made it
//! so, and read to tell which documents a person may see), and each person's home document
//! (`home_documents`).

use std::collections::BTreeSet;

use zhiban_model::DocumentId;
use zhiban_model::access::Audience;

use super::{Conn, Database};
use crate::on_conn;

/// A document's audience and type, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentAudience {
    pub audience: Audience,
    /// The document's type (`incident`, …; empty when it has none).
    pub kind: String,
}

/// One row of `document_audiences`: (audience, kind, unit, sensitive, people, units).
type Row = (String, String, Option<String>, bool, String, String);

fn to_row(a: &DocumentAudience) -> Row {
    let join = |ids: &BTreeSet<String>| ids.iter().cloned().collect::<Vec<_>>().join("\n");
    let none = BTreeSet::new();
    let (name, unit, sensitive, people, units) = match &a.audience {
        Audience::Everyone => ("everyone", None, false, &none, &none),
        Audience::Administrators => ("administrators", None, false, &none, &none),
        Audience::Person(person) => {
            return ("person".into(), a.kind.clone(), Some(person.clone()), false, String::new(), String::new());
        }
        Audience::Incident { unit, sensitive, people } => ("incident", Some(unit.clone()), *sensitive, people, &none),
        // A unit's documents kept the name "roster" from when rosters were the only ones.
        Audience::Unit { unit } => ("roster", Some(unit.clone()), false, &none, &none),
        Audience::Units { units } => ("units", None, false, &none, units),
        Audience::Desk => ("desk", None, false, &none, &none),
        Audience::Instruction { units, people } => ("instruction", None, false, people, units),
    };
    (name.to_owned(), a.kind.clone(), unit, sensitive, join(people), join(units))
}

fn from_row((name, kind, unit, sensitive, people, units): Row) -> DocumentAudience {
    let split = |text: String| text.lines().map(str::to_owned).collect::<BTreeSet<_>>();
    let unit = unit.unwrap_or_default();
    let audience = match name.as_str() {
        "everyone" => Audience::Everyone,
        "person" => Audience::Person(unit),
        "incident" => Audience::Incident { unit, sensitive, people: split(people) },
        "roster" => Audience::Unit { unit },
        "units" => Audience::Units { units: split(units) },
        "desk" => Audience::Desk,
        "instruction" => Audience::Instruction { units: split(units), people: split(people) },
        // Unknown names (a newer server's) are shown to administrators only.
        _ => Audience::Administrators,
    };
    DocumentAudience { audience, kind }
}

/// Writes `document_id`'s audience inside the caller's transaction (the store's append, with its chunk).
pub async fn write_within(
    conn: &mut Conn<'_>,
    document_id: &str,
    audience: &DocumentAudience,
) -> Result<(), sqlx::Error> {
    let (name, kind, unit, sensitive, people, units) = to_row(audience);
    on_conn!(conn.reborrow(), c => {
        sqlx::query(
            "INSERT INTO document_audiences (document_id, audience, kind, unit, sensitive, people, units) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (document_id) DO UPDATE SET \
             audience = excluded.audience, kind = excluded.kind, unit = excluded.unit, \
             sensitive = excluded.sensitive, people = excluded.people, units = excluded.units",
        )
        .bind(document_id).bind(name).bind(kind).bind(unit).bind(sensitive).bind(people).bind(units)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Writes one document's audience on its own (after another server's change, or a rebuild).
pub async fn write(database: &Database, id: DocumentId, audience: &DocumentAudience) -> Result<(), sqlx::Error> {
    let mut pooled = database.acquire().await?;
    write_within(&mut pooled.conn(), &id.to_string(), audience).await
}

/// Every document's audience.
pub async fn all(database: &Database) -> Result<Vec<(DocumentId, DocumentAudience)>, sqlx::Error> {
    read(database, "SELECT document_id, audience, kind, unit, sensitive, people, units FROM document_audiences").await
}

/// Every document's audience but the home documents': what a home may list. There is a home per person,
/// and reading ten thousand of them for each home first used made ten thousand phones connecting quadratic.
pub async fn listable(database: &Database) -> Result<Vec<(DocumentId, DocumentAudience)>, sqlx::Error> {
    read(
        database,
        "SELECT document_id, audience, kind, unit, sensitive, people, units FROM document_audiences \
         WHERE audience <> 'person'",
    )
    .await
}

async fn read(database: &Database, query: &'static str) -> Result<Vec<(DocumentId, DocumentAudience)>, sqlx::Error> {
    type IdAndRow = (String, String, String, Option<String>, bool, String, String);
    let mut pooled = database.acquire().await?;
    let rows: Vec<IdAndRow> = on_conn!(pooled.conn(), c => { sqlx::query_as(query).fetch_all(c).await? });
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, kind, unit, sensitive, people, units)| {
            let id: DocumentId = id.parse().ok()?;
            Some((id, from_row((name, kind, unit, sensitive, people, units))))
        })
        .collect())
}

/// One document's audience, if the server has it.
pub async fn of(database: &Database, id: DocumentId) -> Result<Option<DocumentAudience>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let row: Option<Row> = on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT audience, kind, unit, sensitive, people, units FROM document_audiences WHERE document_id = $1")
            .bind(id.to_string())
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(from_row))
}

/// Stored documents with no audience kept (stored before audiences were, or by an older server).
pub async fn missing(database: &Database) -> Result<Vec<DocumentId>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let ids: Vec<String> = on_conn!(pooled.conn(), c => {
        sqlx::query_scalar(
            "SELECT d.id FROM documents d LEFT JOIN document_audiences a ON a.document_id = d.id \
             WHERE a.document_id IS NULL",
        )
        .fetch_all(c)
        .await?
    });
    Ok(ids.iter().filter_map(|id| id.parse().ok()).collect())
}

/// The id of `person`'s home document: the one kept, or `fresh` the first time one is asked for. Two
/// servers asking at once get the same answer: the first insert wins.
pub async fn home_document_id(database: &Database, person: &str, fresh: DocumentId) -> Result<DocumentId, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let id: String = on_conn!(pooled.conn(), c => {
        sqlx::query("INSERT INTO home_documents (person, document_id) VALUES ($1, $2) ON CONFLICT (person) DO NOTHING")
            .bind(person)
            .bind(fresh.to_string())
            .execute(&mut *c)
            .await?;
        sqlx::query_scalar("SELECT document_id FROM home_documents WHERE person = $1").bind(person).fetch_one(c).await?
    });
    id.parse().map_err(|e: zhiban_model::DocumentIdError| sqlx::Error::Decode(Box::new(e)))
}
