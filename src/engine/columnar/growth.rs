//! Sizing a buffer that a reader fills from its input: when it is full, it grows to the size the
//! input read so far projects for the whole input, plus 1/32, instead of doubling past it. Each
//! buffer then grows a few times to about its final size, and never holds twice what it needs
//! (a doubling `Vec` can, and copies itself to get there where `realloc` cannot grow in place, as
//! in wasm).

/// How far a reader is through its input, in bytes: what a buffer's final size is projected from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Projection {
    /// Input read so far.
    pub done: usize,
    /// The whole input.
    pub total: usize,
}

/// Input read before buffers are sized by projection; until then they double.
const SAMPLE: usize = 64 * 1024;

impl Projection {
    /// How much to add to a buffer of `len` that needs `extra` more.
    pub fn additional(self, len: usize, extra: usize) -> usize {
        let Projection { done, total } = self;
        if done < SAMPLE.min(total) || done == 0 {
            return extra.max(len).max(64);
        }
        let projected = (len as u128 * total as u128 / done as u128) as usize;
        (projected + projected / 32).saturating_sub(len).max(extra)
    }

    /// Makes room in `buffer` for `extra` more items, when it has less.
    pub fn reserve<T>(self, buffer: &mut Vec<T>, extra: usize) {
        if buffer.capacity() - buffer.len() < extra {
            buffer.reserve_exact(self.additional(buffer.len(), extra));
        }
    }

    /// [`Projection::reserve`] for text.
    pub fn reserve_text(self, buffer: &mut String, extra: usize) {
        if buffer.capacity() - buffer.len() < extra {
            buffer.reserve_exact(self.additional(buffer.len(), extra));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_grows_to_about_its_final_size() {
        // 10,000 values of 40 bytes read from 60 bytes of input each.
        let (values, input) = (10_000, 60);
        let mut buffer: Vec<u8> = Vec::new();
        let mut grew = 0;
        for i in 0..values {
            let growth = Projection { done: (i + 1) * input, total: values * input };
            let before = buffer.capacity();
            growth.reserve(&mut buffer, 40);
            grew += usize::from(buffer.capacity() != before);
            buffer.extend_from_slice(&[b'x'; 40]);
        }
        let capacity = buffer.capacity();
        assert!((400_000..=400_000 + 400_000 / 16).contains(&capacity), "{capacity}");
        assert!(grew < 20, "{grew} reallocations");
    }

    #[test]
    fn before_the_sample_or_without_a_total_it_doubles() {
        let early = Projection { done: 100, total: 1 << 30 };
        assert_eq!(early.additional(1000, 10), 1000);
        assert_eq!(Projection::default().additional(0, 10), 64);
        // A projection never gives less than is needed now.
        let late = Projection { done: 1 << 20, total: 1 << 20 };
        assert_eq!(late.additional(1000, 5000), 5000);
    }
}
