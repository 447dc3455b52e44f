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

pub use typed::TypedDocument;

/// A field of a document that does not hold a valid value, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: String,
    pub reason: String,
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
}

/// Reads a document of kind `kind`: checks `type` and `schema`, then hydrates. Documents written by other
/// clients hold strings as text objects and numbers as floats (the JavaScript client's way); when the exact
/// reading fails, the document is read again from a plain copy (strings as strings, whole numbers as
/// integers), so the same document reads the same whoever wrote it.
pub fn read_document<T, R>(doc: &R, kind: &'static str, known_schema: i64) -> Result<T, DocumentError>
where
    T: autosurgeon::Hydrate,
    R: autosurgeon::ReadDoc + automerge::ReadDoc,
{
    let exact = check_header(doc, kind, known_schema)
        .and_then(|()| autosurgeon::hydrate(doc).map_err(|e| DocumentError::Shape { kind, reason: e.to_string() }));
    if exact.is_ok() {
        return exact;
    }
    let copy = crate::json::plain_copy(&crate::json::to_json(doc))
        .map_err(|e| DocumentError::Shape { kind, reason: e.to_string() })?;
    check_header(&copy, kind, known_schema)?;
    autosurgeon::hydrate(&copy).map_err(|e| DocumentError::Shape { kind, reason: e.to_string() })
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
