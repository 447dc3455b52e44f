//! The `zhiban-server` program, built inside this crate so the story tests can start it as a process. With
//! `ZHIBAN_TEST_FAST_CLOCK` set, office time runs faster (see `fast_clock.rs`): only this test build reads it.
use std::sync::Arc;

use zhiban_tests::fast_clock::{FAST_CLOCK_ENV, FastClock};

fn main() -> anyhow::Result<()> {
    match std::env::var(FAST_CLOCK_ENV) {
        Ok(value) => zhiban_server::cli::main_with_clock(Arc::new(FastClock::from_env(&value)?)),
        Err(_) => zhiban_server::cli::main(),
    }
}
