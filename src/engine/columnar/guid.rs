//! A column of optional GUIDs: 16 bytes a row (zero where absent) and a validity bitmap, as
//! Arrow lays out a nullable fixed-size binary array.

use uuid::Uuid;

use super::{ColumnError, Projection};

/// One optional GUID per row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuidColumn {
    bytes: Vec<u8>,
    /// Bit `i % 64` of word `i / 64` is set where row `i` has a GUID.
    valid: Vec<u64>,
}

impl GuidColumn {
    /// An empty column with room for `rows` GUIDs.
    pub fn with_capacity(rows: usize) -> GuidColumn {
        GuidColumn {
            bytes: Vec::with_capacity(rows * 16),
            valid: Vec::with_capacity(rows / 64 + 1),
        }
    }

    /// Makes room for one more row, grown by `growth` when full.
    pub fn reserve(&mut self, growth: Projection) {
        growth.reserve(&mut self.bytes, 16);
        growth.reserve(&mut self.valid, 1);
    }

    /// Appends one row's GUID, or its absence.
    pub fn push(&mut self, guid: Option<Uuid>) {
        let row = self.len();
        if row.is_multiple_of(64) {
            self.valid.push(0);
        }
        if guid.is_some() {
            self.valid[row / 64] |= 1 << (row % 64);
        }
        self.bytes.extend_from_slice(guid.unwrap_or_default().as_bytes());
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.bytes.len() / 16
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Row `row`'s GUID: `None` where absent or past the end.
    pub fn get(&self, row: usize) -> Option<Uuid> {
        let word = *self.valid.get(row / 64)?;
        if word & (1 << (row % 64)) == 0 {
            return None;
        }
        let bytes = self.bytes.get(row * 16..row * 16 + 16)?;
        Uuid::from_slice(bytes).ok()
    }

    /// The column's two buffers (the GUIDs' bytes, the validity words), to hand over.
    pub fn into_buffers(self) -> (Vec<u8>, Vec<u64>) {
        (self.bytes, self.valid)
    }

    /// A column from handed-over buffers, after checking that they agree on the row count.
    pub fn from_buffers(bytes: Vec<u8>, valid: Vec<u64>) -> Result<GuidColumn, ColumnError> {
        if !bytes.len().is_multiple_of(16) {
            return Err(ColumnError::Damaged("the GUID bytes are not 16 a row"));
        }
        let rows = bytes.len() / 16;
        if valid.len() != rows.div_ceil(64) {
            return Err(ColumnError::Damaged("the validity bitmap is not one bit a row"));
        }
        let spare = valid.last().map_or(0, |&word| match rows % 64 {
            0 => 0,
            used => word >> used,
        });
        if spare != 0 {
            return Err(ColumnError::Damaged("the validity bitmap marks rows past the end"));
        }
        Ok(GuidColumn { bytes, valid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guid(text: &str) -> Uuid {
        Uuid::parse_str(text).unwrap()
    }

    #[test]
    fn rows_read_back_present_or_absent_across_bitmap_words() {
        let a = guid("35918bc9-196d-40ea-9779-889d79b753f0");
        let mut column = GuidColumn::with_capacity(0);
        let rows: Vec<Option<Uuid>> = (0..130).map(|row| (row % 3 == 0).then_some(a)).collect();
        for &row in &rows {
            column.push(row);
        }
        assert_eq!(column.len(), 130);
        assert_eq!((0..130).map(|row| column.get(row)).collect::<Vec<_>>(), rows);
        assert_eq!(column.get(130), None);
        // The nil GUID is a value, not an absence.
        column.push(Some(Uuid::nil()));
        assert_eq!(column.get(130), Some(Uuid::nil()));
    }

    #[test]
    fn buffers_round_trip_and_disagreeing_ones_are_refused() {
        let mut column = GuidColumn::default();
        column.push(Some(guid("35918bc9-196d-40ea-9779-889d79b753f0")));
        column.push(None);
        let (bytes, valid) = column.clone().into_buffers();
        assert_eq!(GuidColumn::from_buffers(bytes.clone(), valid.clone()), Ok(column));
        let damaged = |bytes: Vec<u8>, valid: Vec<u64>| GuidColumn::from_buffers(bytes, valid);
        assert_eq!(
            damaged(bytes[..17].to_vec(), valid.clone()),
            Err(ColumnError::Damaged("the GUID bytes are not 16 a row"))
        );
        assert_eq!(
            damaged(bytes.clone(), vec![1, 0]),
            Err(ColumnError::Damaged("the validity bitmap is not one bit a row"))
        );
        assert_eq!(
            damaged(bytes, vec![0b101]),
            Err(ColumnError::Damaged("the validity bitmap marks rows past the end"))
        );
    }
}
