//! How a mismatched cloud anchor relates to the on-prem person it was paired with: the reason
//! the report gives for a mismatch.

use uuid::Uuid;

use crate::engine::anchor::AnchorClass;
use crate::engine::model::{fold, AnchorAttribute};
use crate::engine::report::AnchorRelation;
use crate::engine::users::OnPremUser;

/// The same 16 bytes read big-endian: what a script using Python's `uuid.bytes` stamped.
pub(super) fn big_endian(guid: Uuid) -> Uuid {
    Uuid::from_bytes(guid.to_bytes_le())
}

/// How a cloud anchor relates to the person the matcher paired it with.
pub(super) fn relation(
    class: &AnchorClass,
    value: &str,
    person: OnPremUser<'_>,
    anchor: &AnchorAttribute,
) -> AnchorRelation {
    let is_person_guid =
        |g: Uuid| Some(g) == person.object_guid() || Some(g) == person.consistency_guid();
    match class {
        AnchorClass::Padded { inner }
            if inner.guid().is_some_and(|g| is_person_guid(g) || is_person_guid(big_endian(g))) =>
        {
            AnchorRelation::Padded
        }
        AnchorClass::Base64Guid { guid } => {
            let big_endian = big_endian(*guid);
            if Some(*guid) == person.object_guid()
                && matches!(anchor, AnchorAttribute::ConsistencyGuidElseObjectGuid)
            {
                AnchorRelation::ObjectGuidNotConsistencyGuid
            } else if Some(*guid) == person.consistency_guid() {
                AnchorRelation::ConsistencyGuidNotObjectGuid
            } else if is_person_guid(big_endian) {
                AnchorRelation::BigEndian
            } else {
                AnchorRelation::OtherGuid
            }
        }
        AnchorClass::GuidText { guid } if is_person_guid(*guid) => AnchorRelation::GuidText,
        AnchorClass::Base64GuidText { guid } if is_person_guid(*guid) => {
            AnchorRelation::Base64OfGuidText
        }
        _ if class.trimmed_guid().is_some() => AnchorRelation::OtherGuid,
        _ => match person_attribute_with_value(person, value) {
            Some(attribute) => AnchorRelation::PersonValue { attribute: attribute.to_string() },
            None => AnchorRelation::Custom,
        },
    }
}

fn person_attribute_with_value(person: OnPremUser<'_>, value: &str) -> Option<&'static str> {
    let folded = fold(value);
    if !person.upn().is_empty() && fold(person.upn()) == folded {
        Some("userPrincipalName")
    } else if person.mail().is_some_and(|m| !m.is_empty() && fold(m) == folded) {
        Some("mail")
    } else if !person.sam_account_name().is_empty() && person.sam_account_name() == value {
        Some("sAMAccountName")
    } else if !person.employee_id().is_empty() && person.employee_id() == value {
        Some("employeeID")
    } else {
        None
    }
}
