//! Who is on duty in a unit at a moment, from the projected rosters: the desk's API and the alerts ask the
//! same question the same way.

use crate::database::Database;
use crate::on_database;

/// A shift (main and deputy officer) or a leader period covering the moment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OnDutyRecord {
    /// `shift` or `leader`.
    pub kind: String,
    pub starts_text: String,
    pub ends_text: String,
    pub main: Option<String>,
    pub deputy: Option<String>,
    pub leader: Option<String>,
}

/// The shifts and leader periods of `unit` covering `at` (unix ms). Where rosters overlap, an accepted one
/// wins over a filed one, a filed one over a draft, then the latest period.
pub async fn covering(database: &Database, unit: &str, at: i64) -> Result<Vec<OnDutyRecord>, sqlx::Error> {
    let sql = "SELECT s.kind, s.starts_text, s.ends_text, s.main, s.deputy, s.leader FROM shifts s \
               JOIN rosters r ON r.document_id = s.document_id \
               WHERE s.unit_id = $1 AND s.starts_at <= $2 AND s.ends_at > $2 \
               ORDER BY CASE r.filing_status WHEN 'accepted' THEN 0 WHEN 'filed' THEN 1 ELSE 2 END, r.period_start DESC";
    Ok(on_database!(database, pool => { sqlx::query_as(sql).bind(unit).bind(at).fetch_all(pool).await? }))
}

/// The main officer, deputy officer and leader on duty in `unit` at `at`, as far as the rosters say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OnDuty {
    pub main: Option<String>,
    pub deputy: Option<String>,
    pub leader: Option<String>,
}

pub async fn on_duty(database: &Database, unit: &str, at: i64) -> Result<OnDuty, sqlx::Error> {
    let records = covering(database, unit, at).await?;
    let shift = records.iter().find(|r| r.kind == "shift");
    let leader = records.iter().find(|r| r.kind == "leader");
    Ok(OnDuty {
        main: shift.and_then(|r| r.main.clone()),
        deputy: shift.and_then(|r| r.deputy.clone()),
        leader: leader.and_then(|r| r.leader.clone()),
    })
}
