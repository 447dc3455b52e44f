//! Tokens are 32 random bytes, hex, with a prefix that says what they are (`zat_` access, `zrt_` refresh) so a
//! leaked one is recognised. Only their SHA-256 is stored.

use sha2::{Digest, Sha256};

pub fn new_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", hex(&bytes))
}

pub fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub const ACCESS: &str = "zat_";
pub const REFRESH: &str = "zrt_";
pub const DEVICE: &str = "dev_";
pub const CONSOLE_SESSION: &str = "zcs_";
pub const CSRF: &str = "zcf_";
