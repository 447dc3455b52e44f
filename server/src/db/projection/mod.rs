//! The projection: each typed document's rows in SQL tables beside the documents, for the desk's queries.
//! A document's rows are replaced whole, in one transaction (or inside the store's, with the change), so a
//! reader sees the whole projection before or after, never half; writing the same rows twice changes
//! nothing. `projected_documents` records what each document was projected as, and why its rows could not
//! be made when they could not.

pub mod directory;
pub mod incidents;
pub mod instructions;
pub mod oversight;
pub mod rosters;

use directory::{PersonRow, UnitRow};
use incidents::{AttachmentRow, IncidentRow, JudgementRow, ReportEntryRow, StepRow};
use instructions::{AcknowledgementRow, InstructionRow, RecipientRow};
use oversight::{AssessmentItemRow, FilingRoundRow, LogEntryRow, SpotCheckRow};
use rosters::{FilingStepRow, RosterRow, ShiftRow};

use super::{Conn, Database};
use crate::on_conn;

/// A document's projection: its kind and schema, and its rows or why they cannot be made.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub kind: &'static str,
    pub schema: i64,
    pub rows: Result<Rows, String>,
}

/// Everything one document projects to.
// One value is made per document and written at once; none are held in bulk, so boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Rows {
    Directory {
        units: Vec<UnitRow>,
        people: Vec<PersonRow>,
    },
    Incident {
        incident: IncidentRow,
        entries: Vec<ReportEntryRow>,
        steps: Vec<StepRow>,
        judgements: Vec<JudgementRow>,
        attachments: Vec<AttachmentRow>,
    },
    Instruction {
        instruction: InstructionRow,
        recipients: Vec<RecipientRow>,
        acknowledgements: Vec<AcknowledgementRow>,
    },
    Roster {
        roster: RosterRow,
        shifts: Vec<ShiftRow>,
        filing: Vec<FilingStepRow>,
    },
    FilingRound {
        round: FilingRoundRow,
        units: Vec<String>,
    },
    SpotChecks {
        checks: Vec<SpotCheckRow>,
    },
    DutyLog {
        entries: Vec<LogEntryRow>,
    },
    Assessment {
        items: Vec<AssessmentItemRow>,
    },
}

/// The tables each kind of document's rows live in (the directory's live in `units` and `people`).
const TABLES_BY_KIND: [(&str, &[&str]); 7] = [
    ("incident", &["incidents", "report_entries", "incident_steps", "incident_judgements", "incident_attachments"]),
    ("instruction", &["instructions", "instruction_recipients", "acknowledgements"]),
    ("roster", &["rosters", "shifts", "roster_filing_steps"]),
    ("filing_round", &["filing_rounds", "filing_round_units"]),
    ("spot_checks", &["spot_checks"]),
    ("duty_log", &["duty_log_entries"]),
    ("assessment", &["assessment_items"]),
];

/// Every table a document's rows may be in.
fn per_document_tables() -> impl Iterator<Item = &'static str> {
    TABLES_BY_KIND.into_iter().flat_map(|(_, tables)| tables.iter().copied())
}

/// The tables the old rows of a document of `kind` may be in, when it was last projected as `previous`:
/// none for a document never projected (rows are only ever written with their `projected_documents` row, and
/// a rebuild clears both), its own kind's when it was that kind, every table when its kind changed. Each
/// change deletes only where rows can be, not from all sixteen tables.
fn tables_to_clear(kind: &str, previous: Option<&str>) -> impl Iterator<Item = &'static str> {
    TABLES_BY_KIND
        .into_iter()
        .filter(move |(of, _)| previous.is_some_and(|previous| previous != kind || *of == kind))
        .flat_map(|(_, tables)| tables.iter().copied())
}

/// Replaces one document's rows with `projection`'s, in a transaction of its own (rebuilds, the demo,
/// another server's changes).
pub async fn replace(
    database: &Database,
    document_id: &str,
    projection: &Projection,
    now_millis: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = database.begin().await?;
    write(&mut tx.conn(), document_id, projection, now_millis).await?;
    tx.commit().await
}

/// Replaces one document's rows inside the transaction that stores its change, under a savepoint: the rows
/// commit with the change or not at all, and rows that cannot be written (a constraint the data breaks)
/// are recorded as the document's projection problem instead of failing the change.
pub async fn replace_within(
    conn: &mut Conn<'_>,
    document_id: &str,
    projection: &Projection,
    now_millis: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => { sqlx::raw_sql("SAVEPOINT projection_rows").execute(c).await?; });
    match write(conn, document_id, projection, now_millis).await {
        Ok(()) => {
            on_conn!(conn.reborrow(), c => { sqlx::raw_sql("RELEASE SAVEPOINT projection_rows").execute(c).await?; });
            Ok(())
        }
        Err(e) => {
            on_conn!(conn.reborrow(), c => {
                sqlx::raw_sql("ROLLBACK TO SAVEPOINT projection_rows").execute(&mut *c).await?;
                sqlx::raw_sql("RELEASE SAVEPOINT projection_rows").execute(c).await?;
            });
            tracing::warn!(document = document_id, error = %e, "projection rows could not be written; recorded as a problem");
            let failed = Projection {
                kind: projection.kind,
                schema: projection.schema,
                rows: Err(format!("rows could not be written: {e}")),
            };
            write(conn, document_id, &failed, now_millis).await
        }
    }
}

/// Deletes the document's old rows and writes the new ones, on `conn`.
async fn write(
    conn: &mut Conn<'_>,
    document_id: &str,
    projection: &Projection,
    now_millis: i64,
) -> Result<(), sqlx::Error> {
    let kind = projection.kind;
    let rows: Result<&Rows, &str> = projection.rows.as_ref().map_err(String::as_str);
    on_conn!(conn.reborrow(), c => {
        let previous: Option<String> =
            sqlx::query_scalar("SELECT kind FROM projected_documents WHERE document_id = $1")
                .bind(document_id)
                .fetch_optional(&mut *c)
                .await?;
        for table in tables_to_clear(kind, previous.as_deref()) {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE document_id = $1")))
                .bind(document_id)
                .execute(&mut *c)
                .await?;
        }
        sqlx::query(
            "INSERT INTO projected_documents (document_id, kind, schema, projected_at, problem) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (document_id) DO UPDATE SET kind = excluded.kind, schema = excluded.schema, \
             projected_at = excluded.projected_at, problem = excluded.problem",
        )
        .bind(document_id)
        .bind(kind)
        .bind(projection.schema)
        .bind(now_millis)
        .bind(rows.err())
        .execute(&mut *c)
        .await?;
    });
    match rows {
        Err(_) => Ok(()),
        Ok(Rows::Directory { units, people }) => directory::replace(conn, document_id, units, people).await,
        Ok(Rows::Incident { incident, entries, steps, judgements, attachments }) => {
            incidents::insert(conn, document_id, incident, entries, steps, judgements, attachments).await
        }
        Ok(Rows::Instruction { instruction, recipients, acknowledgements }) => {
            instructions::insert(conn, document_id, instruction, recipients, acknowledgements).await
        }
        Ok(Rows::Roster { roster, shifts, filing }) => rosters::insert(conn, document_id, roster, shifts, filing).await,
        Ok(Rows::FilingRound { round, units }) => oversight::insert_filing_round(conn, document_id, round, units).await,
        Ok(Rows::SpotChecks { checks }) => oversight::insert_spot_checks(conn, document_id, checks).await,
        Ok(Rows::DutyLog { entries }) => oversight::insert_duty_log(conn, document_id, entries).await,
        Ok(Rows::Assessment { items }) => oversight::insert_assessment(conn, document_id, items).await,
    }
}

/// Deletes every projected row, in one transaction, before a rebuild: what every document was projected
/// as, the directory's units and people, then each kind's rows. The instruction ledger is not a projection
/// and stays.
pub async fn clear_all(database: &Database) -> Result<(), sqlx::Error> {
    let mut tx = database.begin().await?;
    on_conn!(tx.conn(), c => {
        for table in ["projected_documents", "units", "people"].into_iter().chain(per_document_tables()) {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *c).await?;
        }
    });
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_of_the_same_kind_clears_only_its_own_tables() {
        let cleared: Vec<_> = tables_to_clear("instruction", Some("instruction")).collect();
        assert_eq!(cleared, ["instructions", "instruction_recipients", "acknowledgements"]);
    }

    #[test]
    fn a_document_never_projected_has_nothing_to_clear_and_one_of_another_kind_clears_every_table() {
        assert_eq!(tables_to_clear("incident", None).count(), 0);
        let every: Vec<_> = per_document_tables().collect();
        assert_eq!(tables_to_clear("incident", Some("roster")).collect::<Vec<_>>(), every);
        assert_eq!(every.len(), 16, "every per-document table, each once");
    }
}
