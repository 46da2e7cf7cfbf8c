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
//! let ada = table.rows.get(0).unwrap();
//! assert_eq!(ada.get(&table.columns, Field::DisplayName), Some("Lovelace, Ada"));
//! assert_eq!((ada.line, ada.record), (3, 1));
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
mod transfer;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use checks::{AD_EXPORT, GRAPH_EXPORT};
pub use columns::{ColumnMap, Field};
pub use decode::TextEncoding;
pub use dialect::{FileFormat, Quoting};
pub use progress::Progress;
pub use source::{Confidence, Detection, Source};
pub use table::{FileInfo, Reject, Row, Rows, RowsIter, Table, Warning, WarningKind};
pub use transfer::TableParts;

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
    read(bytes, options, progress, &mut side)
        .map_err(|e| Error { side: e.side.or(side), ..e }.in_file_name(&options.file_name))
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

/// Decodes an export's bytes to text without parsing it, and returns the text's length: the
/// decode stage on its own, for `benches/stages.rs`.
#[doc(hidden)]
pub fn bench_decode(bytes: &[u8]) -> usize {
    decode::decode(bytes).map_or(0, |decoded| decoded.text.len())
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
    let text: &str = &decoded.text;
    if text.len() > table::MAX_TEXT {
        return Err(ErrorKind::TooLarge { size, limit: table::MAX_TEXT as u64 }.into());
    }
    if text.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}').is_empty() {
        return Err(ErrorKind::Empty.into());
    }
    let mut ticker = Ticker::new(progress, size, text.len());
    let mut warnings = decoded.warnings;
    let (format, type_line, header_line, parsed) = if ldif::looks_like_ldif(text) {
        (FileFormat::Ldif, None, String::new(), ldif::read_ldif(text, &mut ticker)?)
    } else {
        read_delimited(text, &mut ticker, &mut warnings)?
    };
    let Parsed { headers, rows, mut rejects, warnings: parse_warnings } = parsed;
    warnings.extend(parse_warnings);

    if headers.is_empty() {
        return Err(ErrorKind::Empty.into());
    }
    let mut columns = ColumnMap::detect(&headers).with_overrides(&headers, &options.columns)?;
    if columns.is_empty() {
        return Err(ErrorKind::NoHeader { found: header_line }.into());
    }
    if rows.is_empty() && rejects.is_empty() {
        return Err(ErrorKind::Empty.into());
    }
    let detection = source::detect(type_line.as_deref(), format, &headers, &columns, options.side);
    if let (Some(expected), Some(found)) = (options.side, detection.side) {
        if expected != found && detection.confidence > Confidence::Unsure {
            let evidence = detection.evidence.clone();
            return Err(ErrorKind::WrongSide { expected, found, evidence }.into());
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
    Ok(Table { info, headers, columns, rows, rejects, warnings })
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
    Ok((FileFormat::Csv { delimiter, quoted }, type_line, header_line.to_string(), parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(side: Option<Side>) -> ReadOptions {
        ReadOptions { file_name: "users.csv".into(), side, ..ReadOptions::default() }
    }

    #[test]
    fn whole_file_errors_name_the_file() {
        let cases: &[(&[u8], Option<Side>, &str)] = &[
            (b"", Some(Side::Cloud), "cloud file users.csv: the file is empty"),
            (b"\r\n\r\n", None, "file users.csv: the file is empty"),
            (b"#TYPE Microsoft.Online.Administration.User\r\n", None, "file users.csv: the file is empty"),
            (b"\xEF\xBB\xBFName\r\nA\x00\r\n", None, "file users.csv: this is not a CSV or LDIF text file"),
            (b"\xEF\xBB\xBF\"UserPrincipalName\",\"ImmutableId\"\r\n", None, "file users.csv: the file is empty"),
            (b"hello world\r\nsecond line\r\n", None, "file users.csv: no header line with known columns"),
            (b"%PDF-1.4", None, "file users.csv: this is not a CSV or LDIF text file: it looks like a PDF"),
            (
                b"UserPrincipalName,Name\r\na@x,A\r\n",
                Some(Side::OnPrem),
                "on-prem file users.csv: the column `objectGUID` is missing",
            ),
            (
                b"UserPrincipalName,DirSyncEnabled\r\na@x,True\r\n",
                Some(Side::Cloud),
                "cloud file users.csv: the column `ImmutableId` (Graph: `OnPremisesImmutableId`) is missing",
            ),
            (
                b"UserPrincipalName,objectGUID\r\na@x,g,extra\r\n",
                Some(Side::OnPrem),
                "on-prem file users.csv, line 2: this record has 3 fields",
            ),
        ];
        for &(bytes, side, expected) in cases {
            let err = read_table(bytes, &options(side)).unwrap_err();
            assert!(err.to_string().starts_with(expected), "{expected}\n{err}");
        }
    }

    #[test]
    fn too_large() {
        let options = ReadOptions { max_bytes: Some(3), ..options(None) };
        let err = read_table(b"abcd", &options).unwrap_err();
        assert_eq!(err.kind, ErrorKind::TooLarge { size: 4, limit: 3 });
    }

    #[test]
    fn overrides() {
        let csv = b"UPN,Anchor\r\na@x,yYuRNW0Z6kCXeYidebdT8A==\r\n";
        let mut options = options(Some(Side::Cloud));
        options.columns.insert(Field::ImmutableId, "anchor".into());
        let table = read_table(csv, &options).unwrap();
        assert_eq!(
            table.rows.get(0).unwrap().get(&table.columns, Field::ImmutableId),
            Some("yYuRNW0Z6kCXeYidebdT8A==")
        );
        assert_eq!(table.columns.header_of(Field::ImmutableId, &table.headers), Some("Anchor"));
        assert_eq!(table.warnings[0].kind, WarningKind::SideAssumed);
        options.columns.insert(Field::Mail, "EmailAddress".into());
        let err = read_table(csv, &options).unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Usage { .. }));
        assert!(err.to_string().contains("the columns are: `UPN`, `Anchor`"), "{err}");
    }

    #[test]
    fn progress_is_reported_and_can_cancel() {
        let mut csv = String::from("UserPrincipalName,ImmutableId,DirSyncEnabled\r\n");
        for i in 0..10_000 {
            csv.push_str(&format!("user{i}@contoso.com,yYuRNW0Z6kCXeYidebdT8A==,True\r\n"));
        }
        let mut seen = Vec::new();
        let table = read_table_with_progress(csv.as_bytes(), &options(None), &mut |p| {
            seen.push(p);
            true
        })
        .unwrap();
        assert_eq!(table.rows.len(), 10_000);
        assert!(seen.len() >= 7, "{}", seen.len());
        let last = seen.last().unwrap();
        assert_eq!(
            (last.bytes_done, last.bytes_total, last.records),
            (csv.len() as u64, csv.len() as u64, 10_000)
        );
        let err =
            read_table_with_progress(csv.as_bytes(), &options(None), &mut |_| false).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Cancelled);
    }

    #[test]
    fn every_record_rejected_fails_with_the_first() {
        let csv = b"UserPrincipalName,objectGUID\r\na@x\r\nb@x\r\n";
        let err = read_table(csv, &options(Some(Side::OnPrem))).unwrap_err();
        assert_eq!(err.position, Some(crate::engine::error::Position::line(2, 1)));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// Values with the characters that break naive CSV readers.
    fn value() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 ,;\t\"\r\néøÆ'?=+/@.-]{0,12}"
    }

    /// A record whose UPN and objectGUID are not empty, so that it is a user and not blank.
    fn record() -> impl Strategy<Value = Vec<String>> {
        ("[a-z0-9é]{1,8}@x", value(), "[a-zA-Z0-9+/=\"]{1,24}", value())
            .prop_map(|(upn, name, guid, iid)| vec![upn, name, guid, iid])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn every_record_comes_back_once(
            records in proptest::collection::vec(record(), 1..20),
            delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
            quote_all in any::<bool>(),
            crlf in any::<bool>(),
        ) {
            let style = if quote_all { csv::QuoteStyle::Always } else { csv::QuoteStyle::Necessary };
            let terminator = if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') };
            let mut writer = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .quote_style(style)
                .terminator(terminator)
                .from_writer(Vec::new());
            writer.write_record(["UserPrincipalName", "Name", "objectGUID", "ImmutableID"]).unwrap();
            let mut starts = Vec::new();
            for record in &records {
                writer.flush().unwrap();
                let before = writer.get_ref();
                starts.push(before.iter().filter(|&&b| b == b'\n').count() as u64 + 1);
                writer.write_record(record).unwrap();
            }
            let bytes = writer.into_inner().unwrap();
            let table = read_table(&bytes, &ReadOptions { side: Some(Side::OnPrem), ..ReadOptions::default() })
                .unwrap();
            prop_assert_eq!(table.rejects.len(), 0);
            prop_assert_eq!(table.rows.len(), records.len());
            for ((row, record), line) in table.rows.iter().zip(&records).zip(&starts) {
                prop_assert_eq!(row.fields().collect::<Vec<_>>(), record.clone());
                prop_assert_eq!(row.line, *line);
            }
            prop_assert_eq!(table.info.format, FileFormat::Csv {
                delimiter,
                quoted: if quote_all { Quoting::All } else { table_quoting(&table) },
            });
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = read_table(&bytes, &ReadOptions::default());
            let _ = read_table(&bytes, &ReadOptions { side: Some(Side::Cloud), ..ReadOptions::default() });
        }

        #[test]
        fn arbitrary_text_never_panics(text in "[a-zA-Z:, ;\t\"\r\n#=é-]{0,300}") {
            for prefix in ["", "UserPrincipalName,objectGUID,ImmutableId\n", "dn: CN=x\n", "#TYPE x\n"] {
                let input = format!("{prefix}{text}");
                if let Ok(table) = read_table(input.as_bytes(), &ReadOptions::default()) {
                    prop_assert!(table.rows.iter().all(|r| r.len() == table.headers.len()));
                }
            }
        }
    }

    /// The quoting as-needed output gets depends on the values: whatever was detected.
    fn table_quoting(table: &Table) -> Quoting {
        match table.info.format {
            FileFormat::Csv { quoted, .. } => quoted,
            FileFormat::Ldif => Quoting::None,
        }
    }
}
