//! A small duty office for stories: a directory, and typed documents written onto phones as a phone's
//! own change (so the server sees exactly what a phone would send).

use chrono::{DateTime, FixedOffset};
use serde_json::json;
use zhiban_client_core::DocumentId;
use zhiban_model::documents::directory::{Directory, DutyCategory, Person, Rank, Role, Unit};
use zhiban_model::json::JsonError;

use crate::Phone;

pub fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("a test time")
}

/// The city desk, a district and the water bureau, with a few people each.
pub fn small_city() -> Directory {
    let mut d = Directory::default();
    for (id, name, parent, category) in [
        ("city", "市政府总值班室", None, DutyCategory::One),
        ("east", "东城区", Some("city"), DutyCategory::One),
        ("water", "市水务局", Some("city"), DutyCategory::Two),
    ] {
        d.units.insert(
            id.into(),
            Unit { name: name.into(), parent: parent.map(Into::into), category, duty_phone: format!("0000-{id}") },
        );
    }
    for (id, name, unit, rank, role) in [
        ("mayor", "高市长", "city", Rank::Principal, Role::Leader),
        ("desk", "值班员甲", "city", Rank::Section, Role::Desk),
        ("east-chief", "东城区长", "east", Rank::Principal, Role::Leader),
        ("wang", "王五", "east", Rank::Section, Role::UnitOfficer),
        ("zhao", "赵六", "east", Rank::Section, Role::UnitOfficer),
        ("li", "李四", "east", Rank::Section, Role::Field),
        ("qian", "钱七", "water", Rank::Section, Role::UnitOfficer),
    ] {
        d.people.insert(
            id.into(),
            Person { name: name.into(), unit: unit.into(), rank, phone: format!("139-{id}"), roles: vec![role] },
        );
    }
    d
}

/// Gives every person of `directory` an account with their unit and roles (each logs in with
/// `accounts::password_of`), as the office's administrator would.
pub async fn add_people(database_url: &str, directory: &Directory) -> anyhow::Result<()> {
    for (id, person) in &directory.people {
        crate::accounts::add_user(database_url, id, &person.unit, &person.roles).await?;
    }
    Ok(())
}

/// The administrator's phone records `directory` and sends it to the server; returns its id.
pub async fn record_directory(server_http_url: &str, directory: &Directory) -> anyhow::Result<DocumentId> {
    let admin = Phone::signed_in(server_http_url, crate::accounts::TEST_ADMIN).await?;
    let id = admin.client.create_directory(directory)?;
    admin.client.sync_once(std::time::Duration::from_secs(20)).await?;
    Ok(id)
}

/// Writes `value` into document `id` on `phone`, as one local change.
pub fn put<T: autosurgeon::Reconcile>(
    phone: &Phone,
    id: DocumentId,
    value: &T,
) -> Result<(), zhiban_client_core::ClientError> {
    phone.client.change(id, |tx| autosurgeon::reconcile(tx, value).map_err(|e| JsonError::Automerge(e.to_string())))
}

/// A new document on `phone` holding `value`.
pub fn create<T: autosurgeon::Reconcile>(phone: &Phone, value: &T) -> DocumentId {
    let id = phone.client.create_document(&json!({})).expect("create a document");
    put(phone, id, value).expect("write the document");
    id
}

/// Reads document `id` on `phone` as `T`.
pub fn read<T: autosurgeon::Hydrate>(phone: &Phone, id: DocumentId) -> T {
    let json = phone.client.get_json(id).expect("read the document");
    let doc = zhiban_model::json::plain_copy(&json).expect("rebuild");
    autosurgeon::hydrate(&doc).expect("hydrate")
}

/// `value` as the JSON a client would write for it.
pub fn as_json<T: autosurgeon::Reconcile>(value: &T) -> serde_json::Value {
    let mut doc = automerge::AutoCommit::new();
    autosurgeon::reconcile(&mut doc, value).expect("reconcile");
    zhiban_model::json::to_json(&doc)
}

/// Wang, east's duty officer, files the first report of a warehouse fire in east (the desk and east's
/// officers may read it; a field reporter of east is not sent to it).
pub fn east_warehouse_fire() -> zhiban_model::documents::incident::Incident {
    use zhiban_model::documents::incident::{FirstReport, Incident, ReportDetails, Reporter};
    let report = FirstReport {
        title: "东城区仓库火灾".into(),
        unit: "east".into(),
        received_at: Some(at("2026-10-01T08:00:00+08:00")),
        reporter: Reporter { person: "wang".into(), unit: "east".into(), name: "王五".into(), ..Default::default() },
        details: ReportDetails { account: "仓库起火".into(), ..Default::default() },
        ..Default::default()
    };
    Incident::file_first_report(report, "e1", at("2026-10-01T08:10:00+08:00"), &small_city()).expect("a first report")
}
