//! Which tool wrote an export, and so which side it is: from Windows PowerShell 5.1's `#TYPE`
//! line when there is one (certain), else from the set of columns (likely or unsure).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::columns::{normalize, ColumnMap, Field};
use super::dialect::FileFormat;
use crate::engine::error::Side;

/// Which kind of export a file is: the tool that wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExportKind {
    /// `Get-ADUser … | Export-Csv` (ActiveDirectory module).
    GetAdUser,
    /// `csvde -f users.csv`.
    Csvde,
    /// `ldifde -f users.ldf`.
    Ldifde,
    /// `Get-AzureADUser … | Export-Csv` (AzureAD module, retired 2025).
    GetAzureAdUser,
    /// `Get-MsolUser … | Export-Csv` (MSOnline module, retired 2025).
    GetMsolUser,
    /// `Get-MgUser … | Export-Csv` (Microsoft Graph PowerShell).
    GetMgUser,
    /// The Entra admin center's "Download users".
    EntraAdminCenter,
    /// An on-prem export of unknown origin.
    UnknownOnPrem,
    /// A cloud export of unknown origin.
    UnknownCloud,
    /// Nothing tells which tool or side.
    Unknown,
}

impl ExportKind {
    /// The kind in words: "Get-ADUser export (Export-Csv)".
    pub fn describe(self) -> &'static str {
        match self {
            ExportKind::GetAdUser => "Get-ADUser export (Export-Csv)",
            ExportKind::Csvde => "csvde export",
            ExportKind::Ldifde => "ldifde LDIF export",
            ExportKind::GetAzureAdUser => "Get-AzureADUser export (AzureAD module)",
            ExportKind::GetMsolUser => "Get-MsolUser export (MSOnline module)",
            ExportKind::GetMgUser => "Get-MgUser export (Microsoft Graph PowerShell)",
            ExportKind::EntraAdminCenter => "Entra admin center \"Download users\" file",
            ExportKind::UnknownOnPrem => "on-premises AD export",
            ExportKind::UnknownCloud => "Entra ID export",
            ExportKind::Unknown => "export of unknown origin",
        }
    }

    /// The side this kind of export is, if it tells.
    pub fn side(self) -> Option<Side> {
        match self {
            ExportKind::GetAdUser
            | ExportKind::Csvde
            | ExportKind::Ldifde
            | ExportKind::UnknownOnPrem => Some(Side::OnPrem),
            ExportKind::GetAzureAdUser
            | ExportKind::GetMsolUser
            | ExportKind::GetMgUser
            | ExportKind::EntraAdminCenter
            | ExportKind::UnknownCloud => Some(Side::Cloud),
            ExportKind::Unknown => None,
        }
    }
}

impl fmt::Display for ExportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// How sure a [`Detection`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// Nothing in the file tells; the caller's slot was trusted.
    Unsure,
    /// The columns are those of one tool.
    Likely,
    /// The file names its type (`#TYPE`, LDIF, csvde's header).
    Certain,
}

/// Which tool wrote the file and which side it is, and why we think so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// The kind of export (the tool that wrote it).
    pub kind: ExportKind,
    /// The side: the kind's, or the caller's slot when unsure.
    pub side: Option<Side>,
    /// How sure.
    pub confidence: Confidence,
    /// Why, in a short sentence.
    pub evidence: String,
}

impl Detection {
    fn new(kind: ExportKind, confidence: Confidence, evidence: impl Into<String>) -> Detection {
        Detection { kind, side: kind.side(), confidence, evidence: evidence.into() }
    }
}

/// `#TYPE` names Windows PowerShell 5.1 writes for each module's objects (with `Selected.`
/// prepended after `Select-Object`).
const TYPE_NAMES: &[(&str, ExportKind)] = &[
    ("Microsoft.ActiveDirectory.Management.AD", ExportKind::GetAdUser),
    ("Microsoft.Open.AzureAD.Model.User", ExportKind::GetAzureAdUser),
    ("Microsoft.Online.Administration.User", ExportKind::GetMsolUser),
    ("Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser", ExportKind::GetMgUser),
];

/// Column sets (normalised header names, all required) that only one tool exports, first match
/// wins. Get-AzureADUser and Get-MsolUser both have ImmutableId; only the former DirSyncEnabled.
const COLUMN_RULES: &[(&[&str], ExportKind, &str)] = &[
    (
        &["onpremisesimmutableid"],
        ExportKind::GetMgUser,
        "it has Microsoft Graph's OnPremisesImmutableId column",
    ),
    (
        &["onpremisessyncenabled"],
        ExportKind::GetMgUser,
        "it has Microsoft Graph's OnPremisesSyncEnabled column",
    ),
    (
        &["immutableid", "dirsyncenabled"],
        ExportKind::GetAzureAdUser,
        "it has Get-AzureADUser's ImmutableId and DirSyncEnabled columns",
    ),
    (
        &["immutableid", "lastdirsynctime"],
        ExportKind::GetMsolUser,
        "it has Get-MsolUser's ImmutableId and LastDirSyncTime columns",
    ),
    (&["samaccountname"], ExportKind::GetAdUser, "it has the on-prem AD column SamAccountName"),
    (
        &["distinguishedname"],
        ExportKind::GetAdUser,
        "it has the on-prem AD column DistinguishedName",
    ),
    (&["dn"], ExportKind::UnknownOnPrem, "it has the on-prem AD column DN"),
    (
        &["objectguid", "name"],
        ExportKind::GetAdUser,
        "it has Get-ADUser's Name column beside objectGUID, as the tutorial's on-prem export",
    ),
    (&["objectid"], ExportKind::UnknownCloud, "it has Entra ID's ObjectId column"),
    (&["id"], ExportKind::UnknownCloud, "it has Microsoft Graph's Id column"),
    (&["usertype"], ExportKind::UnknownCloud, "it has Entra ID's UserType column"),
];

/// Tells which tool wrote an export. `hint` is the caller's slot, taken as the side only when
/// nothing in the file tells.
pub(crate) fn detect(
    type_line: Option<&str>,
    format: FileFormat,
    headers: &[String],
    columns: &ColumnMap,
    hint: Option<Side>,
) -> Detection {
    use Confidence::{Certain, Likely, Unsure};
    if format == FileFormat::Ldif {
        return Detection::new(
            ExportKind::Ldifde,
            Certain,
            "the file is LDIF, as ldifde writes it",
        );
    }
    if let Some(type_name) = type_line {
        let bare = type_name.strip_prefix("Selected.").unwrap_or(type_name);
        if let Some(&(_, kind)) = TYPE_NAMES.iter().find(|(prefix, _)| bare.starts_with(prefix)) {
            return Detection::new(
                kind,
                Certain,
                format!("Windows PowerShell 5.1 wrote `#TYPE {type_name}` on the first line"),
            );
        }
    }
    let has_header = |name: &str| headers.iter().any(|h| normalize(h) == name);
    let spaced = |name: &str| headers.iter().any(|h| h.trim().eq_ignore_ascii_case(name));
    if headers.first().is_some_and(|h| h.trim() == "DN") && has_header("objectclass") {
        return Detection::new(
            ExportKind::Csvde,
            Certain,
            "the header starts `DN,objectClass` as csvde writes it",
        );
    }
    let has = |field: Field| columns.has(field);
    if spaced("User principal name") || spaced("On-premises immutable ID") || spaced("Object Id") {
        return Detection::new(
            ExportKind::EntraAdminCenter,
            Likely,
            "the headers are the admin center's (\"User principal name\", \"Object Id\"…)",
        );
    }
    if let Some(&(_, kind, evidence)) =
        COLUMN_RULES.iter().find(|(names, _, _)| names.iter().all(|n| has_header(n)))
    {
        return Detection::new(kind, Likely, evidence);
    }
    if has(Field::ObjectGuid) && !has(Field::ImmutableId) {
        return Detection::new(
            ExportKind::UnknownOnPrem,
            Likely,
            "it has objectGUID but no ImmutableId column",
        );
    }
    if has(Field::ObjectGuid) && has(Field::ImmutableId) {
        let kind = match hint {
            Some(Side::OnPrem) => ExportKind::GetAdUser,
            Some(Side::Cloud) => ExportKind::GetAzureAdUser,
            None => ExportKind::Unknown,
        };
        return Detection {
            kind,
            side: hint,
            confidence: Unsure,
            evidence: "UserPrincipalName, objectGUID and ImmutableID are in both of the \
                       tutorial's exports, and there is no #TYPE line or Name column to tell them \
                       apart"
                .to_string(),
        };
    }
    Detection {
        kind: ExportKind::Unknown,
        side: hint,
        confidence: Unsure,
        evidence: "no #TYPE line and no column that only one side exports".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_csv(type_line: Option<&str>, headers: &[&str], hint: Option<Side>) -> Detection {
        let headers: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        let columns = ColumnMap::detect(&headers);
        let format =
            FileFormat::Csv { delimiter: b',', quoted: super::super::dialect::Quoting::All };
        detect(type_line, format, &headers, &columns, hint)
    }

    /// `name: #TYPE, [headers], slot => kind, side, confidence;`
    macro_rules! detects {
        ($($name:ident: $type_line:expr, [$($h:expr),*], $hint:expr => $kind:ident, $side:expr, $confidence:ident;)*) => {$(
            #[test]
            fn $name() {
                let d = detect_csv($type_line, &[$($h),*], $hint);
                assert_eq!((d.kind, d.side, d.confidence), (ExportKind::$kind, $side, Confidence::$confidence));
                assert!(!d.evidence.is_empty());
            }
        )*};
    }

    const AD: Option<&str> = Some("Selected.Microsoft.ActiveDirectory.Management.ADUser");
    const ONPREM: Option<Side> = Some(Side::OnPrem);
    const CLOUD: Option<Side> = Some(Side::Cloud);

    detects! {
        type_selected_aduser: AD, ["UserPrincipalName", "objectGUID", "ImmutableID"], None => GetAdUser, ONPREM, Certain;
        type_aduser: Some("Microsoft.ActiveDirectory.Management.ADUser"), ["UserPrincipalName"], None => GetAdUser, ONPREM, Certain;
        type_azuread: Some("Selected.Microsoft.Open.AzureAD.Model.User"), ["UserPrincipalName", "objectGUID", "ImmutableID"], None => GetAzureAdUser, CLOUD, Certain;
        type_mguser: Some("Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser"), ["Id"], None => GetMgUser, CLOUD, Certain;
        type_msol: Some("Microsoft.Online.Administration.User"), ["ObjectId"], None => GetMsolUser, CLOUD, Certain;
        type_other: Some("System.Management.Automation.PSCustomObject"), ["UserPrincipalName", "ImmutableID"], None => Unknown, None, Unsure;
        csvde: None, ["DN", "objectClass", "objectGUID"], None => Csvde, ONPREM, Certain;
        admin_center: None, ["User principal name", "Display name", "Object Id"], None => EntraAdminCenter, CLOUD, Likely;
        mguser_columns: None, ["Id", "UserPrincipalName", "OnPremisesImmutableId", "OnPremisesSyncEnabled"], None => GetMgUser, CLOUD, Likely;
        azuread_columns: None, ["UserPrincipalName", "ImmutableId", "DirSyncEnabled"], None => GetAzureAdUser, CLOUD, Likely;
        msol_columns: None, ["UserPrincipalName", "ImmutableId", "LastDirSyncTime", "ObjectId"], None => GetMsolUser, CLOUD, Likely;
        aduser_columns: None, ["UserPrincipalName", "SamAccountName", "ObjectGUID"], None => GetAdUser, ONPREM, Likely;
        tutorial_onprem_in_cloud_slot: None, ["UserPrincipalName", "Name", "objectGUID", "ImmutableID"], CLOUD => GetAdUser, ONPREM, Likely;
        objectid_is_cloud: None, ["UserPrincipalName", "ObjectId", "ImmutableId"], None => UnknownCloud, CLOUD, Likely;
        guid_only_is_onprem: None, ["UserPrincipalName", "objectGUID"], None => UnknownOnPrem, ONPREM, Likely;
        tutorial_cloud_trusts_slot: None, ["UserPrincipalName", "objectGUID", "ImmutableID"], CLOUD => GetAzureAdUser, CLOUD, Unsure;
        tutorial_onprem_trusts_slot: None, ["UserPrincipalName", "objectGUID", "ImmutableID"], ONPREM => GetAdUser, ONPREM, Unsure;
        tutorial_no_slot: None, ["UserPrincipalName", "objectGUID", "ImmutableID"], None => Unknown, None, Unsure;
        immutable_only: None, ["UserPrincipalName", "ImmutableID"], CLOUD => Unknown, CLOUD, Unsure;
    }

    #[test]
    fn ldif_is_ldifde() {
        let d = detect(None, FileFormat::Ldif, &[], &ColumnMap::default(), Some(Side::Cloud));
        assert_eq!((d.kind, d.side), (ExportKind::Ldifde, Some(Side::OnPrem)));
    }
}
