//! Incidents as projected, read: `incidents` (one row per incident document), its report chain
//! (`report_entries`), the desk's lifecycle steps (`incident_steps`), its judgements (`incident_judgements`)
//! and its attachments (`incident_attachments`). `db::projection::incidents` writes them; the API, the
//! publications, the analysis and the scores read them here.

use crate::db::Database;
use crate::on_conn;

/// An incident's row, as every reader reads it (`SELECT *`: the struct names the columns).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Incident {
    pub document_id: String,
    pub title: String,
    pub unit_id: String,
    pub nature: Option<String>,
    pub place: Option<String>,
    /// When the unit received the information (unix ms); deadlines count from here.
    pub received_at: i64,
    pub received_at_text: String,
    pub occurred_at: Option<i64>,
    /// 0 or 1.
    pub sensitive: i64,
    pub stage: String,
    pub suggested_grade: String,
    pub confirmed_grade: Option<String>,
    pub grade_reason: Option<String>,
    /// The grade deadlines count against: confirmed, else suggested.
    pub effective_grade: String,
    pub dead: i64,
    pub injured: i64,
    pub serious_injuries: i64,
    pub missing: i64,
    pub trapped: i64,
    pub direct_loss_cny: i64,
    pub first_reported_at: Option<i64>,
    pub verbal_due_at: Option<i64>,
    pub written_due_at: i64,
    /// Set when the first report came after the written deadline, by this much.
    pub late_by_seconds: Option<i64>,
    pub report_count: i64,
    /// 0 or 1.
    pub has_final_report: i64,
    /// Comma-separated.
    pub pending_fields: String,
    pub last_report_at: Option<i64>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Incident {
    /// When it happened: when it occurred, or when it was received if the reports do not say.
    pub fn happened_at(&self) -> i64 {
        self.occurred_at.unwrap_or(self.received_at)
    }
}

/// What the desk's list filters incidents by; every filter left `None` lets all through.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    /// The effective grade: I, II, III or IV.
    pub grade: Option<&'a str>,
    pub stage: Option<&'a str>,
    /// The responsible unit (that unit only, not its sub-units).
    pub unit: Option<&'a str>,
    /// Received at or after (unix ms).
    pub received_from: Option<i64>,
    /// Received before (unix ms).
    pub received_before: Option<i64>,
    /// Only those first reported after their written deadline (`true`), or only those on time (`false`).
    pub late: Option<bool>,
    pub sensitive: Option<bool>,
}

/// The incidents `filter` lets through, newest received first, at most `limit`.
pub async fn listed(database: &Database, filter: &Filter<'_>, limit: i64) -> Result<Vec<Incident>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        let mut q = sqlx::QueryBuilder::new("SELECT * FROM incidents WHERE 1 = 1");
        if let Some(grade) = filter.grade {
            q.push(" AND effective_grade = ").push_bind(grade);
        }
        if let Some(stage) = filter.stage {
            q.push(" AND stage = ").push_bind(stage);
        }
        if let Some(unit) = filter.unit {
            q.push(" AND unit_id = ").push_bind(unit);
        }
        if let Some(from) = filter.received_from {
            q.push(" AND received_at >= ").push_bind(from);
        }
        if let Some(before) = filter.received_before {
            q.push(" AND received_at < ").push_bind(before);
        }
        match filter.late {
            Some(true) => { q.push(" AND late_by_seconds IS NOT NULL"); }
            Some(false) => { q.push(" AND late_by_seconds IS NULL"); }
            None => {}
        }
        if let Some(sensitive) = filter.sensitive {
            q.push(" AND sensitive = ").push_bind(i64::from(sensitive));
        }
        q.push(" ORDER BY received_at DESC, document_id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(c).await
    })
}

/// One entry of an incident's report chain (首报, 续报, 终报).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportEntry {
    pub document_id: String,
    pub entry_id: String,
    /// Its place in the chain.
    pub position: i64,
    /// first, follow_up or final.
    pub kind: String,
    pub label: String,
    pub submitted_at: i64,
    pub submitted_at_text: String,
    pub reporter_person: String,
    pub reporter_name: String,
    pub reporter_unit: String,
    pub account: String,
    /// The entry's fields, as JSON.
    pub details: String,
}

/// One of the desk's lifecycle steps on an incident.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Step {
    pub document_id: String,
    pub position: i64,
    pub stage: String,
    pub by_person: String,
    pub at: i64,
    pub at_text: String,
    pub note: String,
}

/// An incident with its report chain and steps, each in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub incident: Incident,
    pub chain: Vec<ReportEntry>,
    pub steps: Vec<Step>,
}

/// Incident `id` (a document id) with its chain and steps; `None` when no such incident is projected.
pub async fn detail(database: &Database, id: &str) -> Result<Option<Detail>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        let incident: Option<Incident> =
            sqlx::query_as("SELECT * FROM incidents WHERE document_id = $1").bind(id).fetch_optional(&mut *c).await?;
        let Some(incident) = incident else { return Ok(None) };
        let chain = sqlx::query_as("SELECT * FROM report_entries WHERE document_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(&mut *c)
            .await?;
        let steps = sqlx::query_as("SELECT * FROM incident_steps WHERE document_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(&mut *c)
            .await?;
        Ok(Some(Detail { incident, chain, steps }))
    })
}

/// Incidents received with `from ≤ received_at < to` (unix ms), in the order received.
pub async fn received_between(database: &Database, from: i64, to: i64) -> Result<Vec<Incident>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT * FROM incidents WHERE received_at >= $1 AND received_at < $2 ORDER BY received_at, document_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
    })
}

/// Incidents that happened (see [`Incident::happened_at`]) with `from ≤ at < to` (unix ms), in that order. An
/// incident cannot occur after it was received (the document rules refuse that), so the index on
/// `received_at` bounds the search.
pub async fn happened_between(database: &Database, from: i64, to: i64) -> Result<Vec<Incident>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT * FROM incidents WHERE received_at >= $1 AND COALESCE(occurred_at, received_at) >= $1 \
             AND COALESCE(occurred_at, received_at) < $2 \
             ORDER BY COALESCE(occurred_at, received_at), document_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
    })
}

/// Incidents received with `from ≤ received_at < to` whose first report came after the written deadline.
pub async fn late_received_between(database: &Database, from: i64, to: i64) -> Result<Vec<Incident>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT * FROM incidents WHERE late_by_seconds > 0 AND received_at >= $1 AND received_at < $2")
            .bind(from)
            .bind(to)
            .fetch_all(c)
            .await
    })
}

/// A report sent: an entry of an incident's chain, with the incident's title.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportSent {
    pub document_id: String,
    pub entry_id: String,
    pub reporter_unit: String,
    pub submitted_at: i64,
    pub label: String,
    pub title: String,
}

/// Every report submitted with `from ≤ submitted_at < to`.
pub async fn reports_sent_between(database: &Database, from: i64, to: i64) -> Result<Vec<ReportSent>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT e.document_id, e.entry_id, e.reporter_unit, e.submitted_at, e.label, i.title \
             FROM report_entries e JOIN incidents i ON i.document_id = e.document_id \
             WHERE e.submitted_at >= $1 AND e.submitted_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
    })
}

/// An attachment added to an incident, with the unit it counts for (the unit that sent the entry it belongs
/// to, or the incident's unit when it belongs to none) and the incident's title.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttachmentAdded {
    pub document_id: String,
    pub sha256: String,
    pub unit_id: String,
    pub added_at: i64,
    pub media_type: String,
    pub title: String,
}

/// Every attachment added with `from ≤ added_at < to`.
pub async fn attachments_added_between(
    database: &Database,
    from: i64,
    to: i64,
) -> Result<Vec<AttachmentAdded>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT a.document_id, a.sha256, COALESCE(e.reporter_unit, i.unit_id) AS unit_id, a.added_at, \
             a.media_type, i.title \
             FROM incident_attachments a JOIN incidents i ON i.document_id = a.document_id \
             LEFT JOIN report_entries e ON e.document_id = a.document_id AND e.entry_id = a.entry_id \
             WHERE a.added_at >= $1 AND a.added_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
    })
}

/// A judgement the desk made on an incident (late, omitted, concealed, false), with the incident's title and
/// its lateness by the numbers.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JudgementMade {
    pub document_id: String,
    pub position: i64,
    pub kind: String,
    pub unit_id: String,
    pub reason: String,
    pub at: i64,
    pub title: String,
    pub late_by_seconds: Option<i64>,
}

/// Every judgement made with `from ≤ at < to`.
pub async fn judgements_between(database: &Database, from: i64, to: i64) -> Result<Vec<JudgementMade>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT j.document_id, j.position, j.kind, j.unit_id, j.reason, j.at, i.title, i.late_by_seconds \
             FROM incident_judgements j JOIN incidents i ON i.document_id = j.document_id \
             WHERE j.at >= $1 AND j.at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
    })
}

/// How many reports and attachments were sent in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Sent {
    pub reports: i64,
    pub attachments: i64,
}

/// Reports submitted and attachments added with `from ≤ at < to`, counted.
pub async fn sent_between(database: &Database, from: i64, to: i64) -> Result<Sent, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM report_entries WHERE submitted_at >= $1 AND submitted_at < $2) AS reports, \
                    (SELECT COUNT(*) FROM incident_attachments WHERE added_at >= $1 AND added_at < $2) AS attachments",
        )
        .bind(from)
        .bind(to)
        .fetch_one(c)
        .await
    })
}
