//! The automerge-repo network protocol, version 1, as `@automerge/automerge-repo` 2.x speaks it over a
//! WebSocket: one CBOR map per binary frame.
//!
//! Decoding is tolerant where the JavaScript encoder varies (integers may arrive as floats, byte strings may
//! arrive tagged as typed arrays, unknown fields are ignored) and strict where a mistake would corrupt data
//! (a missing field, a bad document id, a wrong type is an error naming the field).

use std::collections::BTreeMap;

use ciborium::Value;

use crate::document_id::{DocumentId, DocumentIdError};
use crate::refusal::Refusal;

/// The only protocol version automerge-repo 2.x speaks.
pub const PROTOCOL_VERSION: &str = "1";

/// Why the server ends a connection whose session ended (signed out, revoked, disabled, password reset): the
/// `error` message before the close carries a refusal under this rule, and a phone turns it into "login
/// required", keeping its unsent work.
pub const SESSION_ENDED_RULE: &str = "session.ended";
/// Why the server ends a connection whose person's unit or roles changed: the session stands, and a phone
/// reconnects at once to be served with its new rights.
pub const SESSION_CHANGED_RULE: &str = "session.changed";

/// A peer's name on the wire (`senderId`, `targetId`). The JavaScript repo makes random strings; we use
/// `server-…` and `client-…`.
pub type PeerId = String;

/// What a peer says about itself in `join` and `peer`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    /// Present for peers that keep documents on disk (the server, a phone).
    pub storage_id: Option<String>,
    /// A peer that keeps nothing (a browser tab without storage).
    pub is_ephemeral: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// First message from a connecting peer.
    Join { sender_id: PeerId, supported_protocol_versions: Vec<String>, peer_metadata: Option<PeerMetadata> },
    /// The answer to `join`.
    Peer {
        sender_id: PeerId,
        target_id: PeerId,
        selected_protocol_version: String,
        peer_metadata: Option<PeerMetadata>,
    },
    /// A peer that says it is going away.
    Leave { sender_id: PeerId },
    /// The peer does not have the document and asks for it; `data` is an automerge sync message.
    Request { sender_id: PeerId, target_id: PeerId, document_id: DocumentId, data: Vec<u8> },
    /// An automerge sync message for one document.
    Sync { sender_id: PeerId, target_id: PeerId, document_id: DocumentId, data: Vec<u8> },
    /// The answer to `request` when nobody has the document.
    DocUnavailable { sender_id: PeerId, target_id: PeerId, document_id: DocumentId },
    /// A message about a document that is not stored (cursor positions, "I am typing"); relayed, never kept.
    Ephemeral {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: DocumentId,
        session_id: String,
        count: u64,
        data: Vec<u8>,
    },
    /// Something went wrong; the sender closes the connection after it.
    Error {
        sender_id: Option<PeerId>,
        target_id: Option<PeerId>,
        message: String,
        /// Zhiban's addition (other peers ignore it): the document whose change was refused, when the error
        /// is about one document and the connection stays open for the others.
        document_id: Option<DocumentId>,
        /// Zhiban's addition (other peers ignore it): `message` as data, each reason with its rule, the part
        /// of the document and the reason in Chinese and English (`refusals` on the wire; left out when empty).
        refusals: Vec<Refusal>,
    },
    /// A peer asks to hear about other storage ids' heads. Accepted and not acted on.
    RemoteSubscriptionChange { sender_id: PeerId, target_id: PeerId },
    /// Gossip about other storage ids' heads. Accepted and not acted on.
    RemoteHeadsChanged { sender_id: PeerId, target_id: PeerId, document_id: DocumentId },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WireError {
    #[error("frame is not valid CBOR: {0}")]
    NotCbor(String),
    #[error("frame is not a CBOR map")]
    NotAMap,
    #[error("message has no `type` field")]
    MissingType,
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    #[error("`{message_type}` message is missing the field `{field}`")]
    MissingField { message_type: String, field: &'static str },
    #[error("`{message_type}` message has field `{field}` of the wrong type: expected {expected}")]
    WrongType { message_type: String, field: &'static str, expected: &'static str },
    #[error("`{message_type}` message has an invalid documentId: {source}")]
    BadDocumentId {
        message_type: String,
        #[source]
        source: DocumentIdError,
    },
    #[error("CBOR frame is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("frame holds more than {limit} CBOR items; a protocol message holds a few dozen")]
    TooManyItems { limit: usize },
    #[error("frame nests deeper than {limit} levels; a protocol message nests four")]
    TooDeep { limit: usize },
}

impl Message {
    pub fn type_name(&self) -> &'static str {
        match self {
            Message::Join { .. } => "join",
            Message::Peer { .. } => "peer",
            Message::Leave { .. } => "leave",
            Message::Request { .. } => "request",
            Message::Sync { .. } => "sync",
            Message::DocUnavailable { .. } => "doc-unavailable",
            Message::Ephemeral { .. } => "ephemeral",
            Message::Error { .. } => "error",
            Message::RemoteSubscriptionChange { .. } => "remote-subscription-change",
            Message::RemoteHeadsChanged { .. } => "remote-heads-changed",
        }
    }

    pub fn sender_id(&self) -> Option<&str> {
        match self {
            Message::Join { sender_id, .. }
            | Message::Peer { sender_id, .. }
            | Message::Leave { sender_id }
            | Message::Request { sender_id, .. }
            | Message::Sync { sender_id, .. }
            | Message::DocUnavailable { sender_id, .. }
            | Message::Ephemeral { sender_id, .. }
            | Message::RemoteSubscriptionChange { sender_id, .. }
            | Message::RemoteHeadsChanged { sender_id, .. } => Some(sender_id),
            Message::Error { sender_id, .. } => sender_id.as_deref(),
        }
    }

    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            Message::Request { document_id, .. }
            | Message::Sync { document_id, .. }
            | Message::DocUnavailable { document_id, .. }
            | Message::Ephemeral { document_id, .. }
            | Message::RemoteHeadsChanged { document_id, .. } => Some(*document_id),
            Message::Error { document_id, .. } => *document_id,
            _ => None,
        }
    }

    /// Decodes one frame; `limit` is the largest frame accepted.
    pub fn decode(frame: &[u8], limit: usize) -> Result<Message, WireError> {
        if frame.len() > limit {
            return Err(WireError::TooLarge { size: frame.len(), limit });
        }
        check_shape(frame)?;
        let value: Value = ciborium::de::from_reader(frame).map_err(|e| WireError::NotCbor(e.to_string()))?;
        let Value::Map(entries) = value else {
            return Err(WireError::NotAMap);
        };
        let fields = Fields::new(entries)?;
        fields.into_message()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut map: Vec<(Value, Value)> = vec![(text("type"), text(self.type_name()))];
        let mut put = |key: &str, value: Value| map.push((text(key), value));
        match self {
            Message::Join { sender_id, supported_protocol_versions, peer_metadata } => {
                put("senderId", text(sender_id));
                put(
                    "supportedProtocolVersions",
                    Value::Array(supported_protocol_versions.iter().map(|v| text(v)).collect()),
                );
                if let Some(meta) = peer_metadata {
                    put("peerMetadata", encode_metadata(meta));
                }
            }
            Message::Peer { sender_id, target_id, selected_protocol_version, peer_metadata } => {
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("selectedProtocolVersion", text(selected_protocol_version));
                if let Some(meta) = peer_metadata {
                    put("peerMetadata", encode_metadata(meta));
                }
            }
            Message::Leave { sender_id } => put("senderId", text(sender_id)),
            Message::Request { sender_id, target_id, document_id, data }
            | Message::Sync { sender_id, target_id, document_id, data } => {
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("documentId", text(&document_id.to_string()));
                put("data", Value::Bytes(data.clone()));
            }
            Message::DocUnavailable { sender_id, target_id, document_id } => {
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("documentId", text(&document_id.to_string()));
            }
            Message::Ephemeral { sender_id, target_id, document_id, session_id, count, data } => {
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("documentId", text(&document_id.to_string()));
                put("sessionId", text(session_id));
                put("count", Value::Integer((*count).into()));
                put("data", Value::Bytes(data.clone()));
            }
            Message::Error { sender_id, target_id, message, document_id, refusals } => {
                if let Some(s) = sender_id {
                    put("senderId", text(s));
                }
                if let Some(t) = target_id {
                    put("targetId", text(t));
                }
                put("message", text(message));
                if let Some(d) = document_id {
                    put("documentId", text(&d.to_string()));
                }
                if !refusals.is_empty() {
                    put("refusals", Value::Array(refusals.iter().map(refusal_value).collect()));
                }
            }
            Message::RemoteSubscriptionChange { sender_id, target_id } => {
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
            }
            Message::RemoteHeadsChanged { sender_id, target_id, document_id } => {
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("documentId", text(&document_id.to_string()));
                put("newHeads", Value::Map(Vec::new()));
            }
        }
        let mut out = Vec::new();
        ciborium::ser::into_writer(&Value::Map(map), &mut out).expect("writing CBOR to a Vec cannot fail");
        out
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn refusal_value(refusal: &Refusal) -> Value {
    let mut fields = vec![(text("rule"), text(&refusal.rule))];
    if let Some(part) = &refusal.part {
        fields.push((text("part"), text(part)));
    }
    fields.push((text("reason"), text(&refusal.reason)));
    fields.push((text("reasonZh"), text(&refusal.reason_zh)));
    Value::Map(fields)
}

/// Most CBOR items (strings, numbers, arrays, maps, tags…) one frame may hold. ciborium builds a `Value` of
/// some 50 bytes per item, so without this a 16 MiB frame of one-byte items costs the server well over a
/// gigabyte; the protocol's messages hold a few dozen items.
pub const MAX_CBOR_ITEMS: usize = 4096;

/// Deepest nesting of arrays, maps and tags in one frame; the protocol's messages go four deep. Each level
/// costs ciborium a few stack frames, which debug builds make large.
pub const MAX_CBOR_DEPTH: usize = 16;

/// Walks the frame's CBOR headers without building anything, so that a frame shaped to cost far more memory
/// or stack than its size is refused before ciborium builds its tree. Malformed CBOR is refused here too:
/// this walk and ciborium must agree on where the frame's one item ends.
fn check_shape(frame: &[u8]) -> Result<(), WireError> {
    let malformed = |at: usize, what: &str| WireError::NotCbor(format!("{what} at byte {at}"));
    // Items still expected by each open array or map; `None` for an indefinite one (or string), ended by a break.
    let mut open: Vec<Option<u64>> = Vec::new();
    let mut tags = 0usize;
    let mut items = 0usize;
    let mut at = 0usize;
    loop {
        let start = at;
        let initial = *frame.get(at).ok_or_else(|| malformed(at, "the frame ends inside an item"))?;
        let (major, info) = (initial >> 5, initial & 0x1f);
        at += 1;
        let argument = match info {
            0..=23 => Some(u64::from(info)),
            24..=27 => {
                let size = 1usize << (info - 24);
                let bytes =
                    frame.get(at..at + size).ok_or_else(|| malformed(start, "the frame ends inside a header"))?;
                at += size;
                Some(bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b)))
            }
            31 if matches!(major, 2..=5 | 7) => None,
            _ => return Err(malformed(start, "a reserved header")),
        };
        items += 1;
        if items > MAX_CBOR_ITEMS {
            return Err(WireError::TooManyItems { limit: MAX_CBOR_ITEMS });
        }
        // Whether this header completes an item of its container (a container completes when it closes).
        let complete = match (major, argument) {
            (0 | 1 | 7, Some(_)) => true,
            (2 | 3, Some(length)) => {
                // Skipped, not read: the length is checked against what the frame holds, never allocated.
                let end = usize::try_from(length).ok().and_then(|n| at.checked_add(n));
                at = end.filter(|end| *end <= frame.len()).ok_or_else(|| {
                    malformed(start, &format!("a string declares {length} bytes beyond the frame's end"))
                })?;
                true
            }
            (4, Some(0)) | (5, Some(0)) => true,
            (4, Some(n)) => {
                open.push(Some(n));
                false
            }
            (5, Some(n)) => {
                open.push(Some(n.saturating_mul(2)));
                false
            }
            (2..=5, None) => {
                open.push(None);
                false
            }
            (6, _) => {
                tags += 1;
                false
            }
            // A break closes the innermost indefinite item.
            (7, None) => match open.pop() {
                Some(None) if tags == 0 => true,
                _ => return Err(malformed(start, "a break outside an indefinite-length item")),
            },
            _ => return Err(malformed(start, "a reserved header")),
        };
        if major != 6 {
            tags = 0;
        }
        if open.len() + tags > MAX_CBOR_DEPTH {
            return Err(WireError::TooDeep { limit: MAX_CBOR_DEPTH });
        }
        if complete {
            // Count the item in its container; a container whose last item this was is itself complete.
            loop {
                match open.last_mut() {
                    None => return Ok(()),
                    Some(None) => break,
                    Some(Some(remaining)) => {
                        *remaining -= 1;
                        if *remaining > 0 {
                            break;
                        }
                        open.pop();
                    }
                }
            }
        }
    }
}

fn encode_metadata(meta: &PeerMetadata) -> Value {
    let mut map = Vec::new();
    if let Some(storage_id) = &meta.storage_id {
        map.push((text("storageId"), text(storage_id)));
    }
    map.push((text("isEphemeral"), Value::Bool(meta.is_ephemeral)));
    Value::Map(map)
}

/// The fields of one message, by name, with typed accessors that name the field in their errors.
struct Fields {
    message_type: String,
    map: BTreeMap<String, Value>,
}

impl Fields {
    fn new(entries: Vec<(Value, Value)>) -> Result<Self, WireError> {
        let mut map = BTreeMap::new();
        for (key, value) in entries {
            // Keys that are not text are not part of the protocol; ignore them like any unknown field.
            if let Value::Text(key) = key {
                map.insert(key, value);
            }
        }
        let message_type = match map.remove("type") {
            Some(Value::Text(t)) => t,
            _ => return Err(WireError::MissingType),
        };
        Ok(Self { message_type, map })
    }

    fn missing(&self, field: &'static str) -> WireError {
        WireError::MissingField { message_type: self.message_type.clone(), field }
    }

    fn wrong(&self, field: &'static str, expected: &'static str) -> WireError {
        WireError::WrongType { message_type: self.message_type.clone(), field, expected }
    }

    fn opt_string(&self, field: &'static str) -> Result<Option<String>, WireError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Text(t)) => Ok(Some(t.clone())),
            Some(_) => Err(self.wrong(field, "a string")),
        }
    }

    fn string(&self, field: &'static str) -> Result<String, WireError> {
        self.opt_string(field)?.ok_or_else(|| self.missing(field))
    }

    fn bytes(&self, field: &'static str) -> Result<Vec<u8>, WireError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Err(self.missing(field)),
            Some(value) => as_bytes(value).ok_or_else(|| self.wrong(field, "a byte string")),
        }
    }

    /// A non-negative integer; JavaScript may send it as a float (`3.0`).
    fn count(&self, field: &'static str) -> Result<u64, WireError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Err(self.missing(field)),
            Some(value) => as_count(value).ok_or_else(|| self.wrong(field, "a non-negative integer")),
        }
    }

    fn document_id(&self) -> Result<DocumentId, WireError> {
        let raw = self.string("documentId")?;
        DocumentId::parse_url_or_id(&raw)
            .map_err(|source| WireError::BadDocumentId { message_type: self.message_type.clone(), source })
    }

    fn peer_metadata(&self) -> Result<Option<PeerMetadata>, WireError> {
        match self.map.get("peerMetadata") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Map(entries)) => {
                let mut meta = PeerMetadata::default();
                for (key, value) in entries {
                    match (key.as_text(), value) {
                        (Some("storageId"), Value::Text(s)) => meta.storage_id = Some(s.clone()),
                        (Some("isEphemeral"), Value::Bool(b)) => meta.is_ephemeral = *b,
                        _ => {}
                    }
                }
                Ok(Some(meta))
            }
            Some(_) => Err(self.wrong("peerMetadata", "a map")),
        }
    }

    /// The refusals of an `error` message; each must name its rule and give both reasons.
    fn refusals(&self) -> Result<Vec<Refusal>, WireError> {
        let expected = "a list of maps with rule, reason and reasonZh";
        let items = match self.map.get("refusals") {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(self.wrong("refusals", expected)),
        };
        items
            .iter()
            .map(|item| {
                let Value::Map(entries) = item else { return Err(self.wrong("refusals", expected)) };
                let field = |name: &str| {
                    entries.iter().find(|(key, _)| key.as_text() == Some(name)).and_then(|(_, value)| value.as_text())
                };
                match (field("rule"), field("reason"), field("reasonZh")) {
                    (Some(rule), Some(reason), Some(reason_zh)) => Ok(Refusal {
                        rule: rule.to_owned(),
                        part: field("part").map(str::to_owned),
                        reason: reason.to_owned(),
                        reason_zh: reason_zh.to_owned(),
                    }),
                    _ => Err(self.wrong("refusals", expected)),
                }
            })
            .collect()
    }

    fn string_list(&self, field: &'static str) -> Result<Vec<String>, WireError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Err(self.missing(field)),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_text().map(str::to_owned).ok_or_else(|| self.wrong(field, "a list of strings")))
                .collect(),
            Some(_) => Err(self.wrong(field, "a list of strings")),
        }
    }

    fn into_message(self) -> Result<Message, WireError> {
        let m = match self.message_type.as_str() {
            "join" => Message::Join {
                sender_id: self.string("senderId")?,
                // Older peers leave it out; they speak version 1.
                supported_protocol_versions: match self.map.get("supportedProtocolVersions") {
                    None | Some(Value::Null) => vec![PROTOCOL_VERSION.to_owned()],
                    Some(_) => self.string_list("supportedProtocolVersions")?,
                },
                peer_metadata: self.peer_metadata()?,
            },
            "peer" => Message::Peer {
                sender_id: self.string("senderId")?,
                target_id: self.string("targetId")?,
                selected_protocol_version: self.string("selectedProtocolVersion")?,
                peer_metadata: self.peer_metadata()?,
            },
            "leave" => Message::Leave { sender_id: self.string("senderId")? },
            "request" => Message::Request {
                sender_id: self.string("senderId")?,
                target_id: self.string("targetId")?,
                document_id: self.document_id()?,
                data: self.bytes("data")?,
            },
            "sync" => Message::Sync {
                sender_id: self.string("senderId")?,
                target_id: self.string("targetId")?,
                document_id: self.document_id()?,
                data: self.bytes("data")?,
            },
            "doc-unavailable" => Message::DocUnavailable {
                sender_id: self.string("senderId")?,
                target_id: self.string("targetId")?,
                document_id: self.document_id()?,
            },
            "ephemeral" => Message::Ephemeral {
                sender_id: self.string("senderId")?,
                target_id: self.string("targetId")?,
                document_id: self.document_id()?,
                session_id: self.string("sessionId")?,
                count: self.count("count")?,
                data: self.bytes("data")?,
            },
            "error" => Message::Error {
                sender_id: self.opt_string("senderId")?,
                target_id: self.opt_string("targetId")?,
                message: self.opt_string("message")?.unwrap_or_default(),
                document_id: match self.map.get("documentId") {
                    None | Some(Value::Null) => None,
                    Some(_) => Some(self.document_id()?),
                },
                refusals: self.refusals()?,
            },
            "remote-subscription-change" => Message::RemoteSubscriptionChange {
                sender_id: self.string("senderId")?,
                target_id: self.string("targetId")?,
            },
            "remote-heads-changed" => Message::RemoteHeadsChanged {
                sender_id: self.string("senderId")?,
                target_id: self.string("targetId")?,
                document_id: self.document_id()?,
            },
            other => return Err(WireError::UnknownType(other.to_owned())),
        };
        Ok(m)
    }
}

/// Byte strings, also when cbor-x tags them as a typed array (RFC 8746 tag 64, Uint8Array).
fn as_bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::Bytes(b) => Some(b.clone()),
        Value::Tag(64, inner) => as_bytes(inner),
        _ => None,
    }
}

fn as_count(value: &Value) -> Option<u64> {
    match value {
        Value::Integer(i) => u64::try_from(i128::from(*i)).ok(),
        // `u64::MAX as f64` is 2^64, one past the largest count: `<`, or 2^64 would pass and saturate.
        Value::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f < u64::MAX as f64 => Some(*f as u64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1 << 20;

    fn encode_value(value: Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::ser::into_writer(&value, &mut out).expect("encode");
        out
    }

    fn map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (text(k), v)).collect())
    }

    #[test]
    fn every_message_round_trips() {
        let doc = DocumentId::random();
        let messages = vec![
            Message::Join {
                sender_id: "a".into(),
                supported_protocol_versions: vec!["1".into()],
                peer_metadata: Some(PeerMetadata { storage_id: Some("s".into()), is_ephemeral: false }),
            },
            Message::Peer {
                sender_id: "b".into(),
                target_id: "a".into(),
                selected_protocol_version: "1".into(),
                peer_metadata: None,
            },
            Message::Leave { sender_id: "a".into() },
            Message::Request { sender_id: "a".into(), target_id: "b".into(), document_id: doc, data: vec![1, 2] },
            Message::Sync { sender_id: "a".into(), target_id: "b".into(), document_id: doc, data: vec![3] },
            Message::DocUnavailable { sender_id: "b".into(), target_id: "a".into(), document_id: doc },
            Message::Ephemeral {
                sender_id: "a".into(),
                target_id: "b".into(),
                document_id: doc,
                session_id: "sess".into(),
                count: 7,
                data: vec![9],
            },
            Message::Error {
                sender_id: Some("b".into()),
                target_id: None,
                message: "no".into(),
                document_id: None,
                refusals: vec![],
            },
            Message::Error {
                sender_id: Some("b".into()),
                target_id: Some("a".into()),
                message: "refused".into(),
                document_id: Some(doc),
                refusals: vec![
                    Refusal::new("incident.lifecycle", "only the desk moves an incident on", "只有值班台可以推进事件"),
                    Refusal::new("document.problem", "casualties cannot be negative", "伤亡人数不能为负数")
                        .at("entries/e2/details/casualties"),
                ],
            },
            Message::RemoteSubscriptionChange { sender_id: "a".into(), target_id: "b".into() },
        ];
        for m in messages {
            assert_eq!(Message::decode(&m.encode(), LIMIT), Ok(m));
        }
    }

    #[test]
    fn accepts_float_counts_tagged_bytes_and_unknown_fields() {
        let doc = DocumentId::random();
        let frame = encode_value(map(vec![
            ("type", text("ephemeral")),
            ("senderId", text("js")),
            ("targetId", text("server")),
            ("documentId", text(&doc.to_string())),
            ("sessionId", text("s1")),
            ("count", Value::Float(3.0)),
            ("data", Value::Tag(64, Box::new(Value::Bytes(vec![1, 2, 3])))),
            ("somethingNew", Value::Bool(true)),
        ]));
        let Message::Ephemeral { count, data, .. } = Message::decode(&frame, LIMIT).expect("decodes") else {
            panic!("not ephemeral");
        };
        assert_eq!((count, data), (3, vec![1, 2, 3]));
    }

    #[test]
    fn names_what_is_wrong() {
        let doc = DocumentId::random().to_string();
        let cases: Vec<(Vec<u8>, WireError)> = vec![
            (vec![0xff, 0x00], WireError::NotCbor(String::new())),
            (encode_value(Value::Array(vec![])), WireError::NotAMap),
            (encode_value(map(vec![("senderId", text("a"))])), WireError::MissingType),
            (encode_value(map(vec![("type", text("gossip"))])), WireError::UnknownType("gossip".into())),
            (
                encode_value(map(vec![("type", text("sync")), ("senderId", text("a")), ("targetId", text("b"))])),
                WireError::MissingField { message_type: "sync".into(), field: "documentId" },
            ),
            (
                encode_value(map(vec![
                    ("type", text("sync")),
                    ("senderId", text("a")),
                    ("targetId", text("b")),
                    ("documentId", text(&doc)),
                    ("data", text("not bytes")),
                ])),
                WireError::WrongType { message_type: "sync".into(), field: "data", expected: "a byte string" },
            ),
            (
                encode_value(map(vec![
                    ("type", text("ephemeral")),
                    ("senderId", text("a")),
                    ("targetId", text("b")),
                    ("documentId", text(&doc)),
                    ("sessionId", text("s")),
                    ("count", Value::Float(1.5)),
                    ("data", Value::Bytes(vec![])),
                ])),
                WireError::WrongType {
                    message_type: "ephemeral".into(),
                    field: "count",
                    expected: "a non-negative integer",
                },
            ),
            (
                encode_value(map(vec![
                    ("type", text("error")),
                    ("message", text("no")),
                    ("refusals", Value::Array(vec![map(vec![("rule", text("read")), ("reason", text("no"))])])),
                ])),
                WireError::WrongType {
                    message_type: "error".into(),
                    field: "refusals",
                    expected: "a list of maps with rule, reason and reasonZh",
                },
            ),
        ];
        for (frame, expected) in cases {
            let got = Message::decode(&frame, LIMIT).expect_err("must be rejected");
            match (&got, &expected) {
                (WireError::NotCbor(_), WireError::NotCbor(_)) => {}
                _ => assert_eq!(got, expected),
            }
        }
        let bad_id = encode_value(map(vec![
            ("type", text("request")),
            ("senderId", text("a")),
            ("targetId", text("b")),
            ("documentId", text("nope")),
            ("data", Value::Bytes(vec![])),
        ]));
        assert!(matches!(Message::decode(&bad_id, LIMIT), Err(WireError::BadDocumentId { .. })));
        assert!(matches!(Message::decode(&[0u8; 100], 10), Err(WireError::TooLarge { size: 100, limit: 10 })));
    }

    fn ephemeral_with_count(count: Value) -> Vec<u8> {
        encode_value(map(vec![
            ("type", text("ephemeral")),
            ("senderId", text("a")),
            ("targetId", text("b")),
            ("documentId", text(&DocumentId::random().to_string())),
            ("sessionId", text("s")),
            ("count", count),
            ("data", Value::Bytes(vec![])),
        ]))
    }

    /// 2^64 as a float was taken as u64::MAX; the largest float count below it still decodes.
    #[test]
    fn a_float_count_past_u64_is_refused() {
        let past = ephemeral_with_count(Value::Float(18_446_744_073_709_551_616.0));
        assert!(matches!(Message::decode(&past, LIMIT), Err(WireError::WrongType { field: "count", .. })));
        let largest = 18_446_744_073_709_549_568.0;
        let Ok(Message::Ephemeral { count, .. }) = Message::decode(&ephemeral_with_count(Value::Float(largest)), LIMIT)
        else {
            panic!("the largest float below 2^64 is a count");
        };
        assert_eq!(count, largest as u64);
    }

    /// A frame of many one-byte items cost ciborium a 32-byte `Value` each (a 16 MiB frame, over a gigabyte):
    /// refused by counting before anything is built.
    #[test]
    fn many_tiny_items_are_refused() {
        let mut frame = vec![0xa2];
        frame.extend(encode_value(text("type")));
        frame.extend(encode_value(text("leave")));
        frame.extend(encode_value(text("somethingNew")));
        frame.extend([0x9a, 0x00, 0x10, 0x00, 0x00]); // an array of 2^20 items
        frame.resize(frame.len() + (1 << 20), 0x00);
        assert_eq!(Message::decode(&frame, 16 << 20), Err(WireError::TooManyItems { limit: MAX_CBOR_ITEMS }));
        let nested = [vec![0x81; 100], vec![0x00]].concat();
        assert_eq!(Message::decode(&nested, LIMIT), Err(WireError::TooDeep { limit: MAX_CBOR_DEPTH }));
    }

    /// What automerge-repo 2.x sends at its most nested (`remote-heads-changed` with its heads) and tagged
    /// byte strings inside indefinite-length maps still decode.
    #[test]
    fn the_protocols_own_shapes_are_within_the_limits() {
        let doc = DocumentId::random();
        let heads = map(vec![(
            "storage-1",
            map(vec![("heads", Value::Array(vec![text("h1"), text("h2")])), ("timestamp", Value::Float(1.7e12))]),
        )]);
        let frame = encode_value(map(vec![
            ("type", text("remote-heads-changed")),
            ("senderId", text("js")),
            ("targetId", text("server")),
            ("documentId", text(&doc.to_string())),
            ("newHeads", heads),
        ]));
        assert!(matches!(Message::decode(&frame, LIMIT), Ok(Message::RemoteHeadsChanged { .. })));
        // {_ "type": "sync", …, "data": 64([1, 2]) } with an indefinite-length map and string chunks.
        let mut frame = vec![0xbf];
        for (key, value) in [("type", "sync"), ("senderId", "js"), ("targetId", "server")] {
            frame.extend(encode_value(text(key)));
            frame.extend(encode_value(text(value)));
        }
        frame.extend(encode_value(text("documentId")));
        frame.push(0x7f);
        frame.extend(encode_value(text(&doc.to_string())));
        frame.push(0xff);
        frame.extend(encode_value(text("data")));
        frame.extend([0xd8, 0x40, 0x5f, 0x41, 0x01, 0x41, 0x02, 0xff, 0xff]);
        let Ok(Message::Sync { document_id, data, .. }) = Message::decode(&frame, LIMIT) else {
            panic!("an indefinite-length sync message decodes");
        };
        assert_eq!((document_id, data), (doc, vec![1, 2]));
    }
}
