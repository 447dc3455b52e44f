//! The inserts for the desk's oversight documents' rows, used inside `write.rs`'s per-backend body (the
//! same SQL on both backends; the old rows are already deleted there).

/// Inserts the rows of a filing round, spot-check plan, duty log or assessment record on `$conn`.
#[macro_export]
macro_rules! insert_oversight_rows {
    ($conn:ident, $document_id:ident, $rows:ident) => {{
        use $crate::projection::rows::Rows;
        match $rows {
            Rows::FilingRound { round: r, units } => {
                sqlx::query(
                    "INSERT INTO filing_rounds (document_id, title, occasion, period_start, period_end, \
                     period_start_text, period_end_text, deadline, deadline_text, opened_by, opened_at_text, closed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind($document_id).bind(&r.title).bind(&r.occasion).bind(r.period_start).bind(r.period_end)
                .bind(&r.period_start_text).bind(&r.period_end_text).bind(r.deadline).bind(&r.deadline_text)
                .bind(&r.opened_by).bind(&r.opened_at_text).bind(r.closed_at)
                .execute(&mut *$conn)
                .await?;
                for unit in units {
                    sqlx::query("INSERT INTO filing_round_units (document_id, unit_id) VALUES ($1, $2)")
                        .bind($document_id).bind(unit)
                        .execute(&mut *$conn)
                        .await?;
                }
            }
            Rows::SpotChecks { checks } => {
                for c in checks {
                    sqlx::query(
                        "INSERT INTO spot_checks (document_id, check_id, plan_title, round_id, unit_id, day, day_start, \
                         session, planned_by, outcome, ring_seconds, method, answered_by, checked_by, checked_at, \
                         checked_at_text, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                         $15, $16, $17)",
                    )
                    .bind($document_id).bind(&c.check_id).bind(&c.plan_title).bind(&c.round_id).bind(&c.unit_id)
                    .bind(&c.day).bind(c.day_start).bind(&c.session).bind(&c.planned_by).bind(&c.outcome)
                    .bind(c.ring_seconds).bind(&c.method).bind(&c.answered_by).bind(&c.checked_by).bind(c.checked_at)
                    .bind(&c.checked_at_text).bind(&c.note)
                    .execute(&mut *$conn)
                    .await?;
                }
            }
            Rows::DutyLog { entries } => {
                for e in entries {
                    sqlx::query(
                        "INSERT INTO duty_log_entries (document_id, entry_id, unit_id, kind, at, at_text, by_person, \
                         counterpart, summary, handling, instruction_id, for_date) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind($document_id).bind(&e.entry_id).bind(&e.unit_id).bind(&e.kind).bind(e.at).bind(&e.at_text)
                    .bind(&e.by_person).bind(&e.counterpart).bind(&e.summary).bind(&e.handling)
                    .bind(&e.instruction_id).bind(&e.for_date)
                    .execute(&mut *$conn)
                    .await?;
                }
            }
            Rows::Assessment { items } => {
                for i in items {
                    sqlx::query(
                        "INSERT INTO assessment_items (document_id, item_id, year, kind, unit_id, level, publication, \
                         incident_id, entry_id, reason, by_person, at, at_text) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    )
                    .bind($document_id).bind(&i.item_id).bind(i.year).bind(&i.kind).bind(&i.unit_id).bind(&i.level)
                    .bind(&i.publication).bind(&i.incident_id).bind(&i.entry_id).bind(&i.reason).bind(&i.by_person)
                    .bind(i.at).bind(&i.at_text)
                    .execute(&mut *$conn)
                    .await?;
                }
            }
            _ => {}
        }
    }};
}
