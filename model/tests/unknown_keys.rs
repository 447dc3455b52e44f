//! A typed document with a key at the top that its type does not have is unreadable, for every kind, and
//! the gate refuses the change that adds one with that reason: `zhiban doc set X judgements/- …` once added a
//! key literally named `judgements/-` to an incident, and it was accepted because reading ignored it.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use zhiban_model::access::Viewer;
use zhiban_model::documents::assessment::Assessment;
use zhiban_model::documents::directory::{Directory, DutyCategory, Person, Rank, Role, Unit};
use zhiban_model::documents::duty_log::DutyLog;
use zhiban_model::documents::filing_round::{FilingRound, Occasion};
use zhiban_model::documents::home::Home;
use zhiban_model::documents::incident::{FirstReport, Incident, ReportDetails, Reporter};
use zhiban_model::documents::instruction::Instruction;
use zhiban_model::documents::roster::RosterDocument;
use zhiban_model::documents::spot_check::SpotChecks;
use zhiban_model::documents::{DocumentError, TypedDocument};
use zhiban_model::gate::check_change;

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("a test time")
}

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("a test time")
}

fn city() -> Directory {
    let mut d = Directory::default();
    for (id, parent) in [("city", None), ("east", Some("city"))] {
        let unit = Unit {
            name: id.into(),
            parent: parent.map(Into::into),
            category: DutyCategory::One,
            duty_phone: "1".into(),
        };
        d.units.insert(id.into(), unit);
    }
    for (id, unit, role) in [("desk", "city", Role::Desk), ("mayor", "city", Role::Leader), ("li", "east", Role::Field)]
    {
        let person =
            Person { name: id.into(), unit: unit.into(), rank: Rank::Section, phone: "1".into(), roles: vec![role] };
        d.people.insert(id.into(), person);
    }
    d
}

fn incident(directory: &Directory) -> Incident {
    let report = FirstReport {
        title: "东城区内涝".into(),
        unit: "east".into(),
        reporter: Reporter { person: "li".into(), unit: "east".into(), name: "李四".into(), ..Default::default() },
        details: ReportDetails { account: "地下通道积水".into(), ..Default::default() },
        ..Default::default()
    };
    Incident::file_first_report(report, "e1", at("2026-10-01T08:05:00+08:00"), directory).expect("a first report")
}

/// One document of every typed kind, as the code writes it (optional fields left `None`).
fn every_kind() -> Vec<(&'static str, Automerge)> {
    let d = city();
    let instruction =
        Instruction::issue("mayor", at("2026-10-01T09:00:00+08:00"), "全力处置", None, &["east".into()], &d)
            .expect("an instruction");
    let round = FilingRound::new(
        "2026年国庆节假期值班表报备",
        Occasion::Holiday,
        (local("2026-10-01T00:00"), local("2026-10-08T00:00")),
        local("2026-09-28T23:59"),
        vec!["east".into()],
        "desk",
        local("2026-09-20T09:00"),
    );
    let start = NaiveDate::from_ymd_opt(2026, 10, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("a time");
    let end = NaiveDate::from_ymd_opt(2026, 10, 8).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("a time");
    vec![
        ("incident", written(&incident(&d))),
        ("instruction", written(&instruction)),
        ("roster", written(&RosterDocument::new("east", start, end))),
        ("filing_round", written(&round)),
        ("spot_checks", written(&SpotChecks::new("2026年国庆节假期值班抽查", None))),
        ("duty_log", written(&DutyLog::new("east", "2026-10"))),
        ("assessment", written(&Assessment::new(2026))),
        ("directory", written(&d)),
        ("home", written(&Home::new("li"))),
    ]
}

fn written<T: autosurgeon::Reconcile>(value: &T) -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    autosurgeon::reconcile(&mut tx, value).expect("reconcile");
    tx.commit();
    doc
}

/// `doc` with a change that puts `key` at the top, as `zhiban doc set` did.
fn with_key(doc: &Automerge, key: &str) -> Automerge {
    let mut doc = doc.clone();
    let mut tx = doc.transaction();
    let judgement = tx.put_object(automerge::ROOT, key, ObjType::Map).expect("put");
    tx.put(&judgement, "kind", "late").expect("put");
    tx.commit();
    doc
}

fn root_keys(doc: &Automerge) -> Vec<String> {
    doc.keys(automerge::ROOT).collect()
}

#[test]
fn every_typed_kind_refuses_a_key_at_the_top_it_does_not_have() {
    for (kind, doc) in every_kind() {
        let read = TypedDocument::read(&doc).unwrap_or_else(|e| panic!("{kind} as written reads: {e}"));
        assert_eq!(read.kind(), Some(kind));
        match TypedDocument::read(&with_key(&doc, "judgements/-")) {
            Err(DocumentError::UnknownKeys { kind: k, unknown, known }) => {
                assert_eq!(k, kind);
                assert_eq!(unknown, vec!["judgements/-".to_owned()], "{kind}");
                // Every key the code writes is known, `None` fields (written as null) included.
                assert_eq!(known, root_keys(&doc), "{kind}");
            }
            other => panic!("{kind} with a key `judgements/-` read as {other:?}"),
        }
    }
}

#[test]
fn optional_fields_left_empty_are_known_keys() {
    let kinds = every_kind();
    let keys = |kind: &str| root_keys(&kinds.iter().find(|(k, _)| *k == kind).expect("kind").1);
    for key in ["number", "incident", "feedback", "closure"] {
        assert!(keys("instruction").contains(&key.to_owned()), "{key}: {:?}", keys("instruction"));
    }
    assert!(keys("filing_round").contains(&"closed".to_owned()));
    assert!(keys("spot_checks").contains(&"round".to_owned()));
    // A key the type has may still be absent (written before it existed): that reads.
    let (_, incident) = kinds.into_iter().find(|(k, _)| *k == "incident").expect("incident");
    let mut older = incident.clone();
    let mut tx = older.transaction();
    tx.delete(automerge::ROOT, "assignees").expect("delete");
    tx.commit();
    assert!(matches!(TypedDocument::read(&older), Ok(TypedDocument::Incident(_))));
}

#[test]
fn the_message_names_the_unknown_keys_and_the_known_ones() {
    let doc = with_key(&with_key(&written(&incident(&city())), "judgements/-"), "Title");
    let said = TypedDocument::read(&doc).expect_err("unreadable").to_string();
    assert!(said.starts_with("this incident has keys at the top that its type does not have"), "{said}");
    assert!(said.contains("\"Title\", \"judgements/-\""), "{said}");
    assert!(said.contains("assignees, attachments, entries") && said.contains("title, type"), "{said}");
}

/// The JavaScript client's way of writing (strings as text, numbers as floats) is read through a plain copy;
/// an unknown key is refused there too.
#[test]
fn a_document_written_as_the_javascript_client_writes_is_refused_too() {
    let mut json = zhiban_model::json::to_json(&written(&incident(&city())));
    json["schema"] = serde_json::json!(1.0);
    json["judgements/-"] = serde_json::json!({"kind": "late"});
    let mut doc = automerge::AutoCommit::new();
    zhiban_model::json::put_root(&mut doc, &json).expect("put");
    let doc = Automerge::load(&doc.save()).expect("load");
    assert!(
        matches!(TypedDocument::read(&doc), Err(DocumentError::UnknownKeys { ref unknown, .. }) if unknown == &["judgements/-"]),
        "{:?}",
        TypedDocument::read(&doc)
    );
}

#[test]
fn the_gate_refuses_a_change_that_adds_a_key_the_type_does_not_have() {
    let directory = city();
    let before_doc = written(&incident(&directory));
    let after_doc = with_key(&before_doc, "judgements/-");
    let before = TypedDocument::read(&before_doc);
    let after = TypedDocument::read(&after_doc);
    let desk = Viewer { person: "desk".into(), unit: "city".into(), roles: vec![Role::Desk] };
    let refused = check_change(&before, &after, &directory, Some(&desk)).expect_err("refused");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].rule, "document.unreadable");
    assert!(refused[0].reason.contains("\"judgements/-\""), "{}", refused[0].reason);
    // On a phone nobody has logged in on yet, too.
    assert!(check_change(&before, &after, &directory, None).is_err());
    // Nothing changed, nothing refused: the refusal above is the key's.
    assert!(check_change(&before, &before, &directory, Some(&desk)).is_ok());
}
