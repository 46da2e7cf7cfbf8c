//! Writes a table back as LDIF (RFC 2849), for the LDIF reader's round trip: values that are
//! not SAFE-STRINGs go base64 (`attr:: …`), and long lines are folded at a width the fuzzer
//! chooses onto lines that start with one space.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use anchor_audit::engine::read::BINARY_ATTRIBUTES;

/// An RFC 2849 attribute description: a letter, then letters, digits, `-` and `;` options.
fn is_attribute_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';')
}

/// RFC 2849's SAFE-STRING: no NUL, CR or LF, and no leading space, `:` or `<`.
fn is_safe_string(value: &str) -> bool {
    !value.starts_with([' ', ':', '<']) && !value.contains(['\0', '\r', '\n'])
}

/// The LDIF of `rows` under `headers` (the first is the entry's `dn`), or `None` when a header
/// is not an attribute name or a binary attribute's value is not a SAFE-STRING: such a table
/// has no LDIF spelling that reads back the same.
pub fn write_ldif(
    headers: &[String],
    rows: &[Vec<String>],
    width: usize,
    crlf: bool,
) -> Option<String> {
    let dn_first = headers.first().is_some_and(|h| h.eq_ignore_ascii_case("dn"));
    if !dn_first || !headers.iter().all(|h| is_attribute_name(h)) {
        return None;
    }
    let newline = if crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    for row in rows {
        for (name, value) in headers.iter().zip(row) {
            // The reader keeps these attributes' `::` values as base64 text (their values are
            // bytes): a value of theirs can only be written as a plain `attr: value` line.
            let binary = BINARY_ATTRIBUTES.contains(&name.to_ascii_lowercase().as_str());
            let line = if is_safe_string(value) {
                format!("{name}: {value}")
            } else if binary {
                return None;
            } else {
                format!("{name}:: {}", STANDARD.encode(value))
            };
            fold(&line, width.max(name.len() + 3), newline, &mut out);
        }
        out.push_str(newline);
    }
    Some(out)
}

/// Appends `line` folded so that no physical line holds more than `width` characters (at least
/// two), each continuation after one space. Callers keep an attribute name and its colons on
/// the first line, as ldifde does (it folds only long lines): the reader tells LDIF from CSV by
/// a first line starting `dn:`. A piece is never only whitespace: such a line reads
/// as the blank line that ends an entry.
fn fold(line: &str, width: usize, newline: &str, out: &mut String) {
    let width = width.max(2);
    let chars: Vec<char> = line.chars().collect();
    let mut start = 0;
    let mut first = true;
    while start < chars.len() {
        let room = if first { width } else { width - 1 };
        let mut end = (start + room).min(chars.len());
        // Extend a piece that would be only whitespace up to its next other character, and
        // take a tail of only whitespace into this piece.
        while end < chars.len() && chars[start..end].iter().all(|c| c.is_whitespace()) {
            end += 1;
        }
        if chars[end..].iter().all(|c| c.is_whitespace()) {
            end = chars.len();
        }
        if !first {
            out.push(' ');
        }
        out.extend(&chars[start..end]);
        out.push_str(newline);
        start = end;
        first = false;
    }
}
