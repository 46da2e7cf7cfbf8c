//! A hash index from key to the positions holding it, for the few lookups the joins leave.

use std::borrow::Borrow;
use std::hash::Hash;

use rustc_hash::FxHashMap as HashMap;

use super::slots::{hash32, Slots};

/// Positions by key. Most keys belong to one user, so the first position is kept in the table
/// itself and only keys held by several users get a list: no allocation per key.
pub(super) struct KeyIndex<K> {
    first: Slots<(K, u32)>,
    repeated: HashMap<K, Vec<u32>>,
}

impl<K: Hash + Eq + Copy> KeyIndex<K> {
    pub(super) fn with_capacity(capacity: usize) -> KeyIndex<K> {
        KeyIndex { first: Slots::with_capacity(capacity), repeated: HashMap::default() }
    }

    pub(super) fn insert(&mut self, key: K, position: u32) {
        match self.first.find(hash32(&key), |(k, _)| *k == key) {
            Err(at) => self.first.insert(at, (key, position), |(k, _)| hash32(k)),
            Ok(&(_, first)) => {
                self.repeated.entry(key).or_insert_with(|| vec![first]).push(position)
            }
        }
    }

    /// Every position holding `key`, in the order they were inserted.
    pub(super) fn get<Q>(&self, key: &Q) -> &[u32]
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
