//! Zhiban's client core for the phone apps, through UniFFI: one `ZhibanClient` object per data folder,
//! records a mobile developer expects, one error enum with kinds an app can act on, and listeners for sync
//! status, alerts and document changes. Every call blocks the calling thread (call from a background
//! thread or coroutine); the library runs its own async runtime (`runtime.rs`) and holds no lock while it
//! waits on the network.
//!
//! Map: `client.rs` (opening, account, sync), `field.rs` (reports and photos), `instructions.rs`,
//! `rosters.rs` (shifts, on duty, the directory), `alerts.rs` (open alerts, acknowledging, a push
//! received), `background.rs` (`sync_for`: the most important work within the seconds the OS grants),
//! `listeners.rs` (callbacks and the subscriptions that stop them), `records.rs` (what crosses the
//! boundary), `error.rs`.

uniffi::setup_scaffolding!();

mod alerts;
mod background;
mod client;
mod error;
mod field;
mod instructions;
mod listeners;
mod records;
mod rosters;
mod runtime;

pub use client::ZhibanClient;
pub use error::ZhibanError;
pub use records::*;
