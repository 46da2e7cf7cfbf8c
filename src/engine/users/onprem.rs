//! The on-premises AD users: one column per attribute the report uses.

use std::borrow::Cow;

use uuid::Uuid;

use super::{column_error, compact, text};
use crate::engine::columnar::{
    DictionaryColumn, GuidColumn, Projection, Utf8Column, Utf8ListColumn,
};
use crate::engine::error::Error;
use crate::engine::model::{first_non_empty, primary_smtp, push_proxy_addresses, RowRef};

/// Every on-prem user of an export, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnPremUsers {
    /// Each user's line and record, as `u32` (the reader refuses text past 4 GiB, so both
    /// fit): half a [`RowRef`]'s size.
    pub(super) at: Vec<[u32; 2]>,
    pub(super) upn: Utf8Column,
    pub(super) name: Utf8Column,
    pub(super) sam_account_name: Utf8Column,
    /// `distinguishedName` in two: its first RDN (`CN=…`), and its parent (the OU path, shared
    /// by many users) in a dictionary, so each OU path is stored once.
    pub(super) dn_rdn: Utf8Column,
    pub(super) dn_parent: DictionaryColumn,
    /// `None` when the export has no mail column: then nothing can be said about what a
    /// takeover does to the cloud mail.
    pub(super) mail: Option<Utf8Column>,
    pub(super) proxy_addresses: Utf8ListColumn,
    pub(super) object_guid: GuidColumn,
    pub(super) consistency_guid: GuidColumn,
    /// The string anchor column's values, when the anchor is a named string attribute.
    pub(super) string_anchor: Option<Utf8Column>,
    /// The export's own ImmutableID column (the seed tutorial computes one): empty is none.
    pub(super) file_immutable_id: Utf8Column,
    pub(super) employee_id: Utf8Column,
    pub(super) mail_nickname: Utf8Column,
}

/// One on-prem user's values, as read from its row, for [`OnPremUsers::push`].
#[derive(Clone, Copy, Debug, Default)]
pub struct OnPremRow<'a> {
    /// Where it is in the on-prem file.
    pub at: RowRef,
    /// `userPrincipalName`; empty when the export has none.
    pub upn: &'a str,
    /// `Name` / `displayName`.
    pub name: &'a str,
    /// `sAMAccountName`.
    pub sam_account_name: &'a str,
    /// `distinguishedName`.
    pub distinguished_name: &'a str,
    /// `mail` (kept only when the table has a mail column).
    pub mail: &'a str,
    /// The `proxyAddresses` cell, joined as exported (split on the way in).
    pub proxy_addresses: &'a str,
    /// `objectGUID`.
    pub object_guid: Option<Uuid>,
    /// `mS-DS-ConsistencyGuid`, when the export has it and it is set.
    pub consistency_guid: Option<Uuid>,
    /// The string anchor (kept only when the table has a string anchor column).
    pub string_anchor: &'a str,
    /// The export's own ImmutableID column; empty when it has none.
    pub file_immutable_id: &'a str,
    /// `employeeID`, when exported (a common custom anchor).
    pub employee_id: &'a str,
    /// `mailNickname`, when exported.
    pub mail_nickname: &'a str,
}

/// How many users and bytes of each text column an [`OnPremUsers`] gets room for up front (tests
/// that know them; a reader grows the columns by projection instead, see `reserve`), and
/// which optional columns it has.
/// `mail` and `string_anchor` are `None` when the export has no mail column and when the
/// anchor is not a string column.
#[derive(Clone, Copy, Debug, Default)]
pub struct OnPremSizes {
    /// Users.
    pub rows: usize,
    /// Bytes of `upn`.
    pub upn: usize,
    /// Bytes of `name`.
    pub name: usize,
    /// Bytes of `sam_account_name`.
    pub sam_account_name: usize,
    /// Bytes of `distinguished_name`.
    pub distinguished_name: usize,
    /// Bytes of `mail`.
    pub mail: Option<usize>,
    /// Bytes of `proxy_addresses`.
    pub proxy_addresses: usize,
    /// Bytes of `string_anchor`.
    pub string_anchor: Option<usize>,
    /// Bytes of `file_immutable_id`.
    pub file_immutable_id: usize,
    /// Bytes of `employee_id`.
    pub employee_id: usize,
    /// Bytes of `mail_nickname`.
    pub mail_nickname: usize,
}

impl OnPremUsers {
    /// No users yet, with room for `sizes`.
    pub fn new(sizes: OnPremSizes) -> OnPremUsers {
        let rows = sizes.rows;
        let text = |bytes| Utf8Column::with_capacity(rows, bytes);
        OnPremUsers {
            at: Vec::with_capacity(rows),
            upn: text(sizes.upn),
            name: text(sizes.name),
            sam_account_name: text(sizes.sam_account_name),
            dn_rdn: text(sizes.distinguished_name),
            dn_parent: DictionaryColumn::default(),
            mail: sizes.mail.map(text),
            proxy_addresses: Utf8ListColumn::with_capacity(rows, sizes.proxy_addresses),
            object_guid: GuidColumn::with_capacity(rows),
            consistency_guid: GuidColumn::with_capacity(rows),
            string_anchor: sizes.string_anchor.map(text),
            file_immutable_id: text(sizes.file_immutable_id),
            employee_id: text(sizes.employee_id),
            mail_nickname: text(sizes.mail_nickname),
        }
    }

    /// Makes room for `row`, each column grown by `growth` when full.
    pub fn reserve(&mut self, row: &OnPremRow<'_>, growth: Projection) {
        growth.reserve(&mut self.at, 1);
        let texts = [
            (Some(&mut self.upn), row.upn),
            (Some(&mut self.name), row.name),
            (Some(&mut self.sam_account_name), row.sam_account_name),
            (Some(&mut self.dn_rdn), split_dn(row.distinguished_name).0),
            (Some(&mut self.file_immutable_id), row.file_immutable_id),
            (Some(&mut self.employee_id), row.employee_id),
            (Some(&mut self.mail_nickname), row.mail_nickname),
            (self.mail.as_mut(), row.mail),
            (self.string_anchor.as_mut(), row.string_anchor),
        ];
        for (column, value) in texts {
            if let Some(column) = column {
                column.reserve(value.len(), growth);
            }
        }
        self.dn_parent.reserve(growth);
        self.proxy_addresses.reserve(row.proxy_addresses.len(), growth);
        self.object_guid.reserve(growth);
        self.consistency_guid.reserve(growth);
    }

    /// Appends a user.
    pub fn push(&mut self, row: &OnPremRow<'_>) -> Result<(), Error> {
        self.at.push(compact(row.at));
        let texts = [
            (&mut self.upn, row.upn),
            (&mut self.name, row.name),
            (&mut self.sam_account_name, row.sam_account_name),
            (&mut self.file_immutable_id, row.file_immutable_id),
            (&mut self.employee_id, row.employee_id),
            (&mut self.mail_nickname, row.mail_nickname),
        ];
        for (column, value) in texts {
            column.push(value).map_err(column_error)?;
        }
        for (column, value) in
            [(&mut self.mail, row.mail), (&mut self.string_anchor, row.string_anchor)]
        {
            if let Some(column) = column {
                column.push(value).map_err(column_error)?;
            }
        }
        let (rdn, parent) = split_dn(row.distinguished_name);
        self.dn_rdn.push(rdn).map_err(column_error)?;
        self.dn_parent.push(parent).map_err(column_error)?;
        push_proxy_addresses(&mut self.proxy_addresses, row.proxy_addresses)
            .map_err(column_error)?;
        self.object_guid.push(row.object_guid);
        self.consistency_guid.push(row.consistency_guid);
        Ok(())
    }

    /// The number of users.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// User `index` (in file order).
    ///
    /// # Panics
    /// When `index` is not below [`OnPremUsers::len`]: indexes come from the matcher, which
    /// makes them from this table.
    pub fn get(&self, index: usize) -> OnPremUser<'_> {
        assert!(index < self.len(), "on-prem user {index} of {}", self.len());
        OnPremUser { users: self, index }
    }

    /// Every user, in file order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = OnPremUser<'_>> + '_ {
        (0..self.len()).map(|index| OnPremUser { users: self, index })
    }
}

/// An on-premises AD user: a row of [`OnPremUsers`].
#[derive(Clone, Copy, Debug)]
pub struct OnPremUser<'a> {
    users: &'a OnPremUsers,
    index: usize,
}

impl<'a> OnPremUser<'a> {
    /// Where it is in the on-prem file.
    pub fn at(self) -> RowRef {
        let [line, record] = self.users.at[self.index];
        RowRef { line: line.into(), record: record.into() }
    }

    /// `userPrincipalName`, trimmed; empty when the export has none.
    pub fn upn(self) -> &'a str {
        text(&self.users.upn, self.index)
    }

    /// `Name` / `displayName`.
    pub fn name(self) -> &'a str {
        text(&self.users.name, self.index)
    }

    /// `sAMAccountName`, trimmed.
    pub fn sam_account_name(self) -> &'a str {
        text(&self.users.sam_account_name, self.index)
    }

    /// `distinguishedName`.
    pub fn distinguished_name(self) -> Cow<'a, str> {
        let rdn = text(&self.users.dn_rdn, self.index);
        match self.users.dn_parent.get(self.index).unwrap_or_default() {
            "" => Cow::Borrowed(rdn),
            parent => Cow::Owned(format!("{rdn},{parent}")),
        }
    }

    /// `mail`, trimmed; `None` when the export has no mail column.
    pub fn mail(self) -> Option<&'a str> {
        self.users.mail.as_ref().map(|column| text(column, self.index))
    }

    /// `proxyAddresses`, one value each (`SMTP:` marks the primary address).
    pub fn proxy_addresses(self) -> impl ExactSizeIterator<Item = &'a str> + Clone + 'a {
        self.users.proxy_addresses.get(self.index)
    }

    /// `objectGUID`.
    pub fn object_guid(self) -> Option<Uuid> {
        self.users.object_guid.get(self.index)
    }

    /// `mS-DS-ConsistencyGuid`, when the export has it and it is set.
    pub fn consistency_guid(self) -> Option<Uuid> {
        self.users.consistency_guid.get(self.index)
    }

    /// The value of the string anchor column, when the anchor is a named string attribute.
    pub fn string_anchor(self) -> Option<&'a str> {
        self.users.string_anchor.as_ref().map(|column| text(column, self.index))
    }

    /// The export's own ImmutableID column (the seed tutorial computes one), checked, never
    /// trusted; `None` when the export has none or it is empty here.
    pub fn file_immutable_id(self) -> Option<&'a str> {
        Some(text(&self.users.file_immutable_id, self.index)).filter(|v| !v.is_empty())
    }

    /// `employeeID`, trimmed, when exported (a common custom anchor).
    pub fn employee_id(self) -> &'a str {
        text(&self.users.employee_id, self.index)
    }

    /// `mailNickname`, trimmed; empty when the export has none.
    pub fn mail_nickname(self) -> &'a str {
        text(&self.users.mail_nickname, self.index)
    }

    /// The primary SMTP address: the `SMTP:` proxy address, else `mail`. Lower-cased, and
    /// borrowed when it is already.
    pub fn primary_smtp(self) -> Option<Cow<'a, str>> {
        primary_smtp(self.proxy_addresses(), self.mail().unwrap_or_default())
    }

    /// The person's label for messages: UPN, else sAMAccountName, else name.
    pub fn label(self) -> &'a str {
        first_non_empty(&[self.upn(), self.sam_account_name(), self.name()])
    }
}

/// A distinguished name as its first RDN and its parent: split at the first comma that a
/// backslash does not escape (RFC 4514), when something follows it. Joined with a comma (or
/// alone, for an empty parent), the two give the name back exactly.
fn split_dn(dn: &str) -> (&str, &str) {
    let bytes = dn.as_bytes();
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\\' => escaped = !escaped,
            b',' if !escaped => {
                return match &dn[i + 1..] {
                    "" => (dn, ""),
                    parent => (&dn[..i], parent),
                };
            }
            _ => escaped = false,
        }
    }
    (dn, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dn_splits_at_its_first_unescaped_comma() {
        let cases = [
            ("CN=Ada,OU=Staff,DC=x", ("CN=Ada", "OU=Staff,DC=x")),
            ("CN=Lovelace\\, Ada,OU=Staff", ("CN=Lovelace\\, Ada", "OU=Staff")),
            ("CN=back\\\\,OU=Staff", ("CN=back\\\\", "OU=Staff")),
            ("CN=Ada", ("CN=Ada", "")),
            ("CN=Ada,", ("CN=Ada,", "")),
            ("", ("", "")),
        ];
        for (dn, expected) in cases {
            assert_eq!(split_dn(dn), expected, "{dn}");
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;

    proptest::proptest! {
        /// Any text, split and joined as the users do, is itself again.
        #[test]
        fn a_split_dn_joins_back(dn in "[a-c,\\\\= ]{0,12}") {
            let (rdn, parent) = split_dn(&dn);
            let joined = if parent.is_empty() { rdn.to_string() } else { format!("{rdn},{parent}") };
            proptest::prop_assert_eq!(joined, dn);
        }
    }
}
