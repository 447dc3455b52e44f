//! The duty office's documents, typed and mapped onto Automerge with autosurgeon. Each document carries a
//! `type` and a `schema` version, so a later version can read an older document (and refuse a newer one
//! with a reason) instead of misreading it.

pub mod assessment;
pub mod directory;
pub mod duty_log;
pub mod filing_round;
pub mod home;
pub mod incident;
pub mod instruction;
pub mod roster;
pub mod spot_check;
pub mod time;
pub mod typed;

use std::any::TypeId;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{OnceLock, PoisonError, RwLock};

pub use typed::TypedDocument;

use crate::refusal::Explain;

/// A field of a document that does not hold a valid value, and why. `field` is where it is in the
/// document, its path of field names and record ids (`entries/e1/details/occurred_at`), as in
/// `Refusal::part`; each case carries its facts, so it is said in English and Chinese from the same values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("{field}: {value:?} is not a time like 2026-10-01T08:05:00+08:00")]
    NotATime { field: String, value: String },
    #[error("{field}: {serious} seriously injured is more than the {injured} injured")]
    MoreSeriousThanInjured { field: String, serious: i64, injured: i64 },
}

impl FieldError {
    /// The field's path in the document.
    pub fn field(&self) -> &str {
        match self {
            FieldError::NotATime { field, .. } | FieldError::MoreSeriousThanInjured { field, .. } => field,
        }
    }
}

impl Explain for FieldError {
    fn zh(&self) -> String {
        match self {
            FieldError::NotATime { field, value } => {
                format!("{field}：“{value}”不是有效时间，应形如 2026-10-01T08:05:00+08:00")
            }
            FieldError::MoreSeriousThanInjured { field, serious, injured } => {
                format!("{field}：重伤 {serious} 人，多于受伤总数 {injured} 人")
            }
        }
    }

    fn part(&self) -> Option<String> {
        Some(self.field().to_owned())
    }
}

/// Something a problem names (a field, a record, a list), in English and in Chinese, and where it is in the
/// document (`Refusal::part`) when it is one place there. Each document's names are constants beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Named {
    pub en: &'static str,
    pub zh: &'static str,
    pub part: Option<&'static str>,
}

impl Named {
    pub const fn new(en: &'static str, zh: &'static str, part: Option<&'static str>) -> Self {
        Self { en, zh, part }
    }
}

impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.en)
    }
}

/// A document kind (`incident`, …) as the office calls it.
pub fn kind_zh(kind: &str) -> &str {
    match kind {
        directory::KIND => "通讯录",
        roster::KIND => "排班表",
        incident::KIND => "突发事件信息",
        instruction::KIND => "领导批示",
        home::KIND => "个人主页",
        filing_round::KIND => "排班表报备",
        spot_check::KIND => "值班抽查计划",
        duty_log::KIND => "值班日志",
        assessment::KIND => "考核记录",
        "document" => "文档",
        other => other,
    }
}

/// What validation needs to know about units and people: the directory document on a phone, the projected
/// directory on the server. Both sides check the same rules against it.
pub trait Known {
    fn has_unit(&self, unit: &str) -> bool;
    /// The unit a person belongs to; `None` for someone not in the directory.
    fn unit_of(&self, person: &str) -> Option<&str>;
    /// The unit's parent; `None` for the city and for units not in the directory.
    fn parent_of(&self, unit: &str) -> Option<&str>;

    /// Whether `unit` is `ancestor` or one of its sub-units, at any depth.
    fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        let mut current = unit;
        // Bounded: a parent chain that loops is a directory problem, not a reason to hang.
        for _ in 0..64 {
            if current == ancestor {
                return true;
            }
            match self.parent_of(current) {
                Some(parent) => current = parent,
                None => return false,
            }
        }
        false
    }
}

impl Known for directory::Directory {
    fn has_unit(&self, unit: &str) -> bool {
        self.units.contains_key(unit)
    }

    fn unit_of(&self, person: &str) -> Option<&str> {
        self.people.get(person).map(|p| p.unit.as_str())
    }

    fn parent_of(&self, unit: &str) -> Option<&str> {
        self.units.get(unit).and_then(|u| u.parent.as_deref())
    }
}

/// A directory of the units named (id, parent), each of category 1, for the model's tests.
#[cfg(test)]
pub(crate) fn units_directory(units: &[(&str, Option<&str>)]) -> directory::Directory {
    let mut d = directory::Directory::default();
    for (id, parent) in units {
        d.units.insert(
            (*id).into(),
            directory::Unit {
                name: (*id).into(),
                parent: parent.map(Into::into),
                category: directory::DutyCategory::One,
                duty_phone: "1".into(),
            },
        );
    }
    d
}

/// Whether `before` appears in `after` in the same order, possibly with other items between: how an
/// append-only list looks after concurrent appends merge.
pub(crate) fn is_subsequence<T: PartialEq>(before: &[T], after: &[T]) -> bool {
    let mut rest = after.iter();
    before.iter().all(|item| rest.any(|candidate| candidate == item))
}

/// Why a document could not be read as the type asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("this document is a {found:?}, not a {expected:?}")]
    WrongType { expected: &'static str, found: String },
    #[error("this {kind} uses schema {found}, newer than this app reads (up to {known}); update the app")]
    SchemaTooNew { kind: &'static str, found: i64, known: i64 },
    #[error("the {kind} does not have the expected shape: {reason}")]
    Shape { kind: &'static str, reason: String },
    /// Keys at the top that no field of the type has: a slip such as `judgements/-` written as one key, or a
    /// field a newer schema has, which this app would drop silently if it read on.
    #[error(
        "this {kind} has {} at the top that its type does not have: {}; {kind} documents have {}",
        if unknown.len() == 1 { "a key" } else { "keys" },
        quoted(unknown),
        known.join(", ")
    )]
    UnknownKeys { kind: &'static str, unknown: Vec<String>, known: Vec<String> },
}

fn quoted(keys: &[String]) -> String {
    keys.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ")
}

impl Explain for DocumentError {
    fn zh(&self) -> String {
        match self {
            DocumentError::WrongType { expected, found } => {
                format!("此文档的类型是“{found}”，不是{}（{expected}）", kind_zh(expected))
            }
            DocumentError::SchemaTooNew { kind, found, known } => {
                format!("此{}使用的结构版本 {found} 比本应用能读取的版本（最高 {known}）新；请更新应用", kind_zh(kind))
            }
            DocumentError::Shape { kind, reason } => format!("此{}的结构与预期不符：{reason}", kind_zh(kind)),
            DocumentError::UnknownKeys { kind, unknown, known } => format!(
                "此{}顶层有其类型没有的字段：{}；{}文档的字段为 {}",
                kind_zh(kind),
                unknown.iter().map(|k| format!("“{k}”")).collect::<Vec<_>>().join("、"),
                kind_zh(kind),
                known.join("、")
            ),
        }
    }

    fn part(&self) -> Option<String> {
        match self {
            DocumentError::WrongType { .. } => Some("type".into()),
            DocumentError::SchemaTooNew { .. } => Some("schema".into()),
            DocumentError::UnknownKeys { unknown, .. } if unknown.len() == 1 => Some(unknown[0].clone()),
            DocumentError::Shape { .. } | DocumentError::UnknownKeys { .. } => None,
        }
    }
}

/// Reads a document of kind `kind`: checks `type` and `schema`, then hydrates. Documents written by other
/// clients hold strings as text objects and numbers as floats (the JavaScript client's way); when the exact
/// reading fails, the document is read again from a plain copy (strings as strings, whole numbers as
/// integers), so the same document reads the same whoever wrote it. A key at the top that the type does not
/// have makes the document unreadable (`DocumentError::UnknownKeys`) rather than being ignored.
pub fn read_document<T, R>(doc: &R, kind: &'static str, known_schema: i64) -> Result<T, DocumentError>
where
    T: autosurgeon::Hydrate + autosurgeon::Reconcile + 'static,
    R: autosurgeon::ReadDoc + automerge::ReadDoc,
{
    let exact = check_header(doc, kind, known_schema)
        .and_then(|()| autosurgeon::hydrate(doc).map_err(|e| DocumentError::Shape { kind, reason: e.to_string() }));
    let value = match exact {
        Ok(value) => value,
        Err(_) => {
            let copy = crate::json::plain_copy(&crate::json::to_json(doc))
                .map_err(|e| DocumentError::Shape { kind, reason: e.to_string() })?;
            check_header(&copy, kind, known_schema)?;
            autosurgeon::hydrate(&copy).map_err(|e| DocumentError::Shape { kind, reason: e.to_string() })?
        }
    };
    refuse_unknown_keys(doc, kind, &value)?;
    Ok(value)
}

/// The keys at the top of each document type: the keys a value of it writes when reconciled into an empty
/// document. A derived `Reconcile` writes every field whatever the value (`None` as null, an empty map as
/// an empty map), so they are learnt once per type, from the first value read, not listed by hand.
static TOP_LEVEL_KEYS: OnceLock<RwLock<BTreeMap<TypeId, BTreeSet<String>>>> = OnceLock::new();

/// Refuses `doc` if it has a key at the top that `value`'s type does not write.
fn refuse_unknown_keys<T, R>(doc: &R, kind: &'static str, value: &T) -> Result<(), DocumentError>
where
    T: autosurgeon::Reconcile + 'static,
    R: automerge::ReadDoc,
{
    let present: Vec<String> = automerge::ReadDoc::keys(doc, automerge::ROOT).collect();
    let unknown_to =
        |known: &BTreeSet<String>| -> Vec<String> { present.iter().filter(|k| !known.contains(*k)).cloned().collect() };
    let learnt = TOP_LEVEL_KEYS.get_or_init(Default::default);
    if let Some(known) = learnt.read().unwrap_or_else(PoisonError::into_inner).get(&TypeId::of::<T>())
        && unknown_to(known).is_empty()
    {
        return Ok(());
    }
    // Not learnt yet, or keys it does not know: learn from this value too before refusing anything.
    let mut fresh = automerge::AutoCommit::new();
    autosurgeon::reconcile(&mut fresh, value).map_err(|e| DocumentError::Shape { kind, reason: e.to_string() })?;
    let mut learnt = learnt.write().unwrap_or_else(PoisonError::into_inner);
    let known = learnt.entry(TypeId::of::<T>()).or_default();
    known.extend(automerge::ReadDoc::keys(&fresh, automerge::ROOT));
    let unknown = unknown_to(known);
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(DocumentError::UnknownKeys { kind, unknown, known: known.iter().cloned().collect() })
    }
}

/// Checks `type` and `schema` before hydrating a document of kind `kind`.
pub fn check_header<R: autosurgeon::ReadDoc>(
    doc: &R,
    kind: &'static str,
    known_schema: i64,
) -> Result<(), DocumentError> {
    let found_type: Option<String> = autosurgeon::hydrate_prop(doc, automerge::ROOT, "type").ok();
    match found_type.as_deref() {
        Some(t) if t == kind => {}
        other => {
            return Err(DocumentError::WrongType { expected: kind, found: other.unwrap_or("untyped").to_owned() });
        }
    }
    let schema: i64 = autosurgeon::hydrate_prop(doc, automerge::ROOT, "schema")
        .map_err(|e| DocumentError::Shape { kind, reason: format!("schema: {e}") })?;
    if schema > known_schema {
        return Err(DocumentError::SchemaTooNew { kind, found: schema, known: known_schema });
    }
    Ok(())
}
