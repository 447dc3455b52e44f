//! The instruction ledger (`ledger_counters`): the last number given in each year. Not a projection: a
//! rebuild leaves it, since numbers already given are written into the instructions.

use super::Database;
use crate::on_conn;

/// Takes the next number of `year`, durably: a number once given is never given again, even by another
/// server sharing the database (one atomic upsert).
pub async fn next_number(database: &Database, year: i64) -> Result<i64, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar(
            "INSERT INTO ledger_counters (year, last_seq) VALUES ($1, 1) \
             ON CONFLICT (year) DO UPDATE SET last_seq = ledger_counters.last_seq + 1 RETURNING last_seq",
        )
        .bind(year)
        .fetch_one(c)
        .await
    })
}
