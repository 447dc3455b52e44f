//! Attachment bytes for the stories: photo-like bytes and their names.

use sha2::{Digest, Sha256};

/// Bytes that look like a photo's to the server: not compressible and not repeating at chunk boundaries;
/// `seed` makes each photo its own.
pub fn photo(len: usize, seed: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_u32 ^ seed.wrapping_mul(0x9e37_79b9);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

/// The name the server keeps `data` under: its SHA-256 in lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}
