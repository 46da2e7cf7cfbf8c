//! The converter behind the `convert` command and the browser's converter panel: a pasted value
//! → the GUID it spells (if any), every other spelling of that GUID, and what the value would be
//! as a cloud anchor.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::anchor::{classify_anchor, AnchorClass};
use crate::engine::guid::{
    forms, hex_byte_tokens, immutable_id, parse_guid, strip_hex_prefix, unwrap_value, GuidForms,
    GuidSpelling,
};

/// What one pasted value is, and the GUID spellings it converts to.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Conversion {
    /// The value as given.
    pub input: String,
    /// The spelling the value was read in, when it is a GUID.
    pub spelling: Option<GuidSpelling>,
    /// The GUID the value stands for: read by [`parse_guid`], or the GUID whose text a base64 value
    /// encodes ([`AnchorClass::Base64GuidText`]).
    pub guid: Option<Uuid>,
    /// Every spelling of [`Conversion::guid`].
    pub forms: Option<GuidForms>,
    /// The value as an anchor. Surrounding whitespace and double quotes are taken as paste
    /// artefacts and ignored here (the audit itself classifies anchors verbatim).
    pub class: AnchorClass,
    /// One or two plain sentences for the admin about what the value is.
    pub note: String,
    /// Why the value could not be read as a GUID, when it could not.
    pub error: Option<String>,
}

/// Converts one pasted value.
///
/// ```
/// use anchor_audit::engine::convert::convert;
/// let c = convert("35918bc9-196d-40ea-9779-889d79b753f0");
/// assert_eq!(c.forms.unwrap().immutable_id, "yYuRNW0Z6kCXeYidebdT8A==");
/// ```
pub fn convert(value: &str) -> Conversion {
    let class = classify_anchor(unwrap_value(value));
    let (spelling, guid, error) = match parse_guid(value) {
        Ok(parsed) => (Some(parsed.spelling), Some(parsed.guid), None),
        Err(err) => (None, class.guid(), Some(err.to_string())),
    };
    Conversion {
        input: value.to_string(),
        spelling,
        guid,
        forms: guid.as_ref().map(forms),
        note: note(&class),
        class,
        error,
    }
}

/// The converter's note: like [`AnchorClass::explain`], but GUID text is the normal thing to
/// paste into a converter, so it is not treated as a mistake here.
fn note(class: &AnchorClass) -> String {
    match class {
        AnchorClass::Base64Guid { guid } => {
            let note = format!(
                "This is an ImmutableID: base64 of GUID {guid} in ToByteArray byte order. A cloud \
                 user holding exactly this value hard-matches the AD object whose objectGUID (or \
                 mS-DS-ConsistencyGuid) is {guid}."
            );
            // The same bytes read in display order: what a big-endian script meant.
            let big_endian = Uuid::from_bytes(guid.to_bytes_le());
            if big_endian == *guid {
                note
            } else {
                format!(
                    "{note} If a script made it with the big-endian mistake (Python uuid.bytes), \
                     it was meant for GUID {big_endian}."
                )
            }
        }
        AnchorClass::GuidText { guid } => format!(
            "GUID text, as Get-ADUser shows objectGUID: its ImmutableID is {}. (Stamped as-is as a \
             cloud ImmutableID, GUID text would not hard-match.)",
            immutable_id(guid)
        ),
        AnchorClass::GuidOtherSpelling { guid, spelling } => format!(
            "GUID {guid}, written as {}: its ImmutableID is {}.",
            spelling.describe(),
            immutable_id(guid)
        ),
        AnchorClass::OktaId { object } => format!(
            "This is an {}, not derived from any AD GUID; the object will not hard-match unless \
             the on-prem anchor is this string.",
            object.label()
        ),
        other => other.explain(),
    }
}

/// Converts every value in a pasted block: one per non-empty line, and several per line where
/// the line is a list.
///
/// A line is one value when it reads as a GUID as a whole (hex bytes and ldifde lines contain
/// spaces), or looks like a single hex-byte run or ldifde line that is broken (so its error is
/// shown once, not as sixteen fragments). Otherwise it is split on commas, semicolons and
/// whitespace outside double quotes, so that CSV rows and lists pasted from a spreadsheet work.
pub fn convert_lines(text: &str) -> Vec<Conversion> {
    text.lines().flat_map(values_in_line).map(convert).collect()
}

fn values_in_line(line: &str) -> Vec<&str> {
    let line = line.trim();
    if line.is_empty() {
        return Vec::new();
    }
    if parse_guid(line).is_ok() || is_hex_byte_run(line) || line.contains("::") {
        return vec![line];
    }
    split_outside_quotes(line)
}

/// Four or more tokens of one or two hex digits (optionally `0x`-prefixed), separated by
/// whitespace or dashes: a hex-byte spelling, even if it has the wrong number of bytes.
fn is_hex_byte_run(line: &str) -> bool {
    let is_byte = |token: &str| {
        let digits = strip_hex_prefix(token);
        (1..=2).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_hexdigit())
    };
    hex_byte_tokens(line).count() >= 4 && hex_byte_tokens(line).all(is_byte)
}

/// Splits on `,`, `;` and whitespace, except inside double quotes; drops empty pieces.
fn split_outside_quotes(line: &str) -> Vec<&str> {
    let mut values = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (i, c) in line.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && (c == ',' || c == ';' || c.is_whitespace()) {
            values.push(&line[start..i]);
            start = i + c.len_utf8();
        }
    }
    values.push(&line[start..]);
    values.retain(|v| !v.is_empty());
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "35918bc9-196d-40ea-9779-889d79b753f0";
    const DOC_ID: &str = "yYuRNW0Z6kCXeYidebdT8A==";

    fn doc() -> Uuid {
        Uuid::parse_str(DOC).expect("test GUID is valid")
    }

    #[test]
    fn guid_spellings_convert() {
        use GuidSpelling as S;
        let cases: &[(&str, GuidSpelling, &str, &str)] = &[
            (DOC, S::Hyphenated, "guid-text", "its ImmutableID is yYuRNW0Z6kCXeYidebdT8A=="),
            ("\"{35918BC9-196D-40EA-9779-889D79B753F0}\" ", S::Braced, "guid-text", "GUID text"),
            (
                DOC_ID,
                S::Base64,
                "base64-guid",
                "meant for GUID c98b9135-6d19-ea40-9779-889d79b753f0",
            ),
            (
                "X'c98b91356d19ea409779889d79b753f0'",
                S::CsvdeHex,
                "guid-other-spelling",
                "csvde hex",
            ),
            ("objectGUID:: yYuRNW0Z6kCXeYidebdT8A==", S::LdifLine, "guid-other-spelling", "ldifde"),
            // A URN is the GUID's text: as an ImmutableID it is GUID text stamped as the anchor.
            (
                "urn:uuid:35918bc9-196d-40ea-9779-889d79b753f0",
                S::Urn,
                "guid-text",
                "its ImmutableID is yYuRNW0Z6kCXeYidebdT8A==",
            ),
        ];
        for &(input, spelling, kind, needle) in cases {
            let c = convert(input);
            assert_eq!(c.input, input);
            assert_eq!(c.spelling, Some(spelling), "{input:?}");
            assert_eq!(c.guid, Some(doc()), "{input:?}");
            assert_eq!(c.forms.as_ref().map(|f| f.immutable_id.as_str()), Some(DOC_ID));
            assert_eq!(c.error, None);
            let json = serde_json::to_value(&c.class).expect("serializable");
            assert_eq!(json["kind"], kind, "{input:?}");
            assert!(c.note.contains(needle), "{input:?}: {}", c.note);
        }
    }

    #[test]
    fn non_guid_values_explain_themselves() {
        let cases: &[(&str, AnchorClass, &str, Option<&str>)] = &[
            ("", AnchorClass::Empty, "soft-match", Some("the value is empty")),
            (
                "00ub0oNGTSWTBKOLGLNR",
                AnchorClass::OktaId { object: crate::engine::anchor::OktaObject::User },
                "This is an Okta user ID, not derived from any AD GUID; the object will not \
                 hard-match unless the on-prem anchor is this string.",
                Some("base64 decodes to 15 bytes, a GUID has 16"),
            ),
            (
                "jane.doe@contoso.com",
                AnchorClass::Email,
                "e-mail address",
                Some("not a GUID in any known spelling"),
            ),
            (
                "35918bc9-196d-40ea-9779-889d79b753f",
                AnchorClass::Text,
                "plain string",
                Some("found 8-4-4-4-11"),
            ),
        ];
        for &(input, ref class, needle, error) in cases {
            let c = convert(input);
            assert_eq!((c.spelling, c.guid, c.forms.is_some()), (None, None, false), "{input:?}");
            assert_eq!(&c.class, class, "{input:?}");
            assert!(c.note.contains(needle), "{input:?}: {}", c.note);
            match (c.error.as_deref(), error) {
                (Some(got), Some(want)) => assert!(got.contains(want), "{input:?}: {got}"),
                (got, want) => assert_eq!(got, want, "{input:?}"),
            }
        }
    }

    /// Base64 of the GUID's text is no GUID spelling, but the GUID it names is worth showing.
    #[test]
    fn base64_of_guid_text_offers_the_real_immutable_id() {
        let c = convert("MzU5MThiYzktMTk2ZC00MGVhLTk3NzktODg5ZDc5Yjc1M2Yw");
        assert_eq!(c.spelling, None);
        assert_eq!(c.guid, Some(doc()));
        assert_eq!(c.class, AnchorClass::Base64GuidText { guid: doc() });
        assert_eq!(c.forms.map(|f| f.immutable_id), Some(DOC_ID.to_string()));
        assert!(c.note.contains(DOC_ID), "{}", c.note);
        assert!(c.error.is_some());
    }

    #[test]
    fn lines_split_into_values() {
        let hex = "C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 F0";
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("\n  \r\n\t\n", &[]),
            (
                "yYuRNW0Z6kCXeYidebdT8A==\r\n35918bc9-196d-40ea-9779-889d79b753f0\n\n",
                &[DOC_ID, DOC],
            ),
            ("a, b;c  d\te", &["a", "b", "c", "d", "e"]),
            (hex, &[hex]),
            (
                "  C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 ",
                &["C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53"],
            ),
            ("0xc9 0x8b 0x91 0x35", &["0xc9 0x8b 0x91 0x35"]),
            ("objectGUID:: yYuRNW0Z6kCXeYidebdT8A==", &["objectGUID:: yYuRNW0Z6kCXeYidebdT8A=="]),
            ("objectGUID:: yYuRNW0Z", &["objectGUID:: yYuRNW0Z"]),
            (
                "\"Jane Doe\",\"yYuRNW0Z6kCXeYidebdT8A==\"",
                &["\"Jane Doe\"", "\"yYuRNW0Z6kCXeYidebdT8A==\""],
            ),
            ("\"unterminated, quote", &["\"unterminated, quote"]),
            (
                "x'c98b91356d19ea409779889d79b753f0';00ub0oNGTSWTBKOLGLNR",
                &["x'c98b91356d19ea409779889d79b753f0'", "00ub0oNGTSWTBKOLGLNR"],
            ),
        ];
        for &(text, inputs) in cases {
            let got: Vec<String> = convert_lines(text).into_iter().map(|c| c.input).collect();
            assert_eq!(got, inputs, "{text:?}");
        }
        let broken = convert_lines("C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53");
        assert_eq!(broken[0].error.as_deref(), Some("expected 16 bytes, found 15"));
        let quoted = convert_lines("\"Jane Doe\",\"yYuRNW0Z6kCXeYidebdT8A==\"");
        assert_eq!(quoted[1].guid, Some(doc()));
        assert_eq!(quoted[1].class, AnchorClass::Base64Guid { guid: doc() });
    }

    #[test]
    fn serializes_for_the_ui() {
        let json = serde_json::to_value(convert(DOC)).expect("serializable");
        assert_eq!(json["spelling"], "hyphenated");
        assert_eq!(json["guid"], DOC);
        assert_eq!(json["forms"]["immutable_id"], DOC_ID);
        assert_eq!(json["class"]["kind"], "guid-text");
        assert_eq!(json["error"], serde_json::Value::Null);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn never_panics(text in any::<String>()) {
            let _ = convert(&text);
            let _ = convert_lines(&text);
        }

        #[test]
        fn never_panics_on_pasted_lists(text in "[ \t\r\n,;\"0-9a-fA-FxX'{}=+/\\\\:-]{0,120}") {
            for c in convert_lines(&text) {
                prop_assert!(!c.input.trim().is_empty());
            }
        }

        #[test]
        fn a_list_of_immutable_ids_converts_back(ids in proptest::collection::vec(any::<[u8; 16]>(), 0..8)) {
            let guids: Vec<Uuid> = ids.into_iter().map(Uuid::from_bytes).collect();
            let text = guids.iter().map(immutable_id).collect::<Vec<_>>().join(", ");
            let back: Vec<Option<Uuid>> = convert_lines(&text).into_iter().map(|c| c.guid).collect();
            prop_assert_eq!(back, guids.into_iter().map(Some).collect::<Vec<_>>());
        }
    }
}
