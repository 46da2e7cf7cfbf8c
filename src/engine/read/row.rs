//! One data record as the reader hands it on: a view of its fields' text, in a row store
//! ([`Rows`]) or in the record just read.
//!
//! [`Rows`]: super::Rows

use std::ops::Range;

use super::columns::{ColumnMap, Field};
use crate::engine::error::Position;

/// One data record: a view into [`Rows`](super::Rows).
#[derive(Clone, Copy, Debug)]
pub struct Row<'t> {
    /// The physical 1-based line the record starts on.
    pub line: u64,
    /// The data record's number, from 1 (rejected records count too).
    pub record: u64,
    /// The whole store's text.
    pub(super) text: &'t str,
    /// Where the first field starts in `text`.
    pub(super) start: usize,
    /// Where each field ends in `text`.
    pub(super) ends: &'t [u32],
}

impl<'t> Row<'t> {
    /// A row whose fields' text is `text` back to back, field `i` ending at `ends[i]`.
    pub(crate) fn new(line: u64, record: u64, text: &'t str, ends: &'t [u32]) -> Row<'t> {
        debug_assert!(ends.iter().all(|&end| text.is_char_boundary(end as usize)));
        Row { line, record, text, start: 0, ends }
    }

    /// How many fields (one per header).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the row has no field (only when the file has no header).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `index`'s value exactly as in the file (unquoted), if there is such a column.
    pub fn field(&self, index: usize) -> Option<&'t str> {
        Some(&self.text[self.range(index)?])
    }

    /// Where field `index` is in the store's text.
    fn range(&self, index: usize) -> Option<Range<usize>> {
        let end = *self.ends.get(index)? as usize;
        let start = index.checked_sub(1).map_or(self.start, |i| self.ends[i] as usize);
        Some(start..end)
    }

    /// The values in header order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = &'t str> + 't {
        let (text, mut start) = (self.text, self.start);
        self.ends.iter().map(move |&end| {
            let field = &text[start..end as usize];
            start = end as usize;
            field
        })
    }

    /// Every value back to back: to rule out a character in the whole row at once.
    pub(crate) fn joined(&self) -> &'t str {
        let end = self.ends.last().map_or(self.start, |&end| end as usize);
        &self.text[self.start..end]
    }

    /// The value of `field`: `None` if the file has no such column, `Some("")` if it is empty.
    pub fn get(&self, columns: &ColumnMap, field: Field) -> Option<&'t str> {
        columns.get(field).map(|i| self.field(i).unwrap_or(""))
    }

    /// Where this row is, for an error about it.
    pub fn position(&self) -> Position {
        Position::line(self.line, self.record)
    }
}
