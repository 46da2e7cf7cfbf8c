//! The shape of a CSV export: the `#TYPE` line Windows PowerShell 5.1 writes first, Excel's
//! `sep=` line, the delimiter and how fields are quoted.

use serde::{Deserialize, Serialize};

/// How values are quoted in a CSV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quoting {
    /// Every field is quoted (Windows PowerShell 5.1, PowerShell 7's default).
    All,
    /// Only some fields are quoted (`-UseQuotes AsNeeded`, Excel, csvde).
    Some,
    /// No field is quoted (`-UseQuotes Never`).
    None,
}

/// The file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "kebab-case")]
pub enum FileFormat {
    /// Delimited text.
    Csv {
        /// `b','`, `b';'`, `b'\t'` or (from a `sep=` line) `b'|'`.
        delimiter: u8,
        /// How fields are quoted.
        quoted: Quoting,
    },
    /// LDAP Data Interchange Format, as ldifde writes it.
    Ldif,
}

/// Splits off Windows PowerShell 5.1's `#TYPE <type name>` first line (written unless
/// `-NoTypeInformation`). Returns the type name, the rest of the text and how many lines
/// were taken off. An Excel re-save keeps the line as a cell of its own row, so trailing
/// delimiters (`#TYPE …,,,`) are dropped from the name.
pub(crate) fn split_type_line(text: &str) -> (Option<String>, &str, u64) {
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let first = &text[..first_end];
    match first.strip_prefix("#TYPE") {
        Some(rest) if rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']) => {
            let name = rest.trim().trim_end_matches([',', ';', '\t']).trim();
            (Some(name.to_string()), &text[first_end..], 1)
        }
        _ => (None, text, 0),
    }
}

/// Splits off Excel's `sep=;` first line, which names the delimiter (Excel writes it, and reads
/// it, in place of the list separator of the machine's region). Returns the delimiter, the
/// rest of the text and how many lines were taken off. Only `,` `;`, tab and `|` are taken:
/// `sep=` with anything else is left as a line of the file. An Excel re-save
/// keeps the line as a row, so the separator may be repeated after it (`sep=;;;`).
pub(crate) fn split_sep_line(text: &str) -> (Option<u8>, &str, u64) {
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let line = text[..first_end].trim_start_matches('\u{FEFF}').trim_end_matches(['\r', '\n']);
    let value = line.get(..4).filter(|head| head.eq_ignore_ascii_case("sep=")).map(|_| &line[4..]);
    match value.map(str::as_bytes) {
        Some([separator, rest @ ..])
            if matches!(separator, b',' | b';' | b'\t' | b'|')
                && rest.iter().all(|b| b == separator) =>
        {
            (Some(*separator), &text[first_end..], 1)
        }
        _ => (None, text, 0),
    }
}

/// The first lines of a file's text, looked at as they arrive, until they are enough to tell
/// LDIF from CSV ([`super::looks_like_ldif`]) and a CSV file's `#TYPE` line, delimiter and
/// quoting: the first line that is neither empty nor a `#` comment, and the first two non-blank
/// lines after any `#TYPE` line. Only lines whose `\n` has arrived count, so that what is told
/// from the head is what the whole text would tell.
#[derive(Debug, Default)]
pub(crate) struct HeadScan {
    /// Where the next line starts.
    next: usize,
    /// Whether the first line was looked at.
    past_first: bool,
    /// Whether the first line that is neither empty nor a comment starts LDIF, once seen.
    ldif: Option<bool>,
    /// Non-blank lines after any `#TYPE` line.
    non_blank: usize,
}

impl HeadScan {
    /// Looks at the lines of `head` (the text so far) that were not looked at yet, and tells
    /// whether the head is enough.
    pub(crate) fn is_enough(&mut self, head: &str) -> bool {
        while let Some(len) = memchr::memchr(b'\n', &head.as_bytes()[self.next..]) {
            let line = &head[self.next..self.next + len];
            let whole_line = &head[self.next..=self.next + len];
            // The `#TYPE` line, or a `sep=` line before the header, is not one of the lines
            // that tell the shape.
            let type_line = (!self.past_first && split_type_line(whole_line).0.is_some())
                || (self.non_blank == 0 && split_sep_line(whole_line).0.is_some());
            self.past_first = true;
            self.next += len + 1;
            let l = line.trim_start_matches('\u{FEFF}').trim_end();
            if self.ldif.is_none() && !l.is_empty() && !l.starts_with('#') {
                let l = l.to_ascii_lowercase();
                self.ldif = Some(l.starts_with("dn:") || l.starts_with("version:"));
            }
            if !type_line && !line.trim().is_empty() {
                self.non_blank += 1;
            }
            if self.ldif == Some(true) || (self.ldif.is_some() && self.non_blank >= 2) {
                return true;
            }
        }
        false
    }
}

/// Field separators counted outside quotes, and how many fields were quoted.
#[derive(Debug, Default, PartialEq, Eq)]
struct LineShape {
    commas: usize,
    semicolons: usize,
    tabs: usize,
}

fn shape(line: &str) -> LineShape {
    let mut counts = LineShape::default();
    let mut in_quotes = false;
    for c in line.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => counts.commas += 1,
            ';' if !in_quotes => counts.semicolons += 1,
            '\t' if !in_quotes => counts.tabs += 1,
            _ => {}
        }
    }
    counts
}

/// The delimiter of a header line: the most frequent of `,` `;` and tab outside quotes; a comma
/// when there is none or on a tie.
pub(crate) fn detect_delimiter(header_line: &str) -> u8 {
    let s = shape(header_line);
    if s.tabs > s.commas && s.tabs >= s.semicolons {
        b'\t'
    } else if s.semicolons > s.commas && s.semicolons > s.tabs {
        b';'
    } else {
        b','
    }
}

/// How the fields of a few lines are quoted.
pub(crate) fn detect_quoting<'a>(lines: impl Iterator<Item = &'a str>, delimiter: u8) -> Quoting {
    let (mut quoted, mut bare) = (0usize, 0usize);
    for line in lines {
        let mut in_quotes = false;
        let mut at_field_start = true;
        for c in line.chars() {
            if at_field_start {
                if c == '"' {
                    quoted += 1;
                } else {
                    bare += 1;
                }
                at_field_start = false;
            }
            if c == '"' {
                in_quotes = !in_quotes;
            } else if !in_quotes && c as u32 == u32::from(delimiter) {
                at_field_start = true;
            }
        }
        if at_field_start {
            bare += 1;
        }
    }
    match (quoted, bare) {
        (0, _) => Quoting::None,
        (_, 0) => Quoting::All,
        _ => Quoting::Some,
    }
}

/// A delimiter's name for messages.
pub(crate) fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b';' => "semicolon",
        b'\t' => "tab",
        b'|' => "vertical bar",
        _ => "comma",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        let cases: &[(&str, u8)] = &[
            ("\"UserPrincipalName\",\"Name\",\"objectGUID\"", b','),
            ("\"UserPrincipalName\";\"Name\";\"objectGUID\"", b';'),
            ("UserPrincipalName\tName\tobjectGUID", b'\t'),
            ("\"Smith, John\";\"x\";\"y\"", b';'),
            ("\"a;b;c\",\"d\"", b','),
            ("UserPrincipalName", b','),
            ("", b','),
            ("a,b;c", b','),
            ("a\tb;c", b'\t'),
        ];
        for &(line, expected) in cases {
            assert_eq!(detect_delimiter(line), expected, "{line:?}");
        }
    }

    #[test]
    fn type_lines() {
        let cases: &[(&str, Option<&str>, &str, u64)] = &[
            (
                "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n\"A\"\r\n",
                Some("Selected.Microsoft.ActiveDirectory.Management.ADUser"),
                "\"A\"\r\n",
                1,
            ),
            ("\"A\"\r\n", None, "\"A\"\r\n", 0),
            ("#TYPEX\r\n", None, "#TYPEX\r\n", 0),
            ("#TYPE", Some(""), "", 1),
            (
                "#TYPE Microsoft.Online.Administration.User;;\r\n",
                Some("Microsoft.Online.Administration.User"),
                "",
                1,
            ),
        ];
        for &(text, type_name, rest, lines) in cases {
            let (t, r, n) = split_type_line(text);
            assert_eq!((t.as_deref(), r, n), (type_name, rest, lines), "{text:?}");
        }
    }

    #[test]
    fn excel_sep_lines_name_the_delimiter() {
        let cases: &[(&str, Option<u8>, &str, u64)] = &[
            ("sep=;\r\nA;B\r\n", Some(b';'), "A;B\r\n", 1),
            ("SEP=,\nA,B\n", Some(b','), "A,B\n", 1),
            ("sep=\t\r\nA\tB\r\n", Some(b'\t'), "A\tB\r\n", 1),
            ("\u{FEFF}sep=|\r\nA|B\r\n", Some(b'|'), "A|B\r\n", 1),
            ("sep=;;;\r\nA;B;C;D\r\n", Some(b';'), "A;B;C;D\r\n", 1),
            ("sep=;", Some(b';'), "", 1),
            // Not a separator line: a header named `sep=x`, an empty or long value, a quote.
            ("sep=x\r\n", None, "sep=x\r\n", 0),
            ("sep=\r\n", None, "sep=\r\n", 0),
            ("sep=;,\r\n", None, "sep=;,\r\n", 0),
            ("sep=\"\r\n", None, "sep=\"\r\n", 0),
            ("sep=:\r\n", None, "sep=:\r\n", 0),
            ("UserPrincipalName;sep=;\r\n", None, "UserPrincipalName;sep=;\r\n", 0),
            ("sép=;\r\n", None, "sép=;\r\n", 0),
        ];
        for &(text, separator, rest, lines) in cases {
            assert_eq!(split_sep_line(text), (separator, rest, lines), "{text:?}");
        }
    }

    #[test]
    fn quoting() {
        let cases: &[(&[&str], u8, Quoting)] = &[
            (&["\"a\",\"b\"", "\"1\",\"\""], b',', Quoting::All),
            (&["a,b", "\"x, y\",2"], b',', Quoting::Some),
            (&["a;b", "1;"], b';', Quoting::None),
            (&["\"a\"\t\"b\""], b'\t', Quoting::All),
        ];
        for &(lines, delimiter, expected) in cases {
            assert_eq!(detect_quoting(lines.iter().copied(), delimiter), expected, "{lines:?}");
        }
    }
}
