//! What reading a file gives: the headers, the rows, the records that could not be read and the
//! notes about the file as a whole.

use serde::{Deserialize, Serialize, Serializer};

use super::columns::{ColumnMap, Field};
use super::decode::TextEncoding;
use super::detection::Detection;
use super::dialect::FileFormat;
use super::row::Row;
use super::sink::{Header, RowCount, RowSink};
use super::warning::Warning;
use crate::engine::columnar::Projection;
use crate::engine::error::{Error, Position};

/// An export read into memory. Its rows are in the [`RowSink`] it was read into: its own row
/// store ([`Rows`]) unless the caller gave another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table<R = Rows> {
    /// What the file is: name, size, encoding, format, which tool wrote it.
    pub info: FileInfo,
    /// The header names as in the file (byte-order mark and quotes stripped).
    pub headers: Vec<String>,
    /// Which header index holds which field.
    pub columns: ColumnMap,
    /// Every readable data record, in file order, as the sink took them.
    pub rows: R,
    /// Every unreadable record, in file order.
    pub rejects: Vec<Reject>,
    /// Notes about the whole file (letters lost to `?`, a guessed encoding…).
    pub warnings: Vec<Warning>,
}

impl<R: RowSink> Table<R> {
    /// The table with only how many rows it has, and its rows.
    pub fn take_rows(self) -> (Table<RowCount>, R) {
        let Table { info, headers, columns, rows, rejects, warnings } = self;
        let count = RowCount(rows.len());
        (Table { info, headers, columns, rows: count, rejects, warnings }, rows)
    }
}

impl Table {
    /// Hands the header and every row to `sink`, as reading the file into it would.
    pub fn feed(&self, sink: &mut impl RowSink) {
        let header =
            Header { headers: &self.headers, columns: &self.columns, format: self.info.format };
        sink.begin(&header);
        let total = self.rows.len();
        for (i, row) in self.rows.iter().enumerate() {
            sink.push(row, Projection { done: i + 1, total });
        }
    }
}

/// Every readable data record of a file, in file order, stored the way the csv crate's
/// `ByteRecord` stores one record, but for all of them: the unescaped text of every field back to
/// back in one `String`, where each field ends in it (`width` ends a row), and each row's line
/// and record number. A row costs its text and 8 + 4 × `width` bytes, where a `String` a cell
/// cost 24 bytes, an allocation and its rounding per cell.
///
/// Offsets are `u32`: the reader refuses text over 4 GiB ([`ErrorKind::TooLarge`]).
///
/// A run never stores rows: it reads each file straight into its users' columns
/// ([`crate::engine::users`]). The row store is for a table read to be looked at whole.
///
/// [`ErrorKind::TooLarge`]: crate::engine::ErrorKind::TooLarge
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RowsParts")]
pub struct Rows {
    /// Every field's text, row after row.
    #[serde(serialize_with = "serialize_text")]
    text: String,
    /// The end of each field in `text`; row `i`'s are `ends[i * width..(i + 1) * width]`.
    ends: Vec<u32>,
    /// Each row's physical line.
    lines: Vec<u32>,
    /// Each row's data record number.
    records: Vec<u32>,
    /// Fields a row: the number of headers.
    width: usize,
}

/// The largest text a file may decode to: the most that `u32` offsets (the row store's, and
/// each of the users' columns') can index.
pub(crate) const MAX_TEXT: usize = u32::MAX as usize;

impl Rows {
    /// No rows of `width` fields yet.
    pub(crate) fn with_width(width: usize) -> Rows {
        Rows { width, ..Rows::default() }
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Fields a row (the number of headers).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Row `index` (0 = the first data row), if there is one.
    pub fn get(&self, index: usize) -> Option<Row<'_>> {
        let line = *self.lines.get(index)?;
        let first = index * self.width;
        let start = first.checked_sub(1).map_or(0, |last| self.ends[last] as usize);
        Some(Row {
            line: u64::from(line),
            record: u64::from(self.records[index]),
            text: &self.text,
            start,
            ends: &self.ends[first..first + self.width],
        })
    }

    /// The rows in file order.
    pub fn iter(&self) -> RowsIter<'_> {
        RowsIter { rows: self, next: 0 }
    }
}

impl RowSink for Rows {
    fn begin(&mut self, header: &Header<'_>) {
        *self = Rows::with_width(header.headers.len());
    }

    fn push(&mut self, row: Row<'_>, growth: Projection) {
        let text = row.joined();
        growth.reserve_text(&mut self.text, text.len());
        if self.lines.capacity() == self.lines.len() {
            let rows = growth.additional(self.lines.len(), 1);
            self.ends.reserve_exact(rows * self.width);
            self.lines.reserve_exact(rows);
            self.records.reserve_exact(rows);
        }
        let start = row.start as u32;
        let ends = row.ends.iter().map(|&end| end - start);
        let base = self.text.len() as u32;
        self.text.push_str(text);
        self.ends.extend(ends.map(|end| base + end));
        self.lines.push(saturate(row.line));
        self.records.push(saturate(row.record));
    }

    fn len(&self) -> usize {
        Rows::len(self)
    }

    fn clear(&mut self) {
        *self = Rows::default();
    }

    fn ignore(&mut self, _: Field) {}
}

fn serialize_text<S: Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(text)
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl<'t> IntoIterator for &'t Rows {
    type Item = Row<'t>;
    type IntoIter = RowsIter<'t>;

    fn into_iter(self) -> RowsIter<'t> {
        self.iter()
    }
}

/// The rows of a [`Rows`] in file order.
#[derive(Clone, Debug)]
pub struct RowsIter<'t> {
    rows: &'t Rows,
    next: usize,
}

impl<'t> Iterator for RowsIter<'t> {
    type Item = Row<'t>;

    fn next(&mut self) -> Option<Row<'t>> {
        let row = self.rows.get(self.next)?;
        self.next += 1;
        Some(row)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.rows.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for RowsIter<'_> {}

/// [`Rows`] as serialised: checked when read back, so that every row view stays in bounds.
#[derive(Deserialize)]
struct RowsParts {
    text: String,
    ends: Vec<u32>,
    lines: Vec<u32>,
    records: Vec<u32>,
    width: usize,
}

impl TryFrom<RowsParts> for Rows {
    type Error = String;

    fn try_from(p: RowsParts) -> Result<Rows, String> {
        let rows = p.lines.len();
        let mut previous = 0;
        let ends_fit = p.ends.iter().all(|&end| {
            let fits = previous <= end && p.text.is_char_boundary(end as usize);
            previous = end;
            fits
        });
        if p.records.len() != rows || Some(p.ends.len()) != rows.checked_mul(p.width) || !ends_fit {
            return Err("rows: the field ends do not fit the rows and their text".to_string());
        }
        Ok(Rows { text: p.text, ends: p.ends, lines: p.lines, records: p.records, width: p.width })
    }
}

/// Rows whose number of fields is only known at the end (LDIF: every new attribute name is a
/// new column): appended as they come, then padded with empty fields to the final width.
#[derive(Debug, Default)]
pub(crate) struct RaggedRows {
    rows: Rows,
    /// Each row's number of fields.
    counts: Vec<u32>,
}

impl RaggedRows {
    /// Appends a row of any number of fields.
    pub(crate) fn push<'v>(
        &mut self,
        line: u64,
        record: u64,
        fields: impl Iterator<Item = &'v str>,
    ) {
        let rows = &mut self.rows;
        let before = rows.ends.len();
        let text = &mut rows.text;
        for field in fields {
            text.push_str(field);
            rows.ends.push(text.len() as u32);
        }
        self.counts.push((rows.ends.len() - before) as u32);
        rows.lines.push(saturate(line));
        rows.records.push(saturate(record));
    }

    /// The rows, each padded with empty fields to `width` (or to the widest row, were it
    /// wider).
    pub(crate) fn finish(self, width: usize) -> Rows {
        let RaggedRows { rows, counts } = self;
        let width = counts.iter().map(|&c| c as usize).fold(width, usize::max);
        let mut ends = Vec::with_capacity(counts.len() * width);
        let (mut from, mut end) = (0, 0);
        for &count in &counts {
            let own = &rows.ends[from..from + count as usize];
            from += own.len();
            end = own.last().copied().unwrap_or(end);
            ends.extend_from_slice(own);
            ends.extend(std::iter::repeat_n(end, width - own.len()));
        }
        Rows { ends, width, ..rows }
    }
}

/// A record that could not be read, with its text so it can be fixed and fed back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    /// Why, and where (side, file, line and record).
    pub error: Error,
    /// The record's text as in the file, without its final line break.
    pub raw: String,
}

/// What the file is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileInfo {
    /// The file's name, as the caller gave it.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes, lowercase hex: which file it was, for an audit trail. Empty
    /// until the caller fills it in when it was read with `defer_digest`.
    pub sha256: String,
    /// How its bytes were decoded.
    pub encoding: TextEncoding,
    /// CSV (with its delimiter) or LDIF.
    pub format: FileFormat,
    /// Windows PowerShell 5.1's first line `#TYPE …`, without `#TYPE `.
    pub type_line: Option<String>,
    /// Which tool wrote it and which side it is.
    pub detection: Detection,
}

/// What a format reader hands on besides its rows (which went to a [`RowSink`]): the records
/// before columns and sides are looked at.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub headers: Vec<String>,
    pub rejects: Vec<Reject>,
    pub warnings: Vec<Warning>,
}

impl Parsed {
    /// Records a record that could not be read.
    pub(crate) fn reject(
        &mut self,
        kind: crate::engine::error::ErrorKind,
        at: Position,
        raw: &str,
    ) {
        self.rejects.push(Reject { error: Error::new(kind).at(at), raw: raw.to_string() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of any widths through [`RaggedRows`], lines from 2 and records from 1.
    fn ragged(values: &[&[&str]], width: usize) -> Rows {
        let mut rows = RaggedRows::default();
        for (i, v) in values.iter().enumerate() {
            rows.push(i as u64 + 2, i as u64 + 1, v.iter().copied());
        }
        rows.finish(width)
    }

    fn values(rows: &Rows) -> Vec<Vec<&str>> {
        rows.iter().map(|r| r.fields().collect()).collect()
    }

    #[test]
    fn views_read_back_every_field() {
        let mut rows = Rows::with_width(3);
        let none = Projection::default();
        rows.push(Row::new(2, 1, "ab,cdé", &[2, 2, 7]), none);
        rows.push(Row::new(4, 3, "", &[0, 0, 0]), none);
        rows.push(Row::new(5, 4, "x\r\ny\"z", &[4, 5, 6]), none);
        assert_eq!((rows.len(), rows.width(), rows.is_empty()), (3, 3, false));
        assert_eq!(
            values(&rows),
            [vec!["ab", "", ",cdé"], vec!["", "", ""], vec!["x\r\ny", "\"", "z"]]
        );
        let last = rows.get(2).unwrap();
        assert_eq!((last.line, last.record, last.len()), (5, 4, 3));
        assert_eq!(last.position(), Position::line(5, 4));
        assert_eq!(
            (last.field(0), last.field(2), last.field(3)),
            (Some("x\r\ny"), Some("z"), None)
        );
        assert_eq!(last.joined(), "x\r\ny\"z");
        assert!(rows.get(3).is_none());
        assert_eq!(rows.iter().len(), 3);
        assert_eq!((&rows).into_iter().map(|r| r.record).collect::<Vec<_>>(), [1, 3, 4]);
    }

    #[test]
    fn get_reads_a_field_through_the_column_map() {
        let headers = ["UserPrincipalName", "Name"].map(String::from);
        let columns = ColumnMap::detect(&headers);
        let rows = ragged(&[&["ada@x", "Ada"]], 2);
        let row = rows.get(0).unwrap();
        assert_eq!(row.get(&columns, Field::DisplayName), Some("Ada"));
        assert_eq!(row.get(&columns, Field::Mail), None);
    }

    #[test]
    fn ragged_rows_are_padded_with_empty_fields() {
        let rows = ragged(&[&["a"], &[], &["b", "", "c"], &["d", "e"]], 3);
        assert_eq!(
            values(&rows),
            [vec!["a", "", ""], vec!["", "", ""], vec!["b", "", "c"], vec!["d", "e", ""]]
        );
        // A row wider than the width asked for widens every row rather than lose a value.
        assert_eq!(values(&ragged(&[&["a", "b"], &["c"]], 1)), [vec!["a", "b"], vec!["c", ""]]);
        assert!(ragged(&[], 4).is_empty());
    }

    #[test]
    fn serde_round_trip_and_damaged_stores_are_refused() {
        let rows = ragged(&[&["René", ""], &["x", "yz"]], 2);
        let json = serde_json::to_string(&rows).unwrap();
        assert_eq!(serde_json::from_str::<Rows>(&json).unwrap(), rows);
        let damaged = [
            r#"{"text":"ab","ends":[1,3],"lines":[2],"records":[1],"width":2}"#,
            r#"{"text":"ab","ends":[2,1],"lines":[2],"records":[1],"width":2}"#,
            r#"{"text":"é","ends":[1],"lines":[2],"records":[1],"width":1}"#,
            r#"{"text":"ab","ends":[1,2],"lines":[2],"records":[],"width":2}"#,
            r#"{"text":"ab","ends":[1,2],"lines":[2],"records":[1],"width":1}"#,
        ];
        for json in damaged {
            assert!(serde_json::from_str::<Rows>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn buffers_grow_to_about_the_final_size() {
        // 10,000 rows of 40 bytes of text read from 60 bytes of input each.
        let (rows_total, input) = (10_000, 60);
        let mut rows = Rows::with_width(2);
        for i in 0..rows_total {
            let text = format!("{:020}{:020}", i, i);
            let growth = Projection { done: (i + 1) * input, total: rows_total * input };
            rows.push(Row::new(i as u64 + 2, i as u64 + 1, &text, &[20, 40]), growth);
        }
        let (text, ends) = (rows.text.capacity(), rows.ends.capacity());
        assert!((400_000..=400_000 + 400_000 / 16).contains(&text), "{text}");
        assert!((20_000..=20_000 + 20_000 / 16).contains(&ends), "{ends}");
        assert_eq!(rows.get(9_999).unwrap().field(1), Some("00000000000000009999"));
    }
}
