//! Classifying an ImmutableID / source-anchor value by its shape alone: what it was most likely
//! made from. Whether a GUID-shaped value is the objectGUID, the mS-DS-ConsistencyGuid or a
//! big-endian mistake is not decided here but by the matcher, which knows the on-prem GUIDs.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::guid::{
    decode_base64_canonical, guid_from_immutable_id, parse_guid, GuidSpelling,
};
use crate::engine::str_like::str_like;

mod key;

pub(crate) use key::AnchorKey;

/// A source anchor as the report holds it: the ImmutableID of a GUID, or a string attribute's
/// value. Reads as a `&str` and compares, prints and serialises as the anchor's text, but a
/// GUID's ImmutableID (nearly every anchor) is kept inline, so a million entries allocate no
/// string for it.
#[derive(Clone)]
pub struct Anchor(AnchorText);

#[derive(Clone)]
enum AnchorText {
    /// `immutable_id(guid)`: 24 base64 characters.
    Guid([u8; 24]),
    /// Any other value, as read.
    Text(String),
}

impl Anchor {
    /// The ImmutableID Entra Connect computes from `guid` (see [`immutable_id`]).
    ///
    /// [`immutable_id`]: crate::engine::guid::immutable_id
    pub fn of_guid(guid: &Uuid) -> Anchor {
        let mut base64 = [0; 24];
        let written = STANDARD.encode_slice(guid.to_bytes_le(), &mut base64);
        debug_assert_eq!(written.ok(), Some(24));
        Anchor(AnchorText::Guid(base64))
    }

    /// The anchor's text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            AnchorText::Guid(base64) => std::str::from_utf8(base64).expect("base64 is ASCII"),
            AnchorText::Text(text) => text,
        }
    }
}

impl From<String> for Anchor {
    fn from(text: String) -> Anchor {
        Anchor(AnchorText::Text(text))
    }
}

str_like!(Anchor);

/// Entra Connect rejects string anchors of 60 characters or more (domain.md §2).
pub(crate) const MAX_STRING_ANCHOR_CHARS: usize = 59;

/// Which kind of Okta object an Okta ID names, from its three-character prefix.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OktaObject {
    /// `00u…`: an Okta user.
    User,
    /// `0ua…`: a user's assignment to an app (app user).
    AppUser,
    /// `0oa…`: an app instance, e.g. the Microsoft 365 app.
    App,
    /// `00g…`: a group.
    Group,
}

impl OktaObject {
    /// The object an Okta ID's prefix names, if it is one of the known prefixes.
    fn from_prefix(prefix: &str) -> Option<OktaObject> {
        match prefix {
            "00u" => Some(OktaObject::User),
            "0ua" => Some(OktaObject::AppUser),
            "0oa" => Some(OktaObject::App),
            "00g" => Some(OktaObject::Group),
            _ => None,
        }
    }

    /// "Okta user ID" and the like.
    pub fn label(&self) -> &'static str {
        match self {
            OktaObject::User => "Okta user ID",
            OktaObject::AppUser => "Okta app user ID",
            OktaObject::App => "Okta app ID",
            OktaObject::Group => "Okta group ID",
        }
    }
}

/// What an anchor value is, judged from the value alone.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AnchorClass {
    /// Empty or only whitespace: the user can only be soft-matched.
    Empty,
    /// A value with whitespace around it. Entra compares anchors verbatim, so it equals no
    /// anchor Connect computes even when the rest does; `inner` classifies the trimmed value.
    Padded {
        /// The class of the value without its surrounding whitespace.
        inner: Box<AnchorClass>,
    },
    /// Canonical base64 of 16 bytes: a GUID in ImmutableID form, the normal case.
    Base64Guid {
        /// The GUID, reading the bytes in `ToByteArray` order.
        guid: Uuid,
    },
    /// GUID text (hyphenated, braced or 32 hex digits) stamped directly as the anchor.
    GuidText {
        /// The GUID the text spells.
        guid: Uuid,
    },
    /// Base64 of a GUID's text (UTF-8 or UTF-16LE, with or without braces), e.g. 48 characters
    /// for the 36-character text: somebody encoded the string instead of the bytes.
    Base64GuidText {
        /// The GUID the encoded text spells.
        guid: Uuid,
    },
    /// A GUID in another spelling of [`GuidSpelling`] (csvde `X'…'`, hex bytes, LDAP escapes,
    /// connector-space DN, ldifde line) pasted as the anchor.
    GuidOtherSpelling {
        /// The GUID, reading the bytes in `ToByteArray` order.
        guid: Uuid,
        /// How it is spelled.
        spelling: GuidSpelling,
    },
    /// A 20-character Okta ID: the user was provisioned by Okta without an AD link.
    OktaId {
        /// What the ID names.
        object: OktaObject,
    },
    /// A UPN or e-mail address (`local@domain.tld`).
    Email,
    /// An even number (8 or more) of hex digits, mixing digits and letters, that is not a
    /// 32-digit GUID (all digits is more likely a number, all letters a word).
    Hex {
        /// How many bytes the digits spell.
        bytes: usize,
    },
    /// Canonical base64 of some byte count other than 16 (or of 16 bytes that are GUID text).
    Base64Bytes {
        /// How many bytes it decodes to.
        bytes: usize,
    },
    /// 60 characters or more: too long for a string source anchor.
    TooLong {
        /// How many characters it has.
        chars: usize,
    },
    /// Any other string (employeeID, sAMAccountName, …), used verbatim as a string anchor.
    Text,
}

/// Classifies an anchor value by its shape. Never fails: anything is at least [`AnchorClass::Text`].
///
/// ```
/// use anchor_audit::engine::anchor::{classify_anchor, AnchorClass, OktaObject};
/// assert!(matches!(classify_anchor("yYuRNW0Z6kCXeYidebdT8A=="), AnchorClass::Base64Guid { .. }));
/// assert_eq!(
///     classify_anchor("00ub0oNGTSWTBKOLGLNR"),
///     AnchorClass::OktaId { object: OktaObject::User }
/// );
/// ```
pub fn classify_anchor(value: &str) -> AnchorClass {
    // Precedence, first match wins:
    // 1. Empty: nothing else can be said of it.
    // 2. Padded: whitespace makes the value differ from anything Connect computes, which
    //    matters more than what the rest is; the rest is classified on its own.
    // 3. Base64Guid before every other base64 or text rule: it is the normal case, and a 24-char
    //    canonical base64 could otherwise pass as Base64Bytes or Text.
    // 4. GuidText before Hex: 32 hex digits are a GUID, not 16 arbitrary bytes.
    // 5. GuidOtherSpelling: the rest of parse_guid's spellings (csvde, hex bytes, LDAP, DN, …).
    // 6. Base64GuidText before Base64Bytes: base64 that decodes to GUID text (48 or 52 characters
    //    for UTF-8 text, 96 or 104 for UTF-16LE).
    // 7. OktaId before Base64Bytes: a 20-character Okta ID is also valid base64 of 15 bytes.
    // 8. Hex before Base64Bytes: hex digits in quads are also valid base64.
    // 9. TooLong before the string shapes (Email, Text): Connect rejects a string anchor that
    //    long whatever it says. Binary shapes above are base64-encoded by Connect, so exempt.
    // 10. Email, then Text: everything else.
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return AnchorClass::Empty;
    }
    if trimmed.len() != value.len() {
        return AnchorClass::Padded { inner: Box::new(classify_anchor(trimmed)) };
    }
    if let Some(guid) = guid_from_immutable_id(value) {
        return AnchorClass::Base64Guid { guid };
    }
    // Quotes are part of an anchor; parse_guid would forgive them, so such values stay Text.
    if let Some(parsed) = parse_guid(value).ok().filter(|_| !value.contains('"')) {
        return match parsed.spelling {
            s if is_text_spelling(s) => AnchorClass::GuidText { guid: parsed.guid },
            spelling => AnchorClass::GuidOtherSpelling { guid: parsed.guid, spelling },
        };
    }
    let decoded = decode_base64_canonical(value);
    if let Some(guid) = decoded.as_deref().and_then(guid_of_encoded_text) {
        return AnchorClass::Base64GuidText { guid };
    }
    if let Some(object) = okta_id(value) {
        return AnchorClass::OktaId { object };
    }
    if is_hex_blob(value) {
        return AnchorClass::Hex { bytes: value.len() / 2 };
    }
    if let Some(bytes) = decoded.filter(|_| looks_like_base64(value)) {
        return AnchorClass::Base64Bytes { bytes: bytes.len() };
    }
    let chars = value.chars().count();
    if chars > MAX_STRING_ANCHOR_CHARS {
        return AnchorClass::TooLong { chars };
    }
    if is_email(value) {
        return AnchorClass::Email;
    }
    AnchorClass::Text
}

impl AnchorClass {
    /// A short label, e.g. "Okta user ID".
    pub fn label(&self) -> &'static str {
        match self {
            AnchorClass::Empty => "empty",
            AnchorClass::Padded { .. } => "surrounded by whitespace",
            AnchorClass::Base64Guid { .. } => "base64 GUID",
            AnchorClass::GuidText { .. } => "GUID text",
            AnchorClass::Base64GuidText { .. } => "base64 of GUID text",
            AnchorClass::GuidOtherSpelling { .. } => "GUID in another spelling",
            AnchorClass::OktaId { object } => object.label(),
            AnchorClass::Email => "e-mail address / UPN",
            AnchorClass::Hex { .. } => "hex bytes",
            AnchorClass::Base64Bytes { .. } => "base64 bytes (not a GUID)",
            AnchorClass::TooLong { .. } => "too long for an anchor",
            AnchorClass::Text => "text",
        }
    }

    /// One plain-language sentence for an admin: what the value is and where it likely came from.
    pub fn explain(&self) -> String {
        match self {
            AnchorClass::Empty => "No anchor is set, so Entra Connect can only soft-match this \
                user on its primary SMTP address or UPN."
                .to_string(),
            AnchorClass::Padded { inner } => format!(
                "The value has whitespace around it, which Entra keeps, so it equals no anchor \
                 Entra Connect computes; without it: {}",
                inner.explain()
            ),
            AnchorClass::Base64Guid { guid } => format!(
                "A GUID in ImmutableID form (base64 of its bytes), for GUID {guid}: normally the \
                 objectGUID or mS-DS-ConsistencyGuid of an on-premises account."
            ),
            AnchorClass::GuidText { guid } => format!(
                "The GUID text {guid} was stamped as-is instead of being converted to base64, so \
                 it will not hard-match; the ImmutableID for it is {}.",
                crate::engine::guid::immutable_id(guid)
            ),
            AnchorClass::Base64GuidText { guid } => format!(
                "Base64 of the text of GUID {guid} rather than of its 16 bytes (a script encoded \
                 the string), so it will not hard-match; the ImmutableID for it is {}.",
                crate::engine::guid::immutable_id(guid)
            ),
            AnchorClass::GuidOtherSpelling { guid, spelling } => format!(
                "GUID {guid} written as {}, not in the base64 form Entra Connect computes, so it \
                 will not hard-match; the ImmutableID for it is {}.",
                spelling.describe(),
                crate::engine::guid::immutable_id(guid)
            ),
            AnchorClass::OktaId { object } => format!(
                "An {} that Okta stamped because the user had no AD link (or by a custom \
                 mapping); it is not derived from any AD GUID.",
                object.label()
            ),
            AnchorClass::Email => "An e-mail address or UPN, set by a custom Okta mapping or by \
                hand; it matches only if the on-premises anchor attribute holds exactly this text."
                .to_string(),
            AnchorClass::Hex { bytes } => format!(
                "{bytes} bytes written as hex digits, not a GUID: probably a binary attribute \
                 exported as hex instead of base64."
            ),
            AnchorClass::Base64Bytes { bytes } => format!(
                "Base64 of {bytes} bytes, which is not a 16-byte GUID: some other binary \
                 attribute or hash was used as the anchor."
            ),
            AnchorClass::TooLong { chars } => format!(
                "{chars} characters: Entra Connect rejects string source anchors of 60 characters \
                 or more, so this cannot be an anchor it writes."
            ),
            AnchorClass::Text => "A plain string (such as an employeeID or sAMAccountName) used \
                as a custom anchor; it matches only if the on-premises anchor attribute holds \
                exactly this text, case included."
                .to_string(),
        }
    }

    /// The GUID the value encodes, once trimmed of whitespace: whose anchor it was, though
    /// padded it equals none ([`AnchorClass::guid`]).
    pub fn trimmed_guid(&self) -> Option<Uuid> {
        match self {
            AnchorClass::Padded { inner } => inner.guid(),
            _ => self.guid(),
        }
    }

    /// Whether the value encodes a GUID in some form (see [`AnchorClass::guid`]).
    pub fn is_guid_based(&self) -> bool {
        self.guid().is_some()
    }

    /// The GUID the value encodes, if any. `None` for [`AnchorClass::Padded`]: a padded value
    /// never equals an anchor as-is; look at its `inner` class for what it would be trimmed.
    pub fn guid(&self) -> Option<Uuid> {
        match self {
            AnchorClass::Base64Guid { guid }
            | AnchorClass::GuidText { guid }
            | AnchorClass::Base64GuidText { guid }
            | AnchorClass::GuidOtherSpelling { guid, .. } => Some(*guid),
            _ => None,
        }
    }
}

fn is_text_spelling(spelling: GuidSpelling) -> bool {
    matches!(
        spelling,
        GuidSpelling::Hyphenated | GuidSpelling::Braced | GuidSpelling::Simple | GuidSpelling::Urn
    )
}

/// The GUID whose text (UTF-8, or UTF-16LE as .NET's `Encoding.Unicode` writes) `bytes` hold.
fn guid_of_encoded_text(bytes: &[u8]) -> Option<Uuid> {
    let utf8 = std::str::from_utf8(bytes).ok().map(str::to_string);
    let utf16 = bytes.len().is_multiple_of(2).then(|| {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [low, high] => Some(u16::from_le_bytes([*low, *high])),
                _ => None,
            })
            .collect();
        String::from_utf16(&units).ok()
    });
    [utf8, utf16.flatten()].into_iter().flatten().find_map(|text| exact_guid_text(&text))
}

/// The GUID `text` spells as GUID text, with nothing around it that parse_guid would forgive
/// (whitespace, quotes).
fn exact_guid_text(text: &str) -> Option<Uuid> {
    if text.trim() != text || text.contains('"') {
        return None;
    }
    parse_guid(text).ok().filter(|p| is_text_spelling(p.spelling)).map(|p| p.guid)
}

/// Okta IDs are 20 letters and digits with a type prefix, e.g. `00ub0oNGTSWTBKOLGLNR`.
fn okta_id(value: &str) -> Option<OktaObject> {
    if value.len() != 20 || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    OktaObject::from_prefix(value.get(..3)?)
}

/// `local@domain.tld`: one `@`, no whitespace, a dotted domain whose last label is letters.
fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.last().copied().unwrap_or("");
    !local.is_empty()
        && !value.contains(char::is_whitespace)
        && !domain.contains('@')
        && labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// Eight or more hex digits, an even number of them, with both digits and letters: all digits is
/// more likely a number (employeeID), all letters a word.
fn is_hex_blob(value: &str) -> bool {
    value.len() >= 8
        && value.len().is_multiple_of(2)
        && value.bytes().all(|b| b.is_ascii_hexdigit())
        && value.bytes().any(|b| b.is_ascii_digit())
        && value.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Whether canonical base64 also looks like base64 rather than a word: any run of letters whose
/// length is a multiple of 4 decodes. So: at least 8 characters, and padding or `+` `/`, or 16 or
/// more characters mixing upper case, lower case and digits.
fn looks_like_base64(value: &str) -> bool {
    let has = |f: fn(&u8) -> bool| value.as_bytes().iter().any(f);
    let marked = value.ends_with('=') || value.contains(['+', '/']);
    let mixed =
        has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase) && has(u8::is_ascii_digit);
    value.len() >= 8 && (marked || (value.len() >= 16 && mixed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::guid::GuidSpelling as S;

    #[test]
    fn anchors_read_compare_and_serialise_as_their_text() {
        let guid =
            Anchor::of_guid(&Uuid::parse_str("35918bc9-196d-40ea-9779-889d79b753f0").unwrap());
        let column = Anchor::from(" E1001".to_string());
        assert_eq!((&*guid, column.as_str()), ("yYuRNW0Z6kCXeYidebdT8A==", " E1001"));
        assert_eq!(guid, Anchor::from("yYuRNW0Z6kCXeYidebdT8A==".to_string()));
        assert_ne!(guid, column);
        assert_eq!(format!("{guid}|{column:?}"), "yYuRNW0Z6kCXeYidebdT8A==|\" E1001\"");
        let json = serde_json::to_string(&[Some(&guid), Some(&column), None]).unwrap();
        assert_eq!(json, r#"["yYuRNW0Z6kCXeYidebdT8A=="," E1001",null]"#);
        let back: Vec<Option<Anchor>> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, [Some(guid), Some(column), None]);
    }

    const DOC: &str = "35918bc9-196d-40ea-9779-889d79b753f0";

    fn doc() -> Uuid {
        Uuid::parse_str(DOC).expect("test GUID is valid")
    }

    #[test]
    fn every_class() {
        use AnchorClass as A;
        let doc = doc();
        // Python's uuid.bytes mistake is still a base64 GUID here; the matcher names it.
        let big_endian = Uuid::from_bytes_le(*doc.as_bytes());
        let cases: Vec<(&str, AnchorClass)> = vec![
            ("", A::Empty),
            ("   ", A::Empty),
            ("\t\r\n", A::Empty),
            (" yYuRNW0Z6kCXeYidebdT8A==", A::Padded { inner: Box::new(A::Base64Guid { guid: doc }) }),
            ("00ub0oNGTSWTBKOLGLNR\t", A::Padded { inner: Box::new(A::OktaId { object: OktaObject::User }) }),
            ("yYuRNW0Z6kCXeYidebdT8A==", A::Base64Guid { guid: doc }),
            ("NZGLyRltQOqXeYidebdT8A==", A::Base64Guid { guid: big_endian }),
            ("AAECAwQFBgcICQoLDA0ODw==", A::Base64Guid { guid: Uuid::from_bytes_le(core::array::from_fn(|i| i as u8)) }),
            (DOC, A::GuidText { guid: doc }),
            ("35918BC9-196D-40EA-9779-889D79B753F0", A::GuidText { guid: doc }),
            ("{35918bc9-196d-40ea-9779-889d79b753f0}", A::GuidText { guid: doc }),
            ("35918bc9196d40ea9779889d79b753f0", A::GuidText { guid: doc }),
            ("MzU5MThiYzktMTk2ZC00MGVhLTk3NzktODg5ZDc5Yjc1M2Yw", A::Base64GuidText { guid: doc }),
            ("ezM1OTE4YmM5LTE5NmQtNDBlYS05Nzc5LTg4OWQ3OWI3NTNmMH0=", A::Base64GuidText { guid: doc }),
            (
                "ewAzADUAOQAxADgAYgBjADkALQAxADkANgBkAC0ANAAwAGUAYQAtADkANwA3ADkALQA4ADgAOQBkADcAOQBiADcANQAzAGYAMAB9AA==",
                A::Base64GuidText { guid: doc },
            ),
            ("X'c98b91356d19ea409779889d79b753f0'", A::GuidOtherSpelling { guid: doc, spelling: S::CsvdeHex }),
            ("C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 F0", A::GuidOtherSpelling { guid: doc, spelling: S::HexBytes }),
            (r"\c9\8b\91\35\6d\19\ea\40\97\79\88\9d\79\b7\53\f0", A::GuidOtherSpelling { guid: doc, spelling: S::LdapEscaped }),
            ("CN={795975524E57305A366B4358655969646562645438413D3D}", A::GuidOtherSpelling { guid: doc, spelling: S::ConnectorSpaceDn }),
            ("objectGUID:: yYuRNW0Z6kCXeYidebdT8A==", A::GuidOtherSpelling { guid: doc, spelling: S::LdifLine }),
            ("00ub0oNGTSWTBKOLGLNR", A::OktaId { object: OktaObject::User }),
            ("0uab0oNGTSWTBKOLGLNR", A::OktaId { object: OktaObject::AppUser }),
            ("0oab0oNGTSWTBKOLGLNR", A::OktaId { object: OktaObject::App }),
            ("00gb0oNGTSWTBKOLGLNR", A::OktaId { object: OktaObject::Group }),
            ("00ub0oNGTSWTBKOLGLN", A::Text), // 19 characters
            ("00ub0oNGTSWTBKOLGL-R", A::Text),
            ("jane.doe@contoso.com", A::Email),
            ("Jane.Doe@Contoso.onmicrosoft.com", A::Email),
            ("jane@contoso", A::Text),
            ("jane@contoso.c", A::Text),
            ("jane@@contoso.com", A::Text),
            ("jane doe@contoso.com", A::Text),
            ("c98b91356d19ea40", A::Hex { bytes: 8 }),
            ("C98B91356D19EA409779889D79B753F0AB", A::Hex { bytes: 17 }),
            ("12345678", A::Text),  // employeeID: digits only
            ("deadbeef", A::Text),  // a word
            ("c98b9135f", A::Text), // odd
            ("AAECAwQFBgcICQoLDA0ODxAREhM=", A::Base64Bytes { bytes: 20 }),
            ("yYuRNW0Z6kCXeYidebdT", A::Base64Bytes { bytes: 15 }),
            ("jsmith", A::Text),
            ("JSmith01", A::Text),
            ("E-104233", A::Text),
            ("\"yYuRNW0Z6kCXeYidebdT8A==\"", A::Text),
            ("\"35918bc9-196d-40ea-9779-889d79b753f0\"", A::Text),
        ];
        for (value, class) in cases {
            assert_eq!(classify_anchor(value), class, "{value:?}");
        }
    }

    #[test]
    fn string_anchors_of_60_characters_are_too_long() {
        let long_text = "a".repeat(60);
        let long_mail = format!("{}@contoso.com", "a".repeat(48));
        assert_eq!(classify_anchor(&"a".repeat(59)), AnchorClass::Text);
        assert_eq!(classify_anchor(&long_text), AnchorClass::TooLong { chars: 60 });
        assert_eq!(classify_anchor(&long_mail), AnchorClass::TooLong { chars: 60 });
        assert_eq!(classify_anchor(&"é".repeat(60)), AnchorClass::TooLong { chars: 60 });
    }

    #[test]
    fn labels_explanations_and_guids() {
        let doc = doc();
        let cases: &[(&str, &str, Option<Uuid>, &str)] = &[
            ("", "empty", None, "soft-match"),
            (" yYuRNW0Z6kCXeYidebdT8A==", "surrounded by whitespace", None, "whitespace"),
            ("yYuRNW0Z6kCXeYidebdT8A==", "base64 GUID", Some(doc), DOC),
            (DOC, "GUID text", Some(doc), "yYuRNW0Z6kCXeYidebdT8A=="),
            (
                "MzU5MThiYzktMTk2ZC00MGVhLTk3NzktODg5ZDc5Yjc1M2Yw",
                "base64 of GUID text",
                Some(doc),
                "yYuRNW0Z6kCXeYidebdT8A==",
            ),
            (
                "X'c98b91356d19ea409779889d79b753f0'",
                "GUID in another spelling",
                Some(doc),
                "csvde hex",
            ),
            ("00ub0oNGTSWTBKOLGLNR", "Okta user ID", None, "An Okta user ID"),
            ("0oab0oNGTSWTBKOLGLNR", "Okta app ID", None, "An Okta app ID"),
            ("jane.doe@contoso.com", "e-mail address / UPN", None, "e-mail"),
            ("c98b91356d19ea40", "hex bytes", None, "8 bytes"),
            ("AAECAwQFBgcICQoLDA0ODxAREhM=", "base64 bytes (not a GUID)", None, "20 bytes"),
            (&"x".repeat(70), "too long for an anchor", None, "70 characters"),
            ("E-104233", "text", None, "employeeID"),
        ];
        for &(value, label, guid, needle) in cases {
            let class = classify_anchor(value);
            assert_eq!(class.label(), label, "{value:?}");
            assert_eq!(class.guid(), guid, "{value:?}");
            assert_eq!(class.is_guid_based(), guid.is_some(), "{value:?}");
            let sentence = class.explain();
            assert!(sentence.contains(needle), "{value:?}: {sentence}");
            assert!(sentence.ends_with('.'), "{value:?}: {sentence}");
        }
    }

    #[test]
    fn serializes_with_a_kind_tag() {
        let json = |v: &str| serde_json::to_string(&classify_anchor(v)).expect("serializable");
        assert_eq!(json("00ub0oNGTSWTBKOLGLNR"), r#"{"kind":"okta-id","object":"user"}"#);
        assert_eq!(
            json(" yYuRNW0Z6kCXeYidebdT8A=="),
            format!(r#"{{"kind":"padded","inner":{{"kind":"base64-guid","guid":"{DOC}"}}}}"#)
        );
        assert_eq!(
            json("C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 F0"),
            format!(r#"{{"kind":"guid-other-spelling","guid":"{DOC}","spelling":"hex-bytes"}}"#)
        );
        assert_eq!(json("c98b91356d19ea40"), r#"{"kind":"hex","bytes":8}"#);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use proptest::prelude::*;

    use super::*;
    use crate::engine::guid::{forms, immutable_id};

    proptest! {
        #[test]
        fn never_panics(value in any::<String>()) {
            let class = classify_anchor(&value);
            let _ = (class.label(), class.explain(), class.guid());
        }

        #[test]
        fn never_panics_on_anchor_like_text(value in "[ \"0-9a-zA-Z+/=@.{}\\\\:'-]{0,70}") {
            let _ = classify_anchor(&value).explain();
        }

        #[test]
        fn immutable_ids_are_base64_guids(bytes in any::<[u8; 16]>()) {
            let guid = Uuid::from_bytes(bytes);
            prop_assert_eq!(classify_anchor(&immutable_id(&guid)), AnchorClass::Base64Guid { guid });
            prop_assert_eq!(classify_anchor(&forms(&guid).hyphenated), AnchorClass::GuidText { guid });
        }

        /// The inline ImmutableID spells what the string one does, and equals it as text.
        #[test]
        fn anchors_of_guids_are_their_immutable_ids(bytes in any::<[u8; 16]>()) {
            let guid = Uuid::from_bytes(bytes);
            let anchor = Anchor::of_guid(&guid);
            prop_assert_eq!(anchor.as_str(), immutable_id(&guid));
            prop_assert_eq!(anchor, Anchor::from(immutable_id(&guid)));
        }
    }
}
