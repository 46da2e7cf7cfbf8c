//! objectGUID ⇄ ImmutableID conversion, and every spelling of a GUID admins paste or exports hold.
//! (Stub: the API the rest of the core builds on; filled in by the guid work.)

use uuid::Uuid;

/// The ImmutableID Entra Connect computes from a GUID: base64 of `Guid.ToByteArray()`
/// (first three groups little-endian).
pub fn immutable_id(guid: &Uuid) -> String {
    let _ = guid;
    unimplemented!("guid work in progress")
}

/// The GUID an ImmutableID encodes, when it is base64 of exactly 16 bytes.
pub fn guid_from_immutable_id(immutable_id: &str) -> Option<Uuid> {
    let _ = immutable_id;
    unimplemented!("guid work in progress")
}
