//! Delimited text to rows: every record read with `csv-core` (the csv crate's parser),
//! unescaped and handed to the reader's row sink, or kept as a reject with its line and text.

use csv_core::ReadRecordResult;

use super::decode;
use super::dialect::{FileFormat, Quoting};
use super::progress::Ticker;
use super::row::Row;
use super::sink::{Intake, RowSink};
use super::table::Parsed;
use super::warning::{Warning, WarningKind};
use crate::engine::columnar::Projection;
use crate::engine::error::{ErrorKind, Position};

/// A CSV reader fed text as it is decoded: each record is read with csv-core as soon as its end
/// has arrived, so that only the record being read is ever held as text.
pub(crate) struct CsvReader {
    reader: csv_core::Reader,
    format: FileFormat,
    parsed: Parsed,
    record: Record,
    /// The record's field ends as a [`Row`] holds them.
    row_ends: Vec<u32>,
    /// Lines before the text (the `#TYPE` line).
    line_offset: u64,
    have_header: bool,
    records: u64,
    /// The first blank record's line and how many there are.
    blank: Option<(u64, u64)>,
    /// The reader's line count where the record being read starts.
    line_before: u64,
    /// How far into the held text the reader has read.
    pos: usize,
    /// A record read up to the end of the text so far: whether it ends the file decides how an
    /// unclosed quote in it is told, so it waits for more text or the end.
    waiting: bool,
}

impl CsvReader {
    pub(crate) fn new(delimiter: u8, quoted: Quoting, line_offset: u64) -> CsvReader {
        // The csv crate's defaults: `"` quotes (doubled inside), `\r`, `\n` or `\r\n` ends a
        // record, blank lines are skipped, a leading UTF-8 byte-order mark is dropped.
        let reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        CsvReader {
            line_before: reader.line(),
            reader,
            format: FileFormat::Csv { delimiter, quoted },
            parsed: Parsed::default(),
            record: Record::default(),
            row_ends: Vec::new(),
            line_offset,
            have_header: false,
            records: 0,
            blank: None,
            pos: 0,
            waiting: false,
        }
    }

    /// Reads every record whose end is in `text`: the text held since the end of the last record
    /// read, which starts `base` bytes into the file's text. Returns how much of it is done with
    /// (the caller drops it before the next call); `end` when no more text follows.
    pub(crate) fn read<S: RowSink>(
        &mut self,
        text: &str,
        base: usize,
        end_of_text: bool,
        ticker: &mut Ticker<'_>,
        intake: &mut Intake<S>,
    ) -> Result<usize, ErrorKind> {
        let mut start = 0;
        loop {
            if !self.waiting {
                match self.record.read(
                    &mut self.reader,
                    text.as_bytes(),
                    &mut self.pos,
                    end_of_text,
                ) {
                    Step::Record => {}
                    Step::NeedInput | Step::End => break,
                }
            }
            let end = self.pos;
            self.waiting = end == text.len() && !end_of_text;
            if self.waiting {
                break;
            }
            self.take(text, start, end == text.len(), ticker, base, intake)?;
            self.record.clear();
            self.line_before = self.reader.line();
            start = end;
        }
        self.pos -= start;
        Ok(start)
    }

    /// Files the record just read from `text[start..self.pos]` as the header, a row or a reject.
    fn take<S: RowSink>(
        &mut self,
        text: &str,
        start: usize,
        ends_text: bool,
        ticker: &mut Ticker<'_>,
        base: usize,
        intake: &mut Intake<S>,
    ) -> Result<(), ErrorKind> {
        let (end, record, parsed) = (self.pos, &self.record, &mut self.parsed);
        let (offset, raw) = record_text(text, start, end);
        // csv-core counts every `\n` it has read: the line the record starts on is one more per
        // line break between the previous record and this one.
        let breaks = text.as_bytes()[start..offset].iter().filter(|&&b| b == b'\n').count();
        let line = self.line_before + breaks as u64 + self.line_offset;
        // The fields are the text's with ASCII quotes and delimiters taken out: still UTF-8,
        // checked here once for the whole record.
        let Some(values) = decode::utf8(record.text()) else {
            self.records += 1;
            let message = "this record is not valid text".to_string();
            parsed.reject(ErrorKind::Syntax { message }, Position::line(line, self.records), raw);
            return Ok(());
        };
        // Every field is blank when all their text is.
        let blank_record = values.chars().all(char::is_whitespace);
        if !self.have_header {
            if !blank_record {
                parsed.headers = header_names(record.fields(values).map(str::to_string).collect());
                intake.header(&parsed.headers, self.format);
                self.have_header = true;
            }
            return Ok(());
        }
        if blank_record {
            let (first, count) = self.blank.unwrap_or((line, 0));
            self.blank = Some((first, count + 1));
            return Ok(());
        }
        self.records += 1;
        let position = Position::line(line, self.records);
        if ends_text && raw.contains('\n') && raw.matches('"').count() % 2 == 1 {
            let message = "a quote opened in this record is never closed, so the rest of the \
                           file was read into it"
                .to_string();
            parsed.reject(ErrorKind::Syntax { message }, position, raw);
        } else if record.ends().len() != parsed.headers.len() {
            let kind = ErrorKind::FieldCount {
                expected: parsed.headers.len() as u64,
                found: record.ends().len() as u64,
            };
            parsed.reject(kind, position, raw);
        } else {
            let done = ticker.bytes_at(base + end) as usize;
            let growth = Projection { done, total: ticker.bytes_total() as usize };
            self.row_ends.clear();
            // Within one record, which is within the text the reader refuses past 4 GiB.
            self.row_ends.extend(record.ends().iter().map(|&end| end as u32));
            intake.row(Row::new(line, self.records, values, &self.row_ends), growth);
        }
        ticker.at(base + end, self.records)
    }

    /// The records read, once the text has ended.
    pub(crate) fn finish(mut self, ticker: &mut Ticker<'_>) -> Result<Parsed, ErrorKind> {
        let parsed = &mut self.parsed;
        if let Some((line, count)) = self.blank {
            parsed.warnings.push(Warning {
                kind: WarningKind::BlankRecords,
                message: format!(
                    "{count} record(s) with every field empty were skipped, the first at line {line}"
                ),
                position: Some(Position::line(line, 0)),
            });
        }
        duplicate_header_warnings(&parsed.headers, &mut parsed.warnings);
        ticker.finish(self.records)?;
        Ok(self.parsed)
    }
}

/// What [`Record::read`] got to.
enum Step {
    /// A whole record.
    Record,
    /// The end of the text so far, within a record or before one.
    NeedInput,
    /// The end of the file.
    End,
}

/// One record as csv-core unescapes it: its fields' text back to back and where each ends; the
/// buffers are reused from record to record.
struct Record {
    out: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
    fields: usize,
}

impl Default for Record {
    fn default() -> Record {
        Record { out: vec![0; 1024], ends: vec![0; 32], len: 0, fields: 0 }
    }
}

impl Record {
    /// Reads on from `input[*pos..]`, moving `pos` past what was read. The loop is the csv
    /// crate's `read_byte_record`; csv-core takes empty input for the end of the file, so it
    /// only gets some when `end_of_text`.
    fn read(
        &mut self,
        reader: &mut csv_core::Reader,
        input: &[u8],
        pos: &mut usize,
        end_of_text: bool,
    ) -> Step {
        loop {
            if *pos == input.len() && !end_of_text {
                return Step::NeedInput;
            }
            let (result, read, written, ended) = reader.read_record(
                &input[*pos..],
                &mut self.out[self.len..],
                &mut self.ends[self.fields..],
            );
            *pos += read;
            self.len += written;
            self.fields += ended;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => self.out.resize(self.out.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => return Step::Record,
                ReadRecordResult::End => return Step::End,
            }
        }
    }

    /// Empties the record for the next one.
    fn clear(&mut self) {
        (self.len, self.fields) = (0, 0);
    }

    /// Every field's text, back to back.
    fn text(&self) -> &[u8] {
        &self.out[..self.len]
    }

    /// Where each field ends in [`Record::text`].
    fn ends(&self) -> &[usize] {
        &self.ends[..self.fields]
    }

    /// The fields, given the record's text as `values`.
    fn fields<'v>(&'v self, values: &'v str) -> impl Iterator<Item = &'v str> {
        let mut start = 0;
        self.ends().iter().map(move |&end| {
            let field = &values[start..end];
            start = end;
            field
        })
    }
}

/// The text of the record between two reader offsets: the reader leaves the previous record's
/// line break (and any blank lines) before it, which are not part of it.
fn record_text(text: &str, start: usize, end: usize) -> (usize, &str) {
    let slice = text.get(start..end.max(start)).unwrap_or("");
    let trimmed = slice.trim_start_matches(['\r', '\n']);
    let offset = start + (slice.len() - trimmed.len());
    (offset, trimmed.trim_end_matches(['\r', '\n']))
}

/// Header names as written, less a stray byte-order mark (a BOM saved twice, or after `#TYPE`).
fn header_names(mut fields: Vec<String>) -> Vec<String> {
    if let Some(first) = fields.first_mut() {
        if let Some(rest) = first.strip_prefix('\u{FEFF}') {
            *first = rest.to_string();
        }
    }
    fields
}

fn duplicate_header_warnings(headers: &[String], warnings: &mut Vec<Warning>) {
    for (i, header) in headers.iter().enumerate() {
        let earlier = headers[..i].iter().any(|h| h.trim().eq_ignore_ascii_case(header.trim()));
        if earlier && !header.trim().is_empty() {
            warnings.push(Warning {
                kind: WarningKind::DuplicateHeader,
                message: format!(
                    "the header `{header}` appears more than once; the first such column is used"
                ),
                position: None,
            });
        }
    }
}

/// What [`read_csv`] read: what the reader hands on, and the rows.
#[cfg(test)]
struct ReadCsv {
    headers: Vec<String>,
    rows: super::Rows,
    rejects: Vec<super::Reject>,
    warnings: Vec<Warning>,
}

/// Reads the whole of `text` at once into a row store.
#[cfg(test)]
fn read_csv(text: &str, delimiter: u8) -> ReadCsv {
    let mut keep_going = |_: super::progress::Progress| true;
    let mut ticker = Ticker::new(Box::new(&mut keep_going), text.len() as u64);
    ticker.fed(text.len(), text.len());
    let mut reader = CsvReader::new(delimiter, Quoting::All, 0);
    let mut intake = Intake::new(Default::default(), super::Rows::default());
    reader.read(text, 0, true, &mut ticker, &mut intake).unwrap();
    let Parsed { headers, rejects, warnings } = reader.finish(&mut ticker).unwrap();
    ReadCsv { headers, rows: intake.sink, rejects, warnings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, delimiter: u8) -> ReadCsv {
        read_csv(text, delimiter)
    }

    #[test]
    fn quoted_commas_quotes_and_newlines() {
        let text = "\"Name\",\"UPN\"\r\n\"Smith, John\",\"js@x\"\r\n\"Patrick \"\"Paddy\"\" O'Brien\",\"po@x\"\r\n\"two\r\nlines\",\"tl@x\"\r\n\"René\",\"rd@x\"\r\n\r\n\r\n";
        let parsed = read(text, b',');
        assert_eq!(parsed.headers, vec!["Name", "UPN"]);
        let got: Vec<(u64, u64, &str)> =
            parsed.rows.iter().map(|r| (r.line, r.record, r.field(0).unwrap())).collect();
        assert_eq!(
            got,
            vec![
                (2, 1, "Smith, John"),
                (3, 2, "Patrick \"Paddy\" O'Brien"),
                (4, 3, "two\r\nlines"),
                (6, 4, "René"),
            ]
        );
        assert!(parsed.rejects.is_empty());
        assert!(parsed.warnings.is_empty());
    }

    #[test]
    fn empty_fields_multi_line_fields_and_a_last_record_without_line_break() {
        type Case<'a> = (&'a str, &'a [&'a str], &'a [(u64, &'a [&'a str])]);
        let cases: &[Case] = &[
            (
                "a,b,c\n1,,\n,2,\n,,3",
                &["a", "b", "c"],
                &[(2, &["1", "", ""]), (3, &["", "2", ""]), (4, &["", "", "3"])],
            ),
            (
                "\u{FEFF}a;b\r\n\"multi\r\nline\";\"\"\r\n\r\n\"\"\"\";\"é\"",
                &["a", "b"],
                &[(2, &["multi\r\nline", ""]), (5, &["\"", "é"])],
            ),
            ("\n\n\"a\"\n\n\"\"\n\"x\"\n", &["a"], &[(6, &["x"])]),
        ];
        for &(text, headers, expected) in cases {
            let delimiter = if text.contains(';') { b';' } else { b',' };
            let parsed = read(text, delimiter);
            assert_eq!(parsed.headers, headers, "{text:?}");
            let got: Vec<(u64, Vec<&str>)> =
                parsed.rows.iter().map(|r| (r.line, r.fields().collect())).collect();
            let expected: Vec<(u64, Vec<&str>)> =
                expected.iter().map(|(line, values)| (*line, values.to_vec())).collect();
            assert_eq!(got, expected, "{text:?}");
            assert!(parsed.rejects.is_empty(), "{text:?}");
        }
    }

    #[test]
    fn wrong_field_count_is_rejected_with_line_and_text() {
        let text = "a,b,c\n1,2,3\n\n4,5\n6,7,8,9\n10,11,12\n";
        let parsed = read(text, b',');
        assert_eq!(parsed.rows.len(), 2);
        let rejects: Vec<(Option<u64>, &str, &ErrorKind)> = parsed
            .rejects
            .iter()
            .map(|r| (r.error.position().map(|p| p.line), r.raw.as_str(), r.error.kind()))
            .collect();
        assert_eq!(
            rejects,
            vec![
                (Some(4), "4,5", &ErrorKind::FieldCount { expected: 3, found: 2 }),
                (Some(5), "6,7,8,9", &ErrorKind::FieldCount { expected: 3, found: 4 }),
            ]
        );
        assert_eq!(parsed.rows.get(1).map(|r| (r.line, r.record)), Some((6, 4)));
    }

    #[test]
    fn unclosed_quote_at_the_end_is_rejected() {
        let text = "a,b\n1,2\n\"3,4\n5,6\n";
        let parsed = read(text, b',');
        assert_eq!(parsed.rows.len(), 1);
        assert!(matches!(parsed.rejects[0].error.kind(), ErrorKind::Syntax { .. }));
        assert_eq!(parsed.rejects[0].raw, "\"3,4\n5,6");
    }

    #[test]
    fn blank_records_are_skipped_with_a_warning() {
        let text = "a;b\n1;2\n;\n \n3;4\n";
        let parsed = read(text, b';');
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows.get(1).map(|r| r.line), Some(5));
        assert_eq!(parsed.warnings[0].kind, WarningKind::BlankRecords);
        assert_eq!(parsed.warnings[0].position, Some(Position::line(3, 0)));
    }

    #[test]
    fn duplicate_headers_are_noted() {
        let parsed = read("\u{FEFF}Name,name\n1,2\n", b',');
        assert_eq!(parsed.headers, vec!["Name", "name"]);
        assert_eq!(parsed.warnings[0].kind, WarningKind::DuplicateHeader);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// A record as the tests compare them: line, record number, and the values or the raw text.
    type Seen = (u64, u64, Result<Vec<String>, String>);

    /// Headers, records and blank records (first line, count) as a reader sees them.
    type Read = (Vec<String>, Vec<Seen>, Option<(u64, u64)>);

    /// The reader as it was before the row store, with the csv crate's `ByteRecord` and a line
    /// count from the start of the text: what the store must give back, record for record.
    fn before(text: &str, delimiter: u8) -> Read {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let (mut headers, mut seen, mut blank) = (None::<Vec<String>>, Vec::new(), None);
        let mut record = csv::ByteRecord::new();
        let mut records = 0;
        loop {
            let start = reader.position().byte() as usize;
            if !reader.read_byte_record(&mut record).unwrap() {
                break;
            }
            let end = reader.position().byte() as usize;
            let (offset, raw) = record_text(text, start, end);
            let line = text[..offset].matches('\n').count() as u64 + 1;
            let values: Vec<String> =
                record.iter().map(|f| String::from_utf8(f.to_vec()).unwrap()).collect();
            let is_blank = values.iter().all(|v| v.trim().is_empty());
            let Some(headers) = &headers else {
                if !is_blank {
                    headers = Some(header_names(values));
                }
                continue;
            };
            if is_blank {
                let (first, count) = blank.unwrap_or((line, 0));
                blank = Some((first, count + 1));
                continue;
            }
            records += 1;
            let unclosed =
                end >= text.len() && raw.contains('\n') && raw.matches('"').count() % 2 == 1;
            let row = if unclosed || values.len() != headers.len() {
                Err(raw.to_string())
            } else {
                Ok(values)
            };
            seen.push((line, records, row));
        }
        (headers.unwrap_or_default(), seen, blank)
    }

    fn now(text: &str, delimiter: u8) -> Read {
        let parsed = read_csv(text, delimiter);
        let rows = parsed
            .rows
            .iter()
            .map(|r| (r.line, r.record, Ok(r.fields().map(str::to_string).collect::<Vec<_>>())));
        let rejects = parsed.rejects.iter().map(|r| {
            let at = r.error.position().unwrap();
            (at.line, at.record, Err(r.raw.clone()))
        });
        let mut seen: Vec<Seen> = rows.chain(rejects).collect();
        seen.sort_by_key(|s| s.1);
        let blank = parsed.warnings.iter().find(|w| w.kind == WarningKind::BlankRecords).map(|w| {
            let count = w.message.split(' ').next().unwrap().parse().unwrap();
            (w.position.as_ref().unwrap().line, count)
        });
        (parsed.headers, seen, blank)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Quotes, line breaks of every kind, blank lines, byte-order marks and accents: the
        /// store gives back the same headers, values, rejects, lines and records as before.
        #[test]
        fn the_store_reads_as_the_csv_crate_did(
            text in "(\u{FEFF})?[a\",;\t\r\n é]{0,80}",
            delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
        ) {
            prop_assert_eq!(now(&text, delimiter), before(&text, delimiter));
        }
    }
}
