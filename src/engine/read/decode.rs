//! Bytes to text: the byte-order mark, UTF-16 without one, UTF-8 or else Windows-1252, and
//! refusing files that are not text at all (an .xlsx, a PDF…).

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use serde::{Deserialize, Serialize};

use super::table::{Warning, WarningKind};
use crate::engine::error::{ErrorKind, Position};

/// How the file's bytes were turned into text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark (PowerShell 7's default).
    Utf8,
    /// UTF-8 with a byte-order mark (Windows PowerShell 5.1 `-Encoding UTF8`, Excel "CSV UTF-8").
    Utf8Bom,
    /// UTF-16 little-endian with a byte-order mark (Windows PowerShell 5.1 `-Encoding Unicode`).
    Utf16LeBom,
    /// UTF-16 big-endian with a byte-order mark (`-Encoding BigEndianUnicode`).
    Utf16BeBom,
    /// UTF-16 little-endian without a byte-order mark (recognised by its NUL high bytes).
    Utf16Le,
    /// UTF-16 big-endian without a byte-order mark.
    Utf16Be,
    /// Not UTF-8, read as Windows-1252 (an Excel "CSV (Comma delimited)" re-save).
    Windows1252,
    /// Only 7-bit bytes (Windows PowerShell 5.1's default `Export-Csv` encoding).
    Ascii,
}

impl TextEncoding {
    /// The encoding's usual name: "UTF-16LE", "UTF-8 with BOM"…
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with BOM",
            TextEncoding::Utf16LeBom => "UTF-16LE",
            TextEncoding::Utf16BeBom => "UTF-16BE",
            TextEncoding::Utf16Le => "UTF-16LE without BOM",
            TextEncoding::Utf16Be => "UTF-16BE without BOM",
            TextEncoding::Windows1252 => "Windows-1252",
            TextEncoding::Ascii => "ASCII",
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A file's text and how it was read. UTF-8 files (most exports) are borrowed, not copied.
#[derive(Debug)]
pub(crate) struct Decoded<'b> {
    pub text: Cow<'b, str>,
    pub encoding: TextEncoding,
    pub warnings: Vec<Warning>,
}

/// Decodes an export's bytes. Fails only when the bytes are not text.
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded<'_>, ErrorKind> {
    if let Some(looks_like) = sniff_binary(bytes) {
        return Err(ErrorKind::NotText { looks_like: looks_like.to_string() });
    }
    let (encoding, body, label) = match Encoding::for_bom(bytes) {
        Some((enc, bom)) if enc == UTF_8 => (enc, &bytes[bom..], TextEncoding::Utf8Bom),
        Some((enc, bom)) if enc == UTF_16LE => (enc, &bytes[bom..], TextEncoding::Utf16LeBom),
        Some((enc, bom)) => (enc, &bytes[bom..], TextEncoding::Utf16BeBom),
        None => match utf16_without_bom(bytes) {
            Some(TextEncoding::Utf16Be) => (UTF_16BE, bytes, TextEncoding::Utf16Be),
            Some(_) => (UTF_16LE, bytes, TextEncoding::Utf16Le),
            None => return decode_8bit(bytes),
        },
    };
    let mut warnings = Vec::new();
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    if had_errors {
        warnings.push(replaced_warning(&text, label));
    }
    if let Some(at) = text.find('\0') {
        return Err(nul_error(&text[..at]));
    }
    Ok(Decoded { text, encoding: label, warnings })
}

/// `bytes` as text if they are UTF-8. encoding_rs checks 64 bytes and more with SIMD (simdutf8,
/// AVX2 or SSE 4.2 where the CPU has them), several times faster than `std::str::from_utf8` on
/// text with accents.
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    match UTF_8.decode_without_bom_handling_and_without_replacement(bytes)? {
        Cow::Borrowed(text) => Some(text),
        Cow::Owned(_) => None,
    }
}

/// UTF-8 when it is, Windows-1252 (what Excel writes on western Windows) when it is not.
fn decode_8bit(bytes: &[u8]) -> Result<Decoded<'_>, ErrorKind> {
    // `contains` looks for the byte a word at a time (core's memchr), `position` a byte at a
    // time: a tenth of the parse time on a large file.
    if bytes.contains(&0) {
        let at = bytes.iter().position(|&b| b == 0).unwrap_or(0);
        return Err(nul_error(&String::from_utf8_lossy(&bytes[..at])));
    }
    if let Some(text) = utf8(bytes) {
        let encoding = if text.is_ascii() { TextEncoding::Ascii } else { TextEncoding::Utf8 };
        return Ok(Decoded { text: Cow::Borrowed(text), encoding, warnings: Vec::new() });
    }
    let valid_up_to = Encoding::utf8_valid_up_to(bytes);
    let valid = &bytes[..valid_up_to];
    let bad = bytes.get(valid_up_to).copied().unwrap_or(0);
    let (line, column) = line_and_column(&String::from_utf8_lossy(valid));
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    let warning = Warning {
        kind: WarningKind::NotUtf8,
        message: format!(
            "the file is not UTF-8 (byte 0x{bad:02X} at line {line}, character {column}), so it \
             was read as Windows-1252, as Excel saves \"CSV (Comma delimited)\"; check that names \
             with accents read right, or save as \"CSV UTF-8\""
        ),
        position: Some(Position::line(line, 0)),
    };
    Ok(Decoded { text, encoding: TextEncoding::Windows1252, warnings: vec![warning] })
}

/// UTF-16 without a BOM: ASCII text in it has a NUL in every other byte.
fn utf16_without_bom(bytes: &[u8]) -> Option<TextEncoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_nul = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nul = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    if odd_nul * 10 >= pairs * 7 && even_nul * 10 < pairs {
        Some(TextEncoding::Utf16Le)
    } else if even_nul * 10 >= pairs * 7 && odd_nul * 10 < pairs {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    }
}

/// What a binary file looks like, from its first bytes.
fn sniff_binary(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(2048)];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        if has(b"xl/") || has(b"[Content_Types].xml") {
            return Some("an Excel workbook (.xlsx): open it in Excel and save as CSV UTF-8");
        }
        return Some("a ZIP archive (an .xlsx workbook? then save it as CSV UTF-8)");
    }
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "an old Excel workbook (.xls): save it as CSV UTF-8"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\x1F\x8B", "a gzip archive: unpack it first"),
        (b"7z\xBC\xAF", "a 7-Zip archive: unpack it first"),
        (b"Rar!", "a RAR archive: unpack it first"),
        (b"MZ", "a Windows program"),
    ];
    MAGIC.iter().find(|(magic, _)| head.starts_with(magic)).map(|&(_, what)| what)
}

fn nul_error(before: &str) -> ErrorKind {
    let (line, column) = line_and_column(before);
    ErrorKind::NotText {
        looks_like: format!("binary data (a NUL byte at line {line}, character {column})"),
    }
}

fn replaced_warning(text: &str, encoding: TextEncoding) -> Warning {
    let at = text.find('\u{FFFD}').unwrap_or(0);
    let (line, column) = line_and_column(&text[..at]);
    Warning {
        kind: WarningKind::ReplacedCharacters,
        message: format!(
            "some bytes are not valid {} (first at line {line}, character {column}); they read \
             as �",
            encoding.label()
        ),
        position: Some(Position::line(line, 0)),
    }
}

/// The 1-based line and character column just after `before`.
pub(crate) fn line_and_column(before: &str) -> (u64, u64) {
    let line = before.matches('\n').count() as u64 + 1;
    let last = before.rsplit('\n').next().unwrap_or("");
    (line, last.chars().count() as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    fn utf16be(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFE, 0xFF] } else { Vec::new() };
        out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        out
    }

    #[test]
    fn encodings() {
        let text = "\"Name\"\r\n\"Søren\"\r\n";
        let cases: Vec<(Vec<u8>, TextEncoding, &str)> = vec![
            (text.as_bytes().to_vec(), TextEncoding::Utf8, text),
            ([b"\xEF\xBB\xBF", text.as_bytes()].concat(), TextEncoding::Utf8Bom, text),
            (utf16le(text, true), TextEncoding::Utf16LeBom, text),
            (utf16be(text, true), TextEncoding::Utf16BeBom, text),
            (utf16le(text, false), TextEncoding::Utf16Le, text),
            (utf16be(text, false), TextEncoding::Utf16Be, text),
            (b"\"Name\"\r\n\"S\xF8ren\"\r\n".to_vec(), TextEncoding::Windows1252, text),
            (
                b"\"Name\"\r\n\"S?ren\"\r\n".to_vec(),
                TextEncoding::Ascii,
                "\"Name\"\r\n\"S?ren\"\r\n",
            ),
        ];
        for (bytes, encoding, expected) in cases {
            let decoded = decode(&bytes).unwrap();
            assert_eq!(decoded.encoding, encoding);
            assert_eq!(decoded.text, expected, "{encoding:?}");
        }
    }

    #[test]
    fn windows_1252_warning_names_line_and_byte() {
        let decoded = decode(b"Name\r\nOK\r\nRen\xE9\r\n").unwrap();
        assert_eq!(decoded.text, "Name\r\nOK\r\nRené\r\n");
        let warning = &decoded.warnings[0];
        assert_eq!(warning.kind, WarningKind::NotUtf8);
        assert_eq!(warning.position, Some(Position::line(3, 0)));
        assert!(warning.message.contains("0xE9 at line 3, character 4"), "{}", warning.message);
    }

    #[test]
    fn binary_files_are_refused() {
        let cases: &[(&[u8], &str)] = &[
            (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", "save as CSV"),
            (b"PK\x03\x04\x14\x00\x00\x00", "ZIP"),
            (b"%PDF-1.7\n", "PDF"),
            (b"\x89PNG\r\n\x1a\n", "PNG"),
            (b"\x1F\x8B\x08\x00", "gzip"),
            (b"Name\r\nA\x00B\r\n", "NUL byte at line 2, character 2"),
        ];
        for &(bytes, needle) in cases {
            let err = decode(bytes).unwrap_err();
            let text = err.to_string();
            assert!(matches!(err, ErrorKind::NotText { .. }));
            assert!(text.contains(needle), "{text}");
        }
    }

    #[test]
    fn empty_input_is_empty_text() {
        let decoded = decode(b"").unwrap();
        assert_eq!(decoded.text, "");
        assert_eq!(decoded.encoding, TextEncoding::Ascii);
    }
}
