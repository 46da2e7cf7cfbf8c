//! The pure core: reading the two exports, converting objectGUID ⇄ ImmutableID, matching them the
//! way Entra Connect does, and writing the report. Never imports browser types, so all of it is
//! unit-tested natively with `cargo test`.

pub mod advice;
pub mod anchor;
pub mod audit;
pub mod columnar;
pub mod compare;
pub(crate) mod concurrent;
pub mod context;
pub mod convert;
pub mod entry_index;
pub mod error;
pub mod guid;
pub mod idfix;
pub mod join;
pub mod model;
pub mod output;
pub mod pending;
pub mod read;
pub mod report;
pub mod run_record;
pub mod sample;
pub mod str_like;
pub mod users;
pub mod view;

pub use error::{Error, ErrorKind, Position, Side};
