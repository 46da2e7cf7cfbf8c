//! Bytes to text: the byte-order mark, UTF-16 without one, UTF-8 or else Windows-1252, and
//! refusing files that are not text at all (an .xlsx, a PDF…).

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use serde::{Deserialize, Serialize};

use super::warning::{Warning, WarningKind};
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

/// How many bytes the encoding is told from: [`utf16_without_bom`]'s sample, which also holds
/// [`sniff_binary`]'s and the byte-order mark.
const HEAD: usize = 4096;

/// Why decoding stopped before the end of the file.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The bytes are not text.
    Error(ErrorKind),
    /// The file is not UTF-8 after all, and UTF-8 text with accents was decoded before the byte
    /// that says so: the whole file must be read again as Windows-1252, with this warning.
    Restart(Warning),
}

impl From<ErrorKind> for Stop {
    fn from(kind: ErrorKind) -> Stop {
        Stop::Error(kind)
    }
}

/// Bytes to text a chunk at a time, as `decode` would turn the whole file: the encoding is told
/// from the first [`HEAD`] bytes, characters split between chunks are carried over, and the
/// warnings and errors name the same line and character.
pub(crate) struct TextDecoder {
    state: State,
}

enum State {
    /// The first bytes, kept until there are enough to tell the encoding.
    Head(Vec<u8>),
    Marked(MarkedText),
    EightBit(EightBitText),
}

impl TextDecoder {
    /// A decoder that tells the encoding from the file's first bytes.
    pub(crate) fn new() -> TextDecoder {
        TextDecoder { state: State::Head(Vec::with_capacity(HEAD)) }
    }

    /// A decoder for a file already known not to be UTF-8 ([`Stop::Restart`]).
    pub(crate) fn windows_1252(not_utf8: Warning) -> TextDecoder {
        TextDecoder { state: State::EightBit(EightBitText::new(Some(not_utf8))) }
    }

    /// Decodes the next chunk of the file onto `out`.
    pub(crate) fn feed(&mut self, bytes: &[u8], out: &mut String) -> Result<(), Stop> {
        match &mut self.state {
            State::Head(head) => {
                let take = bytes.len().min(HEAD.saturating_sub(head.len()));
                head.extend_from_slice(&bytes[..take]);
                if head.len() < HEAD {
                    return Ok(());
                }
                self.start(out)?;
                self.feed(&bytes[take..], out)
            }
            State::Marked(text) => text.feed(bytes, false, out),
            State::EightBit(text) => text.feed(bytes, out),
        }
    }

    /// Decodes what is left at the end of the file, and tells how the file was read.
    pub(crate) fn finish(
        &mut self,
        out: &mut String,
    ) -> Result<(TextEncoding, Vec<Warning>), Stop> {
        self.start(out)?;
        match &mut self.state {
            State::Head(_) => unreachable!("the head was decoded above"),
            State::Marked(text) => text.finish(out),
            State::EightBit(text) => text.finish(out),
        }
    }

    /// Tells the encoding from the head, if not done yet, then decodes the head.
    fn start(&mut self, out: &mut String) -> Result<(), Stop> {
        let State::Head(head) = &mut self.state else {
            return Ok(());
        };
        let head = std::mem::take(head);
        if let Some(looks_like) = sniff_binary(&head) {
            return Err(ErrorKind::NotText { looks_like: looks_like.to_string() }.into());
        }
        let (encoding, bom, label) = match Encoding::for_bom(&head) {
            Some((enc, bom)) if enc == UTF_8 => (enc, bom, TextEncoding::Utf8Bom),
            Some((enc, bom)) if enc == UTF_16LE => (enc, bom, TextEncoding::Utf16LeBom),
            Some((enc, bom)) => (enc, bom, TextEncoding::Utf16BeBom),
            None => match utf16_without_bom(&head) {
                Some(TextEncoding::Utf16Be) => (UTF_16BE, 0, TextEncoding::Utf16Be),
                Some(_) => (UTF_16LE, 0, TextEncoding::Utf16Le),
                None => {
                    self.state = State::EightBit(EightBitText::new(None));
                    return self.feed(&head, out);
                }
            },
        };
        self.state = State::Marked(MarkedText {
            decoder: encoding.new_decoder_without_bom_handling(),
            label,
            at: TextPosition::default(),
            replaced: false,
            first_replacement: None,
        });
        self.feed(&head[bom..], out)
    }
}

/// UTF-16, or UTF-8 after a byte-order mark: encoding_rs decodes, bytes that are not valid read
/// as U+FFFD.
struct MarkedText {
    decoder: encoding_rs::Decoder,
    label: TextEncoding,
    /// Where the text so far ends.
    at: TextPosition,
    /// Whether bytes were replaced.
    replaced: bool,
    /// Where the first U+FFFD is, replaced or as written.
    first_replacement: Option<(u64, u64)>,
}

impl MarkedText {
    /// Decodes a chunk (`last`: the end of the file), noting the first U+FFFD and refusing a NUL.
    fn feed(&mut self, mut bytes: &[u8], last: bool, out: &mut String) -> Result<(), Stop> {
        let start = out.len();
        loop {
            let room = self.decoder.max_utf8_buffer_length(bytes.len()).unwrap_or(bytes.len());
            out.reserve(room.max(4));
            let (result, read, replaced) = self.decoder.decode_to_string(bytes, out, last);
            self.replaced |= replaced;
            bytes = &bytes[read..];
            if result == encoding_rs::CoderResult::InputEmpty {
                break;
            }
        }
        let piece = &out[start..];
        if let Some(nul) = memchr::memchr(0, piece.as_bytes()) {
            return Err(nul_error(self.at.after(&piece[..nul])).into());
        }
        if self.first_replacement.is_none() {
            if let Some(found) = memchr::memmem::find(piece.as_bytes(), "\u{FFFD}".as_bytes()) {
                self.first_replacement = Some(self.at.after(&piece[..found]));
            }
        }
        self.at.advance(piece);
        Ok(())
    }

    fn finish(&mut self, out: &mut String) -> Result<(TextEncoding, Vec<Warning>), Stop> {
        self.feed(&[], true, out)?;
        let warnings = match (self.replaced, self.first_replacement) {
            (true, at) => vec![replaced_warning(at.unwrap_or((1, 1)), self.label)],
            (false, _) => Vec::new(),
        };
        Ok((self.label, warnings))
    }
}

/// No byte-order mark: UTF-8 as long as the bytes are, then Windows-1252 (what Excel writes on
/// western Windows). A NUL anywhere refuses the file.
struct EightBitText {
    /// The invalid UTF-8 that turned the file to Windows-1252, once seen.
    not_utf8: Option<Warning>,
    /// Whether a character decoded as UTF-8 is not ASCII.
    non_ascii: bool,
    /// The start of the UTF-8 character the last chunk ended in.
    carry: Vec<u8>,
    /// Where the bytes decoded so far end.
    at: BytePosition,
}

impl EightBitText {
    fn new(not_utf8: Option<Warning>) -> EightBitText {
        EightBitText { not_utf8, non_ascii: false, carry: Vec::new(), at: BytePosition::default() }
    }

    fn feed(&mut self, bytes: &[u8], out: &mut String) -> Result<(), Stop> {
        // `memchr` looks for the byte a word at a time: a tenth of the parse time on a large
        // file against a byte at a time.
        if let Some(nul) = memchr::memchr(0, bytes) {
            self.at.advance(&self.carry);
            self.at.advance(&bytes[..nul]);
            return Err(nul_error(self.at.lossy()).into());
        }
        if self.not_utf8.is_some() {
            self.at.advance(bytes);
            out.push_str(&WINDOWS_1252.decode_without_bom_handling(bytes).0);
            return Ok(());
        }
        let mut rest = bytes;
        if let Some(&lead) = self.carry.first() {
            // The character the last chunk ended in, completed from this one's first bytes.
            let take = (utf8_width(lead) - self.carry.len()).min(rest.len());
            self.carry.extend_from_slice(&rest[..take]);
            match std::str::from_utf8(&self.carry) {
                Ok(text) => {
                    out.push_str(text);
                    self.non_ascii = true;
                    self.at.advance(&self.carry);
                    self.carry.clear();
                    rest = &rest[take..];
                }
                Err(e) if e.error_len().is_none() => return Ok(()),
                Err(_) => {
                    let carry = std::mem::take(&mut self.carry);
                    self.stop_being_utf8(lead)?;
                    self.feed(&carry, out)?;
                    return self.feed(&rest[take..], out);
                }
            }
        }
        let valid = match utf8(rest) {
            Some(_) => rest.len(),
            None => Encoding::utf8_valid_up_to(rest),
        };
        let text = utf8(&rest[..valid]).unwrap_or_default();
        self.non_ascii = self.non_ascii || !text.is_ascii();
        out.push_str(text);
        self.at.advance(&rest[..valid]);
        let tail = &rest[valid..];
        if tail.is_empty() {
            return Ok(());
        }
        if std::str::from_utf8(tail).is_err_and(|e| e.error_len().is_none()) {
            self.carry.extend_from_slice(tail);
            return Ok(());
        }
        self.stop_being_utf8(tail[0])?;
        self.feed(tail, out)
    }

    fn finish(&mut self, out: &mut String) -> Result<(TextEncoding, Vec<Warning>), Stop> {
        if let Some(&lead) = self.carry.first() {
            // The file ends inside a character: that is where it stops being UTF-8.
            let carry = std::mem::take(&mut self.carry);
            self.stop_being_utf8(lead)?;
            self.feed(&carry, out)?;
        }
        Ok(match self.not_utf8.take() {
            Some(warning) => (TextEncoding::Windows1252, vec![warning]),
            None if self.non_ascii => (TextEncoding::Utf8, Vec::new()),
            None => (TextEncoding::Ascii, Vec::new()),
        })
    }

    /// Turns to Windows-1252 at `bad`, the byte after the text so far, which is not UTF-8; or,
    /// when that text is not ASCII (and so would read otherwise as Windows-1252), stops for the
    /// file to be read again.
    fn stop_being_utf8(&mut self, bad: u8) -> Result<(), Stop> {
        let (line, column) = self.at.lossy();
        let warning = Warning {
            kind: WarningKind::NotUtf8,
            message: format!(
                "the file is not UTF-8 (byte 0x{bad:02X} at line {line}, character {column}), so \
                 it was read as Windows-1252, as Excel saves \"CSV (Comma delimited)\"; check that \
                 names with accents read right, or save as \"CSV UTF-8\""
            ),
            position: Some(Position::line(line, 0)),
        };
        if self.non_ascii {
            return Err(Stop::Restart(warning));
        }
        self.not_utf8 = Some(warning);
        Ok(())
    }
}

/// How many bytes the UTF-8 character that starts with `lead` has.
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        _ => 2,
    }
}

/// How many `\n` there are. Summed in bytes, 255 at most a block, so that the compiler adds 32
/// at a time: several times faster than counting into a usize, which it cannot widen to.
fn count_breaks(bytes: &[u8]) -> u64 {
    let block = |b: &[u8]| b.iter().fold(0u8, |n, &c| n.wrapping_add(u8::from(c == b'\n')));
    bytes.chunks(255).map(|b| u64::from(block(b))).sum()
}

/// A line and character count over decoded text.
#[derive(Clone, Copy, Debug, Default)]
struct TextPosition {
    /// Line breaks so far.
    breaks: u64,
    /// Characters since the last line break.
    column: u64,
}

impl TextPosition {
    fn advance(&mut self, text: &str) {
        match memchr::memrchr(b'\n', text.as_bytes()) {
            Some(last) => {
                self.breaks += count_breaks(text.as_bytes());
                self.column = text[last + 1..].chars().count() as u64;
            }
            None => self.column += text.chars().count() as u64,
        }
    }

    /// The 1-based line and character just after `text`, which follows this position.
    fn after(mut self, text: &str) -> (u64, u64) {
        self.advance(text);
        (self.breaks + 1, self.column + 1)
    }
}

/// A line count over bytes, and the bytes of the last line, whose characters are counted as
/// `String::from_utf8_lossy` would when a message needs them.
#[derive(Debug, Default)]
struct BytePosition {
    breaks: u64,
    line: Vec<u8>,
}

impl BytePosition {
    fn advance(&mut self, bytes: &[u8]) {
        match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                self.breaks += count_breaks(bytes);
                self.line.clear();
                self.line.extend_from_slice(&bytes[last + 1..]);
            }
            None => self.line.extend_from_slice(bytes),
        }
    }

    /// The 1-based line and character just after the bytes so far.
    fn lossy(&self) -> (u64, u64) {
        (self.breaks + 1, String::from_utf8_lossy(&self.line).chars().count() as u64 + 1)
    }
}

/// Decodes a whole export's bytes at once.
#[cfg(test)]
pub(crate) fn decode(bytes: &[u8]) -> Result<(String, TextEncoding, Vec<Warning>), Stop> {
    let mut decoder = TextDecoder::new();
    let mut text = String::new();
    decoder.feed(bytes, &mut text)?;
    let (encoding, warnings) = decoder.finish(&mut text)?;
    Ok((text, encoding, warnings))
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

fn nul_error((line, column): (u64, u64)) -> ErrorKind {
    ErrorKind::NotText {
        looks_like: format!("binary data (a NUL byte at line {line}, character {column})"),
    }
}

fn replaced_warning((line, column): (u64, u64), encoding: TextEncoding) -> Warning {
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
            let (text, found, _) = decode(&bytes).unwrap();
            assert_eq!(found, encoding);
            assert_eq!(text, expected, "{encoding:?}");
        }
    }

    #[test]
    fn windows_1252_warning_names_line_and_byte() {
        let (text, _, warnings) = decode(b"Name\r\nOK\r\nRen\xE9\r\n").unwrap();
        assert_eq!(text, "Name\r\nOK\r\nRené\r\n");
        let warning = &warnings[0];
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
            let Err(Stop::Error(err)) = decode(bytes) else { panic!("{needle}") };
            let text = err.to_string();
            assert!(matches!(err, ErrorKind::NotText { .. }));
            assert!(text.contains(needle), "{text}");
        }
    }

    #[test]
    fn empty_input_is_empty_text() {
        let (text, encoding, _) = decode(b"").unwrap();
        assert_eq!(text, "");
        assert_eq!(encoding, TextEncoding::Ascii);
    }
}
