//! Documents as JSON: how the `zhiban` CLI and the generic API read and write Automerge documents.
//!
//! Strings are written as Automerge text objects, as the JavaScript repo does by default, so that a string
//! edited on two phones merges character by character; both text objects and scalar strings read as strings.

use automerge::transaction::Transactable;
use automerge::{AutoSerde, ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value as AmValue};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JsonError {
    #[error("a document must be a JSON object at the top, not {0}")]
    RootNotObject(&'static str),
    #[error("path {0:?} is empty; give a field such as `title` or `/shifts/0/main`")]
    EmptyPath(String),
    #[error("path {path:?}: `{segment}` does not exist")]
    NotFound { path: String, segment: String },
    #[error("path {path:?}: `{segment}` is a {found}, not an object or list to go into")]
    NotAContainer { path: String, segment: String, found: &'static str },
    #[error(
        "path {path:?} is neither a JSON Pointer nor dotted: a pointer starts with `/` ({pointer}), a dotted \
         path has no `/` ({dotted}); in a pointer, `~1` stands for a `/` inside a key"
    )]
    NeitherPointerNorDotted { path: String, pointer: String, dotted: String },
    #[error("path {path:?}: `{segment}` is not a list index (0, 1, … or `-` to append)")]
    BadIndex { path: String, segment: String },
    #[error("number {0} cannot be stored (not finite)")]
    BadNumber(String),
    #[error("automerge refused the edit: {0}")]
    Automerge(String),
}

impl From<automerge::AutomergeError> for JsonError {
    fn from(e: automerge::AutomergeError) -> Self {
        JsonError::Automerge(e.to_string())
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The whole document as JSON, numbers written as JavaScript would (`0`, not `0.0`: the JavaScript
/// client stores every number as a float).
pub fn to_json<R: ReadDoc>(doc: &R) -> Value {
    let mut value = serde_json::to_value(AutoSerde::from(doc)).unwrap_or(Value::Null);
    integral_floats_as_integers(&mut value);
    value
}

fn integral_floats_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            // 2^53: beyond it a float no longer holds every integer exactly.
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0) {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

/// A new document holding `object` with strings as plain strings (not text objects), for reading typed
/// documents the same way whoever wrote them.
pub fn plain_copy(object: &Value) -> Result<automerge::AutoCommit, JsonError> {
    let Value::Object(fields) = object else {
        return Err(JsonError::RootNotObject(kind(object)));
    };
    let mut doc = automerge::AutoCommit::new();
    for (key, value) in fields {
        put_plain(&mut doc, &automerge::ROOT, Prop::Map(key.clone()), value)?;
    }
    Ok(doc)
}

fn put_plain(doc: &mut automerge::AutoCommit, obj: &ObjId, prop: Prop, value: &Value) -> Result<(), JsonError> {
    let child = |doc: &mut automerge::AutoCommit, objtype| -> Result<ObjId, JsonError> {
        Ok(match &prop {
            Prop::Seq(i) => doc.insert_object(obj, *i, objtype)?,
            p => doc.put_object(obj, p.clone(), objtype)?,
        })
    };
    match value {
        Value::Object(fields) => {
            let id = child(doc, ObjType::Map)?;
            for (key, v) in fields {
                put_plain(doc, &id, Prop::Map(key.clone()), v)?;
            }
        }
        Value::Array(items) => {
            let id = child(doc, ObjType::List)?;
            for (i, v) in items.iter().enumerate() {
                put_plain(doc, &id, Prop::Seq(i), v)?;
            }
        }
        other => {
            let scalar = match other {
                Value::String(s) => ScalarValue::Str(s.as_str().into()),
                scalar => scalar_for(scalar)?,
            };
            match &prop {
                Prop::Seq(i) => doc.insert(obj, *i, scalar)?,
                p => doc.put(obj, p.clone(), scalar)?,
            }
        }
    }
    Ok(())
}

/// Writes every field of `object` at the document's root (an initial document, or a merge of fields).
pub fn put_root<T: Transactable>(tx: &mut T, object: &Value) -> Result<(), JsonError> {
    let Value::Object(fields) = object else {
        return Err(JsonError::RootNotObject(kind(object)));
    };
    for (key, value) in fields {
        put_value(tx, &automerge::ROOT, Prop::Map(key.clone()), value)?;
    }
    Ok(())
}

/// Sets the value at `path` (`/a/b/0` as a JSON Pointer, or `a.b.0`; a path with a `/` that does not start
/// with one is refused, not taken as one key); the last list index may be `-` to append. Intermediate objects must exist; a string replacing a string edits the text in place.
pub fn set_path<T: Transactable>(tx: &mut T, path: &str, value: &Value) -> Result<(), JsonError> {
    let (obj, last) = parent_of(tx, path)?;
    let prop = prop_for(tx, &obj, path, &last, true)?;
    if let Value::String(new_text) = value
        && let Ok(Some((AmValue::Object(ObjType::Text), text_id))) = tx.get(&obj, prop.clone())
    {
        tx.update_text(&text_id, new_text)?;
        return Ok(());
    }
    put_value(tx, &obj, prop, value)
}

/// Deletes the value at `path`.
pub fn delete_path<T: Transactable>(tx: &mut T, path: &str) -> Result<(), JsonError> {
    let (obj, last) = parent_of(tx, path)?;
    let prop = prop_for(tx, &obj, path, &last, false)?;
    if tx.get(&obj, prop.clone())?.is_none() {
        return Err(JsonError::NotFound { path: path.to_owned(), segment: last });
    }
    tx.delete(&obj, prop)?;
    Ok(())
}

/// The object or list that holds the last segment of `path`, and that segment.
fn parent_of<T: Transactable>(tx: &T, path: &str) -> Result<(ObjId, String), JsonError> {
    let mut segments = split_path(path)?;
    let Some(last) = segments.pop() else {
        return Err(JsonError::EmptyPath(path.to_owned()));
    };
    let mut obj = automerge::ROOT;
    for segment in segments {
        let prop = prop_for(tx, &obj, path, &segment, false)?;
        match tx.get(&obj, prop)? {
            Some((AmValue::Object(ObjType::Map | ObjType::Table | ObjType::List), id)) => obj = id,
            Some((other, _)) => {
                return Err(JsonError::NotAContainer { path: path.to_owned(), segment, found: am_kind(&other) });
            }
            None => return Err(JsonError::NotFound { path: path.to_owned(), segment }),
        }
    }
    Ok((obj, last))
}

/// The keys and indexes of `path`. A dotted path holding a `/` (`judgements/-`) is a pointer without its
/// leading `/` or a slip: refused, so it never becomes a key literally named `judgements/-`.
fn split_path(path: &str) -> Result<Vec<String>, JsonError> {
    let parts: Vec<&str> = match path.strip_prefix('/') {
        Some(pointer) => pointer.split('/').collect(),
        None if path.contains('/') => {
            return Err(JsonError::NeitherPointerNorDotted {
                path: path.to_owned(),
                pointer: format!("/{path}"),
                dotted: path.replace('/', "."),
            });
        }
        None => path.split('.').collect(),
    };
    Ok(parts.into_iter().filter(|p| !p.is_empty()).map(|p| p.replace("~1", "/").replace("~0", "~")).collect())
}

/// The property `segment` names inside `obj`: a key in a map, an index in a list. `for_write` allows the
/// index one past the end and `-` (append).
fn prop_for<T: Transactable>(
    tx: &T,
    obj: &ObjId,
    path: &str,
    segment: &str,
    for_write: bool,
) -> Result<Prop, JsonError> {
    match tx.object_type(obj)? {
        ObjType::List | ObjType::Text => {
            let len = tx.length(obj);
            let index = if segment == "-" && for_write {
                len
            } else {
                segment
                    .parse::<usize>()
                    .map_err(|_| JsonError::BadIndex { path: path.to_owned(), segment: segment.to_owned() })?
            };
            let limit = if for_write { len } else { len.saturating_sub(1) };
            if index > limit || (!for_write && len == 0) {
                return Err(JsonError::NotFound { path: path.to_owned(), segment: segment.to_owned() });
            }
            Ok(Prop::Seq(index))
        }
        ObjType::Map | ObjType::Table => Ok(Prop::Map(segment.to_owned())),
    }
}

fn am_kind(value: &AmValue<'_>) -> &'static str {
    match value {
        AmValue::Object(ObjType::Text) => "text",
        AmValue::Object(ObjType::List) => "list",
        AmValue::Object(_) => "object",
        AmValue::Scalar(_) => "plain value",
    }
}

/// Puts `value` at `prop` of `obj`; for a list, an index equal to the length appends.
fn put_value<T: Transactable>(tx: &mut T, obj: &ObjId, prop: Prop, value: &Value) -> Result<(), JsonError> {
    let is_list = matches!(tx.object_type(obj)?, ObjType::List);
    let append = matches!(prop, Prop::Seq(i) if is_list && i >= tx.length(obj));
    let new_object = |tx: &mut T, objtype: ObjType| -> Result<ObjId, JsonError> {
        Ok(match &prop {
            Prop::Seq(i) if append => tx.insert_object(obj, *i, objtype)?,
            p => tx.put_object(obj, p.clone(), objtype)?,
        })
    };
    match value {
        Value::Object(fields) => {
            let child = new_object(tx, ObjType::Map)?;
            for (key, v) in fields {
                put_value(tx, &child, Prop::Map(key.clone()), v)?;
            }
        }
        Value::Array(items) => {
            let child = new_object(tx, ObjType::List)?;
            for (i, v) in items.iter().enumerate() {
                put_value(tx, &child, Prop::Seq(i), v)?;
            }
        }
        Value::String(s) => {
            let child = new_object(tx, ObjType::Text)?;
            tx.splice_text(&child, 0, 0, s)?;
        }
        scalar => {
            let scalar = scalar_for(scalar)?;
            match &prop {
                Prop::Seq(i) if append => tx.insert(obj, *i, scalar)?,
                p => tx.put(obj, p.clone(), scalar)?,
            }
        }
    }
    Ok(())
}

fn scalar_for(value: &Value) -> Result<ScalarValue, JsonError> {
    Ok(match value {
        Value::Null => ScalarValue::Null,
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                ScalarValue::Int(i)
            } else if let Some(u) = n.as_u64() {
                ScalarValue::Uint(u)
            } else {
                let f = n.as_f64().ok_or_else(|| JsonError::BadNumber(n.to_string()))?;
                ScalarValue::F64(f)
            }
        }
        other => unreachable!("containers and strings are handled by put_value, got {}", kind(other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::AutoCommit;
    use serde_json::json;

    fn doc_from(value: Value) -> AutoCommit {
        let mut doc = AutoCommit::new();
        put_root(&mut doc, &value).expect("put root");
        doc
    }

    #[test]
    fn round_trips_json() {
        let value = json!({"title": "暴雨", "count": 3, "ratio": 0.5, "ok": true, "none": null,
                           "shifts": [{"main": "张三"}, {"main": "李四"}]});
        assert_eq!(to_json(&doc_from(value.clone())), value);
    }

    #[test]
    fn integral_floats_read_as_javascript_writes_them() {
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "dead", ScalarValue::F64(3.0)).expect("put");
        doc.put(automerge::ROOT, "ratio", ScalarValue::F64(0.25)).expect("put");
        assert_eq!(to_json(&doc), json!({"dead": 3, "ratio": 0.25}));
    }

    #[test]
    fn sets_by_pointer_or_dots_and_appends() {
        let mut doc = doc_from(json!({"shifts": [{"main": "张三"}], "title": "a"}));
        set_path(&mut doc, "/shifts/0/deputy", &json!("王五")).expect("set");
        set_path(&mut doc, "shifts.-", &json!({"main": "赵六"})).expect("append");
        set_path(&mut doc, "title", &json!("b")).expect("edit text");
        assert_eq!(
            to_json(&doc),
            json!({"shifts": [{"main": "张三", "deputy": "王五"}, {"main": "赵六"}], "title": "b"})
        );
        delete_path(&mut doc, "/shifts/1").expect("delete");
        assert_eq!(to_json(&doc)["shifts"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn concurrent_text_edits_merge() {
        let mut a = doc_from(json!({"note": "交接"}));
        let mut b = a.fork();
        set_path(&mut a, "note", &json!("交接班")).expect("a");
        set_path(&mut b, "note", &json!("请交接")).expect("b");
        a.merge(&mut b).expect("merge");
        assert_eq!(to_json(&a)["note"], json!("请交接班"));
    }

    #[test]
    fn errors_name_the_path() {
        let mut doc = doc_from(json!({"a": {"b": 1}, "l": []}));
        assert!(matches!(set_path(&mut doc, "x.y", &json!(1)), Err(JsonError::NotFound { .. })));
        assert!(matches!(set_path(&mut doc, "a.b.c", &json!(1)), Err(JsonError::NotAContainer { .. })));
        assert!(matches!(set_path(&mut doc, "l.x", &json!(1)), Err(JsonError::BadIndex { .. })));
        assert!(matches!(set_path(&mut doc, "", &json!(1)), Err(JsonError::EmptyPath(_))));
        assert!(matches!(put_root(&mut doc, &json!([1])), Err(JsonError::RootNotObject(_))));
    }

    #[test]
    fn a_path_with_a_slash_but_no_leading_one_is_refused() {
        let mut doc = doc_from(json!({"judgements": [], "acks": {"east/wang": {"at": "a"}}}));
        let refused = set_path(&mut doc, "judgements/-", &json!({"kind": "late"})).expect_err("refused");
        let said = refused.to_string();
        assert!(said.contains("/judgements/-") && said.contains("judgements.-"), "{said}");
        assert!(delete_path(&mut doc, "acks/east").is_err());
        assert_eq!(to_json(&doc), json!({"judgements": [], "acks": {"east/wang": {"at": "a"}}}), "nothing written");
        // Either form reaches what was meant; a key holding `/` is `~1` in a pointer.
        set_path(&mut doc, "/judgements/-", &json!("a")).expect("pointer");
        set_path(&mut doc, "judgements.-", &json!("b")).expect("dotted");
        set_path(&mut doc, "/acks/east~1wang/at", &json!("c")).expect("escaped key");
        assert_eq!(to_json(&doc), json!({"judgements": ["a", "b"], "acks": {"east/wang": {"at": "c"}}}));
        // How an administrator removes a key such a slip once made.
        let mut slipped = doc_from(json!({"judgements": [], "judgements/-": {"kind": "late"}}));
        delete_path(&mut slipped, "/judgements~1-").expect("delete");
        assert_eq!(to_json(&slipped), json!({"judgements": []}));
    }
}
