//! The `document_audiences` table: who each document is for, written in the same transaction as the
//! change that made it so, and read to tell which documents a person may see.

use std::collections::BTreeSet;

use zhiban_model::DocumentId;
use zhiban_model::access::Audience;
use zhiban_model::documents::TypedDocument;

use crate::database::Database;
use crate::on_database;

/// A document's audience and type, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentAudience {
    pub audience: Audience,
    /// The document's type (`incident`, …; empty when it has none).
    pub kind: String,
}

impl DocumentAudience {
    /// `None` for a document still empty: nobody needs it listed.
    pub fn of(typed: &Result<TypedDocument, zhiban_model::documents::DocumentError>) -> Option<Self> {
        match typed {
            Ok(TypedDocument::Empty) => None,
            Ok(typed) => {
                Some(Self { audience: Audience::of(typed), kind: typed.kind().unwrap_or_default().to_owned() })
            }
            Err(_) => Some(Self { audience: Audience::Administrators, kind: String::new() }),
        }
    }
}

/// One row of `document_audiences`: (audience, kind, unit, sensitive, people, units).
pub type Row = (String, String, Option<String>, bool, String, String);

pub fn to_row(a: &DocumentAudience) -> Row {
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

pub fn from_row((name, kind, unit, sensitive, people, units): Row) -> DocumentAudience {
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

/// Writes a document's audience on the transaction `tx` (both backends take the same SQL).
#[macro_export]
macro_rules! write_audience {
    ($tx:ident, $id:expr, $audience:expr) => {{
        let (name, kind, unit, sensitive, people, units) = $crate::homes::audiences::to_row($audience);
        sqlx::query(
            "INSERT INTO document_audiences (document_id, audience, kind, unit, sensitive, people, units) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (document_id) DO UPDATE SET \
             audience = excluded.audience, kind = excluded.kind, unit = excluded.unit, \
             sensitive = excluded.sensitive, people = excluded.people, units = excluded.units",
        )
        .bind($id)
        .bind(name)
        .bind(kind)
        .bind(unit)
        .bind(sensitive)
        .bind(people)
        .bind(units)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Writes one document's audience in its own transaction (after another server's change, or a rebuild).
pub async fn write(database: &Database, id: DocumentId, audience: &DocumentAudience) -> Result<(), sqlx::Error> {
    let id = id.to_string();
    on_database!(database, pool => {
        let mut tx = pool.begin().await?;
        crate::write_audience!(tx, &id, audience);
        tx.commit().await?;
    });
    Ok(())
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
    let rows: Vec<IdAndRow> = on_database!(database, pool => {
        sqlx::query_as(query).fetch_all(pool).await?
    });
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, kind, unit, sensitive, people, units)| {
            let id: DocumentId = id.parse().ok()?;
            Some((id, from_row((name, kind, unit, sensitive, people, units))))
        })
        .collect())
}

/// Documents stored before audiences were kept (or by a server that crashed between a change and its
/// audience, which cannot happen within one transaction but may across versions): their audience is
/// worked out from the document. Run at start; cheap when nothing is missing.
pub async fn backfill(
    store: &dyn crate::store::Store,
    database: &Database,
) -> Result<usize, crate::projection::ProjectionError> {
    let missing: Vec<String> = on_database!(database, pool => {
        sqlx::query_scalar(
            "SELECT d.id FROM documents d LEFT JOIN document_audiences a ON a.document_id = d.id \
             WHERE a.document_id IS NULL",
        )
        .fetch_all(pool)
        .await?
    });
    let mut written = 0;
    for id in missing.iter().filter_map(|id| id.parse::<DocumentId>().ok()) {
        let doc = crate::projection::read_stored(store, id).await?;
        if let Some(audience) = DocumentAudience::of(&TypedDocument::read(&doc)) {
            write(database, id, &audience).await?;
            written += 1;
        }
    }
    Ok(written)
}

/// One document's audience, if the server has it.
pub async fn of(database: &Database, id: DocumentId) -> Result<Option<DocumentAudience>, sqlx::Error> {
    let row: Option<Row> = on_database!(database, pool => {
        sqlx::query_as("SELECT audience, kind, unit, sensitive, people, units FROM document_audiences WHERE document_id = $1")
            .bind(id.to_string())
            .fetch_optional(pool)
            .await?
    });
    Ok(row.map(from_row))
}
