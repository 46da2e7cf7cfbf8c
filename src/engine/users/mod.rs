//! The two sides' users as columns: each export's rows are read straight into one column per
//! value the matcher and the report use ([`OnPremBuilder`], [`CloudBuilder`]: the reader's row
//! sinks), and a user is a row index into them, read through a borrowed view ([`OnPremUser`],
//! [`CloudUser`]).
//!
//! What holds for a whole column (the export has no mail column, or its own objectGUID column)
//! is said once, on the table, not in every row.

mod cloud;
mod cloud_builder;
mod onprem;
mod onprem_builder;
mod row_values;
#[cfg(test)]
pub(crate) mod test_users;
mod transfer;

pub use cloud::{CloudRow, CloudSizes, CloudUser, CloudUsers};
pub use cloud_builder::CloudBuilder;
pub use onprem::{OnPremRow, OnPremSizes, OnPremUser, OnPremUsers};
pub use onprem_builder::OnPremBuilder;
pub use transfer::ColumnBuffers;

use crate::engine::columnar::{ColumnError, Utf8Column};
use crate::engine::error::{Error, ErrorKind};
use crate::engine::model::RowRef;

/// A column that could not take a value: only past 4 GiB of one value's text, which the reader
/// refuses long before ([`crate::engine::read`]'s size limit), so said plainly if it happens.
fn column_error(error: ColumnError) -> Error {
    Error::new(ErrorKind::Usage { message: format!("the users could not be stored: {error}") })
}

/// A place in a file as the users keep it: line and record, saturating at `u32::MAX`.
fn compact(at: RowRef) -> [u32; 2] {
    [at.line, at.record].map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// Row `index` of a column as long as its table (so always there).
fn text(column: &Utf8Column, index: usize) -> &str {
    column.get(index).unwrap_or_default()
}
