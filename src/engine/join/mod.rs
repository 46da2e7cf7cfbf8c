//! Predicting Entra Connect's joins over the users' columns, one concept a file:
//!
//! - [`anchor`]: each user's anchor key and the hard-match join on it, sort-merge.

pub(crate) mod anchor;
