//! A column of string lists (a user's proxy addresses): one [`Utf8Column`] of every row's items
//! in order, and row offsets into it, as Arrow lays out a list array.

use super::{check_offsets, offset, ColumnError, Projection, Utf8Column};

/// A list of strings per row: row `i` is `items[offsets[i]..offsets[i + 1]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Utf8ListColumn {
    items: Utf8Column,
    offsets: ListOffsets,
}

/// Row offsets into the items; a newtype so that an empty column still has its leading 0.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ListOffsets(Vec<u32>);

impl Default for ListOffsets {
    fn default() -> ListOffsets {
        ListOffsets(vec![0])
    }
}

impl Utf8ListColumn {
    /// An empty column with room for `rows` lists of `bytes` bytes of items in all.
    pub fn with_capacity(rows: usize, bytes: usize) -> Utf8ListColumn {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Utf8ListColumn {
            items: Utf8Column::with_capacity(rows, bytes),
            offsets: ListOffsets(offsets),
        }
    }

    /// A column of `rows` empty lists.
    pub fn empty_rows(rows: usize) -> Utf8ListColumn {
        Utf8ListColumn { items: Utf8Column::default(), offsets: ListOffsets(vec![0; rows + 1]) }
    }

    /// Makes room for one more row whose items are `bytes` bytes in all, grown by `growth` when
    /// full. Items are split from a cell of at least 2 bytes each (a value and its separator),
    /// so a row has no more than `bytes / 2 + 1` of them.
    pub fn reserve(&mut self, bytes: usize, growth: Projection) {
        growth.reserve_text(&mut self.items.values, bytes);
        growth.reserve(&mut self.items.offsets, bytes / 2 + 1);
        growth.reserve(&mut self.offsets.0, 1);
    }

    /// Appends one row's list.
    pub fn push<'a>(
        &mut self,
        items: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), ColumnError> {
        for item in items {
            self.push_item(item)?;
        }
        self.end_row()
    }

    /// Appends an item to the row being written (ended by [`Utf8ListColumn::end_row`]): for
    /// items made one at a time, as a cell is split.
    pub fn push_item(&mut self, item: &str) -> Result<(), ColumnError> {
        self.items.push(item)
    }

    /// Ends the row being written: the items pushed since the last row are its list.
    pub fn end_row(&mut self) -> Result<(), ColumnError> {
        self.offsets.0.push(offset(self.items.len())?);
        Ok(())
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.offsets.0.len() - 1
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `row`'s items (none past the end).
    pub fn get(&self, row: usize) -> impl ExactSizeIterator<Item = &str> + Clone + '_ {
        let range = match (self.offsets.0.get(row), self.offsets.0.get(row + 1)) {
            (Some(&start), Some(&end)) => start as usize..end as usize,
            _ => 0..0,
        };
        range.map(|item| self.items.get(item).unwrap_or_default())
    }

    /// Every row's items, one column: for scans over all addresses at once.
    pub fn items(&self) -> &Utf8Column {
        &self.items
    }

    /// The column's three buffers (item values, item offsets, row offsets), to hand over.
    pub fn into_buffers(self) -> (Vec<u8>, Vec<u32>, Vec<u32>) {
        let (values, item_offsets) = self.items.into_buffers();
        (values, item_offsets, self.offsets.0)
    }

    /// A column from handed-over buffers, after checking them (see [`Utf8Column::from_buffers`]).
    pub fn from_buffers(
        values: Vec<u8>,
        item_offsets: Vec<u32>,
        row_offsets: Vec<u32>,
    ) -> Result<Utf8ListColumn, ColumnError> {
        let items = Utf8Column::from_buffers(values, item_offsets)?;
        check_offsets(&row_offsets, items.len())?;
        Ok(Utf8ListColumn { items, offsets: ListOffsets(row_offsets) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_hold_their_own_items_and_empty_lists() {
        let mut column = Utf8ListColumn::default();
        column.push(["SMTP:a@x.com", "smtp:b@x.com"]).unwrap();
        column.push([]).unwrap();
        column.push(["X500:/o=Org/ou=Admin Group"]).unwrap();
        assert_eq!(column.len(), 3);
        assert_eq!(column.get(0).collect::<Vec<_>>(), ["SMTP:a@x.com", "smtp:b@x.com"]);
        assert_eq!(column.get(1).len(), 0);
        assert_eq!(column.get(2).collect::<Vec<_>>(), ["X500:/o=Org/ou=Admin Group"]);
        assert_eq!(column.get(3).len(), 0);
        assert_eq!(column.items().len(), 3);
        assert!(Utf8ListColumn::default().is_empty());
    }

    #[test]
    fn buffers_round_trip_and_row_offsets_past_the_items_are_refused() {
        let mut column = Utf8ListColumn::default();
        column.push(["a", "b"]).unwrap();
        column.push(["c"]).unwrap();
        let (values, items, rows) = column.clone().into_buffers();
        assert_eq!(rows, [0, 2, 3]);
        assert_eq!(Utf8ListColumn::from_buffers(values.clone(), items.clone(), rows), Ok(column));
        assert_eq!(
            Utf8ListColumn::from_buffers(values, items, vec![0, 2, 4]),
            Err(ColumnError::Damaged("the last offset is not the end"))
        );
    }
}
