//! GUID and anchor parsing and conversion, with their round trips: every spelling `forms` gives
//! reads back as the same GUID, in that spelling; the ImmutableID and the GUID convert both
//! ways; a text read as an ImmutableID is exactly the one its GUID gives; and the converter
//! agrees with the parser. No input panics.
//!
//! Input: any bytes; the first 16 are also a GUID of their own.
#![no_main]

use anchor_audit::engine::anchor::{classify_anchor, AnchorClass};
use anchor_audit::engine::convert::{convert, convert_lines};
use anchor_audit::engine::guid::{
    big_endian_base64, forms, guid_from_immutable_id, immutable_id, parse_guid, GuidSpelling,
};
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

/// Every spelling of `guid` reads back as `guid`, in the spelling it was written in.
fn forms_read_back(guid: Uuid) {
    let f = forms(&guid);
    let upper = f.hyphenated.to_uppercase();
    let simple = guid.simple().to_string();
    let urn = format!("urn:uuid:{}", f.hyphenated);
    let more = [
        (upper.as_str(), GuidSpelling::Hyphenated),
        (simple.as_str(), GuidSpelling::Simple),
        (urn.as_str(), GuidSpelling::Urn),
    ];
    for (text, spelling) in f.spellings().into_iter().chain(more) {
        let parsed = parse_guid(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!((parsed.guid, parsed.spelling), (guid, spelling), "{text:?}");
        assert_eq!(convert(text).guid, Some(guid), "{text:?}");
    }
    assert_eq!(guid_from_immutable_id(&f.immutable_id), Some(guid));
    assert_eq!(f.immutable_id, immutable_id(&guid));
    assert!(
        matches!(classify_anchor(&f.immutable_id), AnchorClass::Base64Guid { guid: g } if g == guid)
    );
    // The big-endian mistake reads as the GUID whose display bytes are swapped, never this one
    // unless the swap changes nothing.
    let big_endian = guid_from_immutable_id(&big_endian_base64(&guid));
    assert_eq!(big_endian, Some(Uuid::from_bytes_le(*guid.as_bytes())));
}

fuzz_target!(|data: &[u8]| {
    if let Some(bytes) = data.first_chunk::<16>() {
        forms_read_back(Uuid::from_bytes(*bytes));
    }
    let text = String::from_utf8_lossy(data);
    match parse_guid(&text) {
        Ok(parsed) => {
            forms_read_back(parsed.guid);
            let conversion = convert(&text);
            assert_eq!(conversion.guid, Some(parsed.guid), "{text:?}");
            assert_eq!(conversion.spelling, Some(parsed.spelling), "{text:?}");
            let forms = conversion.forms.expect("a GUID has forms");
            assert_eq!(forms.immutable_id, immutable_id(&parsed.guid));
        }
        Err(error) => {
            let _ = error.to_string();
            let conversion = convert(&text);
            assert_eq!(conversion.spelling, None, "{text:?}");
            assert!(conversion.error.is_some(), "{text:?}");
            if let Some(guid) = conversion.guid {
                assert_eq!(
                    conversion.forms.map(|f| f.hyphenated),
                    Some(guid.hyphenated().to_string())
                );
            }
        }
    }
    // An ImmutableID names one GUID and is the only text that does: canonical base64.
    if let Some(guid) = guid_from_immutable_id(&text) {
        assert_eq!(immutable_id(&guid), text);
        assert!(matches!(classify_anchor(&text), AnchorClass::Base64Guid { guid: g } if g == guid));
    }
    let class = classify_anchor(&text);
    let _ = (class.label(), class.explain(), class.guid());
    for conversion in convert_lines(&text) {
        assert_eq!(conversion.forms.is_some(), conversion.guid.is_some());
    }
});
