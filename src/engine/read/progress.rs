//! Progress reports while a large file is read, and the caller's way to cancel.

use serde::{Deserialize, Serialize};

use crate::engine::error::ErrorKind;

/// How far reading has got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Input bytes read so far (estimated from the position in the decoded text).
    pub bytes_done: u64,
    /// The file's size in bytes.
    pub bytes_total: u64,
    /// Records read so far.
    pub records: u64,
}

/// Calls the caller's callback about every [`Ticker::STEP`] bytes of text.
pub(crate) struct Ticker<'a> {
    callback: &'a mut dyn FnMut(Progress) -> bool,
    bytes_total: u64,
    text_len: u64,
    next: u64,
}

impl<'a> Ticker<'a> {
    /// How much text between two reports.
    pub(crate) const STEP: u64 = 64 * 1024;

    pub(crate) fn new(
        callback: &'a mut dyn FnMut(Progress) -> bool,
        bytes_total: u64,
        text_len: usize,
    ) -> Ticker<'a> {
        Ticker { callback, bytes_total, text_len: text_len as u64, next: Ticker::STEP }
    }

    /// Reports progress if another step of text has been read since the last report.
    pub(crate) fn at(&mut self, text_pos: usize, records: u64) -> Result<(), ErrorKind> {
        let pos = text_pos as u64;
        if pos < self.next {
            return Ok(());
        }
        self.next = pos.saturating_add(Ticker::STEP);
        self.report(pos, records)
    }

    /// Reports the end of reading.
    pub(crate) fn finish(&mut self, records: u64) -> Result<(), ErrorKind> {
        self.report(self.text_len, records)
    }

    fn report(&mut self, pos: u64, records: u64) -> Result<(), ErrorKind> {
        let done = if self.text_len == 0 {
            self.bytes_total
        } else {
            (u128::from(pos.min(self.text_len)) * u128::from(self.bytes_total)
                / u128::from(self.text_len)) as u64
        };
        let progress = Progress { bytes_done: done, bytes_total: self.bytes_total, records };
        if (self.callback)(progress) {
            Ok(())
        } else {
            Err(ErrorKind::Cancelled)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_each_step_and_cancels() {
        let mut seen = Vec::new();
        let mut callback = |p: Progress| {
            seen.push(p.bytes_done);
            p.bytes_done < 150_000
        };
        let mut ticker = Ticker::new(&mut callback, 200_000, 200_000);
        assert_eq!(ticker.at(1000, 1), Ok(()));
        assert_eq!(ticker.at(70_000, 2), Ok(()));
        assert_eq!(ticker.at(80_000, 3), Ok(()));
        assert_eq!(ticker.at(160_000, 4), Err(ErrorKind::Cancelled));
        assert_eq!(seen, vec![70_000, 160_000]);
    }
}
