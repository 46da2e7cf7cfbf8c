//! An anchor as the joins compare it: a GUID or a text, borrowed from the users' columns.

use uuid::Uuid;

use super::{Anchor, AnchorClass};
use crate::engine::guid::guid_from_immutable_id;
use crate::engine::model::AnchorAttribute;
use crate::engine::users::OnPremUser;

/// An anchor as the matcher compares it. Canonical base64 of 16 bytes and the bytes determine
/// each other, so an anchor that is a GUID's ImmutableID is keyed by the GUID: equal keys are
/// equal anchors, and the base64 text is never built, hashed or read to compare. Any other
/// value is keyed by its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AnchorKey<'a> {
    /// `immutable_id(guid)`.
    Guid(Uuid),
    /// A value that is not canonical base64 of 16 bytes.
    Text(&'a str),
}

impl<'a> AnchorKey<'a> {
    /// The key of an anchor value as written (a string anchor attribute); `None` when empty.
    pub(crate) fn of_text(value: &'a str) -> Option<AnchorKey<'a>> {
        if value.is_empty() {
            return None;
        }
        Some(guid_from_immutable_id(value).map_or(AnchorKey::Text(value), AnchorKey::Guid))
    }

    /// [`AnchorKey::of_text`] of a cloud ImmutableID, from its class: classifying found the
    /// GUID already (a value is [`AnchorClass::Base64Guid`] exactly when it is canonical base64
    /// of 16 bytes).
    pub(crate) fn of_cloud(value: &'a str, class: &AnchorClass) -> Option<AnchorKey<'a>> {
        match class {
            _ if value.is_empty() => None,
            AnchorClass::Base64Guid { guid } => Some(AnchorKey::Guid(*guid)),
            _ => Some(AnchorKey::Text(value)),
        }
    }

    /// The key of the anchor Entra Connect will compute for an on-prem user.
    pub(crate) fn onprem(user: OnPremUser<'a>, anchor: &AnchorAttribute) -> Option<AnchorKey<'a>> {
        match anchor {
            AnchorAttribute::ConsistencyGuidElseObjectGuid => {
                user.consistency_guid().or(user.object_guid()).map(AnchorKey::Guid)
            }
            AnchorAttribute::ObjectGuid => user.object_guid().map(AnchorKey::Guid),
            AnchorAttribute::Column(_) => user.string_anchor().and_then(Self::of_text),
        }
    }

    /// The anchor: the ImmutableID of a GUID key, or the value's text.
    pub(crate) fn to_anchor(self) -> Anchor {
        match self {
            AnchorKey::Guid(guid) => Anchor::of_guid(&guid),
            AnchorKey::Text(text) => Anchor::from(text.to_string()),
        }
    }
}
