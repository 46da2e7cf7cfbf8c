//! The on-prem lookups by GUID and by value, built for what the cloud users left look for.

use std::borrow::Cow;
use std::cell::OnceCell;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use uuid::Uuid;

use super::key_index::KeyIndex;
use super::keys::{KeyedUsers, SideKeys};
use crate::engine::users::OnPremUsers;

/// The lookups the matcher makes into the on-prem side by GUID and value (by anchor it merges
/// sorted keys, [`anchor_join`](super::anchor::anchor_join); by UPN and address it walks [`SideKeys`]). The GUID and value
/// indexes serve only the cloud users no join took, so they are built on the first lookup, and
/// hold only what those users look for.
pub(super) struct OnPremIndex<'a> {
    users: &'a OnPremUsers,
    by_guid: OnceCell<GuidIndexes>,
    /// sAMAccountName and employeeID, exact: values Okta custom mappings stamp as anchors.
    by_value: OnceCell<KeyIndex<&'a str>>,
    /// The UPN and primary SMTP keys sought, with their numbers.
    by_key: OnceCell<HashMap<Cow<'a, str>, u32>>,
}

/// objectGUID and mS-DS-ConsistencyGuid.
pub(super) struct GuidIndexes {
    pub(super) object_guid: KeyIndex<Uuid>,
    pub(super) consistency_guid: KeyIndex<Uuid>,
}

impl<'a> OnPremIndex<'a> {
    pub(super) fn new(users: &'a OnPremUsers) -> Self {
        OnPremIndex {
            users,
            by_guid: OnceCell::new(),
            by_value: OnceCell::new(),
            by_key: OnceCell::new(),
        }
    }

    pub(super) fn by_guid(&self, sought: &Sought) -> &GuidIndexes {
        self.by_guid.get_or_init(|| {
            let mut object_guid = KeyIndex::with_capacity(sought.guids.len());
            let mut consistency_guid = KeyIndex::with_capacity(0);
            let is_sought = |guid: &Uuid| sought.guids.contains(guid);
            for (i, user) in self.users.iter().enumerate() {
                if let Some(guid) = user.object_guid().filter(is_sought) {
                    object_guid.insert(guid, i as u32);
                }
                if let Some(guid) = user.consistency_guid().filter(is_sought) {
                    consistency_guid.insert(guid, i as u32);
                }
            }
            GuidIndexes { object_guid, consistency_guid }
        })
    }

    pub(super) fn by_value(&self, sought: &Sought) -> &KeyIndex<&'a str> {
        self.by_value.get_or_init(|| {
            let mut by_value = KeyIndex::with_capacity(sought.values.len());
            for (i, user) in self.users.iter().enumerate() {
                for value in [user.sam_account_name(), user.employee_id()] {
                    if sought.has_value(value) {
                        by_value.insert(value, i as u32);
                    }
                }
            }
            by_value
        })
    }

    /// The numbers of the sought keys an on-prem user holds as its UPN or primary SMTP key:
    /// the users' key hashes are scanned, and a key's text read only where its hash is sought.
    pub(super) fn by_key(&self, sought: &Sought, keys: &SideKeys) -> &HashMap<Cow<'a, str>, u32> {
        self.by_key.get_or_init(|| {
            let mut by_key = HashMap::default();
            if sought.keys.is_empty() {
                return by_key;
            }
            let is_sought = |hash: &u32| sought.key_hashes.contains(hash);
            for (i, (hashes, numbers)) in keys.hashes.iter().zip(&keys.numbers).enumerate() {
                let upn =
                    hashes.upn().filter(is_sought).map(|_| (self.users.upn_key(i), numbers.upn));
                let smtp = hashes
                    .own_smtp()
                    .filter(is_sought)
                    .map(|_| (self.users.smtp_key(i), numbers.smtp));
                for (key, number) in upn.into_iter().chain(smtp) {
                    if sought.keys.contains(&key) {
                        by_key.entry(key).or_insert(number);
                    }
                }
            }
            by_key
        })
    }
}

/// What the cloud users no join took can look for on-prem by GUID and by value: only these
/// are indexed, not every on-prem user's GUIDs and values.
pub(super) struct Sought<'a> {
    /// The GUIDs their anchors encode, in both byte orders.
    pub(super) guids: HashSet<Uuid>,
    /// Their anchors.
    pub(super) values: HashSet<&'a str>,
    /// Whether a value of each length is sought: most values have a length no value sought
    /// has, and are passed over without reading their text.
    pub(super) value_lengths: Vec<bool>,
    /// Their anchors folded as UPN and address keys are (not empty), and the keys' hashes.
    pub(super) keys: HashSet<Cow<'a, str>>,
    pub(super) key_hashes: HashSet<u32>,
}

impl Sought<'_> {
    fn has_value(&self, value: &str) -> bool {
        let length_sought = self.value_lengths.get(value.len()).copied().unwrap_or(false);
        !value.is_empty() && length_sought && self.values.contains(value)
    }
}
