//! LDIF as ldifde writes it (RFC 2849): entries separated by blank lines, `attr: value` or
//! `attr:: base64`, long lines folded onto lines starting with one space, `#` comments.
//! Each entry becomes a row; the headers are every attribute name in first-seen order.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::progress::Ticker;
use super::table::{Parsed, RaggedRows, Rows};
use crate::engine::error::{ErrorKind, Position};

/// Binary attributes whose base64 is kept as written: `objectGUID:: …` *is* the ImmutableID.
pub const BINARY_ATTRIBUTES: &[&str] = &[
    "objectguid",
    "objectsid",
    "ms-ds-consistencyguid",
    "msds-consistencyguid",
    "sidhistory",
    "thumbnailphoto",
    "jpegphoto",
    "usercertificate",
    "logonhours",
    "msexchmailboxguid",
    "msexchmailboxsecuritydescriptor",
    "ntsecuritydescriptor",
];

/// Whether `text` starts like LDIF: its first line that is not blank or a comment is `dn:` or
/// `version:`.
pub fn looks_like_ldif(text: &str) -> bool {
    text.lines()
        .map(|l| l.trim_start_matches('\u{FEFF}').trim_end())
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| {
            let l = l.to_ascii_lowercase();
            l.starts_with("dn:") || l.starts_with("version:")
        })
}

/// One unfolded line and the physical line it starts on.
struct Logical {
    line: u64,
    text: String,
}

/// An entry: its unfolded lines and its text as in the file.
struct Entry {
    lines: Vec<Logical>,
    raw: String,
    end: usize,
}

/// Reads LDIF text into the same shape as a CSV table. The rows come whole, at the end: every
/// new attribute name is a new column, so they are only as wide as the last entry makes them.
pub(crate) fn read_ldif(text: &str, ticker: &mut Ticker<'_>) -> Result<(Parsed, Rows), ErrorKind> {
    let mut parsed = Parsed::default();
    let mut rows = RaggedRows::default();
    let mut records = 0u64;
    let mut first = true;
    for mut entry in entries(text) {
        if first {
            first = false;
            if entry.lines.first().is_some_and(|l| attr_name(&l.text).eq("version")) {
                entry.lines.remove(0);
            }
        }
        let Some(start) = entry.lines.first() else {
            continue;
        };
        records += 1;
        let position = Position::line(start.line, records);
        match read_entry(&entry, &mut parsed.headers) {
            Ok(fields) => rows.push(start.line, records, fields.iter().map(String::as_str)),
            Err(kind) => parsed.reject(kind, position, &entry.raw),
        }
        ticker.at(entry.end, records)?;
    }
    let rows = rows.finish(parsed.headers.len());
    ticker.finish(records)?;
    Ok((parsed, rows))
}

/// Splits the text into entries, unfolding continuation lines and dropping comments.
fn entries(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut current = Entry { lines: Vec::new(), raw: String::new(), end: 0 };
    let mut in_comment = false;
    let mut offset = 0usize;
    for (index, physical) in text.split('\n').enumerate() {
        offset += physical.len() + 1;
        let line_no = index as u64 + 1;
        let line = physical.strip_suffix('\r').unwrap_or(physical);
        let line = if index == 0 { line.trim_start_matches('\u{FEFF}') } else { line };
        // A line of spaces and tabs ends the entry as an empty one does (files carry stray
        // ones); a continuation of anything else is one (RFC 2849), whitespace or not.
        let continues =
            line.strip_prefix(' ').is_some_and(|rest| !rest.trim_matches([' ', '\t']).is_empty());
        if !continues && line.trim().is_empty() {
            if !current.lines.is_empty() {
                current.end = offset;
                entries.push(std::mem::replace(
                    &mut current,
                    Entry { lines: Vec::new(), raw: String::new(), end: 0 },
                ));
            }
            in_comment = false;
            continue;
        }
        if let Some(rest) = line.strip_prefix(' ') {
            if !in_comment {
                if let Some(last) = current.lines.last_mut() {
                    last.text.push_str(rest);
                    push_raw(&mut current.raw, line);
                    continue;
                }
            } else {
                continue;
            }
        }
        if line.starts_with('#') {
            in_comment = true;
            continue;
        }
        in_comment = false;
        push_raw(&mut current.raw, line);
        current.lines.push(Logical { line: line_no, text: line.to_string() });
    }
    if !current.lines.is_empty() {
        current.end = text.len();
        entries.push(current);
    }
    entries
}

fn push_raw(raw: &mut String, line: &str) {
    if !raw.is_empty() {
        raw.push('\n');
    }
    raw.push_str(line);
}

/// The lower-case attribute name of an `attr: value` line.
fn attr_name(line: &str) -> String {
    line.split(':').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// One entry's values, aligned with `headers` (which it extends with new attribute names).
fn read_entry(entry: &Entry, headers: &mut Vec<String>) -> Result<Vec<String>, ErrorKind> {
    let mut values: Vec<Option<String>> = vec![None; headers.len()];
    for (i, logical) in entry.lines.iter().enumerate() {
        let syntax =
            |what: String| ErrorKind::Syntax { message: format!("line {}: {what}", logical.line) };
        let Some((name, rest)) = logical.text.split_once(':') else {
            return Err(syntax(format!(
                "`{}` is not an `attribute: value` line",
                crate::engine::error::truncate(&logical.text, 40)
            )));
        };
        let name = name.trim();
        let lower = name.to_ascii_lowercase();
        if i == 0 && lower != "dn" {
            return Err(syntax(format!("an entry must start with `dn:`, not `{name}:`")));
        }
        if lower == "changetype" || name == "-" || name.is_empty() {
            continue;
        }
        let value = if let Some(encoded) = rest.strip_prefix(':') {
            let encoded: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = STANDARD
                .decode(&encoded)
                .map_err(|e| syntax(format!("the value of `{name}::` is not base64 ({e})")))?;
            match String::from_utf8(bytes) {
                Ok(text) if !BINARY_ATTRIBUTES.contains(&lower.as_str()) => text,
                _ => encoded,
            }
        } else if let Some(url) = rest.strip_prefix('<') {
            url.trim().to_string()
        } else {
            rest.trim_start_matches(' ').to_string()
        };
        let index = match headers.iter().position(|h| h.eq_ignore_ascii_case(name)) {
            Some(index) => index,
            None => {
                headers.push(name.to_string());
                values.push(None);
                headers.len() - 1
            }
        };
        match values.get_mut(index) {
            Some(Some(existing)) => {
                existing.push(';');
                existing.push_str(&value);
            }
            Some(slot) => *slot = Some(value),
            None => {}
        }
    }
    Ok(values.into_iter().map(Option::unwrap_or_default).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::read::progress::Progress;

    fn read(text: &str) -> (Parsed, Rows) {
        let mut keep_going = |_: Progress| true;
        let mut ticker = Ticker::new(Box::new(&mut keep_going), text.len() as u64);
        ticker.fed(text.len(), text.len());
        read_ldif(text, &mut ticker).unwrap()
    }

    #[test]
    fn entries_values_folding_and_base64() {
        let text = "\r\n\
            version: 1\r\n\
            \r\n\
            # a comment\r\n\
            #  folded comment\r\n\
            dn: CN=Ada Lovelace,OU=Users,\r\n DC=contoso,DC=com\r\n\
            changetype: add\r\n\
            objectGUID:: yYuRNW0Z6kCXeYidebdT8A==\r\n\
            userPrincipalName: ada@contoso.com\r\n\
            proxyAddresses: SMTP:ada@contoso.com\r\n\
            proxyAddresses: smtp:ada@contoso.onmicrosoft.com\r\n\
            \r\n\
            dn:: Q049UmVuw6kgRHVwb250LERDPWNvbnRvc28sREM9Y29t\r\n\
            displayName:: UmVuw6kgRHVwb250\r\n\
            userPrincipalName: rene@contoso.com\r\n\
            mail: rene@cont\r\n oso.com\r\n";
        let (parsed, rows) = read(text);
        assert_eq!(
            parsed.headers,
            vec!["dn", "objectGUID", "userPrincipalName", "proxyAddresses", "displayName", "mail"]
        );
        let rows: Vec<_> = rows.iter().collect();
        assert_eq!(rows[0].line, 6);
        assert_eq!(
            rows[0].fields().collect::<Vec<_>>(),
            vec![
                "CN=Ada Lovelace,OU=Users,DC=contoso,DC=com",
                "yYuRNW0Z6kCXeYidebdT8A==",
                "ada@contoso.com",
                "SMTP:ada@contoso.com;smtp:ada@contoso.onmicrosoft.com",
                "",
                ""
            ]
        );
        assert_eq!((rows[1].line, rows[1].record), (14, 2));
        assert_eq!(
            rows[1].fields().collect::<Vec<_>>(),
            [
                "CN=René Dupont,DC=contoso,DC=com",
                "",
                "rene@contoso.com",
                "",
                "René Dupont",
                "rene@contoso.com"
            ]
        );
        assert!(parsed.rejects.is_empty());
    }

    #[test]
    fn a_continuation_of_whitespace_continues_and_a_line_of_spaces_ends_the_entry() {
        // Found by the ldif fuzz target: a folded value's last piece was a form feed, and its
        // continuation line (" \x0C") was read as the blank line between entries.
        let text = "dn: CN=A\nmail: a@contoso.com\n \x0C\ncn: A\n   \ndn: CN=B\ncn: B\n";
        let (parsed, rows) = read(text);
        assert_eq!(parsed.headers, ["dn", "mail", "cn"]);
        let rows: Vec<Vec<&str>> = rows.iter().map(|r| r.fields().collect()).collect();
        assert_eq!(rows, [vec!["CN=A", "a@contoso.com\x0C", "A"], vec!["CN=B", "", "B"]]);
        assert!(parsed.rejects.is_empty());
    }

    #[test]
    fn broken_entries_are_rejected_and_reading_goes_on() {
        let cases: &[(&str, &str)] = &[
            ("dn: CN=A\nobjectGUID:: not base64!\n", "not base64"),
            ("dn: CN=A\njust text\n", "not an `attribute: value` line"),
            ("cn: A\nmail: a@x\n", "must start with `dn:`"),
        ];
        for &(entry, needle) in cases {
            let text = format!("dn: CN=Z\nmail: z@x\n\n{entry}\ndn: CN=Y\nmail: y@x\n");
            let (parsed, rows) = read(&text);
            assert_eq!(rows.len(), 2, "{entry:?}");
            let reject = &parsed.rejects[0];
            assert_eq!(reject.error.position(), Some(&Position::line(4, 2)));
            assert_eq!(reject.raw, entry.trim_end());
            assert!(reject.error.to_string().contains(needle), "{}", reject.error);
        }
    }

    #[test]
    fn sniffing() {
        let cases: &[(&str, bool)] = &[
            ("\r\ndn: CN=A\r\n", true),
            ("# export\nversion: 1\n", true),
            ("DN,objectClass\n", false),
            ("\"dn\",\"x\"\n", false),
        ];
        for &(text, expected) in cases {
            assert_eq!(looks_like_ldif(text), expected, "{text:?}");
        }
    }
}
