//! Who may write which part of which document, as a table: role × document type × part × (create, edit),
//! each part added in the writer's own name and in someone else's. A new document is judged exactly as its
//! parts added to a document holding only its heading, so nobody can be born with records they could not
//! have added later (a field reporter's new incident already holding the desk's 瞒报 judgement, say).
//!
//! The same table runs twice: through the gate a phone passes before saving (`zhiban_model::gate`), and
//! against the real server over its sync socket, as raw documents (the phone's own checks skipped), on
//! SQLite and on PostgreSQL when one is named. Each cell asserts the rules that refuse it, not their text.

use std::collections::BTreeSet;
use std::time::Duration;

use automerge::sync::{State as SyncState, SyncDoc};
use zhiban_model::access::Viewer;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::assessment::{Assessment, AssessmentItem, ItemKind};
use zhiban_model::documents::directory::{Directory, DutyCategory, Person, Rank, Role, Unit};
use zhiban_model::documents::duty_log::{DutyLog, LogEntry, LogKind};
use zhiban_model::documents::filing_round::{FilingRound, Occasion, RoundClosure};
use zhiban_model::documents::home::{AlertReceipt, Home, HomeEntry};
use zhiban_model::documents::incident::{
    Assignment, Attachment, Casualties, FiguresRecord, FirstReport, GradeConfirmation, Incident, Judgement,
    JudgementKind, LifecycleStep, ReportDetails, ReportEntry, ReportKind, Reporter, Stage,
};
use zhiban_model::documents::instruction::{Acknowledgement, Instruction, Note, ProgressEntry, RecipientKind};
use zhiban_model::documents::roster::{FilingStatus, FilingStep, HandoverNote, Post, RosterDocument, ShiftEntry, Swap};
use zhiban_model::documents::spot_check::{CheckResult, Method, Outcome, Session, SpotCheck, SpotChecks};
use zhiban_model::gate::check_change;
use zhiban_model::{DocumentId, Message};
use zhiban_server::homes::DocumentAudience;
use zhiban_server::store::NewChunk;
use zhiban_tests::duty::add_people;
use zhiban_tests::peer::Received;
use zhiban_tests::{Backend, InProcessServer, RawPeer, TestDatabase};

/// The roles, one person each, all but the desk's people and the administrator in the district `east`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Desk,
    Leader,
    Officer,
    Field,
    Admin,
}

const EVERY_ROLE: [Who; 5] = [Who::Desk, Who::Leader, Who::Officer, Who::Field, Who::Admin];

/// Someone none of the roles is: the name a forged record carries.
const SOMEONE_ELSE: &str = "zhao";

impl Who {
    fn person(self) -> &'static str {
        match self {
            Who::Desk => "desk-1",
            Who::Leader => "mayor",
            Who::Officer => "wang",
            Who::Field => "li",
            Who::Admin => "admin",
        }
    }

    fn code(self) -> &'static str {
        match self {
            Who::Desk => "desk",
            Who::Leader => "leader",
            Who::Officer => "officer",
            Who::Field => "field",
            Who::Admin => "admin",
        }
    }

    fn viewer(self) -> Viewer {
        let directory = city();
        let person = &directory.people[self.person()];
        Viewer { person: self.person().into(), unit: person.unit.clone(), roles: person.roles.clone() }
    }
}

fn city() -> Directory {
    let mut d = Directory::default();
    for (id, parent) in [("city", None), ("east", Some("city")), ("water", Some("city"))] {
        d.units.insert(
            id.into(),
            Unit {
                name: id.into(),
                parent: parent.map(Into::into),
                category: DutyCategory::One,
                duty_phone: format!("0571-{id}"),
            },
        );
    }
    for (id, unit, role) in [
        ("desk-1", "city", Role::Desk),
        ("mayor", "city", Role::Leader),
        ("wang", "east", Role::UnitOfficer),
        ("zhao", "east", Role::UnitOfficer),
        ("li", "east", Role::Field),
        ("admin", "city", Role::Admin),
    ] {
        d.people.insert(
            id.into(),
            Person { name: id.into(), unit: unit.into(), rank: Rank::Section, phone: "139".into(), roles: vec![role] },
        );
    }
    d
}

const AT: &str = "2026-10-01T09:00:00+08:00";
const HASH: &str = "a3f1c2d4e5b6a7980112233445566778899aabbccddeeff00112233445566778";

// The documents as the rightful people first made them: what an edit starts from, and what a new
// document is made of before its part is added.

/// An incident of east with its first report (and the `received` step) by `maker`.
fn incident(maker: &str) -> TypedDocument {
    let report = FirstReport {
        title: "东城区仓库火灾".into(),
        unit: "east".into(),
        received_at: Some(at(AT)),
        reporter: reporter(maker),
        details: ReportDetails { account: "仓库起火".into(), ..Default::default() },
        ..Default::default()
    };
    Incident::file_first_report(report, "e1", at(AT), &city()).expect("a first report").into()
}

fn at(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text).expect("a time")
}

/// The mayor's instruction to east and to li (the desk may record it for him).
fn instruction(_maker: &str) -> TypedDocument {
    let mut i = Instruction::issue("mayor", at(AT), "全力处置，注意安全", None, &["east".into(), "li".into()], &city())
        .expect("an instruction");
    i.recipients.get_mut("li").expect("li").kind = RecipientKind::Person;
    i.into()
}

fn roster(_maker: &str) -> TypedDocument {
    let mut r = RosterDocument {
        kind: "roster".into(),
        schema: 1,
        unit: "east".into(),
        period_start: "2026-10-01T08:00".into(),
        period_end: "2026-10-02T08:00".into(),
        shifts: Default::default(),
        leaders: Default::default(),
        swaps: Vec::new(),
        handover_notes: Vec::new(),
        filing: Vec::new(),
    };
    r.shifts.insert("s1".into(), shift());
    r.into()
}

fn shift() -> ShiftEntry {
    ShiftEntry {
        start: "2026-10-01T08:00".into(),
        end: "2026-10-02T08:00".into(),
        main: Some("wang".into()),
        deputy: Some("zhao".into()),
        on_post: true,
    }
}

fn filing_round(maker: &str) -> TypedDocument {
    FilingRound {
        kind: "filing_round".into(),
        schema: 1,
        title: "国庆节值班表报备".into(),
        occasion: Occasion::Holiday,
        period_start: "2026-10-01T00:00".into(),
        period_end: "2026-10-08T08:00".into(),
        deadline: "2026-09-28T23:59".into(),
        units: vec!["east".into(), "water".into()],
        opened_by: maker.into(),
        opened_at: "2026-09-20T09:00".into(),
        closed: None,
    }
    .into()
}

fn spot_checks(_maker: &str) -> TypedDocument {
    SpotChecks::new("国庆节值班抽查", None).into()
}

fn duty_log(_maker: &str) -> TypedDocument {
    DutyLog::new("east", "2026-10").into()
}

fn assessment(_maker: &str) -> TypedDocument {
    Assessment::new(2026).into()
}

fn directory(_maker: &str) -> TypedDocument {
    city().into()
}

fn home(_maker: &str) -> TypedDocument {
    Home::new("li").into()
}

/// A document type: what a document of it holds before the part is added, made by someone (the writer, for
/// a new one; `owner`, for the existing one an edit starts from).
struct Kind {
    name: &'static str,
    start: fn(&str) -> TypedDocument,
    owner: &'static str,
}

const INCIDENT: Kind = Kind { name: "incident", start: incident, owner: "li" };
const INSTRUCTION: Kind = Kind { name: "instruction", start: instruction, owner: "mayor" };
const ROSTER: Kind = Kind { name: "roster", start: roster, owner: "wang" };
const FILING_ROUND: Kind = Kind { name: "filing_round", start: filing_round, owner: "desk-1" };
const SPOT_CHECKS: Kind = Kind { name: "spot_checks", start: spot_checks, owner: "desk-1" };
const DUTY_LOG: Kind = Kind { name: "duty_log", start: duty_log, owner: "wang" };
const ASSESSMENT: Kind = Kind { name: "assessment", start: assessment, owner: "desk-1" };
const DIRECTORY: Kind = Kind { name: "directory", start: directory, owner: "admin" };
const HOME: Kind = Kind { name: "home", start: home, owner: "li" };

/// One part of a document, added by `by`.
struct Part {
    kind: Kind,
    name: &'static str,
    add: fn(&mut TypedDocument, &str),
    /// For each role, `edit/create` in their own name: `ok`, or the rules that refuse it joined by `+`
    /// (`read`: they cannot see the document; `*.create` and the like: they cannot make one at all).
    own: &'static str,
    /// The rule a record in someone else's name adds; `None` for a part that names nobody.
    forged: Option<&'static str>,
    /// The cells in someone else's name, where they are not the own name's plus `forged`.
    forged_cells: Option<&'static str>,
}

macro_rules! as_kind {
    ($doc:expr, $variant:ident) => {
        match $doc {
            TypedDocument::$variant(d) => d,
            other => panic!("not a {}: {other:?}", stringify!($variant)),
        }
    };
}

fn reporter(by: &str) -> Reporter {
    let unit = city().people.get(by).map(|p| p.unit.clone()).unwrap_or_default();
    Reporter { person: by.into(), unit, name: by.into(), ..Default::default() }
}

fn step(doc: &mut TypedDocument, stage: Stage, by: &str) {
    as_kind!(doc, Incident).lifecycle.push(LifecycleStep { stage, by: by.into(), at: AT.into(), note: String::new() });
}

fn parts() -> Vec<Part> {
    vec![
        // An incident of east: its reporters and officers file it, the desk judges it.
        Part {
            kind: INCIDENT,
            name: "follow-up report",
            add: |doc, by| {
                let entry = ReportEntry {
                    kind: ReportKind::FollowUp,
                    submitted_at: AT.into(),
                    reporter: reporter(by),
                    recorded_by: None,
                    details: ReportDetails { account: "仓库起火".into(), ..Default::default() },
                    pending: Vec::new(),
                };
                as_kind!(doc, Incident).entries.insert("e2".into(), entry);
            },
            own: "desk=ok/ok leader=incident.report/incident.create officer=ok/ok field=ok/ok \
                  admin=read/incident.create",
            forged: Some("incident.report.author"),
            forged_cells: None,
        },
        Part {
            kind: INCIDENT,
            name: "attachment",
            add: |doc, by| {
                let attachment = Attachment {
                    sha256: HASH.into(),
                    size: 1024,
                    media_type: "image/jpeg".into(),
                    file_name: "现场.jpg".into(),
                    entry: None,
                    added_by: by.into(),
                    added_at: AT.into(),
                };
                as_kind!(doc, Incident).attachments.insert(HASH.into(), attachment);
            },
            own: "desk=ok/ok leader=incident.attachment/incident.create officer=ok/ok field=ok/ok \
                  admin=read/incident.create",
            forged: Some("incident.attachment.author"),
            forged_cells: None,
        },
        Part {
            kind: INCIDENT,
            name: "received step",
            add: |doc, by| step(doc, Stage::Received, by),
            own: "desk=ok/ok leader=incident.lifecycle/incident.create officer=incident.lifecycle/ok field=incident.lifecycle/ok \
                  admin=read/incident.create",
            forged: Some("incident.lifecycle"),
            forged_cells: None,
        },
        Part {
            kind: INCIDENT,
            name: "assessed step",
            add: |doc, by| step(doc, Stage::Assessed, by),
            own: "desk=ok/ok leader=incident.lifecycle/incident.create officer=incident.lifecycle/incident.lifecycle \
                  field=incident.lifecycle/incident.lifecycle admin=read/incident.create",
            forged: Some("incident.lifecycle"),
            forged_cells: None,
        },
        Part {
            kind: INCIDENT,
            name: "archived step",
            add: |doc, by| step(doc, Stage::Archived, by),
            own: "desk=ok/ok leader=incident.lifecycle/incident.create officer=incident.lifecycle/incident.lifecycle \
                  field=incident.lifecycle/incident.lifecycle admin=read/incident.create",
            forged: Some("incident.lifecycle"),
            forged_cells: None,
        },
        Part {
            kind: INCIDENT,
            name: "grade confirmation",
            add: |doc, by| {
                as_kind!(doc, Incident).grade_confirmations.push(GradeConfirmation {
                    grade: "IV".into(),
                    reason: String::new(),
                    by: by.into(),
                    at: AT.into(),
                })
            },
            own: "desk=ok/ok leader=incident.grade/incident.create officer=incident.grade/incident.grade \
                  field=incident.grade/incident.grade admin=read/incident.create",
            forged: Some("incident.grade"),
            forged_cells: None,
        },
        Part {
            kind: INCIDENT,
            name: "figures corrected",
            add: |doc, by| {
                as_kind!(doc, Incident).figures.push(FiguresRecord {
                    casualties: Casualties { dead: 1, ..Default::default() },
                    direct_loss_cny: 0,
                    set_by: by.into(),
                    set_at: AT.into(),
                    from_entry: None,
                    note: "核实".into(),
                })
            },
            own: "desk=ok/ok leader=incident.figures/incident.create officer=incident.figures/incident.figures \
                  field=incident.figures/incident.figures admin=read/incident.create",
            forged: Some("incident.figures"),
            forged_cells: None,
        },
        Part {
            kind: INCIDENT,
            name: "judgement (瞒报 by another unit)",
            add: |doc, by| {
                as_kind!(doc, Incident).judgements.push(Judgement {
                    kind: JudgementKind::Concealed,
                    unit: "water".into(),
                    reason: "未按规定报告".into(),
                    by: by.into(),
                    at: AT.into(),
                })
            },
            own: "desk=ok/ok leader=incident.judgement/incident.create officer=incident.judgement/incident.judgement \
                  field=incident.judgement/incident.judgement admin=read/incident.create",
            forged: Some("incident.judgement"),
            forged_cells: None,
        },
        Part {
            kind: INCIDENT,
            name: "reporter assigned",
            add: |doc, by| {
                as_kind!(doc, Incident).assignees.insert("li".into(), Assignment { by: by.into(), at: AT.into() });
            },
            own: "desk=ok/ok leader=incident.assign/incident.create officer=incident.assign/incident.assign \
                  field=incident.assign/incident.assign admin=read/incident.create",
            forged: Some("incident.assign"),
            forged_cells: None,
        },
        Part {
            kind: INCIDENT,
            name: "flagged sensitive",
            add: |doc, _| as_kind!(doc, Incident).sensitive = true,
            own: "desk=ok/ok leader=incident.heading/incident.create officer=incident.heading/ok field=incident.heading/ok \
                  admin=read/incident.create",
            forged: None,
            forged_cells: None,
        },
        // The mayor's instruction to east and to li: leaders and the desk issue it, recipients answer it.
        Part {
            kind: INSTRUCTION,
            name: "relayed",
            add: |doc, by| {
                let recipient = as_kind!(doc, Instruction).recipients.get_mut("east").expect("east");
                recipient.relayed_at = Some(AT.into());
                recipient.relayed_by = Some(by.into());
            },
            own: "desk=ok/ok leader=ok/ok officer=instruction.recipients/instruction.create \
                  field=instruction.recipients/instruction.create admin=read/instruction.create",
            forged: Some("instruction.relay"),
            forged_cells: None,
        },
        Part {
            kind: INSTRUCTION,
            name: "acknowledgement",
            add: |doc, by| {
                let recipient = if by == "li" { "li" } else { "east" };
                as_kind!(doc, Instruction).acknowledgements.insert(
                    format!("{recipient}/{by}"),
                    Acknowledgement {
                        recipient: recipient.into(),
                        person: by.into(),
                        device: "phone".into(),
                        acknowledged_at: AT.into(),
                        server_received_at: None,
                    },
                );
            },
            // Only the recipient's own people may sign for it (a document rule); in zhao's name it is
            // signed by someone who may, so only the authorship is wrong.
            own: "desk=document.problem/document.problem leader=document.problem/document.problem \
                  officer=ok/instruction.create field=ok/instruction.create \
                  admin=read+document.problem/instruction.create+document.problem",
            forged: Some("instruction.acknowledge"),
            forged_cells: Some(
                "desk=instruction.acknowledge/instruction.acknowledge \
                 leader=instruction.acknowledge/instruction.acknowledge \
                 officer=instruction.acknowledge/instruction.create field=instruction.acknowledge/instruction.create \
                 admin=read/instruction.create",
            ),
        },
        Part {
            kind: INSTRUCTION,
            name: "progress",
            add: |doc, by| {
                as_kind!(doc, Instruction).progress.push(ProgressEntry {
                    by: by.into(),
                    unit: "east".into(),
                    at: AT.into(),
                    text: "已组织疏散".into(),
                })
            },
            own: "desk=ok/ok leader=instruction.progress/instruction.progress officer=ok/instruction.create \
                  field=ok/instruction.create admin=read/instruction.create",
            forged: Some("instruction.progress"),
            forged_cells: None,
        },
        Part {
            kind: INSTRUCTION,
            name: "feedback",
            add: |doc, by| {
                as_kind!(doc, Instruction).feedback =
                    Some(Note { by: by.into(), at: AT.into(), text: "已落实".into() })
            },
            own: "desk=ok/ok leader=instruction.feedback/instruction.feedback officer=ok/instruction.create \
                  field=ok/instruction.create admin=read/instruction.create",
            forged: Some("instruction.feedback"),
            forged_cells: None,
        },
        Part {
            kind: INSTRUCTION,
            name: "closure (after the desk's feedback)",
            add: |doc, by| {
                let i = as_kind!(doc, Instruction);
                i.feedback = Some(Note { by: "desk-1".into(), at: AT.into(), text: "已落实".into() });
                i.closure = Some(Note { by: by.into(), at: AT.into(), text: "办结".into() });
            },
            own: "desk=ok/ok leader=instruction.feedback+instruction.close/instruction.feedback+instruction.close \
                  officer=instruction.feedback+instruction.close/instruction.create \
                  field=instruction.feedback+instruction.close/instruction.create admin=read/instruction.create",
            forged: Some("instruction.close"),
            forged_cells: None,
        },
        Part {
            kind: INSTRUCTION,
            name: "ledger number",
            add: |doc, _| as_kind!(doc, Instruction).number = Some("2026-001".into()),
            own: "desk=server.field/server.field leader=server.field/server.field \
                  officer=server.field/instruction.create+server.field field=server.field/instruction.create+server.field \
                  admin=read+server.field/instruction.create+server.field",
            forged: None,
            forged_cells: None,
        },
        Part {
            kind: INSTRUCTION,
            name: "server receipt time",
            add: |doc, _| {
                as_kind!(doc, Instruction).acknowledgements.insert(
                    "east/wang".into(),
                    Acknowledgement {
                        recipient: "east".into(),
                        person: "wang".into(),
                        device: "phone".into(),
                        acknowledged_at: AT.into(),
                        server_received_at: Some(AT.into()),
                    },
                );
            },
            own: "desk=server.field+instruction.acknowledge/server.field+instruction.acknowledge \
                  leader=server.field+instruction.acknowledge/server.field+instruction.acknowledge \
                  officer=server.field/instruction.create+server.field \
                  field=server.field+instruction.acknowledge/instruction.create+server.field \
                  admin=read+server.field/instruction.create+server.field",
            forged: None,
            forged_cells: None,
        },
        // East's draft roster: its officers draw it up (or the desk takes it down), and file it.
        Part {
            kind: ROSTER,
            name: "shift",
            add: |doc, _| {
                let mut s = shift();
                s.start = "2026-10-01T20:00".into();
                as_kind!(doc, Roster).shifts.insert("s2".into(), s);
            },
            own: "desk=ok/ok leader=roster.edit/roster.create officer=ok/ok field=roster.edit/roster.create \
                  admin=read/roster.create",
            forged: None,
            forged_cells: None,
        },
        Part {
            kind: ROSTER,
            name: "swap",
            add: |doc, by| {
                as_kind!(doc, Roster).swaps.push(Swap {
                    shift: "s1".into(),
                    post: Post::Deputy,
                    from: Some("zhao".into()),
                    to: "zhao".into(),
                    by: by.into(),
                    at: "2026-10-01T07:00".into(),
                    reason: "病假".into(),
                })
            },
            own: "desk=roster.records/roster.records leader=roster.records/roster.create officer=ok/ok \
                  field=roster.records/roster.create admin=read/roster.create",
            forged: Some("roster.records"),
            forged_cells: None,
        },
        Part {
            kind: ROSTER,
            name: "handover note",
            add: |doc, by| {
                as_kind!(doc, Roster).handover_notes.push(HandoverNote {
                    at: "2026-10-02T08:00".into(),
                    by: by.into(),
                    text: "无异常".into(),
                })
            },
            own: "desk=roster.records/roster.records leader=roster.records/roster.create officer=ok/ok \
                  field=roster.records/roster.create admin=read/roster.create",
            forged: Some("roster.records"),
            forged_cells: None,
        },
        Part {
            kind: ROSTER,
            name: "filed",
            add: |doc, by| {
                as_kind!(doc, Roster).filing.push(FilingStep {
                    status: FilingStatus::Filed,
                    by: by.into(),
                    at: "2026-09-28T09:00".into(),
                    reasons: Vec::new(),
                })
            },
            own: "desk=roster.filing/roster.filing leader=roster.filing/roster.create officer=ok/ok \
                  field=roster.filing/roster.create admin=read/roster.create",
            forged: Some("roster.filing"),
            forged_cells: None,
        },
        Part {
            kind: ROSTER,
            name: "returned",
            add: |doc, by| {
                as_kind!(doc, Roster).filing.push(FilingStep {
                    status: FilingStatus::Returned,
                    by: by.into(),
                    at: "2026-09-28T10:00".into(),
                    reasons: vec!["带班领导应为主要负责人".into()],
                })
            },
            own: "desk=ok/ok leader=roster.filing/roster.create officer=roster.filing/roster.filing \
                  field=roster.filing/roster.create admin=read/roster.create",
            forged: Some("roster.filing"),
            forged_cells: None,
        },
        // The desk's oversight.
        Part {
            kind: FILING_ROUND,
            name: "closure",
            add: |doc, by| {
                as_kind!(doc, FilingRound).closed =
                    Some(RoundClosure { by: by.into(), at: "2026-09-29T09:00".into(), note: "截止".into() })
            },
            own: "desk=ok/ok leader=filing_round.desk/filing_round.desk \
                  officer=filing_round.desk/filing_round.desk field=filing_round.desk/filing_round.desk \
                  admin=read/filing_round.desk",
            forged: Some("filing_round.desk"),
            forged_cells: None,
        },
        Part {
            kind: SPOT_CHECKS,
            name: "planned check",
            add: |doc, by| {
                as_kind!(doc, SpotChecks).checks.insert("c1".into(), check(by, None));
            },
            own: "desk=ok/ok leader=spot_checks.desk/spot_checks.desk officer=read/spot_checks.desk \
                  field=read/spot_checks.desk admin=read/spot_checks.desk",
            forged: Some("spot_checks.own_name"),
            forged_cells: None,
        },
        Part {
            kind: SPOT_CHECKS,
            name: "check result",
            add: |doc, by| {
                let result = CheckResult {
                    outcome: Outcome::Unanswered,
                    ring_seconds: Some(65),
                    method: Method::Phone,
                    answered_by: String::new(),
                    checked_by: by.into(),
                    checked_at: AT.into(),
                    note: String::new(),
                };
                as_kind!(doc, SpotChecks).checks.insert("c2".into(), check("desk-1", Some(result)));
            },
            own: "desk=ok/ok leader=spot_checks.desk/spot_checks.desk officer=read/spot_checks.desk \
                  field=read/spot_checks.desk admin=read/spot_checks.desk",
            forged: Some("spot_checks.own_name"),
            forged_cells: None,
        },
        Part {
            kind: DUTY_LOG,
            name: "log entry",
            add: |doc, by| {
                as_kind!(doc, DutyLog).entries.insert(
                    "z1".into(),
                    LogEntry {
                        kind: LogKind::ZeroReport,
                        at: "2026-10-01T16:30:00+08:00".into(),
                        by: by.into(),
                        counterpart: String::new(),
                        summary: String::new(),
                        handling: String::new(),
                        instruction: None,
                        for_date: Some("2026-10-01".into()),
                    },
                );
            },
            own: "desk=duty_log.unit/duty_log.unit leader=duty_log.unit/duty_log.unit officer=ok/ok \
                  field=duty_log.unit/duty_log.unit admin=read/duty_log.unit",
            forged: Some("duty_log.own_name"),
            forged_cells: None,
        },
        Part {
            kind: ASSESSMENT,
            name: "criticism",
            add: |doc, by| {
                as_kind!(doc, Assessment).items.insert(
                    "a1".into(),
                    AssessmentItem {
                        kind: ItemKind::Criticism,
                        unit: "water".into(),
                        level: None,
                        publication: "《值班通报》2026年第3期".into(),
                        incident: None,
                        entry: None,
                        reason: "迟报".into(),
                        by: by.into(),
                        at: AT.into(),
                    },
                );
            },
            own: "desk=ok/ok leader=assessment.desk/assessment.desk officer=read/assessment.desk \
                  field=read/assessment.desk admin=read/assessment.desk",
            forged: Some("assessment.own_name"),
            forged_cells: None,
        },
        Part {
            kind: DIRECTORY,
            name: "person",
            add: |doc, _| {
                as_kind!(doc, Directory).people.insert(
                    "sun".into(),
                    Person {
                        name: "孙八".into(),
                        unit: "east".into(),
                        rank: Rank::Section,
                        phone: "139".into(),
                        roles: vec![Role::Field],
                    },
                );
            },
            own: "desk=directory.admin/directory.admin leader=directory.admin/directory.admin \
                  officer=directory.admin/directory.admin field=directory.admin/directory.admin admin=ok/ok",
            forged: None,
            forged_cells: None,
        },
        Part {
            kind: HOME,
            name: "alert receipt",
            add: |doc, _| {
                as_kind!(doc, Home)
                    .acknowledged
                    .insert("al_1".into(), AlertReceipt { at: AT.into(), device: "phone".into() });
            },
            own: "desk=read/home.server leader=read/home.server officer=read/home.server field=ok/home.server \
                  admin=read/home.server",
            forged: None,
            forged_cells: None,
        },
        Part {
            kind: HOME,
            name: "listed document",
            add: |doc, _| {
                as_kind!(doc, Home).documents.insert("doc".into(), HomeEntry { kind: "incident".into() });
            },
            own: "desk=read/home.server leader=read/home.server officer=read/home.server field=home.server/home.server \
                  admin=read/home.server",
            forged: None,
            forged_cells: None,
        },
    ]
}

fn check(by: &str, result: Option<CheckResult>) -> SpotCheck {
    SpotCheck {
        unit: "east".into(),
        date: "2026-10-01".into(),
        session: Session::Morning,
        planned_by: by.into(),
        result,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Edit,
    Create,
}

/// One cell of the table: what the writer does, and which rules must refuse it (none: it is taken).
struct Cell {
    part: usize,
    who: Who,
    op: Op,
    forged: bool,
    expected: BTreeSet<String>,
}

impl Cell {
    fn describe(&self, parts: &[Part]) -> String {
        let part = &parts[self.part];
        format!(
            "{} adds {} {} {} ({})",
            self.who.code(),
            part.kind.name,
            part.name,
            if self.op == Op::Create { "to a new one" } else { "to an existing one" },
            if self.forged { "in someone else's name" } else { "in their own name" }
        )
    }

    /// The document before (`None`: a new one) and after the writer's change.
    fn documents(&self, parts: &[Part]) -> (Option<TypedDocument>, TypedDocument) {
        let part = &parts[self.part];
        let maker = if self.op == Op::Create { self.who.person() } else { part.kind.owner };
        let before = (part.kind.start)(maker);
        let mut after = before.clone();
        (part.add)(&mut after, if self.forged { SOMEONE_ELSE } else { self.who.person() });
        ((self.op == Op::Edit).then_some(before), after)
    }
}

fn rules(spec: &str) -> BTreeSet<String> {
    if spec == "ok" { BTreeSet::new() } else { spec.split('+').map(str::to_owned).collect() }
}

/// `role=edit/create …` as (role, op, rules).
fn cells_of(spec: &str) -> Vec<(Who, Op, BTreeSet<String>)> {
    let mut cells = Vec::new();
    for entry in spec.split_whitespace() {
        let (who, outcomes) = entry.split_once('=').expect("role=edit/create");
        let who = *EVERY_ROLE.iter().find(|w| w.code() == who).expect("a role");
        let (edit, create) = outcomes.split_once('/').expect("edit/create");
        cells.push((who, Op::Edit, rules(edit)));
        cells.push((who, Op::Create, rules(create)));
    }
    assert_eq!(cells.len(), 2 * EVERY_ROLE.len(), "every role, both ways: {spec}");
    cells
}

fn table(parts: &[Part]) -> Vec<Cell> {
    let mut cells = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        if let Some(spec) = part.forged_cells {
            for (who, op, expected) in cells_of(spec) {
                cells.push(Cell { part: index, who, op, forged: true, expected });
            }
        }
        for (who, op, own) in cells_of(part.own) {
            cells.push(Cell { part: index, who, op, forged: false, expected: own.clone() });
            // In someone else's name: refused by the part's author rule too, unless the writer cannot see or
            // make the document at all, or holds no role for it (then nothing else is looked at).
            if let Some(forged) = part.forged.filter(|_| part.forged_cells.is_none()) {
                let stopped = own.iter().any(|r| r == "read" || r.ends_with(".create"))
                    || matches!(
                        own.iter().next().map(String::as_str),
                        Some("filing_round.desk" | "spot_checks.desk" | "duty_log.unit" | "assessment.desk")
                    );
                let mut expected = own;
                if !stopped {
                    expected.insert(forged.to_owned());
                }
                cells.push(Cell { part: index, who, op, forged: true, expected });
            }
        }
    }
    cells
}

/// The phone's gate: the same function the phone runs before saving and the server before storing.
#[test]
fn the_gate_judges_every_part_of_every_document_alike_created_or_added() {
    let parts = parts();
    let directory = city();
    let mut wrong = Vec::new();
    let cells = table(&parts);
    for cell in &cells {
        let (before, after) = cell.documents(&parts);
        let before = Ok(before.unwrap_or(TypedDocument::Empty));
        let got: BTreeSet<String> = match check_change(&before, &Ok(after), &directory, Some(&cell.who.viewer())) {
            Ok(()) => BTreeSet::new(),
            Err(refusals) => refusals.iter().map(|r| r.rule.to_owned()).collect(),
        };
        if got != cell.expected {
            wrong.push(format!("{}: expected {:?}, got {got:?}", cell.describe(&parts), cell.expected));
        }
    }
    assert!(wrong.is_empty(), "{} of {} cells:\n{}", wrong.len(), cells.len(), wrong.join("\n"));
}

/// The rule names in a refusal the server sent: `… (rule incident.judgement); … (rule read)`.
fn rules_in(message: &str) -> BTreeSet<String> {
    message.split("(rule ").skip(1).filter_map(|rest| rest.split(')').next()).map(str::to_owned).collect()
}

/// Stores `document` as it is, as the office's earlier work would have (no gate: the table's starting
/// points are the rightful people's documents).
async fn store_as_is(
    store: &dyn zhiban_server::store::Store,
    document: &TypedDocument,
) -> (DocumentId, automerge::Automerge) {
    let id = DocumentId::random();
    let doc = written(automerge::Automerge::new(), document);
    let chunk = NewChunk {
        document_id: id,
        data: doc.save(),
        projection: None,
        receipts: Vec::new(),
        audience: DocumentAudience::of(&Ok(document.clone())),
    };
    store.append(&[chunk]).await.expect("append");
    (id, doc)
}

fn written(mut doc: automerge::Automerge, document: &TypedDocument) -> automerge::Automerge {
    let mut tx = doc.transaction();
    document.write_to(&mut tx).expect("the document written");
    tx.commit();
    doc
}

/// The server: the same table over the sync socket, each change written raw (no phone-side checks).
#[tokio::test]
async fn the_server_judges_every_part_of_every_document_alike_created_or_added() {
    let parts = parts();
    let cells = table(&parts);
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        zhiban_tests::duty::record_directory(&server.http_url(), &city()).await.expect("directory");
        add_people(&db.url, &city()).await.expect("accounts");
        let store = zhiban_server::store::open(&db.url).await.expect("store");
        let mut peers = Vec::new();
        for who in EVERY_ROLE {
            let url = server.sync_url_as(who.person()).await.expect("login");
            peers.push(RawPeer::join(&url).await.expect("join"));
        }
        let mut wrong = Vec::new();
        for cell in &cells {
            let peer = &mut peers[EVERY_ROLE.iter().position(|w| *w == cell.who).expect("role")];
            let (before, after) = cell.documents(&parts);
            let outcome: Result<(), String> = match before {
                Some(before) => {
                    let (id, stored) = store_as_is(&*store, &before).await;
                    match peer.fetch(id).await.expect("fetch") {
                        // Not there for them, and a change sent anyway (its content guessed) is not even
                        // looked at: the server answers as for a document that does not exist.
                        None => {
                            let doc = written(stored.with_actor(automerge::ActorId::random()), &after);
                            let message = doc.generate_sync_message(&mut SyncState::new()).expect("a message");
                            peer.send_sync(id, message.encode()).await.expect("send");
                            loop {
                                match peer.recv(Duration::from_secs(10)).await {
                                    Received::Message(Message::DocUnavailable { document_id, .. })
                                        if document_id == id =>
                                    {
                                        break Err("(rule read)".to_owned());
                                    }
                                    Received::Message(Message::Error { message, .. }) => break Err(message),
                                    Received::Message(_) => {}
                                    other => break Err(format!("the server stopped answering: {other:?}")),
                                }
                            }
                        }
                        Some((doc, mut state)) => {
                            let mut doc = written(doc.with_actor(automerge::ActorId::random()), &after);
                            peer.push_until_confirmed(id, &mut doc, &mut state)
                                .await
                                .map(|_| ())
                                .map_err(|e| e.to_string())
                        }
                    }
                }
                None => {
                    let id = DocumentId::random();
                    let mut doc = written(automerge::Automerge::new(), &after);
                    peer.push_until_confirmed(id, &mut doc, &mut SyncState::new())
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
            };
            let got = match &outcome {
                Ok(()) => BTreeSet::new(),
                Err(message) => rules_in(message),
            };
            // What a person may not see, the server does not look at: their change is refused for that
            // alone, without the document's own rules the gate adds.
            let expected = if cell.expected.contains("read") {
                BTreeSet::from(["read".to_owned()])
            } else {
                cell.expected.clone()
            };
            if got != expected {
                wrong.push(format!("{}: expected {:?}, got {outcome:?}", cell.describe(&parts), cell.expected));
            }
        }
        assert!(wrong.is_empty(), "{backend:?}: {} of {} cells:\n{}", wrong.len(), cells.len(), wrong.join("\n"));
        server.stop().await.expect("stop");
    }
}
