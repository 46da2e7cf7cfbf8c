//! Typed columns for the columnar core (issue 12): each export is parsed straight into one
//! column per value the report uses, as Arrow lays out its arrays, and a user is a row index.
//!
//! - [`Utf8Column`]: Arrow's variable-size binary layout, one values buffer plus `u32` offsets.
//! - [`Utf8ListColumn`]: a list of strings per row (proxy addresses), one values column plus
//!   row offsets into it.
//! - [`DictionaryColumn`]: strings that repeat (the parents of distinguished names), each
//!   distinct one stored once and a `u32` key a row, as Arrow's dictionary arrays.
//! - [`GuidColumn`]: 16 bytes a row and a validity bitmap, for `objectGUID` and
//!   `mS-DS-ConsistencyGuid`.
//!
//! A reader grows each column by [`Projection`] as it fills it.
//!
//! Each column hands out its buffers ([`Utf8Column::into_buffers`]) and is rebuilt from them
//! after checking every offset ([`Utf8Column::from_buffers`]), so the two browser workers can
//! pass columns as transferable buffers with no re-encoding.
//!
//! Written in-house rather than with `arrow-array`: the core needs three column shapes, and
//! `arrow-array` with `arrow-buffer` and `arrow-data` would add their whole type system to the
//! wasm the page downloads.

mod dictionary;
mod growth;
mod guid;
mod list;
mod utf8;

pub use dictionary::DictionaryColumn;
pub use growth::Projection;
pub use guid::GuidColumn;
pub use list::Utf8ListColumn;
pub use utf8::Utf8Column;

use std::fmt;

/// Why a column could not take a value or be rebuilt from buffers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnError {
    /// The values would pass the 4 GiB that `u32` offsets address.
    Overflow,
    /// Buffers handed over do not form a column: what is wrong with them.
    Damaged(&'static str),
}

impl fmt::Display for ColumnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnError::Overflow => f.write_str("a column's values passed 4 GiB"),
            ColumnError::Damaged(why) => write!(f, "a column's buffers are damaged: {why}"),
        }
    }
}

impl std::error::Error for ColumnError {}

/// An offset into a values buffer, or [`ColumnError::Overflow`] past `u32`.
fn offset(len: usize) -> Result<u32, ColumnError> {
    u32::try_from(len).map_err(|_| ColumnError::Overflow)
}

/// Checks that offsets start at 0, never decrease and end at `len`.
fn check_offsets(offsets: &[u32], len: usize) -> Result<(), ColumnError> {
    match (offsets.first(), offsets.last()) {
        (Some(0), Some(&last)) if last as usize == len => {}
        (Some(0), Some(_)) => return Err(ColumnError::Damaged("the last offset is not the end")),
        _ => return Err(ColumnError::Damaged("the offsets do not start at 0")),
    }
    if offsets.windows(2).any(|pair| pair[0] > pair[1]) {
        return Err(ColumnError::Damaged("an offset is less than the one before"));
    }
    Ok(())
}
