//! The one error type of the core: what went wrong, in which file, and where in it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which of the two exports a file is (or should be).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The on-premises Active Directory export (`Get-ADUser`, csvde, ldifde).
    OnPrem,
    /// The Entra ID export (`Get-MgUser`, `Get-AzureADUser`, `Get-MsolUser`, admin center).
    Cloud,
}

impl Side {
    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::OnPrem => Side::Cloud,
            Side::Cloud => Side::OnPrem,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::OnPrem => "on-prem",
            Side::Cloud => "cloud",
        })
    }
}

/// Where in a file something is. Lines and records count from 1, as an editor shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The physical line the record starts on (a quoted field may span several lines).
    pub line: u64,
    /// The data record's number, not counting the header or a `#TYPE` line.
    pub record: u64,
    /// The column's header name, when the problem is in one field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl Position {
    /// A position at the start of a record.
    pub fn line(line: u64, record: u64) -> Position {
        Position { line, record, column: None }
    }

    /// The same position narrowed to one column.
    pub fn with_column(mut self, column: impl Into<String>) -> Position {
        self.column = Some(column.into());
        self
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        Ok(())
    }
}

/// What went wrong. Every variant's message says what happened and, where it can, what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The file has no bytes, or only a header.
    Empty,
    /// The file is not text (a zip, an xlsx, an image…).
    NotText {
        /// What the bytes look like, e.g. "a ZIP archive (an .xlsx workbook?)".
        looks_like: String,
    },
    /// The file is larger than the caller allows.
    TooLarge {
        /// The file's size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The two files together need more memory than a browser tab can address.
    TooLargeForTab {
        /// The two files' size in bytes.
        input: u64,
        /// The memory auditing them would take, estimated, in bytes.
        estimate: u64,
        /// What a tab can address, in bytes.
        limit: u64,
    },
    /// No header line with known columns could be found.
    NoHeader {
        /// What the first line held instead.
        found: String,
    },
    /// A column the report cannot do without is missing.
    MissingColumn {
        /// The column (or its usual names).
        column: String,
        /// How to export it, as PowerShell to copy.
        fix: String,
    },
    /// A column holds .NET type names (`System.Byte[]`, `System.Object[]`…) instead of values.
    TypeNameInColumn {
        /// The column's header name.
        column: String,
        /// The type name found.
        type_name: String,
        /// How to export it right, as PowerShell to copy.
        fix: String,
    },
    /// Every value of the anchor column is empty (e.g. `Get-MgUser` without `-Property`).
    EmptyAnchorColumn {
        /// The column's header name.
        column: String,
        /// How to export it right, as PowerShell to copy.
        fix: String,
    },
    /// The file looks like the other side's export.
    WrongSide {
        /// The slot the file was given in.
        expected: Side,
        /// What the file looks like.
        found: Side,
        /// Why we think so.
        evidence: String,
    },
    /// The two files were given the wrong way round.
    Swapped,
    /// A record could not be parsed as CSV / LDIF.
    Syntax {
        /// What the parser said.
        message: String,
    },
    /// A record has a different number of fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: u64,
        /// Fields in this record.
        found: u64,
    },
    /// A value that must be a GUID is not one.
    BadGuid {
        /// The value as found.
        value: String,
        /// Why it is not a GUID.
        reason: String,
    },
    /// A value is invalid for another reason.
    BadValue {
        /// The value as found.
        value: String,
        /// Why it is not usable.
        reason: String,
    },
    /// The caller asked for something that cannot be done (an unknown column name…).
    Usage {
        /// What was wrong.
        message: String,
    },
    /// A file given as tenant context is none of the kinds the report reads.
    UnknownContextFile {
        /// What it looks like instead.
        looks_like: String,
    },
    /// An earlier report given to compare with cannot be: not a report of ours, of a newer
    /// version, or of other exports.
    EarlierReport {
        /// What was found, and what was expected.
        problem: String,
    },
    /// A pending-exports file cannot be read: another connector's, truncated, or not
    /// csexport's XML.
    PendingExports {
        /// What was found, and what was expected.
        problem: String,
    },
    /// The caller's progress callback asked to stop.
    Cancelled,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Empty => f.write_str("the file is empty: it holds no users"),
            ErrorKind::NotText { looks_like } => {
                write!(f, "this is not a CSV or LDIF text file: it looks like {looks_like}")
            }
            ErrorKind::TooLarge { size, limit } => write!(
                f,
                "the file is {} MB, over the {} MB this can read",
                size / 1_000_000,
                limit / 1_000_000
            ),
            ErrorKind::TooLargeForTab { input, estimate, limit } => write!(
                f,
                "the two files hold {} MB: auditing them takes about {} MB, over the {} MB a \
                 browser tab can hold",
                input / 1_000_000,
                estimate / 1_000_000,
                limit / 1_000_000
            ),
            ErrorKind::NoHeader { found } => write!(
                f,
                "no header line with known columns (UserPrincipalName, objectGUID, ImmutableId…); \
                 the first line reads `{}`",
                truncate(found, 80)
            ),
            ErrorKind::MissingColumn { column, fix } => {
                write!(f, "the column {column} is missing. Export it with:\n{fix}")
            }
            ErrorKind::TypeNameInColumn { column, type_name, fix } => write!(
                f,
                "the column `{column}` holds `{type_name}` instead of values: PowerShell wrote the \
                 type's name. Export it with:\n{fix}"
            ),
            ErrorKind::EmptyAnchorColumn { column, fix } => write!(
                f,
                "every value in the column `{column}` is empty, so nothing can be matched. \
                 Export it with:\n{fix}"
            ),
            ErrorKind::WrongSide { expected, found, evidence } => write!(
                f,
                "this looks like the {found} export, not the {expected} one ({evidence})"
            ),
            ErrorKind::Swapped => f.write_str(
                "the two files are the wrong way round: the on-prem slot holds the cloud export and \
                 the cloud slot the on-prem one",
            ),
            ErrorKind::Syntax { message } => write!(f, "cannot read this record: {message}"),
            ErrorKind::FieldCount { expected, found } => write!(
                f,
                "this record has {found} fields but the header has {expected} (a stray \
                 delimiter or quote?)"
            ),
            ErrorKind::BadGuid { value, reason } => {
                write!(f, "`{}` is not a GUID: {reason}", truncate(value, 60))
            }
            ErrorKind::BadValue { value, reason } => {
                write!(f, "`{}` cannot be used: {reason}", truncate(value, 60))
            }
            ErrorKind::Usage { message } => f.write_str(message),
            ErrorKind::UnknownContextFile { looks_like } => {
                write!(f, "this is not a tenant context file: it looks like {looks_like}. A context file is any of these:")?;
                for kind in crate::engine::context::ContextKind::ALL {
                    write!(f, "\n- {kind}: {}", kind.command())?;
                }
                Ok(())
            }
            ErrorKind::EarlierReport { problem } => {
                write!(f, "cannot compare with this earlier report: {problem}")
            }
            ErrorKind::PendingExports { problem } => {
                write!(f, "cannot read these pending exports: {problem}")
            }
            ErrorKind::Cancelled => f.write_str("reading was cancelled"),
        }
    }
}

/// An error with where it happened: `on-prem file users.csv, line 13, column `objectGUID`: …`.
///
/// As the `csv` crate's error, it is one pointer wide (the details are boxed), so a `Result` of
/// it costs no more than the value it carries; read the details with [`Error::kind`],
/// [`Error::side`], [`Error::file`] and [`Error::position`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Error(Box<ErrorInner>);

/// An [`Error`]'s details; serialized as the error itself (the worker sends errors as messages).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ErrorInner {
    #[serde(flatten)]
    kind: ErrorKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    side: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<Position>,
}

impl Error {
    /// An error of this kind, not yet placed anywhere.
    pub fn new(kind: ErrorKind) -> Error {
        Error(Box::new(ErrorInner { kind, side: None, file: None, position: None }))
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// What went wrong, without the place.
    pub fn into_kind(self) -> ErrorKind {
        self.0.kind
    }

    /// Which export, when known.
    pub fn side(&self) -> Option<Side> {
        self.0.side
    }

    /// The file's name, when known.
    pub fn file(&self) -> Option<&str> {
        self.0.file.as_deref()
    }

    /// Where in the file, when the problem is in one place.
    pub fn position(&self) -> Option<&Position> {
        self.0.position.as_ref()
    }

    /// Places the error in a file.
    pub fn in_file(mut self, side: Option<Side>, file: impl Into<String>) -> Error {
        self.set_file(side, file.into());
        self
    }

    /// Places the error in a file, in place.
    pub(crate) fn set_file(&mut self, side: Option<Side>, file: String) {
        self.0.side = side;
        self.0.file = Some(file);
    }

    /// Names the file unless the error already does.
    pub(crate) fn in_file_name(mut self, name: &str) -> Error {
        if self.0.file.is_none() && !name.is_empty() {
            self.0.file = Some(name.to_string());
        }
        self
    }

    /// Places the error on `side` unless it already names one.
    pub fn or_side(mut self, side: Option<Side>) -> Error {
        self.0.side = self.0.side.or(side);
        self
    }

    /// Places the error at a position.
    pub fn at(mut self, position: Position) -> Error {
        self.0.position = Some(position);
        self
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ErrorInner { kind, side, file, position } = &*self.0;
        let mut wrote_place = false;
        if let Some(side) = side {
            write!(f, "{side} file")?;
            wrote_place = true;
        }
        if let Some(file) = file {
            if wrote_place {
                f.write_str(" ")?;
            } else {
                f.write_str("file ")?;
            }
            write!(f, "{file}")?;
            wrote_place = true;
        }
        if let Some(position) = position {
            if wrote_place {
                f.write_str(", ")?;
            }
            write!(f, "{position}")?;
            wrote_place = true;
        }
        if wrote_place {
            f.write_str(": ")?;
        }
        write!(f, "{kind}")
    }
}

impl std::error::Error for Error {}

/// Shortens a value for a message, on a character boundary.
pub(crate) fn truncate(value: &str, max_chars: usize) -> String {
    match value.char_indices().nth(max_chars) {
        None => value.to_string(),
        Some((cut, _)) => format!("{}…", &value[..cut]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_column() {
        let error = Error::new(ErrorKind::BadGuid {
            value: "xyz".into(),
            reason: "expected 32 hex digits, found 0".into(),
        })
        .in_file(Some(Side::OnPrem), "users.csv")
        .at(Position::line(13, 12).with_column("objectGUID"));
        assert_eq!(
            error.to_string(),
            "on-prem file users.csv, line 13, column `objectGUID`: `xyz` is not a GUID: \
             expected 32 hex digits, found 0"
        );
    }

    #[test]
    fn serializes_flat_as_the_worker_sends_it() {
        let error = Error::new(ErrorKind::FieldCount { expected: 3, found: 4 })
            .in_file(Some(Side::Cloud), "cloud.csv")
            .at(Position::line(5, 4));
        let json = serde_json::to_string(&error).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"field-count","expected":3,"found":4,"side":"cloud","file":"cloud.csv","position":{"line":5,"record":4}}"#
        );
        assert_eq!(serde_json::from_str::<Error>(&json).unwrap(), error);
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn display_without_place_is_just_the_message() {
        assert_eq!(Error::new(ErrorKind::Swapped).to_string(), ErrorKind::Swapped.to_string());
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("ééé", 2), "éé…");
        assert_eq!(truncate("ab", 2), "ab");
    }
}
