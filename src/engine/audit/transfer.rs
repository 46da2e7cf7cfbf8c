//! A [`CloudHalf`] as buffers, so that the browser's reader worker, which reads the cloud file
//! and makes its users, can hand them to the main worker by transferring the buffers: the
//! users' columns as they are ([`CloudUsers::into_buffers`]), each anchor's GUID as 16 bytes,
//! and the rest (small: the file's info and unreadable rows) as JSON.

use serde::{Deserialize, Serialize};

use super::CloudHalf;
use crate::engine::anchor::{classify_anchor, AnchorClass};
use crate::engine::columnar::{ColumnError, GuidColumn};
use crate::engine::error::{Error, ErrorKind};
use crate::engine::read::{Reject, RowCount, Table};
use crate::engine::users::{CloudUsers, ColumnBuffers};

/// A cloud half taken apart by [`CloudHalf::into_buffers`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CloudBuffers {
    /// Everything but the users, as JSON.
    pub meta: Vec<u8>,
    /// The users' columns, then the anchors' GUIDs and their validity bitmap.
    pub columns: ColumnBuffers,
}

/// [`CloudBuffers::meta`].
#[derive(Serialize, Deserialize)]
struct Meta {
    /// The table, with only how many rows it had.
    table: Table<RowCount>,
    rejects: Vec<Reject>,
}

impl CloudHalf {
    /// The half as buffers, to move to another worker (or why its users could not be made).
    pub fn into_buffers(self) -> Result<CloudBuffers, Error> {
        let CloudHalf { table, users, rejects, classes } = self;
        let mut guids = GuidColumn::with_capacity(classes.len());
        for class in &classes {
            guids.push(match class {
                AnchorClass::Base64Guid { guid } => Some(*guid),
                _ => None,
            });
        }
        let mut columns = users?.into_buffers();
        let (bytes, valid) = guids.into_buffers();
        columns.0.extend([bytes, valid.iter().flat_map(|w| w.to_le_bytes()).collect()]);
        // Plain data with string keys: serialising it cannot fail.
        let meta = serde_json::to_vec(&Meta { table, rejects }).unwrap_or_default();
        Ok(CloudBuffers { meta, columns })
    }

    /// The half back from [`CloudHalf::into_buffers`], refused unless every column checks out
    /// ([`CloudUsers::from_buffers`]). An anchor that was not base64 of a GUID is classified
    /// again here: those are few, and classifying is a pure function of the value.
    pub fn from_buffers(buffers: CloudBuffers) -> Result<CloudHalf, Error> {
        let CloudBuffers { meta, columns: ColumnBuffers(mut columns) } = buffers;
        let Meta { table, rejects } =
            serde_json::from_slice(&meta).map_err(|e| damaged(&e.to_string()))?;
        let (Some(valid), Some(bytes)) = (columns.pop(), columns.pop()) else {
            return Err(damaged("the anchors' GUIDs are missing"));
        };
        if !valid.len().is_multiple_of(8) {
            return Err(damaged("the anchors' validity bitmap is not whole words"));
        }
        let valid =
            valid.chunks_exact(8).map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()));
        let guids = GuidColumn::from_buffers(bytes, valid.collect()).map_err(column_damaged)?;
        let users = CloudUsers::from_buffers(ColumnBuffers(columns)).map_err(column_damaged)?;
        if guids.len() != users.len() {
            return Err(damaged("not one anchor GUID slot a user"));
        }
        let classes = users
            .immutable_ids()
            .iter()
            .enumerate()
            .map(|(i, id)| {
                guids
                    .get(i)
                    .map_or_else(|| classify_anchor(id), |guid| AnchorClass::Base64Guid { guid })
            })
            .collect();
        Ok(CloudHalf { table, users: Ok(users), rejects, classes })
    }
}

fn column_damaged(error: ColumnError) -> Error {
    damaged(&error.to_string())
}

fn damaged(why: &str) -> Error {
    Error::new(ErrorKind::Usage {
        message: format!("the cloud users handed over by the other worker are damaged: {why}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::audit::cloud_half;
    use crate::engine::error::Side;
    use crate::engine::read::{read_bytes_into, ReadOptions};
    use crate::engine::users::CloudBuilder;

    fn half(name: &str, bytes: &[u8]) -> CloudHalf {
        try_half(name, bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn try_half(name: &str, bytes: &[u8]) -> Result<CloudHalf, Error> {
        let options =
            ReadOptions { file_name: name.into(), side: Some(Side::Cloud), ..Default::default() };
        read_bytes_into(bytes, &options, &mut |_| true, CloudBuilder::new(name)).map(cloud_half)
    }

    /// Every cloud file of the fixtures and scenarios that reads (some are broken on purpose).
    fn cloud_files() -> Vec<(String, Vec<u8>)> {
        let root = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                if path.is_dir() {
                    dirs.push(path);
                } else if name.starts_with("cloud") {
                    let (name, bytes) = (path.display().to_string(), std::fs::read(&path).unwrap());
                    if try_half(&name, &bytes).is_ok() {
                        files.push((name, bytes));
                    }
                }
            }
        }
        assert!(files.len() > 10, "{} cloud files", files.len());
        files
    }

    fn assert_same(back: &CloudHalf, half: &CloudHalf, name: &str) {
        assert_eq!(back.users, half.users, "{name}");
        assert_eq!(back.classes, half.classes, "{name}");
        assert_eq!(back.rejects, half.rejects, "{name}");
        assert_eq!(back.table, half.table, "{name}");
    }

    #[test]
    fn every_cloud_file_comes_back_the_same() {
        let mut unusual = 0;
        for (name, bytes) in cloud_files() {
            let half = half(&name, &bytes);
            unusual += half
                .classes
                .iter()
                .filter(|c| !matches!(c, AnchorClass::Empty | AnchorClass::Base64Guid { .. }))
                .count();
            let back = CloudHalf::from_buffers(self::half(&name, &bytes).into_buffers().unwrap());
            assert_same(&back.unwrap(), &half, &name);
        }
        assert!(unusual > 5, "custom anchors are classified again: {unusual}");
    }

    #[test]
    fn glued_addresses_unreadable_rows_and_custom_anchors_travel() {
        // The third address is glued across a dropped separator. An unreadable row (no UPN)
        // and an unusual anchor travel too.
        let csv = "UserPrincipalName,ProxyAddresses,ImmutableId,DirSyncEnabled,ObjectId,ObjectGuid\r\n\
                   a@x.com,SMTP:a@x.com;X500:/o=Org/ou=Admin Group X400:c=US;a= ;p=Org,yYuRNW0Z6kCXeYidebdT8A==,True,1,g\r\n\
                   ,SMTP:b@x.com,,False,2,\r\n\
                   c@x.com,,00u1abcdEFGH2345ijkl,,3,\r\n";
        let half = half("cloud.csv", csv.as_bytes());
        let users = half.users.as_ref().unwrap();
        assert_eq!(users.len(), 2);
        assert_eq!(half.rejects.len(), 1);
        let addresses: Vec<&str> = users.get(0).proxy_addresses().collect();
        assert_eq!(addresses[2], "X400:c=US;a=;p=Org");
        assert_eq!(users.get(0).file_object_guid(), Some("g"));
        let back = CloudHalf::from_buffers(
            self::half("cloud.csv", csv.as_bytes()).into_buffers().unwrap(),
        );
        assert_same(&back.unwrap(), &half, "glued");
    }

    #[test]
    fn damaged_buffers_are_refused() {
        let csv = "UserPrincipalName,DisplayName,ProxyAddresses,ImmutableId,DirSyncEnabled\r\n\
                   a@x.com,é,SMTP:a@x.com;smtp:a@y.com,yYuRNW0Z6kCXeYidebdT8A==,True\r\n\
                   b@x.com,,,00u1abcdEFGH2345ijkl,False\r\n";
        let good = half("cloud.csv", csv.as_bytes()).into_buffers().unwrap();
        assert!(CloudHalf::from_buffers(good.clone()).is_ok());
        let last = good.columns.0.len() - 1;
        type Damage = Box<dyn Fn(&mut CloudBuffers)>;
        let damage: Vec<(&str, Damage)> = vec![
            ("meta", Box::new(|b| b.meta.truncate(b.meta.len() / 2))),
            ("a buffer short", Box::new(|b| drop(b.columns.0.remove(3)))),
            (
                "a place short",
                Box::new(|b| {
                    b.columns.0[1].pop();
                }),
            ),
            ("a UPN short", Box::new(|b| b.columns.0[3].truncate(4))),
            ("an offset past the values", Box::new(|b| b.columns.0[3][4] = 200)),
            // The name's end offset (row 0) moved inside `é`.
            ("an offset inside a character", Box::new(|b| b.columns.0[5][4] = 1)),
            ("a sync flag unknown", Box::new(move |b| b.columns.0[last - 2][0] = 7)),
            (
                "a GUID short",
                Box::new(move |b| {
                    b.columns.0[last - 1].pop();
                }),
            ),
            ("the bitmap short", Box::new(move |b| b.columns.0[last].clear())),
        ];
        for (what, damage) in damage {
            let mut buffers = good.clone();
            damage(&mut buffers);
            let error = CloudHalf::from_buffers(buffers).unwrap_err();
            assert!(error.to_string().contains("are damaged"), "{what}: {error}");
        }
    }
}
