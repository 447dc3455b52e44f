//! Damage done to valid bytes by the fuzz tests: the wire decoder's frames (`wire_fuzz.rs`) and the sync
//! handler's messages (`tests/tests/bad_input.rs`, which includes this file by path). Each test draws
//! mutations with its own weights; applying them is the same everywhere.

use proptest::sample::Index;

// Each test draws the kinds it needs: the sync handler's does not splice in other frames.
#[allow(dead_code)]
#[derive(Debug, Clone)]
pub enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Truncate(Index),
    Insert(Index, Vec<u8>),
    Remove(Index, usize),
    /// A slice of the bytes copied to another place in them.
    Duplicate(Index, Index, usize),
    /// A tail of other valid bytes spliced in.
    Splice(Index, Vec<u8>),
}

/// Applies `mutation` to `bytes` (nothing to empty bytes).
pub fn mutate(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len();
    if len == 0 {
        return;
    }
    match mutation {
        Mutation::FlipBit(at, bit) => bytes[at.index(len)] ^= 1 << bit,
        Mutation::SetByte(at, byte) => bytes[at.index(len)] = *byte,
        Mutation::Truncate(at) => bytes.truncate(at.index(len)),
        Mutation::Insert(at, inserted) => {
            let i = at.index(len + 1);
            bytes.splice(i..i, inserted.iter().copied());
        }
        Mutation::Remove(at, n) => {
            let i = at.index(len);
            bytes.drain(i..(i + n).min(len));
        }
        Mutation::Duplicate(from, to, n) => {
            let start = from.index(len);
            let piece = bytes[start..(start + n).min(len)].to_vec();
            let i = to.index(len + 1);
            bytes.splice(i..i, piece);
        }
        Mutation::Splice(at, other) => {
            let i = at.index(len + 1);
            let j = at.index(other.len() + 1);
            bytes.splice(i..i, other[j..].iter().copied());
        }
    }
}
