//! A [`CloudHalf`] as a few flat buffers, so that the browser's reader worker, which reads the
//! cloud file and makes its users, can hand them to the main worker by transferring the buffers:
//! the text once, each user as a run of `u32`s, each anchor's GUID as 16 bytes, and the rest
//! (small: the file's info, unreadable rows, unusual anchors) as JSON.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::CloudHalf;
use crate::engine::anchor::AnchorClass;
use crate::engine::error::{Error, ErrorKind};
use crate::engine::model::{CloudUser, RowRef};
use crate::engine::read::{Reject, Table};
use crate::engine::text::Text;

/// A cloud half taken apart by [`CloudHalf::into_parts`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CloudParts {
    /// Everything but the users' values, as JSON.
    pub meta: Vec<u8>,
    /// The text the users' values are slices of; shared, not copied (whoever sends it copies it
    /// once, where it sends it).
    pub text: Arc<String>,
    /// Values that are not slices of `text` (a proxy address glued across a dropped
    /// separator), back to back: they read as if appended to `text`.
    pub extra: String,
    /// [`USER_WORDS`] a user: line, record, flags (`SYNCED_*`, `HAS_FILE_OBJECT_GUID`,
    /// `CLASS_*`), the start and end of each of [`CloudUser`]'s texts in this order:
    /// upn, name, mail, immutable_id, object_id, on_premises_object_identifier and
    /// file_object_guid, and how many proxy addresses it has.
    pub users: Vec<u32>,
    /// Every proxy address's start and end, user after user.
    pub proxies: Vec<u32>,
    /// 16 bytes a user: the GUID of its anchor when that is base64 of a GUID (zeros otherwise).
    pub guids: Vec<u8>,
}

/// `u32`s a user in [`CloudParts::users`].
pub const USER_WORDS: usize = 3 + 2 * TEXTS + 1;

/// [`CloudUser`]'s texts but the proxy addresses.
const TEXTS: usize = 7;

const SYNCED_MASK: u32 = 0b11;
const SYNCED_FALSE: u32 = 1;
const SYNCED_TRUE: u32 = 2;
const HAS_FILE_OBJECT_GUID: u32 = 1 << 2;
const CLASS_MASK: u32 = 0b11 << 3;
/// The class is in [`Meta::classes`].
const CLASS_OTHER: u32 = 0;
const CLASS_EMPTY: u32 = 1 << 3;
const CLASS_BASE64_GUID: u32 = 2 << 3;

/// [`CloudParts::meta`].
#[derive(Serialize, Deserialize)]
struct Meta {
    /// The table without its rows.
    table: Table,
    rows: usize,
    rejects: Vec<Reject>,
    /// The classes that are neither empty nor base64 of a GUID, by user.
    classes: Vec<(u32, AnchorClass)>,
}

/// A cloud user's texts, in the order of [`CloudParts::users`].
fn texts(user: &CloudUser) -> [&Text; TEXTS] {
    let file_object_guid = user.file_object_guid.as_ref();
    [
        &user.upn,
        &user.name,
        &user.mail,
        &user.immutable_id,
        &user.object_id,
        &user.on_premises_object_identifier,
        file_object_guid.unwrap_or(&user.upn),
    ]
}

impl CloudHalf {
    /// The half as flat buffers, to move to another worker. Fails only when its text, with
    /// the values that are not slices of it, would pass 4 GiB.
    pub fn into_parts(self) -> Result<CloudParts, Error> {
        let CloudHalf { table, rows, text, users, rejects, classes } = self;
        let too_large =
            || Error::new(ErrorKind::TooLarge { size: text.len() as u64, limit: u32::MAX.into() });
        let mut extra = String::new();
        // Where a value is in `text` and `extra` read as one.
        let mut span = |value: &Text| -> Option<[u32; 2]> {
            let range = match value.range_in(&text) {
                Some(range) => range,
                None if value.is_empty() => 0..0,
                None => {
                    let start = text.len() + extra.len();
                    extra.push_str(value);
                    start..start + value.len()
                }
            };
            Some([u32::try_from(range.start).ok()?, u32::try_from(range.end).ok()?])
        };
        let mut words = Vec::with_capacity(users.len() * USER_WORDS);
        let mut proxies = Vec::new();
        let mut guids = vec![0; users.len() * 16];
        let mut unusual = Vec::new();
        for (i, (user, class)) in users.iter().zip(classes).enumerate() {
            let synced = match user.synced {
                None => 0,
                Some(false) => SYNCED_FALSE,
                Some(true) => SYNCED_TRUE,
            };
            let has_guid = if user.file_object_guid.is_some() { HAS_FILE_OBJECT_GUID } else { 0 };
            let class = match class {
                AnchorClass::Empty => CLASS_EMPTY,
                AnchorClass::Base64Guid { guid } => {
                    guids[i * 16..(i + 1) * 16].copy_from_slice(&guid.to_bytes_le());
                    CLASS_BASE64_GUID
                }
                other => {
                    unusual.push((i as u32, other));
                    CLASS_OTHER
                }
            };
            words.extend([line(user.at.line), line(user.at.record), synced | has_guid | class]);
            for value in texts(user) {
                words.extend(span(value).ok_or_else(too_large)?);
            }
            words.push(user.proxy_addresses.len() as u32);
            for address in &user.proxy_addresses {
                proxies.extend(span(address).ok_or_else(too_large)?);
            }
        }
        let meta = Meta { table, rows, rejects, classes: unusual };
        Ok(CloudParts {
            // Plain data with string keys: serialising it cannot fail.
            meta: serde_json::to_vec(&meta).unwrap_or_default(),
            text,
            extra,
            users: words,
            proxies,
            guids,
        })
    }

    /// The half back from [`CloudHalf::into_parts`], refused unless every value is a slice of
    /// the text on character boundaries and every count adds up. ([`CloudRebuild`] does the
    /// same from the users a batch at a time.)
    pub fn from_parts(parts: CloudParts) -> Result<CloudHalf, Error> {
        let CloudParts { meta, text, extra, users, proxies, guids } = parts;
        let mut rebuild = CloudRebuild::new(&meta, text, &extra, users.len() / USER_WORDS)?;
        rebuild.push(&users, &proxies, &guids)?;
        rebuild.finish(proxies.len())
    }
}

/// [`CloudHalf::from_parts`] fed the users a batch at a time, so that whoever copies the
/// buffers from elsewhere (the main worker, from the reader's) holds a batch of them at once
/// rather than all: the users are rebuilt in order, each batch of whole users with its proxy
/// addresses ([`CloudRebuild::proxy_words`]) and GUIDs.
pub struct CloudRebuild {
    meta: Meta,
    text: Arc<String>,
    /// How many users were sent.
    count: usize,
    users: Vec<CloudUser>,
    classes: Vec<AnchorClass>,
    /// [`Meta::classes`], in order, those not reached yet.
    unusual: std::iter::Peekable<std::vec::IntoIter<(u32, AnchorClass)>>,
    /// Proxy words taken so far.
    proxy_words: usize,
}

impl CloudRebuild {
    /// A rebuild of `count` users from [`CloudParts::meta`], [`CloudParts::text`] and
    /// [`CloudParts::extra`].
    pub fn new(
        meta: &[u8],
        text: Arc<String>,
        extra: &str,
        count: usize,
    ) -> Result<CloudRebuild, Error> {
        let mut meta: Meta = serde_json::from_slice(meta).map_err(|e| damaged(&e.to_string()))?;
        let text = if extra.is_empty() {
            text
        } else {
            let mut text = Arc::try_unwrap(text).unwrap_or_else(|shared| String::clone(&shared));
            text.push_str(extra);
            Arc::new(text)
        };
        let unusual = std::mem::take(&mut meta.classes).into_iter().peekable();
        Ok(CloudRebuild {
            meta,
            text,
            count,
            users: Vec::with_capacity(count),
            classes: Vec::with_capacity(count),
            unusual,
            proxy_words: 0,
        })
    }

    /// How many proxy words (a start and an end each address) the whole users in `words`
    /// have.
    pub fn proxy_words(words: &[u32]) -> usize {
        words.chunks_exact(USER_WORDS).map(|user| 2 * user[USER_WORDS - 1] as usize).sum()
    }

    /// Rebuilds the next users: `words` holds whole users, `proxies` exactly their addresses
    /// and `guids` their 16 bytes each.
    pub fn push(&mut self, words: &[u32], proxies: &[u32], guids: &[u8]) -> Result<(), Error> {
        let count = words.len() / USER_WORDS;
        if !words.len().is_multiple_of(USER_WORDS)
            || guids.len() != count * 16
            || self.users.len() + count > self.count
        {
            return Err(damaged("the users' buffers do not hold a whole number of users"));
        }
        let text = &self.text;
        let slice = |[start, end]: [u32; 2]| {
            Text::try_slice(text, start as usize..end as usize)
                .ok_or_else(|| damaged("a value is not a slice of the text"))
        };
        let pair = |words: &[u32], at: usize| [words[at], words[at + 1]];
        let mut next_proxy = 0;
        for (user, guid) in words.chunks_exact(USER_WORDS).zip(guids.chunks_exact(16)) {
            let i = self.users.len();
            let flags = user[2];
            let value = |n: usize| slice(pair(user, 3 + 2 * n));
            let end = next_proxy + 2 * user[USER_WORDS - 1] as usize;
            let proxy_addresses = proxies
                .get(next_proxy..end)
                .ok_or_else(|| damaged("more proxy addresses than were sent"))?
                .chunks_exact(2)
                .map(|p| slice([p[0], p[1]]))
                .collect::<Result<Vec<_>, _>>()?;
            next_proxy = end;
            self.users.push(CloudUser {
                at: RowRef { line: user[0].into(), record: user[1].into() },
                upn: value(0)?,
                name: value(1)?,
                mail: value(2)?,
                immutable_id: value(3)?,
                object_id: value(4)?,
                on_premises_object_identifier: value(5)?,
                file_object_guid: (flags & HAS_FILE_OBJECT_GUID != 0)
                    .then(|| value(6))
                    .transpose()?,
                proxy_addresses,
                synced: match flags & SYNCED_MASK {
                    0 => None,
                    SYNCED_FALSE => Some(false),
                    SYNCED_TRUE => Some(true),
                    _ => return Err(damaged("a user's sync flag is neither")),
                },
            });
            self.classes.push(match flags & CLASS_MASK {
                CLASS_EMPTY => AnchorClass::Empty,
                CLASS_BASE64_GUID => {
                    let bytes: [u8; 16] = guid.try_into().unwrap_or_default();
                    AnchorClass::Base64Guid { guid: Uuid::from_bytes_le(bytes) }
                }
                CLASS_OTHER => match self.unusual.next_if(|(at, _)| *at as usize == i) {
                    Some((_, class)) => class,
                    None => return Err(damaged("a user's anchor class is missing")),
                },
                _ => return Err(damaged("a user's anchor class is unknown")),
            });
        }
        if next_proxy != proxies.len() {
            return Err(damaged("proxy addresses were sent for users that were not"));
        }
        self.proxy_words += next_proxy;
        Ok(())
    }

    /// The half, once every user has been pushed; `proxy_words` is how many were sent.
    pub fn finish(mut self, proxy_words: usize) -> Result<CloudHalf, Error> {
        if self.users.len() != self.count
            || self.proxy_words != proxy_words
            || self.unusual.next().is_some()
        {
            return Err(damaged("values were sent for users that were not"));
        }
        let CloudRebuild { meta, text, users, classes, .. } = self;
        let Meta { table, rows, rejects, .. } = meta;
        Ok(CloudHalf { table, rows, text, users, rejects, classes })
    }
}

fn damaged(why: &str) -> Error {
    Error::new(ErrorKind::Usage {
        message: format!("the cloud users handed over by the other worker are damaged: {why}"),
    })
}

/// A line or record number as the row store keeps it (`u32`, saturated).
fn line(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::audit::cloud_half;
    use crate::engine::error::Side;
    use crate::engine::read::{read_table, ReadOptions};

    fn half(name: &str, bytes: &[u8]) -> CloudHalf {
        try_half(name, bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn try_half(name: &str, bytes: &[u8]) -> Result<CloudHalf, Error> {
        let options =
            ReadOptions { file_name: name.into(), side: Some(Side::Cloud), ..Default::default() };
        read_table(bytes, &options).map(cloud_half)
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
        assert_eq!((back.rows, &back.table), (half.rows, &half.table), "{name}");
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
            let back = CloudHalf::from_parts(self::half(&name, &bytes).into_parts().unwrap());
            assert_same(&back.unwrap(), &half, &name);
        }
        assert!(unusual > 5, "custom anchors travel in the JSON: {unusual}");
    }

    #[test]
    fn values_that_are_not_slices_of_the_text_travel_beside_it() {
        // The third address is glued across a dropped separator: a text of its own. An
        // unreadable row (no UPN) and an unusual anchor travel too.
        let csv = "UserPrincipalName,ProxyAddresses,ImmutableId,DirSyncEnabled,ObjectId\r\n\
                   a@x.com,SMTP:a@x.com;X500:/o=Org/ou=Admin Group X400:c=US;a= ;p=Org,yYuRNW0Z6kCXeYidebdT8A==,True,1\r\n\
                   ,SMTP:b@x.com,,False,2\r\n\
                   c@x.com,,00u1abcdEFGH2345ijkl,,3\r\n";
        let half = half("cloud.csv", csv.as_bytes());
        assert_eq!(half.users.len(), 2);
        assert_eq!(half.rejects.len(), 1);
        let parts = self::half("cloud.csv", csv.as_bytes()).into_parts().unwrap();
        assert_eq!(parts.extra, "X400:c=US;a=;p=Org");
        assert_eq!(parts.users.len(), 2 * USER_WORDS);
        assert_same(&CloudHalf::from_parts(parts).unwrap(), &half, "glued");
    }

    #[test]
    fn users_pushed_a_batch_at_a_time_come_back_the_same() {
        let (name, bytes) = cloud_files().into_iter().max_by_key(|(_, b)| b.len()).unwrap();
        let half = half(&name, &bytes);
        let parts = self::half(&name, &bytes).into_parts().unwrap();
        assert!(parts.users.len() / USER_WORDS > 5, "{name}");
        for batch in [1, 2, 3, 7] {
            let count = parts.users.len() / USER_WORDS;
            let mut rebuild =
                CloudRebuild::new(&parts.meta, Arc::clone(&parts.text), &parts.extra, count)
                    .unwrap();
            let mut proxy = 0;
            for (i, words) in parts.users.chunks(batch * USER_WORDS).enumerate() {
                let proxy_words = CloudRebuild::proxy_words(words);
                let guids = &parts.guids[i * batch * 16..][..words.len() / USER_WORDS * 16];
                rebuild.push(words, &parts.proxies[proxy..proxy + proxy_words], guids).unwrap();
                proxy += proxy_words;
            }
            assert_same(&rebuild.finish(parts.proxies.len()).unwrap(), &half, &name);
        }
        // A user short, or proxy addresses nobody took, are refused at the end.
        let count = parts.users.len() / USER_WORDS;
        let mut short = CloudRebuild::new(&parts.meta, Arc::clone(&parts.text), "", count).unwrap();
        let words = &parts.users[..USER_WORDS];
        let proxy_words = CloudRebuild::proxy_words(words);
        short.push(words, &parts.proxies[..proxy_words], &parts.guids[..16]).unwrap();
        assert!(short.finish(parts.proxies.len()).is_err());
    }

    #[test]
    fn damaged_parts_are_refused() {
        let csv = "UserPrincipalName,ProxyAddresses,ImmutableId\r\n\
                   a@x.com,SMTP:a@x.com;smtp:a@y.com,yYuRNW0Z6kCXeYidebdT8A==\r\n\
                   b@x.com,,00u1abcdEFGH2345ijkl\r\n";
        assert!(try_half("cloud.csv", csv.as_bytes()).is_ok());
        let good = half("cloud.csv", csv.as_bytes()).into_parts().unwrap();
        type Damage = fn(&mut CloudParts);
        let damage: [(&str, Damage); 8] = [
            ("meta", |p| p.meta.truncate(p.meta.len() / 2)),
            ("a word short", |p| {
                p.users.pop();
            }),
            ("a GUID short", |p| {
                p.guids.pop();
            }),
            ("a value past the text", |p| p.users[4] = p.text.len() as u32 + 1),
            ("an end before its start", |p| (p.users[3], p.users[4]) = (5, 4)),
            ("an address too many", |p| p.users[USER_WORDS - 1] += 1),
            ("an address too few", |p| p.users[USER_WORDS - 1] -= 1),
            ("an unknown class", |p| p.users[2] |= CLASS_MASK),
        ];
        assert!(CloudHalf::from_parts(good.clone()).is_ok());
        for (what, damage) in damage {
            let mut parts = good.clone();
            damage(&mut parts);
            let error = CloudHalf::from_parts(parts).unwrap_err();
            assert!(error.to_string().contains("are damaged"), "{what}: {error}");
        }
        // A value that ends inside a character.
        let accented = half(
            "cloud.csv",
            "UserPrincipalName,DisplayName,ImmutableId\r\na@x.com,é,yYuRNW0Z6kCXeYidebdT8A==\r\n"
                .as_bytes(),
        );
        let mut parts = accented.into_parts().unwrap();
        let name_end = 3 + 2 + 1;
        parts.users[name_end] -= 1;
        assert!(CloudHalf::from_parts(parts).is_err());
    }
}
