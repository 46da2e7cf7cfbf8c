//! objectGUID ⇄ ImmutableID conversion. (Interim: the full module lands from the guid work.)

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use uuid::Uuid;

/// The ImmutableID Entra Connect computes from a GUID: base64 of `Guid.ToByteArray()`
/// (first three groups little-endian).
pub fn immutable_id(guid: &Uuid) -> String {
    STANDARD.encode(guid.to_bytes_le())
}

/// The GUID an ImmutableID encodes, when it is base64 of exactly 16 bytes.
pub fn guid_from_immutable_id(immutable_id: &str) -> Option<Uuid> {
    let bytes: [u8; 16] = STANDARD.decode(immutable_id).ok()?.try_into().ok()?;
    Some(Uuid::from_bytes_le(bytes))
}

/// A GUID parsed from text.
pub struct ParsedGuid {
    /// The GUID.
    pub guid: Uuid,
}

/// Parses a GUID (interim: text or base64 only).
pub fn parse_guid(text: &str) -> Result<ParsedGuid, String> {
    let text = text.trim();
    Uuid::parse_str(text)
        .ok()
        .or_else(|| guid_from_immutable_id(text))
        .map(|guid| ParsedGuid { guid })
        .ok_or_else(|| format!("`{text}` is not a GUID"))
}
