//! One row's values as a users builder reads them: by field, trimmed where the attribute is,
//! GUIDs in any spelling, and an unreadable row kept as a reject at its line and column.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::engine::error::{Error, ErrorKind, Position, Side};
use crate::engine::guid::parse_guid;
use crate::engine::model::RowRef;
use crate::engine::read::{ColumnMap, Field, FileFormat, Header, Reject, Row};

/// What a builder keeps of a file's header: where each field is and how a row is written back.
#[derive(Clone, Debug)]
pub(super) struct Layout {
    pub(super) headers: Vec<String>,
    pub(super) columns: ColumnMap,
    pub(super) format: FileFormat,
    /// The slot the file is read for, and its name: for the rejects' errors.
    pub(super) side: Side,
    pub(super) file_name: String,
}

impl Layout {
    pub(super) fn new(header: &Header<'_>, side: Side, file_name: &str) -> Layout {
        Layout {
            headers: header.headers.to_vec(),
            columns: header.columns.clone(),
            format: header.format,
            side,
            file_name: file_name.to_string(),
        }
    }
}

/// One row's values, with errors placed at the row's line and the column's header.
#[derive(Clone, Copy)]
pub(super) struct RowValues<'t> {
    pub(super) layout: &'t Layout,
    pub(super) row: Row<'t>,
}

impl<'t> RowValues<'t> {
    pub(super) fn get(&self, field: Field) -> &'t str {
        self.row.get(&self.layout.columns, field).unwrap_or("")
    }

    pub(super) fn has(&self, field: Field) -> bool {
        self.layout.columns.get(field).is_some()
    }

    pub(super) fn at(&self) -> RowRef {
        RowRef { line: self.row.line, record: self.row.record }
    }

    pub(super) fn reject(&self, field: Option<Field>, kind: ErrorKind) -> Reject {
        let layout = self.layout;
        let mut position = Position::line(self.row.line, self.row.record);
        if let Some(header) = field.and_then(|f| layout.columns.header_of(f, &layout.headers)) {
            position = position.with_column(header);
        }
        Reject {
            error: Error::new(kind)
                .in_file(Some(layout.side), layout.file_name.clone())
                .at(position),
            raw: record_text(self.row, &layout.format),
        }
    }

    /// A GUID column in any spelling; empty is `None`.
    pub(super) fn guid(&self, field: Field) -> Result<Option<uuid::Uuid>, Reject> {
        let value = self.get(field).trim();
        if value.is_empty() {
            return Ok(None);
        }
        if let Some(guid) = common_guid(value) {
            return Ok(Some(guid));
        }
        parse_guid(value).map(|parsed| Some(parsed.guid)).map_err(|e| {
            self.reject(
                Some(field),
                ErrorKind::BadGuid { value: value.to_string(), reason: e.to_string() },
            )
        })
    }
}

/// The two spellings nearly every export uses, read as [`parse_guid`] reads them but faster:
/// objectGUID as Get-ADUser writes it (`35918bc9-196d-…`, 36 characters) and mS-DS-ConsistencyGuid
/// as base64 of its bytes (`yYuRNW0Z6kCXeYidebdT8A==`, where parse_guid's check that the base64
/// is canonical decodes and encodes it again). `None`: ask parse_guid.
fn common_guid(value: &str) -> Option<uuid::Uuid> {
    match value.len() {
        36 => uuid::Uuid::try_parse(value).ok(),
        24 if value.ends_with("==")
            && value[..22]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/')) =>
        {
            // Base64 of 16 bytes is 22 characters and `==`; the decoder refuses a last
            // character with bits that encode nothing, so what it reads is canonical.
            let mut bytes = [0; 18];
            let read = STANDARD.decode_slice(value, &mut bytes).ok()?;
            let bytes: [u8; 16] = bytes.get(..read)?.try_into().ok()?;
            Some(uuid::Uuid::from_bytes_le(bytes))
        }
        _ => None,
    }
}

/// A row written back as one record of its file (LDIF rows as CSV), so the unreadable list can
/// be fixed and loaded again.
fn record_text(row: Row<'_>, format: &FileFormat) -> String {
    let delimiter = match format {
        FileFormat::Csv { delimiter, .. } => *delimiter,
        FileFormat::Ldif => b',',
    };
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let written = writer.write_record(row.fields()).ok().and_then(|()| writer.into_inner().ok());
    let text =
        written.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default();
    text.trim_end_matches('\n').to_string()
}

/// PowerShell writes `True` / `False`; the admin center `Yes` / `No`. Graph's
/// onPremisesSyncEnabled is null (an empty cell) for a user that was never synced.
pub(super) fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" => Some(false),
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_guid_spellings_read_as_parse_guid_reads_them() {
        let cases = [
            "35918bc9-196d-40ea-9779-889d79b753f0",
            "35918BC9-196D-40EA-9779-889D79B753F0",
            "yYuRNW0Z6kCXeYidebdT8A==",
            "f+bH/Mb+ZUq4IS9AopLRhQ==",
            "AAAAAAAAAAAAAAAAAAAAAA==",
        ];
        for value in cases {
            let parsed = parse_guid(value).map(|p| p.guid).ok();
            assert_eq!(common_guid(value), parsed, "{value}");
            assert!(parsed.is_some(), "{value}");
        }
        // Left to parse_guid, which reads some and explains why it cannot read the others.
        let others = [
            "yYuRNW0Z6kCXeYidebdT8B==",
            "yYuRNW0Z6kCXeYidebdT8A",
            "yYuRNW0Z6kCXeYidebdT8A=",
            "yYuRNW0Z6kCXeYidebd_8A==",
            "yYuRNW0Z6kCXeYidebdT8A=A",
            "35918bc9-196d-40ea-9779-889d79b753fg",
            "{35918bc9-196d-40ea-9779-889d79b753f0}",
            "35918bc9196d40ea9779889d79b753f0",
            "c9 8b 91 35 6d 19 ea 40 97 79 88 9d 79 b7 53 f0",
            "yYuRNW0Z6kCXeYidebdT8A==yYuRNW0Z6kCXeYid",
        ];
        for value in others {
            assert_eq!(common_guid(value), None, "{value}");
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the fast path reads, parse_guid reads the same; and every canonical base64
        /// of 16 bytes is read by it.
        #[test]
        fn common_guid_agrees_with_parse_guid(
            value in "[A-Za-z0-9+/]{21}[AQgw](==|=A)|[A-Za-z0-9+/]{22}==|[0-9a-fA-F-]{36}",
        ) {
            let parsed = parse_guid(&value).ok().map(|p| p.guid);
            match common_guid(&value) {
                Some(guid) => prop_assert_eq!(Some(guid), parsed),
                None => prop_assert!(!(value.ends_with("==") && value.len() == 24 && value[21..22].contains(['A', 'Q', 'g', 'w']))),
            }
        }
    }
}
