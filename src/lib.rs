//! Anchor Audit: predicts, user by user, what Microsoft Entra Connect or cloud sync will do at
//! cut-over, from two exports: the on-premises AD users and the Entra ID (cloud) users.
//!
//! [`engine`] is the pure core (bytes in, plain structs out, no browser types); the browser app in
//! `web` and the `anchor-audit` command-line tool are thin layers over it.
#![deny(missing_docs)]

pub mod engine;

#[cfg(target_arch = "wasm32")]
pub mod web;
