//! A [`Table`] as a few flat buffers, so that one browser worker can hand the table it read to
//! another by transferring the buffers (no copy, no JSON of the text): the rows' text and their
//! `u32` columns as they are, everything else (small) as JSON.

use serde::{Deserialize, Serialize};

use super::columns::ColumnMap;
use super::table::{FileInfo, Reject, Rows, Table, Warning};
use crate::engine::error::{Error, ErrorKind};

/// A table taken apart by [`Table::into_parts`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableParts {
    /// Everything but the rows' buffers, as JSON: the file's info, headers, columns, unreadable
    /// records, warnings and the rows' width.
    pub meta: Vec<u8>,
    /// Every field's text, row after row (UTF-8).
    pub text: Vec<u8>,
    /// Where each field ends in `text`.
    pub ends: Vec<u32>,
    /// Each row's physical line.
    pub lines: Vec<u32>,
    /// Each row's data record number.
    pub records: Vec<u32>,
}

/// [`TableParts::meta`].
#[derive(Serialize, Deserialize)]
struct Meta {
    info: FileInfo,
    headers: Vec<String>,
    columns: ColumnMap,
    rejects: Vec<Reject>,
    warnings: Vec<Warning>,
    width: usize,
}

impl Table {
    /// The table as flat buffers, to move to another worker.
    pub fn into_parts(self) -> TableParts {
        let Table { info, headers, columns, rows, rejects, warnings } = self;
        let (text, ends, lines, records, width) = rows.into_raw();
        let meta = Meta { info, headers, columns, rejects, warnings, width };
        TableParts {
            // Plain data with string keys: serialising it cannot fail.
            meta: serde_json::to_vec(&meta).unwrap_or_default(),
            text: text.into_bytes(),
            ends,
            lines,
            records,
        }
    }

    /// The table back from [`Table::into_parts`], refused unless every row view stays in
    /// bounds: the text must be UTF-8 and every field end on a character boundary, in order,
    /// `width` a row.
    pub fn from_parts(parts: TableParts) -> Result<Table, Error> {
        let damaged = |why: String| {
            Error::new(ErrorKind::Usage {
                message: format!("the table handed over by the other worker is damaged: {why}"),
            })
        };
        let TableParts { meta, text, ends, lines, records } = parts;
        let meta: Meta = serde_json::from_slice(&meta).map_err(|e| damaged(e.to_string()))?;
        let text = String::from_utf8(text).map_err(|e| damaged(e.to_string()))?;
        let rows = Rows::from_raw(text, ends, lines, records, meta.width).map_err(damaged)?;
        let Meta { info, headers, columns, rejects, warnings, .. } = meta;
        Ok(Table { info, headers, columns, rows, rejects, warnings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::error::Side;
    use crate::engine::read::{read_table, ReadOptions};

    fn fixture(name: &str, side: Side) -> Table {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let options =
            ReadOptions { file_name: name.into(), side: Some(side), ..Default::default() };
        read_table(&bytes, &options).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn every_kind_of_table_comes_back_the_same() {
        let tables = [
            ("onprem-ps51-utf16le.csv", Side::OnPrem),
            ("onprem-ldifde.ldf", Side::OnPrem),
            ("onprem-excel-1252.csv", Side::OnPrem),
            ("cloud-mguser.csv", Side::Cloud),
            ("cloud-msol.csv", Side::Cloud),
            ("broken-fieldcount.csv", Side::OnPrem),
        ];
        for (name, side) in tables {
            let table = fixture(name, side);
            let back = Table::from_parts(table.clone().into_parts()).unwrap();
            assert_eq!(back, table, "{name}");
        }
        let table = fixture("broken-fieldcount.csv", Side::OnPrem);
        assert!(!table.rejects.is_empty(), "the unreadable records travel too");
    }

    #[test]
    fn damaged_parts_are_refused() {
        let good = fixture("cloud-mguser.csv", Side::Cloud).into_parts();
        type Damage = fn(&mut TableParts);
        let damage: [(&str, Damage); 7] = [
            ("meta", |p| p.meta.truncate(p.meta.len() / 2)),
            ("not UTF-8", |p| p.text[0] = 0xFF),
            ("an end past the text", |p| *p.ends.last_mut().unwrap() += 1),
            ("ends out of order", |p| p.ends.swap(0, 1)),
            ("a row too few", |p| {
                p.lines.pop();
            }),
            ("a record too few", |p| {
                p.records.pop();
            }),
            ("a field too few", |p| {
                p.ends.pop();
            }),
        ];
        assert!(Table::from_parts(good.clone()).is_ok());
        for (what, damage) in damage {
            let mut parts = good.clone();
            damage(&mut parts);
            let error = Table::from_parts(parts).unwrap_err();
            assert!(error.to_string().contains("is damaged"), "{what}: {error}");
        }
        // An end inside a character.
        let mut rows = Rows::with_width(1);
        rows.push(2, 1, "é", &[2]);
        let table = Table { rows, ..fixture("cloud-mguser.csv", Side::Cloud) };
        let mut parts = table.into_parts();
        parts.ends[0] = 1;
        assert!(Table::from_parts(parts).is_err());
    }
}
