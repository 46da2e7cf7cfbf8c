//! The browser app: a thin Yew UI over [`crate::engine`]. Nothing here talks to the network; every
//! value the user types or loads stays in this page and its worker.
//!
//! The page ([`App`]) keeps one state ([`state`]); the worker ([`worker`], started by
//! `src/bin/worker.rs`) reads the files, runs the audit and keeps the report, answering with
//! windows of rows ([`protocol`]).

mod app;
pub mod bridge;
pub mod context_slot;
mod converter;
pub mod detail;
pub mod dom;
pub mod error_view;
mod file_drop;
pub mod options;
pub mod panic;
pub mod pending_panel;
pub mod protocol;
pub mod results;
mod shown;
pub mod since_panel;
pub mod single_file_slot;
pub mod slots;
pub mod state;
pub mod table;
pub mod worker;

pub use app::App;
pub use converter::{Converter, ListConverter};
