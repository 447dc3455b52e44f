//! Writes a document's rows in one transaction: the old rows of the document go, the new ones come, so a
//! reader sees the whole projection before or after, never half. Running it twice changes nothing.

use sqlx::{PgConnection, SqliteConnection};

use super::rows::{Projection, Rows};
use crate::database::Database;
use crate::on_database;

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
pub(crate) fn per_document_tables() -> impl Iterator<Item = &'static str> {
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

/// Writes one document's projection on a connection (inside the caller's transaction).
pub trait WriteRows {
    fn replace_rows(
        &mut self,
        document_id: &str,
        projection: &Projection,
        now_millis: i64,
    ) -> impl std::future::Future<Output = Result<(), sqlx::Error>> + Send;
}

/// The same statements for both backends, compiled once for each connection type.
macro_rules! replace_rows_body {
    ($conn:ident, $document_id:ident, $projection:ident, $now_millis:ident) => {{
        let conn = $conn;
        let document_id = $document_id;
        let now_millis = $now_millis;
        let kind = $projection.kind;
        let schema = $projection.schema;
        let rows: Result<&Rows, &str> = $projection.rows.as_ref().map_err(String::as_str);
        let previous: Option<String> = sqlx::query_scalar("SELECT kind FROM projected_documents WHERE document_id = $1")
            .bind(document_id).fetch_optional(&mut *conn).await?;
        for table in tables_to_clear(kind, previous.as_deref()) {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE document_id = $1"))).bind(document_id).execute(&mut *conn).await?;
        }
        sqlx::query(
            "INSERT INTO projected_documents (document_id, kind, schema, projected_at, problem) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (document_id) DO UPDATE SET kind = excluded.kind, schema = excluded.schema, \
             projected_at = excluded.projected_at, problem = excluded.problem",
        )
        .bind(document_id)
        .bind(kind)
        .bind(schema)
        .bind(now_millis)
        .bind(rows.err())
        .execute(&mut *conn)
        .await?;
        match rows {
            Err(_) => {}
            Ok(Rows::Directory { units, people }) => {
                // The directory replaces what it held before; ids it no longer lists leave with it.
                sqlx::query("DELETE FROM units WHERE directory_id = $1").bind(document_id).execute(&mut *conn).await?;
                sqlx::query("DELETE FROM people WHERE directory_id = $1").bind(document_id).execute(&mut *conn).await?;
                for u in units {
                    sqlx::query(
                        "INSERT INTO units (unit_id, directory_id, name, parent_id, category, duty_phone) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (unit_id) DO UPDATE SET \
                         directory_id = excluded.directory_id, name = excluded.name, parent_id = excluded.parent_id, \
                         category = excluded.category, duty_phone = excluded.duty_phone",
                    )
                    .bind(&u.unit_id).bind(document_id).bind(&u.name).bind(&u.parent_id).bind(&u.category).bind(&u.duty_phone)
                    .execute(&mut *conn)
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
                    .execute(&mut *conn)
                    .await?;
                }
            }
            Ok(Rows::Incident { incident: i, entries, steps, judgements, attachments }) => {
                sqlx::query(
                    "INSERT INTO incidents (document_id, title, unit_id, nature, place, received_at, received_at_text, \
                     occurred_at, sensitive, stage, suggested_grade, confirmed_grade, grade_reason, effective_grade, \
                     dead, injured, serious_injuries, missing, trapped, direct_loss_cny, first_reported_at, \
                     verbal_due_at, written_due_at, late_by_seconds, report_count, has_final_report, pending_fields, \
                     last_report_at, latitude, longitude) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                     $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)",
                )
                .bind(document_id).bind(&i.title).bind(&i.unit_id).bind(&i.nature).bind(&i.place)
                .bind(i.received_at).bind(&i.received_at_text).bind(i.occurred_at).bind(i64::from(i.sensitive))
                .bind(&i.stage).bind(&i.suggested_grade).bind(&i.confirmed_grade).bind(&i.grade_reason)
                .bind(&i.effective_grade).bind(i.dead).bind(i.injured).bind(i.serious_injuries).bind(i.missing)
                .bind(i.trapped).bind(i.direct_loss_cny).bind(i.first_reported_at).bind(i.verbal_due_at)
                .bind(i.written_due_at).bind(i.late_by_seconds).bind(i.report_count)
                .bind(i64::from(i.has_final_report)).bind(&i.pending_fields).bind(i.last_report_at)
                .bind(i.latitude).bind(i.longitude)
                .execute(&mut *conn)
                .await?;
                for j in judgements {
                    sqlx::query(
                        "INSERT INTO incident_judgements (document_id, position, kind, unit_id, reason, by_person, at, at_text) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(document_id).bind(j.position).bind(&j.kind).bind(&j.unit_id).bind(&j.reason)
                    .bind(&j.by_person).bind(j.at).bind(&j.at_text)
                    .execute(&mut *conn)
                    .await?;
                }
                for a in attachments {
                    sqlx::query(
                        "INSERT INTO incident_attachments (document_id, sha256, media_type, entry_id, added_by, added_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(document_id).bind(&a.sha256).bind(&a.media_type).bind(&a.entry_id).bind(&a.added_by).bind(a.added_at)
                    .execute(&mut *conn)
                    .await?;
                }
                for e in entries {
                    sqlx::query(
                        "INSERT INTO report_entries (document_id, entry_id, position, kind, label, submitted_at, \
                         submitted_at_text, reporter_person, reporter_name, reporter_unit, account, details) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(document_id).bind(&e.entry_id).bind(e.position).bind(&e.kind).bind(&e.label)
                    .bind(e.submitted_at).bind(&e.submitted_at_text).bind(&e.reporter_person).bind(&e.reporter_name)
                    .bind(&e.reporter_unit).bind(&e.account).bind(&e.details)
                    .execute(&mut *conn)
                    .await?;
                }
                for s in steps {
                    sqlx::query(
                        "INSERT INTO incident_steps (document_id, position, stage, by_person, at, at_text, note) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(document_id).bind(s.position).bind(&s.stage).bind(&s.by_person).bind(s.at).bind(&s.at_text).bind(&s.note)
                    .execute(&mut *conn)
                    .await?;
                }
            }
            Ok(Rows::Instruction { instruction: i, recipients, acknowledgements }) => {
                sqlx::query(
                    "INSERT INTO instructions (document_id, number, leader, issued_at, issued_at_text, text, incident, \
                     status, relay_due_at, feedback_due_at, feedback_due_provisional, recipient_count, \
                     acknowledged_count, fed_back_at, closed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                )
                .bind(document_id).bind(&i.number).bind(&i.leader).bind(i.issued_at).bind(&i.issued_at_text)
                .bind(&i.text).bind(&i.incident).bind(&i.status).bind(i.relay_due_at).bind(i.feedback_due_at)
                .bind(i64::from(i.feedback_due_provisional)).bind(i.recipient_count).bind(i.acknowledged_count)
                .bind(i.fed_back_at).bind(i.closed_at)
                .execute(&mut *conn)
                .await?;
                for r in recipients {
                    sqlx::query(
                        "INSERT INTO instruction_recipients (document_id, recipient_id, kind, relayed_at, acknowledged) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(document_id).bind(&r.recipient_id).bind(&r.kind).bind(r.relayed_at).bind(i64::from(r.acknowledged))
                    .execute(&mut *conn)
                    .await?;
                }
                for a in acknowledgements {
                    sqlx::query(
                        "INSERT INTO acknowledgements (document_id, recipient_id, person_id, device, acknowledged_at, \
                         acknowledged_at_text, server_received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(document_id).bind(&a.recipient_id).bind(&a.person_id).bind(&a.device).bind(a.acknowledged_at)
                    .bind(&a.acknowledged_at_text).bind(a.server_received_at)
                    .execute(&mut *conn)
                    .await?;
                }
            }
            Ok(Rows::Roster { roster: r, shifts, filing }) => {
                for f in filing {
                    sqlx::query(
                        "INSERT INTO roster_filing_steps (document_id, position, unit_id, status, by_person, at, at_text, reasons) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(document_id).bind(f.position).bind(&r.unit_id).bind(&f.status).bind(&f.by_person).bind(f.at)
                    .bind(&f.at_text).bind(&f.reasons)
                    .execute(&mut *conn)
                    .await?;
                }
                sqlx::query(
                    "INSERT INTO rosters (document_id, unit_id, period_start, period_end, period_start_text, \
                     period_end_text, filing_status, problems) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(document_id).bind(&r.unit_id).bind(r.period_start).bind(r.period_end)
                .bind(&r.period_start_text).bind(&r.period_end_text).bind(&r.filing_status).bind(&r.problems)
                .execute(&mut *conn)
                .await?;
                for s in shifts {
                    sqlx::query(
                        "INSERT INTO shifts (document_id, shift_id, unit_id, kind, starts_at, ends_at, starts_text, \
                         ends_text, main, deputy, leader, on_post) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(document_id).bind(&s.shift_id).bind(&r.unit_id).bind(s.kind).bind(s.starts_at).bind(s.ends_at)
                    .bind(&s.starts_text).bind(&s.ends_text).bind(&s.main).bind(&s.deputy).bind(&s.leader)
                    .bind(i64::from(s.on_post))
                    .execute(&mut *conn)
                    .await?;
                }
            }
            Ok(rows @ (Rows::FilingRound { .. } | Rows::SpotChecks { .. } | Rows::DutyLog { .. } | Rows::Assessment { .. })) => {
                crate::insert_oversight_rows!(conn, document_id, rows);
            }
        }
        Ok(())
    }};
}

impl WriteRows for SqliteConnection {
    async fn replace_rows(
        &mut self,
        document_id: &str,
        projection: &Projection,
        now_millis: i64,
    ) -> Result<(), sqlx::Error> {
        let conn = self;
        replace_rows_body!(conn, document_id, projection, now_millis)
    }
}

impl WriteRows for PgConnection {
    async fn replace_rows(
        &mut self,
        document_id: &str,
        projection: &Projection,
        now_millis: i64,
    ) -> Result<(), sqlx::Error> {
        let conn = self;
        replace_rows_body!(conn, document_id, projection, now_millis)
    }
}

/// Writes one document's projection in its own transaction (rebuilds, the demo, other servers' changes).
pub async fn replace(
    database: &Database,
    document_id: &str,
    projection: &Projection,
    now_millis: i64,
) -> Result<(), sqlx::Error> {
    on_database!(database, pool => {
        let mut tx = pool.begin().await?;
        tx.replace_rows(document_id, projection, now_millis).await?;
        tx.commit().await
    })
}

/// Writes a projection inside the transaction that stores the document's change, under a savepoint: the
/// rows commit with the change or not at all, and rows that cannot be written (a constraint the data breaks)
/// are recorded as the document's projection problem instead of failing the change.
pub async fn within<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    document_id: &str,
    projection: &Projection,
    now_millis: i64,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    DB::Connection: WriteRows,
{
    let mut savepoint = sqlx::Connection::begin(&mut **tx).await?;
    match savepoint.replace_rows(document_id, projection, now_millis).await {
        Ok(()) => savepoint.commit().await,
        Err(e) => {
            savepoint.rollback().await?;
            tracing::warn!(document = document_id, error = %e, "projection rows could not be written; recorded as a problem");
            let failed = Projection {
                kind: projection.kind,
                schema: projection.schema,
                rows: Err(format!("rows could not be written: {e}")),
            };
            (**tx).replace_rows(document_id, &failed, now_millis).await
        }
    }
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
