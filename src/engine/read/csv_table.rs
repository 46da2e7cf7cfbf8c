//! Delimited text to rows: every record read with the `csv` crate, each either a row aligned with
//! the header or a reject with its line and text.

use super::progress::{LineCounter, Ticker};
use super::table::{Parsed, Row, Warning, WarningKind};
use crate::engine::error::{ErrorKind, Position};

/// Reads CSV `text` (after any `#TYPE` line, which `line_offset` counts).
pub(crate) fn read_csv(
    text: &str,
    line_offset: u64,
    delimiter: u8,
    ticker: &mut Ticker<'_>,
) -> Result<Parsed, ErrorKind> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text);
    let mut parsed = Parsed::default();
    let mut record = csv::ByteRecord::new();
    let mut have_header = false;
    let mut records = 0u64;
    let mut blank: Option<(u64, u64)> = None;
    loop {
        let start = reader.position().byte() as usize;
        let result = reader.read_byte_record(&mut record);
        let end = reader.position().byte() as usize;
        let (offset, raw) = record_text(text, start, end);
        let line = lines.line_at(offset) + line_offset;
        match result {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                records += 1;
                let message = error.to_string();
                parsed.reject(ErrorKind::Syntax { message }, Position::line(line, records), raw);
                if end <= start {
                    break;
                }
                continue;
            }
        }
        // Blank records are skipped before any field is copied out of the record.
        let blank_record = record.iter().all(|f| text_of(f).trim().is_empty());
        if !have_header {
            if blank_record {
                continue;
            }
            parsed.headers = header_names(record.iter().map(|f| text_of(f).into_owned()).collect());
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
        } else if record.len() != parsed.headers.len() {
            let kind = ErrorKind::FieldCount {
                expected: parsed.headers.len() as u64,
                found: record.len() as u64,
            };
            parsed.reject(kind, position, raw);
        } else {
            let fields = record.iter().map(|f| text_of(f).into_owned()).collect();
            parsed.rows.push(Row { line, record: records, fields });
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

/// A field's text. The reader splits valid UTF-8 text only at ASCII bytes, so this borrows;
/// the lossy fallback only guards against a reader that did otherwise.
fn text_of(field: &[u8]) -> std::borrow::Cow<'_, str> {
    // `from_utf8` validates faster than the lossy decoder walks its chunks.
    std::str::from_utf8(field).map_or_else(|_| String::from_utf8_lossy(field), Into::into)
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
            parsed.rows.iter().map(|r| (r.line, r.record, r.fields[0].as_str())).collect();
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
        assert_eq!(parsed.rows[1].line, 6);
        assert_eq!(parsed.rows[1].record, 4);
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
        assert_eq!(parsed.rows[1].line, 5);
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
