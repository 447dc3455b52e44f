//! Zhiban's sync server: automerge-repo peers over WebSocket, documents kept durably in SQLite (the embedded
//! default) or PostgreSQL (several servers on one database).

pub mod accounts;
pub mod alerts;
pub mod api;
pub mod app;
pub mod attachments;
pub mod cli;
pub mod clock;
pub mod console;
pub mod db;
pub mod demo;
pub mod homes;
pub mod office;
pub mod oversight;
pub mod projection;
pub mod publications;
pub mod push;
pub mod store;
pub mod sync;

pub use app::{AppState, ServerConfig, app, launch_with_tcp_listener};
