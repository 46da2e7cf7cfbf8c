//! Whether a pair of exports fits in a browser tab, told from their sizes before a byte is read:
//! a run that cannot fit is refused at once (a tab that runs out of memory only crashes, late),
//! and one near the limit is warned of.

use crate::engine::error::{Error, ErrorKind};

/// What one wasm32 worker can address: its memory grows to 4 GiB at most.
pub const TAB_MEMORY: u64 = 4 << 30;

/// The main worker's peak memory per byte of the two files' text, and what it holds besides.
/// Measured at 2×1M and 2×4M users (BENCHMARKS.md, "Memory in one tab"); the largest ratio
/// seen, so the estimate errs high.
const PEAK_PER_TEXT_BYTE: f64 = 1.6;
const PEAK_BESIDES: u64 = 96 << 20;

/// Past this share of [`TAB_MEMORY`] the run is warned of: the tab may run short.
const NEAR: f64 = 0.8;

/// One file as the estimate sees it: its size, and how it starts.
#[derive(Clone, Copy, Debug)]
pub struct FileSize<'a> {
    /// The file's size in bytes.
    pub bytes: u64,
    /// Its first bytes (a UTF-16 file's byte-order mark halves its text).
    pub head: &'a [u8],
}

impl FileSize<'_> {
    /// The bytes of text the file holds once decoded to UTF-8: half a UTF-16 file's (its
    /// export's text is ASCII but for a few names), the whole of any other.
    fn text_bytes(&self) -> u64 {
        match self.head {
            [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => self.bytes / 2,
            _ => self.bytes,
        }
    }
}

/// How a pair fits in a tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TabFit {
    /// Well within the tab's memory.
    Fits {
        /// The estimated peak, in bytes.
        estimate: u64,
    },
    /// Within it, but near: the tab may run short if it holds much else.
    Near {
        /// The estimated peak, in bytes.
        estimate: u64,
    },
    /// Over it: only the command-line tool can audit this pair.
    TooLarge {
        /// The two files' size, in bytes.
        input: u64,
        /// The estimated peak, in bytes.
        estimate: u64,
    },
}

/// The estimated fit of the on-prem and cloud files in one tab.
pub fn tab_fit(files: [FileSize<'_>; 2]) -> TabFit {
    let text: u64 = files.iter().map(FileSize::text_bytes).sum();
    let estimate = (text as f64 * PEAK_PER_TEXT_BYTE) as u64 + PEAK_BESIDES;
    if estimate > TAB_MEMORY {
        TabFit::TooLarge { input: files.iter().map(|f| f.bytes).sum(), estimate }
    } else if estimate as f64 > TAB_MEMORY as f64 * NEAR {
        TabFit::Near { estimate }
    } else {
        TabFit::Fits { estimate }
    }
}

impl TabFit {
    /// The refusal of a pair too large for a tab, naming its text and the estimate.
    pub fn refusal(&self) -> Option<Error> {
        let TabFit::TooLarge { input, estimate } = *self else { return None };
        Some(Error::new(ErrorKind::TooLargeForTab { input, estimate, limit: TAB_MEMORY }))
    }

    /// A warning for a pair near the limit, to show while it runs.
    pub fn warning(&self) -> Option<String> {
        let TabFit::Near { estimate } = *self else { return None };
        Some(format!(
            "These files need about {} MB of the {} MB a browser tab can hold: if the tab runs \
             out of memory, close other tabs, or run the anchor-audit command-line tool on them.",
            estimate / 1_000_000,
            TAB_MEMORY / 1_000_000
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTF8: &[u8] = b"\xEF\xBB\xBF\"UserPrincipalName\"";
    const UTF16: &[u8] = b"\xFF\xFE\"\0U\0";

    fn size(bytes: u64, head: &[u8]) -> FileSize<'_> {
        FileSize { bytes, head }
    }

    #[test]
    fn the_measured_pairs_fit_and_a_bigger_one_is_refused() {
        // 2×1M users (521 MB) fit well; 2×4M (2,116 MB) fit, near the limit.
        let million = [size(296_085_855, UTF8), size(225_257_117, UTF8)];
        assert!(matches!(tab_fit(million), TabFit::Fits { .. }));
        let four_million = [size(1_190_000_000, UTF8), size(926_000_000, UTF8)];
        let fit = tab_fit(four_million);
        assert!(matches!(fit, TabFit::Near { .. }), "{fit:?}");
        assert!(fit.warning().unwrap().contains("command-line tool"));
        assert_eq!(fit.refusal(), None);
        // Two files of 1.4 GB, each readable alone, are not as a pair.
        let pair = [size(1_400_000_000, UTF8), size(1_400_000_000, b"")];
        let fit = tab_fit(pair);
        let TabFit::TooLarge { input, estimate } = fit else { panic!("{fit:?}") };
        assert!(estimate > TAB_MEMORY);
        assert_eq!(input, 2_800_000_000);
        let error = fit.refusal().unwrap();
        assert_eq!(
            *error.kind(),
            ErrorKind::TooLargeForTab { input: 2_800_000_000, estimate, limit: TAB_MEMORY }
        );
        assert!(fit.warning().is_none());
    }

    #[test]
    fn a_utf16_file_counts_half_its_bytes() {
        let bytes = 2_100_000_000;
        let as_utf16 = tab_fit([size(bytes, UTF16), size(600_000_000, UTF8)]);
        let as_utf8 = tab_fit([size(bytes, UTF8), size(600_000_000, UTF8)]);
        assert!(matches!(as_utf16, TabFit::Fits { .. }), "{as_utf16:?}");
        assert!(matches!(as_utf8, TabFit::TooLarge { .. }), "{as_utf8:?}");
        // A big-endian mark too; an empty head is taken as UTF-8.
        let big_endian = tab_fit([size(bytes, b"\xFE\xFF\0\""), size(0, b"")]);
        assert_eq!(big_endian, tab_fit([size(bytes / 2, b""), size(0, b"")]));
    }
}
