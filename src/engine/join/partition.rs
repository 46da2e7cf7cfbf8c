//! The join's key work split by key hash, so that it runs on both cores: the CLI's two threads,
//! or two browser workers, which share no memory.
//!
//! A part takes, from both sides, the anchors and the UPN and address keys whose hash falls in
//! it. No key is in two parts, so a part's anchor join and key numbering are the whole run's for
//! its keys, and [`merge`] puts the parts together into exactly what one part holding every key
//! gives: the same groups, holders and key numbers.

use std::borrow::Cow;

use super::anchor::{anchor_join, AnchorJoin};
use super::keys::{Interner, KeyHashes, KeyNumbers, KeyedUsers, SideKeys, NO_KEY};
use crate::engine::anchor::AnchorClass;
use crate::engine::concurrent::both;
use crate::engine::model::AnchorAttribute;
use crate::engine::users::{CloudUsers, OnPremUsers};

/// One of `count` parts of the key hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Part {
    index: u32,
    count: u32,
}

impl Part {
    /// The one part that holds every key.
    pub(crate) const WHOLE: Part = Part { index: 0, count: 1 };

    /// The `count` parts (at least one).
    pub(crate) fn all(count: u32) -> impl Iterator<Item = Part> {
        let count = count.max(1);
        (0..count).map(move |index| Part { index, count })
    }

    /// The part a key of `hash` is in: multiply-shift, which reads the hash's high bits (the
    /// hash tables index by its low bits, so each part's table still spreads its keys).
    fn of(hash: u32, count: u32) -> u32 {
        ((u64::from(hash) * u64::from(count)) >> 32) as u32
    }

    pub(crate) fn holds(self, hash: u32) -> bool {
        Part::of(hash, self.count) == self.index
    }
}

/// What one part finds of its keys.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PartWork {
    /// The anchor join of the part's anchors.
    pub(crate) anchors: AnchorJoin,
    /// The part's numbers of its UPN and address keys, from 1, as both sides hold them: the
    /// on-prem users first, each user's UPN key before its own SMTP key.
    pub(crate) numbers: Vec<u32>,
    /// How many numbers the part gave, [`NO_KEY`] included.
    pub(crate) count: u32,
}

/// One part's anchor join and key numbering. `hashes` are each side's [`KeyHashes::of_side`].
pub(crate) fn part_work(
    part: Part,
    (onprem, cloud): (&OnPremUsers, &CloudUsers),
    cloud_classes: &[AnchorClass],
    attribute: &AnchorAttribute,
    (onprem_hashes, cloud_hashes): (&[KeyHashes], &[KeyHashes]),
) -> PartWork {
    let anchors = anchor_join(onprem, cloud, cloud_classes, attribute, part);
    let mut interner = Interner::with_capacity(onprem.len() / part.count as usize);
    let keys = keys_in(part, onprem, onprem_hashes).chain(keys_in(part, cloud, cloud_hashes));
    let numbers = interner.numbers(keys);
    PartWork { anchors, numbers, count: interner.len() as u32 }
}

/// The keys of a side's users that are in `part`, in order, with their hashes: only these
/// texts are read.
fn keys_in<'u>(
    part: Part,
    users: &'u impl KeyedUsers,
    hashes: &'u [KeyHashes],
) -> impl Iterator<Item = (Cow<'u, str>, u32)> + 'u {
    hashes.iter().enumerate().flat_map(move |(position, hashes)| {
        let upn = hashes.upn().filter(|&hash| part.holds(hash));
        let smtp = hashes.own_smtp().filter(|&hash| part.holds(hash));
        let upn = upn.map(|hash| (users.upn_key(position), hash));
        upn.into_iter().chain(smtp.map(|hash| (users.smtp_key(position), hash)))
    })
}

/// The join's key work with every part merged.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct KeyWork {
    pub(crate) anchors: AnchorJoin,
    pub(crate) onprem_keys: SideKeys,
    pub(crate) cloud_keys: SideKeys,
}

/// The parts' work (all of them, in part order) merged: the anchor joins' holders and groups
/// together, and each key numbered by its first holder across both sides, as one interner over
/// every key numbers them.
pub(crate) fn merge(
    parts: Vec<PartWork>,
    (onprem_hashes, cloud_hashes): (Vec<KeyHashes>, Vec<KeyHashes>),
) -> KeyWork {
    let counts: Vec<u32> = parts.iter().map(|part| part.count).collect();
    let mut numbering = Numbering::new(&counts);
    let (anchors, numbers): (Vec<AnchorJoin>, Vec<Vec<u32>>) =
        parts.into_iter().map(|part| (part.anchors, part.numbers)).unzip();
    let mut numbers: Vec<_> = numbers.into_iter().map(Vec::into_iter).collect();
    let mut side = |hashes: &[KeyHashes]| -> Vec<KeyNumbers> {
        let mut number = |hash: Option<u32>| match hash {
            None => NO_KEY,
            Some(hash) => {
                let part = Part::of(hash, numbering.parts()) as usize;
                // Each part numbered exactly its keys, in this order.
                numbering.number(part, numbers[part].next().unwrap_or(NO_KEY))
            }
        };
        let numbers_of = |h: &KeyHashes| {
            let upn = number(h.upn());
            h.numbers(upn, number(h.own_smtp()))
        };
        hashes.iter().map(numbers_of).collect()
    };
    let (onprem_numbers, cloud_numbers) = (side(&onprem_hashes), side(&cloud_hashes));
    let count = numbering.count();
    KeyWork {
        anchors: AnchorJoin::merge(anchors),
        onprem_keys: SideKeys::new(onprem_hashes, onprem_numbers, count),
        cloud_keys: SideKeys::new(cloud_hashes, cloud_numbers, count),
    }
}

/// The whole run's key numbers from the parts': a part's number is given the next whole-run
/// number when its key is first met. One part's numbers are the whole run's already.
enum Numbering {
    Whole {
        count: u32,
    },
    Parts {
        /// For each part, the whole-run number of each of its numbers ([`NO_KEY`]: not met
        /// yet).
        global: Vec<Vec<u32>>,
        next: u32,
    },
}

impl Numbering {
    fn new(counts: &[u32]) -> Numbering {
        match counts {
            [count] => Numbering::Whole { count: *count },
            _ => Numbering::Parts {
                global: counts.iter().map(|&count| vec![NO_KEY; count as usize]).collect(),
                next: NO_KEY + 1,
            },
        }
    }

    fn parts(&self) -> u32 {
        match self {
            Numbering::Whole { .. } => 1,
            Numbering::Parts { global, .. } => global.len() as u32,
        }
    }

    fn number(&mut self, part: usize, local: u32) -> u32 {
        match self {
            Numbering::Whole { .. } => local,
            Numbering::Parts { global, next } => match global[part].get_mut(local as usize) {
                Some(number) if *number == NO_KEY && local != NO_KEY => {
                    *number = *next;
                    *next += 1;
                    *number
                }
                Some(number) => *number,
                None => NO_KEY,
            },
        }
    }

    /// How many numbers there are, [`NO_KEY`] included.
    fn count(&self) -> usize {
        match self {
            Numbering::Whole { count } => *count as usize,
            Numbering::Parts { next, .. } => *next as usize,
        }
    }
}

/// The join's key work in `parts` parts: each side's keys hashed, then the parts, two at once
/// where there are threads ([`both`]), then merged.
pub(crate) fn key_work(
    sides: (&OnPremUsers, &CloudUsers),
    cloud_classes: &[AnchorClass],
    attribute: &AnchorAttribute,
    parts: u32,
) -> KeyWork {
    let hashes = both(|| KeyHashes::of_side(sides.0), || KeyHashes::of_side(sides.1));
    let work = |part| part_work(part, sides, cloud_classes, attribute, (&hashes.0, &hashes.1));
    let mut all = Part::all(parts);
    let works = match (all.next(), all.next(), all.next()) {
        (Some(first), Some(second), None) => {
            let (first, second) = both(|| work(first), || work(second));
            vec![first, second]
        }
        _ => Part::all(parts).map(work).collect(),
    };
    merge(works, hashes)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The parts cover every hash, once.
        #[test]
        fn every_hash_is_in_one_part(hash: u32, count in 1..9u32) {
            prop_assert_eq!(Part::all(count).filter(|part| part.holds(hash)).count(), 1);
            prop_assert!(Part::WHOLE.holds(hash));
        }
    }

    #[test]
    fn parts_take_the_high_bits() {
        let [low, high] = [Part { index: 0, count: 2 }, Part { index: 1, count: 2 }];
        assert!(low.holds(0x7fff_ffff) && high.holds(0x8000_0000));
        assert!(low.holds(0x0000_ffff), "the low bits do not choose the part");
    }
}
