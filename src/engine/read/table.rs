//! What reading a file gives: the headers, the rows, the records that could not be read and the
//! notes about the file as a whole.

use serde::{Deserialize, Serialize};

use super::columns::{ColumnMap, Field};
use super::decode::TextEncoding;
use super::dialect::FileFormat;
use super::source::Detection;
use crate::engine::error::{Error, Position};

/// An export read into memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// What the file is: name, size, encoding, format, which tool wrote it.
    pub info: FileInfo,
    /// The header names as in the file (byte-order mark and quotes stripped).
    pub headers: Vec<String>,
    /// Which header index holds which field.
    pub columns: ColumnMap,
    /// Every readable data record, in file order.
    pub rows: Vec<Row>,
    /// Every unreadable record, in file order.
    pub rejects: Vec<Reject>,
    /// Notes about the whole file (letters lost to `?`, a guessed encoding…).
    pub warnings: Vec<Warning>,
}

/// One data record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The physical 1-based line the record starts on.
    pub line: u64,
    /// The data record's number, from 1 (rejected records count too).
    pub record: u64,
    /// The values exactly as in the file, one per header.
    pub fields: Vec<String>,
}

impl Row {
    /// The value of `field`: `None` if the file has no such column, `Some("")` if it is empty.
    pub fn get(&self, columns: &ColumnMap, field: Field) -> Option<&str> {
        columns
            .get(field)
            .map(|i| self.fields.get(i).map_or("", String::as_str))
    }

    /// Where this row is, for an error about it.
    pub fn position(&self) -> Position {
        Position::line(self.line, self.record)
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

/// What a [`Warning`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// Non-ASCII letters were written as `?` (Windows PowerShell 5.1's ASCII default).
    QuestionMarks,
    /// The file was not UTF-8 and was read as Windows-1252.
    NotUtf8,
    /// Some bytes were invalid in the file's encoding and were replaced.
    ReplacedCharacters,
    /// The delimiter is not a comma (`-UseCulture`, `-Delimiter`, an Excel re-save).
    Delimiter,
    /// A column holds .NET type names and was ignored.
    ColumnIgnored,
    /// Records whose every field is empty were skipped.
    BlankRecords,
    /// Two headers carry the same name; the first is used.
    DuplicateHeader,
    /// Which export this is could not be told from the file; the caller's slot was trusted.
    SideAssumed,
}

/// A note about the file as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// What it is about.
    pub kind: WarningKind,
    /// What was noticed and what to do, in a sentence or two.
    pub message: String,
    /// Where, when it is one place.
    pub position: Option<Position>,
}

/// What the file is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileInfo {
    /// The file's name, as the caller gave it.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// How its bytes were decoded.
    pub encoding: TextEncoding,
    /// CSV (with its delimiter) or LDIF.
    pub format: FileFormat,
    /// Windows PowerShell 5.1's first line `#TYPE …`, without `#TYPE `.
    pub type_line: Option<String>,
    /// Which tool wrote it and which side it is.
    pub detection: Detection,
}

/// What a format reader hands on: the records before columns and sides are looked at.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
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
        self.rejects.push(Reject {
            error: Error::new(kind).at(at),
            raw: raw.to_string(),
        });
    }
}
