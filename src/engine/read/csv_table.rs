//! Delimited text to rows: every record read with `csv-core` (the csv crate's parser) and
//! unescaped into the table's row store, or kept as a reject with its line and text.

use csv_core::ReadRecordResult;

use super::decode;
use super::progress::Ticker;
use super::table::{Parsed, Rows, Warning, WarningKind};
use crate::engine::error::{ErrorKind, Position};

/// Reads CSV `text` (after any `#TYPE` line, which `line_offset` counts).
pub(crate) fn read_csv(
    text: &str,
    line_offset: u64,
    delimiter: u8,
    ticker: &mut Ticker<'_>,
) -> Result<Parsed, ErrorKind> {
    // The csv crate's defaults: `"` quotes (doubled inside), `\r`, `\n` or `\r\n` ends a record,
    // blank lines are skipped, a leading UTF-8 byte-order mark is dropped.
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut parsed = Parsed::default();
    let mut record = Record::default();
    let mut have_header = false;
    let mut records = 0u64;
    let mut blank: Option<(u64, u64)> = None;
    let mut end = 0;
    loop {
        let start = end;
        // csv-core counts every `\n` it has read: the line the record starts on is one more per
        // line break between the previous record and this one.
        let line_before = reader.line();
        if !record.read(&mut reader, text.as_bytes(), &mut end) {
            break;
        }
        let (offset, raw) = record_text(text, start, end);
        let breaks = text.as_bytes()[start..offset].iter().filter(|&&b| b == b'\n').count();
        let line = line_before + breaks as u64 + line_offset;
        // The fields are the text's with ASCII quotes and delimiters taken out: still UTF-8,
        // checked here once for the whole record.
        let Some(values) = decode::utf8(record.text()) else {
            records += 1;
            let message = "this record is not valid text".to_string();
            parsed.reject(ErrorKind::Syntax { message }, Position::line(line, records), raw);
            continue;
        };
        // Every field is blank when all their text is.
        let blank_record = values.chars().all(char::is_whitespace);
        if !have_header {
            if blank_record {
                continue;
            }
            parsed.headers = header_names(record.fields(values).map(str::to_string).collect());
            parsed.rows = Rows::with_width(parsed.headers.len());
            have_header = true;
            continue;
        }
        if blank_record {
            let (first, count) = blank.unwrap_or((line, 0));
            blank = Some((first, count + 1));
            continue;
        }
        records += 1;
        let position = Position::line(line, records);
        if end >= text.len() && raw.contains('\n') && raw.matches('"').count() % 2 == 1 {
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
            parsed.rows.reserve(values.len(), end, text.len());
            parsed.rows.push(line, records, values, record.ends());
        }
        ticker.at(end, records)?;
    }
    if let Some((line, count)) = blank {
        parsed.warnings.push(Warning {
            kind: WarningKind::BlankRecords,
            message: format!(
                "{count} record(s) with every field empty were skipped, the first at line {line}"
            ),
            position: Some(Position::line(line, 0)),
        });
    }
    duplicate_header_warnings(&parsed.headers, &mut parsed.warnings);
    ticker.finish(records)?;
    Ok(parsed)
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
    /// Reads the record at `input[*pos..]`, moving `pos` past it; `false` at the end of the
    /// input. The loop is the csv crate's `read_byte_record`, over the whole input at once.
    fn read(&mut self, reader: &mut csv_core::Reader, input: &[u8], pos: &mut usize) -> bool {
        let (mut len, mut fields) = (0, 0);
        loop {
            let (result, read, written, ended) =
                reader.read_record(&input[*pos..], &mut self.out[len..], &mut self.ends[fields..]);
            *pos += read;
            len += written;
            fields += ended;
            match result {
                // The rest of the input is in the record: the next call, with none, ends it.
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => self.out.resize(self.out.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => {
                    (self.len, self.fields) = (len, fields);
                    return true;
                }
                ReadRecordResult::End => return false,
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::read::progress::Progress;

    fn read(text: &str, delimiter: u8) -> Parsed {
        let mut keep_going = |_: Progress| true;
        let mut ticker = Ticker::new(&mut keep_going, text.len() as u64, text.len());
        read_csv(text, 0, delimiter, &mut ticker).unwrap()
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
            .map(|r| (r.error.position.as_ref().map(|p| p.line), r.raw.as_str(), &r.error.kind))
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
        assert!(matches!(parsed.rejects[0].error.kind, ErrorKind::Syntax { .. }));
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
    use crate::engine::read::progress::Progress;
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
        let mut keep_going = |_: Progress| true;
        let mut ticker = Ticker::new(&mut keep_going, text.len() as u64, text.len());
        let parsed = read_csv(text, 0, delimiter, &mut ticker).unwrap();
        let rows = parsed
            .rows
            .iter()
            .map(|r| (r.line, r.record, Ok(r.fields().map(str::to_string).collect::<Vec<_>>())));
        let rejects = parsed.rejects.iter().map(|r| {
            let at = r.error.position.as_ref().unwrap();
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
