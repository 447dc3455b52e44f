//! Follow-ups written concurrently on several phones, merged in any order: no entry is lost, every replica
//! numbers the chain the same way, follow-ups are numbered 1..n without gaps, each phone's own follow-ups
//! keep the order they were written in, and entries already synced keep their numbers when later ones arrive.

use std::collections::HashMap;

use automerge::AutoCommit;
use chrono::{DateTime, Duration, FixedOffset};
use proptest::prelude::*;
use zhiban_model::documents::directory::{Directory, DutyCategory, Unit};
use zhiban_model::documents::incident::{FirstReport, Incident, ReportDetails, ReportKind, Reporter};
use zhiban_model::rules::numbering::ChainLabel;

fn start() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-07-10T06:00:00+08:00").expect("time")
}

fn directory() -> Directory {
    let mut d = Directory::default();
    d.units.insert(
        "east".into(),
        Unit { name: "东城区".into(), parent: None, category: DutyCategory::One, duty_phone: "1".into() },
    );
    d
}

fn reporter(phone: usize) -> Reporter {
    Reporter { person: format!("p{phone}"), unit: "east".into(), ..Default::default() }
}

/// Each step: (phone, minutes its clock moves on before it writes a follow-up, sync everyone afterwards?).
fn plan() -> impl Strategy<Value = (usize, Vec<(usize, i64, bool)>)> {
    (2usize..5)
        .prop_flat_map(|phones| (Just(phones), prop::collection::vec((0..phones, 0i64..30, any::<bool>()), 1..18)))
}

fn labels(doc: &AutoCommit) -> Vec<(String, ChainLabel)> {
    Incident::read(doc).expect("read").chain().into_iter().map(|(id, label, _)| (id, label)).collect()
}

fn sync_all(docs: &mut [AutoCommit]) {
    for i in 1..docs.len() {
        let (head, tail) = docs.split_at_mut(i);
        head[0].merge(&mut tail[0]).expect("merge");
    }
    for i in 1..docs.len() {
        let (head, tail) = docs.split_at_mut(i);
        tail[0].merge(&mut head[0]).expect("merge");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn follow_ups_from_several_phones_are_never_lost_and_stay_readable((phones, steps) in plan()) {
        let first = FirstReport {
            title: "山体滑坡".into(),
            unit: "east".into(),
            reporter: reporter(0),
            details: ReportDetails { account: "滑坡阻断道路".into(), ..Default::default() },
            ..Default::default()
        };
        let incident = Incident::file_first_report(first, "first", start(), &directory()).expect("valid");
        let mut origin = AutoCommit::new();
        autosurgeon::reconcile(&mut origin, &incident).expect("reconcile");
        let mut docs: Vec<AutoCommit> = (0..phones).map(|_| origin.fork()).collect();
        // Phone clocks: each starts a little off and only moves forward.
        let mut clocks: Vec<DateTime<FixedOffset>> = (0..phones).map(|p| start() + Duration::minutes(p as i64)).collect();
        let mut written: HashMap<usize, Vec<String>> = HashMap::new();
        let mut settled: HashMap<String, ChainLabel> = HashMap::new();
        for (n, (phone, minutes, sync_after)) in steps.iter().enumerate() {
            clocks[*phone] += Duration::minutes(1 + minutes);
            let doc = &mut docs[*phone];
            let mut current = Incident::read(doc).expect("read");
            let id = format!("f{n}-p{phone}");
            let details = ReportDetails { account: format!("续报 {n}"), ..Default::default() };
            current.add_report(&id, ReportKind::FollowUp, reporter(*phone), details, clocks[*phone]).expect("add");
            autosurgeon::reconcile(doc, &current).expect("reconcile");
            written.entry(*phone).or_default().push(id);
            if *sync_after {
                sync_all(&mut docs);
                // Once everyone holds the same entries, a later clock on every phone means later entries
                // number after these: what people have read stays true.
                let latest = *clocks.iter().max().expect("phones");
                for clock in clocks.iter_mut() {
                    *clock = (*clock).max(latest);
                }
                settled = labels(&docs[0]).into_iter().collect();
            }
        }
        sync_all(&mut docs);
        let reference = labels(&docs[0]);
        for doc in &docs[1..] {
            prop_assert_eq!(&labels(doc), &reference, "every phone numbers the chain the same way");
        }
        let total: usize = written.values().map(Vec::len).sum();
        let follow_ups: Vec<u32> = reference
            .iter()
            .filter_map(|(_, l)| if let ChainLabel::FollowUp(n) = l { Some(*n) } else { None })
            .collect();
        prop_assert_eq!(follow_ups.len(), total, "no follow-up is lost");
        prop_assert_eq!(follow_ups, (1..=total as u32).collect::<Vec<_>>(), "numbered 1..n without gaps");
        let number: HashMap<&String, &ChainLabel> = reference.iter().map(|(id, l)| (id, l)).collect();
        for ids in written.values() {
            let order: Vec<u32> = ids
                .iter()
                .map(|id| match number[id] { ChainLabel::FollowUp(n) => *n, _ => 0 })
                .collect();
            prop_assert!(order.windows(2).all(|w| w[0] < w[1]), "a phone's follow-ups keep their order: {:?}", order);
        }
        for (id, label) in &settled {
            prop_assert_eq!(number[id], label, "entry {} kept the number people saw after sync", id);
        }
    }
}
