//! Who is on duty in a unit at a moment, from the projected rosters: the desk's API and the alerts ask the
//! same question the same way.

use crate::db::Database;
pub use crate::db::projection::rosters::{OnDutyRecord, covering};

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
