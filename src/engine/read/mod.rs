//! Reading an export as PowerShell, csvde, ldifde or the admin center wrote it.
//! (Stub: filled in by the reader work.)
