//! The assessment record (`assessment_items`: adoptions, non-standard reports and criticisms the desk
//! recorded against units), which the scores count.

use crate::db::Database;
use crate::on_conn;

/// An assessment item's row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AssessmentItem {
    pub document_id: String,
    pub item_id: String,
    pub year: i64,
    /// adoption, non_standard_report or criticism.
    pub kind: String,
    pub unit_id: String,
    /// An adoption's: city, province or national.
    pub level: Option<String>,
    pub publication: String,
    pub incident_id: Option<String>,
    pub entry_id: Option<String>,
    pub reason: String,
    pub by_person: String,
    pub at: i64,
    pub at_text: String,
}

/// Every item recorded with `from ≤ at < to` (unix ms).
pub async fn items_between(database: &Database, from: i64, to: i64) -> Result<Vec<AssessmentItem>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT * FROM assessment_items WHERE at >= $1 AND at < $2").bind(from).bind(to).fetch_all(c).await
    })
}
