//! Reading an export as PowerShell, csvde, ldifde or the admin center wrote it: bytes in, a
//! [`Table`] of raw string values out, with every unreadable record kept as a [`Reject`] and
//! the file's kind and side told from its `#TYPE` line or its columns.
//!
//! ```
//! use anchor_audit::engine::read::{read_table, Field, ReadOptions, ExportKind};
//! use anchor_audit::engine::Side;
//!
//! let csv = "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n\
//!            \"UserPrincipalName\",\"Name\",\"objectGUID\"\r\n\
//!            \"ada@contoso.com\",\"Lovelace, Ada\",\"35918bc9-196d-40ea-9779-889d79b753f0\"\r\n";
//! let options = ReadOptions { file_name: "onprem.csv".into(), ..ReadOptions::default() };
//! let table = read_table(csv.as_bytes(), &options).unwrap();
//! assert_eq!(table.info.detection.kind, ExportKind::GetAdUser);
//! assert_eq!(table.info.detection.side, Some(Side::OnPrem));
//! let ada = table.rows.get(0).unwrap();
//! assert_eq!(ada.get(&table.columns, Field::DisplayName), Some("Lovelace, Ada"));
//! assert_eq!((ada.line, ada.record), (3, 1));
//! ```

mod checks;
mod columns;
mod csv_table;
mod decode;
mod detection;
mod dialect;
mod ldif;
mod plain;
mod progress;
mod row;
mod sink;
mod table;
mod warning;

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use checks::{AD_EXPORT, GRAPH_EXPORT};
pub use columns::{ColumnMap, Field};
pub use decode::TextEncoding;
pub use detection::{Confidence, Detection, ExportKind};
pub use dialect::{FileFormat, Quoting};
pub use ldif::{looks_like_ldif, BINARY_ATTRIBUTES};
pub use plain::{read_plain_table, PlainTable};
pub use progress::Progress;
pub use row::Row;
pub use sink::{Header, RowCount, RowSink};
pub use table::{FileInfo, Reject, Rows, RowsIter, Table};
pub use warning::{Warning, WarningKind};

use crate::engine::columnar::Projection;
use crate::engine::error::{Error, ErrorKind, Side};
use csv_table::CsvReader;
use decode::{Stop, TextDecoder};
use dialect::HeadScan;
use progress::Ticker;
use sink::Intake;
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
    /// Leave [`FileInfo::sha256`] empty, for the caller to fill in later: the browser worker
    /// hashes the files after the report, off the path to it (SHA-256 in wasm has no SHA-NI).
    #[serde(default)]
    pub defer_digest: bool,
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
    read_bytes_into(bytes, options, progress, Rows::default())
}

/// [`read_table_with_progress`], each row handed to `sink` as it is read (in place of the
/// table's own row store): the table's `rows` are the sink.
pub fn read_bytes_into<S: RowSink>(
    bytes: &[u8],
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress) -> bool,
    sink: S,
) -> Result<Table<S>, Error> {
    // In slices, so that no more of the text than a slice is held decoded beside the bytes.
    let mut read_chunks = |chunks: &mut ChunkSink<'_>| bytes.chunks(SLICE).try_for_each(chunks);
    read_table_into(bytes.len() as u64, &mut read_chunks, options, progress, sink)
}

/// How much of a whole buffer is handed to the reader at a time.
const SLICE: usize = 1 << 20;

/// What a file's bytes are handed to, a chunk at a time and in order; an error stops reading.
pub type ChunkSink<'a> = dyn FnMut(&[u8]) -> Result<(), Error> + 'a;

/// Reads an export of `size` bytes that arrives a chunk at a time, as [`read_table_with_progress`]
/// reads it whole, to the same table: no more of it is held than a chunk, the record being read
/// and the table. `read_chunks` hands every byte of the file, in order, to the sink it is given.
/// It is called a second time, to read the file again from its start, only for a file that is
/// not UTF-8 after accented UTF-8 text (it is then read as Windows-1252). LDIF is held whole.
///
/// ```
/// use anchor_audit::engine::read::{read_table, read_table_from_chunks, ReadOptions};
///
/// let csv = "UserPrincipalName,objectGUID\r\nada@contoso.com,35918bc9-196d-40ea-9779-889d79b753f0\r\n";
/// let options = ReadOptions::default();
/// let chunked = read_table_from_chunks(
///     csv.len() as u64,
///     &mut |sink| csv.as_bytes().chunks(7).try_for_each(|chunk| sink(chunk)),
///     &options,
///     &mut |_| true,
/// );
/// assert_eq!(chunked, read_table(csv.as_bytes(), &options));
/// ```
pub fn read_table_from_chunks(
    size: u64,
    read_chunks: &mut dyn FnMut(&mut ChunkSink<'_>) -> Result<(), Error>,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<Table, Error> {
    read_table_into(size, read_chunks, options, progress, Rows::default())
}

/// [`read_table_from_chunks`], each row handed to `sink` as it is read (in place of the table's
/// own row store): the table's `rows` are the sink.
pub fn read_table_into<S: RowSink>(
    size: u64,
    read_chunks: &mut dyn FnMut(&mut ChunkSink<'_>) -> Result<(), Error>,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress) -> bool,
    sink: S,
) -> Result<Table<S>, Error> {
    let mut reader = TableReader::with_sink(size, options, Box::new(progress), sink)?;
    loop {
        let mut from_start = false;
        let fed = read_chunks(&mut |chunk| match reader.feed(chunk)? {
            Next::Chunk => Ok(()),
            Next::FromStart => {
                from_start = true;
                // Only to stop `read_chunks`: its error is dropped below.
                Err(Error::new(ErrorKind::Cancelled))
            }
        });
        if from_start {
            continue;
        }
        fed?;
        reader = match reader.finish()? {
            Finished::Table(table) => return Ok(*table),
            Finished::FromStart(reader) => *reader,
        };
    }
}

/// An export read from chunks its caller pushes as they arrive, in order: for a caller that is
/// handed the file's bytes (the browser worker awaiting a `Blob`'s stream) where
/// [`read_table_from_chunks`] asks for them. Both give the same table.
///
/// A reader may ask for the file again from its first byte ([`Next::FromStart`], or
/// [`Finished::FromStart`]): once at most, when a file whose start was UTF-8 with accents turns
/// out not to be UTF-8 (it is then read as Windows-1252).
///
/// ```
/// use anchor_audit::engine::read::{read_table, Finished, Next, ReadOptions, TableReader};
///
/// let csv = "UserPrincipalName,objectGUID\r\nada@contoso.com,35918bc9-196d-40ea-9779-889d79b753f0\r\n";
/// let options = ReadOptions::default();
/// let mut reader = TableReader::new(csv.len() as u64, &options, Box::new(|_| true)).unwrap();
/// for chunk in csv.as_bytes().chunks(5) {
///     assert_eq!(reader.feed(chunk).unwrap(), Next::Chunk);
/// }
/// let Finished::Table(table) = reader.finish().unwrap() else { panic!("read again") };
/// assert_eq!(Ok(*table), read_table(csv.as_bytes(), &options));
/// ```
pub struct TableReader<'p, S = Rows> {
    options: ReadOptions,
    /// The file's side: the slot's until the file tells.
    side: Option<Side>,
    stream: TextStream<'p>,
    /// Where the rows go.
    intake: Intake<S>,
}

/// What a [`TableReader`] wants after a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// The next chunk (or [`TableReader::finish`] after the last).
    Chunk,
    /// The file again, from its first byte: stop handing over this pass's chunks.
    FromStart,
}

/// What [`TableReader::finish`] gives.
pub enum Finished<'p, S = Rows> {
    /// The file's table (both variants boxed: a sink of users is a few hundred bytes).
    Table(Box<Table<S>>),
    /// The reader, which wants the file again from its first byte (see [`Next::FromStart`]).
    FromStart(Box<TableReader<'p, S>>),
}

/// What [`TableReader::end`] gives: what the file was read into, or the reader again.
enum Ended<'p, S, T> {
    Read(T),
    FromStart(Box<TableReader<'p, S>>),
}

impl<'p> TableReader<'p> {
    /// A reader for a file of `size` bytes into a table with its own row store; `progress` is
    /// called about every 64 KiB of input and cancels reading when it returns `false`. A file
    /// over `options.max_bytes` is refused here.
    pub fn new(
        size: u64,
        options: &ReadOptions,
        progress: Box<dyn FnMut(Progress) -> bool + 'p>,
    ) -> Result<TableReader<'p>, Error> {
        TableReader::with_sink(size, options, progress, Rows::default())
    }
}

impl<'p, S: RowSink> TableReader<'p, S> {
    /// [`TableReader::new`], each row handed to `sink` as it is read.
    pub fn with_sink(
        size: u64,
        options: &ReadOptions,
        progress: Box<dyn FnMut(Progress) -> bool + 'p>,
        sink: S,
    ) -> Result<TableReader<'p, S>, Error> {
        let reader = TableReader {
            options: options.clone(),
            side: options.side,
            stream: TextStream::new(TextDecoder::new(), size, progress, !options.defer_digest),
            intake: Intake::new(options.columns.clone(), sink),
        };
        if let Some(limit) = options.max_bytes.filter(|&limit| size > limit) {
            return Err(reader.error(ErrorKind::TooLarge { size, limit }.into()));
        }
        Ok(reader)
    }

    /// Reads the next chunk of the file.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Next, Error> {
        match self.stream.feed(chunk, &mut self.intake) {
            Ok(()) => Ok(Next::Chunk),
            Err(Stop::Restart(not_utf8)) => {
                self.stream.restart(TextDecoder::windows_1252(not_utf8));
                self.intake.clear();
                Ok(Next::FromStart)
            }
            Err(Stop::Error(kind)) => Err(self.error(kind.into())),
        }
    }

    /// Reads the end of the file, once every chunk has been fed.
    pub fn finish(self) -> Result<Finished<'p, S>, Error> {
        Ok(match self.end(table_of)? {
            Ended::Read(table) => Finished::Table(Box::new(table)),
            Ended::FromStart(reader) => Finished::FromStart(reader),
        })
    }

    /// Reads the end of the file and makes what it is read into of its text with `make`.
    fn end<T>(
        mut self,
        make: impl FnOnce(StreamedText<S>, &ReadOptions, &mut Option<Side>) -> Result<T, Error>,
    ) -> Result<Ended<'p, S, T>, Error> {
        match self.stream.end(&mut self.intake) {
            Ok(()) => {}
            Err(Stop::Restart(not_utf8)) => {
                self.stream.restart(TextDecoder::windows_1252(not_utf8));
                self.intake.clear();
                return Ok(Ended::FromStart(Box::new(self)));
            }
            Err(Stop::Error(kind)) => return Err(self.error(kind.into())),
        }
        let TableReader { options, mut side, stream, intake } = self;
        let named = |e: Error, side: Option<Side>| e.or_side(side).in_file_name(&options.file_name);
        let text = match stream.into_text(intake) {
            Ok(text) => text,
            Err(Stop::Error(kind)) => return Err(named(kind.into(), side)),
            Err(Stop::Restart(_)) => unreachable!("only decoding restarts, and it has ended"),
        };
        make(text, &options, &mut side).map(Ended::Read).map_err(|e| named(e, side))
    }

    /// An error of this file, with its side and name.
    fn error(&self, e: Error) -> Error {
        e.or_side(self.side).in_file_name(&self.options.file_name)
    }
}

/// Decodes an export's bytes to text without parsing it, and returns the text's length: the
/// decode stage on its own, for `benches/stages.rs`.
#[doc(hidden)]
pub fn bench_decode(bytes: &[u8]) -> usize {
    let (mut decoder, mut text, mut len) = (TextDecoder::new(), String::new(), 0);
    for slice in bytes.chunks(SLICE) {
        if decoder.feed(slice, &mut text).is_err() {
            return 0;
        }
        len += text.len();
        text.clear();
    }
    len + decoder.finish(&mut text).map_or(0, |_| text.len())
}

/// The table of a file's text; `side` is updated as soon as the file tells which it is, so
/// that errors name it.
fn table_of<S: RowSink>(
    text: StreamedText<S>,
    options: &ReadOptions,
    side: &mut Option<Side>,
) -> Result<Table<S>, Error> {
    let StreamedText {
        bytes: size,
        sha256,
        encoding,
        mut warnings,
        format,
        type_line,
        header_line,
        parsed,
        intake,
    } = text;
    let Parsed { headers, mut rejects, warnings: parse_warnings } = parsed;
    let Intake { columns, checks, sink: mut rows, .. } = intake;
    warnings.extend(parse_warnings);

    if headers.is_empty() {
        return Err(ErrorKind::Empty.into());
    }
    let mut columns = columns.unwrap_or_else(|| {
        ColumnMap::detect(&headers).with_overrides(&headers, &options.columns)
    })?;
    if columns.is_empty() {
        return Err(ErrorKind::NoHeader { found: header_line }.into());
    }
    if rows.is_empty() && rejects.is_empty() {
        return Err(ErrorKind::Empty.into());
    }
    let detection =
        detection::detect(type_line.as_deref(), format, &headers, &columns, options.side);
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
    checks.type_names(*side, &headers, &mut columns, &mut warnings, &mut |f| rows.ignore(f))?;
    checks.empty_anchor(*side, &headers, &columns, &options.columns, rows.len())?;
    if encoding == TextEncoding::Ascii {
        warnings.extend(checks.question_marks(&headers));
    }
    for reject in &mut rejects {
        reject.error.set_file(*side, options.file_name.clone());
    }
    let info = FileInfo {
        name: options.file_name.clone(),
        bytes: size,
        sha256,
        encoding,
        format,
        type_line,
        detection,
    };
    Ok(Table { info, headers, columns, rows, rejects, warnings })
}

/// What [`TextStream`] read: the file's text, decoded and parsed.
struct StreamedText<S> {
    bytes: u64,
    sha256: String,
    encoding: TextEncoding,
    warnings: Vec<Warning>,
    format: FileFormat,
    type_line: Option<String>,
    header_line: String,
    parsed: Parsed,
    intake: Intake<S>,
}

/// A file read as its bytes arrive: decoded, held until its first lines tell its format, then
/// read record by record (CSV), or held whole and read at the end (LDIF, small and rare).
struct TextStream<'p> {
    decoder: TextDecoder,
    ticker: Ticker<'p>,
    /// The decoded text not read yet.
    text: String,
    /// How much text came before `text`.
    base: usize,
    /// Input bytes so far.
    bytes: u64,
    /// SHA-256 of the input bytes so far, for the report's record of its inputs; `None` when
    /// the caller hashes the file itself ([`ReadOptions::defer_digest`]).
    digest: Option<Sha256>,
    /// Whether the text has outgrown what `u32` offsets index; it is then only decoded.
    too_large: bool,
    /// Whether a character that is neither white space nor a byte-order mark was seen.
    has_content: bool,
    body: Body,
    /// The encoding and its warnings, once the end has been read.
    ended: Option<(TextEncoding, Vec<Warning>)>,
}

/// What a [`TextStream`] does with its text.
enum Body {
    /// Holds it until there is enough to tell the format.
    Head(HeadScan),
    /// Reads the records.
    Csv(Box<Delimited>),
    /// Holds it all.
    Ldif,
}

/// A CSV file's reader, and what its first lines told.
struct Delimited {
    reader: CsvReader,
    format: FileFormat,
    type_line: Option<String>,
    header_line: String,
    warning: Option<Warning>,
}

impl<'p> TextStream<'p> {
    fn new(
        decoder: TextDecoder,
        size: u64,
        progress: Box<dyn FnMut(Progress) -> bool + 'p>,
        digest: bool,
    ) -> TextStream<'p> {
        TextStream::with_ticker(decoder, Ticker::new(progress, size), digest)
    }

    fn with_ticker(decoder: TextDecoder, ticker: Ticker<'p>, digest: bool) -> TextStream<'p> {
        TextStream {
            decoder,
            ticker,
            text: String::new(),
            base: 0,
            bytes: 0,
            digest: digest.then(Sha256::new),
            too_large: false,
            has_content: false,
            body: Body::Head(HeadScan::default()),
            ended: None,
        }
    }

    /// Forgets everything read, to read the file again from its start with `decoder`.
    fn restart(&mut self, decoder: TextDecoder) {
        let ticker = std::mem::replace(&mut self.ticker, Ticker::new(Box::new(|_| true), 0));
        let digest = self.digest.is_some();
        *self = TextStream::with_ticker(decoder, ticker.restarted(), digest);
    }

    /// Reads the next chunk of the file.
    fn feed<S: RowSink>(&mut self, bytes: &[u8], intake: &mut Intake<S>) -> Result<(), Stop> {
        let before = self.text.len();
        if let Some(digest) = &mut self.digest {
            digest.update(bytes);
        }
        self.decoder.feed(bytes, &mut self.text)?;
        self.bytes += bytes.len() as u64;
        self.read(bytes.len(), before, false, intake)
    }

    /// Reads the end of the file: [`TextStream::into_text`] then hands over what was read.
    fn end<S: RowSink>(&mut self, intake: &mut Intake<S>) -> Result<(), Stop> {
        let before = self.text.len();
        let (encoding, warnings) = self.decoder.finish(&mut self.text)?;
        self.ended = Some((encoding, warnings));
        self.read(0, before, true, intake)
    }

    /// What was read, once [`TextStream::end`] has read the end.
    fn into_text<S: RowSink>(mut self, mut intake: Intake<S>) -> Result<StreamedText<S>, Stop> {
        let Some((encoding, mut warnings)) = self.ended.take() else {
            unreachable!("the text is handed over once its end is read")
        };
        if self.too_large {
            let limit = table::MAX_TEXT as u64;
            return Err(ErrorKind::TooLarge { size: self.bytes, limit }.into());
        }
        if !self.has_content {
            return Err(ErrorKind::Empty.into());
        }
        let ticker = &mut self.ticker;
        let (format, type_line, header_line, parsed) = match self.body {
            Body::Head(_) => unreachable!("the text's end starts its body"),
            Body::Ldif => {
                let (parsed, rows) = ldif::read_ldif(&self.text, ticker)?;
                // The rows come whole at the end (see `read_ldif`), and go on to the intake.
                intake.header(&parsed.headers, FileFormat::Ldif);
                let total = rows.len();
                for (i, row) in rows.iter().enumerate() {
                    intake.row(row, Projection { done: i + 1, total });
                }
                (FileFormat::Ldif, None, String::new(), parsed)
            }
            Body::Csv(csv) => {
                let Delimited { reader, format, type_line, header_line, warning } = *csv;
                warnings.extend(warning);
                (format, type_line, header_line, reader.finish(ticker)?)
            }
        };
        Ok(StreamedText {
            bytes: self.bytes,
            sha256: self.digest.map_or_else(String::new, |d| format!("{:x}", d.finalize())),
            encoding,
            warnings,
            format,
            type_line,
            header_line,
            parsed,
            intake,
        })
    }

    /// Reads the text decoded from `bytes` more input, from `before` in the held text on.
    fn read<S: RowSink>(
        &mut self,
        bytes: usize,
        before: usize,
        end: bool,
        intake: &mut Intake<S>,
    ) -> Result<(), Stop> {
        self.ticker.fed(bytes, self.text.len() - before);
        // In u64: on wasm32 the sum could overflow the usize it is checked against.
        if self.too_large || self.base as u64 + self.text.len() as u64 > table::MAX_TEXT as u64 {
            self.too_large = true;
            self.text = String::new();
            return Ok(());
        }
        if !self.has_content {
            let blank = |c: char| c.is_whitespace() || c == '\u{FEFF}';
            self.has_content = !self.text[before..].chars().all(blank);
        }
        if let Body::Head(head) = &mut self.body {
            if !end && !head.is_enough(&self.text) {
                return Ok(());
            }
            self.body = self.start_body();
        }
        if let Body::Csv(csv) = &mut self.body {
            let done = csv.reader.read(&self.text, self.base, end, &mut self.ticker, intake)?;
            self.text.drain(..done);
            self.base += done;
        }
        Ok(())
    }

    /// Tells the format from the text held, and for CSV the `#TYPE` line, the delimiter (from
    /// Excel's `sep=` line where there is one) and the quoting; those lines are then done with.
    fn start_body(&mut self) -> Body {
        if ldif::looks_like_ldif(&self.text) {
            return Body::Ldif;
        }
        let (type_line, rest, type_lines) = dialect::split_type_line(&self.text);
        let (separator, rest, sep_lines) = dialect::split_sep_line(rest);
        let line_offset = type_lines + sep_lines;
        let mut lines = rest.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        let header_line = lines.clone().find(|l| !l.trim().is_empty()).unwrap_or("");
        let delimiter = separator.unwrap_or_else(|| dialect::detect_delimiter(header_line));
        let sample = lines.by_ref().filter(|l| !l.trim().is_empty()).take(2);
        let quoted = dialect::detect_quoting(sample, delimiter);
        let warning = (delimiter != b',').then(|| Warning {
            kind: WarningKind::Delimiter,
            message: format!(
                "the columns are separated by {}s, not commas (Export-Csv -UseCulture or \
                 -Delimiter, or an Excel re-save)",
                dialect::delimiter_name(delimiter)
            ),
            position: None,
        });
        let header_line = header_line.to_string();
        let type_length = self.text.len() - rest.len();
        self.text.drain(..type_length);
        self.base += type_length;
        Body::Csv(Box::new(Delimited {
            reader: CsvReader::new(delimiter, quoted, line_offset),
            format: FileFormat::Csv { delimiter, quoted },
            type_line,
            header_line,
            warning,
        }))
    }
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
        assert_eq!(*err.kind(), ErrorKind::TooLarge { size: 4, limit: 3 });
    }

    /// Excel's `sep=;` first line names the delimiter and is not a header; the lines after it
    /// keep their numbers. Fed whole or a byte at a time, and after Windows PowerShell's
    /// `#TYPE` line too.
    #[test]
    fn excel_sep_line_names_the_delimiter() {
        let body = "UserPrincipalName;SamAccountName;objectGUID\r\n\
                    a@x.com;a;35918bc9-196d-40ea-9779-889d79b753f0\r\n\
                    \"b;c@x.com\";b;fcc7e67f-fec6-4a65-b821-2f40a292d185\r\n";
        for (text, header_line) in [
            (format!("sep=;\r\n{body}"), 2),
            (format!("\u{FEFF}SEP=;\n{body}"), 2),
            (
                format!(
                    "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\nsep=;\r\n{body}"
                ),
                3,
            ),
        ] {
            let whole = read_table(text.as_bytes(), &options(Some(Side::OnPrem))).unwrap();
            let chunked = read_table_from_chunks(
                text.len() as u64,
                &mut |sink| text.as_bytes().chunks(1).try_for_each(&mut *sink),
                &options(Some(Side::OnPrem)),
                &mut |_| true,
            )
            .unwrap();
            assert_eq!(whole, chunked, "{text:?}");
            assert_eq!(whole.headers, ["UserPrincipalName", "SamAccountName", "objectGUID"]);
            assert!(matches!(whole.info.format, FileFormat::Csv { delimiter: b';', .. }));
            let rows: Vec<(u64, Vec<&str>)> =
                whole.rows.iter().map(|r| (r.line, r.fields().collect())).collect();
            assert_eq!(rows[0].0, header_line + 1, "{text:?}");
            assert_eq!(rows[1].1[0], "b;c@x.com");
            assert!(whole.rejects.is_empty());
        }
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
        assert!(matches!(err.kind(), ErrorKind::Usage { .. }));
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
        assert_eq!(*err.kind(), ErrorKind::Cancelled);
    }

    #[test]
    fn every_record_rejected_fails_with_the_first() {
        let csv = b"UserPrincipalName,objectGUID\r\na@x\r\nb@x\r\n";
        let err = read_table(csv, &options(Some(Side::OnPrem))).unwrap_err();
        assert_eq!(err.position(), Some(&crate::engine::error::Position::line(2, 1)));
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

    /// `bytes` handed over in chunks of `sizes` (taken in turn), as a streaming source would.
    fn read_in_chunks(
        bytes: &[u8],
        sizes: &[usize],
        options: &ReadOptions,
    ) -> Result<Table, Error> {
        read_table_from_chunks(
            bytes.len() as u64,
            &mut |sink| {
                let (mut rest, mut sizes) = (bytes, sizes.iter().cycle());
                while !rest.is_empty() {
                    let size = sizes.next().map_or(rest.len(), |&s| s.clamp(1, rest.len()));
                    sink(&rest[..size])?;
                    rest = &rest[size..];
                }
                Ok(())
            },
            options,
            &mut |_| true,
        )
    }

    /// Every fixture: CSV from each PowerShell, csvde, Excel, LDIF, broken and binary files.
    fn fixtures() -> Vec<(String, Vec<u8>)> {
        fn walk(dir: &std::path::Path, found: &mut Vec<(String, Vec<u8>)>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
            entries.sort_by_key(|e| e.path());
            for entry in entries {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else {
                    found.push((path.display().to_string(), std::fs::read(&path).unwrap()));
                }
            }
        }
        let mut found = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"), &mut found);
        found
    }

    fn each_side() -> [ReadOptions; 3] {
        [None, Some(Side::OnPrem), Some(Side::Cloud)].map(|side| ReadOptions {
            file_name: "f.csv".into(),
            side,
            ..ReadOptions::default()
        })
    }

    #[test]
    fn fixtures_read_the_same_in_chunks_of_any_size() {
        let fixtures = fixtures();
        assert!(fixtures.len() > 20, "{}", fixtures.len());
        for (name, bytes) in &fixtures {
            for options in &each_side() {
                let whole = read_table(bytes, options);
                for sizes in [&[1][..], &[2], &[3], &[7], &[4095, 1, 2], &[4096], &[65_536]] {
                    let chunked = read_in_chunks(bytes, sizes, options);
                    assert!(chunked == whole, "{name} in chunks of {sizes:?}");
                }
            }
        }
    }

    #[test]
    fn utf8_accents_then_a_windows_1252_byte_read_the_file_again() {
        let bytes = "UserPrincipalName,Name,objectGUID\r\nr@x,René,g\r\ns@x,S\u{F8}ren,g\r\n"
            .replace('\u{F8}', "\u{0}")
            .into_bytes()
            .into_iter()
            .map(|b| if b == 0 { 0xF8 } else { b })
            .collect::<Vec<u8>>();
        let mut reads = 0;
        let options = &each_side()[1];
        let table = read_table_from_chunks(
            bytes.len() as u64,
            &mut |sink| {
                reads += 1;
                bytes.chunks(5).try_for_each(sink)
            },
            options,
            &mut |_| true,
        )
        .unwrap();
        assert_eq!(reads, 2);
        assert_eq!(table.info.encoding, TextEncoding::Windows1252);
        assert_eq!(table.rows.get(0).unwrap().field(1), Some("RenÃ©"));
        assert_eq!(table.rows.get(1).unwrap().field(1), Some("Søren"));
        assert_eq!(Ok(table), read_table(&bytes, options));
    }

    #[test]
    fn a_pushed_file_is_asked_for_again_from_its_start_and_read_as_windows_1252() {
        // Accented UTF-8, then a Windows-1252 `ø` in the last chunk fed, or in the last bytes
        // (a lead byte with nothing after it), which only the end tells.
        let utf8 = "UserPrincipalName,Name,objectGUID\r\nr@x,René,g\r\n".as_bytes();
        for tail in [&b"s@x,S\xF8ren,g\r\n"[..], &b"s@x,S\xF8"[..]] {
            let bytes = [utf8, tail].concat();
            let options = &each_side()[1];
            let mut reader =
                TableReader::new(bytes.len() as u64, options, Box::new(|_| true)).unwrap();
            let mut passes = 1;
            let table = 'read: loop {
                let mut again = false;
                for chunk in bytes.chunks(utf8.len()) {
                    if reader.feed(chunk).unwrap() == Next::FromStart {
                        again = true;
                        break;
                    }
                }
                if !again {
                    reader = match reader.finish().unwrap() {
                        Finished::Table(table) => break 'read *table,
                        Finished::FromStart(reader) => *reader,
                    };
                }
                passes += 1;
                assert!(passes <= 2, "asked for the file a third time");
            };
            assert_eq!(passes, 2, "{tail:?}");
            assert_eq!(table.info.encoding, TextEncoding::Windows1252);
            assert_eq!(table.rows.get(0).unwrap().field(1), Some("RenÃ©"));
            assert_eq!(Ok(table), read_table(&bytes, options));
        }
    }

    /// Bytes that try the decoder: byte-order marks, NULs, UTF-8 split anywhere, bytes that are
    /// not UTF-8, UTF-16 text, quotes and line breaks.
    fn tricky_bytes() -> impl Strategy<Value = Vec<u8>> {
        let prefix = prop_oneof![
            Just(Vec::new()),
            Just(b"\xEF\xBB\xBF".to_vec()),
            Just(b"\xFF\xFE".to_vec()),
            Just(b"\xFE\xFF".to_vec()),
            Just(b"#TYPE x\r\n".to_vec()),
            Just(b"UserPrincipalName,objectGUID,ImmutableId\n".to_vec()),
            Just(b"dn: CN=x\n".to_vec()),
        ];
        let byte = prop_oneof![
            4 => proptest::sample::select(b"a,;\t\"\r\n =:#".to_vec()),
            1 => proptest::sample::select(vec![0x00, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0xE9, 0xFF]),
        ];
        let body = proptest::collection::vec(byte, 0..400);
        let utf16 = "[a,\r\n\"é€😀]{0,100}"
            .prop_map(|t| t.encode_utf16().flat_map(u16::to_le_bytes).collect());
        (prefix, prop_oneof![body, utf16]).prop_map(|(p, b)| [p, b].concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_bytes_read_the_same_in_chunks(
            bytes in tricky_bytes(),
            sizes in proptest::collection::vec(prop_oneof![1..4usize, 1..64usize, 4090..4100usize], 1..4),
        ) {
            for options in &each_side() {
                prop_assert_eq!(read_in_chunks(&bytes, &sizes, options), read_table(&bytes, options));
            }
        }

        #[test]
        fn fixtures_read_the_same_in_random_chunks(
            index in any::<proptest::sample::Index>(),
            sizes in proptest::collection::vec(1..9000usize, 1..6),
        ) {
            let fixtures = fixtures();
            let (name, bytes) = &fixtures[index.index(fixtures.len())];
            for options in &each_side() {
                let chunked = read_in_chunks(bytes, &sizes, options);
                prop_assert!(chunked == read_table(bytes, options), "{}", name);
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
