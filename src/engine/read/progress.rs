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

/// Calls the caller's callback about every [`Ticker::STEP`] bytes of text, with the input bytes
/// that text came from (in the ratio of the bytes and text decoded so far).
pub(crate) struct Ticker<'a> {
    callback: Box<dyn FnMut(Progress) -> bool + 'a>,
    bytes_total: u64,
    bytes_fed: u64,
    text_fed: u64,
    next: u64,
}

impl<'a> Ticker<'a> {
    /// How much text between two reports.
    pub(crate) const STEP: u64 = 64 * 1024;

    pub(crate) fn new(
        callback: Box<dyn FnMut(Progress) -> bool + 'a>,
        bytes_total: u64,
    ) -> Ticker<'a> {
        Ticker { callback, bytes_total, bytes_fed: 0, text_fed: 0, next: Ticker::STEP }
    }

    /// The same callback and size, for reading the file again from its start.
    pub(crate) fn restarted(self) -> Ticker<'a> {
        Ticker::new(self.callback, self.bytes_total)
    }

    /// Notes that `bytes` more input were decoded to `text` more bytes of text.
    pub(crate) fn fed(&mut self, bytes: usize, text: usize) {
        self.bytes_fed += bytes as u64;
        self.text_fed += text as u64;
    }

    /// The input bytes the text up to `text_pos` came from.
    pub(crate) fn bytes_at(&self, text_pos: usize) -> u64 {
        let pos = (text_pos as u64).min(self.text_fed);
        if self.text_fed == 0 {
            return 0;
        }
        let done = u128::from(pos) * u128::from(self.bytes_fed) / u128::from(self.text_fed);
        (done as u64).min(self.bytes_total)
    }

    /// The file's size.
    pub(crate) fn bytes_total(&self) -> u64 {
        self.bytes_total
    }

    /// Reports progress if another step of text has been read since the last report.
    pub(crate) fn at(&mut self, text_pos: usize, records: u64) -> Result<(), ErrorKind> {
        let pos = text_pos as u64;
        if pos < self.next {
            return Ok(());
        }
        self.next = pos.saturating_add(Ticker::STEP);
        self.report(self.bytes_at(text_pos), records)
    }

    /// Reports the end of reading.
    pub(crate) fn finish(&mut self, records: u64) -> Result<(), ErrorKind> {
        self.report(self.bytes_total, records)
    }

    fn report(&mut self, bytes_done: u64, records: u64) -> Result<(), ErrorKind> {
        let progress = Progress { bytes_done, bytes_total: self.bytes_total, records };
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
        let mut ticker = Ticker::new(Box::new(&mut callback), 200_000);
        ticker.fed(200_000, 200_000);
        assert_eq!(ticker.at(1000, 1), Ok(()));
        assert_eq!(ticker.at(70_000, 2), Ok(()));
        assert_eq!(ticker.at(80_000, 3), Ok(()));
        assert_eq!(ticker.at(160_000, 4), Err(ErrorKind::Cancelled));
        drop(ticker);
        assert_eq!(seen, vec![70_000, 160_000]);
    }
}
