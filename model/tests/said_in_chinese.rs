//! Every problem the model can put before a person is said in Chinese as well as in English, with the same
//! facts, and names the part of the document it is about where it has one: one table per problem type, a
//! case for each of its variants (each `variant` function is an exhaustive match, so a new variant does not
//! compile here until it has a case).

use std::collections::BTreeSet;
use std::fmt::Debug;

use chrono::{NaiveDate, NaiveDateTime};
use zhiban_model::documents::assessment::AssessmentProblem;
use zhiban_model::documents::directory::{DirectoryProblem, Listed, Rank};
use zhiban_model::documents::duty_log::LogProblem;
use zhiban_model::documents::filing_round::{self, RoundProblem};
use zhiban_model::documents::incident::{self, IncidentProblem, ReportKind, Stage};
use zhiban_model::documents::instruction::{self, InstructionProblem};
use zhiban_model::documents::roster::{FilingStatus, RosterError};
use zhiban_model::documents::spot_check::SpotCheckProblem;
use zhiban_model::documents::{DocumentError, FieldError};
use zhiban_model::refusal::{Explain, Refusal};
use zhiban_model::rules::grade::Grade;
use zhiban_model::rules::roster::{RosterProblem, Slot};

/// A problem, the facts (ids, values, field names) both languages must say, and the part it is about.
type Case<P> = (P, &'static [&'static str], Option<&'static str>);

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Checks every case, and that the cases cover variants `0..variants` as `variant` numbers them.
fn said_in_both<P: Explain + Debug>(cases: Vec<Case<P>>, variant: fn(&P) -> usize, variants: usize) {
    let mut covered = BTreeSet::new();
    for (problem, facts, part) in &cases {
        covered.insert(variant(problem));
        let (en, zh) = (problem.to_string(), problem.zh());
        assert!(!en.trim().is_empty(), "{problem:?} has no English reason");
        assert!(zh.chars().any(is_han), "{problem:?}: {zh:?} is not said in Chinese");
        assert_ne!(en, zh, "{problem:?}");
        for fact in *facts {
            assert!(en.contains(fact), "{problem:?}: {fact:?} is not in {en:?}");
            assert!(zh.contains(fact), "{problem:?}: {fact:?} is not in {zh:?}");
        }
        assert_eq!(problem.part().as_deref(), *part, "{problem:?}");
        let refusal = Refusal::of("document.problem", problem);
        assert_eq!((refusal.reason, refusal.reason_zh, refusal.part), (en, zh, part.map(Into::into)));
    }
    let all: BTreeSet<usize> = (0..variants).collect();
    assert_eq!(covered, all, "every variant of {} has a case", std::any::type_name::<P>());
}

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("a test time")
}

const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

#[test]
fn field_errors() {
    fn variant(e: &FieldError) -> usize {
        match e {
            FieldError::NotATime { .. } => 0,
            FieldError::MoreSeriousThanInjured { .. } => 1,
        }
    }
    said_in_both(
        vec![
            (
                FieldError::NotATime { field: "entries/e7/details/occurred_at".into(), value: "yesterday".into() },
                &["entries/e7/details/occurred_at", "yesterday", "2026-10-01T08:05:00+08:00"],
                Some("entries/e7/details/occurred_at"),
            ),
            (
                FieldError::MoreSeriousThanInjured {
                    field: "entries/e7/details/casualties/serious_injuries".into(),
                    serious: 5,
                    injured: 3,
                },
                &["entries/e7/details/casualties/serious_injuries", "5", "3"],
                Some("entries/e7/details/casualties/serious_injuries"),
            ),
        ],
        variant,
        2,
    );
}

#[test]
fn incident_problems() {
    use IncidentProblem as P;
    fn variant(p: &P) -> usize {
        match p {
            P::Field(_) => 0,
            P::OccurredAfterReceived { .. } => 1,
            P::NegativeCount { .. } => 2,
            P::UnknownUnit(_) => 3,
            P::UnknownReporterUnit { .. } => 4,
            P::UnknownPendingField { .. } => 5,
            P::NoFirstReport => 6,
            P::NeedsFirstReport(_) => 7,
            P::EntryEdited(_) => 8,
            P::DuplicateEntry(_) => 9,
            P::UnknownEntry { .. } => 10,
            P::BadAttachmentHash(_) => 11,
            P::HistoryRewritten(_) => 12,
            P::StageBackwards { .. } => 13,
            P::AssessWithoutGrade => 14,
            P::BadGrade(_) => 15,
            P::OverrideWithoutReason { .. } => 16,
            P::ArchiveWithoutFinalReport => 17,
            P::Empty(_) => 18,
        }
    }
    use incident::names::*;
    let mut cases: Vec<Case<P>> = vec![
        (
            P::Field(FieldError::NotATime { field: "received_at".into(), value: "昨天".into() }),
            &["received_at", "昨天"],
            Some("received_at"),
        ),
        (
            P::OccurredAfterReceived {
                entry: "e7".into(),
                occurred_at: "2026-10-01T09:00:00+08:00".into(),
                received_at: "2026-10-01T08:00:00+08:00".into(),
            },
            &["2026-10-01T09:00:00+08:00", "2026-10-01T08:00:00+08:00"],
            Some("entries/e7/details/occurred_at"),
        ),
        (
            P::NegativeCount { within: "entries/e7/details".into(), field: "casualties.dead".into(), value: -1 },
            &["casualties.dead", "-1"],
            Some("entries/e7/details/casualties/dead"),
        ),
        (
            P::NegativeCount { within: "figures/2".into(), field: "direct_loss_cny".into(), value: -500 },
            &["direct_loss_cny", "-500"],
            Some("figures/2/direct_loss_cny"),
        ),
        (
            P::NegativeCount { within: format!("attachments/{SHA}"), field: "size".into(), value: -3 },
            &["size", "-3"],
            Some("attachments/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08/size"),
        ),
        (P::UnknownUnit("atlantis".into()), &["atlantis"], Some("unit")),
        (
            P::UnknownReporterUnit { entry: "e7".into(), unit: "atlantis".into() },
            &["atlantis"],
            Some("entries/e7/reporter/unit"),
        ),
        (
            P::UnknownPendingField { entry: "e7".into(), field: "weather".into() },
            &["weather", "occurred_at", "direct_loss_cny"],
            Some("entries/e7/pending"),
        ),
        (P::NoFirstReport, &[], Some("entries")),
        (P::NeedsFirstReport(ReportKind::FollowUp), &[], None),
        (P::NeedsFirstReport(ReportKind::Final), &[], None),
        (P::EntryEdited("e7".into()), &["e7"], Some("entries/e7")),
        (P::DuplicateEntry("e7".into()), &["e7"], Some("entries/e7")),
        (
            P::UnknownEntry { attachment: SHA.into(), entry: "e7".into() },
            &["e7"],
            Some("attachments/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08/entry"),
        ),
        (P::BadAttachmentHash("ABC".into()), &["ABC"], Some("attachments/ABC")),
        (P::StageBackwards { current: Stage::Handling, wanted: Stage::ReportedUp }, &[], None),
        (P::AssessWithoutGrade, &[], None),
        (P::BadGrade("5级".into()), &["5级"], Some("grade_confirmations")),
        (P::OverrideWithoutReason { confirmed: Grade::III, suggested: Grade::IV }, &["Ⅲ", "Ⅳ"], None),
        (P::ArchiveWithoutFinalReport, &[], None),
    ];
    for (name, part) in [
        (ATTACHMENTS, Some("attachments")),
        (TIME_RECEIVED, Some("received_at")),
        (LIFECYCLE, Some("lifecycle")),
        (GRADE_CONFIRMATIONS, Some("grade_confirmations")),
        (FIGURES_HISTORY, Some("figures")),
        (JUDGEMENTS, Some("judgements")),
    ] {
        cases.push((P::HistoryRewritten(name), &[], part));
    }
    for (name, part) in [(TITLE, Some("title")), (JUDGEMENT_REASON, None), (PERSON_ASSIGNED, None)] {
        cases.push((P::Empty(name), &[], part));
    }
    said_in_both(cases, variant, 19);
}

#[test]
fn instruction_problems() {
    use InstructionProblem as P;
    fn variant(p: &P) -> usize {
        match p {
            P::Field(_) => 0,
            P::NoRecipients => 1,
            P::UnknownRecipient(_) => 2,
            P::UnknownLeader(_) => 3,
            P::Empty(_) => 4,
            P::NotARecipient(_) => 5,
            P::NotEntitled { .. } => 6,
            P::MisfiledAcknowledgement(_) => 7,
            P::ServerOnly(_) => 8,
            P::HistoryRewritten(_) => 9,
            P::Closed => 10,
            P::CloseWithoutFeedback => 11,
            P::BadNumber(_) => 12,
        }
    }
    use instruction::names::*;
    let mut cases: Vec<Case<P>> = vec![
        (
            P::Field(FieldError::NotATime { field: "recipients/east/relayed_at".into(), value: "x".into() }),
            &["recipients/east/relayed_at"],
            Some("recipients/east/relayed_at"),
        ),
        (P::NoRecipients, &[], Some("recipients")),
        (P::UnknownRecipient("nobody".into()), &["nobody"], Some("recipients/nobody")),
        (P::UnknownLeader("ghost".into()), &["ghost"], Some("leader")),
        (P::NotARecipient("water".into()), &["water"], None),
        (
            P::NotEntitled { recipient: "qian".into(), person: "wang".into() },
            &["qian", "wang"],
            Some("acknowledgements/qian/wang"),
        ),
        (P::MisfiledAcknowledgement("east-wang".into()), &["east-wang"], Some("acknowledgements/east-wang")),
        (P::Closed, &[], Some("closure")),
        (P::CloseWithoutFeedback, &[], Some("feedback")),
        (P::BadNumber("27-14".into()), &["27-14", "2027-014"], Some("number")),
    ];
    for (name, part) in [(TEXT, Some("text")), (PROGRESS_TEXT, Some("progress")), (FEEDBACK_TEXT, Some("feedback"))] {
        cases.push((P::Empty(name), &[], part));
    }
    for (name, part) in [(LEDGER_NUMBER, Some("number")), (SERVER_RECEIPT_TIME, Some("acknowledgements"))] {
        cases.push((P::ServerOnly(name), &[], part));
    }
    for (name, part) in [
        (LEADER_OR_TIME, None),
        (TEXT_ONCE_OUT, Some("text")),
        (ACKNOWLEDGEMENTS, Some("acknowledgements")),
        (RECIPIENTS, Some("recipients")),
        (RELAY_TIMES, Some("recipients")),
        (PROGRESS, Some("progress")),
        (FEEDBACK, Some("feedback")),
        (CLOSURE, Some("closure")),
    ] {
        cases.push((P::HistoryRewritten(name), &[], part));
    }
    said_in_both(cases, variant, 13);
}

#[test]
fn filing_round_problems() {
    use RoundProblem as P;
    fn variant(p: &P) -> usize {
        match p {
            P::BadTime { .. } => 0,
            P::NoTitle => 1,
            P::PeriodBackwards { .. } => 2,
            P::DeadlineAfterStart { .. } => 3,
            P::NoUnits => 4,
            P::UnknownUnit(_) => 5,
            P::DuplicateUnit(_) => 6,
            P::EditedAfterClosing => 7,
            P::Changed(_) => 8,
            P::UnitRemoved(_) => 9,
        }
    }
    use filing_round::names::*;
    let mut cases: Vec<Case<P>> = vec![
        (P::BadTime { field: "deadline", value: "月底".into() }, &["deadline", "月底"], Some("deadline")),
        (P::NoTitle, &[], Some("title")),
        (
            P::PeriodBackwards { start: "2026-10-08T08:00".into(), end: "2026-10-01T00:00".into() },
            &["2026-10-08T08:00", "2026-10-01T00:00"],
            Some("period_end"),
        ),
        (
            P::DeadlineAfterStart { deadline: "2026-10-02T00:00".into(), start: "2026-10-01T00:00".into() },
            &["2026-10-02T00:00", "2026-10-01T00:00"],
            Some("deadline"),
        ),
        (P::NoUnits, &[], Some("units")),
        (P::UnknownUnit("nowhere".into()), &["nowhere"], Some("units")),
        (P::DuplicateUnit("east".into()), &["east"], Some("units")),
        (P::EditedAfterClosing, &[], None),
        (P::UnitRemoved("water".into()), &["water"], Some("units")),
    ];
    for (name, part) in
        [(PERIOD, None), (DEADLINE, Some("deadline")), (OCCASION, Some("occasion")), (OPENED_BY, Some("opened_by"))]
    {
        cases.push((P::Changed(name), &[], part));
    }
    said_in_both(cases, variant, 10);
}

#[test]
fn spot_check_problems() {
    use SpotCheckProblem as P;
    fn variant(p: &P) -> usize {
        match p {
            P::UnknownUnit { .. } => 0,
            P::BadDate { .. } => 1,
            P::RingTimeMissing { .. } => 2,
            P::NegativeRingTime { .. } => 3,
            P::BadCheckTime { .. } => 4,
            P::ResultRewritten(_) => 5,
            P::CheckedRemoved(_) => 6,
        }
    }
    said_in_both(
        vec![
            (P::UnknownUnit { check: "c1".into(), unit: "nowhere".into() }, &["c1", "nowhere"], Some("checks/c1/unit")),
            (P::BadDate { check: "c1".into(), date: "十月一日".into() }, &["c1", "十月一日"], Some("checks/c1/date")),
            (P::RingTimeMissing { check: "c1".into() }, &["c1", "ring_seconds"], Some("checks/c1/result/ring_seconds")),
            (P::NegativeRingTime { check: "c1".into() }, &["c1"], Some("checks/c1/result/ring_seconds")),
            (
                P::BadCheckTime { check: "c1".into(), checked_at: "上午".into() },
                &["c1", "上午"],
                Some("checks/c1/result/checked_at"),
            ),
            (P::ResultRewritten("c1".into()), &["c1"], Some("checks/c1/result")),
            (P::CheckedRemoved("c1".into()), &["c1"], Some("checks/c1")),
        ],
        variant,
        7,
    );
}

#[test]
fn duty_log_problems() {
    use LogProblem as P;
    fn variant(p: &P) -> usize {
        match p {
            P::UnknownUnit(_) => 0,
            P::BadMonth(_) => 1,
            P::BadTime { .. } => 2,
            P::ZeroReportWithoutDay(_) => 3,
            P::BadInstruction { .. } => 4,
            P::Rewritten(_) => 5,
        }
    }
    said_in_both(
        vec![
            (P::UnknownUnit("nowhere".into()), &["nowhere"], Some("unit")),
            (P::BadMonth("2026-13".into()), &["2026-13"], Some("month")),
            (P::BadTime { entry: "z1".into(), at: "晚上".into() }, &["z1", "晚上"], Some("entries/z1/at")),
            (P::ZeroReportWithoutDay("z1".into()), &["z1", "for_date"], Some("entries/z1/for_date")),
            (
                P::BadInstruction { entry: "n1".into(), value: "not a url".into() },
                &["n1", "not a url", "automerge:"],
                Some("entries/n1/instruction"),
            ),
            (P::Rewritten("z1".into()), &["z1"], Some("entries/z1")),
        ],
        variant,
        6,
    );
}

#[test]
fn assessment_problems() {
    use AssessmentProblem as P;
    fn variant(p: &P) -> usize {
        match p {
            P::UnknownUnit { .. } => 0,
            P::AdoptionWithoutLevel(_) => 1,
            P::NoReason(_) => 2,
            P::BadIncident { .. } => 3,
            P::BadTime { .. } => 4,
            P::Rewritten(_) => 5,
        }
    }
    said_in_both(
        vec![
            (P::UnknownUnit { item: "a1".into(), unit: "nowhere".into() }, &["a1", "nowhere"], Some("items/a1/unit")),
            (P::AdoptionWithoutLevel("a1".into()), &["a1"], Some("items/a1/level")),
            (P::NoReason("c1".into()), &["c1"], Some("items/c1/reason")),
            (P::BadIncident { item: "a1".into(), value: "x".into() }, &["a1", "automerge:"], Some("items/a1/incident")),
            (P::BadTime { item: "a1".into(), at: "国庆".into() }, &["a1", "国庆"], Some("items/a1/at")),
            (P::Rewritten("a1".into()), &["a1"], Some("items/a1")),
        ],
        variant,
        6,
    );
}

#[test]
fn directory_problems() {
    use DirectoryProblem as P;
    fn variant(p: &P) -> usize {
        match p {
            P::UnknownParent { .. } => 0,
            P::ParentLoop(_) => 1,
            P::UnknownUnit { .. } => 2,
            P::NoName { .. } => 3,
            P::NoDutyPhone(_) => 4,
        }
    }
    said_in_both(
        vec![
            (
                P::UnknownParent { unit: "east".into(), parent: "province".into() },
                &["east", "province"],
                Some("units/east/parent"),
            ),
            (P::ParentLoop("east".into()), &["east"], Some("units/east/parent")),
            (
                P::UnknownUnit { person: "li".into(), unit: "nowhere".into() },
                &["li", "nowhere"],
                Some("people/li/unit"),
            ),
            (P::NoName { what: Listed::Unit, id: "east".into() }, &["east"], Some("units/east/name")),
            (P::NoName { what: Listed::Person, id: "li".into() }, &["li"], Some("people/li/name")),
            (P::NoDutyPhone("east".into()), &["east"], Some("units/east/duty_phone")),
        ],
        variant,
        5,
    );
}

#[test]
fn roster_problems() {
    use RosterProblem as P;
    fn variant(p: &P) -> usize {
        match p {
            P::OfficersGap { .. } => 0,
            P::LeaderGap { .. } => 1,
            P::Overlap { .. } => 2,
            P::NoMain(_) => 3,
            P::NoDeputy(_) => 4,
            P::SameMainAndDeputy(..) => 5,
            P::NotOnPost(_) => 6,
            P::UnknownPerson(..) => 7,
            P::NotPrincipalOnHolidayFirstDay { .. } => 8,
            P::EndsBeforeStart(_) => 9,
        }
    }
    let (start, end) = (local("2026-10-01T08:00"), local("2026-10-02T08:00"));
    let shift = Slot::Shift { index: 1, id: "s2".into(), start, end };
    let leader = Slot::Leader { index: 0, id: "l1".into(), start, end };
    said_in_both(
        vec![
            (P::OfficersGap { start, end }, &["08:00"], None),
            (P::LeaderGap { start, end }, &["08:00"], None),
            (
                P::Overlap { first: Slot::Shift { index: 0, id: "s1".into(), start, end }, second: shift.clone() },
                &["1", "2"],
                Some("shifts/s2/start"),
            ),
            (P::NoMain(shift.clone()), &["2"], Some("shifts/s2/main")),
            (P::NoDeputy(shift.clone()), &["2"], Some("shifts/s2/deputy")),
            (P::SameMainAndDeputy(shift.clone(), "张三".into()), &["张三"], Some("shifts/s2/deputy")),
            (P::NotOnPost(shift.clone()), &["2"], Some("shifts/s2/on_post")),
            (P::UnknownPerson(shift.clone(), "ghost".into()), &["ghost"], Some("shifts/s2")),
            (P::UnknownPerson(leader.clone(), "ghost".into()), &["ghost"], Some("leaders/l1/leader")),
            (
                P::NotPrincipalOnHolidayFirstDay {
                    slot: leader.clone(),
                    date: NaiveDate::from_ymd_opt(2026, 10, 1).expect("a day"),
                    festival: "National Day".into(),
                    leader: "李处长".into(),
                    rank: Rank::Division,
                },
                &["李处长"],
                Some("leaders/l1/leader"),
            ),
            (P::EndsBeforeStart(shift), &["2"], Some("shifts/s2/end")),
        ],
        variant,
        10,
    );
}

#[test]
fn roster_errors() {
    use RosterError as P;
    fn variant(p: &P) -> usize {
        match p {
            P::BadTime { .. } => 0,
            P::NoSuchShift(_) => 1,
            P::Filing { .. } => 2,
            P::ReturnWithoutReason => 3,
        }
    }
    let mut cases: Vec<Case<P>> = vec![
        (
            P::BadTime { field: "shifts/s2/end".into(), value: "tomorrow".into() },
            &["shifts/s2/end", "tomorrow", "2026-10-01T08:00"],
            Some("shifts/s2/end"),
        ),
        (P::NoSuchShift("s9".into()), &["s9"], None),
        (P::ReturnWithoutReason, &[], None),
    ];
    for from in [FilingStatus::Draft, FilingStatus::Filed, FilingStatus::Accepted, FilingStatus::Returned] {
        for to in [FilingStatus::Filed, FilingStatus::Accepted, FilingStatus::Returned] {
            cases.push((P::Filing { from, to }, &[], Some("filing")));
        }
    }
    said_in_both(cases, variant, 4);
}

#[test]
fn document_errors() {
    use DocumentError as P;
    fn variant(p: &P) -> usize {
        match p {
            P::WrongType { .. } => 0,
            P::SchemaTooNew { .. } => 1,
            P::Shape { .. } => 2,
            P::UnknownKeys { .. } => 3,
        }
    }
    let mut cases: Vec<Case<P>> = vec![
        (P::WrongType { expected: "incident", found: "roster".into() }, &["roster", "incident"], Some("type")),
        (P::SchemaTooNew { kind: "incident", found: 3, known: 1 }, &["3", "1"], Some("schema")),
        (P::Shape { kind: "roster", reason: "expected a map".into() }, &["expected a map"], None),
        (
            P::UnknownKeys { kind: "incident", unknown: vec!["judgements/-".into()], known: vec!["entries".into()] },
            &["judgements/-", "entries"],
            Some("judgements/-"),
        ),
        (
            P::UnknownKeys {
                kind: "incident",
                unknown: vec!["a".into(), "b".into()],
                known: vec!["entries".into(), "title".into()],
            },
            &["entries", "title"],
            None,
        ),
    ];
    let kinds = [
        "directory",
        "roster",
        "incident",
        "instruction",
        "home",
        "filing_round",
        "spot_checks",
        "duty_log",
        "assessment",
        "document",
    ];
    for kind in kinds {
        cases.push((P::Shape { kind, reason: "bad".into() }, &["bad"], None));
    }
    said_in_both(cases, variant, 4);
}
