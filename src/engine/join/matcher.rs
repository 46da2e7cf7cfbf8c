//! The passes that give each user its verdict, in Entra Connect's order: rows sharing an
//! anchor, hard match, soft match, then the same person behind another anchor, and last the
//! on-prem users nothing joined.

use rustc_hash::FxHashSet as HashSet;
use uuid::Uuid;

use super::anchor::AnchorJoin;
use super::findings::is_hyphenated_guid;
use super::key_index::KeyIndex;
use super::keys::{Holders, SideKeys, NO_USER};
use super::onprem_index::{OnPremIndex, Sought};
use super::relation::{big_endian, relation};
use super::roles::CloudRoles;
use super::slots::hash32;
use super::MatchOptions;
use crate::engine::anchor::AnchorClass;
use crate::engine::model::fold_cow;
use crate::engine::report::{AnchorRelation, BlockCause, PersonKey, SoftMatchKey, Verdict};
use crate::engine::users::{CloudUsers, OnPremUsers};
use crate::engine::Side;

pub(super) struct Matcher<'a> {
    options: &'a MatchOptions,
    onprem: &'a OnPremUsers,
    cloud: &'a CloudUsers,
    /// Each cloud user's [`classify_anchor`](crate::engine::anchor::classify_anchor).
    cloud_classes: &'a [AnchorClass],
    onprem_keys: &'a SideKeys,
    cloud_keys: &'a SideKeys,
    roles: &'a CloudRoles,
    index: OnPremIndex<'a>,
    /// For each cloud user, the first on-prem user holding its anchor, or [`NO_USER`].
    anchor_holder: Vec<u32>,
    onprem_claimed: Vec<bool>,
    cloud_done: Vec<bool>,
    verdicts: Verdicts,
}

/// The verdicts given, from which the entries are made once all are known: each cloud user's
/// (with the on-prem user it is paired with), and those of the on-prem users without one.
pub(super) struct Verdicts {
    pub(super) cloud: Vec<Option<(Verdict, Option<u32>)>>,
    pub(super) onprem_alone: Vec<(u32, Verdict)>,
}

impl<'a> Matcher<'a> {
    pub(super) fn new(
        options: &'a MatchOptions,
        (onprem, cloud): (&'a OnPremUsers, &'a CloudUsers),
        cloud_classes: &'a [AnchorClass],
        (onprem_keys, cloud_keys): (&'a SideKeys, &'a SideKeys),
        roles: &'a CloudRoles,
    ) -> Matcher<'a> {
        Matcher {
            options,
            onprem,
            cloud,
            cloud_classes,
            onprem_keys,
            cloud_keys,
            roles,
            index: OnPremIndex::new(onprem),
            anchor_holder: vec![NO_USER; cloud.len()],
            onprem_claimed: vec![false; onprem.len()],
            cloud_done: vec![false; cloud.len()],
            verdicts: Verdicts { cloud: vec![None; cloud.len()], onprem_alone: Vec::new() },
        }
    }

    /// Every user's verdict, pass by pass in the engine's order: the anchor join's duplicates,
    /// hard matches, soft matches, then what is left of each side.
    pub(super) fn verdicts(mut self, anchors: AnchorJoin) -> Verdicts {
        self.duplicate_anchors(anchors);
        self.hard_matches();
        self.soft_matches();
        self.mismatches_and_orphans();
        self.onprem_only();
        self.verdicts
    }

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

    /// Hard match: the cloud ImmutableID equals the on-prem anchor, case-sensitively, unless
    /// Entra refuses to take the cloud user over.
    fn hard_matches(&mut self) {
        for c in 0..self.cloud.len() as u32 {
            if self.cloud_done[c as usize] {
                continue;
            }
            let i = self.anchor_holder[c as usize];
            if i != NO_USER && !self.onprem_claimed[i as usize] {
                let verdict = match self.hard_match_block(i, c) {
                    Some(cause) => Verdict::HardMatchBlocked { cause },
                    None => Verdict::HardMatch,
                };
                self.push(verdict, Some(i), Some(c));
            }
        }
    }

    /// Why Entra refuses the hard match of on-prem user `i` to cloud user `c`, in the order
    /// of [`BlockCause`].
    fn hard_match_block(&self, i: u32, c: u32) -> Option<BlockCause> {
        let user = self.cloud.get(c as usize);
        let identifier = user.on_premises_object_identifier().trim();
        let guid = || self.onprem.get(i as usize).object_guid();
        if !identifier.is_empty() && !is_hyphenated_guid(identifier, guid()) {
            return Some(BlockCause::TiedToOtherObject);
        }
        self.roles.blocks_hard_match(c).or_else(|| {
            let cloud_managed = user.synced() == Some(false);
            (self.options.block_cloud_takeover && cloud_managed)
                .then_some(BlockCause::TakeoverSwitch)
        })
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
                    let verdict = match self.roles.blocks_soft_match(c) {
                        true => Verdict::SoftMatchBlocked { by },
                        false => Verdict::SoftMatch { by },
                    };
                    self.push(verdict, Some(i as u32), Some(c));
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
            keys: HashSet::default(),
            key_hashes: HashSet::default(),
        };
        let cloud = self.cloud;
        for (c, user) in cloud.iter().enumerate().filter(|&(c, _)| !self.cloud_done[c]) {
            if let Some(guid) = self.cloud_classes[c].trimmed_guid() {
                sought.guids.extend([guid, big_endian(guid)]);
            }
            if !user.immutable_id().is_empty() {
                sought.values.insert(user.immutable_id());
                let key = fold_cow(user.immutable_id());
                if !key.is_empty() {
                    sought.key_hashes.insert(hash32(&*key));
                    sought.keys.insert(key);
                }
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
        let guid = class.trimmed_guid()?;
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
        let by_key =
            self.index.by_key(sought, holders).get(&*fold_cow(value)).and_then(|&number| {
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
