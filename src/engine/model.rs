//! What the matcher compares the users' values by: the anchor choice, where a user is in its
//! file, folding for case-insensitive keys, and splitting a proxyAddresses cell.

use std::borrow::Cow;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::engine::columnar::{ColumnError, Utf8ListColumn};

/// Where a user came from in its file (see [`crate::engine::Position`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RowRef {
    /// The physical line the record starts on.
    pub line: u64,
    /// The data record's number (1 = first user).
    pub record: u64,
}

/// Which on-prem value becomes the source anchor (Entra Connect's "Uniquely identifying your
/// users" page; cloud sync behaves as the default).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "column", rename_all = "kebab-case")]
pub enum AnchorAttribute {
    /// `mS-DS-ConsistencyGuid` where set, else `objectGUID` (Connect ≥ 1.1.524 writes objectGUID
    /// into an empty ConsistencyGuid first, so both give the same anchor). The default.
    #[default]
    ConsistencyGuidElseObjectGuid,
    /// `objectGUID` only (older Connect installs, and Okta's default mapping).
    ObjectGuid,
    /// A string attribute (employeeID…), used verbatim: only binary values are base64-encoded.
    Column(String),
}

impl AnchorAttribute {
    /// A short name for messages.
    pub fn describe(&self) -> String {
        match self {
            AnchorAttribute::ConsistencyGuidElseObjectGuid => {
                "mS-DS-ConsistencyGuid, else objectGUID".to_string()
            }
            AnchorAttribute::ObjectGuid => "objectGUID".to_string(),
            AnchorAttribute::Column(column) => format!("the string attribute `{column}`"),
        }
    }
}

/// Lower-cases an address for comparison: UPNs and SMTP addresses match case-insensitively.
pub(crate) fn fold(value: &str) -> String {
    fold_cow(value).into_owned()
}

/// [`fold`] without allocating when the value is already trimmed ASCII lower case (most UPNs
/// and addresses): for lookups in hot loops.
pub(crate) fn fold_cow(value: &str) -> Cow<'_, str> {
    // Most values are folded already. One pass over the bytes, which the compiler vectorises,
    // tells so without decoding characters: no upper case, nothing outside ASCII, and no
    // whitespace at either end to trim.
    let bytes = value.as_bytes();
    let unfolded =
        bytes.iter().fold(false, |unfolded, b| unfolded | !b.is_ascii() | b.is_ascii_uppercase());
    let is_space = |b: Option<&u8>| b.is_some_and(|&b| char::from(b).is_whitespace());
    if !unfolded && !is_space(bytes.first()) && !is_space(bytes.last()) {
        return Cow::Borrowed(value);
    }
    lower_case(value.trim())
}

/// `str::to_lowercase`, without allocating when the value is ASCII without capitals.
pub(crate) fn lower_case(value: &str) -> Cow<'_, str> {
    if !value.is_ascii() {
        Cow::Owned(value.to_lowercase())
    } else if value.bytes().any(|b| b.is_ascii_uppercase()) {
        // For ASCII text `to_lowercase` and `to_ascii_lowercase` agree; the latter is faster.
        Cow::Owned(value.to_ascii_lowercase())
    } else {
        Cow::Borrowed(value)
    }
}

/// The first value that is not blank, or `""`: a person's label for messages.
pub(crate) fn first_non_empty<'a>(values: &[&'a str]) -> &'a str {
    values.iter().find(|v| !v.trim().is_empty()).copied().unwrap_or("")
}

/// The primary SMTP address of a user with these proxy addresses and mail, folded; `None` when
/// it has none.
pub(crate) fn primary_smtp<'a>(
    mut proxy_addresses: impl Iterator<Item = &'a str>,
    mail: &'a str,
) -> Option<Cow<'a, str>> {
    // Upper-case `SMTP:` marks the primary address; lower-case `smtp:` the secondary ones.
    let primary = proxy_addresses
        .find_map(|p| p.trim().strip_prefix("SMTP:"))
        .filter(|address| !address.is_empty());
    match primary {
        Some(address) => Some(fold_cow(address)),
        None if !mail.trim().is_empty() => Some(fold_cow(mail)),
        None => None,
    }
}

/// Splits a `proxyAddresses` cell ([`split_proxy_addresses`]) into the next row of `column`.
pub(crate) fn push_proxy_addresses(
    column: &mut Utf8ListColumn,
    cell: &str,
) -> Result<(), ColumnError> {
    split_proxy_addresses(cell, |address| column.push_item(address))?;
    column.end_row()
}

/// Splits a joined `proxyAddresses` cell (`SMTP:a@x;smtp:b@x`, or space-separated as PowerShell
/// stringifies an array), giving each address to `address` in order. A piece starts a new
/// address only when it begins with an address type (`smtp:`, `X500:`…), because X500 and X400
/// addresses themselves contain spaces and `;`.
///
/// The addresses are slices of `cell`, but for the rare one glued across several separators
/// (`X400:c=US;a= ;p=Org` gives `X400:c=US;a=;p=Org`), which is built apart.
pub fn split_proxy_addresses<E>(
    cell: &str,
    mut address: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    let text = cell;
    // The address being glued: where it is in the cell, and its own text once a dropped
    // separator made it other than a slice.
    let mut current: Option<(Range<usize>, Option<String>)> = None;
    let mut give = |glued: (Range<usize>, Option<String>)| match glued {
        (_, Some(own)) => address(&own),
        (range, None) => address(&text[range]),
    };
    // The separator that ended the previous piece, put back when a piece is glued to it.
    let mut previous_separator = ' ';
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        // The separators are ASCII, so a byte search finds them (a char search decodes every
        // character), and each is one byte.
        let end = rest.bytes().position(|b| matches!(b, b';' | b' ' | b'\n' | b'\r' | b'\t'));
        let piece = at..at + end.unwrap_or(rest.len());
        let separator = end.map(|end| char::from(rest.as_bytes()[end]));
        at = piece.end + usize::from(separator.is_some());
        if !piece.is_empty() {
            match &mut current {
                Some((range, own)) if !starts_with_address_type(&text[piece.clone()]) => {
                    // Glued across exactly its one separator, the address is still a slice.
                    if own.is_none() && piece.start == range.end + 1 {
                        range.end = piece.end;
                    } else {
                        let own = own.get_or_insert_with(|| text[range.clone()].to_string());
                        own.push(previous_separator);
                        own.push_str(&text[piece]);
                    }
                }
                _ => {
                    if let Some(done) = current.replace((piece, None)) {
                        give(done)?;
                    }
                }
            }
        }
        previous_separator = separator.unwrap_or(' ');
    }
    current.map_or(Ok(()), give)
}

fn starts_with_address_type(piece: &str) -> bool {
    // A type is 1 to 10 letters or digits and a `:`, so only the first 11 bytes can tell.
    let head = &piece.as_bytes()[..piece.len().min(11)];
    head.iter().position(|&b| b == b':').is_some_and(|colon| {
        (1..=10).contains(&colon) && head[..colon].iter().all(u8::is_ascii_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell's addresses, as the columns get them.
    pub(super) fn split(cell: &str) -> Vec<String> {
        let mut addresses = Vec::new();
        split_proxy_addresses(cell, |a| {
            let _: () = addresses.push(a.to_string());
            Ok::<_, ()>(())
        })
        .unwrap();
        addresses
    }

    #[test]
    fn primary_smtp_prefers_the_upper_case_proxy() {
        let proxies = split("smtp:old@contoso.com;SMTP:Jane@Contoso.com");
        let primary = primary_smtp(proxies.iter().map(String::as_str), "Mail@Contoso.com");
        assert_eq!(primary.as_deref(), Some("jane@contoso.com"));
    }

    #[test]
    fn primary_smtp_falls_back_to_mail_then_none() {
        assert_eq!(primary_smtp(std::iter::empty(), "A@B.com").as_deref(), Some("a@b.com"));
        assert_eq!(primary_smtp(["smtp:x@b.com"].into_iter(), " "), None);
    }

    #[test]
    fn fold_trims_and_lower_cases() {
        let cases = [
            ("jane@contoso.com", "jane@contoso.com", true),
            ("Jane@Contoso.com", "jane@contoso.com", false),
            (" jane@contoso.com\t", "jane@contoso.com", true),
            ("\x0bjane@contoso.com", "jane@contoso.com", true),
            ("jane@contoso.com\u{a0}", "jane@contoso.com", true),
            ("ÉLODIE@contoso.com", "élodie@contoso.com", false),
            ("élodie@contoso.com", "élodie@contoso.com", false),
            ("", "", true),
            ("  ", "", true),
        ];
        for (value, folded, borrowed) in cases {
            let cow = fold_cow(value);
            assert_eq!(cow, folded, "{value:?}");
            assert_eq!(matches!(cow, Cow::Borrowed(_)), borrowed, "{value:?}");
        }
    }

    /// The splitter before addresses were slices of the cell: what the slices must spell.
    pub(super) fn split_into_strings(cell: &str) -> Vec<String> {
        let mut addresses: Vec<String> = Vec::new();
        let mut rest = cell;
        let mut previous_separator = ' ';
        while !rest.is_empty() {
            let end = rest.bytes().position(|b| matches!(b, b';' | b' ' | b'\n' | b'\r' | b'\t'));
            let (piece, tail) = rest.split_at(end.unwrap_or(rest.len()));
            let separator = tail.chars().next();
            rest = separator.map_or("", |c| &tail[c.len_utf8()..]);
            if !piece.is_empty() {
                match addresses.last_mut() {
                    Some(last) if !starts_with_address_type(piece) => {
                        last.push(previous_separator);
                        last.push_str(piece);
                    }
                    _ => addresses.push(piece.to_string()),
                }
            }
            previous_separator = separator.unwrap_or(' ');
        }
        addresses
    }

    #[test]
    fn proxy_cells_split_on_every_joiner_admins_use() {
        let cases: [(&str, &[&str]); 2] = [
            (
                " SMTP:a@x.com; smtp:b@x.com X500:/o=Org/ou=Admin Group\nsmtp:c@x.com ",
                &["SMTP:a@x.com", "smtp:b@x.com", "X500:/o=Org/ou=Admin Group", "smtp:c@x.com"],
            ),
            // Types are 1 to 10 letters or digits: other pieces belong to the address before them.
            (
                "SMTP:a@x.com X400:c=US;a= ;p=Org eleventypes:x :y é:z x-y:z",
                &["SMTP:a@x.com", "X400:c=US;a=;p=Org eleventypes:x :y é:z x-y:z"],
            ),
        ];
        for (cell, addresses) in cases {
            assert_eq!(split(cell), addresses, "{cell:?}");
            assert_eq!(split_into_strings(cell), addresses, "{cell:?}");
        }
    }

    #[test]
    fn a_list_column_gets_each_cell_as_one_row() {
        let mut column = Utf8ListColumn::default();
        for cell in ["SMTP:a@x.com;X400:c=US;a= ;p=Org", "", "smtp:b@x.com"] {
            push_proxy_addresses(&mut column, cell).unwrap();
        }
        let rows: Vec<Vec<&str>> = (0..column.len()).map(|r| column.get(r).collect()).collect();
        assert_eq!(
            rows,
            [vec!["SMTP:a@x.com", "X400:c=US;a=;p=Org"], vec![], vec!["smtp:b@x.com"]]
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn fold_is_trimmed_lower_case(value in "[ \t\x0baAzZ@.é\u{a0}\u{130}0-9]{0,12}") {
            prop_assert_eq!(fold_cow(&value), value.trim().to_lowercase());
        }

        /// The slices spell what the splitter gave before they were slices.
        #[test]
        fn proxy_slices_spell_the_strings_of_old(
            cell in "([ ;\t\r\n]{0,2}(SMTP|smtp|X500|x|é|eleventypes|-)?:?[a-z@./=é]{0,6}){0,6}",
        ) {
            prop_assert_eq!(super::tests::split(&cell), super::tests::split_into_strings(&cell));
        }
    }
}
