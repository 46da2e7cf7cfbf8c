//! Where a reader puts the rows it reads. Each data row goes, as soon as it is read, to a
//! [`RowSink`]: the table's own row store ([`Rows`]), a count ([`RowCount`]), or the columns the
//! report uses (`crate::engine::users`), so that a file's text is never held twice.
//!
//! [`Rows`]: super::Rows

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::checks::ColumnChecks;
use super::columns::{ColumnMap, Field};
use super::dialect::FileFormat;
use super::row::Row;
use crate::engine::columnar::Projection;
use crate::engine::error::ErrorKind;

/// What a reader hands each data row to, as it reads it.
pub trait RowSink {
    /// The header has been read: every row that follows has one field per header.
    fn begin(&mut self, header: &Header<'_>);
    /// Takes a data row; `growth` is how far through its input the reader is, for sizing
    /// buffers by [`Projection`].
    fn push(&mut self, row: Row<'_>, growth: Projection);
    /// How many rows it has taken.
    fn len(&self) -> usize;
    /// Whether it has taken none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Forgets every row: the file is read again from its start.
    fn clear(&mut self);
    /// `field`'s column holds a .NET type name instead of values: it is read as absent (a
    /// warning says so).
    fn ignore(&mut self, field: Field);
}

/// What the header tells a [`RowSink`].
#[derive(Clone, Copy, Debug)]
pub struct Header<'a> {
    /// The header names as in the file.
    pub headers: &'a [String],
    /// Which header holds which field, the caller's choices applied.
    pub columns: &'a ColumnMap,
    /// CSV (with its delimiter) or LDIF: how a row is written back as a record.
    pub format: FileFormat,
}

/// Only how many rows there are: for a file read just to tell what it is, or a table whose rows
/// have gone on elsewhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCount(pub usize);

impl RowSink for RowCount {
    fn begin(&mut self, _: &Header<'_>) {}

    fn push(&mut self, _: Row<'_>, _: Projection) {
        self.0 += 1;
    }

    fn len(&self) -> usize {
        self.0
    }

    fn clear(&mut self) {
        self.0 = 0;
    }

    fn ignore(&mut self, _: Field) {}
}

/// A file's rows on their way in: the column map made from the header (with the caller's
/// choices), the whole-column checks and the sink, each given every row.
pub(crate) struct Intake<S> {
    overrides: BTreeMap<Field, String>,
    /// The column map once the header is read, or why the caller's choices do not fit it (the
    /// read then fails at its end, after the errors that come first).
    pub(crate) columns: Option<Result<ColumnMap, ErrorKind>>,
    pub(crate) checks: ColumnChecks,
    pub(crate) sink: S,
}

impl<S: RowSink> Intake<S> {
    pub(crate) fn new(overrides: BTreeMap<Field, String>, sink: S) -> Intake<S> {
        Intake { overrides, columns: None, checks: ColumnChecks::default(), sink }
    }

    /// The header is read.
    pub(crate) fn header(&mut self, headers: &[String], format: FileFormat) {
        let columns = ColumnMap::detect(headers).with_overrides(headers, &self.overrides);
        if let Ok(columns) = &columns {
            self.checks = ColumnChecks::new(columns);
            self.sink.begin(&Header { headers, columns, format });
        }
        self.columns = Some(columns);
    }

    /// A data row is read.
    pub(crate) fn row(&mut self, row: Row<'_>, growth: Projection) {
        if let Some(Ok(_)) = self.columns {
            self.checks.row(row);
            self.sink.push(row, growth);
        }
    }

    /// Forgets the header and every row: the file is read again from its start.
    pub(crate) fn clear(&mut self) {
        self.columns = None;
        self.checks = ColumnChecks::default();
        self.sink.clear();
    }
}
