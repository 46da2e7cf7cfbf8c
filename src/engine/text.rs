//! Text that borrows from a shared buffer: the users' values are slices of the row store's text,
//! so reading a million users allocates no string per field and keeps one copy of the text.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// An immutable string: a slice of a buffer that other `Text`s may share (most often a cell of
/// the row store, [`crate::engine::read::Rows`]), or a buffer of its own.
///
/// It reads as a `&str` (through `Deref`), and compares, hashes, prints and serialises as the
/// string it holds, wherever it is stored. Cloning it counts a reference; it copies no text.
///
/// ```
/// use anchor_audit::engine::text::Text;
///
/// let cell = Text::from("  ada@contoso.com ");
/// let upn = cell.clone().trimmed();
/// assert_eq!(upn, "ada@contoso.com");
/// assert_eq!(upn, Text::from("ada@contoso.com"));
/// assert!(upn.ends_with(".com"));
/// ```
#[derive(Clone)]
pub struct Text {
    buf: Arc<String>,
    // `u32` offsets keep a `Text` at 12 bytes on wasm32; the row store's text is under 4 GiB
    // (`MAX_TEXT`).
    start: u32,
    end: u32,
}

// A pointer and two offsets: 12 bytes on wasm32, a `String`'s header, but no allocation.
const _: () = assert!(std::mem::size_of::<Text>() == std::mem::size_of::<usize>() + 8);

impl Text {
    /// The text of `buf[range]`, sharing `buf`.
    ///
    /// # Panics
    ///
    /// When `range` is out of bounds, is not on character boundaries, or ends past 4 GiB.
    pub fn slice(buf: &Arc<String>, range: Range<usize>) -> Text {
        assert!(buf.get(range.clone()).is_some(), "{range:?} is not a slice of the text");
        let end = u32::try_from(range.end).expect("shared text is under 4 GiB");
        Text { buf: Arc::clone(buf), start: range.start as u32, end }
    }

    /// [`Text::slice`], or `None` where it would panic.
    pub fn try_slice(buf: &Arc<String>, range: Range<usize>) -> Option<Text> {
        buf.get(range.clone())?;
        let (start, end) = (u32::try_from(range.start).ok()?, u32::try_from(range.end).ok()?);
        Some(Text { buf: Arc::clone(buf), start, end })
    }

    /// The text as a `&str`.
    pub fn as_str(&self) -> &str {
        // Slicing checks that the ends are character boundaries, which reads the text: not
        // for an empty value (many cells), whose text may be far from anything else read.
        if self.start == self.end {
            return "";
        }
        &self.buf[self.start as usize..self.end as usize]
    }

    /// The length in bytes, as [`str::len`], without reading the text.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the text is empty, as [`str::is_empty`], without reading the text: the users'
    /// checks for a value touch only the user, not the row store.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// `self[range]`, sharing the buffer.
    ///
    /// # Panics
    ///
    /// When `range` is out of bounds or not on character boundaries.
    pub fn subtext(&self, range: Range<usize>) -> Text {
        assert!(self.get(range.clone()).is_some(), "{range:?} is not a slice of the text");
        let start = self.start + range.start as u32;
        Text { buf: Arc::clone(&self.buf), start, end: start + range.len() as u32 }
    }

    /// The text without leading and trailing white space (as [`str::trim`], which `.trim()`
    /// still calls), still sharing the buffer.
    pub fn trimmed(mut self) -> Text {
        let text = self.as_str();
        let rest = text.trim_start();
        let len = rest.trim_end().len() as u32;
        self.start += (text.len() - rest.len()) as u32;
        self.end = self.start + len;
        self
    }

    /// Where `self` is in `buf`, when it is a slice of that buffer.
    pub(crate) fn range_in(&self, buf: &Arc<String>) -> Option<Range<usize>> {
        Arc::ptr_eq(&self.buf, buf).then_some(self.start as usize..self.end as usize)
    }

    /// Whether `self` and `other` are slices of the same buffer (for tests of what is shared).
    pub fn shares_buffer_with(&self, other: &Text) -> bool {
        Arc::ptr_eq(&self.buf, &other.buf)
    }
}

impl Default for Text {
    /// The empty text; every default shares one buffer, so it allocates nothing.
    fn default() -> Text {
        static EMPTY: OnceLock<Arc<String>> = OnceLock::new();
        Text { buf: Arc::clone(EMPTY.get_or_init(Arc::default)), start: 0, end: 0 }
    }
}

impl From<String> for Text {
    /// A text owning `text`'s buffer (not copied).
    fn from(text: String) -> Text {
        let end = u32::try_from(text.len()).expect("shared text is under 4 GiB");
        Text { buf: Arc::new(text), start: 0, end }
    }
}

impl From<&str> for Text {
    /// A text owning a copy of `text`.
    fn from(text: &str) -> Text {
        Text::from(text.to_string())
    }
}

/// The traits of a type that is a string in all but storage, through its `as_str`: it reads as
/// a `&str` (`Deref`), and compares, hashes, prints and serialises as one. Deserialising goes
/// through the type's `From<String>`.
macro_rules! str_like {
    ($type:ty) => {
        // `String::from(&text)` copies the bytes; `to_string` would go through a formatter.
        impl From<&$type> for String {
            fn from(text: &$type) -> String {
                text.as_str().to_string()
            }
        }

        impl std::ops::Deref for $type {
            type Target = str;

            fn deref(&self) -> &str {
                self.as_str()
            }
        }

        impl AsRef<str> for $type {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::borrow::Borrow<str> for $type {
            fn borrow(&self) -> &str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(self.as_str(), f)
            }
        }

        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl PartialEq for $type {
            fn eq(&self, other: &$type) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl Eq for $type {}

        impl PartialEq<str> for $type {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $type {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<String> for $type {
            fn eq(&self, other: &String) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl PartialEq<$type> for str {
            fn eq(&self, other: &$type) -> bool {
                self == other.as_str()
            }
        }

        impl PartialEq<$type> for &str {
            fn eq(&self, other: &$type) -> bool {
                *self == other.as_str()
            }
        }

        impl PartialOrd for $type {
            fn partial_cmp(&self, other: &$type) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $type {
            fn cmp(&self, other: &$type) -> std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl std::hash::Hash for $type {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                // As `str` hashes, so that a map keyed by this type can be looked up by `&str`.
                std::hash::Hash::hash(self.as_str(), state)
            }
        }

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <String as serde::Deserialize>::deserialize(deserializer).map(<$type>::from)
            }
        }
    };
}
pub(crate) use str_like;

str_like!(Text);

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn buffer(text: &str) -> Arc<String> {
        Arc::new(text.to_string())
    }

    #[test]
    fn slices_and_owned_texts_are_equal_as_strings() {
        let buf = buffer("ada@contoso.comRené");
        let upn = Text::slice(&buf, 0..15);
        let name = Text::slice(&buf, 15..buf.len());
        assert_eq!(upn, Text::from("ada@contoso.com"));
        assert_eq!(upn, "ada@contoso.com");
        assert_eq!(name, "René".to_string());
        assert_eq!(("René", name.len(), name.is_empty()), (&*name, 5, false));
        assert!(upn.shares_buffer_with(&name));
        assert!(!upn.shares_buffer_with(&Text::from("ada@contoso.com")));
        assert_ne!(upn, name);
        assert_eq!(upn.cmp(&name), "ada@contoso.com".cmp("René"));
        let empty = Text::slice(&buf, 3..3);
        assert_eq!((empty.as_str(), empty.len(), empty.is_empty()), ("", 0, true));
        assert_eq!(empty, Text::default());
    }

    #[test]
    fn hashes_as_str_so_maps_look_up_by_str() {
        let buf = buffer("xy");
        let map: HashMap<Text, u32> = [(Text::slice(&buf, 0..1), 1), (Text::from("y"), 2)].into();
        assert_eq!((map.get("x"), map.get("y"), map.get("xy")), (Some(&1), Some(&2), None));
    }

    #[test]
    fn formats_as_str() {
        let text = Text::slice(&buffer("a\"b c"), 0..3);
        assert_eq!(format!("{text}|{text:>5}|{text:?}"), "a\"b|  a\"b|\"a\\\"b\"");
    }

    #[test]
    fn trimming_keeps_a_slice_of_the_same_buffer() {
        let cases = [
            (" \tada \r\n", "ada"),
            ("ada", "ada"),
            ("   ", ""),
            ("", ""),
            ("\u{a0}élodie\u{2003}", "élodie"),
        ];
        for (value, trimmed) in cases {
            let buf = buffer(&format!("<{value}>"));
            let text = Text::slice(&buf, 1..buf.len() - 1);
            let trim = text.clone().trimmed();
            assert_eq!(trim, trimmed, "{value:?}");
            assert!(trim.shares_buffer_with(&text), "{value:?}");
            assert_eq!(trim.clone().trimmed(), trim, "{value:?}");
        }
    }

    #[test]
    fn default_is_empty_and_shared() {
        let (a, b) = (Text::default(), Text::default());
        assert_eq!((a.as_str(), a.len()), ("", 0));
        assert!(a.shares_buffer_with(&b));
    }

    #[test]
    #[should_panic(expected = "not a slice")]
    fn slices_must_fall_on_character_boundaries() {
        Text::slice(&buffer("é"), 0..1);
    }

    #[test]
    fn serialises_as_a_plain_string() {
        let buf = buffer("[\"René\"]");
        let text = Text::slice(&buf, 2..buf.len() - 2);
        let json = serde_json::to_string(&vec![text.clone(), Text::default()]).unwrap();
        assert_eq!(json, r#"["René",""]"#);
        let back: Vec<Text> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, [text, Text::default()]);
        let option: Option<Text> = serde_json::from_str("null").unwrap();
        assert_eq!(option, None);
    }
}
