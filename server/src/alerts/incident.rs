//! A new incident of grade Ⅲ or higher, or sensitive, must reach the desk's officers and the leader on duty
//! at once; so must an incident upgraded to such a grade, or flagged sensitive later. Each grade reached
//! and the sensitive flag are alerted once (their own keys), so an upgrade from Ⅲ to Ⅱ calls again.

use zhiban_model::DocumentId;
use zhiban_model::documents::incident::{Incident, grade_code};
use zhiban_model::rules::escalation::ChainFor;
use zhiban_model::rules::grade::Grade;

use super::{AlertError, AlertRecipient, NewAlert, raise};
use crate::office::Office;
use crate::projection::on_duty::on_duty;

fn title_class(grade: Grade) -> &'static str {
    match grade {
        Grade::I => "特别重大突发事件",
        Grade::II => "重大突发事件",
        Grade::III => "较大突发事件",
        Grade::IV => "一般突发事件",
    }
}

/// Raises what the change from `before` (`None`: a new incident) to `after` calls for; returns the alerts
/// raised.
pub async fn raise_for_incident(
    office: &Office,
    document: DocumentId,
    before: Option<&Incident>,
    after: &Incident,
    now: i64,
) -> Result<Vec<String>, AlertError> {
    let thresholds = &office.rules.thresholds;
    let was = before.map(|b| b.effective_grade(thresholds));
    let is = after.effective_grade(thresholds);
    let mut situations = Vec::new();
    if is.grade <= Grade::III && was.is_none_or(|w| is.grade < w.grade) {
        situations.push((format!("incident:{document}:grade:{}", grade_code(is.grade)), title_class(is.grade)));
    }
    if is.sensitive && !was.is_some_and(|w| w.sensitive) {
        situations.push((format!("incident:{document}:sensitive"), "敏感突发事件"));
    }
    if situations.is_empty() {
        return Ok(Vec::new());
    }
    let Some(desk) = office.directory().desk_unit().map(str::to_owned) else {
        tracing::warn!(%document, "a serious incident, but the directory has no desk unit to alert");
        return Ok(Vec::new());
    };
    let mut recipients = vec![AlertRecipient::unit(&desk, ChainFor::SeriousIncident)];
    if let Some(leader) = on_duty(&office.database, &desk, now).await?.leader {
        recipients.push(AlertRecipient::person(office, &leader));
    }
    let mut raised = Vec::new();
    for (key, title_class) in situations {
        let alert = NewAlert {
            key,
            kind: "incident",
            document: Some(document),
            title_class: title_class.to_owned(),
            urgency: "high",
            recipients: recipients.clone(),
        };
        raised.extend(raise(office, alert, now).await?);
    }
    Ok(raised)
}
