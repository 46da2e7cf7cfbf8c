//! A CSV file read as the exports are (every encoding, `#TYPE` and `sep=` lines, the delimiter
//! found, located errors and rejects) but without an export's columns, side or checks: for the
//! tenant context files, whose columns the caller recognises itself.

use super::decode::TextEncoding;
use super::dialect::FileFormat;
use super::{Ended, ReadOptions, Reject, Rows, StreamedText, TableReader, Warning};
use crate::engine::error::{Error, ErrorKind, Side};

/// A file read as plain CSV: its headers as written and every record, readable or not.
#[derive(Clone, Debug, PartialEq)]
pub struct PlainTable {
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
    /// The header names as in the file (byte-order mark and quotes stripped).
    pub headers: Vec<String>,
    /// Every readable record, in file order.
    pub rows: Rows,
    /// Every unreadable record, in file order, with where and why.
    pub rejects: Vec<Reject>,
    /// Notes about the whole file.
    pub warnings: Vec<Warning>,
}

/// Reads `bytes` as a plain CSV table. A file with a header and no rows is a table of none (a
/// tenant without PIM eligibilities exports just that); one without a header is refused.
pub fn read_plain_table(bytes: &[u8], file_name: &str) -> Result<PlainTable, Error> {
    let options = ReadOptions { file_name: file_name.to_string(), ..ReadOptions::default() };
    let mut reader = TableReader::new(bytes.len() as u64, &options, Box::new(|_| true))?;
    loop {
        // Context files are small: read whole. A file that is not UTF-8 after accented text
        // asks once to be read again as Windows-1252, from its start.
        reader.feed(bytes)?;
        match reader.end(plain_table_of)? {
            Ended::Read(table) => return Ok(table),
            Ended::FromStart(again) => reader = *again,
        }
    }
}

fn plain_table_of(
    text: StreamedText<Rows>,
    options: &ReadOptions,
    _side: &mut Option<Side>,
) -> Result<PlainTable, Error> {
    let StreamedText { bytes, encoding, mut warnings, format, type_line, parsed, intake, .. } =
        text;
    let mut rejects = parsed.rejects;
    warnings.extend(parsed.warnings);
    if parsed.headers.is_empty() {
        return Err(ErrorKind::Empty.into());
    }
    for reject in &mut rejects {
        reject.error.set_file(None, options.file_name.clone());
    }
    Ok(PlainTable {
        name: options.file_name.clone(),
        bytes,
        encoding,
        format,
        type_line,
        headers: parsed.headers,
        rows: intake.sink,
        rejects,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    #[test]
    fn reads_columns_no_export_has() {
        let csv =
            "\u{feff}#TYPE Selected.Microsoft.Graph.PowerShell.Models.MicrosoftGraphDomain\r\n\
                   \"Id\",\"AuthenticationType\",\"IsVerified\"\r\n\
                   \"contoso.com\",\"Federated\",\"True\"\r\n";
        let table = read_plain_table(csv.as_bytes(), "domains.csv").unwrap();
        assert_eq!(table.headers, ["Id", "AuthenticationType", "IsVerified"]);
        assert_eq!(
            table.type_line.as_deref(),
            Some("Selected.Microsoft.Graph.PowerShell.Models.MicrosoftGraphDomain")
        );
        let row = table.rows.get(0).unwrap();
        assert_eq!(row.fields().collect::<Vec<_>>(), ["contoso.com", "Federated", "True"]);
        assert!(table.rejects.is_empty());
    }

    #[test]
    fn reads_utf16_and_semicolons() {
        let bytes = utf16le("Id;IsVerified\r\nfabrikam.com;False\r\n");
        let table = read_plain_table(&bytes, "domains.csv").unwrap();
        assert_eq!(table.encoding, TextEncoding::Utf16LeBom);
        assert!(matches!(table.format, FileFormat::Csv { delimiter: b';', .. }));
        assert_eq!(table.rows.len(), 1);
    }

    #[test]
    fn a_header_alone_is_a_table_of_no_rows() {
        let table = read_plain_table(b"Id,PrincipalId,RoleDefinitionId\r\n", "pim.csv").unwrap();
        assert_eq!(table.rows.len(), 0);
    }

    #[test]
    fn a_bad_record_is_kept_with_its_line() {
        let csv = "Id,IsVerified\nok.com,True\n\"broken.com,True\n";
        let table = read_plain_table(csv.as_bytes(), "domains.csv").unwrap();
        let error = table.rejects.first().map(|r| r.error.to_string()).unwrap_or_default();
        assert!(error.contains("domains.csv") && error.contains("line 3"), "{error}");
    }

    #[test]
    fn an_empty_file_is_refused() {
        let error = read_plain_table(b"", "roles.csv").unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::Empty), "{error}");
    }
}
