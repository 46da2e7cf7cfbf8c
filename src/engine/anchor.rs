//! Classifying an anchor value. (Interim: the full module lands from the guid work.)

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::guid::guid_from_immutable_id;

/// What an anchor value is made of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AnchorClass {
    /// Empty.
    Empty,
    /// Base64 of a GUID.
    Base64Guid {
        /// The GUID.
        guid: Uuid,
    },
    /// GUID text.
    GuidText {
        /// The GUID.
        guid: Uuid,
    },
    /// Base64 of GUID text.
    Base64GuidText {
        /// The GUID.
        guid: Uuid,
    },
    /// Okta ID.
    OktaId,
    /// An address.
    Email,
    /// Other text.
    Text,
}

/// Classifies an anchor value.
pub fn classify_anchor(value: &str) -> AnchorClass {
    if value.trim().is_empty() {
        AnchorClass::Empty
    } else if let Some(guid) = guid_from_immutable_id(value) {
        AnchorClass::Base64Guid { guid }
    } else if let Ok(guid) = Uuid::parse_str(value) {
        AnchorClass::GuidText { guid }
    } else if value.len() == 20 && (value.starts_with("00u") || value.starts_with("0ua")) {
        AnchorClass::OktaId
    } else if value.contains('@') {
        AnchorClass::Email
    } else {
        AnchorClass::Text
    }
}

impl AnchorClass {
    /// Short label.
    pub fn label(&self) -> &'static str {
        "anchor"
    }
    /// Explanation.
    pub fn explain(&self) -> String {
        String::new()
    }
    /// Whether made from a GUID.
    pub fn is_guid_based(&self) -> bool {
        self.guid().is_some()
    }
    /// The GUID, if any.
    pub fn guid(&self) -> Option<Uuid> {
        match self {
            AnchorClass::Base64Guid { guid }
            | AnchorClass::GuidText { guid }
            | AnchorClass::Base64GuidText { guid } => Some(*guid),
            _ => None,
        }
    }
}
