//! A column of strings that repeat, in Arrow's dictionary layout: each distinct value once, in a
//! values column, and a `u32` key a row.

use std::hash::BuildHasher;

use rustc_hash::{FxBuildHasher, FxHashMap};

use super::{offset, ColumnError, Projection, Utf8Column};

/// One string a row, each distinct string stored once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DictionaryColumn {
    keys: Vec<u32>,
    values: Utf8Column,
    /// A value's hash to its key, for the values pushed so far. Values whose hashes collide
    /// after the first are stored again (still correct, only less compact), so the map holds
    /// no text of its own.
    by_hash: FxHashMap<u64, u32>,
}

impl DictionaryColumn {
    /// Makes room for one more row, grown by `growth` when full.
    pub fn reserve(&mut self, growth: Projection) {
        growth.reserve(&mut self.keys, 1);
    }

    /// Appends one row's value.
    pub fn push(&mut self, value: &str) -> Result<(), ColumnError> {
        let hash = FxBuildHasher.hash_one(value);
        let known = self.by_hash.get(&hash).copied();
        let key = match known {
            Some(key) if self.values.get(key as usize) == Some(value) => key,
            _ => {
                let key = offset(self.values.len())?;
                self.values.push(value)?;
                self.by_hash.entry(hash).or_insert(key);
                key
            }
        };
        self.keys.push(key);
        Ok(())
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Row `row`'s value, or `None` past the end.
    pub fn get(&self, row: usize) -> Option<&str> {
        self.values.get(*self.keys.get(row)? as usize)
    }

    /// How many distinct values are stored.
    pub fn distinct(&self) -> usize {
        self.values.len()
    }

    /// A column of `rows` empty values.
    pub fn empty_rows(rows: usize) -> DictionaryColumn {
        let mut column = DictionaryColumn::default();
        if rows > 0 {
            // One empty value, which every row's key points at.
            let _ = column.push("");
            column.keys = vec![0; rows];
        }
        column
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_values_are_stored_once() {
        let mut column = DictionaryColumn::default();
        for value in ["OU=Staff,DC=x", "", "OU=Staff,DC=x", "OU=Guests,DC=x", ""] {
            column.push(value).unwrap();
        }
        assert_eq!(column.len(), 5);
        assert_eq!(column.distinct(), 3);
        let back: Vec<_> = (0..5).map(|i| column.get(i).unwrap()).collect();
        assert_eq!(back, ["OU=Staff,DC=x", "", "OU=Staff,DC=x", "OU=Guests,DC=x", ""]);
        assert_eq!(column.get(5), None);
        let empty = DictionaryColumn::empty_rows(3);
        assert_eq!((empty.len(), empty.get(2), empty.distinct()), (3, Some(""), 1));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;

    proptest::proptest! {
        #[test]
        fn column_is_a_vec_of_strings(values in proptest::collection::vec("[ab,]{0,3}", 0..60)) {
            let mut column = DictionaryColumn::default();
            for value in &values {
                column.push(value).unwrap();
            }
            let back: Vec<&str> = (0..column.len()).map(|i| column.get(i).unwrap()).collect();
            proptest::prop_assert_eq!(back, values.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
