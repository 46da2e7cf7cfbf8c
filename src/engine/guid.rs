//! objectGUID ⇄ ImmutableID conversion, and every spelling of a GUID admins paste or exports hold.
//!
//! The one rule (domain.md §1): the ImmutableID is standard padded base64 of the 16 bytes of
//! .NET `Guid.ToByteArray()`, whose first three groups are little-endian. Everything here is about
//! reading and writing the many other spellings of the same 16 bytes without ever mixing up the
//! display order (`35918bc9-…`) and the byte order (`c9 8b 91 35 …`).

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The ImmutableID Entra Connect computes from a GUID: base64 of `Guid.ToByteArray()`
/// (first three groups little-endian).
pub fn immutable_id(guid: &Uuid) -> String {
    STANDARD.encode(guid.to_bytes_le())
}

/// The GUID an ImmutableID encodes, when it is canonical standard padded base64 of exactly
/// 16 bytes. Case-sensitive and untrimmed, as Entra compares anchors.
pub fn guid_from_immutable_id(immutable_id: &str) -> Option<Uuid> {
    // Canonical base64 of 16 bytes is exactly 24 characters: decode and re-encode on the stack
    // (this runs for every cloud user).
    if immutable_id.len() != 24 {
        return None;
    }
    let mut decoded = [0u8; 18];
    let len = STANDARD.decode_slice(immutable_id, &mut decoded).ok()?;
    let bytes: [u8; 16] = decoded.get(..len)?.try_into().ok()?;
    let mut encoded = [0u8; 24];
    let written = STANDARD.encode_slice(bytes, &mut encoded).ok()?;
    (encoded.get(..written)? == immutable_id.as_bytes()).then(|| Uuid::from_bytes_le(bytes))
}

/// The wrong-but-common "ImmutableID" made from the GUID's bytes in display (big-endian) order,
/// as Python's `uuid.bytes` or MySQL's `UNHEX` give them. It never equals what Entra Connect
/// computes (only the last 8 bytes agree), so a cloud anchor in this form does not hard-match.
pub fn big_endian_base64(guid: &Uuid) -> String {
    STANDARD.encode(guid.as_bytes())
}

/// Decodes standard padded base64, but only when re-encoding the bytes gives back exactly the
/// same text: two different strings must never stand for the same anchor bytes.
pub(crate) fn decode_base64_canonical(text: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD.decode(text).ok()?;
    (STANDARD.encode(&bytes) == text).then_some(bytes)
}

/// How a GUID was written.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum GuidSpelling {
    /// `35918bc9-196d-40ea-9779-889d79b753f0`, as `Get-ADUser` shows objectGUID.
    Hyphenated,
    /// `{35918bc9-196d-40ea-9779-889d79b753f0}`, .NET's `B` format (registry, some exports);
    /// also `(…)`, .NET's `P` format, and 32 hex digits inside either.
    Braced,
    /// `35918bc9196d40ea9779889d79b753f0`: 32 hex digits in display order, .NET's `N` format.
    Simple,
    /// `yYuRNW0Z6kCXeYidebdT8A==`: base64 of the `ToByteArray` bytes, i.e. the ImmutableID.
    Base64,
    /// `X'c98b91356d19ea409779889d79b753f0'`: csvde's hex of the raw `ToByteArray` bytes.
    CsvdeHex,
    /// `C9 8B 91 35 …`, `0xc9 0x8b …` or `C9-8B-91-…` (`BitConverter.ToString`): one hex byte
    /// per token in `ToByteArray` order, as the ADUC attribute editor shows binary values.
    HexBytes,
    /// `\c9\8b\91\35…`: the bytes escaped for an LDAP search filter.
    LdapEscaped,
    /// `CN={7959755…}`: the Entra connector-space DN, hex of the ASCII text of the ImmutableID
    /// (ADSyncTools `ConvertTo-ADSyncToolsAadDistinguishedName`).
    ConnectorSpaceDn,
    /// `objectGUID:: yYuRNW0Z6kCXeYidebdT8A==`: an ldifde line; its base64 is the ImmutableID.
    LdifLine,
    /// `urn:uuid:35918bc9-196d-40ea-9779-889d79b753f0`: RFC 4122's URN of the GUID text.
    Urn,
}

impl GuidSpelling {
    /// A short description for the UI, e.g. "csvde hex (ToByteArray byte order)".
    pub fn describe(&self) -> &'static str {
        match self {
            GuidSpelling::Hyphenated => "GUID text (hyphenated)",
            GuidSpelling::Braced => "GUID text in braces",
            GuidSpelling::Simple => "GUID text without dashes (32 hex digits)",
            GuidSpelling::Base64 => "base64 ImmutableID (ToByteArray byte order)",
            GuidSpelling::CsvdeHex => "csvde hex (ToByteArray byte order)",
            GuidSpelling::HexBytes => "hex bytes (ToByteArray byte order)",
            GuidSpelling::LdapEscaped => "LDAP filter escaped bytes (ToByteArray byte order)",
            GuidSpelling::ConnectorSpaceDn => {
                "Entra connector-space DN (hex of the ImmutableID text)"
            }
            GuidSpelling::LdifLine => "ldifde line (base64 ImmutableID)",
            GuidSpelling::Urn => "GUID URN (urn:uuid:, RFC 4122)",
        }
    }
}

/// A GUID read from text, with the spelling it was written in.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedGuid {
    /// The GUID.
    pub guid: Uuid,
    /// How the text spelled it.
    pub spelling: GuidSpelling,
}

/// Why a text is not a GUID. Character positions count from 1 in the text as given (before
/// surrounding whitespace and quotes are removed), as an editor shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuidError {
    /// Nothing but whitespace and quotes.
    Empty,
    /// A character that cannot appear in the spelling the text looks like.
    BadChar {
        /// The character.
        ch: char,
        /// Its position, from 1.
        at: usize,
        /// What was expected there, e.g. "a hex digit".
        expected: &'static str,
    },
    /// The wrong number of hex digits for a GUID.
    HexDigits {
        /// How many there are.
        found: usize,
    },
    /// Dashes in the wrong places: the groups must be 8-4-4-4-12 hex digits.
    Groups {
        /// The group lengths found, e.g. "8-4-4-4-11".
        found: String,
    },
    /// A byte-per-token spelling with a token that is not two hex digits.
    BadByte {
        /// The token.
        token: String,
        /// Its position, from 1.
        at: usize,
    },
    /// A spelling of raw bytes that holds other than 16 of them.
    ByteCount {
        /// How many bytes there are.
        found: usize,
    },
    /// Base64 whose length is not a multiple of 4 (usually missing `=` padding).
    Base64Length {
        /// How many characters there are.
        chars: usize,
    },
    /// Base64 that decodes but is not in canonical form (misplaced `=` or stray trailing bits),
    /// so it is not what any tool writes for a GUID.
    Base64NotCanonical,
    /// Base64 of a byte count other than 16.
    Base64Bytes {
        /// How many bytes it decodes to.
        found: usize,
    },
    /// A delimiter that opens but does not close, e.g. `{` without `}` or `X'` without `'`.
    Unclosed {
        /// The opening delimiter.
        open: &'static str,
        /// The closing delimiter it lacks.
        close: &'static str,
    },
    /// A connector-space DN whose hex does not spell a GUID's ImmutableID.
    ConnectorSpaceDn {
        /// What the hex spells (lossily, when it is not text).
        spelled: String,
        /// Why that is not an ImmutableID.
        reason: Box<GuidError>,
    },
    /// Text in no GUID spelling at all.
    Unrecognised,
}

impl fmt::Display for GuidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuidError::Empty => f.write_str("the value is empty"),
            GuidError::BadChar { ch, at, expected } => {
                write!(f, "`{}` at character {at} is not {expected}", ch.escape_debug())
            }
            GuidError::HexDigits { found } => write!(f, "expected 32 hex digits, found {found}"),
            GuidError::Groups { found } => {
                write!(f, "expected groups of 8-4-4-4-12 hex digits, found {found}")
            }
            GuidError::BadByte { token, at } => write!(
                f,
                "`{}` at character {at} is not a byte (two hex digits)",
                token.escape_debug()
            ),
            GuidError::ByteCount { found } => write!(f, "expected 16 bytes, found {found}"),
            GuidError::Base64Length { chars } => write!(
                f,
                "base64 has {chars} characters, not a multiple of 4 (is `=` padding missing?)"
            ),
            GuidError::Base64NotCanonical => f.write_str(
                "base64 is not in canonical form (misplaced `=` or stray bits in the last character)",
            ),
            GuidError::Base64Bytes { found } => {
                write!(f, "base64 decodes to {found} bytes, a GUID has 16")
            }
            GuidError::Unclosed { open, close } => write!(f, "`{open}` is not closed by `{close}`"),
            GuidError::ConnectorSpaceDn { spelled, reason } => write!(
                f,
                "the connector-space DN's hex spells `{}`, which is not an ImmutableID: {reason}",
                spelled.escape_debug()
            ),
            GuidError::Unrecognised => f.write_str(
                "not a GUID in any known spelling (GUID text, base64 ImmutableID, csvde X'…', \
                 hex bytes, LDAP \\-escaped bytes, connector-space DN, ldifde line)",
            ),
        }
    }
}

impl std::error::Error for GuidError {}

/// Reads a GUID in any spelling of [`GuidSpelling`]. Hex may be in any case; surrounding
/// whitespace and one pair of surrounding double quotes are ignored. Byte-order spellings
/// (base64, csvde, hex bytes, LDAP escapes) hold `ToByteArray` order and are read with
/// [`Uuid::from_bytes_le`].
///
/// ```
/// use anchor_audit::engine::guid::{parse_guid, GuidSpelling};
/// let parsed = parse_guid("X'c98b91356d19ea409779889d79b753f0'").unwrap();
/// assert_eq!(parsed.guid.to_string(), "35918bc9-196d-40ea-9779-889d79b753f0");
/// assert_eq!(parsed.spelling, GuidSpelling::CsvdeHex);
/// ```
pub fn parse_guid(text: &str) -> Result<ParsedGuid, GuidError> {
    let s = Parser { whole: text };
    let body = unwrap_value(text);
    if body.is_empty() {
        return Err(GuidError::Empty);
    }
    let (guid, spelling) = s.dispatch(body)?;
    Ok(ParsedGuid { guid, spelling })
}

/// Removes surrounding whitespace and one pair of surrounding double quotes (CSV fields, pasted
/// PowerShell strings), then whitespace inside the quotes.
pub(crate) fn unwrap_value(text: &str) -> &str {
    let t = text.trim();
    t.strip_prefix('"').and_then(|t| t.strip_suffix('"')).map_or(t, str::trim)
}

/// The text as given, so that errors can say where in it a problem is. Every `&str` the parser
/// looks at is a sub-slice of `whole`.
struct Parser<'a> {
    whole: &'a str,
}

impl<'a> Parser<'a> {
    /// The 1-based character position of `part` (a sub-slice of `whole`) in `whole`.
    fn position(&self, part: &str) -> usize {
        let offset = (part.as_ptr() as usize).saturating_sub(self.whole.as_ptr() as usize);
        self.whole.get(..offset).map_or(0, |head| head.chars().count()) + 1
    }

    fn bad_char(&self, rest: &str, expected: &'static str) -> GuidError {
        let ch = rest.chars().next().unwrap_or(' ');
        GuidError::BadChar { ch, at: self.position(rest), expected }
    }

    /// Picks the spelling by the text's shape (the first matching rule wins), then reads it
    /// strictly, so that an error speaks about the spelling the admin meant:
    ///
    /// 1. `attr:: value`: ldifde;
    /// 2. `CN={`: connector-space DN; `urn:uuid:` (either case, as URNs are): the hyphenated
    ///    GUID after it;
    /// 3. `X'`: csvde;
    /// 4. a leading `\`: LDAP escapes;
    /// 5. `{` or `(`: braced;
    /// 6. whitespace inside, or 16 dash-separated groups: hex bytes (a lone `0x…` is not, as
    ///    base64 may start with `0X`);
    /// 7. a dash, unless 22 or 24 characters not all hex (URL-safe base64): hyphenated;
    /// 8. `+`, `/`, `=`, or 22 or 24 characters not all hex: base64;
    /// 9. 32 characters, or only hex digits: simple;
    /// 10. only letters and digits, in quads or 22 of them (16 bytes unpadded): base64;
    /// 11. anything else: unrecognised.
    fn dispatch(&self, body: &'a str) -> Result<(Uuid, GuidSpelling), GuidError> {
        if let Some(value) = ldif_value(body) {
            return self.base64(value.trim()).map(|g| (g, GuidSpelling::LdifLine));
        }
        if let Some(rest) = strip_prefix_ignore_case(body, "CN={") {
            return self.connector_space_dn(rest).map(|g| (g, GuidSpelling::ConnectorSpaceDn));
        }
        if let Some(rest) = strip_prefix_ignore_case(body, "urn:uuid:") {
            return self.hyphenated(rest).map(|g| (g, GuidSpelling::Urn));
        }
        if let Some(rest) = strip_prefix_ignore_case(body, "X'") {
            let hex =
                rest.strip_suffix('\'').ok_or(GuidError::Unclosed { open: "X'", close: "'" })?;
            let bytes = self.hex_digits(hex)?;
            return Ok((Uuid::from_bytes_le(bytes), GuidSpelling::CsvdeHex));
        }
        if let Some(rest) = body.strip_prefix('\\') {
            return self.byte_tokens(rest.split('\\')).map(|g| (g, GuidSpelling::LdapEscaped));
        }
        let bracketed = [("{", "}"), ("(", ")")]
            .into_iter()
            .find_map(|(open, close)| Some((body.strip_prefix(open)?, open, close)));
        if let Some((rest, open, close)) = bracketed {
            let inner = rest.strip_suffix(close).ok_or(GuidError::Unclosed { open, close })?;
            let guid =
                if inner.contains('-') { self.hyphenated(inner)? } else { self.simple(inner)? };
            return Ok((guid, GuidSpelling::Braced));
        }
        let dash_groups = body.split('-').count();
        if body.contains(char::is_whitespace) || dash_groups == 16 {
            return self.byte_tokens(hex_byte_tokens(body)).map(|g| (g, GuidSpelling::HexBytes));
        }
        let hex_or_dash = body.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        let base64_length = matches!(body.len(), 22 | 24) && !hex_or_dash;
        if dash_groups > 1 && !base64_length {
            return self.hyphenated(body).map(|g| (g, GuidSpelling::Hyphenated));
        }
        let base64_only = body.contains(['+', '/', '=']);
        if base64_only || base64_length {
            return self.base64(body).map(|g| (g, GuidSpelling::Base64));
        }
        if body.len() == 32 || body.chars().all(|c| c.is_ascii_hexdigit()) {
            return self.simple(body).map(|g| (g, GuidSpelling::Simple));
        }
        let base64_shaped = body.len().is_multiple_of(4) || body.len() == 22;
        if base64_shaped && body.chars().all(|c| c.is_ascii_alphanumeric()) {
            return self.base64(body).map(|g| (g, GuidSpelling::Base64));
        }
        Err(GuidError::Unrecognised)
    }

    /// Exactly 32 hex digits into 16 bytes, in the order written.
    fn hex_digits(&self, hex: &str) -> Result<[u8; 16], GuidError> {
        if let Some(i) = hex.find(|c: char| !c.is_ascii_hexdigit()) {
            return Err(self.bad_char(&hex[i..], "a hex digit"));
        }
        let found = hex.len();
        let bytes = decode_hex(hex).ok_or(GuidError::HexDigits { found })?;
        bytes.try_into().map_err(|_| GuidError::HexDigits { found })
    }

    /// 32 hex digits in display order.
    fn simple(&self, hex: &str) -> Result<Uuid, GuidError> {
        self.hex_digits(hex).map(Uuid::from_bytes)
    }

    /// 8-4-4-4-12 hex digits in display order.
    fn hyphenated(&self, text: &str) -> Result<Uuid, GuidError> {
        if let Some(i) = text.find(|c: char| !c.is_ascii_hexdigit() && c != '-') {
            return Err(self.bad_char(&text[i..], "a hex digit or `-`"));
        }
        let lengths: Vec<usize> = text.split('-').map(str::len).collect();
        if lengths != [8, 4, 4, 4, 12] {
            let found = lengths.iter().map(usize::to_string).collect::<Vec<_>>().join("-");
            return Err(GuidError::Groups { found });
        }
        let digits: String = text.split('-').collect();
        decode_hex(&digits)
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .map(Uuid::from_bytes)
            .ok_or(GuidError::HexDigits { found: digits.len() })
    }

    /// One byte per token (two hex digits, optionally after `0x`), 16 tokens, ToByteArray order.
    fn byte_tokens(&self, tokens: impl Iterator<Item = &'a str>) -> Result<Uuid, GuidError> {
        let mut bytes = Vec::with_capacity(16);
        for token in tokens {
            let digits = strip_hex_prefix(token);
            match decode_hex(digits).as_deref() {
                Some(&[b]) => bytes.push(b),
                _ => {
                    return Err(GuidError::BadByte {
                        token: token.to_string(),
                        at: self.position(token),
                    })
                }
            }
        }
        let found = bytes.len();
        let bytes: [u8; 16] = bytes.try_into().map_err(|_| GuidError::ByteCount { found })?;
        Ok(Uuid::from_bytes_le(bytes))
    }

    /// Standard padded canonical base64 of 16 `ToByteArray` bytes.
    fn base64(&self, text: &str) -> Result<Uuid, GuidError> {
        let is_base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
        if let Some(i) = text.find(|c: char| !is_base64(c)) {
            let rest = &text[i..];
            let expected = if rest.starts_with(['-', '_']) {
                "a base64 character (ImmutableIDs use `+` and `/`, not URL-safe `-` and `_`)"
            } else {
                "a base64 character"
            };
            return Err(self.bad_char(rest, expected));
        }
        if !text.len().is_multiple_of(4) {
            return Err(GuidError::Base64Length { chars: text.len() });
        }
        let bytes = decode_base64_canonical(text).ok_or(GuidError::Base64NotCanonical)?;
        let found = bytes.len();
        let bytes: [u8; 16] = bytes.try_into().map_err(|_| GuidError::Base64Bytes { found })?;
        Ok(Uuid::from_bytes_le(bytes))
    }

    /// `CN={<hex>}` (the `CN={` already stripped): the hex spells the ImmutableID's ASCII text.
    fn connector_space_dn(&self, rest: &str) -> Result<Uuid, GuidError> {
        let hex = rest.strip_suffix('}').ok_or(GuidError::Unclosed { open: "CN={", close: "}" })?;
        if let Some(i) = hex.find(|c: char| !c.is_ascii_hexdigit()) {
            return Err(self.bad_char(&hex[i..], "a hex digit"));
        }
        let spelled_bytes = decode_hex(hex).ok_or(GuidError::HexDigits { found: hex.len() })?;
        let spelled = String::from_utf8_lossy(&spelled_bytes).into_owned();
        // Positions inside the spelled text mean nothing in the DN, so judge it on its own.
        let inner = Parser { whole: &spelled };
        inner.base64(&spelled).map_err(|reason| GuidError::ConnectorSpaceDn {
            spelled: spelled.clone(),
            reason: Box::new(reason),
        })
    }
}

/// The value of an LDIF `attribute:: base64` line, if `body` is one.
fn ldif_value(body: &str) -> Option<&str> {
    let (name, value) = body.split_once("::")?;
    let is_attribute =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    is_attribute.then_some(value)
}

/// The tokens of a hex-bytes spelling (`C9 8B …`, `C9-8B-…`): split on whitespace and dashes.
pub(crate) fn hex_byte_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c == '-').filter(|t| !t.is_empty())
}

/// A hex token without its optional `0x` / `0X` prefix.
pub(crate) fn strip_hex_prefix(token: &str) -> &str {
    strip_prefix_ignore_case(token, "0x").unwrap_or(token)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// Hex digits (any case, even count) into bytes; `None` on anything else.
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let nibble = |b: &u8| char::from(*b).to_digit(16).and_then(|d| u8::try_from(d).ok());
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [high, low] => Some(nibble(high)? << 4 | nibble(low)?),
            _ => None,
        })
        .collect()
}

fn hex_string(bytes: &[u8], separator: &str, prefix: &str, upper: bool) -> String {
    bytes
        .iter()
        .map(|b| if upper { format!("{prefix}{b:02X}") } else { format!("{prefix}{b:02x}") })
        .collect::<Vec<_>>()
        .join(separator)
}

/// Every spelling of one GUID, for the converter and the report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GuidForms {
    /// `35918bc9-196d-40ea-9779-889d79b753f0`, as `Get-ADUser` shows objectGUID.
    pub hyphenated: String,
    /// `{35918bc9-196d-40ea-9779-889d79b753f0}`.
    pub braced: String,
    /// The ImmutableID Entra Connect computes: base64 of the `ToByteArray` bytes.
    pub immutable_id: String,
    /// csvde's `X'c98b…'` (raw `ToByteArray` bytes).
    pub csvde: String,
    /// `C9 8B 91 35 …`, the bytes as the ADUC attribute editor shows them.
    pub hex_bytes: String,
    /// `\c9\8b\91…`, for an LDAP search filter.
    pub ldap_escaped: String,
    /// `CN={…}`, the object's DN in the Entra connector space.
    pub connector_space_dn: String,
    /// `objectGUID:: …`, as ldifde writes it.
    pub ldif_line: String,
    /// The WRONG big-endian base64 (Python `uuid.bytes`): not an ImmutableID; shown so that an
    /// anchor made this way can be recognised.
    pub big_endian_base64: String,
    /// PowerShell that computes the ImmutableID from the GUID text.
    pub powershell: String,
}

impl GuidForms {
    /// The forms that spell the GUID, each with the spelling [`parse_guid`] reads it as.
    pub fn spellings(&self) -> [(&str, GuidSpelling); 8] {
        [
            (&self.hyphenated, GuidSpelling::Hyphenated),
            (&self.braced, GuidSpelling::Braced),
            (&self.immutable_id, GuidSpelling::Base64),
            (&self.csvde, GuidSpelling::CsvdeHex),
            (&self.hex_bytes, GuidSpelling::HexBytes),
            (&self.ldap_escaped, GuidSpelling::LdapEscaped),
            (&self.connector_space_dn, GuidSpelling::ConnectorSpaceDn),
            (&self.ldif_line, GuidSpelling::LdifLine),
        ]
    }

    /// The forms with labels, in the order the converter shows them.
    pub fn labelled(&self) -> [(&'static str, &str); 10] {
        [
            ("GUID", &self.hyphenated),
            ("GUID in braces", &self.braced),
            ("ImmutableID", &self.immutable_id),
            ("csvde", &self.csvde),
            ("hex bytes", &self.hex_bytes),
            ("LDAP filter", &self.ldap_escaped),
            ("connector-space DN", &self.connector_space_dn),
            ("ldifde", &self.ldif_line),
            ("big-endian base64 (WRONG, not an ImmutableID)", &self.big_endian_base64),
            ("PowerShell", &self.powershell),
        ]
    }
}

/// Every spelling of `guid`.
pub fn forms(guid: &Uuid) -> GuidForms {
    let bytes = guid.to_bytes_le();
    let immutable_id = immutable_id(guid);
    let hyphenated = guid.hyphenated().to_string();
    GuidForms {
        braced: format!("{{{hyphenated}}}"),
        csvde: format!("X'{}'", hex_string(&bytes, "", "", false)),
        hex_bytes: hex_string(&bytes, " ", "", true),
        ldap_escaped: hex_string(&bytes, "", "\\", false),
        connector_space_dn: format!("CN={{{}}}", hex_string(immutable_id.as_bytes(), "", "", true)),
        ldif_line: format!("objectGUID:: {immutable_id}"),
        big_endian_base64: big_endian_base64(guid),
        powershell: format!("[Convert]::ToBase64String(([GUID]'{hyphenated}').ToByteArray())"),
        hyphenated,
        immutable_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "35918bc9-196d-40ea-9779-889d79b753f0";

    fn uuid(text: &str) -> Uuid {
        Uuid::parse_str(text).expect("test GUIDs are valid")
    }

    /// (GUID, ImmutableID, big-endian base64): domain.md §1's vectors.
    const VECTORS: &[(&str, &str, &str)] = &[
        (DOC, "yYuRNW0Z6kCXeYidebdT8A==", "NZGLyRltQOqXeYidebdT8A=="),
        (
            "fcc7e67f-fec6-4a65-b821-2f40a292d185",
            "f+bH/Mb+ZUq4IS9AopLRhQ==",
            "/Mfmf/7GSmW4IS9AopLRhQ==",
        ),
        (
            "88666888-0101-1111-bbbb-1234567890ab",
            "iGhmiAEBERG7uxI0VniQqw==",
            "iGZoiAEBERG7uxI0VniQqw==",
        ),
    ];

    #[test]
    fn known_vectors() {
        for &(guid, id, big) in VECTORS {
            assert_eq!(immutable_id(&uuid(guid)), id, "{guid}");
            assert_eq!(guid_from_immutable_id(id), Some(uuid(guid)), "{id}");
            assert_eq!(big_endian_base64(&uuid(guid)), big, "{guid}");
        }
        assert_eq!(
            uuid(DOC).to_bytes_le(),
            [
                0xC9, 0x8B, 0x91, 0x35, 0x6D, 0x19, 0xEA, 0x40, 0x97, 0x79, 0x88, 0x9D, 0x79, 0xB7,
                0x53, 0xF0
            ]
        );
    }

    #[test]
    fn immutable_id_is_strict() {
        for bad in [
            "",
            " yYuRNW0Z6kCXeYidebdT8A==", // whitespace is part of the anchor
            "yYuRNW0Z6kCXeYidebdT8A",    // unpadded
            "yYuRNW0Z6kCXeYidebdT8B==",  // stray bits in the last character
            "yYuRNW0Z6kCXeYidebdT8A=",   // short padding
            "yYuRNW0Z6kCXeYidebdT8A==AAAA", // 19 bytes
            "yYuRNW0Z6kCXeYidebdT",      // 15 bytes
            "yYuRNW0Z6kCXeYidebdT8A-_",  // URL-safe alphabet
            "MzU5MThiYzktMTk2ZC00MGVhLTk3NzktODg5ZDc5Yjc1M2Yw", // base64 of the text
        ] {
            assert_eq!(guid_from_immutable_id(bad), None, "{bad:?}");
        }
    }

    /// Every spelling of the .NET documentation's GUID.
    #[test]
    fn spellings_of_one_guid() {
        use GuidSpelling::*;
        let cases: &[(&str, GuidSpelling)] = &[
            ("35918bc9-196d-40ea-9779-889d79b753f0", Hyphenated),
            ("35918BC9-196D-40EA-9779-889D79B753F0", Hyphenated),
            ("  \"35918bc9-196d-40ea-9779-889d79b753f0\"\r\n", Hyphenated),
            ("{35918bc9-196d-40ea-9779-889d79b753f0}", Braced),
            ("{35918BC9196D40EA9779889D79B753F0}", Braced),
            ("(35918bc9-196d-40ea-9779-889d79b753f0)", Braced),
            ("35918bc9196d40ea9779889d79b753f0", Simple),
            ("yYuRNW0Z6kCXeYidebdT8A==", Base64),
            ("\"yYuRNW0Z6kCXeYidebdT8A==\"", Base64),
            ("X'c98b91356d19ea409779889d79b753f0'", CsvdeHex),
            ("x'C98B91356D19EA409779889D79B753F0'", CsvdeHex),
            ("C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 F0", HexBytes),
            (
                "0xc9 0x8b 0x91 0x35 0x6d 0x19 0xea 0x40 0x97 0x79 0x88 0x9d 0x79 0xb7 0x53 0xf0",
                HexBytes,
            ),
            ("C9-8B-91-35-6D-19-EA-40-97-79-88-9D-79-B7-53-F0", HexBytes),
            ("c9\t8b 91 35  6d 19 ea 40 97 79 88 9d 79 b7 53 f0", HexBytes),
            (r"\c9\8b\91\35\6d\19\ea\40\97\79\88\9d\79\b7\53\f0", LdapEscaped),
            (r"\C9\8B\91\35\6D\19\EA\40\97\79\88\9D\79\B7\53\F0", LdapEscaped),
            // The DN is hex of the ASCII text of the ImmutableID, one byte per character:
            // y=79 Y=59 u=75 R=52 N=4E W=57 0=30 Z=5A 6=36 k=6B C=43 X=58 e=65 Y=59 i=69 d=64
            // e=65 b=62 d=64 T=54 8=38 A=41 '='=3D '='=3D (24 characters, 48 hex digits).
            ("CN={795975524E57305A366B4358655969646562645438413D3D}", ConnectorSpaceDn),
            ("cn={795975524e57305a366b4358655969646562645438413d3d}", ConnectorSpaceDn),
            ("objectGUID:: yYuRNW0Z6kCXeYidebdT8A==", LdifLine),
            ("mS-DS-ConsistencyGuid::yYuRNW0Z6kCXeYidebdT8A==", LdifLine),
            // RFC 4122 section 3; peers (JIM's IdentifierParser) accept it too.
            ("urn:uuid:35918bc9-196d-40ea-9779-889d79b753f0", Urn),
            ("URN:UUID:35918BC9-196D-40EA-9779-889D79B753F0", Urn),
            (" \"urn:uuid:35918bc9-196d-40ea-9779-889d79b753f0\" ", Urn),
        ];
        for &(text, spelling) in cases {
            assert_eq!(parse_guid(text), Ok(ParsedGuid { guid: uuid(DOC), spelling }), "{text:?}");
        }
    }

    /// Shapes that once fooled the dispatcher (the first found by proptest): each must still
    /// be read in the spelling it really is.
    #[test]
    fn lookalikes_keep_their_spelling() {
        let cases: &[(&str, GuidSpelling)] = &[
            ("0XAAAAAAAAAAAAAAAAAAAA==", GuidSpelling::Base64), // starts like a `0x` hex byte
            ("deadbeefdeadbeefdeadbeefdeadbeef", GuidSpelling::Simple),
            ("AAAAAAAAAAAAAAAAAAAAAA==", GuidSpelling::Base64), // all-hex letters, but padded
        ];
        for &(text, spelling) in cases {
            assert_eq!(parse_guid(text).map(|p| p.spelling), Ok(spelling), "{text:?}");
        }
        assert_eq!(
            parse_guid("0XAAAAAAAAAAAAAAAAAAAA==").map(|p| p.guid),
            Ok(Uuid::from_bytes([0, 0, 112, 209, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
        );
    }

    /// ADSyncTools' own documented pair (reference-connect-adsynctools.md).
    #[test]
    fn adsynctools_dn_example() {
        let dn = "CN={514635484D4B376E38307176645973555049486139513D3D}";
        let parsed = parse_guid(dn).expect("documented DN");
        assert_eq!(immutable_id(&parsed.guid), "QF5HMK7n80qvdYsUPIHa9Q==");
        assert_eq!(forms(&parsed.guid).connector_space_dn, dn);
    }

    #[test]
    fn bad_inputs_say_why() {
        let cases: &[(&str, &str)] = &[
            ("", "the value is empty"),
            ("  \"\" ", "the value is empty"),
            ("35918bc9196d40ea9779889d79b753f", "expected 32 hex digits, found 31"),
            ("3591gbc9196d40ea9779889d79b753f0", "`g` at character 5 is not a hex digit"),
            (" 3591gbc9196d40ea9779889d79b753f0", "`g` at character 6 is not a hex digit"),
            ("35918bc9-196d-40ea-9779-889d79b753f", "expected groups of 8-4-4-4-12 hex digits, found 8-4-4-4-11"),
            ("35918bc9-196d-40ea-9779889d79b753f0", "expected groups of 8-4-4-4-12 hex digits, found 8-4-4-16"),
            ("35918bc9-196d-40ea-9779-889d79b753fz", "`z` at character 36 is not a hex digit or `-`"),
            ("{35918bc9-196d-40ea-9779-889d79b753f0", "`{` is not closed by `}`"),
            ("(35918bc9-196d-40ea-9779-889d79b753f0}", "`(` is not closed by `)`"),
            ("{35918bc9-196d-40ea-9779-889d79b753fz}", "`z` at character 37 is not a hex digit or `-`"),
            ("X'c98b91356d19ea409779889d79b753f0", "`X'` is not closed by `'`"),
            ("X'c98b91356d19ea409779889d79b753'", "expected 32 hex digits, found 30"),
            ("X'c98b91356d19ea409779889d79b753fx'", "`x` at character 34 is not a hex digit"),
            ("C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53", "expected 16 bytes, found 15"),
            ("C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 F0 00", "expected 16 bytes, found 17"),
            ("C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 F", "`F` at character 46 is not a byte (two hex digits)"),
            ("C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 G0", "`G0` at character 46 is not a byte (two hex digits)"),
            (r"\c9\8b\91\35\6d\19\ea\40\97\79\88\9d\79\b7\53", "expected 16 bytes, found 15"),
            (r"\c9\8b\91\35\6d\19\ea\40\97\79\88\9d\79\b7\53\f", "`f` at character 47 is not a byte (two hex digits)"),
            ("yYuRNW0Z6kCXeYidebdT", "base64 decodes to 15 bytes, a GUID has 16"),
            ("yYuRNW0Z6kCXeYid", "base64 decodes to 12 bytes, a GUID has 16"),
            ("yYuRNW0Z6kCXeYidebdT8A", "base64 has 22 characters, not a multiple of 4 (is `=` padding missing?)"),
            ("yYuRNW0Z6kCXeYidebdT8B==", "base64 is not in canonical form (misplaced `=` or stray bits in the last character)"),
            ("yYuRNW0Z6kC=eYidebdT8A==", "base64 is not in canonical form (misplaced `=` or stray bits in the last character)"),
            ("yYuRNW0Z6kCXeYidebdT8A_=", "`_` at character 23 is not a base64 character (ImmutableIDs use `+` and `/`, not URL-safe `-` and `_`)"),
            ("f-bH_Mb-ZUq4IS9AopLRhQ==", "`-` at character 2 is not a base64 character (ImmutableIDs use `+` and `/`, not URL-safe `-` and `_`)"),
            ("f-bH_Mb-ZUq4IS9AopLRhQ", "`-` at character 2 is not a base64 character (ImmutableIDs use `+` and `/`, not URL-safe `-` and `_`)"),
            ("35918bc9-196d-40ea-9779-", "expected groups of 8-4-4-4-12 hex digits, found 8-4-4-4-0"),
            ("35918bc9196d40ea9779889d", "expected 32 hex digits, found 24"),
            ("35918bc9-196d-40ea-9779", "expected groups of 8-4-4-4-12 hex digits, found 8-4-4-4"),
            ("objectGUID:: yYuRNW0Z6kCXeYid", "base64 decodes to 12 bytes, a GUID has 16"),
            ("CN={795975524E57305A366B4358655969646562645438413D3D", "`CN={` is not closed by `}`"),
            ("CN={795975524E57305A366B435865596964656264543841}", "the connector-space DN's hex spells `yYuRNW0Z6kCXeYidebdT8A`, which is not an ImmutableID: base64 has 22 characters, not a multiple of 4 (is `=` padding missing?)"),
            ("CN={7959755}", "expected 32 hex digits, found 7"),
            ("CN={79597552Q}", "`Q` at character 13 is not a hex digit"),
            ("hello", "not a GUID in any known spelling (GUID text, base64 ImmutableID, csvde X'…', hex bytes, LDAP \\-escaped bytes, connector-space DN, ldifde line)"),
            ("00ub0oNGTSWTBKOLGLNR", "base64 decodes to 15 bytes, a GUID has 16"),
            ("ÿYuRNW0Z6kCXeYidebdT8A=", "`ÿ` at character 1 is not a base64 character"),
        ];
        for &(text, message) in cases {
            match parse_guid(text) {
                Ok(parsed) => panic!("{text:?} parsed as {parsed:?}"),
                Err(err) => assert_eq!(err.to_string(), message, "{text:?}"),
            }
        }
    }

    #[test]
    fn forms_of_the_documented_guid() {
        let f = forms(&uuid(DOC));
        assert_eq!(f.hyphenated, DOC);
        assert_eq!(f.braced, "{35918bc9-196d-40ea-9779-889d79b753f0}");
        assert_eq!(f.immutable_id, "yYuRNW0Z6kCXeYidebdT8A==");
        assert_eq!(f.csvde, "X'c98b91356d19ea409779889d79b753f0'");
        assert_eq!(f.hex_bytes, "C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 F0");
        assert_eq!(f.ldap_escaped, r"\c9\8b\91\35\6d\19\ea\40\97\79\88\9d\79\b7\53\f0");
        assert_eq!(f.connector_space_dn, "CN={795975524E57305A366B4358655969646562645438413D3D}");
        assert_eq!(f.ldif_line, "objectGUID:: yYuRNW0Z6kCXeYidebdT8A==");
        assert_eq!(f.big_endian_base64, "NZGLyRltQOqXeYidebdT8A==");
        assert_eq!(
            f.powershell,
            "[Convert]::ToBase64String(([GUID]'35918bc9-196d-40ea-9779-889d79b753f0').ToByteArray())"
        );
        assert!(f.labelled().iter().any(|(label, _)| label.contains("WRONG")));
    }

    #[test]
    fn spelling_serializes_kebab_case() {
        let json = serde_json::to_string(&GuidSpelling::ConnectorSpaceDn).expect("serializable");
        assert_eq!(json, "\"connector-space-dn\"");
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn every_form_parses_back(bytes in any::<[u8; 16]>()) {
            let guid = Uuid::from_bytes(bytes);
            let f = forms(&guid);
            let simple = guid.simple().to_string();
            let upper = f.hyphenated.to_uppercase();
            let more =
                [(upper.as_str(), GuidSpelling::Hyphenated), (simple.as_str(), GuidSpelling::Simple)];
            for (text, spelling) in f.spellings().into_iter().chain(more) {
                prop_assert_eq!(parse_guid(text), Ok(ParsedGuid { guid, spelling }), "{}", text);
            }
        }

        #[test]
        fn immutable_id_round_trips(bytes in any::<[u8; 16]>()) {
            let guid = Uuid::from_bytes(bytes);
            prop_assert_eq!(guid_from_immutable_id(&immutable_id(&guid)), Some(guid));
        }

        #[test]
        fn parse_guid_never_panics(text in any::<String>()) {
            let _ = parse_guid(&text);
        }

        #[test]
        fn parse_guid_never_panics_on_near_misses(text in "[ \"{}()xX'\\\\CN=:0-9a-fA-F+/=-]{0,60}") {
            let _ = parse_guid(&text);
        }
    }
}
