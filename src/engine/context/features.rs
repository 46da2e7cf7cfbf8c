//! The tenant's sync features (`(Get-MgDirectoryOnPremiseSynchronization).Features`): the
//! switches that decide whether a soft match or a takeover by hard match is allowed.

use super::columns::{find, read_rows, reject_at, Column};
use crate::engine::error::{Error, ErrorKind};
use crate::engine::read::{PlainTable, Reject};

/// The feature columns the report reads, as Graph names them.
pub(super) const BLOCK_SOFT_MATCH: &str = "BlockSoftMatchEnabled";
pub(super) const BLOCK_CLOUD_TAKEOVER: &str = "BlockCloudObjectTakeoverThroughHardMatchEnabled";
pub(super) const ALLOW_OBJECT_IDENTIFIER_UPDATE: &str =
    "AllowOnPremUpdateOfOnPremisesObjectIdentifierEnabled";

/// The tenant's sync switches; `None` where the file has no such column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncFeatures {
    /// `BlockSoftMatchEnabled`.
    pub block_soft_match: Option<bool>,
    /// `BlockCloudObjectTakeoverThroughHardMatchEnabled`.
    pub block_cloud_takeover: Option<bool>,
    /// `AllowOnPremUpdateOfOnPremisesObjectIdentifierEnabled`: the 2026 bypass that lets a
    /// hard match replace a cloud user's `onPremisesObjectIdentifier`.
    pub allow_object_identifier_update: Option<bool>,
    /// The line the features are on (the first, in the long shape).
    pub line: u64,
    /// How many records were used: one, or one a feature in the long shape.
    pub used: usize,
    /// The records that could not be read, and any beyond the first (a tenant has one set).
    pub rejects: Vec<Reject>,
}

/// The long shape's columns (`Get-EntraDirSyncFeature`): a row per feature, named without its
/// `Enabled` suffix.
pub(super) const FEATURE_NAME: &str = "DirSyncFeature";
pub(super) const FEATURE_ENABLED: &str = "Enabled";

impl SyncFeatures {
    pub(super) fn read(table: PlainTable) -> Result<SyncFeatures, Error> {
        match (find(&table.headers, &[FEATURE_NAME]), find(&table.headers, &[FEATURE_ENABLED])) {
            (Some(name), Some(enabled)) => Ok(SyncFeatures::read_long(table, &name, &enabled)),
            _ => SyncFeatures::read_wide(table),
        }
    }

    /// A row per feature: every row is used (features the report does not read too), or
    /// rejected for a value that is not a boolean.
    fn read_long(table: PlainTable, name: &Column, enabled: &Column) -> SyncFeatures {
        let line = table.rows.get(0).map_or(0, |row| row.line);
        let (rows, rejects) = read_rows(table, |row, file| {
            Ok((name.value(row).to_ascii_lowercase(), enabled.boolean(row, file)?))
        });
        let feature = |wanted: &str| {
            let wanted = wanted.trim_end_matches("Enabled").to_ascii_lowercase();
            rows.iter().find(|(name, _)| *name == wanted).map(|&(_, on)| on)
        };
        SyncFeatures {
            block_soft_match: feature(BLOCK_SOFT_MATCH),
            block_cloud_takeover: feature(BLOCK_CLOUD_TAKEOVER),
            allow_object_identifier_update: feature(ALLOW_OBJECT_IDENTIFIER_UPDATE),
            line,
            used: rows.len(),
            rejects,
        }
    }

    /// One row, a column per feature (`Get-MgDirectoryOnPremiseSynchronization`).
    fn read_wide(table: PlainTable) -> Result<SyncFeatures, Error> {
        let headers = &table.headers;
        let columns: [Option<Column>; 3] =
            [BLOCK_SOFT_MATCH, BLOCK_CLOUD_TAKEOVER, ALLOW_OBJECT_IDENTIFIER_UPDATE]
                .map(|name| find(headers, &[name]));
        let mut first = true;
        let (mut rows, rejects) = read_rows(table, |row, file| {
            if !std::mem::take(&mut first) {
                let reason = "a tenant has one set of sync features: only the first row is used";
                let value = row.fields().collect::<Vec<_>>().join(",");
                let kind = ErrorKind::BadValue { value, reason: reason.into() };
                return Err(reject_at(row, file, row.position(), kind));
            }
            let mut values = [None; 3];
            for (value, column) in values.iter_mut().zip(&columns) {
                *value = column.as_ref().map(|c| c.boolean(row, file)).transpose()?;
            }
            Ok((values, row.line))
        });
        let Some(([block_soft_match, block_cloud_takeover, allow_object_identifier_update], line)) =
            rows.pop()
        else {
            return Err(match rejects.into_iter().next() {
                Some(reject) => reject.error,
                None => ErrorKind::Empty.into(),
            });
        };
        Ok(SyncFeatures {
            block_soft_match,
            block_cloud_takeover,
            allow_object_identifier_update,
            line,
            used: 1,
            rejects,
        })
    }
}

/// The command that makes a sync features file.
pub(super) const FIX: &str = "(Get-MgDirectoryOnPremiseSynchronization).Features | \
                              Export-Csv sync-features.csv -NoTypeInformation";

#[cfg(test)]
mod tests {
    use crate::engine::context::{read_context, ContextFile, SyncFeatures};

    fn features(csv: &str) -> SyncFeatures {
        match read_context("sync-features.csv", csv.as_bytes()).unwrap() {
            ContextFile::Features(features) => features,
            other => panic!("read as {:?}", other.kind()),
        }
    }

    #[test]
    fn reads_the_switches() {
        let f = features(
            "\"BlockCloudObjectTakeoverThroughHardMatchEnabled\",\"BlockSoftMatchEnabled\",\
             \"PasswordSyncEnabled\"\r\n\"True\",\"false\",\"True\"\r\n",
        );
        assert_eq!(f.block_cloud_takeover, Some(true));
        assert_eq!(f.block_soft_match, Some(false));
        assert_eq!(f.allow_object_identifier_update, None);
        assert!(f.rejects.is_empty());
    }

    #[test]
    fn a_second_row_is_rejected_not_dropped() {
        let f = features("BlockSoftMatchEnabled\nTrue\nFalse\n");
        assert_eq!(f.block_soft_match, Some(true));
        assert_eq!(f.rejects.len(), 1);
        assert!(f.rejects[0].error.to_string().contains("line 3"), "{}", f.rejects[0].error);
    }
}
