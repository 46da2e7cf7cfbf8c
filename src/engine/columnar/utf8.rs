//! A column of strings in Arrow's variable-size binary layout: row `i` is
//! `values[offsets[i]..offsets[i + 1]]`.

use super::{check_offsets, offset, ColumnError, Projection};

/// A column of strings: one values buffer plus `u32` offsets, `len + 1` of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Utf8Column {
    pub(super) values: String,
    pub(super) offsets: Vec<u32>,
}

impl Default for Utf8Column {
    fn default() -> Utf8Column {
        Utf8Column::with_capacity(0, 0)
    }
}

impl Utf8Column {
    /// An empty column with room for `rows` values of `bytes` bytes in all.
    pub fn with_capacity(rows: usize, bytes: usize) -> Utf8Column {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Utf8Column { values: String::with_capacity(bytes), offsets }
    }

    /// A column of `rows` empty values.
    pub fn empty_rows(rows: usize) -> Utf8Column {
        Utf8Column { values: String::new(), offsets: vec![0; rows + 1] }
    }

    /// Makes room for one more value of `bytes` bytes, grown by `growth` when full.
    pub fn reserve(&mut self, bytes: usize, growth: Projection) {
        growth.reserve_text(&mut self.values, bytes);
        growth.reserve(&mut self.offsets, 1);
    }

    /// Appends one row's value.
    pub fn push(&mut self, value: &str) -> Result<(), ColumnError> {
        let end = offset(self.values.len() + value.len())?;
        self.values.push_str(value);
        self.offsets.push(end);
        Ok(())
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `row`'s value, or `None` past the end.
    pub fn get(&self, row: usize) -> Option<&str> {
        let start = *self.offsets.get(row)? as usize;
        let end = *self.offsets.get(row + 1)? as usize;
        // Offsets are checked on every way in (`push`, `from_buffers`), so this slice is on
        // character boundaries.
        self.values.get(start..end)
    }

    /// Every row's value, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.offsets.windows(2).map(|pair| &self.values[pair[0] as usize..pair[1] as usize])
    }

    /// The bytes the column holds in its buffers (its values and offsets).
    pub fn heap_bytes(&self) -> usize {
        self.values.capacity() + self.offsets.capacity() * size_of::<u32>()
    }

    /// The column's two buffers, to hand over to another worker.
    pub fn into_buffers(self) -> (Vec<u8>, Vec<u32>) {
        (self.values.into_bytes(), self.offsets)
    }

    /// A column from buffers another worker handed over, after checking that they form one:
    /// UTF-8 values, offsets from 0 to the end that never decrease and fall on character
    /// boundaries.
    pub fn from_buffers(values: Vec<u8>, offsets: Vec<u32>) -> Result<Utf8Column, ColumnError> {
        let values = String::from_utf8(values)
            .map_err(|_| ColumnError::Damaged("the values are not UTF-8"))?;
        check_offsets(&offsets, values.len())?;
        if !offsets.iter().all(|&at| values.is_char_boundary(at as usize)) {
            return Err(ColumnError::Damaged("an offset splits a character"));
        }
        Ok(Utf8Column { values, offsets })
    }
}

// Test-only: collecting cannot report an overflow, and the core never panics on input.
#[cfg(test)]
impl<'a> FromIterator<&'a str> for Utf8Column {
    /// Collects strings into a column (small test inputs, far under 4 GiB).
    fn from_iter<I: IntoIterator<Item = &'a str>>(values: I) -> Utf8Column {
        let mut column = Utf8Column::default();
        for value in values {
            column.push(value).expect("a column collected from an iterator stays under 4 GiB");
        }
        column
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_back_as_pushed_including_empty_and_multibyte() {
        let column: Utf8Column = ["jane@contoso.com", "", "élodie", "x"].into_iter().collect();
        assert_eq!(column.len(), 4);
        assert_eq!(column.get(1), Some(""));
        assert_eq!(column.get(2), Some("élodie"));
        assert_eq!(column.get(4), None);
        assert_eq!(column.iter().collect::<Vec<_>>(), ["jane@contoso.com", "", "élodie", "x"]);
    }

    #[test]
    fn buffers_round_trip_and_damaged_ones_are_refused() {
        let column: Utf8Column = ["ab", "é", ""].into_iter().collect();
        let (values, offsets) = column.clone().into_buffers();
        assert_eq!(offsets, [0, 2, 4, 4]);
        assert_eq!(Utf8Column::from_buffers(values.clone(), offsets), Ok(column));
        let cases: [(&[u32], &str); 4] = [
            (&[1, 2, 4, 4], "the offsets do not start at 0"),
            (&[0, 2, 4, 3], "the last offset is not the end"),
            (&[0, 3, 2, 4], "an offset is less than the one before"),
            (&[0, 3, 4, 4], "an offset splits a character"),
        ];
        for (offsets, why) in cases {
            let result = Utf8Column::from_buffers(values.clone(), offsets.to_vec());
            assert_eq!(result, Err(ColumnError::Damaged(why)), "{offsets:?}");
        }
        assert_eq!(
            Utf8Column::from_buffers(vec![0xff], vec![0, 1]),
            Err(ColumnError::Damaged("the values are not UTF-8"))
        );
        assert_eq!(
            Utf8Column::from_buffers(Vec::new(), Vec::new()),
            Err(ColumnError::Damaged("the offsets do not start at 0"))
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// A column reads back exactly the strings pushed, and survives a hand-over.
        #[test]
        fn column_is_a_vec_of_strings(values in proptest::collection::vec("[a-zé@. ]{0,8}", 0..40)) {
            let column: Utf8Column = values.iter().map(String::as_str).collect();
            prop_assert_eq!(column.iter().collect::<Vec<_>>(), values.clone());
            for (row, value) in values.iter().enumerate() {
                prop_assert_eq!(column.get(row), Some(value.as_str()));
            }
            let (bytes, offsets) = column.clone().into_buffers();
            prop_assert_eq!(Utf8Column::from_buffers(bytes, offsets), Ok(column));
        }
    }
}
