//! The cloud export's rows made into [`CloudUsers`] as the reader reads them: the rows are never
//! stored first, so the file's text is only ever held in the users' columns.

use super::cloud::Synced;
use super::row_values::{parse_bool, Layout, RowValues};
use super::{CloudRow, CloudSizes, CloudUsers};
use crate::engine::columnar::{Projection, Utf8Column, Utf8ListColumn};
use crate::engine::error::{Error, ErrorKind, Side};
use crate::engine::read::{Field, Header, Reject, Row, RowSink};

/// A [`RowSink`] that makes each cloud row a user, or a reject when it has no UPN (every Entra
/// user has one).
#[derive(Debug)]
pub struct CloudBuilder {
    file_name: String,
    /// The header, once read.
    layout: Option<Layout>,
    users: CloudUsers,
    /// Each user's sync state told by `LastDirSyncTime`, kept only when the export has both it
    /// and `OnPremisesSyncEnabled`: what the state is if the latter turns out to be ignored.
    dir_sync_time: Option<Vec<Synced>>,
    rejects: Vec<Reject>,
    /// Rows taken, users and rejects alike.
    rows: usize,
    /// Why a user could not be stored, the first time.
    failed: Option<Error>,
}

impl CloudBuilder {
    /// A builder for the cloud file `file_name`.
    pub fn new(file_name: &str) -> CloudBuilder {
        CloudBuilder {
            file_name: file_name.to_string(),
            layout: None,
            users: CloudUsers::new(CloudSizes::default()),
            dir_sync_time: None,
            rejects: Vec::new(),
            rows: 0,
            failed: None,
        }
    }

    /// The users and the rows that could not be users.
    pub fn finish(self) -> Result<(CloudUsers, Vec<Reject>), Error> {
        match self.failed {
            Some(error) => Err(error),
            None => Ok((self.users, self.rejects)),
        }
    }
}

impl RowSink for CloudBuilder {
    fn begin(&mut self, header: &Header<'_>) {
        let has = |field| header.columns.get(field).is_some();
        let file_object_guid = has(Field::ObjectGuid).then_some(0);
        self.users = CloudUsers::new(CloudSizes { file_object_guid, ..CloudSizes::default() });
        self.dir_sync_time =
            (has(Field::SyncEnabled) && has(Field::LastDirSyncTime)).then(Vec::new);
        self.layout = Some(Layout::new(header, Side::Cloud, &self.file_name));
    }

    fn push(&mut self, row: Row<'_>, growth: Projection) {
        self.rows += 1;
        let Some(layout) = &self.layout else {
            return;
        };
        if self.failed.is_some() {
            return;
        }
        let r = RowValues { layout, row };
        let upn = r.get(Field::UserPrincipalName).trim();
        if upn.is_empty() {
            let reason = "userPrincipalName is empty: every Entra ID user has one, so this row \
                          is damaged"
                .to_string();
            self.rejects.push(r.reject(
                Some(Field::UserPrincipalName),
                ErrorKind::BadValue { value: String::new(), reason },
            ));
            return;
        }
        let by_time =
            r.has(Field::LastDirSyncTime).then(|| !r.get(Field::LastDirSyncTime).trim().is_empty());
        let synced =
            if r.has(Field::SyncEnabled) { parse_bool(r.get(Field::SyncEnabled)) } else { by_time };
        if let Some(states) = &mut self.dir_sync_time {
            growth.reserve(states, 1);
            states.push(by_time.into());
        }
        let user = CloudRow {
            at: r.at(),
            upn,
            name: r.get(Field::DisplayName),
            mail: r.get(Field::Mail).trim(),
            proxy_addresses: r.get(Field::ProxyAddresses),
            immutable_id: r.get(Field::ImmutableId),
            synced,
            object_id: r.get(Field::ObjectId).trim(),
            on_premises_object_identifier: r.get(Field::OnPremisesObjectIdentifier),
            file_object_guid: r.get(Field::ObjectGuid),
        };
        self.users.reserve(&user, growth);
        if let Err(error) = self.users.push(&user) {
            self.failed = Some(error);
        }
    }

    fn len(&self) -> usize {
        self.rows
    }

    fn clear(&mut self) {
        *self = CloudBuilder::new(&self.file_name);
    }

    fn ignore(&mut self, field: Field) {
        let users = &mut self.users;
        let rows = users.len();
        let unknown = || vec![Synced::Unknown; rows];
        let has = |field| self.layout.as_ref().is_some_and(|l| l.columns.get(field).is_some());
        match field {
            Field::DisplayName => users.name = Utf8Column::empty_rows(rows),
            Field::Mail => users.mail = Utf8Column::empty_rows(rows),
            Field::ProxyAddresses => users.proxy_addresses = Utf8ListColumn::empty_rows(rows),
            Field::ObjectId => users.object_id = Utf8Column::empty_rows(rows),
            Field::OnPremisesObjectIdentifier => {
                users.on_premises_object_identifier = Utf8Column::empty_rows(rows);
            }
            // Without OnPremisesSyncEnabled the state is LastDirSyncTime's, if there is one.
            Field::SyncEnabled => {
                users.synced = self.dir_sync_time.take().unwrap_or_else(unknown);
            }
            Field::LastDirSyncTime if !has(Field::SyncEnabled) => users.synced = unknown(),
            Field::LastDirSyncTime => self.dir_sync_time = None,
            // The others are not kept, or are essential (a type name in them fails the read).
            _ => {}
        }
        if let Some(layout) = &mut self.layout {
            layout.columns.remove(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::audit::cloud_users;
    use crate::engine::read::{read_bytes_into, read_table, ReadOptions};

    fn options() -> ReadOptions {
        ReadOptions { file_name: "cloud.csv".into(), side: Some(Side::Cloud), ..Default::default() }
    }

    fn streamed(bytes: &[u8]) -> (CloudUsers, Vec<Reject>) {
        let builder = CloudBuilder::new("cloud.csv");
        read_bytes_into(bytes, &options(), &mut |_| true, builder).unwrap().rows.finish().unwrap()
    }

    /// Every cloud fixture that reads: the users and rejects read straight into the builder are
    /// those of the table read whole and then made users.
    #[test]
    fn reading_into_users_gives_the_users_of_the_table() {
        let root = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        for entry in std::fs::read_dir(&root).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !name.starts_with("cloud") {
                continue;
            }
            let bytes = std::fs::read(entry.path()).unwrap();
            let Ok(table) = read_table(&bytes, &options()) else { continue };
            assert_eq!(streamed(&bytes), cloud_users(&table).unwrap(), "{name}");
            checked += 1;
        }
        assert!(checked >= 4, "{checked} files");
    }

    /// A sync column found to hold type names is ignored in every row: the state is then the
    /// other column's, or unknown.
    #[test]
    fn an_ignored_sync_column_falls_back_to_the_other() {
        let synced = |csv: &str| {
            let (users, _) = streamed(csv.as_bytes());
            users.iter().map(|u| u.synced()).collect::<Vec<_>>()
        };
        let head = "UserPrincipalName,ImmutableId,DirSyncEnabled,LastDirSyncTime\r\n";
        let both = format!(
            "{head}a@x,yYuRNW0Z6kCXeYidebdT8A==,True,\r\nb@x,,System.Object[],2024-01-01\r\n"
        );
        assert_eq!(synced(&both), [Some(false), Some(true)]);
        let time_ignored =
            format!("{head}a@x,yYuRNW0Z6kCXeYidebdT8A==,True,\r\nb@x,,False,System.Object[]\r\n");
        assert_eq!(synced(&time_ignored), [Some(true), Some(false)]);
        let neither = format!(
            "{head}a@x,yYuRNW0Z6kCXeYidebdT8A==,True,System.Object[]\r\nb@x,,System.Object[],\r\n"
        );
        assert_eq!(synced(&neither), [None, None]);
    }
}
