//! Which kind of tenant context file a table is, from what its columns hold.

use std::fmt;

use super::columns::{comparable, find, has};
use super::roles::ROLE;
use super::{domains, features, roles};
use crate::engine::error::ErrorKind;
use crate::engine::read::{FileFormat, PlainTable};

/// The kinds of tenant context file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextKind {
    /// Who holds which Entra role.
    RoleAssignments,
    /// Who is eligible for which role through PIM.
    RoleEligibilities,
    /// The tenant's domains.
    Domains,
    /// The tenant's sync features.
    SyncFeatures,
}

impl ContextKind {
    /// Every kind, in the order the page and the help list them.
    pub const ALL: [ContextKind; 4] = [
        ContextKind::RoleAssignments,
        ContextKind::RoleEligibilities,
        ContextKind::Domains,
        ContextKind::SyncFeatures,
    ];

    /// The PowerShell that makes a file of this kind.
    pub fn command(self) -> &'static str {
        match self {
            ContextKind::RoleAssignments => roles::FIX,
            ContextKind::RoleEligibilities => roles::ELIGIBLE_FIX,
            ContextKind::Domains => domains::FIX,
            ContextKind::SyncFeatures => features::FIX,
        }
    }
}

impl fmt::Display for ContextKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContextKind::RoleAssignments => "role assignments",
            ContextKind::RoleEligibilities => "PIM role eligibilities",
            ContextKind::Domains => "domains",
            ContextKind::SyncFeatures => "sync features",
        })
    }
}

/// The kind of context file `table` is, or why it is none.
pub(super) fn recognise(table: &PlainTable) -> Result<ContextKind, ErrorKind> {
    let headers = &table.headers;
    let unknown = |looks_like: String| Err(ErrorKind::UnknownContextFile { looks_like });
    if matches!(table.format, FileFormat::Ldif) {
        return unknown("an LDIF export of directory objects".into());
    }
    let feature_columns = [
        features::BLOCK_SOFT_MATCH,
        features::BLOCK_CLOUD_TAKEOVER,
        features::ALLOW_OBJECT_IDENTIFIER_UPDATE,
    ];
    let long_shape =
        has(headers, &[features::FEATURE_NAME]) && has(headers, &[features::FEATURE_ENABLED]);
    if long_shape || has(headers, &feature_columns) {
        return Ok(ContextKind::SyncFeatures);
    }
    if let Some(column) = find(headers, &["Features"]) {
        // `Get-MgDirectoryOnPremiseSynchronization | Export-Csv` writes the features' type name.
        let type_name = table.rows.get(0).map(|row| column.value(&row).to_string());
        return Err(ErrorKind::TypeNameInColumn {
            column: column.header,
            type_name: type_name.unwrap_or_default(),
            fix: features::FIX.into(),
        });
    }
    let domain_columns = ["AuthenticationType", "IsVerified", "IsInitial", "IsDefault"];
    if has(headers, &domain_columns) && has(headers, &domains::NAME) {
        return Ok(ContextKind::Domains);
    }
    // A role column makes it a roles file: reading it then says which principal column is missing.
    if has(headers, &ROLE) {
        let type_line = table.type_line.as_deref().unwrap_or("");
        let eligible = type_line.contains("Eligibility")
            || has(headers, &["ScheduleInfo"])
            || (has(headers, &["MemberType"]) && has(headers, &["Status"]));
        return Ok(if eligible {
            ContextKind::RoleEligibilities
        } else {
            ContextKind::RoleAssignments
        });
    }
    unknown(looks_like(headers))
}

/// What a table that is no context file looks like, from its columns.
fn looks_like(headers: &[String]) -> String {
    const USER_EXPORT: [&str; 5] = [
        "objectguid",
        "msdsconsistencyguid",
        "onpremisesimmutableid",
        "immutableid",
        "samaccountname",
    ];
    if let Some(header) = headers.iter().find(|h| USER_EXPORT.contains(&comparable(h).as_str())) {
        return format!(
            "a user export (it has a `{header}` column): give it as the on-prem or the cloud export"
        );
    }
    let shown: Vec<String> = headers.iter().take(6).map(|h| format!("`{h}`")).collect();
    let more = if headers.len() > shown.len() { ", …" } else { "" };
    format!("a table of {}{more}", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::context::read_context;

    fn kind_of(csv: &str) -> Result<ContextKind, String> {
        read_context("context.csv", csv.as_bytes()).map(|f| f.kind()).map_err(|e| e.to_string())
    }

    const ID: &str = "1f7c4a3e-5b8d-4e2f-9a61-0c3d2b1a4e5f";

    #[test]
    fn each_kind_is_recognised_by_its_columns() {
        assert_eq!(
            kind_of("Role Name,User Principal Name\nGlobal Administrator,a@b.com\n"),
            Ok(ContextKind::RoleAssignments)
        );
        assert_eq!(
            kind_of(&format!("Id,PrincipalId,RoleDefinitionId,DirectoryScopeId,MemberType,Status\n{ID},{ID},{ID},/,Direct,Provisioned\n")),
            Ok(ContextKind::RoleEligibilities)
        );
        assert_eq!(
            kind_of(&format!("#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUnifiedRoleEligibilitySchedule\nPrincipalId,RoleDefinitionId\n{ID},{ID}\n")),
            Ok(ContextKind::RoleEligibilities)
        );
        assert_eq!(kind_of("Id;IsVerified\ncontoso.com;True\n"), Ok(ContextKind::Domains));
        assert_eq!(kind_of("BlockSoftMatchEnabled\nFalse\n"), Ok(ContextKind::SyncFeatures));
    }

    #[test]
    fn the_features_type_name_says_how_to_export_them() {
        let error = kind_of(
            "\"Configuration\",\"Features\",\"Id\"\n\"Microsoft.Graph.PowerShell.Models.MicrosoftGraphOnPremisesDirectorySynchronizationConfiguration\",\"Microsoft.Graph.PowerShell.Models.MicrosoftGraphOnPremisesDirectorySynchronizationFeature\",\"{ID}\"\n",
        )
        .unwrap_err();
        assert!(error.contains("Features") && error.contains(".Features | Export-Csv"), "{error}");
    }

    #[test]
    fn a_file_of_no_kind_is_refused_with_what_it_looks_like_and_each_command() {
        let error = kind_of("UserPrincipalName,objectGUID\na@b.com,{ID}\n").unwrap_err();
        assert!(error.contains("context.csv") && error.contains("a user export"), "{error}");
        for kind in ContextKind::ALL {
            assert!(error.contains(kind.command()), "{kind} is not offered in: {error}");
        }
        let error = kind_of("City,Country\nParis,France\n").unwrap_err();
        assert!(error.contains("`City`, `Country`"), "{error}");
    }
}
