//! The Entra ID (cloud) users: one column per attribute the report uses.

use std::borrow::Cow;

use super::{column_error, compact, text};
use crate::engine::columnar::{Projection, Utf8Column, Utf8ListColumn};
use crate::engine::error::Error;
use crate::engine::model::{first_non_empty, primary_smtp, push_proxy_addresses, RowRef};

/// Every cloud user of an export, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudUsers {
    /// Each user's line and record, as `u32` (the reader refuses text past 4 GiB, so both
    /// fit): half a [`RowRef`]'s size.
    pub(super) at: Vec<[u32; 2]>,
    pub(super) upn: Utf8Column,
    pub(super) name: Utf8Column,
    pub(super) mail: Utf8Column,
    pub(super) proxy_addresses: Utf8ListColumn,
    /// `immutableId` / `onPremisesImmutableId`, exactly as exported (case matters).
    pub(super) immutable_id: Utf8Column,
    pub(super) synced: Vec<Synced>,
    pub(super) object_id: Utf8Column,
    pub(super) on_premises_object_identifier: Utf8Column,
    /// The export's own derived objectGUID column (the seed tutorial adds one), never trusted;
    /// `None` when the export has no such column.
    pub(super) file_object_guid: Option<Utf8Column>,
}

/// `DirSyncEnabled` / `OnPremisesSyncEnabled` as a byte: `Option<bool>` with a fixed layout,
/// so the column can be handed over as bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Synced {
    Unknown = 0,
    No = 1,
    Yes = 2,
}

impl From<Option<bool>> for Synced {
    fn from(synced: Option<bool>) -> Synced {
        match synced {
            None => Synced::Unknown,
            Some(false) => Synced::No,
            Some(true) => Synced::Yes,
        }
    }
}

impl From<Synced> for Option<bool> {
    fn from(synced: Synced) -> Option<bool> {
        match synced {
            Synced::Unknown => None,
            Synced::No => Some(false),
            Synced::Yes => Some(true),
        }
    }
}

/// One cloud user's values, as read from its row, for [`CloudUsers::push`].
#[derive(Clone, Copy, Debug, Default)]
pub struct CloudRow<'a> {
    /// Where it is in the cloud file.
    pub at: RowRef,
    /// `userPrincipalName`.
    pub upn: &'a str,
    /// `displayName`.
    pub name: &'a str,
    /// `mail`.
    pub mail: &'a str,
    /// The `proxyAddresses` cell, joined as exported (split on the way in).
    pub proxy_addresses: &'a str,
    /// `immutableId` / `onPremisesImmutableId`.
    pub immutable_id: &'a str,
    /// `DirSyncEnabled` / `OnPremisesSyncEnabled`, when exported; `None` when unknown.
    pub synced: Option<bool>,
    /// The object ID, when exported.
    pub object_id: &'a str,
    /// `onPremisesObjectIdentifier`, when exported.
    pub on_premises_object_identifier: &'a str,
    /// The export's own derived objectGUID column (kept only when the table has one).
    pub file_object_guid: &'a str,
}

/// How many users and bytes of each text column a [`CloudUsers`] gets room for (see
/// [`super::OnPremSizes`]). `file_object_guid` is `None` when the export has no objectGUID
/// column of its own.
#[derive(Clone, Copy, Debug, Default)]
pub struct CloudSizes {
    /// Users.
    pub rows: usize,
    /// Bytes of `upn`.
    pub upn: usize,
    /// Bytes of `name`.
    pub name: usize,
    /// Bytes of `mail`.
    pub mail: usize,
    /// Bytes of `proxy_addresses`.
    pub proxy_addresses: usize,
    /// Bytes of `immutable_id`.
    pub immutable_id: usize,
    /// Bytes of `object_id`.
    pub object_id: usize,
    /// Bytes of `on_premises_object_identifier`.
    pub on_premises_object_identifier: usize,
    /// Bytes of `file_object_guid`.
    pub file_object_guid: Option<usize>,
}

impl CloudUsers {
    /// No users yet, with room for `sizes`.
    pub fn new(sizes: CloudSizes) -> CloudUsers {
        let rows = sizes.rows;
        let text = |bytes| Utf8Column::with_capacity(rows, bytes);
        CloudUsers {
            at: Vec::with_capacity(rows),
            upn: text(sizes.upn),
            name: text(sizes.name),
            mail: text(sizes.mail),
            proxy_addresses: Utf8ListColumn::with_capacity(rows, sizes.proxy_addresses),
            immutable_id: text(sizes.immutable_id),
            synced: Vec::with_capacity(rows),
            object_id: text(sizes.object_id),
            on_premises_object_identifier: text(sizes.on_premises_object_identifier),
            file_object_guid: sizes.file_object_guid.map(text),
        }
    }

    /// Makes room for `row`, each column grown by `growth` when full.
    pub fn reserve(&mut self, row: &CloudRow<'_>, growth: Projection) {
        growth.reserve(&mut self.at, 1);
        growth.reserve(&mut self.synced, 1);
        let texts = [
            (Some(&mut self.upn), row.upn),
            (Some(&mut self.name), row.name),
            (Some(&mut self.mail), row.mail),
            (Some(&mut self.immutable_id), row.immutable_id),
            (Some(&mut self.object_id), row.object_id),
            (Some(&mut self.on_premises_object_identifier), row.on_premises_object_identifier),
            (self.file_object_guid.as_mut(), row.file_object_guid),
        ];
        for (column, value) in texts {
            if let Some(column) = column {
                column.reserve(value.len(), growth);
            }
        }
        self.proxy_addresses.reserve(row.proxy_addresses.len(), growth);
    }

    /// Appends a user.
    pub fn push(&mut self, row: &CloudRow<'_>) -> Result<(), Error> {
        self.at.push(compact(row.at));
        let texts = [
            (&mut self.upn, row.upn),
            (&mut self.name, row.name),
            (&mut self.mail, row.mail),
            (&mut self.immutable_id, row.immutable_id),
            (&mut self.object_id, row.object_id),
            (&mut self.on_premises_object_identifier, row.on_premises_object_identifier),
        ];
        for (column, value) in texts {
            column.push(value).map_err(column_error)?;
        }
        if let Some(column) = &mut self.file_object_guid {
            column.push(row.file_object_guid).map_err(column_error)?;
        }
        push_proxy_addresses(&mut self.proxy_addresses, row.proxy_addresses)
            .map_err(column_error)?;
        self.synced.push(row.synced.into());
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
    /// When `index` is not below [`CloudUsers::len`]: indexes come from the matcher, which
    /// makes them from this table.
    pub fn get(&self, index: usize) -> CloudUser<'_> {
        assert!(index < self.len(), "cloud user {index} of {}", self.len());
        CloudUser { users: self, index }
    }

    /// Every user, in file order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = CloudUser<'_>> + '_ {
        (0..self.len()).map(|index| CloudUser { users: self, index })
    }

    /// Every user's ImmutableID, in file order: the column the anchors are classified from.
    pub fn immutable_ids(&self) -> &Utf8Column {
        &self.immutable_id
    }
}

/// An Entra ID (cloud) user: a row of [`CloudUsers`].
#[derive(Clone, Copy, Debug)]
pub struct CloudUser<'a> {
    users: &'a CloudUsers,
    index: usize,
}

impl<'a> CloudUser<'a> {
    /// Where it is in the cloud file.
    pub fn at(self) -> RowRef {
        let [line, record] = self.users.at[self.index];
        RowRef { line: line.into(), record: record.into() }
    }

    /// `userPrincipalName`, trimmed.
    pub fn upn(self) -> &'a str {
        text(&self.users.upn, self.index)
    }

    /// `displayName`.
    pub fn name(self) -> &'a str {
        text(&self.users.name, self.index)
    }

    /// `mail`, trimmed.
    pub fn mail(self) -> &'a str {
        text(&self.users.mail, self.index)
    }

    /// `proxyAddresses`.
    pub fn proxy_addresses(self) -> impl ExactSizeIterator<Item = &'a str> + Clone + 'a {
        self.users.proxy_addresses.get(self.index)
    }

    /// `immutableId` / `onPremisesImmutableId`, exactly as exported (case matters).
    pub fn immutable_id(self) -> &'a str {
        text(&self.users.immutable_id, self.index)
    }

    /// `DirSyncEnabled` / `OnPremisesSyncEnabled`, when exported; `None` when unknown.
    pub fn synced(self) -> Option<bool> {
        self.users.synced[self.index].into()
    }

    /// The object ID, trimmed, when exported.
    pub fn object_id(self) -> &'a str {
        text(&self.users.object_id, self.index)
    }

    /// `onPremisesObjectIdentifier`, when exported.
    pub fn on_premises_object_identifier(self) -> &'a str {
        text(&self.users.on_premises_object_identifier, self.index)
    }

    /// The export's own derived objectGUID column (the seed tutorial adds one), never trusted;
    /// `None` when the export has no such column.
    pub fn file_object_guid(self) -> Option<&'a str> {
        self.users.file_object_guid.as_ref().map(|column| text(column, self.index))
    }

    /// The primary SMTP address: the `SMTP:` proxy address, else `mail`. Lower-cased, and
    /// borrowed when it is already.
    pub fn primary_smtp(self) -> Option<Cow<'a, str>> {
        primary_smtp(self.proxy_addresses(), self.mail())
    }

    /// The person's label for messages: UPN, else name, else object ID.
    pub fn label(self) -> &'a str {
        first_non_empty(&[self.upn(), self.name(), self.object_id()])
    }
}
