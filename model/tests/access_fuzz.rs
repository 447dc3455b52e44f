//! The access rules and the gate against arbitrary strings: every string a document of each type holds
//! (person and unit ids, `by` fields, times, attachment hashes and the keys of entries, recipients,
//! acknowledgements, shifts, checks…) is replaced by an arbitrary one (empty, non-ASCII, control characters,
//! thousands of characters, another id of the office), consistently across the document before a change,
//! after it and the directory, so the documents keep their relationships and the rules look deep into them.
//! A viewer has arbitrary strings for person and unit and any combination of roles. Then
//! `access::check_write`, `access::may_read` (`Audience::of(…).includes(…)`) and `gate::check_change` never
//! panic, and answer the same twice.
//!
//! Cases per property: `ZHIBAN_FUZZ_CASES` (default 256, a few seconds in a debug build). A longer pass:
//! `ZHIBAN_FUZZ_CASES=100000 cargo test --release -p zhiban-model --test access_fuzz`. A failing input is
//! kept in `access_fuzz.proptest-regressions` beside this file and tried first on every run.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use proptest::prelude::*;
use serde_json::{Value, json};
use zhiban_model::access::{Audience, Refusal, Viewer, check_write, may_read};
use zhiban_model::documents::directory::{Directory, Role};
use zhiban_model::documents::{DocumentError, TypedDocument};
use zhiban_model::gate::check_change;

fn cases() -> u32 {
    std::env::var("ZHIBAN_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: cases(), ..ProptestConfig::default() }
}

const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const AT: &str = "2026-10-01T08:05:00+08:00";
const LATER: &str = "2026-10-01T09:30:00+08:00";

fn directory() -> Value {
    let unit = |name: &str, parent: Option<&str>| json!({"name": name, "parent": parent, "category": "1", "duty_phone": "0571-1"});
    let person = |name: &str, unit: &str, role: &str| json!({"name": name, "unit": unit, "rank": "section", "phone": "139-0", "roles": [role]});
    json!({
        "type": "directory", "schema": 1,
        "units": {"hq": unit("市政府总值班室", None), "east": unit("东城区", Some("hq")),
                  "east-town": unit("东城街道", Some("east")), "water": unit("市水务局", Some("hq"))},
        "people": {"duty-a": person("值班员甲", "hq", "desk"), "mayor": person("高市长", "hq", "leader"),
                   "wang": person("王五", "east", "unit_officer"), "li": person("李四", "east", "field"),
                   "zhao": person("赵六", "east-town", "field"), "qian": person("钱七", "water", "unit_officer"),
                   "root": person("管理员", "hq", "admin")}
    })
}

/// One document of every type, with every kind of record it can hold.
fn documents() -> Vec<Value> {
    let reporter = |person: &str, unit: &str| json!({"person": person, "unit": unit, "name": "李四", "title": "值班员", "phone": "139-1"});
    let casualties = json!({"dead": 0, "injured": 2, "serious_injuries": 1, "missing": 0, "trapped": 0});
    // Every optional field present (as null when empty): a derived struct reads a missing one as an error.
    let details = |account: &str, more: Value| {
        let mut d = json!({"account": account, "occurred_at": null, "place": null, "nature": null, "scope": null,
                           "casualties": null, "direct_loss_cny": null, "trend": null, "leaders_on_site": null,
                           "measures": null, "requests": null, "source": null, "cause": null});
        if let (Some(d), Value::Object(more)) = (d.as_object_mut(), more) {
            d.extend(more);
        }
        d
    };
    let incident = json!({
        "type": "incident", "schema": 1, "title": "东城区内涝", "unit": "east",
        "received_at": "2026-10-01T08:00:00+08:00", "sensitive": false,
        "entries": {
            "e1": {"kind": "first", "submitted_at": AT, "reporter": reporter("li", "east"), "recorded_by": null,
                   "details": details("地下通道积水", json!({"occurred_at": "2026-10-01T07:50:00+08:00",
                               "place": {"text": "解放路隧道", "latitude": 30.25, "longitude": 120.17},
                               "casualties": casualties, "cause": "暴雨"})),
                   "pending": ["direct_loss_cny"]},
            "e2": {"kind": "follow_up", "submitted_at": LATER, "reporter": reporter("zhao", "east-town"),
                   "recorded_by": "duty-a", "details": details("积水退去", json!({"measures": "抽排"})), "pending": []}
        },
        "lifecycle": [{"stage": "received", "by": "li", "at": AT, "note": ""},
                      {"stage": "assessed", "by": "duty-a", "at": LATER, "note": "研判"}],
        "grade_confirmations": [{"grade": "IV", "reason": "", "by": "duty-a", "at": LATER}],
        "figures": [{"casualties": casualties, "direct_loss_cny": 0, "set_by": "duty-a", "set_at": LATER,
                     "from_entry": "e1", "note": ""}],
        "attachments": {SHA: {"sha256": SHA, "size": 1024, "media_type": "image/jpeg", "file_name": "现场.jpg",
                              "entry": "e1", "added_by": "li", "added_at": AT}},
        "judgements": [{"kind": "omitted", "unit": "east", "reason": "漏报伤员", "by": "duty-a", "at": LATER}],
        "assignees": {"zhao": {"by": "duty-a", "at": AT}}
    });
    let instruction = json!({
        "type": "instruction", "schema": 1, "number": "2026-014", "leader": "mayor", "issued_at": AT,
        "text": "全力处置", "incident": "automerge:3ZJN5DSusd7MzbyRhAUWkGEx9SB4",
        "recipients": {"east": {"kind": "unit", "relayed_at": LATER, "relayed_by": "duty-a"},
                       "qian": {"kind": "person", "relayed_at": null, "relayed_by": null}},
        "acknowledgements": {"east/wang": {"recipient": "east", "person": "wang", "device": "dev_wang",
                                           "acknowledged_at": LATER, "server_received_at": LATER}},
        "progress": [{"by": "wang", "unit": "east", "at": LATER, "text": "已部署"}],
        "feedback": {"by": "wang", "at": LATER, "text": "已处置完毕"},
        "closure": {"by": "duty-a", "at": LATER, "text": "办结"}
    });
    let roster = json!({
        "type": "roster", "schema": 1, "unit": "east",
        "period_start": "2026-10-01T00:00", "period_end": "2026-10-08T00:00",
        "shifts": {"s1": {"start": "2026-10-01T08:00", "end": "2026-10-02T08:00", "main": "wang",
                          "deputy": "li", "on_post": true}},
        "leaders": {"l1": {"start": "2026-10-01T00:00", "end": "2026-10-08T00:00", "leader": "wang"}},
        "swaps": [{"shift": "s1", "post": "deputy", "from": "zhao", "to": "li", "by": "wang",
                   "at": "2026-09-30T10:00", "reason": "病假"}],
        "handover_notes": [{"at": "2026-10-02T08:00", "by": "wang", "text": "无异常"}],
        "filing": [{"status": "filed", "by": "wang", "at": "2026-09-25T10:00", "reasons": []},
                   {"status": "returned", "by": "duty-a", "at": "2026-09-25T12:00", "reasons": ["缺带班领导"]}]
    });
    let round = json!({
        "type": "filing_round", "schema": 1, "title": "2026年国庆节假期值班表报备", "occasion": "holiday",
        "period_start": "2026-10-01T00:00", "period_end": "2026-10-08T00:00", "deadline": "2026-09-28T23:59",
        "units": ["east", "water"], "opened_by": "duty-a", "opened_at": "2026-09-20T09:00",
        "closed": {"by": "duty-a", "at": "2026-10-09T09:00", "note": "结束"}
    });
    let checks = json!({
        "type": "spot_checks", "schema": 1, "title": "国庆值班抽查", "round": "automerge:3ZJN5DSusd7MzbyRhAUWkGEx9SB4",
        "checks": {"c1": {"unit": "east", "date": "2026-10-01", "session": "morning", "planned_by": "duty-a",
                          "result": {"outcome": "unanswered", "ring_seconds": 60, "method": "phone",
                                     "answered_by": "", "checked_by": "duty-a", "checked_at": AT, "note": "无人接听"}},
                   "c2": {"unit": "water", "date": "2026-10-01", "session": "evening", "planned_by": "duty-a",
                          "result": null}}
    });
    let log = json!({
        "type": "duty_log", "schema": 1, "unit": "east", "month": "2026-10",
        "entries": {"g1": {"kind": "call", "at": AT, "by": "wang", "counterpart": "市民", "summary": "报告积水",
                           "handling": "转交", "instruction": null, "for_date": null},
                    "g2": {"kind": "zero_report", "at": LATER, "by": "wang", "counterpart": "", "summary": "",
                           "handling": "", "instruction": null, "for_date": "2026-10-01"}}
    });
    let assessment = json!({
        "type": "assessment", "schema": 1, "year": 2026,
        "items": {"i1": {"kind": "adoption", "unit": "east", "level": "province", "publication": "《值班要情》第10期",
                         "incident": "automerge:3ZJN5DSusd7MzbyRhAUWkGEx9SB4", "entry": "e1", "reason": "采用",
                         "by": "duty-a", "at": LATER}}
    });
    let home = json!({
        "type": "home", "schema": 1, "person": "li",
        "documents": {"3ZJN5DSusd7MzbyRhAUWkGEx9SB4": {"kind": "incident"}},
        "alerts": {"al_1": {"kind": "report_due", "document": "3ZJN5DSusd7MzbyRhAUWkGEx9SB4",
                            "title_class": "incident", "urgency": "high", "called_at": AT}},
        "acknowledged": {"al_0": {"at": AT, "device": "dev_li"}}
    });
    vec![incident, instruction, roster, round, checks, log, assessment, home, directory()]
}

fn read(value: &Value) -> Result<TypedDocument, DocumentError> {
    let mut doc = zhiban_model::json::plain_copy(value).expect("a JSON object");
    TypedDocument::read(doc.document())
}

/// Every distinct string (value or key) of `value`, but the top-level field names.
fn strings(value: &Value, top: bool, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, false, out)),
        Value::Object(fields) => {
            for (k, v) in fields {
                if !top {
                    out.insert(k.clone());
                }
                strings(v, false, out);
            }
        }
        _ => {}
    }
}

/// `value` with every string and key found in `with` replaced.
fn substitute(value: &Value, with: &BTreeMap<&str, &str>, top: bool) -> Value {
    let swap = |s: &str| with.get(s).map_or_else(|| s.to_owned(), |t| (*t).to_owned());
    match value {
        Value::String(s) => Value::String(swap(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, with, false)).collect()),
        Value::Object(fields) => Value::Object(
            fields.iter().map(|(k, v)| (if top { k.clone() } else { swap(k) }, substitute(v, with, false))).collect(),
        ),
        other => other.clone(),
    }
}

/// The strings that are data, not a field name or an enum's tag: replacing one everywhere leaves every
/// document readable as its type. These are what the fuzz replaces.
static FREE: LazyLock<Vec<String>> = LazyLock::new(|| {
    let documents: Vec<(Value, BTreeSet<String>, Option<&'static str>)> = documents()
        .into_iter()
        .map(|d| {
            let mut held = BTreeSet::new();
            strings(&d, true, &mut held);
            let kind = read(&d).ok().and_then(|t| t.kind());
            (d, held, kind)
        })
        .collect();
    let all: BTreeSet<&String> = documents.iter().flat_map(|(_, held, _)| held).collect();
    all.into_iter()
        .filter(|s| {
            let with = BTreeMap::from([(s.as_str(), "替换·ζ\u{1}")]);
            documents
                .iter()
                .filter(|(_, held, _)| held.contains(*s))
                .all(|(d, _, kind)| read(&substitute(d, &with, true)).ok().and_then(|t| t.kind()) == *kind)
        })
        .cloned()
        .collect()
});

const PEOPLE: [&str; 7] = ["duty-a", "mayor", "wang", "li", "zhao", "qian", "root"];
const UNITS: [&str; 4] = ["hq", "east", "east-town", "water"];

fn arbitrary_string() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => any::<String>(),
        1 => "\\PC{0,24}",
        1 => "[\u{0}-\u{1f}\u{7f}\u{85}\u{2028}\u{feff}]{1,6}",
        // Around the 12 characters reasons cut ids to, in characters of every width.
        3 => "[aé中😀]{10,14}",
        1 => "[0-9a-f]{64}",
        // Long: a few characters of any kind, repeated to thousands.
        1 => ("[\u{0}-\u{10ffff}]{1,8}", 30..1000usize).prop_map(|(s, n)| s.repeat(n)),
        2 => proptest::sample::select([&PEOPLE[..], &UNITS, &["east/wang", "e1", "e2", SHA, AT, LATER]].concat())
            .prop_map(str::to_owned),
    ]
}

/// Someone of the office as the replacements renamed them (`who`, `of`), or a stranger (`person`, `unit`),
/// with the roles whose bits are set.
type Someone = ((usize, Option<String>), (usize, Option<String>), Vec<bool>);

fn viewer(((who, person), (of, unit), roles): Someone, replacements: &[Option<String>]) -> Viewer {
    let renamed = |original: &str| {
        FREE.iter()
            .position(|s| s == original)
            .and_then(|i| replacements.get(i).cloned().flatten())
            .unwrap_or(original.into())
    };
    let person = person.unwrap_or_else(|| renamed(PEOPLE[who % PEOPLE.len()]));
    let unit = unit.unwrap_or_else(|| renamed(UNITS[of % UNITS.len()]));
    let roles = Role::ALL.into_iter().zip(roles).filter(|(_, on)| *on).map(|(role, _)| role).collect();
    Viewer { person, unit, roles }
}

/// `value` with some records left out: each item of a list, and each entry of a map keyed by data (an
/// entry id, a unit, a hash; not a field name), dropped when its bit says.
fn thinned(value: &Value, drops: &[bool], next: &mut usize) -> Value {
    fn drop(drops: &[bool], next: &mut usize) -> bool {
        let d = drops.get(*next % drops.len().max(1)).copied().unwrap_or(false);
        *next += 1;
        d
    }
    match value {
        Value::Array(items) => {
            let mut kept = Vec::new();
            for item in items {
                if !drop(drops, next) {
                    kept.push(thinned(item, drops, next));
                }
            }
            Value::Array(kept)
        }
        Value::Object(fields) => {
            let mut kept = serde_json::Map::new();
            for (key, item) in fields {
                if !FREE.contains(key) || !drop(drops, next) {
                    kept.insert(key.clone(), thinned(item, drops, next));
                }
            }
            Value::Object(kept)
        }
        other => other.clone(),
    }
}

#[derive(Debug, PartialEq)]
struct Answers {
    gate: Vec<Result<(), Vec<Refusal>>>,
    write: Vec<Result<(), Vec<Refusal>>>,
    read: Vec<(bool, bool, bool)>,
}

fn answers(
    before: &Result<TypedDocument, DocumentError>,
    after: &Result<TypedDocument, DocumentError>,
    directory: &Directory,
    viewers: &[Viewer],
) -> Answers {
    let mut gate = vec![check_change(before, after, directory, None)];
    let mut write = Vec::new();
    let mut read = Vec::new();
    for v in viewers {
        gate.push(check_change(before, after, directory, Some(v)));
        // A new document, too: the same after, with nothing before.
        gate.push(check_change(&Ok(TypedDocument::Empty), after, directory, Some(v)));
        if let Ok(after) = after {
            write.push(check_write(v, before.as_ref().ok(), after, directory));
            write.push(check_write(v, None, after, directory));
            let audience = Audience::of(after).includes(v, directory);
            read.push((
                may_read(v, after, directory),
                audience,
                before.as_ref().is_ok_and(|b| may_read(v, b, directory)),
            ));
        }
    }
    Answers { gate, write, read }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_rules_never_panic_and_answer_the_same_twice(
        // The incident, the instruction and the roster, with the most parts, twice as often as the others.
        kind in (0..12usize).prop_map(|k| k % 9),
        replacements in proptest::collection::vec(proptest::option::weighted(0.4, arbitrary_string()), FREE.len()),
        drops_before in proptest::collection::vec(proptest::bool::weighted(0.25), 1..48),
        drops_after in proptest::collection::vec(proptest::bool::weighted(0.1), 1..48),
        people in proptest::collection::vec(
            (
                (any::<usize>(), proptest::option::weighted(0.2, arbitrary_string())),
                (any::<usize>(), proptest::option::weighted(0.2, arbitrary_string())),
                proptest::collection::vec(any::<bool>(), 5),
            ),
            1..4,
        ),
    ) {
        let with: BTreeMap<&str, &str> = FREE
            .iter()
            .zip(&replacements)
            .filter_map(|(s, r)| r.as_deref().map(|r| (s.as_str(), r)))
            .collect();
        let base = &documents()[kind];
        let before = read(&substitute(&thinned(base, &drops_before, &mut 0), &with, true));
        let after = read(&substitute(&thinned(base, &drops_after, &mut 0), &with, true));
        let directory = match read(&substitute(&directory(), &with, true)) {
            Ok(TypedDocument::Directory(d)) => d,
            _ => Directory::default(),
        };
        let viewers: Vec<Viewer> =
            people.into_iter().map(|someone| viewer(someone, &replacements)).collect();
        let first = answers(&before, &after, &directory, &viewers);
        let again = answers(&before, &after, &directory, &viewers);
        // Whoever is refused is told why in Chinese too.
        for refusal in first.gate.iter().chain(&first.write).filter_map(|answer| answer.as_ref().err()).flatten() {
            prop_assert!(
                !refusal.reason.is_empty() && refusal.reason_zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{:?}",
                refusal
            );
        }
        prop_assert_eq!(first, again);
    }
}

/// The fuzz is only as good as what it replaces: the documents read as written, and ids, hashes, times and
/// `by` fields are among the strings replaced.
#[test]
fn the_documents_read_and_their_data_is_replaced() {
    for document in documents() {
        let read = read(&document);
        assert!(read.as_ref().is_ok_and(|t| t.kind().is_some()), "{read:?}: {document}");
    }
    let replaced = [&PEOPLE[..], &UNITS, &["e1", "east/wang", SHA, AT, "s1", "c1", "g1", "i1", "al_1", "dev_wang"]];
    for s in replaced.concat() {
        assert!(FREE.iter().any(|f| f == s), "{s} is not replaced: {:?}", *FREE);
    }
    for tag in ["first", "received", "unit", "incident", "1", "section", "desk", "morning", "title"] {
        assert!(!FREE.iter().any(|f| f == tag), "{tag} is a tag or a field name: {:?}", *FREE);
    }
}
