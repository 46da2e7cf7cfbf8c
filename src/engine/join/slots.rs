//! The open-addressing hash table the key numbering and the lookups by GUID and value use.

use std::hash::Hash;

/// How many keys go in a batch whose slots are read before any is looked up (see
/// [`super::keys::Interner::numbers`]): enough for the processor to wait for many at once, few enough
/// that they are still in cache when looked up.
pub(crate) const BATCH: usize = 16;

/// A hash table of open addressing with linear probing, over slots that hold the entries
/// themselves: a lookup reads one slot, where a general map reads a control group and then a
/// bucket, two places far apart once a million keys are in it. A power of two of slots, at
/// most three quarters full (linear probing slows past that).
pub(crate) struct Slots<T> {
    slots: Vec<Option<T>>,
    len: usize,
}

impl<T> Slots<T> {
    /// A table for `capacity` entries without growing.
    pub(crate) fn with_capacity(capacity: usize) -> Slots<T> {
        Slots::empty((capacity + capacity / 3 + 1).next_power_of_two().max(8))
    }

    /// A table of `count` empty slots (a power of two).
    pub(crate) fn empty(count: usize) -> Slots<T> {
        Slots { slots: std::iter::repeat_with(|| None).take(count).collect(), len: 0 }
    }

    /// The slot a search for `hash` starts at.
    pub(crate) fn first(&self, hash: u32) -> Option<&T> {
        self.slots[hash as usize & (self.slots.len() - 1)].as_ref()
    }

    /// The entry of `hash` that `is` picks, or the empty slot where it goes.
    pub(crate) fn find(&self, hash: u32, is: impl Fn(&T) -> bool) -> Result<&T, usize> {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            match &self.slots[at] {
                None => return Err(at),
                Some(entry) if is(entry) => return Ok(entry),
                Some(_) => at = (at + 1) & mask,
            }
        }
    }

    /// Puts `entry` in the empty slot `at` that [`Slots::find`] gave. Growing places the
    /// entries by `hash_of`.
    pub(crate) fn insert(&mut self, at: usize, entry: T, hash_of: impl Fn(&T) -> u32) {
        self.slots[at] = Some(entry);
        self.len += 1;
        if self.len > self.slots.len() / 4 * 3 {
            let mut grown = Slots::empty(self.slots.len() * 2);
            for entry in std::mem::take(&mut self.slots).into_iter().flatten() {
                let Err(at) = grown.find(hash_of(&entry), |_| false) else { unreachable!() };
                grown.slots[at] = Some(entry);
            }
            self.slots = grown.slots;
        }
    }

    /// How many entries there are.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How many slots there are, full or empty.
    #[cfg(test)]
    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }
}

/// A key's hash: FxHash folded to the 32 bits a slot keeps (all a table under 4 billion slots
/// can use, on either word size).
pub(crate) fn hash32<K: Hash + ?Sized>(key: &K) -> u32 {
    let hash = std::hash::BuildHasher::hash_one(&rustc_hash::FxBuildHasher, key);
    (hash ^ (hash >> 32)) as u32
}
