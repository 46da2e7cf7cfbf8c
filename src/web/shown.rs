//! What the converter shows for one typed value. [`show`] is the only place the UI calls the core's
//! conversion, so switching to a richer core API touches this file alone.

use crate::engine::guid::{guid_from_immutable_id, immutable_id};
use uuid::Uuid;

/// One converted form of the value, as one row of the result list.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Form {
    /// Stable name for tests and styling (`data-form` attribute).
    pub key: &'static str,
    /// What an admin calls this form.
    pub label: &'static str,
    /// The value in this form.
    pub value: String,
}

/// Everything the converter shows for one value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Shown {
    /// What the value was recognised as, in a few words.
    pub kind: String,
    /// The value's forms; empty when it is not a GUID in any spelling.
    pub forms: Vec<Form>,
    /// A sentence on what to make of it.
    pub note: String,
}

/// Converts one typed value (surrounding blanks ignored) into what the page shows.
pub(crate) fn show(value: &str) -> Shown {
    let value = value.trim();
    let (kind, guid) = match Uuid::parse_str(value) {
        Ok(guid) => ("objectGUID", Some(guid)),
        Err(_) => match guid_from_immutable_id(value) {
            Some(guid) => ("ImmutableID", Some(guid)),
            None => ("not a GUID", None),
        },
    };
    match guid {
        Some(guid) => Shown {
            kind: kind.to_owned(),
            forms: vec![
                Form { key: "guid", label: "objectGUID", value: guid.hyphenated().to_string() },
                Form { key: "immutable-id", label: "ImmutableID", value: immutable_id(&guid) },
            ],
            note: String::new(),
        },
        None => Shown {
            kind: kind.to_owned(),
            forms: Vec::new(),
            note: "Paste an objectGUID (any spelling) or an ImmutableID (base64 of 16 bytes)."
                .to_owned(),
        },
    }
}
