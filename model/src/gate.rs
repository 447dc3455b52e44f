//! The gate every change to a typed document passes: on the phone before it is saved, on the server before
//! it is stored, with the same rules. The server applies an incoming sync message, reads the document
//! before and after, and refuses the message (storing nothing of it) when the document after
//! is unreadable, has problems it did not have before, or shows an edit nobody may make: a submitted report
//! rewritten, an acknowledgement removed, the ledger number written by a phone.
//!
//! Problems already present before the change are not held against it, so a document that a newer rule
//! would call invalid can still be worked on. Problems are compared as values, not as words: each holds
//! where it is (the report entry, the field), so a fault newly made in one record is refused even when
//! another record already had the same one. Then the access rules (`zhiban_model::access`): whether this
//! person may make this change at all. A new document is judged as its records added to its heading alone
//! (`access::heading_of`), here as there: whatever it is born with passes the rules an edit would.
//!
//! Every refusal names its rule (`Refusal::rule`): the access rules' own (`incident.judgement`, …), and for
//! the document rules `document.unreadable`, `document.type`, `document.problem` (a problem the change
//! brings), `document.history` (an edit of what is on record) and `server.field` (a field only the server
//! writes). Each also says the part of the document it is about, when there is one, and its reason in
//! Chinese and English (`crate::refusal`).

use crate::access::{self, Refusal, Viewer};
use crate::documents::directory::{Directory, DutyCategory, Role};
use crate::documents::instruction::InstructionProblem;
use crate::documents::roster::{RosterDocument, RosterError};
use crate::documents::{DocumentError, Known, TypedDocument, kind_zh};
use crate::refusal::{DOCUMENT_PROBLEM, Explain};

/// Why a change by `viewer` was refused (every reason, each naming its rule), in words for the person whose
/// phone sent it. `viewer` is `None` only on a phone nobody has logged in on yet: the document's own rules
/// are checked, the access rules wait for the server.
pub fn check_change(
    before: &Result<TypedDocument, DocumentError>,
    after: &Result<TypedDocument, DocumentError>,
    directory: &Directory,
    viewer: Option<&Viewer>,
) -> Result<(), Vec<Refusal>> {
    let after = match (before, after) {
        (_, Ok(after)) => after,
        // It could not be read before either: this change makes nothing worse, but only an administrator
        // works on a document that does not read as the office's.
        (Err(_), Err(_)) if viewer.is_none_or(|v| v.has(Role::Admin)) => return Ok(()),
        (Err(e), Err(_)) => {
            return Err(vec![Refusal::new(
                "document.unreadable",
                format!("this document cannot be read ({e}); only an administrator may change it"),
                format!("此文档无法读取（{}）；只有管理员可以修改", e.zh()),
            )]);
        }
        (Ok(_), Err(e)) => return Err(vec![Refusal::of("document.unreadable", e)]),
    };
    let before = before.as_ref().ok();
    if let Some(before) = before
        && let Some(was) = before.kind()
        && before.kind() != after.kind()
    {
        return Err(vec![
            Refusal::new(
                "document.type",
                format!("a {was} cannot become a {}", after.kind().unwrap_or("document of another type")),
                format!("{}不能改为{}", kind_zh(was), after.kind().map_or("其他类型的文档", kind_zh)),
            )
            .at("type"),
        ]);
    }
    // The directory is checked against itself as it will be.
    let known: &dyn Known = match after {
        TypedDocument::Directory(d) => d,
        _ => directory,
    };
    let mut refused = new_problems(before, after, known);
    // A new document's records are judged as added to its heading alone.
    let created = match before {
        Some(b) if b.kind().is_some() => None,
        _ => access::heading_of(after),
    };
    refused.extend(forbidden(created.as_ref().or(before), after));
    if let Some(viewer) = viewer
        && let Err(rules) = access::check_write(viewer, before, after, known)
    {
        refused.extend(rules);
    }
    if refused.is_empty() { Ok(()) } else { Err(refused) }
}

/// The problems `after` has that `before` (of the same kind, or nothing) did not, each a refusal under
/// `document.problem`. Problems are compared as values, which hold where they are (a report entry's id, a
/// field's path), so the same fault newly made in another record counts, and one already there does not.
fn new_problems(before: Option<&TypedDocument>, after: &TypedDocument, known: &dyn Known) -> Vec<Refusal> {
    // `before` as the same kind as `after`; a document that had no kind yet had no problems.
    macro_rules! was {
        ($kind:ident) => {
            match before {
                Some(TypedDocument::$kind(b)) => Some(b),
                _ => None,
            }
        };
    }
    match after {
        TypedDocument::Empty | TypedDocument::Untyped | TypedDocument::Other(_) | TypedDocument::Home(_) => Vec::new(),
        TypedDocument::Directory(a) => brought(was!(Directory), a, |d| d.problems()),
        TypedDocument::Incident(a) => brought(was!(Incident), a, |i| i.problems(known)),
        TypedDocument::Instruction(a) => brought(was!(Instruction), a, |i| i.problems(known)),
        TypedDocument::FilingRound(a) => brought(was!(FilingRound), a, |r| r.problems(known)),
        TypedDocument::SpotChecks(a) => brought(was!(SpotChecks), a, |c| c.problems(known)),
        TypedDocument::DutyLog(a) => brought(was!(DutyLog), a, |l| l.problems(known)),
        TypedDocument::Assessment(a) => brought(was!(Assessment), a, |r| r.problems(known)),
        TypedDocument::Roster(a) => brought(was!(Roster), a, |r| roster_problems(r, known)),
    }
}

/// Each problem of `after` that `before` did not have, as a refusal.
fn brought<D, P: PartialEq + Explain>(before: Option<&D>, after: &D, problems: impl Fn(&D) -> Vec<P>) -> Vec<Refusal> {
    let old = before.map(&problems).unwrap_or_default();
    problems(after).iter().filter(|p| !old.contains(p)).map(|p| Refusal::of(DOCUMENT_PROBLEM, p)).collect()
}

/// What the gate holds against a roster: a unit the directory does not know, a time that does not read.
/// Gaps and ranks are for the desk to see when it is filed, not reasons to refuse a draft.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum RosterDraftProblem {
    #[error("unit {0:?} is not in the directory")]
    UnknownUnit(String),
    #[error(transparent)]
    Time(RosterError),
}

impl Explain for RosterDraftProblem {
    fn zh(&self) -> String {
        match self {
            RosterDraftProblem::UnknownUnit(unit) => format!("单位 {unit} 不在通讯录中"),
            RosterDraftProblem::Time(e) => e.zh(),
        }
    }

    fn part(&self) -> Option<String> {
        match self {
            RosterDraftProblem::UnknownUnit(_) => Some("unit".into()),
            RosterDraftProblem::Time(e) => e.part(),
        }
    }
}

fn roster_problems(roster: &RosterDocument, known: &dyn Known) -> Vec<RosterDraftProblem> {
    let mut out = Vec::new();
    if !known.has_unit(&roster.unit) {
        out.push(RosterDraftProblem::UnknownUnit(roster.unit.clone()));
    }
    if let Err(e) = roster.to_rules(DutyCategory::One) {
        out.push(RosterDraftProblem::Time(e));
    }
    out
}

/// Edits nobody may make: what is on record rewritten, a field only the server writes. `before` is the
/// heading alone for a new document.
fn forbidden(before: Option<&TypedDocument>, after: &TypedDocument) -> Vec<Refusal> {
    fn history<P: Explain>(problems: Vec<P>) -> Vec<Refusal> {
        problems.iter().map(|p| Refusal::of("document.history", p)).collect()
    }
    match (before, after) {
        (Some(TypedDocument::Incident(b)), TypedDocument::Incident(a)) => history(a.forbidden_changes_since(b)),
        (Some(TypedDocument::Instruction(b)), TypedDocument::Instruction(a)) => a
            .forbidden_changes_since(b)
            .iter()
            .map(|p| match p {
                InstructionProblem::ServerOnly(_) => Refusal::of("server.field", p),
                _ => Refusal::of("document.history", p),
            })
            .collect(),
        (Some(TypedDocument::FilingRound(b)), TypedDocument::FilingRound(a)) => history(a.forbidden_changes_since(b)),
        (Some(TypedDocument::SpotChecks(b)), TypedDocument::SpotChecks(a)) => history(a.forbidden_changes_since(b)),
        (Some(TypedDocument::DutyLog(b)), TypedDocument::DutyLog(a)) => history(a.forbidden_changes_since(b)),
        (Some(TypedDocument::Assessment(b)), TypedDocument::Assessment(a)) => history(a.forbidden_changes_since(b)),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::documents::incident::{Casualties, FirstReport, Incident, ReportDetails, ReportKind, Reporter};
    use crate::documents::instruction::Instruction;
    use crate::documents::roster::{RosterDocument, ShiftEntry, parse_local};
    use crate::documents::units_directory;

    fn directory() -> Directory {
        units_directory(&[("city", None), ("east", Some("city"))])
    }

    fn reporter() -> Reporter {
        Reporter { person: "li".into(), unit: "east".into(), ..Default::default() }
    }

    fn incident() -> Incident {
        let report = FirstReport {
            title: "东城区仓库火灾".into(),
            unit: "east".into(),
            received_at: Some(DateTime::parse_from_rfc3339("2026-10-01T08:00:00+08:00").expect("time")),
            reporter: reporter(),
            details: ReportDetails { account: "仓库起火".into(), ..Default::default() },
            ..Default::default()
        };
        let at = DateTime::parse_from_rfc3339("2026-10-01T08:10:00+08:00").expect("time");
        Incident::file_first_report(report, "e1", at, &directory()).expect("valid")
    }

    /// `incident` with a follow-up `id` written straight into the document, as a phone that skips the
    /// model's operations would: the gate is what stands between it and the store.
    fn with_follow_up(incident: &Incident, id: &str, dead: i64) -> Incident {
        let mut after = incident.clone();
        let mut entry = after.entries["e1"].clone();
        entry.kind = ReportKind::FollowUp;
        entry.details =
            ReportDetails { casualties: Some(Casualties { dead, ..Default::default() }), ..Default::default() };
        after.entries.insert(id.into(), entry);
        after
    }

    fn judged(before: &Incident, after: &Incident) -> Result<(), Vec<Refusal>> {
        check_change(&Ok(before.clone().into()), &Ok(after.clone().into()), &directory(), None)
    }

    #[test]
    fn a_negative_count_in_a_follow_up_is_refused_beside_its_field_in_both_languages() {
        let before = incident();
        let refusals = judged(&before, &with_follow_up(&before, "e2", -1)).expect_err("refused");
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        let refusal = &refusals[0];
        assert_eq!(refusal.rule, "document.problem");
        assert_eq!(refusal.part.as_deref(), Some("entries/e2/details/casualties/dead"));
        assert_eq!(refusal.reason, "casualties.dead is -1; a count cannot be negative");
        assert!(refusal.reason_zh.contains("死亡人数") && refusal.reason_zh.contains("-1"), "{}", refusal.reason_zh);
        assert!(judged(&before, &with_follow_up(&before, "e2", 3)).is_ok());
    }

    /// Problems are compared as values: what was wrong before the change is not held against it, and the
    /// same fault newly made in another report is, though it reads the same in words.
    #[test]
    fn a_problem_already_there_is_not_held_against_a_change_but_the_same_one_elsewhere_is() {
        let broken = with_follow_up(&incident(), "e2", -1);
        let mut fixed_elsewhere = broken.clone();
        fixed_elsewhere.title = "东城区仓库火灾（已控制）".into();
        assert_eq!(judged(&broken, &fixed_elsewhere), Ok(()), "e2's count was wrong before this change");
        assert_eq!(judged(&broken, &with_follow_up(&broken, "e3", 2)), Ok(()));

        let refusals = judged(&broken, &with_follow_up(&broken, "e3", -1)).expect_err("refused");
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert_eq!(refusals[0].reason, "casualties.dead is -1; a count cannot be negative", "as e2's reads");
        assert_eq!(refusals[0].part.as_deref(), Some("entries/e3/details/casualties/dead"));

        let mut moved = broken.clone();
        moved.unit = "atlantis".into();
        let refusals = judged(&broken, &moved).expect_err("a new unknown unit");
        let said: Vec<_> = refusals.iter().map(|r| (r.rule.as_str(), r.part.as_deref())).collect();
        assert_eq!(said, vec![("document.problem", Some("unit"))]);
        assert!(refusals[0].reason_zh.contains("atlantis"), "{:?}", refusals[0]);
    }

    #[test]
    fn edits_of_the_record_and_the_servers_fields_name_their_rule_and_part() {
        let before = incident();
        let mut edited = before.clone();
        edited.entries.get_mut("e1").expect("e1").details.account = "改写".into();
        let refusals = judged(&before, &edited).expect_err("refused");
        assert_eq!(refusals[0].rule, "document.history");
        assert_eq!(refusals[0].part.as_deref(), Some("entries/e1"));
        assert!(refusals[0].reason_zh.contains("e1"), "{:?}", refusals[0]);

        let mut people = directory();
        people.people.insert(
            "mayor".into(),
            crate::documents::directory::Person {
                name: "市长".into(),
                unit: "city".into(),
                rank: crate::documents::directory::Rank::Principal,
                phone: "1".into(),
                roles: vec![Role::Leader],
            },
        );
        let issued_at = DateTime::parse_from_rfc3339("2026-10-01T09:00:00+08:00").expect("time");
        let instruction =
            Instruction::issue("mayor", issued_at, "全力搜救", None, &["east".into()], &people).expect("valid");
        let mut numbered = instruction.clone();
        numbered.number = Some("2026-001".into());
        let refusals = check_change(&Ok(instruction.into()), &Ok(numbered.into()), &people, None).expect_err("no");
        let said: Vec<_> = refusals.iter().map(|r| (r.rule.as_str(), r.part.as_deref())).collect();
        assert_eq!(said, vec![("server.field", Some("number"))]);
        assert_eq!(refusals[0].reason_zh, "台账编号只能由服务器填写");
    }

    #[test]
    fn a_roster_draft_is_refused_for_an_unknown_unit_or_a_time_that_does_not_read() {
        let t = |s: &str| parse_local("t", s).expect("time");
        let before = RosterDocument::new("east", t("2026-10-01T08:00"), t("2026-10-02T08:00"));
        let mut after = before.clone();
        after.unit = "atlantis".into();
        after.shifts.insert(
            "s1".into(),
            ShiftEntry {
                start: "2026-10-01T08:00".into(),
                end: "明早".into(),
                main: None,
                deputy: None,
                on_post: true,
            },
        );
        let refusals = check_change(&Ok(before.into()), &Ok(after.into()), &directory(), None).expect_err("no");
        let said: Vec<_> = refusals.iter().map(|r| (r.rule.as_str(), r.part.as_deref())).collect();
        assert_eq!(said, vec![("document.problem", Some("unit")), ("document.problem", Some("shifts/s1/end"))]);
        assert!(refusals.iter().all(|r| !r.reason_zh.is_empty() && r.reason_zh != r.reason), "{refusals:?}");
    }

    #[test]
    fn a_change_of_type_or_into_an_unreadable_document_is_said_in_both_languages() {
        let incident: TypedDocument = incident().into();
        let roster: TypedDocument = RosterDocument::new(
            "east",
            parse_local("t", "2026-10-01T08:00").expect("time"),
            parse_local("t", "2026-10-02T08:00").expect("time"),
        )
        .into();
        let refusals = check_change(&Ok(incident.clone()), &Ok(roster), &directory(), None).expect_err("no");
        assert_eq!(refusals[0].rule, "document.type");
        assert_eq!(refusals[0].reason, "a incident cannot become a roster");
        assert_eq!(refusals[0].reason_zh, "突发事件信息不能改为排班表");

        let unreadable = Err(DocumentError::SchemaTooNew { kind: "incident", found: 9, known: 1 });
        let refusals = check_change(&Ok(incident), &unreadable, &directory(), None).expect_err("no");
        assert_eq!(refusals[0].rule, "document.unreadable");
        assert_eq!(refusals[0].part.as_deref(), Some("schema"));
        assert!(refusals[0].reason_zh.contains("请更新应用"), "{:?}", refusals[0]);
    }
}
