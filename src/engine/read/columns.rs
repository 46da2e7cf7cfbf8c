//! Which column holds which field: header names matched case-insensitively against the names
//! each export tool uses, and the caller's overrides.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::error::ErrorKind;

/// A field the matcher reads, whatever the export calls its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Field {
    /// `userPrincipalName`.
    UserPrincipalName,
    /// `displayName` (or Get-ADUser's `Name`, the CN).
    DisplayName,
    /// `sAMAccountName` (on-prem only).
    SamAccountName,
    /// `distinguishedName` (on-prem only; ldifde's and csvde's `DN`).
    DistinguishedName,
    /// `mail`.
    Mail,
    /// `proxyAddresses`, multiple values joined with `;`.
    ProxyAddresses,
    /// `objectGUID` (on-prem; the seed's cloud export derives one too).
    ObjectGuid,
    /// `mS-DS-ConsistencyGuid`.
    ConsistencyGuid,
    /// The cloud anchor: `ImmutableId` / `OnPremisesImmutableId`.
    ImmutableId,
    /// `DirSyncEnabled` / `OnPremisesSyncEnabled`.
    SyncEnabled,
    /// `LastDirSyncTime` (Get-MsolUser, Get-AzureADUser).
    LastDirSyncTime,
    /// The cloud object's id: `ObjectId` / Graph `Id`.
    ObjectId,
    /// Graph `OnPremisesObjectIdentifier`: the on-prem object a cloud user is tied to.
    OnPremisesObjectIdentifier,
    /// `employeeID`, sometimes chosen as a string source anchor.
    EmployeeId,
    /// `Enabled` / `AccountEnabled`.
    AccountEnabled,
    /// `UserType` (Member / Guest).
    UserType,
    /// `mailNickname`, the Exchange alias (on-prem; checked by IdFix's rules).
    MailNickname,
}

impl Field {
    /// Every field, in declaration order.
    pub const ALL: [Field; 17] = [
        Field::UserPrincipalName,
        Field::DisplayName,
        Field::SamAccountName,
        Field::DistinguishedName,
        Field::Mail,
        Field::ProxyAddresses,
        Field::ObjectGuid,
        Field::ConsistencyGuid,
        Field::ImmutableId,
        Field::SyncEnabled,
        Field::LastDirSyncTime,
        Field::ObjectId,
        Field::OnPremisesObjectIdentifier,
        Field::EmployeeId,
        Field::AccountEnabled,
        Field::UserType,
        Field::MailNickname,
    ];

    /// The field's usual column name, as Get-ADUser or Get-AzureADUser spell it.
    pub fn label(self) -> &'static str {
        match self {
            Field::UserPrincipalName => "UserPrincipalName",
            Field::DisplayName => "DisplayName",
            Field::SamAccountName => "SamAccountName",
            Field::DistinguishedName => "DistinguishedName",
            Field::Mail => "mail",
            Field::ProxyAddresses => "proxyAddresses",
            Field::ObjectGuid => "objectGUID",
            Field::ConsistencyGuid => "mS-DS-ConsistencyGuid",
            Field::ImmutableId => "ImmutableId",
            Field::SyncEnabled => "DirSyncEnabled",
            Field::LastDirSyncTime => "LastDirSyncTime",
            Field::ObjectId => "ObjectId",
            Field::OnPremisesObjectIdentifier => "OnPremisesObjectIdentifier",
            Field::EmployeeId => "EmployeeID",
            Field::AccountEnabled => "Enabled",
            Field::UserType => "UserType",
            Field::MailNickname => "mailNickname",
        }
    }

    /// The header names that hold this field, normalised by [`normalize`], best first.
    ///
    /// Sources: Get-ADUser / csvde / ldifde use the LDAP names; Get-AzureADUser and Get-MsolUser
    /// `ImmutableId`, `DirSyncEnabled`, `LastDirSyncTime`, `ObjectId`; Get-MgUser the Graph
    /// names (`Id`, `OnPremises…`); the admin center's download spaced words
    /// ("User principal name", "Object Id", "Directory synced").
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::UserPrincipalName => &["userprincipalname", "upn"],
            Field::DisplayName => &["displayname", "name", "cn"],
            Field::SamAccountName => &["samaccountname"],
            Field::DistinguishedName => &["distinguishedname", "dn"],
            Field::Mail => &["mail", "emailaddress", "email", "primarysmtpaddress"],
            Field::ProxyAddresses => &["proxyaddresses"],
            Field::ObjectGuid => &["objectguid"],
            Field::ConsistencyGuid => &["msdsconsistencyguid"],
            Field::ImmutableId => &["immutableid", "onpremisesimmutableid"],
            Field::SyncEnabled => &["dirsyncenabled", "onpremisessyncenabled", "directorysynced"],
            Field::LastDirSyncTime => &["lastdirsynctime", "onpremiseslastsyncdatetime"],
            Field::ObjectId => &["objectid", "id"],
            Field::OnPremisesObjectIdentifier => &["onpremisesobjectidentifier"],
            Field::EmployeeId => &["employeeid"],
            Field::AccountEnabled => &["enabled", "accountenabled"],
            Field::UserType => &["usertype"],
            Field::MailNickname => &["mailnickname"],
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A header name reduced to what identifies it: lower case, letters and digits only, so
/// `mS-DS-ConsistencyGuid`, `msDS-ConsistencyGuid` and "On-premises immutable ID" compare equal
/// to their other spellings.
pub(crate) fn normalize(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Which header index holds which [`Field`]: an index a field, so that reading a field of a row
/// is an array lookup (the row → user stage reads a dozen a row).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ColumnMapParts", into = "ColumnMapParts")]
pub struct ColumnMap {
    index: [Option<usize>; Field::ALL.len()],
}

/// [`ColumnMap`] as serialised: field → header index.
#[derive(Clone, Serialize, Deserialize)]
struct ColumnMapParts {
    map: BTreeMap<Field, usize>,
}

impl From<ColumnMapParts> for ColumnMap {
    fn from(parts: ColumnMapParts) -> ColumnMap {
        let mut map = ColumnMap::default();
        for (field, index) in parts.map {
            map.insert(field, index);
        }
        map
    }
}

impl From<ColumnMap> for ColumnMapParts {
    fn from(map: ColumnMap) -> ColumnMapParts {
        ColumnMapParts { map: map.iter().collect() }
    }
}

impl ColumnMap {
    /// Maps the headers to fields by their known names. Where several headers name one field,
    /// the best alias wins, then the first such header.
    pub fn detect(headers: &[String]) -> ColumnMap {
        let normalized: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
        let mut map = ColumnMap::default();
        for field in Field::ALL {
            let found =
                field.aliases().iter().find_map(|alias| normalized.iter().position(|n| n == alias));
            if let Some(index) = found {
                map.insert(field, index);
            }
        }
        map
    }

    /// Applies the caller's overrides (field → header name, case-insensitive). An overridden
    /// header is taken away from any field it was detected for.
    pub fn with_overrides(
        mut self,
        headers: &[String],
        overrides: &BTreeMap<Field, String>,
    ) -> Result<ColumnMap, ErrorKind> {
        for (&field, name) in overrides {
            let wanted = name.trim();
            let index = headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(wanted))
                .or_else(|| headers.iter().position(|h| normalize(h) == normalize(wanted)))
                .ok_or_else(|| ErrorKind::Usage {
                    message: format!(
                        "there is no column `{wanted}` to read {field} from; the columns are: {}",
                        headers.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
                    ),
                })?;
            for slot in &mut self.index {
                if *slot == Some(index) {
                    *slot = None;
                }
            }
            self.insert(field, index);
        }
        Ok(self)
    }

    fn insert(&mut self, field: Field, index: usize) {
        self.index[field as usize] = Some(index);
    }

    /// The header index holding `field`, if any.
    pub fn get(&self, field: Field) -> Option<usize> {
        self.index[field as usize]
    }

    /// The header name holding `field`, if any.
    pub fn header_of<'h>(&self, field: Field, headers: &'h [String]) -> Option<&'h str> {
        self.get(field).and_then(|i| headers.get(i)).map(String::as_str)
    }

    /// Whether `field` has a column.
    pub fn has(&self, field: Field) -> bool {
        self.get(field).is_some()
    }

    /// Every mapped field with its header index, in [`Field`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, usize)> + '_ {
        Field::ALL.into_iter().filter_map(|f| self.get(f).map(|i| (f, i)))
    }

    /// Whether no header was recognised.
    pub fn is_empty(&self) -> bool {
        self.index.iter().all(Option::is_none)
    }

    /// Forgets the column of `field` (its values are unusable).
    pub(crate) fn remove(&mut self, field: Field) {
        self.index[field as usize] = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn aliases_map_every_tool_spelling() {
        let cases: &[(&str, Field)] = &[
            ("UserPrincipalName", Field::UserPrincipalName),
            ("userPrincipalName", Field::UserPrincipalName),
            ("User principal name", Field::UserPrincipalName),
            (" UPN ", Field::UserPrincipalName),
            ("ImmutableId", Field::ImmutableId),
            ("ImmutableID", Field::ImmutableId),
            ("OnPremisesImmutableId", Field::ImmutableId),
            ("On-premises immutable ID", Field::ImmutableId),
            ("objectGUID", Field::ObjectGuid),
            ("ObjectGuid", Field::ObjectGuid),
            ("mS-DS-ConsistencyGuid", Field::ConsistencyGuid),
            ("msDS-ConsistencyGuid", Field::ConsistencyGuid),
            ("DirSyncEnabled", Field::SyncEnabled),
            ("OnPremisesSyncEnabled", Field::SyncEnabled),
            ("Directory synced", Field::SyncEnabled),
            ("Id", Field::ObjectId),
            ("ObjectId", Field::ObjectId),
            ("Object Id", Field::ObjectId),
            ("DisplayName", Field::DisplayName),
            ("Name", Field::DisplayName),
            ("Display name", Field::DisplayName),
            ("mail", Field::Mail),
            ("EmailAddress", Field::Mail),
            ("proxyAddresses", Field::ProxyAddresses),
            ("SamAccountName", Field::SamAccountName),
            ("sAMAccountName", Field::SamAccountName),
            ("DistinguishedName", Field::DistinguishedName),
            ("DN", Field::DistinguishedName),
            ("LastDirSyncTime", Field::LastDirSyncTime),
            ("OnPremisesObjectIdentifier", Field::OnPremisesObjectIdentifier),
            ("EmployeeID", Field::EmployeeId),
            ("Enabled", Field::AccountEnabled),
            ("AccountEnabled", Field::AccountEnabled),
            ("Account enabled", Field::AccountEnabled),
            ("UserType", Field::UserType),
            ("mailNickname", Field::MailNickname),
        ];
        for &(header, field) in cases {
            let map = ColumnMap::detect(&headers(&["Other", header]));
            assert_eq!(map.get(field), Some(1), "{header:?} should map to {field:?}");
        }
    }

    #[test]
    fn best_alias_wins_over_earlier_column() {
        let h = headers(&["Name", "DistinguishedName", "displayName", "DN"]);
        let map = ColumnMap::detect(&h);
        assert_eq!(map.get(Field::DisplayName), Some(2));
        assert_eq!(map.get(Field::DistinguishedName), Some(1));
        assert_eq!(map.header_of(Field::DisplayName, &h), Some("displayName"));
    }

    #[test]
    fn override_wins_and_takes_the_column() {
        let h = headers(&["UserPrincipalName", "objectGUID", "employeeNumber"]);
        let mut overrides = BTreeMap::new();
        overrides.insert(Field::ConsistencyGuid, "OBJECTGUID".to_string());
        let map = ColumnMap::detect(&h).with_overrides(&h, &overrides).unwrap();
        assert_eq!(map.get(Field::ConsistencyGuid), Some(1));
        assert_eq!(map.get(Field::ObjectGuid), None);
    }

    #[test]
    fn override_of_missing_header_names_the_headers() {
        let h = headers(&["UserPrincipalName", "objectGUID"]);
        let mut overrides = BTreeMap::new();
        overrides.insert(Field::ImmutableId, "Anchor".to_string());
        let err = ColumnMap::detect(&h).with_overrides(&h, &overrides).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`Anchor`"), "{text}");
        assert!(text.contains("`UserPrincipalName`, `objectGUID`"), "{text}");
    }

    #[test]
    fn field_serializes_kebab_case() {
        assert_eq!(serde_json::to_string(&Field::ImmutableId).unwrap(), "\"immutable-id\"");
        let mut map = ColumnMap::default();
        map.insert(Field::UserPrincipalName, 0);
        let json = serde_json::to_string(&map).unwrap();
        assert_eq!(json, r#"{"map":{"user-principal-name":0}}"#);
        assert_eq!(serde_json::from_str::<ColumnMap>(&json).unwrap(), map);
    }
}
