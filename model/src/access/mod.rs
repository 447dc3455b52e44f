//! Who may see and who may change which document: the office's access rules, in one place, checked by the
//! phone before it saves (so it refuses locally what the server would refuse) and by the server before it
//! stores anything.
//!
//! Reading: desk and leaders see everything; a unit officer sees the incidents and rosters of their unit
//! and its sub-units and the instructions addressed to them; a field reporter sees the incidents they filed
//! or were assigned to, the instructions addressed to them and their unit's roster; everyone sees the
//! directory. An incident flagged sensitive is seen only by the desk, leaders and its reporting unit.
//!
//! Writing is judged on what a change adds, part by part (see each document's file): a report entry, an
//! attachment, a lifecycle step, an acknowledgement. Each refusal names its rule, so a person told "no"
//! can see which rule said so, the part it is about when there is one (`entries/e2/reporter/person`), and
//! its reason in Chinese and English.

mod home;
mod incident;
mod instruction;
mod oversight;
mod read;
mod roster;

pub use instruction::may_remind;
pub use read::{Audience, may_read};

/// A change refused by a rule: an access rule here, or a document rule at the gate (`crate::gate`).
pub use crate::refusal::Refusal;

use crate::documents::Known;
use crate::documents::TypedDocument;
use crate::documents::directory::Role;

/// A logged-in person as the rules see them: their person id in the directory, their unit, their roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub person: String,
    pub unit: String,
    pub roles: Vec<Role>,
}

impl Viewer {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Desk officers and leaders see every document.
    pub fn sees_everything(&self) -> bool {
        self.has(Role::Desk) || self.has(Role::Leader)
    }

    /// A field reporter of `unit` itself: they see its roster and its duty log, not its sub-units'.
    pub(crate) fn reports_for(&self, unit: &str) -> bool {
        self.has(Role::Field) && self.unit == unit
    }

    /// Someone on duty in `unit` itself, its officers or field reporters: an instruction to the unit is to
    /// them. An administrator of the unit is not (administrators keep the system, not the duty).
    pub(crate) fn on_duty_in(&self, unit: &str) -> bool {
        (self.has(Role::UnitOfficer) || self.has(Role::Field)) && self.unit == unit
    }

    /// A unit officer whose unit is `unit` or one of its ancestors.
    pub(crate) fn oversees(&self, unit: &str, known: &(impl Known + ?Sized)) -> bool {
        self.has(Role::UnitOfficer) && known.is_within(unit, &self.unit)
    }
}

/// The document as it was first made, holding its heading and none of its records: a new document is
/// judged as these records added to it, by the same rules as an edit (see `check_write`). `None` for the
/// kinds that have no records to add (a document that is not the office's, the directory, a home).
pub fn heading_of(document: &TypedDocument) -> Option<TypedDocument> {
    Some(match document {
        TypedDocument::Incident(d) => incident::heading_of(d).into(),
        TypedDocument::Instruction(d) => instruction::heading_of(d).into(),
        TypedDocument::Roster(d) => roster::heading_of(d).into(),
        TypedDocument::FilingRound(d) => oversight::round_heading_of(d).into(),
        TypedDocument::SpotChecks(d) => oversight::spot_checks_heading_of(d).into(),
        TypedDocument::DutyLog(d) => oversight::duty_log_heading_of(d).into(),
        TypedDocument::Assessment(d) => oversight::assessment_heading_of(d).into(),
        TypedDocument::Empty
        | TypedDocument::Untyped
        | TypedDocument::Other(_)
        | TypedDocument::Directory(_)
        | TypedDocument::Home(_) => return None,
    })
}

/// The first characters of an id from a document, for a reason: cut on a character, never inside one.
pub(crate) fn short(id: &str) -> &str {
    match id.char_indices().nth(12) {
        Some((at, _)) => &id[..at],
        None => id,
    }
}

/// Whether `viewer` may make the change from `before` (`None`: a new document) to `after`. Every rule the
/// change breaks is listed. Changes of type are refused elsewhere (the document rules); here, a document
/// that becomes a type is judged as that type created: its heading (may this person make one for that
/// unit?), then each of its records as if added to the document holding only that heading (`heading_of`),
/// so whatever a document is born with passes the same rules as adding it later.
pub fn check_write(
    viewer: &Viewer,
    before: Option<&TypedDocument>,
    after: &TypedDocument,
    known: &(impl Known + ?Sized),
) -> Result<(), Vec<Refusal>> {
    if let Some(before) = before
        && !matches!(before, TypedDocument::Empty)
        && !may_read(viewer, before, known)
    {
        return Err(vec![Refusal::new(
            "read",
            "you cannot see this document, so you cannot change it",
            "你无权查看此文档，因此不能修改它",
        )]);
    }
    let mut refused = Vec::new();
    match (before, after) {
        (_, TypedDocument::Empty) => {}
        (_, TypedDocument::Directory(_)) => {
            if !viewer.has(Role::Admin) {
                refused.push(Refusal::new(
                    "directory.admin",
                    "only an administrator changes the directory",
                    "只有管理员可以修改通讯录",
                ));
            }
        }
        (Some(TypedDocument::Home(b)), TypedDocument::Home(a)) => home::check(viewer, b, a, &mut refused),
        (_, TypedDocument::Home(_)) => {
            refused.push(Refusal::new(
                "home.server",
                "a home document is made only by the server",
                "个人主页文档只能由服务器创建",
            ));
        }
        (_, TypedDocument::Untyped | TypedDocument::Other(_)) => {
            if !viewer.has(Role::Admin) {
                refused.push(Refusal::new(
                    "typed",
                    "only the office's document types (incident, instruction, roster, filing_round, \
                     spot_checks, duty_log, assessment) may be created; \
                     set `type` and `schema` as documented",
                    "只能创建值班工作的文档类型（incident、instruction、roster、filing_round、spot_checks、duty_log、\
                     assessment）；请按说明设置 `type` 和 `schema`",
                ).at("type"));
            }
        }
        (Some(TypedDocument::Incident(b)), TypedDocument::Incident(a)) => {
            incident::check(viewer, Some(b), a, known, &mut refused)
        }
        (_, TypedDocument::Incident(a)) => incident::check(viewer, None, a, known, &mut refused),
        (Some(TypedDocument::Instruction(b)), TypedDocument::Instruction(a)) => {
            instruction::check(viewer, Some(b), a, known, &mut refused)
        }
        (_, TypedDocument::Instruction(a)) => instruction::check(viewer, None, a, known, &mut refused),
        (Some(TypedDocument::Roster(b)), TypedDocument::Roster(a)) => {
            roster::check(viewer, Some(b), a, known, &mut refused)
        }
        (_, TypedDocument::Roster(a)) => roster::check(viewer, None, a, known, &mut refused),
        (b, TypedDocument::FilingRound(a)) => {
            let b = if let Some(TypedDocument::FilingRound(b)) = b { Some(b) } else { None };
            oversight::check_round(viewer, b, a, &mut refused)
        }
        (b, TypedDocument::SpotChecks(a)) => {
            let b = if let Some(TypedDocument::SpotChecks(b)) = b { Some(b) } else { None };
            oversight::check_spot_checks(viewer, b, a, &mut refused)
        }
        (b, TypedDocument::DutyLog(a)) => {
            let b = if let Some(TypedDocument::DutyLog(b)) = b { Some(b) } else { None };
            oversight::check_duty_log(viewer, b, a, known, &mut refused)
        }
        (b, TypedDocument::Assessment(a)) => {
            let b = if let Some(TypedDocument::Assessment(b)) = b { Some(b) } else { None };
            oversight::check_assessment(viewer, b, a, &mut refused)
        }
    }
    if refused.is_empty() { Ok(()) } else { Err(refused) }
}

/// Items of `after` that are not in `before`, for append-only lists (where `before` is a subsequence of
/// `after`; a list that was rewritten is refused by the document rules).
pub(crate) fn appended<'a, T: PartialEq>(before: &[T], after: &'a [T]) -> Vec<&'a T> {
    let mut rest = before.iter().peekable();
    let mut added = Vec::new();
    for item in after {
        if rest.peek() == Some(&item) {
            rest.next();
        } else {
            added.push(item);
        }
    }
    added
}
