//! Projections: after each durable merge the server writes a typed document's rows into SQL tables beside
//! the documents, for the desk's queries. The documents are the truth; rows are rebuilt from them at will
//! (`zhiban-server admin reproject`). Here the rows are worked out from typed documents; `db::projection`
//! writes them (inside the store's append when they come with a change).

pub mod on_duty;
pub mod oversight_rows;
pub mod rows;

pub use crate::db::projection::Projection;

use zhiban_model::DocumentId;

use crate::db::Database;
use crate::office::{Office, TypedDocument};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("cannot write the projection of document {document}: {source}")]
    Write {
        document: DocumentId,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot read document {document} from the store: {source}")]
    Load {
        document: DocumentId,
        #[source]
        source: StoreError,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `typed` projects to, or nothing for a document the office's tables do not cover.
pub fn projection_of(typed: &TypedDocument, office: &Office) -> Option<Projection> {
    let rules = &office.rules;
    let (kind, schema, rows) = match typed {
        TypedDocument::Empty | TypedDocument::Untyped | TypedDocument::Other(_) | TypedDocument::Home(_) => {
            return None;
        }
        TypedDocument::Directory(d) => ("directory", d.schema, Ok(rows::directory_rows(d))),
        TypedDocument::Incident(i) => ("incident", i.schema, rows::incident_rows(i, rules)),
        TypedDocument::Instruction(i) => ("instruction", i.schema, rows::instruction_rows(i, rules)),
        TypedDocument::Roster(r) => ("roster", r.schema, rows::roster_rows(r, &office.directory(), rules)),
        TypedDocument::FilingRound(r) => ("filing_round", r.schema, oversight_rows::filing_round_rows(r)),
        TypedDocument::SpotChecks(c) => ("spot_checks", c.schema, oversight_rows::spot_check_rows(c)),
        TypedDocument::DutyLog(l) => ("duty_log", l.schema, oversight_rows::duty_log_rows(l)),
        TypedDocument::Assessment(a) => ("assessment", a.schema, oversight_rows::assessment_rows(a)),
    };
    Some(Projection { kind, schema, rows })
}

/// Projects one document in its own transaction (idempotent). A directory also becomes the one changes
/// are checked against.
pub async fn project(office: &Office, document: DocumentId, typed: &TypedDocument) -> Result<(), ProjectionError> {
    let Some(projection) = projection_of(typed, office) else { return Ok(()) };
    let now = office.clock().now_millis();
    crate::db::projection::replace(&office.database, &document.to_string(), &projection, now)
        .await
        .map_err(|source| ProjectionError::Write { document, source })?;
    if let TypedDocument::Directory(d) = typed {
        office.set_directory(d.clone());
    }
    Ok(())
}

/// Loads and reads one stored document.
pub async fn read_stored(store: &dyn Store, document: DocumentId) -> Result<automerge::Automerge, ProjectionError> {
    crate::store::read_document(store, document).await.map_err(|source| ProjectionError::Load { document, source })
}

/// The directory in use: the last one projected.
pub async fn directory_id(database: &Database) -> Result<Option<DocumentId>, ProjectionError> {
    let id = crate::db::projection::directory::in_use(database).await?;
    Ok(id.and_then(|id| id.parse::<DocumentId>().ok()))
}

/// At start, and when another process changed it: the directory changes are checked against is the last
/// one projected.
pub async fn load_directory(store: &dyn Store, office: &Office) -> Result<(), ProjectionError> {
    let Some(id) = directory_id(&office.database).await? else { return Ok(()) };
    let doc = read_stored(store, id).await?;
    if let Ok(TypedDocument::Directory(d)) = TypedDocument::read(&doc) {
        office.set_directory(d);
    }
    Ok(())
}

/// What a rebuild did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reprojected {
    pub documents: usize,
    pub projected: usize,
    /// Documents whose rows could not be made, with why.
    pub problems: Vec<(String, String)>,
}

/// Drops every projected row and projects every stored document again, directories first (rosters are
/// checked against them). The instruction ledger is not a projection and is left alone.
pub async fn reproject_all(store: &dyn Store, office: &Office) -> Result<Reprojected, ProjectionError> {
    crate::db::projection::clear_all(&office.database).await?;
    let ids = store.document_ids().await?;
    let mut report = Reprojected { documents: ids.len(), ..Default::default() };
    let mut later = Vec::new();
    for id in ids {
        let doc = read_stored(store, id).await?;
        let typed = TypedDocument::read(&doc);
        if let Some(audience) = crate::homes::DocumentAudience::of(&typed) {
            crate::db::audiences::write(&office.database, id, &audience).await?;
        }
        match typed {
            Ok(typed @ TypedDocument::Directory(_)) => {
                project(office, id, &typed).await?;
                report.projected += 1;
            }
            // Home documents have no rows: their audience (written above) is all the server keeps of them.
            Ok(TypedDocument::Home(_)) => {}
            Ok(typed) if typed.kind().is_some() => later.push((id, typed)),
            Ok(_) => {}
            Err(e) => report.problems.push((id.to_string(), e.to_string())),
        }
    }
    for (id, typed) in later {
        if let Some(Projection { rows: Err(problem), .. }) = projection_of(&typed, office) {
            report.problems.push((id.to_string(), problem));
        }
        project(office, id, &typed).await?;
        report.projected += 1;
    }
    Ok(report)
}
