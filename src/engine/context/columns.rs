//! Finding a context file's columns among the names admins give them, and reading its values.

use crate::engine::error::{Error, ErrorKind, Position};
use crate::engine::read::{PlainTable, Reject, Row};

/// A header name compared as admins vary it: case, spaces, `_` and `-` ignored
/// ("Role Name", "role_name" and "RoleName" are one).
pub(super) fn comparable(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A column of a context file: its index and its header as written (for messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Column {
    pub(super) index: usize,
    pub(super) header: String,
}

/// The first of `names` (in order of preference) the table has a column of.
pub(super) fn find(headers: &[String], names: &[&str]) -> Option<Column> {
    let comparable: Vec<String> = headers.iter().map(|h| comparable(h)).collect();
    names.iter().find_map(|name| {
        let wanted = self::comparable(name);
        let index = comparable.iter().position(|h| *h == wanted)?;
        Some(Column { index, header: headers[index].clone() })
    })
}

/// Whether the table has a column of any of `names`.
pub(super) fn has(headers: &[String], names: &[&str]) -> bool {
    find(headers, names).is_some()
}

impl Column {
    /// The row's value in this column, trimmed; `""` where the row is short.
    pub(super) fn value<'t>(&self, row: &Row<'t>) -> &'t str {
        row.field(self.index).unwrap_or("").trim()
    }

    /// The position of this column's value in `row`, for an error about it.
    pub(super) fn at(&self, row: &Row<'_>) -> Position {
        Position { column: Some(self.header.clone()), ..row.position() }
    }

    /// `True` or `False` as PowerShell writes them (any case), or the row's reject.
    pub(super) fn boolean(&self, row: &Row<'_>, file: &str) -> Result<bool, Reject> {
        match self.value(row) {
            v if v.eq_ignore_ascii_case("true") => Ok(true),
            v if v.eq_ignore_ascii_case("false") => Ok(false),
            v => Err(self.reject(row, file, v, "expected True or False")),
        }
    }

    /// A reject of `row` for its `value` in this column.
    pub(super) fn reject(&self, row: &Row<'_>, file: &str, value: &str, reason: &str) -> Reject {
        let kind = ErrorKind::BadValue { value: value.to_string(), reason: reason.to_string() };
        reject_at(row, file, self.at(row), kind)
    }
}

/// A reject of `row` for `kind`, at `position`.
pub(super) fn reject_at(row: &Row<'_>, file: &str, position: Position, kind: ErrorKind) -> Reject {
    Reject {
        error: Error::new(kind).at(position).in_file(None, file),
        raw: row.fields().collect::<Vec<_>>().join(","),
    }
}

/// The table's rows, each made into a value by `read` or rejected, after the records the reader
/// could not parse: every record of the file is in one list or the other.
pub(super) fn read_rows<T>(
    table: PlainTable,
    mut read: impl FnMut(&Row<'_>, &str) -> Result<T, Reject>,
) -> (Vec<T>, Vec<Reject>) {
    let PlainTable { name, rows, mut rejects, .. } = table;
    let mut values = Vec::with_capacity(rows.len());
    for row in rows.iter() {
        match read(&row, &name) {
            Ok(value) => values.push(value),
            Err(reject) => rejects.push(reject),
        }
    }
    rejects.sort_by_key(|r| r.error.position().map(|p| p.record));
    (values, rejects)
}
