//! What the converter shows for one typed value. [`show`] is the only place the UI calls the core's
//! converter ([`crate::engine::convert::convert`]); everything else renders its result.

use crate::engine::convert::convert;

/// One converted form of the value, as one row of the result list.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Form {
    /// Stable name for tests and styling (`data-form`): the label, lower-cased, up to any `(`,
    /// with dashes for blanks, e.g. `immutableid`, `guid-in-braces`.
    pub key: String,
    /// What an admin calls this form, as the core names it.
    pub label: &'static str,
    /// The value in this form.
    pub value: String,
}

/// Everything the converter shows for one value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Shown {
    /// What the value was read as: its GUID spelling, else its anchor class.
    pub kind: &'static str,
    /// The GUID's spellings; empty when the value is no GUID.
    pub forms: Vec<Form>,
    /// One or two plain sentences about the value.
    pub note: String,
    /// Why the value is not a GUID, when it is not.
    pub error: Option<String>,
}

/// Converts one typed value into what the page shows.
pub(crate) fn show(value: &str) -> Shown {
    shown_of(convert(value))
}

fn shown_of(conversion: crate::engine::convert::Conversion) -> Shown {
    let kind = match &conversion.spelling {
        Some(spelling) => spelling.describe(),
        None => conversion.class.label(),
    };
    let forms = conversion
        .forms
        .as_ref()
        .map(|forms| {
            forms
                .labelled()
                .into_iter()
                .map(|(label, value)| Form { key: key(label), label, value: value.to_owned() })
                .collect()
        })
        .unwrap_or_default();
    let error = if conversion.guid.is_some() { None } else { conversion.error };
    Shown { kind, forms, note: conversion.note, error }
}

/// `"big-endian base64 (WRONG, …)"` → `"big-endian-base64"`.
fn key(label: &str) -> String {
    let words = label.split('(').next().unwrap_or(label);
    words.split_whitespace().map(str::to_ascii_lowercase).collect::<Vec<_>>().join("-")
}

/// Converts every value in a pasted list ([`crate::engine::convert::convert_lines`]): each
/// value as typed, with what the page shows for it.
pub(crate) fn show_lines(text: &str) -> Vec<(String, Shown)> {
    crate::engine::convert::convert_lines(text)
        .into_iter()
        .map(|conversion| {
            let input = conversion.input.clone();
            (input, shown_of(conversion))
        })
        .collect()
}
