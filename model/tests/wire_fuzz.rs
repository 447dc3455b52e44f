//! The wire decoder against hostile frames: arbitrary bytes, CBOR shaped like the protocol's messages with
//! wrong types, huge declared lengths, deep nesting, and mutations (bit flips, truncation, splices) of valid
//! frames of every message type. Decoding never panics, never allocates much beyond the frame's own size
//! (whatever lengths the frame declares), and whatever it accepts encodes and decodes to the same message.
//!
//! Cases per property: `ZHIBAN_FUZZ_CASES` (default 1000, a few seconds in a debug build). A longer pass:
//! `ZHIBAN_FUZZ_CASES=200000 cargo test --release -p zhiban-model --test wire_fuzz`. A failing input is
//! kept in `wire_fuzz.proptest-regressions` beside this file and tried first on every run.

use ciborium::Value;
use proptest::prelude::*;
use proptest::sample::Index;
use zhiban_model::wire::PROTOCOL_VERSION;
use zhiban_model::{DocumentId, Message, PeerMetadata, WireError};

mod mutation;
use mutation::{Mutation, mutate};

/// The frame limit the decoder is given; the frames here are far smaller, so it never cuts them short.
const LIMIT: usize = 1 << 20;

/// What decoding may hold at its peak beyond the frame itself: the decoded tree and message copy the frame's
/// bytes a few times over, plus a bounded number of small items.
fn allowance(frame_len: usize) -> u64 {
    (4 * frame_len + 512 * 1024) as u64
}

fn cases() -> u32 {
    std::env::var("ZHIBAN_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1000)
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: cases(), ..ProptestConfig::default() }
}

/// Decodes `frame` and checks everything the decoder promises.
fn check(frame: &[u8]) -> Result<(), TestCaseError> {
    let mut decoded = None;
    let info = allocation_counter::measure(|| decoded = Some(Message::decode(frame, LIMIT)));
    prop_assert!(
        info.bytes_max <= allowance(frame.len()),
        "decoding a frame of {} bytes held {} bytes at its peak",
        frame.len(),
        info.bytes_max
    );
    if let Some(Ok(message)) = decoded {
        let again = Message::decode(&message.encode(), LIMIT);
        prop_assert_eq!(again, Ok(message));
    }
    Ok(())
}

fn cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).expect("writing CBOR to a Vec cannot fail");
    out
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

const KEYS: &[&str] = &[
    "type",
    "senderId",
    "targetId",
    "documentId",
    "data",
    "sessionId",
    "count",
    "message",
    "supportedProtocolVersions",
    "peerMetadata",
    "selectedProtocolVersion",
    "storageId",
    "isEphemeral",
    "newHeads",
];

const TYPES: &[&str] = &[
    "join",
    "peer",
    "leave",
    "request",
    "sync",
    "doc-unavailable",
    "ephemeral",
    "error",
    "remote-subscription-change",
    "remote-heads-changed",
    "gossip",
    "",
];

fn document_id() -> impl Strategy<Value = DocumentId> {
    any::<[u8; 16]>().prop_map(DocumentId::from_bytes)
}

/// Texts a field might hold: protocol words, document ids (good, as URLs, damaged) and anything.
fn field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(KEYS).prop_map(str::to_owned),
        prop::sample::select(TYPES).prop_map(str::to_owned),
        document_id().prop_map(|d| d.to_string()),
        document_id().prop_map(|d| d.url()),
        (document_id(), any::<Index>(), any::<char>()).prop_map(|(d, at, c)| {
            let mut s: Vec<char> = d.to_string().chars().collect();
            let i = at.index(s.len());
            s[i] = c;
            s.into_iter().collect()
        }),
        Just(PROTOCOL_VERSION.to_owned()),
        "\\PC{0,12}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|i| Value::Integer(i.into())),
        any::<u64>().prop_map(|i| Value::Integer(i.into())),
        any::<f64>().prop_map(Value::Float),
        prop::sample::select(vec![
            0.0,
            -0.0,
            3.0,
            1.5,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            u64::MAX as f64,
            9_007_199_254_740_993.0,
        ])
        .prop_map(Value::Float),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        prop::collection::vec(any::<u8>(), 0..32).prop_map(Value::Bytes),
        prop::collection::vec(any::<u8>(), 0..32).prop_map(|b| Value::Tag(64, Box::new(Value::Bytes(b)))),
        field_text().prop_map(Value::Text),
    ]
}

/// Any CBOR value, a few levels deep, with the protocol's keys in its maps.
fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field_text().prop_map(Value::Text), inner.clone()), 0..6).prop_map(Value::Map),
            prop::collection::vec((inner.clone(), inner.clone()), 0..3).prop_map(Value::Map),
            (any::<u64>(), inner).prop_map(|(tag, v)| Value::Tag(tag, Box::new(v))),
        ]
    })
}

/// A map with a `type` and protocol fields holding values of any type, right or wrong.
fn message_like() -> impl Strategy<Value = Value> {
    (
        prop_oneof![4 => prop::sample::select(TYPES).prop_map(text), 1 => value()],
        prop::collection::vec((prop::sample::select(KEYS), value()), 0..10),
    )
        .prop_map(|(kind, fields)| {
            let mut entries = vec![(text("type"), kind)];
            entries.extend(fields.into_iter().map(|(k, v)| (text(k), v)));
            Value::Map(entries)
        })
}

fn peer_id() -> impl Strategy<Value = String> {
    "\\PC{0,16}"
}

fn metadata() -> impl Strategy<Value = Option<PeerMetadata>> {
    proptest::option::of(
        (proptest::option::of(peer_id()), any::<bool>())
            .prop_map(|(storage_id, is_ephemeral)| PeerMetadata { storage_id, is_ephemeral }),
    )
}

fn data() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..64)
}

/// A valid message of every type.
fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (peer_id(), prop::collection::vec(peer_id(), 0..3), metadata()).prop_map(
            |(sender_id, supported_protocol_versions, peer_metadata)| Message::Join {
                sender_id,
                supported_protocol_versions,
                peer_metadata
            }
        ),
        (peer_id(), peer_id(), peer_id(), metadata()).prop_map(
            |(sender_id, target_id, selected_protocol_version, peer_metadata)| Message::Peer {
                sender_id,
                target_id,
                selected_protocol_version,
                peer_metadata
            }
        ),
        peer_id().prop_map(|sender_id| Message::Leave { sender_id }),
        (peer_id(), peer_id(), document_id(), data()).prop_map(|(sender_id, target_id, document_id, data)| {
            Message::Request { sender_id, target_id, document_id, data }
        }),
        (peer_id(), peer_id(), document_id(), data()).prop_map(|(sender_id, target_id, document_id, data)| {
            Message::Sync { sender_id, target_id, document_id, data }
        }),
        (peer_id(), peer_id(), document_id()).prop_map(|(sender_id, target_id, document_id)| {
            Message::DocUnavailable { sender_id, target_id, document_id }
        }),
        (peer_id(), peer_id(), document_id(), peer_id(), any::<u64>(), data()).prop_map(
            |(sender_id, target_id, document_id, session_id, count, data)| Message::Ephemeral {
                sender_id,
                target_id,
                document_id,
                session_id,
                count,
                data
            }
        ),
        (
            proptest::option::of(peer_id()),
            proptest::option::of(peer_id()),
            "\\PC{0,40}",
            proptest::option::of(document_id()),
            proptest::collection::vec(refusal(), 0..3)
        )
            .prop_map(|(sender_id, target_id, message, document_id, refusals)| Message::Error {
                sender_id,
                target_id,
                message,
                document_id,
                refusals
            }),
        (peer_id(), peer_id())
            .prop_map(|(sender_id, target_id)| Message::RemoteSubscriptionChange { sender_id, target_id }),
        (peer_id(), peer_id(), document_id()).prop_map(|(sender_id, target_id, document_id)| {
            Message::RemoteHeadsChanged { sender_id, target_id, document_id }
        }),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        2 => (any::<Index>(), prop::sample::select(vec![0x00, 0x18, 0x1b, 0x1f, 0x5f, 0x7f, 0x9f, 0xbf, 0xff, 0xfb]))
            .prop_map(|(at, byte)| Mutation::SetByte(at, byte)),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..9)).prop_map(|(at, b)| Mutation::Insert(at, b)),
        2 => (any::<Index>(), 1usize..9).prop_map(|(at, n)| Mutation::Remove(at, n)),
        1 => (any::<Index>(), any::<Index>(), 1usize..24).prop_map(|(from, to, n)| Mutation::Duplicate(from, to, n)),
        1 => (any::<Index>(), message()).prop_map(|(at, m)| Mutation::Splice(at, m.encode())),
    ]
}

/// A CBOR header of major type `major` declaring `length` (bytes, characters, items or pairs).
fn header(major: u8, length: u64) -> Vec<u8> {
    let mut out = vec![(major << 5) | 27];
    out.extend_from_slice(&length.to_be_bytes());
    out
}

/// A frame that declares a length it does not have: alone, as the `data` of a sync message, or as the
/// number of a message's fields.
fn declared_length() -> impl Strategy<Value = Vec<u8>> {
    let length = prop_oneof![
        Just(u64::MAX),
        Just(u64::MAX / 2),
        Just(1u64 << 32),
        (1u64 << 20)..u64::MAX,
        (LIMIT as u64 - 16)..(LIMIT as u64 + 16),
    ];
    (0u8..3, 2u8..6, length, prop::collection::vec(any::<u8>(), 0..24), document_id()).prop_map(
        |(place, major, length, tail, doc)| {
            let mut frame = Vec::new();
            match place {
                0 => {}
                1 => {
                    frame.push(0xa5); // a map of five pairs
                    for (key, value) in [("type", "sync"), ("senderId", "a"), ("targetId", "b")] {
                        frame.extend(cbor(&text(key)));
                        frame.extend(cbor(&text(value)));
                    }
                    frame.extend(cbor(&text("documentId")));
                    frame.extend(cbor(&text(&doc.to_string())));
                    frame.extend(cbor(&text("data")));
                }
                _ => {
                    frame.extend(header(5, length));
                    frame.extend(cbor(&text("type")));
                    frame.extend(cbor(&text("sync")));
                    frame.extend(tail);
                    return frame;
                }
            }
            frame.extend(header(major, length));
            frame.extend(tail);
            frame
        },
    )
}

/// Frames cheap in bytes and costly as a tree: many tiny items, or deep nesting of arrays, maps and tags.
fn costly_shape() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // One array of many one-byte items (integers, empty arrays, empty maps).
        (1000usize..200_000, prop::sample::select(vec![0x00u8, 0x80, 0xa0, 0xf6])).prop_map(|(n, item)| {
            let mut frame = header(4, n as u64);
            frame.resize(frame.len() + n, item);
            frame
        }),
        // The same inside a message's unknown field.
        (1000usize..200_000).prop_map(|n| {
            let mut frame = vec![0xa2];
            frame.extend(cbor(&text("type")));
            frame.extend(cbor(&text("leave")));
            frame.extend(cbor(&text("somethingNew")));
            frame.extend(header(4, n as u64));
            frame.resize(frame.len() + n, 0x80);
            frame
        }),
        // Nesting: arrays, indefinite arrays, maps, tags.
        (1usize..3000, prop::sample::select(vec![vec![0x81u8], vec![0x9f], vec![0xa1, 0x00], vec![0xd8, 0x40]]))
            .prop_map(|(depth, opener)| {
                let mut frame = opener.repeat(depth);
                frame.push(0x00);
                frame
            }),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes(frame in prop::collection::vec(any::<u8>(), 0..256)) {
        check(&frame)?;
    }

    #[test]
    fn arbitrary_cbor_values(value in value()) {
        check(&cbor(&value))?;
    }

    #[test]
    fn maps_with_the_protocols_keys_and_wrong_types(value in message_like()) {
        check(&cbor(&value))?;
    }

    #[test]
    fn valid_messages_round_trip(message in message()) {
        prop_assert_eq!(Message::decode(&message.encode(), LIMIT), Ok(message));
    }

    #[test]
    fn mutated_valid_messages(message in message(), mutations in prop::collection::vec(mutation(), 1..5)) {
        let mut frame = message.encode();
        for m in &mutations {
            mutate(&mut frame, m);
        }
        check(&frame)?;
    }

    #[test]
    fn declared_lengths_are_not_trusted(frame in declared_length()) {
        check(&frame)?;
        prop_assert!(Message::decode(&frame, LIMIT).is_err());
    }

    #[test]
    fn costly_shapes_are_refused_cheaply(frame in costly_shape()) {
        check(&frame)?;
    }
}

/// A frame over the limit is refused before anything is read from it.
#[test]
fn a_frame_over_the_limit_allocates_nothing() {
    let frame = vec![0u8; 4096];
    let mut decoded = None;
    let info = allocation_counter::measure(|| decoded = Some(Message::decode(&frame, 1024)));
    assert_eq!(decoded, Some(Err(WireError::TooLarge { size: 4096, limit: 1024 })));
    assert_eq!(info.bytes_total, 0);
}

/// A refusal as the server sends one: a rule, maybe a part, both reasons.
fn refusal() -> impl Strategy<Value = zhiban_model::refusal::Refusal> {
    ("[a-z_.]{1,20}", proptest::option::of("[a-z0-9/]{1,20}"), "\\PC{0,40}", "\\PC{0,40}")
        .prop_map(|(rule, part, reason, reason_zh)| zhiban_model::refusal::Refusal { rule, part, reason, reason_zh })
}
