//! What the fuzz targets share: how an input's control bytes choose chunk sizes and options, a
//! PowerShell single-quoted-literal tokenizer for the fix script, and an LDIF writer for the
//! reader's round trip. Each target in `fuzz_targets/` checks one part of the engine.

pub mod chunks;
pub mod ldif_writer;
pub mod powershell;
