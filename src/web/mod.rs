//! The browser app: a thin Yew UI over [`crate::engine`].
