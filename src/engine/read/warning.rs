//! The notes a reader makes about a file as a whole: readable, but worth the admin's look.

use serde::{Deserialize, Serialize};

use crate::engine::error::Position;

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
