//! Predicting Entra Connect's joins over the users' columns, one concept a file:
//!
//! - [`anchor`]: each user's anchor key and the hard-match join on it, sort-merge;
//! - [`keys`]: the UPN and primary SMTP keys of both sides, numbered, and who holds each;
//! - [`slots`]: the open-addressing hash table under the numbering and the lookups.

pub(crate) mod anchor;
pub(crate) mod keys;
pub(crate) mod slots;
