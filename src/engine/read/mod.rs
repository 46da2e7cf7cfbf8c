//! Reading an export as PowerShell, csvde, ldifde or the admin center wrote it: bytes in, a
//! [`Table`] of raw string values out, with every unreadable record kept as a [`Reject`] and
//! the file's source and side told from its `#TYPE` line or its columns.
//!
//! ```
//! use anchor_audit::engine::read::{read_table, Field, ReadOptions, Source};
//! use anchor_audit::engine::Side;
//!
//! let csv = "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n\
//!            \"UserPrincipalName\",\"Name\",\"objectGUID\"\r\n\
//!            \"ada@contoso.com\",\"Lovelace, Ada\",\"35918bc9-196d-40ea-9779-889d79b753f0\"\r\n";
//! let options = ReadOptions { file_name: "onprem.csv".into(), ..ReadOptions::default() };
//! let table = read_table(csv.as_bytes(), &options).unwrap();
//! assert_eq!(table.info.detection.source, Source::GetAdUser);
//! assert_eq!(table.info.detection.side, Some(Side::OnPrem));
//! assert_eq!(table.rows[0].get(&table.columns, Field::DisplayName), Some("Lovelace, Ada"));
//! assert_eq!(table.rows[0].line, 3);
//! ```

// `Error` is large (a kind with PowerShell text, a file name, a position), but the reader
// returns one at most once per file, so boxing it would only make every caller unwrap a Box.
#![allow(clippy::result_large_err)]

mod checks;
mod columns;
mod csv_table;
mod decode;
mod dialect;
mod ldif;
mod progress;
mod source;
mod table;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use checks::{AD_EXPORT, GRAPH_EXPORT};
pub use columns::{ColumnMap, Field};
pub use decode::TextEncoding;
pub use dialect::{FileFormat, Quoting};
pub use progress::Progress;
pub use source::{Confidence, Detection, Source};
pub use table::{FileInfo, Reject, Row, Table, Warning, WarningKind};

use crate::engine::error::{Error, ErrorKind, Side};
use progress::Ticker;
use table::Parsed;

/// How to read a file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOptions {
    /// The file's name, for messages.
    pub file_name: String,
    /// The slot the caller gave the file in; `None` to detect it.
    pub side: Option<Side>,
    /// The caller's column choices: field → header name (case-insensitive). They win over the
    /// detected columns.
    pub columns: BTreeMap<Field, String>,
    /// Files larger than this many bytes are refused with [`ErrorKind::TooLarge`].
    pub max_bytes: Option<u64>,
}

/// Reads an export's bytes into a table.
pub fn read_table(bytes: &[u8], options: &ReadOptions) -> Result<Table, Error> {
    read_table_with_progress(bytes, options, &mut |_| true)
}

/// Reads an export's bytes into a table, calling `progress` about every 64 KiB of input. When
/// `progress` returns `false`, reading stops with [`ErrorKind::Cancelled`].
pub fn read_table_with_progress(
    bytes: &[u8],
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<Table, Error> {
    let mut side = options.side;
    read(bytes, options, progress, &mut side).map_err(|e| {
        Error {
            side: e.side.or(side),
            ..e
        }
        .in_file_name(&options.file_name)
    })
}

impl Error {
    /// Names the file unless the error already does.
    fn in_file_name(mut self, name: &str) -> Error {
        if self.file.is_none() && !name.is_empty() {
            self.file = Some(name.to_string());
        }
        self
    }
}

/// The reading itself; `side` is updated as soon as the file tells which it is, so that errors
/// name it.
fn read(
    bytes: &[u8],
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress) -> bool,
    side: &mut Option<Side>,
) -> Result<Table, Error> {
    let size = bytes.len() as u64;
    if let Some(limit) = options.max_bytes.filter(|&limit| size > limit) {
        return Err(ErrorKind::TooLarge { size, limit }.into());
    }
    let decoded = decode::decode(bytes)?;
    let text = decoded.text.as_str();
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
        .is_empty()
    {
        return Err(ErrorKind::Empty.into());
    }
    let mut ticker = Ticker::new(progress, size, text.len());
    let mut warnings = decoded.warnings;
    let (format, type_line, header_line, parsed) = if ldif::looks_like_ldif(text) {
        (
            FileFormat::Ldif,
            None,
            String::new(),
            ldif::read_ldif(text, &mut ticker)?,
        )
    } else {
        read_delimited(text, &mut ticker, &mut warnings)?
    };
    let Parsed {
        headers,
        rows,
        mut rejects,
        warnings: parse_warnings,
    } = parsed;
    warnings.extend(parse_warnings);

    let mut columns = ColumnMap::detect(&headers).with_overrides(&headers, &options.columns)?;
    if columns.is_empty() {
        return Err(ErrorKind::NoHeader { found: header_line }.into());
    }
    if rows.is_empty() && rejects.is_empty() {
        return Err(ErrorKind::Empty.into());
    }
    let detection = source::detect(
        type_line.as_deref(),
        format,
        &headers,
        &columns,
        options.side,
    );
    if let (Some(expected), Some(found)) = (options.side, detection.side) {
        if expected != found && detection.confidence > Confidence::Unsure {
            let evidence = detection.evidence.clone();
            return Err(ErrorKind::WrongSide {
                expected,
                found,
                evidence,
            }
            .into());
        }
    }
    *side = detection.side;
    if detection.confidence == Confidence::Unsure {
        if let Some(assumed) = detection.side {
            warnings.push(Warning {
                kind: WarningKind::SideAssumed,
                message: format!(
                    "nothing in the file tells which export it is ({}); it is read as the \
                     {assumed} export because it was given as that one",
                    detection.evidence
                ),
                position: None,
            });
        }
    }
    checks::required_columns(*side, &columns, &options.columns)?;
    if rows.is_empty() {
        if let Some(first) = rejects.first() {
            return Err(first.error.clone());
        }
    }
    checks::type_names(*side, &headers, &mut columns, &rows, &mut warnings)?;
    checks::empty_anchor(*side, &headers, &columns, &options.columns, &rows)?;
    if decoded.encoding == TextEncoding::Ascii {
        warnings.extend(checks::question_marks(&headers, &rows));
    }
    for reject in &mut rejects {
        reject.error.side = *side;
        reject.error.file = Some(options.file_name.clone());
    }
    let info = FileInfo {
        name: options.file_name.clone(),
        bytes: size,
        encoding: decoded.encoding,
        format,
        type_line,
        detection,
    };
    Ok(Table {
        info,
        headers,
        columns,
        rows,
        rejects,
        warnings,
    })
}

/// Reads a CSV export: the `#TYPE` line, the delimiter and quoting, then the records.
fn read_delimited(
    text: &str,
    ticker: &mut Ticker<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<(FileFormat, Option<String>, String, Parsed), ErrorKind> {
    let (type_line, rest, line_offset) = dialect::split_type_line(text);
    let mut lines = rest.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let header_line = lines.clone().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = dialect::detect_delimiter(header_line);
    let sample = lines.by_ref().filter(|l| !l.trim().is_empty()).take(2);
    let quoted = dialect::detect_quoting(sample, delimiter);
    if delimiter != b',' {
        warnings.push(Warning {
            kind: WarningKind::Delimiter,
            message: format!(
                "the columns are separated by {}s, not commas (Export-Csv -UseCulture or \
                 -Delimiter, or an Excel re-save)",
                dialect::delimiter_name(delimiter)
            ),
            position: None,
        });
    }
    let parsed = csv_table::read_csv(rest, line_offset, delimiter, ticker)?;
    Ok((
        FileFormat::Csv { delimiter, quoted },
        type_line,
        header_line.to_string(),
        parsed,
    ))
}
