//! A peer's sync message, checked and put in order before Automerge keeps any of it: Automerge 0.12 trusts
//! what a peer says about its own state and trips over it later, when it answers that peer.

use automerge::sync::Message as SyncMessage;

/// Probes per change a filter may declare. Automerge (Rust and JavaScript alike) uses 7; each probe costs a
/// step and four bytes per change of the document every time the server answers.
pub const MAX_PROBES: u64 = 64;

/// Why a bloom filter of `message` (its `have`: "changes I hold since we last synced") cannot be used, if one
/// cannot. Automerge trusts their header: a filter with entries but no bits made it divide by zero (a panic
/// that killed the connection's task), and one declaring billions of probes makes it allocate four bytes
/// per probe for every change it checks.
pub fn unusable_bloom_filter(message: &SyncMessage) -> Option<String> {
    message.have.iter().find_map(|have| {
        // Automerge writes back exactly the header it read (LEB128 entries, bits per entry, probes) and the bits.
        let bytes = have.bloom.to_bytes();
        if bytes.is_empty() {
            return None; // no entries: Automerge never probes it
        }
        let mut rest = &bytes[..];
        let (entries, _bits_per_entry, probes) = (leb128(&mut rest)?, leb128(&mut rest)?, leb128(&mut rest)?);
        if rest.is_empty() {
            Some(format!("a bloom filter with {entries} entries and no bits"))
        } else if probes > MAX_PROBES {
            Some(format!("a bloom filter with {probes} probes per change, more than {MAX_PROBES}"))
        } else if u32::try_from(rest.len() * 8).is_err() {
            // Automerge counts its bits in a u32 and takes probes modulo that count: 0 once it overflows.
            Some(format!("a bloom filter of {} bytes, more than Automerge can count", rest.len()))
        } else {
            None
        }
    })
}

/// Sorts the peer's heads, needs and last syncs (sets, in any order on the wire). Automerge keeps the peer's
/// heads as sent and writes them back in its answer, where its encoder asserts they are sorted: unsorted,
/// the connection's task panicked in debug builds.
pub fn sort_hashes(message: &mut SyncMessage) {
    message.heads.sort();
    message.heads.dedup();
    message.need.sort();
    message.need.dedup();
    for have in &mut message.have {
        have.last_sync.sort();
        have.last_sync.dedup();
    }
}

/// An unsigned LEB128 number from the front of `bytes`.
fn leb128(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (byte, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ChangeHash;
    use automerge::sync::{BloomFilter, ChunkList, Have, MessageVersion};

    fn message_with(filter: &[u8]) -> SyncMessage {
        let bloom = BloomFilter::try_from(filter).expect("automerge parses the filter");
        SyncMessage {
            heads: vec![],
            need: vec![],
            have: vec![Have { last_sync: vec![], bloom }],
            changes: ChunkList::empty(),
            flags: None,
            version: MessageVersion::V1,
        }
    }

    #[test]
    fn automerges_own_filters_pass() {
        let hashes = [ChangeHash([1; 32]), ChangeHash([2; 32])];
        let bloom = BloomFilter::from_hashes(hashes.iter());
        assert_eq!(unusable_bloom_filter(&message_with(&bloom.to_bytes())), None);
        assert_eq!(unusable_bloom_filter(&message_with(&[])), None, "an empty filter");
    }

    #[test]
    fn hashes_are_sorted_for_automerge() {
        let (a, b) = (ChangeHash([1; 32]), ChangeHash([2; 32]));
        let mut message = message_with(&[]);
        message.heads = vec![b, a, b];
        message.need = vec![b, a];
        message.have[0].last_sync = vec![b, a];
        sort_hashes(&mut message);
        assert_eq!(
            (message.heads, message.need, message.have[0].last_sync.clone()),
            (vec![a, b], vec![a, b], vec![a, b])
        );
    }

    #[test]
    fn names_what_automerge_would_trip_on() {
        assert_eq!(
            unusable_bloom_filter(&message_with(&[1, 0, 7])).as_deref(),
            Some("a bloom filter with 1 entries and no bits")
        );
        // 2^28 probes: LEB128 0x80 0x80 0x80 0x80 0x01.
        assert_eq!(
            unusable_bloom_filter(&message_with(&[1, 8, 0x80, 0x80, 0x80, 0x80, 0x01, 0xff])).as_deref(),
            Some("a bloom filter with 268435456 probes per change, more than 64")
        );
    }
}
