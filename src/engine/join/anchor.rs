//! The hard-match join: each on-prem user's anchor and each cloud user's ImmutableID, keyed
//! exactly (case included, as Entra compares them), sorted by key on each side and merged.
//!
//! Sort-merge rather than a hash table: at a million users a side, a table of every anchor is
//! far larger than the cache, so each insert and probe is a cache miss; sorting streams the
//! keys, and the merge reads both sides in order. A join may take only the anchors of one
//! [`Part`] of the key hashes: the parts' joins [`AnchorJoin::merge`] into the whole one.

use std::hash::BuildHasher;

use super::partition::Part;
use super::slots::hash32;
use crate::engine::anchor::{AnchorClass, AnchorKey};
use crate::engine::model::AnchorAttribute;
use crate::engine::users::{CloudUsers, OnPremUsers};

/// What the anchors sort by: the GUID's 128 bits, or the text's 64-bit hash (with a bit of its
/// own, so no text sorts with a GUID). Equal keys sort alike; text keys that sort alike are told
/// apart by their text.
fn sort_key(key: AnchorKey) -> SortKey {
    match key {
        AnchorKey::Guid(guid) => {
            let bits = guid.as_u128();
            SortKey { text: false, high: (bits >> 64) as u64, low: bits as u64 }
        }
        AnchorKey::Text(text) => {
            SortKey { text: true, high: rustc_hash::FxBuildHasher.hash_one(text), low: 0 }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct SortKey {
    text: bool,
    high: u64,
    low: u64,
}

/// One side's anchors in key order: (key, position), positions ascending within a key.
pub(crate) struct SortedAnchors(Vec<(SortKey, u32)>);

impl SortedAnchors {
    /// The anchors of a side's users that are in `part`, `None` for a user without one.
    pub(crate) fn new<'a>(
        keys: impl Iterator<Item = Option<AnchorKey<'a>>>,
        part: Part,
    ) -> SortedAnchors {
        let mut sorted: Vec<(SortKey, u32)> = keys
            .enumerate()
            .filter_map(|(position, key)| Some((sort_key(key?), position as u32)))
            .filter(|(key, _)| part == Part::WHOLE || part.holds(hash32(key)))
            .collect();
        // Positions are distinct, so the order is total and the unstable sort deterministic.
        sorted.sort_unstable();
        SortedAnchors(sorted)
    }
}

/// What the anchors say about the two sides, before any other join.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct AnchorJoin {
    /// For each cloud user, the first on-prem user (in file order) holding its anchor.
    pub(crate) holders: Vec<Option<u32>>,
    /// The on-prem users of each anchor several hold, each group and the groups in file order.
    pub(crate) onprem_groups: Vec<Vec<u32>>,
    /// The cloud users of each anchor several hold and no on-prem user does, in file order.
    pub(crate) unheld_cloud_groups: Vec<Vec<u32>>,
}

/// The hard-match join of the two sides' anchors in `part`: each side's sorted, then merged.
/// `classes` are the cloud users' ImmutableIDs classified
/// ([`crate::engine::anchor::classify_anchor`]).
pub(crate) fn anchor_join(
    onprem: &OnPremUsers,
    cloud: &CloudUsers,
    classes: &[AnchorClass],
    attribute: &AnchorAttribute,
    part: Part,
) -> AnchorJoin {
    let onprem_key = |i: u32| AnchorKey::onprem(onprem.get(i as usize), attribute);
    let cloud_key = |c: u32| {
        let c = c as usize;
        AnchorKey::of_cloud(cloud.get(c).immutable_id(), &classes[c])
    };
    let onprem_sorted = SortedAnchors::new((0..onprem.len() as u32).map(onprem_key), part);
    let cloud_sorted = SortedAnchors::new((0..cloud.len() as u32).map(cloud_key), part);
    join_anchors(&onprem_sorted, &cloud_sorted, cloud.len(), onprem_key, cloud_key)
}

/// Merges the two sides' sorted anchors. `onprem_key` and `cloud_key` give a user's key again,
/// to tell apart text keys whose hashes collide (GUID keys are their own sort key).
pub(crate) fn join_anchors<'a>(
    onprem: &SortedAnchors,
    cloud: &SortedAnchors,
    cloud_users: usize,
    onprem_key: impl Fn(u32) -> Option<AnchorKey<'a>>,
    cloud_key: impl Fn(u32) -> Option<AnchorKey<'a>>,
) -> AnchorJoin {
    let mut join = AnchorJoin { holders: vec![None; cloud_users], ..AnchorJoin::default() };
    let (on, cl) = (&onprem.0[..], &cloud.0[..]);
    let (mut a, mut b) = (0, 0);
    while a < on.len() || b < cl.len() {
        let key = match (on.get(a), cl.get(b)) {
            (Some(p), Some(c)) => p.0.min(c.0),
            (Some(p), None) => p.0,
            (None, Some(c)) => c.0,
            (None, None) => break,
        };
        let run = |side: &[(SortKey, u32)], from: usize| {
            from + side[from..].iter().take_while(|(k, _)| *k == key).count()
        };
        let (a_end, b_end) = (run(on, a), run(cl, b));
        let positions = |run: &[(SortKey, u32)]| run.iter().map(|&(_, p)| p).collect::<Vec<_>>();
        let (run_on, run_cl) = (positions(&on[a..a_end]), positions(&cl[b..b_end]));
        if key.text && run_on.len() + run_cl.len() > 1 {
            for (held, holding) in split_by_text(run_on, run_cl, &onprem_key, &cloud_key) {
                join.add(held, holding);
            }
        } else {
            join.add(run_on, run_cl);
        }
        (a, b) = (a_end, b_end);
    }
    join.onprem_groups.sort_unstable();
    join.unheld_cloud_groups.sort_unstable();
    join
}

impl AnchorJoin {
    /// The joins of every part of the anchors, as one: each cloud user's holder is found in
    /// its anchor's part, and each group is in one part.
    pub(crate) fn merge(parts: Vec<AnchorJoin>) -> AnchorJoin {
        let mut parts = parts.into_iter();
        let mut join = parts.next().unwrap_or_default();
        for part in parts {
            for (holder, found) in join.holders.iter_mut().zip(part.holders) {
                *holder = holder.or(found);
            }
            join.onprem_groups.extend(part.onprem_groups);
            join.unheld_cloud_groups.extend(part.unheld_cloud_groups);
        }
        join.onprem_groups.sort_unstable();
        join.unheld_cloud_groups.sort_unstable();
        join
    }

    /// One anchor's holders on each side, in file order.
    fn add(&mut self, onprem: Vec<u32>, cloud: Vec<u32>) {
        match onprem.first() {
            Some(&first) => {
                for &c in &cloud {
                    self.holders[c as usize] = Some(first);
                }
                if onprem.len() > 1 {
                    self.onprem_groups.push(onprem);
                }
            }
            None if cloud.len() > 1 => self.unheld_cloud_groups.push(cloud),
            None => {}
        }
    }
}

/// The users of a run of text keys with one hash, by text: each text's on-prem and cloud
/// users, in file order (a run is nearly always one text).
fn split_by_text<'a>(
    onprem: Vec<u32>,
    cloud: Vec<u32>,
    onprem_key: &impl Fn(u32) -> Option<AnchorKey<'a>>,
    cloud_key: &impl Fn(u32) -> Option<AnchorKey<'a>>,
) -> Vec<(Vec<u32>, Vec<u32>)> {
    let mut texts: Vec<(Option<AnchorKey<'a>>, Vec<u32>, Vec<u32>)> = Vec::new();
    let mut class = |key: Option<AnchorKey<'a>>| match texts.iter().position(|(k, ..)| *k == key) {
        Some(at) => at,
        None => {
            texts.push((key, Vec::new(), Vec::new()));
            texts.len() - 1
        }
    };
    let (onprem_classes, cloud_classes): (Vec<usize>, Vec<usize>) = (
        onprem.iter().map(|&i| class(onprem_key(i))).collect(),
        cloud.iter().map(|&c| class(cloud_key(c))).collect(),
    );
    for (i, at) in onprem.into_iter().zip(onprem_classes) {
        texts[at].1.push(i);
    }
    for (c, at) in cloud.into_iter().zip(cloud_classes) {
        texts[at].2.push(c);
    }
    texts.into_iter().map(|(_, held, holding)| (held, holding)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    /// The join as a map from each key to its holders would give it.
    pub(super) fn by_map(onprem: &[Option<AnchorKey>], cloud: &[Option<AnchorKey>]) -> AnchorJoin {
        let holders_of = |side: &[Option<AnchorKey>], key| -> Vec<u32> {
            (0..side.len() as u32).filter(|&i| side[i as usize] == Some(key)).collect()
        };
        let mut join = AnchorJoin { holders: vec![None; cloud.len()], ..AnchorJoin::default() };
        let mut keys: Vec<AnchorKey> = onprem.iter().chain(cloud).flatten().copied().collect();
        keys.dedup();
        let mut seen: Vec<AnchorKey> = Vec::new();
        for key in keys {
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            join.add(holders_of(onprem, key), holders_of(cloud, key));
        }
        join.onprem_groups.sort_unstable();
        join.unheld_cloud_groups.sort_unstable();
        join
    }

    pub(super) fn merged(onprem: &[Option<AnchorKey>], cloud: &[Option<AnchorKey>]) -> AnchorJoin {
        merged_in(Part::WHOLE, onprem, cloud)
    }

    /// The sort-merge join of the keys in `part`.
    pub(super) fn merged_in(
        part: Part,
        onprem: &[Option<AnchorKey>],
        cloud: &[Option<AnchorKey>],
    ) -> AnchorJoin {
        join_anchors(
            &SortedAnchors::new(onprem.iter().copied(), part),
            &SortedAnchors::new(cloud.iter().copied(), part),
            cloud.len(),
            |i| onprem[i as usize],
            |c| cloud[c as usize],
        )
    }

    #[test]
    fn holders_groups_and_unheld_duplicates() {
        let g = |n: u128| Some(AnchorKey::Guid(Uuid::from_u128(n)));
        let t = |s: &'static str| Some(AnchorKey::Text(s));
        let onprem = [g(1), g(2), g(1), None, t("E1"), g(3), t("E1")];
        let cloud = [g(1), t("x"), g(2), t("x"), g(9), t("E1"), None, g(1)];
        let join = merged(&onprem, &cloud);
        assert_eq!(join.holders, [Some(0), None, Some(1), None, None, Some(4), None, Some(0)]);
        assert_eq!(join.onprem_groups, [vec![0, 2], vec![4, 6]]);
        assert_eq!(join.unheld_cloud_groups, [vec![1, 3]]);
        assert_eq!(join, by_map(&onprem, &cloud));
    }

    #[test]
    fn texts_whose_hashes_collide_stay_apart() {
        // A run of one sort key with two texts: what a hash collision gives the merge.
        let (onprem, cloud) = (
            [Some(AnchorKey::Text("a")), Some(AnchorKey::Text("b"))],
            [Some(AnchorKey::Text("b"))],
        );
        let split =
            split_by_text(vec![0, 1], vec![0], &|i| onprem[i as usize], &|c| cloud[c as usize]);
        assert_eq!(split, [(vec![0], vec![]), (vec![1], vec![0])]);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use proptest::prelude::*;

    use super::tests::{by_map, merged, merged_in};
    use super::*;
    use uuid::Uuid;

    const TEXTS: [&str; 4] = ["E1", "e1", "x", "E1 "];

    /// Few keys, so that they repeat: GUIDs, texts, and users without an anchor.
    fn key() -> impl Strategy<Value = Option<(bool, u8)>> {
        proptest::option::weighted(0.9, (any::<bool>(), 0..4u8))
    }

    fn keys(spec: &[Option<(bool, u8)>]) -> Vec<Option<AnchorKey<'static>>> {
        let key = |&(guid, n): &(bool, u8)| match guid {
            true => AnchorKey::Guid(Uuid::from_u128(u128::from(n) << 70 | 1)),
            false => AnchorKey::Text(TEXTS[usize::from(n)]),
        };
        spec.iter().map(|k| k.as_ref().map(key)).collect()
    }

    proptest! {
        /// The merge gives what a map of every key to its holders gives.
        #[test]
        fn the_merge_is_the_map_join(
            onprem in proptest::collection::vec(key(), 0..40),
            cloud in proptest::collection::vec(key(), 0..40),
        ) {
            let (onprem, cloud) = (keys(&onprem), keys(&cloud));
            prop_assert_eq!(merged(&onprem, &cloud), by_map(&onprem, &cloud));
        }

        /// The joins of each part of the keys, merged, are the join of them all.
        #[test]
        fn the_parts_merged_are_the_whole_join(
            onprem in proptest::collection::vec(key(), 0..40),
            cloud in proptest::collection::vec(key(), 0..40),
            count in 2..5u32,
        ) {
            let (onprem, cloud) = (keys(&onprem), keys(&cloud));
            let parts = Part::all(count).map(|part| merged_in(part, &onprem, &cloud)).collect();
            prop_assert_eq!(AnchorJoin::merge(parts), merged(&onprem, &cloud));
        }
    }
}
