//! The two sides' users as the matcher sees them: typed, with the values Entra Connect compares.

use std::borrow::Cow;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::text::Text;

/// Where a user came from in its file (see [`crate::engine::Position`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RowRef {
    /// The physical line the record starts on.
    pub line: u64,
    /// The data record's number (1 = first user).
    pub record: u64,
}

/// An on-premises AD user, from one row of the on-prem export.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnPremUser {
    /// Where it is in the on-prem file.
    pub at: RowRef,
    /// `userPrincipalName`; empty when the export has none.
    pub upn: Text,
    /// `Name` / `displayName`.
    pub name: Text,
    /// `sAMAccountName`.
    pub sam_account_name: Text,
    /// `distinguishedName`.
    pub distinguished_name: Text,
    /// `mail`; `None` when the export has no mail column (then nothing can be said about what
    /// a takeover does to the cloud mail).
    pub mail: Option<Text>,
    /// `proxyAddresses`, one value each (`SMTP:` marks the primary address).
    pub proxy_addresses: Vec<Text>,
    /// `objectGUID`.
    pub object_guid: Option<Uuid>,
    /// `mS-DS-ConsistencyGuid`, when the export has it and it is set.
    pub consistency_guid: Option<Uuid>,
    /// The value of the string anchor column, when the anchor is a named string attribute.
    pub string_anchor: Option<Text>,
    /// The export's own ImmutableID column (the seed tutorial computes one), checked, never trusted.
    pub file_immutable_id: Option<Text>,
    /// `employeeID`, when exported (a common custom anchor).
    pub employee_id: Text,
}

/// An Entra ID (cloud) user, from one row of the cloud export.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudUser {
    /// Where it is in the cloud file.
    pub at: RowRef,
    /// `userPrincipalName`.
    pub upn: Text,
    /// `displayName`.
    pub name: Text,
    /// `mail`.
    pub mail: Text,
    /// `proxyAddresses`.
    pub proxy_addresses: Vec<Text>,
    /// `immutableId` / `onPremisesImmutableId`, exactly as exported (case matters).
    pub immutable_id: Text,
    /// `DirSyncEnabled` / `OnPremisesSyncEnabled`, when exported; `None` when unknown.
    pub synced: Option<bool>,
    /// The object ID, when exported.
    pub object_id: Text,
    /// `onPremisesObjectIdentifier`, when exported.
    pub on_premises_object_identifier: Text,
    /// The export's own derived objectGUID column (the seed tutorial adds one), never trusted.
    pub file_object_guid: Option<Text>,
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

impl OnPremUser {
    /// The primary SMTP address: the `SMTP:` proxy address, else `mail`. Lower-cased.
    pub fn primary_smtp(&self) -> Option<String> {
        self.primary_smtp_key().map(Cow::into_owned)
    }

    /// [`OnPremUser::primary_smtp`], borrowed when it is already folded.
    pub(crate) fn primary_smtp_key(&self) -> Option<Cow<'_, str>> {
        primary_smtp(&self.proxy_addresses, self.mail.as_deref().unwrap_or_default())
    }

    /// The person's label for messages: UPN, else sAMAccountName, else name.
    pub fn label(&self) -> &str {
        first_non_empty(&[&self.upn, &self.sam_account_name, &self.name])
    }
}

impl CloudUser {
    /// The primary SMTP address: the `SMTP:` proxy address, else `mail`. Lower-cased.
    pub fn primary_smtp(&self) -> Option<String> {
        self.primary_smtp_key().map(Cow::into_owned)
    }

    /// [`CloudUser::primary_smtp`], borrowed when it is already folded.
    pub(crate) fn primary_smtp_key(&self) -> Option<Cow<'_, str>> {
        primary_smtp(&self.proxy_addresses, &self.mail)
    }

    /// The person's label for messages: UPN, else name.
    pub fn label(&self) -> &str {
        first_non_empty(&[&self.upn, &self.name, &self.object_id])
    }
}

fn first_non_empty<'a>(values: &[&'a str]) -> &'a str {
    values.iter().find(|v| !v.trim().is_empty()).copied().unwrap_or("")
}

fn primary_smtp<'a>(proxy_addresses: &'a [Text], mail: &'a str) -> Option<Cow<'a, str>> {
    // Upper-case `SMTP:` marks the primary address; lower-case `smtp:` the secondary ones.
    let primary = proxy_addresses
        .iter()
        .find_map(|p| p.trim().strip_prefix("SMTP:"))
        .filter(|address| !address.is_empty());
    match primary {
        Some(address) => Some(fold_cow(address)),
        None if !mail.trim().is_empty() => Some(fold_cow(mail)),
        None => None,
    }
}

/// Splits a joined `proxyAddresses` cell (`SMTP:a@x;smtp:b@x`, or space-separated as PowerShell
/// stringifies an array). A piece starts a new address only when it begins with an address type
/// (`smtp:`, `X500:`…), because X500 and X400 addresses themselves contain spaces and `;`.
///
/// The addresses are slices of `cell`, but for the rare one glued across several separators
/// (`X400:c=US;a= ;p=Org` gives `X400:c=US;a=;p=Org`), which owns its text.
pub fn split_proxy_addresses(cell: &Text) -> Vec<Text> {
    let text = cell.as_str();
    // An address is sized to the cell's `:`s, one a type (`SMTP:a@x;smtp:b@x` has two): a
    // vector growing from nothing would hold four for two addresses, for a million users.
    let types = memchr::memchr_iter(b':', text.as_bytes()).count();
    let mut addresses = Vec::with_capacity(types);
    // The address being glued: where it is in the cell, and its own text once a dropped
    // separator made it other than a slice.
    let mut current: Option<(Range<usize>, Option<String>)> = None;
    // The separator that ended the previous piece, put back when a piece is glued to it.
    let mut previous_separator = ' ';
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        // The separators are ASCII, so a byte search finds them (a char search decodes every
        // character: a tenth of the row → user stage), and each is one byte.
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
                _ => addresses.extend(current.replace((piece, None)).map(|a| address(cell, a))),
            }
        }
        previous_separator = separator.unwrap_or(' ');
    }
    addresses.extend(current.map(|a| address(cell, a)));
    addresses
}

/// An address [`split_proxy_addresses`] glued: its slice of the cell, or its own text.
fn address(cell: &Text, (range, own): (Range<usize>, Option<String>)) -> Text {
    own.map_or_else(|| cell.subtext(range), Text::from)
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

    #[test]
    fn primary_smtp_prefers_the_upper_case_proxy() {
        let user = OnPremUser {
            mail: Some("Mail@Contoso.com".into()),
            proxy_addresses: split_proxy_addresses(
                &"smtp:old@contoso.com;SMTP:Jane@Contoso.com".into(),
            ),
            ..OnPremUser::default()
        };
        assert_eq!(user.primary_smtp().as_deref(), Some("jane@contoso.com"));
    }

    #[test]
    fn primary_smtp_falls_back_to_mail_then_none() {
        let mut user = CloudUser { mail: "A@B.com".into(), ..CloudUser::default() };
        assert_eq!(user.primary_smtp().as_deref(), Some("a@b.com"));
        user.mail = Text::default();
        assert_eq!(user.primary_smtp(), None);
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
            assert_eq!(split_proxy_addresses(&cell.into()), addresses, "{cell:?}");
            assert_eq!(split_into_strings(cell), addresses, "{cell:?}");
        }
    }

    #[test]
    fn proxy_addresses_are_slices_of_the_cell_unless_glued_across_a_dropped_separator() {
        let cell = Text::from("SMTP:a@x.com;X500:/o=Org/ou=Admin Group X400:c=US;a= ;p=Org");
        let addresses = split_proxy_addresses(&cell);
        assert_eq!(addresses, ["SMTP:a@x.com", "X500:/o=Org/ou=Admin Group", "X400:c=US;a=;p=Org"]);
        let shared: Vec<bool> = addresses.iter().map(|a| a.shares_buffer_with(&cell)).collect();
        assert_eq!(shared, [true, true, false]);
        // Sized to the addresses, not grown past them (a million users hold these).
        let addresses = split_proxy_addresses(&"SMTP:a@x.com;smtp:b@x.com".into());
        assert_eq!((addresses.len(), addresses.capacity()), (2, 2));
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
            let addresses = split_proxy_addresses(&Text::from(cell.as_str()));
            prop_assert_eq!(addresses, super::tests::split_into_strings(&cell));
        }
    }
}
