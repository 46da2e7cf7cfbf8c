//! Predicting Entra Connect's joins: hard match on the anchor, then soft match for cloud users
//! without one, then recognising the same person behind a different anchor.
//!
//! The shape is xsv's join: index the on-prem side by every key once, stream the cloud side past
//! the indexes, and emit what is left in input order, so the output is deterministic.
//!
//! At a million users a side, what costs is memory traffic (a look at a user or a map far
//! away), not comparing: GUID anchors are keyed by their 16 bytes, UPNs and addresses get a
//! number once for both sides, and each entry is made once, in report order.

use std::borrow::{Borrow, Cow};
use std::cell::OnceCell;
use std::hash::Hash;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::anchor::{classify_anchor, Anchor, AnchorClass};
use crate::engine::concurrent::both;
use crate::engine::join::anchor::{anchor_join, AnchorJoin, AnchorKey};
use crate::engine::join::keys::{Holders, Interner, KeyNumbers, SideKeys, NO_USER};
use crate::engine::join::slots::{hash32, Slots, BATCH};
use crate::engine::model::{fold, fold_cow, AnchorAttribute, RowRef};
use crate::engine::report::{
    AnchorRelation, Entry, Finding, MatchReport, Notice, PersonKey, Severity, SoftMatchKey, Verdict,
};
use crate::engine::users::{CloudUser, CloudUsers, OnPremUser, OnPremUsers};
use crate::engine::Side;

/// Entra Connect deletes no more than this many objects in one export unless told to
/// (the accidental-delete threshold's default).
pub const DELETE_THRESHOLD: usize = 500;

/// A string anchor must be shorter than this many characters.
pub const MAX_STRING_ANCHOR_CHARS: usize = 60;

/// The tenant's settings and the anchor choice the prediction depends on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchOptions {
    /// Which on-prem value becomes the anchor.
    pub anchor: AnchorAttribute,
    /// `BlockSoftMatchEnabled` is on in the tenant.
    pub block_soft_match: bool,
    /// `BlockCloudObjectTakeoverThroughHardMatchEnabled` is on in the tenant.
    pub block_cloud_takeover: bool,
}

/// The anchor Entra Connect will compute for an on-prem user, or `None` when it has none.
pub fn effective_anchor(user: OnPremUser<'_>, anchor: &AnchorAttribute) -> Option<Anchor> {
    AnchorKey::onprem(user, anchor).map(AnchorKey::to_anchor)
}

/// Matches the two sides and returns one entry per user or pair.
pub fn match_users(
    onprem_users: OnPremUsers,
    cloud_users: CloudUsers,
    options: &MatchOptions,
) -> MatchReport {
    let cloud_classes = classify_cloud_anchors(&cloud_users);
    match_classified(onprem_users, cloud_users, cloud_classes, options)
}

/// Every cloud user's anchor classified, in order: the class goes into its entry, and its GUID
/// keys the hard match.
pub(crate) fn classify_cloud_anchors(cloud_users: &CloudUsers) -> Vec<AnchorClass> {
    cloud_users.immutable_ids().iter().map(classify_anchor).collect()
}

/// [`match_users`] with the cloud anchors classified already ([`classify_cloud_anchors`]: the
/// browser's reader worker does it beside the main worker).
pub(crate) fn match_classified(
    onprem_users: OnPremUsers,
    cloud_users: CloudUsers,
    cloud_classes: Vec<AnchorClass>,
    options: &MatchOptions,
) -> MatchReport {
    debug_assert_eq!(cloud_classes.len(), cloud_users.len());
    // The UPN and address keys and the anchor join read different columns: both at once.
    let ((interner, onprem_keys, cloud_keys), anchors) = both(
        || {
            let mut interner = Interner::with_capacity(onprem_users.len());
            let onprem_numbers = interner.numbers(onprem_users.iter().map(OnPremUser::keys));
            let cloud_numbers = interner.numbers(cloud_users.iter().map(CloudUser::keys));
            let onprem_keys = SideKeys::new(onprem_numbers, interner.len());
            let cloud_keys = SideKeys::new(cloud_numbers, interner.len());
            (interner, onprem_keys, cloud_keys)
        },
        || anchor_join(&onprem_users, &cloud_users, &cloud_classes, &options.anchor),
    );
    let mut matcher = Matcher {
        options,
        onprem: &onprem_users,
        cloud: &cloud_users,
        cloud_classes: &cloud_classes,
        onprem_keys: &onprem_keys,
        cloud_keys: &cloud_keys,
        interner: &interner,
        index: OnPremIndex::new(&onprem_users),
        anchor_holder: vec![NO_USER; cloud_users.len()],
        onprem_claimed: vec![false; onprem_users.len()],
        cloud_done: vec![false; cloud_users.len()],
        verdicts: Verdicts { cloud: vec![None; cloud_users.len()], onprem_alone: Vec::new() },
    };
    matcher.duplicate_anchors(anchors);
    matcher.hard_matches();
    matcher.soft_matches();
    matcher.mismatches_and_orphans();
    matcher.onprem_only();
    let verdicts = std::mem::take(&mut matcher.verdicts);
    // The indexes and key texts are done with: the findings need only the key numbers.
    drop(matcher);
    drop(interner);
    let sides = (&onprem_users, &cloud_users);
    let findings = Findings::new(sides, (&onprem_keys, &cloud_keys), options);
    let entries = entries(verdicts, cloud_classes, sides, &options.anchor, &findings);
    let notices = notices(&entries, &cloud_users);
    MatchReport {
        anchor_attribute: options.anchor.clone(),
        onprem_users,
        cloud_users,
        entries,
        notices,
    }
}

/// Positions by key. Most keys belong to one user, so the first position is kept in the table
/// itself and only keys held by several users get a list: no allocation per key.
struct KeyIndex<K> {
    first: Slots<(K, u32)>,
    repeated: HashMap<K, Vec<u32>>,
}

impl<K: Hash + Eq + Copy> KeyIndex<K> {
    fn with_capacity(capacity: usize) -> KeyIndex<K> {
        KeyIndex { first: Slots::with_capacity(capacity), repeated: HashMap::default() }
    }

    fn insert(&mut self, key: K, position: u32) {
        match self.first.find(hash32(&key), |(k, _)| *k == key) {
            Err(at) => self.first.insert(at, (key, position), |(k, _)| hash32(k)),
            Ok(&(_, first)) => {
                self.repeated.entry(key).or_insert_with(|| vec![first]).push(position)
            }
        }
    }

    /// Every position holding `key`, in the order they were inserted.
    fn get<Q>(&self, key: &Q) -> &[u32]
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.first.find(hash32(key), |(k, _)| k.borrow() == key) {
            Err(_) => &[],
            Ok((_, first)) if self.repeated.is_empty() => std::slice::from_ref(first),
            // Held by several is the rare case: looked up only for a key held at all.
            Ok((_, first)) => {
                self.repeated.get(key).map_or(std::slice::from_ref(first), Vec::as_slice)
            }
        }
    }
}

/// The lookups the matcher makes into the on-prem side by GUID and value (by anchor it merges
/// sorted keys, [`anchor_join`]; by UPN and address it walks [`SideKeys`]). The GUID and value
/// indexes serve only the cloud users no join took, so they are built on the first lookup, and
/// hold only what those users look for.
struct OnPremIndex<'a> {
    users: &'a OnPremUsers,
    by_guid: OnceCell<GuidIndexes>,
    /// sAMAccountName and employeeID, exact: values Okta custom mappings stamp as anchors.
    by_value: OnceCell<KeyIndex<&'a str>>,
}

/// objectGUID and mS-DS-ConsistencyGuid.
struct GuidIndexes {
    object_guid: KeyIndex<Uuid>,
    consistency_guid: KeyIndex<Uuid>,
}

impl<'a> OnPremIndex<'a> {
    fn new(users: &'a OnPremUsers) -> Self {
        OnPremIndex { users, by_guid: OnceCell::new(), by_value: OnceCell::new() }
    }

    fn by_guid(&self, sought: &Sought) -> &GuidIndexes {
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

    fn by_value(&self, sought: &Sought) -> &KeyIndex<&'a str> {
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
}

/// What the cloud users no join took can look for on-prem by GUID and by value: only these
/// are indexed, not every on-prem user's GUIDs and values.
struct Sought<'a> {
    /// The GUIDs their anchors encode, in both byte orders.
    guids: HashSet<Uuid>,
    /// Their anchors.
    values: HashSet<&'a str>,
    /// Whether a value of each length is sought: most values have a length no value sought
    /// has, and are passed over without reading their text.
    value_lengths: Vec<bool>,
}

impl Sought<'_> {
    fn has_value(&self, value: &str) -> bool {
        let length_sought = self.value_lengths.get(value.len()).copied().unwrap_or(false);
        !value.is_empty() && length_sought && self.values.contains(value)
    }
}

struct Matcher<'a> {
    options: &'a MatchOptions,
    onprem: &'a OnPremUsers,
    cloud: &'a CloudUsers,
    /// Each cloud user's [`classify_anchor`].
    cloud_classes: &'a [AnchorClass],
    onprem_keys: &'a SideKeys,
    cloud_keys: &'a SideKeys,
    interner: &'a Interner<'a>,
    index: OnPremIndex<'a>,
    /// For each cloud user, the first on-prem user holding its anchor, or [`NO_USER`].
    anchor_holder: Vec<u32>,
    onprem_claimed: Vec<bool>,
    cloud_done: Vec<bool>,
    verdicts: Verdicts,
}

/// The verdicts given, from which the entries are made once all are known: each cloud user's
/// (with the on-prem user it is paired with), and those of the on-prem users without one.
#[derive(Default)]
struct Verdicts {
    cloud: Vec<Option<(Verdict, Option<u32>)>>,
    onprem_alone: Vec<(u32, Verdict)>,
}

/// The report's entries in its order: cloud file order, then the on-prem users without a cloud
/// user in on-prem file order. Each is made once, complete with its findings.
fn entries(
    verdicts: Verdicts,
    mut cloud_classes: Vec<AnchorClass>,
    (onprem, cloud): (&OnPremUsers, &CloudUsers),
    attribute: &AnchorAttribute,
    findings: &Findings,
) -> Vec<Entry> {
    let Verdicts { cloud: mut cloud_verdicts, mut onprem_alone } = verdicts;
    onprem_alone.sort_by_key(|&(i, _)| i);
    let maker = EntryMaker { onprem, cloud, attribute, findings };
    // Each cloud user's entry needs only its own verdict and the read-only findings: the two
    // halves of the cloud file are made at once, each into its half of one allocation (a
    // cloud user has at most one entry), and the gap between them is closed in place. (Made
    // apart and appended, the second half was a second copy at the run's peak.)
    let cloud_count = cloud_verdicts.len();
    let half = cloud_count / 2;
    let mut entries = Vec::with_capacity(cloud_count + onprem_alone.len());
    entries.resize_with(cloud_count, Entry::placeholder);
    let (first_verdicts, last_verdicts) = cloud_verdicts.split_at_mut(half);
    let (first_classes, last_classes) = cloud_classes.split_at_mut(half);
    let (first_out, last_out) = entries.split_at_mut(half);
    let (first_made, last_made) = both(
        || maker.cloud_entries(0, first_verdicts, first_classes, first_out),
        || maker.cloud_entries(half, last_verdicts, last_classes, last_out),
    );
    entries.truncate(half + last_made);
    entries.drain(first_made..half);
    for (i, verdict) in onprem_alone {
        let anchor = AnchorKey::onprem(onprem.get(i as usize), attribute).map(AnchorKey::to_anchor);
        entries.push(maker.entry(verdict, Some(i), None, anchor, None));
    }
    entries
}

/// What an entry is made from.
struct EntryMaker<'a> {
    onprem: &'a OnPremUsers,
    cloud: &'a CloudUsers,
    attribute: &'a AnchorAttribute,
    findings: &'a Findings<'a>,
}

impl EntryMaker<'_> {
    fn entry(
        &self,
        verdict: Verdict,
        onprem: Option<u32>,
        cloud: Option<u32>,
        anchor: Option<Anchor>,
        cloud_anchor: Option<AnchorClass>,
    ) -> Entry {
        let mut entry = Entry { verdict, onprem, cloud, anchor, cloud_anchor, findings: vec![] };
        self.findings.add(&mut entry);
        entry
    }

    /// The entries of the cloud users from `first` on, whose verdicts and classes these are,
    /// written in order from the start of `out` (as long as the verdicts); returns how many.
    fn cloud_entries(
        &self,
        first: usize,
        verdicts: &mut [Option<(Verdict, Option<u32>)>],
        classes: &mut [AnchorClass],
        out: &mut [Entry],
    ) -> usize {
        let mut made = 0;
        for at in 0..verdicts.len() {
            // The next batch's partners are far apart in the on-prem arrays: their slots are
            // read first, together, so the processor waits for them at once (see
            // `Interner::numbers`).
            if at % BATCH == 0 {
                let next = verdicts[at..].iter().take(BATCH).flatten();
                let touch = |read, i| read ^ self.findings.touch(i);
                std::hint::black_box(next.filter_map(|(_, p)| *p).fold(0, touch));
            }
            let Some((verdict, partner)) = verdicts[at].take() else { continue };
            let class = std::mem::replace(&mut classes[at], AnchorClass::Empty);
            let c = first + at;
            let anchor = match verdict {
                // The anchors are equal: the cloud's, written from its GUID, spares reading the
                // on-prem user.
                Verdict::HardMatch => AnchorKey::of_cloud(self.cloud.get(c).immutable_id(), &class),
                _ => partner
                    .and_then(|i| AnchorKey::onprem(self.onprem.get(i as usize), self.attribute)),
            };
            let anchor = anchor.map(AnchorKey::to_anchor);
            out[made] = self.entry(verdict, partner, Some(c as u32), anchor, Some(class));
            made += 1;
        }
        made
    }
}

impl<'a> Matcher<'a> {
    /// Gives a user, or a pair, its verdict.
    fn push(&mut self, verdict: Verdict, onprem: Option<u32>, cloud: Option<u32>) {
        if let Some(i) = onprem {
            self.onprem_claimed[i as usize] = true;
        }
        match (cloud, onprem) {
            (Some(c), _) => {
                self.cloud_done[c as usize] = true;
                self.verdicts.cloud[c as usize] = Some((verdict, onprem));
            }
            (None, Some(i)) => self.verdicts.onprem_alone.push((i, verdict)),
            (None, None) => {}
        }
    }

    /// Rows sharing an anchor within a side cannot be joined reliably: each gets its own entry.
    /// A cloud user holding an anchor that several on-prem objects share is one of them too, and
    /// so is the on-prem object holding an anchor that several cloud rows share.
    ///
    /// Each cloud anchor is looked up on-prem here, once, for the hard match too. Two cloud
    /// users hold the same anchor exactly when they found the same first on-prem holder, so
    /// only the anchors no on-prem user holds need an index of their own.
    fn duplicate_anchors(&mut self, join: AnchorJoin) {
        self.anchor_holder = join.holders.iter().map(|h| h.unwrap_or(NO_USER)).collect();
        // Cloud users by the on-prem user holding their anchor; `Holders` numbers from 1, so
        // the first holder `i` is number `i + 1`, and no holder (`NO_USER`) wraps to `NO_KEY`.
        let number = |i: u32| i.wrapping_add(1);
        let holder_numbers = self.anchor_holder.iter().map(|&i| number(i));
        let cloud_by_holder = Holders::new(holder_numbers, self.onprem.len() + 1);
        for group in join.onprem_groups {
            let rows = group.len() as u32;
            let verdict = Verdict::DuplicateAnchor { side: Side::OnPrem, rows };
            for &i in &group {
                self.push(verdict.clone(), Some(i), None);
            }
            for c in cloud_by_holder.of(number(group[0])) {
                self.push(verdict.clone(), None, Some(c));
            }
        }
        // Each cloud group with the on-prem user holding its anchor, if one does.
        let mut cloud_groups: Vec<(Vec<u32>, Option<u32>)> =
            join.unheld_cloud_groups.into_iter().map(|group| (group, None)).collect();
        for (c, &i) in self.anchor_holder.iter().enumerate() {
            if cloud_by_holder.first_of_several(number(i), c as u32) {
                cloud_groups.push((cloud_by_holder.of(number(i)).collect(), Some(i)));
            }
        }
        cloud_groups.sort();
        for (group, holder) in cloud_groups {
            let verdict = Verdict::DuplicateAnchor { side: Side::Cloud, rows: group.len() as u32 };
            for c in group {
                if !self.cloud_done[c as usize] {
                    self.push(verdict.clone(), None, Some(c));
                }
            }
            // An ImmutableID belongs to one user in a tenant, so Connect hard-matches the
            // on-prem holder to whichever of these rows is that user: not created, not
            // soft-matched, but not known either until the export is right.
            if let Some(i) = holder.filter(|&i| !self.onprem_claimed[i as usize]) {
                self.push(verdict, Some(i), None);
            }
        }
    }

    /// Hard match: the cloud ImmutableID equals the on-prem anchor, case-sensitively.
    fn hard_matches(&mut self) {
        for c in 0..self.cloud.len() as u32 {
            if self.cloud_done[c as usize] {
                continue;
            }
            let i = self.anchor_holder[c as usize];
            if i != NO_USER && !self.onprem_claimed[i as usize] {
                self.push(Verdict::HardMatch, Some(i), Some(c));
            }
        }
    }

    /// Soft match, as the engine runs it for each on-prem object left: a cloud user without an
    /// ImmutableID with the same primary SMTP address, else the same UPN.
    fn soft_matches(&mut self) {
        if self.options.block_soft_match {
            return;
        }
        // Every primary-SMTP join before any UPN join: SMTP is the first soft-match rule, so a
        // cloud user whose address is one person's and whose UPN is another's goes by address.
        for by in [SoftMatchKey::PrimarySmtp, SoftMatchKey::Upn] {
            let holders = self.cloud_keys.holders(by);
            for i in 0..self.onprem.len() {
                if self.onprem_claimed[i] {
                    continue;
                }
                let wanted = self.onprem_keys.numbers[i].get(by);
                let open = |&c: &u32| {
                    !self.cloud_done[c as usize]
                        && self.cloud.get(c as usize).immutable_id().is_empty()
                };
                if let Some(c) = holders.of(wanted).find(open) {
                    self.push(Verdict::SoftMatch { by }, Some(i as u32), Some(c));
                }
            }
        }
    }

    /// The first on-prem user not yet claimed among `positions`.
    fn first_open(&self, mut positions: impl Iterator<Item = u32>) -> Option<u32> {
        positions.find(|&i| !self.onprem_claimed[i as usize])
    }

    /// The cloud users left: pair each with the same person on-prem if there is one (a
    /// mismatch: the engine will create a duplicate), else it is an orphan or cloud-only.
    fn mismatches_and_orphans(&mut self) {
        let sought = self.sought();
        for c in 0..self.cloud.len() {
            if self.cloud_done[c] {
                continue;
            }
            let user = self.cloud.get(c);
            let class = &self.cloud_classes[c];
            if matches!(class, AnchorClass::Empty) {
                let person = self.find_person_by_address(c);
                match person {
                    Some((i, found_by)) if self.options.block_soft_match => {
                        let relation = AnchorRelation::SoftMatchBlocked;
                        self.push(
                            Verdict::Mismatch { relation, found_by },
                            Some(i),
                            Some(c as u32),
                        );
                    }
                    _ if user.synced() == Some(true) => {
                        self.push(Verdict::CloudOrphan, None, Some(c as u32))
                    }
                    _ => self.push(Verdict::CloudOnly, None, Some(c as u32)),
                }
                continue;
            }
            let person = self
                .find_person_by_guid(class, &sought)
                .or_else(|| self.find_person_by_address(c))
                .or_else(|| self.find_person_by_value(user.immutable_id(), &sought));
            match person {
                Some((i, found_by)) => {
                    let relation = relation(
                        class,
                        user.immutable_id(),
                        self.onprem.get(i as usize),
                        &self.options.anchor,
                    );
                    self.push(Verdict::Mismatch { relation, found_by }, Some(i), Some(c as u32));
                }
                None => self.push(Verdict::CloudOrphan, None, Some(c as u32)),
            }
        }
    }

    /// What the cloud users left can look for by GUID and by value.
    fn sought(&self) -> Sought<'a> {
        let mut sought = Sought {
            guids: HashSet::default(),
            values: HashSet::default(),
            value_lengths: Vec::new(),
        };
        let cloud = self.cloud;
        for (c, user) in cloud.iter().enumerate().filter(|&(c, _)| !self.cloud_done[c]) {
            if let Some(guid) = self.cloud_classes[c].guid() {
                sought.guids.extend([guid, big_endian(guid)]);
            }
            if !user.immutable_id().is_empty() {
                sought.values.insert(user.immutable_id());
                let length = user.immutable_id().len();
                if sought.value_lengths.len() <= length {
                    sought.value_lengths.resize(length + 1, false);
                }
                sought.value_lengths[length] = true;
            }
        }
        sought
    }

    fn find_person_by_guid(
        &self,
        class: &AnchorClass,
        sought: &Sought,
    ) -> Option<(u32, PersonKey)> {
        let guid = class.guid()?;
        let index = self.index.by_guid(sought);
        let first_open =
            |map: &KeyIndex<Uuid>, guid| self.first_open(map.get(&guid).iter().copied());
        let found = first_open(&index.object_guid, guid)
            .or_else(|| first_open(&index.consistency_guid, guid))
            .or_else(|| {
                let big_endian = big_endian(guid);
                first_open(&index.object_guid, big_endian)
                    .or_else(|| first_open(&index.consistency_guid, big_endian))
            });
        found.map(|i| (i, PersonKey::Anchor))
    }

    fn find_person_by_address(&self, c: usize) -> Option<(u32, PersonKey)> {
        let keys = self.cloud_keys.numbers[c];
        let holders = &self.onprem_keys;
        self.first_open(holders.upn_holders.of(keys.upn)).map(|i| (i, PersonKey::Upn)).or_else(
            || {
                self.first_open(holders.smtp_holders.of(keys.smtp))
                    .map(|i| (i, PersonKey::PrimarySmtp))
            },
        )
    }

    /// A custom anchor that is one of a person's own values (UPN, mail, sAMAccountName,
    /// employeeID): how Okta custom mappings fill ImmutableID.
    fn find_person_by_value(&self, value: &str, sought: &Sought) -> Option<(u32, PersonKey)> {
        let holders = &self.onprem_keys;
        let by_key = self.interner.get(&fold_cow(value)).and_then(|number| {
            self.first_open(holders.upn_holders.of(number))
                .or_else(|| self.first_open(holders.smtp_holders.of(number)))
        });
        by_key
            .or_else(|| self.first_open(self.index.by_value(sought).get(value).iter().copied()))
            .map(|i| (i, PersonKey::AnchorValue))
    }

    /// The on-prem users no cloud user joins: the engine will create them.
    fn onprem_only(&mut self) {
        for i in 0..self.onprem.len() {
            if !self.onprem_claimed[i] {
                self.push(Verdict::OnPremOnly, Some(i as u32), None);
            }
        }
    }
}

/// The same 16 bytes read big-endian: what a script using Python's `uuid.bytes` stamped.
fn big_endian(guid: Uuid) -> Uuid {
    Uuid::from_bytes(guid.to_bytes_le())
}

/// How a cloud anchor relates to the person the matcher paired it with.
fn relation(
    class: &AnchorClass,
    value: &str,
    person: OnPremUser<'_>,
    anchor: &AnchorAttribute,
) -> AnchorRelation {
    let is_person_guid =
        |g: Uuid| Some(g) == person.object_guid() || Some(g) == person.consistency_guid();
    match class {
        AnchorClass::Base64Guid { guid } => {
            let big_endian = big_endian(*guid);
            if Some(*guid) == person.object_guid()
                && matches!(anchor, AnchorAttribute::ConsistencyGuidElseObjectGuid)
            {
                AnchorRelation::ObjectGuidNotConsistencyGuid
            } else if Some(*guid) == person.consistency_guid() {
                AnchorRelation::ConsistencyGuidNotObjectGuid
            } else if is_person_guid(big_endian) {
                AnchorRelation::BigEndian
            } else {
                AnchorRelation::OtherGuid
            }
        }
        AnchorClass::GuidText { guid } if is_person_guid(*guid) => AnchorRelation::GuidText,
        AnchorClass::Base64GuidText { guid } if is_person_guid(*guid) => {
            AnchorRelation::Base64OfGuidText
        }
        _ if class.is_guid_based() => AnchorRelation::OtherGuid,
        _ => match person_attribute_with_value(person, value) {
            Some(attribute) => AnchorRelation::PersonValue { attribute: attribute.to_string() },
            None => AnchorRelation::Custom,
        },
    }
}

fn person_attribute_with_value(person: OnPremUser<'_>, value: &str) -> Option<&'static str> {
    let folded = fold(value);
    if !person.upn().is_empty() && fold(person.upn()) == folded {
        Some("userPrincipalName")
    } else if person.mail().is_some_and(|m| !m.is_empty() && fold(m) == folded) {
        Some("mail")
    } else if !person.sam_account_name().is_empty() && person.sam_account_name() == value {
        Some("sAMAccountName")
    } else if !person.employee_id().is_empty() && person.employee_id() == value {
        Some("employeeID")
    } else {
        None
    }
}

/// Findings on each entry: attribute changes on takeover, duplicates, clashes, UPN suffixes,
/// and checks of the exports' own computed columns.
struct Findings<'a> {
    onprem: &'a OnPremUsers,
    cloud: &'a CloudUsers,
    onprem_keys: &'a SideKeys,
    cloud_keys: &'a SideKeys,
    /// Each on-prem user's [`OnPremChecks`].
    onprem_checks: Vec<OnPremChecks>,
    options: &'a MatchOptions,
}

/// The checks of an on-prem user that need only the user, made in one pass in file order: the
/// entries come in cloud order, where reading each partner's text is a look far away.
#[derive(Clone, Copy)]
struct OnPremChecks {
    suffix: Option<SuffixProblem>,
    /// The export's own ImmutableID column is there and not empty.
    has_file_immutable_id: bool,
}

/// What is wrong with a UPN's suffix.
#[derive(Clone, Copy)]
enum SuffixProblem {
    NonRoutable,
    NotInTenant,
}

impl<'a> Findings<'a> {
    fn new(
        (onprem, cloud): (&'a OnPremUsers, &'a CloudUsers),
        (onprem_keys, cloud_keys): (&'a SideKeys, &'a SideKeys),
        options: &'a MatchOptions,
    ) -> Findings<'a> {
        // Users of one domain come in runs (most of a tenant's are in one or two), so each
        // pass remembers the last domain as written: the same text folds, and is found, alike.
        let mut tenant_suffixes: HashSet<String> = HashSet::default();
        let mut last_domain = None;
        for user in cloud.iter() {
            let domain = upn_domain(user.upn());
            if last_domain.replace(domain) == Some(domain) {
                continue;
            }
            let suffix = fold_cow(domain);
            if !suffix.is_empty()
                && !suffix.ends_with(".onmicrosoft.com")
                && !tenant_suffixes.contains(&*suffix)
            {
                tenant_suffixes.insert(suffix.into_owned());
            }
        }
        let mut last: Option<(&str, Option<SuffixProblem>)> = None;
        let mut suffix_problem = |upn: &'a str| {
            let domain = upn_domain(upn);
            match last {
                Some((last_domain, problem)) if last_domain == domain => problem,
                _ => last.insert((domain, domain_problem(domain, &tenant_suffixes))).1,
            }
        };
        let onprem_checks = onprem
            .iter()
            .map(|p| OnPremChecks {
                suffix: suffix_problem(p.upn()),
                has_file_immutable_id: p.file_immutable_id().is_some(),
            })
            .collect();
        Findings { onprem, cloud, onprem_keys, cloud_keys, onprem_checks, options }
    }

    /// Reads what [`Findings::add`] reads of on-prem user `i` away from its cloud partner (its
    /// key numbers and checks), for its wait alone.
    fn touch(&self, i: u32) -> u32 {
        let (keys, checks) = (self.onprem_keys.numbers[i as usize], self.onprem_checks[i as usize]);
        keys.upn ^ u32::from(checks.has_file_immutable_id)
    }

    fn add(&self, entry: &mut Entry) {
        let Findings { onprem, cloud, onprem_keys, cloud_keys, options, .. } = *self;
        let p = entry.onprem.map(|i| onprem.get(i as usize));
        let c = entry.cloud.map(|i| cloud.get(i as usize));
        let findings = &mut entry.findings;
        let joins = matches!(entry.verdict, Verdict::HardMatch | Verdict::SoftMatch { .. });

        if let (true, Some(i), Some(j), Some(p), Some(c)) = (joins, entry.onprem, entry.cloud, p, c)
        {
            let (p_keys, c_keys) =
                (onprem_keys.numbers[i as usize], cloud_keys.numbers[j as usize]);
            let upn_stays = p_keys.upn == c_keys.upn && p_keys.upn_as_is && c_keys.upn_as_is;
            let mail_stays =
                p_keys.smtp == c_keys.smtp && p_keys.mail_is_smtp && c_keys.mail_is_smtp;
            if !(upn_stays && mail_stays) {
                takeover_changes(p, c, findings);
            }
            if matches!(entry.verdict, Verdict::HardMatch) && c.synced() == Some(false) {
                findings
                    .push(Finding::TakesOverCloudUser { blocked: options.block_cloud_takeover });
            }
            let identifier = c.on_premises_object_identifier().trim();
            if !identifier.is_empty() && !is_hyphenated_guid(identifier, p.object_guid()) {
                findings.push(Finding::TiedToOtherObject { identifier: identifier.to_string() });
            }
        }
        if let (Some(i), Some(p)) = (entry.onprem, p) {
            let keys = onprem_keys.numbers[i as usize];
            let checks = self.onprem_checks[i as usize];
            let at = |j: u32| onprem.get(j as usize).at();
            duplicate_findings(Side::OnPrem, i, keys, onprem_keys, at, findings);
            let own = Own { partner: entry.cloud, anchor: entry.anchor.as_deref() };
            clashes(p, keys, own, cloud, cloud_keys, findings);
            if let Some(problem) = checks.suffix {
                findings.push(suffix_finding(problem, p.upn()));
            }
            let file_immutable_id = || p.file_immutable_id();
            let in_file = checks.has_file_immutable_id.then(file_immutable_id).flatten();
            if let (Some(in_file), Some(computed)) = (in_file, &entry.anchor) {
                if in_file != computed.as_str() {
                    findings.push(Finding::FileImmutableIdDiffers {
                        in_file: String::from(in_file),
                        computed: String::from(computed),
                    });
                }
            }
            if let (AnchorAttribute::Column(_), Some(anchor)) = (&options.anchor, &entry.anchor) {
                let chars = anchor.chars().count();
                if chars >= MAX_STRING_ANCHOR_CHARS {
                    findings.push(Finding::AnchorTooLong { chars });
                }
            }
        }
        if let (Some(j), Some(c)) = (entry.cloud, c) {
            let keys = cloud_keys.numbers[j as usize];
            let at = |j: u32| cloud.get(j as usize).at();
            duplicate_findings(Side::Cloud, j, keys, cloud_keys, at, findings);
            if let Some(in_file) = c.file_object_guid().filter(|v| !v.trim().is_empty()) {
                let computed = entry.cloud_anchor.as_ref().and_then(AnchorClass::guid);
                let agrees = computed.is_some_and(|g| {
                    crate::engine::guid::parse_guid(in_file).is_ok_and(|parsed| parsed.guid == g)
                });
                if !agrees {
                    findings.push(Finding::FileObjectGuidDiffers {
                        in_file: in_file.to_string(),
                        computed: computed.map(|g| g.hyphenated().to_string()),
                    });
                }
            }
        }
        if findings.len() > 1 {
            findings.sort_by_key(|f| std::cmp::Reverse(f.severity()));
        }
    }
}

/// Whether `identifier` is the hyphenated text of `guid`, in either letter case. Parsing the
/// identifier, rather than writing the GUID out to compare, allocates nothing: a 36-character
/// text parses only in the hyphenated form.
fn is_hyphenated_guid(identifier: &str, guid: Option<Uuid>) -> bool {
    identifier.len() == 36 && guid.is_some_and(|g| Uuid::try_parse(identifier) == Ok(g))
}

/// Other rows of the same side with the UPN or primary SMTP address of the user at `position`.
/// The user is read only when another holds one: most hold theirs alone.
fn duplicate_findings(
    side: Side,
    position: u32,
    keys: KeyNumbers,
    same_side: &SideKeys,
    at: impl Fn(u32) -> RowRef,
    findings: &mut Vec<Finding>,
) {
    let others = |holders: &Holders, number: u32, shared: bool| -> Vec<RowRef> {
        if !shared {
            return Vec::new();
        }
        let row = at(position);
        holders.of(number).map(&at).filter(|r| *r != row).collect()
    };
    let upn_others = others(&same_side.upn_holders, keys.upn, keys.upn_shared);
    if !upn_others.is_empty() {
        findings.push(Finding::DuplicateUpn { side, others: upn_others });
    }
    let smtp_others = others(&same_side.smtp_holders, keys.smtp, keys.smtp_shared);
    if !smtp_others.is_empty() {
        findings.push(Finding::DuplicatePrimarySmtp { side, others: smtp_others });
    }
}

/// What a takeover (hard or soft match) overwrites on the cloud user.
fn takeover_changes(p: OnPremUser<'_>, c: CloudUser<'_>, findings: &mut Vec<Finding>) {
    if !p.upn().is_empty() && !c.upn().is_empty() && p.upn() != c.upn() {
        findings.push(Finding::UpnChanges { from: c.upn().to_string(), to: p.upn().to_string() });
    }
    // Without a mail column on-prem, what happens to the cloud mail cannot be told.
    let Some(onprem_mail) = p.mail().map(str::trim) else { return };
    let cloud_mail = c.mail().trim();
    if !cloud_mail.is_empty() && onprem_mail.is_empty() {
        findings.push(Finding::MailCleared { value: cloud_mail.to_string() });
    } else if !cloud_mail.is_empty() && !cloud_mail.eq_ignore_ascii_case(onprem_mail) {
        findings.push(Finding::MailChanges {
            from: cloud_mail.to_string(),
            to: onprem_mail.to_string(),
        });
    }
}

/// A different cloud user already holding this on-prem user's UPN or primary SMTP address.
/// The cloud users that are this on-prem user's own: its partner, and any holding its anchor
/// (a duplicate-anchor entry has no partner, yet its account is no clash).
struct Own<'a> {
    partner: Option<u32>,
    anchor: Option<&'a str>,
}

fn clashes(
    p: OnPremUser<'_>,
    keys: KeyNumbers,
    own: Own,
    cloud: &CloudUsers,
    cloud_keys: &SideKeys,
    findings: &mut Vec<Finding>,
) {
    let partner = own.partner.map(|c| cloud_keys.numbers[c as usize]);
    let other = |holders: &Holders, number: u32, partner_alone: bool| {
        // The partner alone holds it on the cloud side (the usual case): nothing to walk.
        if partner_alone {
            return None;
        }
        let found = holders.of(number).find(|&c| {
            // The partner first: it is the usual holder, and needs no look at the cloud user.
            let holds_own_anchor =
                || own.anchor.is_some_and(|a| cloud.get(c as usize).immutable_id() == a);
            Some(c) != own.partner && !holds_own_anchor()
        });
        found.map(|c| cloud.get(c as usize).at())
    };
    let upn_alone = partner.is_some_and(|n| n.upn == keys.upn && !n.upn_shared);
    if let Some(row) = other(&cloud_keys.upn_holders, keys.upn, upn_alone) {
        findings.push(Finding::UpnTaken { cloud: row, upn: p.upn().to_string() });
    }
    let smtp_alone = partner.is_some_and(|n| n.smtp == keys.smtp && !n.smtp_shared);
    if let Some(row) = other(&cloud_keys.smtp_holders, keys.smtp, smtp_alone) {
        let address = p.primary_smtp().unwrap_or_default().into_owned();
        findings.push(Finding::SmtpTaken { cloud: row, address });
    }
}

/// What is wrong with the suffix a UPN's `domain` (as written) folds to.
fn domain_problem(domain: &str, tenant: &HashSet<String>) -> Option<SuffixProblem> {
    let suffix = fold_cow(domain);
    if suffix.is_empty() {
        None
    } else if is_non_routable(&suffix) {
        Some(SuffixProblem::NonRoutable)
    } else if !tenant.is_empty() && !tenant.contains(&*suffix) {
        Some(SuffixProblem::NotInTenant)
    } else {
        None
    }
}

/// The finding of a [`domain_problem`] of `upn`'s domain.
fn suffix_finding(problem: SuffixProblem, upn: &str) -> Finding {
    let suffix = upn_suffix(upn).map(Cow::into_owned).unwrap_or_default();
    match problem {
        SuffixProblem::NonRoutable => Finding::NonRoutableUpnSuffix { suffix },
        SuffixProblem::NotInTenant => Finding::UpnSuffixNotInTenant { suffix },
    }
}

fn upn_suffix(upn: &str) -> Option<Cow<'_, str>> {
    Some(fold_cow(upn_domain(upn))).filter(|d| !d.is_empty())
}

/// What follows a UPN's last `@`, as written; empty without one.
fn upn_domain(upn: &str) -> &str {
    upn.rsplit_once('@').map_or("", |(_, domain)| domain)
}

/// Suffixes Entra cannot verify: no dot, or a top-level domain reserved for private use.
fn is_non_routable(suffix: &str) -> bool {
    const PRIVATE: [&str; 8] =
        [".local", ".lan", ".internal", ".corp", ".home", ".localdomain", ".intranet", ".private"];
    !suffix.contains('.') || PRIVATE.iter().any(|tld| suffix.ends_with(tld))
}

fn notices(entries: &[Entry], cloud: &CloudUsers) -> Vec<Notice> {
    let mut notices = Vec::new();
    let synced_orphans = entries
        .iter()
        .filter(|e| matches!(e.verdict, Verdict::CloudOrphan))
        .filter_map(|e| e.cloud)
        .filter(|&c| cloud.get(c as usize).synced() == Some(true))
        .count();
    if synced_orphans > DELETE_THRESHOLD {
        notices.push(Notice {
            severity: Severity::Problem,
            message: format!(
                "{synced_orphans} synced cloud users match nothing on-prem: more than the \
                 accidental-delete threshold ({DELETE_THRESHOLD}), so Entra Connect will stop \
                 exporting if it is asked to delete them"
            ),
        });
    }
    notices.push(Notice {
        severity: Severity::Info,
        message: "Not checked from these exports: cloud users holding admin roles (not matched: \
                  \"Existing Admin Role Conflict\") and UPNs on federated domains (their \
                  ImmutableID cannot be changed until the UPN moves to a managed domain)"
            .into(),
    });
    notices
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::guid::immutable_id;
    use crate::engine::report::{Category, Finding};
    use crate::engine::users::test_users::{
        cloud_table, onprem_table, TestCloudUser, TestOnPremUser,
    };

    /// [`match_users`] of users written out in a test.
    pub(super) fn match_test_users(
        onprem: Vec<TestOnPremUser>,
        cloud: Vec<TestCloudUser>,
        options: &MatchOptions,
    ) -> MatchReport {
        match_users(onprem_table(&onprem), cloud_table(&cloud), options)
    }

    const G1: &str = "35918bc9-196d-40ea-9779-889d79b753f0";
    const G2: &str = "fcc7e67f-fec6-4a65-b821-2f40a292d185";
    const G3: &str = "88666888-0101-1111-bbbb-1234567890ab";

    fn guid(text: &str) -> Uuid {
        Uuid::parse_str(text).unwrap()
    }

    fn onprem(record: u64, upn: &str, object_guid: &str) -> TestOnPremUser {
        TestOnPremUser {
            at: RowRef { line: record + 1, record },
            upn: upn.into(),
            sam_account_name: upn.split('@').next().unwrap_or_default().into(),
            object_guid: Some(guid(object_guid)),
            ..TestOnPremUser::default()
        }
    }

    fn cloud(record: u64, upn: &str, immutable_id: &str) -> TestCloudUser {
        TestCloudUser {
            at: RowRef { line: record + 1, record },
            upn: upn.into(),
            immutable_id: immutable_id.into(),
            synced: Some(true),
            ..TestCloudUser::default()
        }
    }

    fn run(onprem: Vec<TestOnPremUser>, cloud: Vec<TestCloudUser>) -> MatchReport {
        match_test_users(onprem, cloud, &MatchOptions::default())
    }

    fn verdicts_and_rows(report: &MatchReport) -> Vec<(&Verdict, Option<u32>, Option<u32>)> {
        report.entries.iter().map(|e| (&e.verdict, e.onprem, e.cloud)).collect()
    }

    fn only(report: &MatchReport) -> &Entry {
        assert_eq!(report.entries.len(), 1, "{:#?}", report.entries);
        &report.entries[0]
    }

    #[test]
    fn key_index_gives_every_position_of_a_key_in_order() {
        let mut index = KeyIndex::with_capacity(0);
        for position in 0..300u32 {
            // Key 7 is held by every hundredth position; the others by one each.
            let key = if position % 100 == 7 { 7 } else { position * 1000 };
            index.insert(Uuid::from_u128(key.into()), position);
        }
        assert_eq!(index.get(&Uuid::from_u128(7)), [7, 107, 207]);
        assert_eq!(index.get(&Uuid::from_u128(5000)), [5]);
        assert!(index.get(&Uuid::from_u128(1)).is_empty());
        let mut by_text = KeyIndex::with_capacity(1);
        by_text.insert("00ub0oNGTSWTBKOLGLNR", 3);
        assert_eq!(by_text.get("00ub0oNGTSWTBKOLGLNR"), [3]);
        assert!(by_text.get("00UB0ONGTSWTBKOLGLNR").is_empty());
    }

    #[test]
    fn object_identifiers_compare_as_hyphenated_guid_text_in_either_case() {
        let g = guid(G1);
        let upper = G1.to_uppercase();
        let braced = format!("{{{G1}}}");
        let simple = g.simple().to_string();
        let cases = [
            (G1, Some(g), true),
            (upper.as_str(), Some(g), true),
            (G1, None, false),
            (G1, Some(guid(G2)), false),
            (braced.as_str(), Some(g), false),
            (simple.as_str(), Some(g), false),
            (&G1[1..], Some(g), false),
            ("", Some(g), false),
        ];
        for (identifier, object_guid, same) in cases {
            // What the check was: the GUID written out, compared ignoring ASCII case.
            let written = object_guid.map(|g| g.hyphenated().to_string());
            let old = written.is_some_and(|w| w.eq_ignore_ascii_case(identifier));
            assert_eq!(old, same, "{identifier:?}");
            assert_eq!(is_hyphenated_guid(identifier, object_guid), same, "{identifier:?}");
        }
    }

    #[test]
    fn hard_match_on_base64_object_guid() {
        let report = run(
            vec![onprem(1, "jane@contoso.com", G1)],
            vec![cloud(1, "jane@contoso.com", "yYuRNW0Z6kCXeYidebdT8A==")],
        );
        let entry = only(&report);
        assert_eq!(entry.verdict, Verdict::HardMatch);
        assert_eq!(entry.anchor.as_deref(), Some("yYuRNW0Z6kCXeYidebdT8A=="));
        assert!(entry.findings.is_empty(), "{:?}", entry.findings);
    }

    #[test]
    fn hard_match_is_case_sensitive() {
        let report = run(
            vec![onprem(1, "jane@contoso.com", G1)],
            vec![cloud(1, "jane@contoso.com", "YYURNW0Z6KCXEYIDEBDT8A==")],
        );
        assert!(matches!(report.entries[0].verdict, Verdict::Mismatch { .. }));
    }

    #[test]
    fn mismatch_relations_name_the_mistake() {
        let be = "NZGLyRltQOqXeYidebdT8A=="; // big-endian bytes of G1
                                             // cloud anchor, on-prem ConsistencyGuid, cloud UPN, anchor attribute, relation, key
        type Case<'a> =
            (&'a str, Option<&'a str>, &'a str, AnchorAttribute, AnchorRelation, PersonKey);
        let cases: Vec<Case> = vec![
            (
                be,
                None,
                "other@contoso.com",
                AnchorAttribute::default(),
                AnchorRelation::BigEndian,
                PersonKey::Anchor,
            ),
            (
                G1,
                None,
                "other@contoso.com",
                AnchorAttribute::default(),
                AnchorRelation::GuidText,
                PersonKey::Anchor,
            ),
            (
                "yYuRNW0Z6kCXeYidebdT8A==",
                Some(G2),
                "x@contoso.com",
                AnchorAttribute::default(),
                AnchorRelation::ObjectGuidNotConsistencyGuid,
                PersonKey::Anchor,
            ),
            (
                "f+bH/Mb+ZUq4IS9AopLRhQ==",
                Some(G2),
                "x@contoso.com",
                AnchorAttribute::ObjectGuid,
                AnchorRelation::ConsistencyGuidNotObjectGuid,
                PersonKey::Anchor,
            ),
            (
                "iGhmiAEBERG7uxI0VniQqw==",
                None,
                "jane@contoso.com",
                AnchorAttribute::default(),
                AnchorRelation::OtherGuid,
                PersonKey::Upn,
            ),
            (
                "00ub0oNGTSWTBKOLGLNR",
                None,
                "JANE@contoso.com",
                AnchorAttribute::default(),
                AnchorRelation::Custom,
                PersonKey::Upn,
            ),
            (
                "jane@contoso.com",
                None,
                "j.doe@contoso.com",
                AnchorAttribute::default(),
                AnchorRelation::PersonValue { attribute: "userPrincipalName".into() },
                PersonKey::AnchorValue,
            ),
            (
                "jane",
                None,
                "j.doe@contoso.com",
                AnchorAttribute::default(),
                AnchorRelation::PersonValue { attribute: "sAMAccountName".into() },
                PersonKey::AnchorValue,
            ),
        ];
        for (anchor, consistency, cloud_upn, attribute, relation, key) in cases {
            let mut p = onprem(1, "jane@contoso.com", G1);
            p.consistency_guid = consistency.map(guid);
            let options = MatchOptions { anchor: attribute, ..MatchOptions::default() };
            let report = match_test_users(vec![p], vec![cloud(1, cloud_upn, anchor)], &options);
            let entry = only(&report);
            assert_eq!(
                entry.verdict,
                Verdict::Mismatch { relation, found_by: key },
                "cloud anchor {anchor}"
            );
            assert_eq!(entry.onprem, Some(0));
        }
    }

    #[test]
    fn consistency_guid_is_the_anchor_when_set() {
        let mut p = onprem(1, "jane@contoso.com", G1);
        p.consistency_guid = Some(guid(G2));
        let report = run(vec![p], vec![cloud(1, "jane@contoso.com", "f+bH/Mb+ZUq4IS9AopLRhQ==")]);
        assert_eq!(only(&report).verdict, Verdict::HardMatch);
    }

    #[test]
    fn string_anchors_shaped_like_immutable_ids_match_exactly() {
        // A base64 GUID in the anchor column is keyed by its GUID: it must still match only the
        // same text, never another spelling or letter case of it.
        let mut p = onprem(1, "jane@contoso.com", G1);
        p.string_anchor = Some("f+bH/Mb+ZUq4IS9AopLRhQ==".into());
        let options = MatchOptions {
            anchor: AnchorAttribute::Column("employeeID".into()),
            ..MatchOptions::default()
        };
        for (cloud_anchor, hard) in [
            ("f+bH/Mb+ZUq4IS9AopLRhQ==", true),
            ("F+BH/MB+ZUQ4IS9AOPLRHQ==", false),
            (G2, false),
            ("yYuRNW0Z6kCXeYidebdT8A==", false),
        ] {
            let users = (vec![p.clone()], vec![cloud(1, "jane@contoso.com", cloud_anchor)]);
            let report = match_test_users(users.0, users.1, &options);
            let entry = only(&report);
            assert_eq!(entry.verdict == Verdict::HardMatch, hard, "{cloud_anchor}");
            assert_eq!(entry.anchor.as_deref(), Some("f+bH/Mb+ZUq4IS9AopLRhQ=="));
        }
    }

    #[test]
    fn effective_anchor_by_attribute() {
        let mut p = onprem(1, "jane@contoso.com", G1);
        let consistency = AnchorAttribute::ConsistencyGuidElseObjectGuid;
        let column = AnchorAttribute::Column("employeeID".into());
        assert_eq!(
            effective_anchor(onprem_table(&[p.clone()]).get(0), &consistency).as_deref(),
            Some("yYuRNW0Z6kCXeYidebdT8A==")
        );
        p.consistency_guid = Some(guid(G2));
        assert_eq!(
            effective_anchor(onprem_table(&[p.clone()]).get(0), &consistency).as_deref(),
            Some("f+bH/Mb+ZUq4IS9AopLRhQ==")
        );
        let object_guid = AnchorAttribute::ObjectGuid;
        assert_eq!(
            effective_anchor(onprem_table(&[p.clone()]).get(0), &object_guid).as_deref(),
            Some("yYuRNW0Z6kCXeYidebdT8A==")
        );
        assert_eq!(effective_anchor(onprem_table(&[p.clone()]).get(0), &column), None);
        p.string_anchor = Some(String::new());
        assert_eq!(effective_anchor(onprem_table(&[p.clone()]).get(0), &column), None);
        p.string_anchor = Some(" E1001".into());
        assert_eq!(
            effective_anchor(onprem_table(&[p.clone()]).get(0), &column).as_deref(),
            Some(" E1001")
        );
    }

    #[test]
    fn string_anchor_column_is_used_verbatim() {
        let mut p = onprem(1, "jane@contoso.com", G1);
        p.string_anchor = Some("E1001".into());
        let options = MatchOptions {
            anchor: AnchorAttribute::Column("employeeID".into()),
            ..MatchOptions::default()
        };
        let report = match_test_users(
            vec![p.clone()],
            vec![cloud(1, "jane@contoso.com", "E1001")],
            &options,
        );
        assert_eq!(only(&report).verdict, Verdict::HardMatch);
        let report =
            match_test_users(vec![p], vec![cloud(1, "jane@contoso.com", "e1001")], &options);
        assert!(
            matches!(only(&report).verdict, Verdict::Mismatch { .. }),
            "string anchors are case-sensitive"
        );
    }

    #[test]
    fn soft_match_prefers_primary_smtp_then_upn() {
        let mut p = onprem(1, "jane@contoso.com", G1);
        p.proxy_addresses = vec!["SMTP:Jane.Doe@contoso.com".into()];
        let mut by_smtp = cloud(1, "someone@contoso.com", "");
        by_smtp.proxy_addresses = vec!["SMTP:jane.doe@contoso.com".into()];
        let by_upn = cloud(2, "jane@contoso.com", "");
        let report = run(vec![p.clone()], vec![by_upn.clone(), by_smtp]);
        let joined = report.entries.iter().find(|e| e.onprem.is_some()).unwrap();
        assert_eq!(joined.verdict, Verdict::SoftMatch { by: SoftMatchKey::PrimarySmtp });
        assert_eq!(joined.cloud, Some(1));
        // The UPN holder is left alone, but the UPN clash is reported on the joined pair.
        assert_eq!(report.entries[0].verdict, Verdict::CloudOrphan);
        assert!(joined.findings.iter().any(|f| matches!(f, Finding::UpnTaken { .. })));

        let report = run(vec![p], vec![by_upn]);
        assert_eq!(only(&report).verdict, Verdict::SoftMatch { by: SoftMatchKey::Upn });
    }

    #[test]
    fn blocked_soft_match_is_a_mismatch() {
        let options = MatchOptions { block_soft_match: true, ..MatchOptions::default() };
        let report = match_test_users(
            vec![onprem(1, "jane@contoso.com", G1)],
            vec![cloud(1, "jane@contoso.com", "")],
            &options,
        );
        assert_eq!(
            only(&report).verdict,
            Verdict::Mismatch {
                relation: AnchorRelation::SoftMatchBlocked,
                found_by: PersonKey::Upn
            }
        );
    }

    #[test]
    fn soft_match_wins_over_a_mismatched_upn_holder() {
        // The engine soft-matches before anything else can claim the person.
        let mut p = onprem(1, "jane@contoso.com", G1);
        p.mail = Some("jane@contoso.com".into());
        let mut soft = cloud(2, "jdoe@contoso.com", "");
        soft.mail = "jane@contoso.com".into();
        let report = run(vec![p], vec![cloud(1, "jane@contoso.com", "00ub0oNGTSWTBKOLGLNR"), soft]);
        assert_eq!(report.entries[0].verdict, Verdict::CloudOrphan);
        assert_eq!(report.entries[1].verdict, Verdict::SoftMatch { by: SoftMatchKey::PrimarySmtp });
    }

    #[test]
    fn orphans_cloud_only_and_onprem_only() {
        let mut cloud_only = cloud(2, "admin@contoso.onmicrosoft.com", "");
        cloud_only.synced = Some(false);
        let report = run(
            vec![onprem(1, "new@contoso.com", G1)],
            vec![cloud(1, "gone@contoso.com", "iGhmiAEBERG7uxI0VniQqw=="), cloud_only],
        );
        let verdicts: Vec<&Verdict> = report.entries.iter().map(|e| &e.verdict).collect();
        assert_eq!(verdicts, [&Verdict::CloudOrphan, &Verdict::CloudOnly, &Verdict::OnPremOnly]);
    }

    #[test]
    fn duplicate_anchors_on_either_side() {
        let mut a = onprem(1, "a@contoso.com", G1);
        let mut b = onprem(2, "b@contoso.com", G2);
        a.consistency_guid = Some(guid(G3));
        b.consistency_guid = Some(guid(G3)); // a cloned account kept the ConsistencyGuid
        let report = run(
            vec![a, b, onprem(3, "c@contoso.com", G1)],
            vec![
                cloud(1, "a@contoso.com", "iGhmiAEBERG7uxI0VniQqw=="),
                cloud(2, "x@contoso.com", "zzz"),
                cloud(3, "y@contoso.com", "zzz"),
            ],
        );
        let dup_onprem = Verdict::DuplicateAnchor { side: Side::OnPrem, rows: 2 };
        let dup_cloud = Verdict::DuplicateAnchor { side: Side::Cloud, rows: 2 };
        assert_eq!(
            verdicts_and_rows(&report),
            [
                (&dup_onprem, None, Some(0)),
                (&dup_cloud, None, Some(1)),
                (&dup_cloud, None, Some(2)),
                (&dup_onprem, Some(0), None),
                (&dup_onprem, Some(1), None),
                (&Verdict::OnPremOnly, Some(2), None),
            ]
        );
        assert_eq!(report.counts().duplicates, 5);
    }

    #[test]
    fn cloud_duplicates_of_a_held_anchor_and_of_an_unheld_one() {
        // G1's anchor is held on-prem (the cloud pair is found through its on-prem holder);
        // "zzz" is held by nobody on-prem (the cloud pair is found by its own index).
        let g1 = "yYuRNW0Z6kCXeYidebdT8A==";
        let report = run(
            vec![onprem(1, "a@contoso.com", G1)],
            vec![
                cloud(1, "a@contoso.com", g1),
                cloud(2, "x@contoso.com", "zzz"),
                cloud(3, "b@contoso.com", g1),
                cloud(4, "y@contoso.com", "zzz"),
                cloud(5, "c@contoso.com", "f+bH/Mb+ZUq4IS9AopLRhQ=="),
            ],
        );
        let dup_cloud = Verdict::DuplicateAnchor { side: Side::Cloud, rows: 2 };
        assert_eq!(
            verdicts_and_rows(&report),
            [
                (&dup_cloud, None, Some(0)),
                (&dup_cloud, None, Some(1)),
                (&dup_cloud, None, Some(2)),
                (&dup_cloud, None, Some(3)),
                (&Verdict::CloudOrphan, None, Some(4)),
                // Not on-prem only (issue 15): an ImmutableID belongs to one user in a tenant
                // (domain.md §2, hard match first), so Connect hard-matches a@contoso.com to
                // the cloud user that really holds G1's anchor; the export cannot tell which.
                (&dup_cloud, Some(0), None),
            ]
        );
        // What the admin reads says so, and not that a new user will be created.
        let reason = crate::engine::advice::reason(&report, &report.entries[5]);
        assert!(reason.contains("will hard-match this account"), "{reason}");
        assert!(reason.contains("Export the cloud users again"), "{reason}");
        assert!(!reason.contains("create a new cloud user"), "{reason}");
    }

    #[test]
    fn takeover_clears_cloud_only_mail() {
        // Seed 000: Okta stamped `mail` in the cloud; AD has none, so the takeover deletes it.
        let mut c = cloud(1, "john.smith@contoso.com", "yYuRNW0Z6kCXeYidebdT8A==");
        c.mail = "john.smith@contoso.com".into();
        let p =
            TestOnPremUser { mail: Some(String::new()), ..onprem(1, "john.smith@contoso.com", G1) };
        let report = run(vec![p], vec![c]);
        let entry = only(&report);
        assert_eq!(entry.verdict, Verdict::HardMatch);
        assert_eq!(
            entry.findings,
            [Finding::MailCleared { value: "john.smith@contoso.com".into() }]
        );
    }

    #[test]
    fn upn_and_suffix_findings() {
        let mut c = cloud(1, "jane@contoso.com", "yYuRNW0Z6kCXeYidebdT8A==");
        c.synced = Some(false);
        let report =
            run(vec![onprem(1, "jane@corp.local", G1), onprem(2, "bob@fabrikam.com", G2)], vec![c]);
        let findings = &report.entries[0].findings;
        assert!(findings.contains(&Finding::NonRoutableUpnSuffix { suffix: "corp.local".into() }));
        assert!(findings.contains(&Finding::UpnChanges {
            from: "jane@contoso.com".into(),
            to: "jane@corp.local".into()
        }));
        assert!(findings.contains(&Finding::TakesOverCloudUser { blocked: false }));
        assert_eq!(
            report.entries[1].findings,
            [Finding::UpnSuffixNotInTenant { suffix: "fabrikam.com".into() }]
        );
    }

    #[test]
    fn duplicate_upns_within_a_side_point_at_each_other() {
        let report =
            run(vec![onprem(1, "jane@contoso.com", G1), onprem(2, "Jane@Contoso.com", G2)], vec![]);
        assert_eq!(
            report.entries[0].findings,
            [Finding::DuplicateUpn {
                side: Side::OnPrem,
                others: vec![RowRef { line: 3, record: 2 }]
            }]
        );
    }

    #[test]
    fn seed_001_three_custom_anchors_among_hard_matches() {
        // Three users whose ImmutableID Okta filled with its own app-user ID.
        let mut onprem_users = Vec::new();
        let mut cloud_users = Vec::new();
        for n in 0..50u64 {
            let g = Uuid::from_u128(0x1000_0000_0000_4000_8000_0000_0000_0000 + u128::from(n));
            let upn = format!("user{n}@contoso.com");
            onprem_users.push(TestOnPremUser { object_guid: Some(g), ..onprem(n + 1, &upn, G1) });
            let anchor = if n % 17 == 5 { format!("0ua{:017}", n) } else { immutable_id(&g) };
            cloud_users.push(cloud(n + 1, &upn, &anchor));
        }
        let report = run(onprem_users, cloud_users);
        let counts = report.counts();
        assert_eq!(counts.get(Category::HardMatch), 47);
        assert_eq!(counts.get(Category::Mismatch), 3);
        assert_eq!(counts.custom_anchor, 3);
        assert_eq!((counts.onprem_rows, counts.cloud_rows), (50, 50));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::tests::match_test_users;
    use super::*;
    use crate::engine::guid::immutable_id;
    use crate::engine::users::test_users::{TestCloudUser, TestOnPremUser};
    use proptest::prelude::*;

    /// Small pools make collisions (shared UPNs, GUIDs, anchors) common.
    fn onprem_user() -> impl Strategy<Value = TestOnPremUser> {
        (0..6u128, proptest::option::of(0..6u128), 0..5u8, 0..4u8).prop_map(|(g, cg, upn, mail)| {
            TestOnPremUser {
                upn: format!("u{upn}@contoso.com"),
                mail: Some(if mail == 0 { String::new() } else { format!("m{mail}@contoso.com") }),
                object_guid: Some(Uuid::from_u128(g + 1)),
                consistency_guid: cg.map(|g| Uuid::from_u128(g + 1)),
                ..TestOnPremUser::default()
            }
        })
    }

    fn cloud_user() -> impl Strategy<Value = TestCloudUser> {
        let anchor = prop_oneof![
            Just(String::new()),
            (0..6u128).prop_map(|g| immutable_id(&Uuid::from_u128(g + 1))),
            (0..6u128).prop_map(|g| Uuid::from_u128(g + 1).hyphenated().to_string()),
            Just("00ub0oNGTSWTBKOLGLNR".to_string()),
            (0..5u8).prop_map(|n| format!("u{n}@contoso.com")),
        ];
        (anchor, 0..5u8, 0..4u8, proptest::option::of(any::<bool>())).prop_map(
            |(immutable_id, upn, mail, synced)| TestCloudUser {
                upn: format!("u{upn}@contoso.com"),
                mail: if mail == 0 { String::new() } else { format!("m{mail}@contoso.com") },
                immutable_id,
                synced,
                ..TestCloudUser::default()
            },
        )
    }

    fn options() -> impl Strategy<Value = MatchOptions> {
        (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(object_guid, soft, takeover)| {
            MatchOptions {
                anchor: if object_guid {
                    AnchorAttribute::ObjectGuid
                } else {
                    AnchorAttribute::default()
                },
                block_soft_match: soft,
                block_cloud_takeover: takeover,
            }
        })
    }

    /// Anchor-like text: base64 GUIDs and their near misses (other letter case, padding,
    /// whitespace), GUID text, and plain values.
    fn anchor_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<u128>().prop_map(|g| immutable_id(&Uuid::from_u128(g))),
            any::<u128>().prop_map(|g| immutable_id(&Uuid::from_u128(g)).to_uppercase()),
            any::<u128>()
                .prop_map(|g| immutable_id(&Uuid::from_u128(g)).trim_end_matches('=').to_string()),
            any::<u128>().prop_map(|g| format!(" {}", immutable_id(&Uuid::from_u128(g)))),
            "[A-Za-z0-9+/=]{22,26}",
            "[ 0-9a-zA-Z@.-]{0,30}",
        ]
    }

    /// UPN and mail spellings that fold alike, or nearly: letter case, whitespace, non-ASCII.
    fn address() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "u1@contoso.com",
            "U1@contoso.com",
            " u1@contoso.com",
            "u1@contoso.com ",
            "u2@contoso.com",
            "élodie@contoso.com",
            "Élodie@contoso.com",
            "",
            " ",
        ])
        .prop_map(String::from)
    }

    /// Users with the spellings of [`address`], joined by anchor or soft match.
    fn joinable_users() -> impl Strategy<Value = (Vec<TestOnPremUser>, Vec<TestCloudUser>)> {
        let onprem = (address(), proptest::option::of(address()), proptest::option::of(address()))
            .prop_map(|(upn, mail, smtp)| (upn, mail, smtp));
        let cloud = (address(), address(), proptest::option::of(address()), 0..4u128);
        (proptest::collection::vec(onprem, 1..4), proptest::collection::vec(cloud, 1..4)).prop_map(
            |(onprem, cloud)| {
                let onprem = onprem
                    .into_iter()
                    .enumerate()
                    .map(|(i, (upn, mail, smtp))| TestOnPremUser {
                        at: RowRef { line: i as u64 + 2, record: i as u64 + 1 },
                        upn,
                        mail,
                        proxy_addresses: smtp.map(|a| format!("SMTP:{a}")).into_iter().collect(),
                        object_guid: Some(Uuid::from_u128(i as u128 + 1)),
                        ..TestOnPremUser::default()
                    })
                    .collect();
                let cloud = cloud
                    .into_iter()
                    .enumerate()
                    .map(|(c, (upn, mail, smtp, anchor))| TestCloudUser {
                        at: RowRef { line: c as u64 + 2, record: c as u64 + 1 },
                        upn,
                        mail,
                        proxy_addresses: smtp.map(|a| format!("SMTP:{a}")).into_iter().collect(),
                        // 0: no anchor (soft match); else the anchor of on-prem user `anchor - 1`.
                        immutable_id: match anchor {
                            0 => String::new(),
                            n => immutable_id(&Uuid::from_u128(n)),
                        },
                        ..TestCloudUser::default()
                    })
                    .collect();
                (onprem, cloud)
            },
        )
    }

    proptest! {
        /// The GUID-keyed anchor compares exactly as the text does (case-sensitively), and
        /// gives the text back.
        #[test]
        fn anchor_keys_compare_as_their_text(a in anchor_text(), b in anchor_text(), same: bool) {
            let b = if same { a.clone() } else { b };
            let (a, b) = (a, b);
            let (key_a, key_b) = (AnchorKey::of_text(&a), AnchorKey::of_text(&b));
            prop_assert_eq!(key_a.is_none(), a.is_empty());
            prop_assert_eq!(key_a == key_b, a == b);
            let anchor = key_a.map(AnchorKey::to_anchor);
            prop_assert_eq!(anchor.as_deref(), (!a.is_empty()).then_some(a.as_str()));
            prop_assert_eq!(AnchorKey::of_cloud(&a, &classify_anchor(&a)), key_a);
            let upper = a.to_uppercase();
            prop_assert_eq!(AnchorKey::of_text(&upper) == key_a, upper == a);
        }

        /// A join's UPN and mail findings are those of comparing the two users' values, though
        /// the numbers of their keys tell most joins without reading the values.
        #[test]
        fn takeover_findings_compare_the_values((onprem, cloud) in joinable_users()) {
            let report = match_test_users(onprem, cloud, &MatchOptions::default());
            let is_takeover = |f: &Finding| {
                matches!(f, Finding::UpnChanges { .. } | Finding::MailChanges { .. } | Finding::MailCleared { .. })
            };
            for entry in &report.entries {
                let joins = matches!(entry.verdict, Verdict::HardMatch | Verdict::SoftMatch { .. });
                let (Some(i), Some(c), true) = (entry.onprem, entry.cloud, joins) else { continue };
                let mut expected = Vec::new();
                takeover_changes(report.onprem_users.get(i as usize), report.cloud_users.get(c as usize), &mut expected);
                expected.sort_by_key(|f| std::cmp::Reverse(f.severity()));
                let found: Vec<Finding> = entry.findings.iter().filter(|f| is_takeover(f)).cloned().collect();
                prop_assert_eq!(found, expected);
            }
        }

        #[test]
        fn every_row_is_in_exactly_one_entry(
            mut onprem in proptest::collection::vec(onprem_user(), 0..12),
            mut cloud in proptest::collection::vec(cloud_user(), 0..12),
            options in options(),
        ) {
            for (i, u) in onprem.iter_mut().enumerate() { u.at = RowRef { line: i as u64 + 2, record: i as u64 + 1 }; }
            for (i, u) in cloud.iter_mut().enumerate() { u.at = RowRef { line: i as u64 + 2, record: i as u64 + 1 }; }
            let (n_onprem, n_cloud) = (onprem.len(), cloud.len());
            let report = match_test_users(onprem.clone(), cloud.clone(), &options);
            let mut onprem_seen = vec![0u32; n_onprem];
            let mut cloud_seen = vec![0u32; n_cloud];
            for entry in &report.entries {
                prop_assert!(entry.onprem.is_some() || entry.cloud.is_some());
                if let Some(i) = entry.onprem { onprem_seen[i as usize] += 1; }
                if let Some(c) = entry.cloud { cloud_seen[c as usize] += 1; }
                if entry.verdict == Verdict::HardMatch {
                    let c = report.cloud_users.get(entry.cloud.unwrap() as usize);
                    prop_assert_eq!(Some(c.immutable_id()), entry.anchor.as_deref());
                }
                if let Verdict::SoftMatch { .. } = entry.verdict {
                    prop_assert!(report.cloud_users.get(entry.cloud.unwrap() as usize).immutable_id().is_empty());
                }
            }
            prop_assert!(onprem_seen.iter().all(|&n| n == 1), "on-prem rows {:?}", onprem_seen);
            prop_assert!(cloud_seen.iter().all(|&n| n == 1), "cloud rows {:?}", cloud_seen);
            let counts = report.counts();
            prop_assert_eq!(counts.onprem_rows as usize, n_onprem);
            prop_assert_eq!(counts.cloud_rows as usize, n_cloud);
            prop_assert_eq!(counts.by_category.iter().map(|(_, n)| n).sum::<u64>() as usize, report.entries.len());
            // Deterministic: the same input gives the same report.
            prop_assert_eq!(report, match_test_users(onprem, cloud, &options));
        }
    }
}
