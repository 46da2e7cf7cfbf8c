//! Who holds an Entra role, or is eligible for one through PIM: the cloud users a hard match may
//! no longer take over (since the 2026 hardening), and the ones a soft match never joins.

use uuid::Uuid;

use super::columns::{find, read_rows, reject_at, Column};
use crate::engine::error::{Error, ErrorKind};
use crate::engine::read::{PlainTable, Reject};

/// Columns that name the role, in order of preference: names before ids.
pub(super) const ROLE: [&str; 8] = [
    "RoleName",
    "RoleDisplayName",
    "RoleDefinitionName",
    "RoleDefinitionDisplayName",
    "Role",
    "RoleDefinitionId",
    "RoleTemplateId",
    "RoleId",
];
/// Columns that hold the principal's UPN.
pub(super) const PRINCIPAL_UPN: [&str; 4] =
    ["UserPrincipalName", "PrincipalUserPrincipalName", "PrincipalUpn", "Upn"];
/// Columns that hold the principal's object id. `Id` only where no other says so: in a role
/// assignment export it is the assignment's own id (see [`principal_id`]).
pub(super) const PRINCIPAL_ID: [&str; 4] =
    ["PrincipalId", "PrincipalObjectId", "ObjectId", "MemberId"];

/// How the file grants its roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleGrant {
    /// Active assignments.
    Assigned,
    /// PIM eligibilities: the principal can activate the role.
    Eligible,
}

/// The role, as the file names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleRef {
    /// Its display name ("Global Administrator").
    Name(String),
    /// Its definition id: a built-in role's is its template id.
    DefinitionId(Uuid),
}

/// Whom a role is granted to: by UPN, by object id, or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The principal's UPN (users only).
    pub upn: Option<String>,
    /// Its object id: joins to the cloud export's `Id`.
    pub object_id: Option<Uuid>,
}

/// One grant of a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleAssignment {
    /// Which role.
    pub role: RoleRef,
    /// To whom.
    pub principal: Principal,
    /// The line it is on.
    pub line: u64,
}

/// A role assignments or PIM eligibilities file, read.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleAssignments {
    /// Whether the file's grants are active or eligible.
    pub grant: RoleGrant,
    /// Every grant, in file order.
    pub assignments: Vec<RoleAssignment>,
    /// The records that could not be read or used.
    pub rejects: Vec<Reject>,
}

/// The principal's object id column: one of [`PRINCIPAL_ID`], or `Id` in a file that is one row
/// per member (`Get-MgDirectoryRoleMember`), where it is the member's own.
pub(super) fn principal_id(headers: &[String]) -> Option<Column> {
    find(headers, &PRINCIPAL_ID).or_else(|| {
        let assignment_shaped = find(headers, &["RoleDefinitionId", "DirectoryScopeId"]).is_some();
        if assignment_shaped {
            None
        } else {
            find(headers, &["Id"])
        }
    })
}

impl RoleAssignments {
    pub(super) fn read(table: PlainTable, grant: RoleGrant) -> Result<RoleAssignments, Error> {
        let headers = &table.headers;
        let role = find(headers, &ROLE).ok_or_else(|| ErrorKind::MissingColumn {
            column: "a role column (`RoleName`, `RoleDefinitionId`…)".into(),
            fix: FIX.into(),
        })?;
        let upn = find(headers, &PRINCIPAL_UPN);
        let id = principal_id(headers);
        if upn.is_none() && id.is_none() {
            return Err(ErrorKind::MissingColumn {
                column: "a principal column (`UserPrincipalName` or `PrincipalId`)".into(),
                fix: FIX.into(),
            }
            .into());
        }
        let (assignments, rejects) = read_rows(table, |row, file| {
            let role_value = role.value(row);
            if role_value.is_empty() {
                return Err(role.reject(row, file, role_value, "no role named"));
            }
            let role = match Uuid::try_parse(role_value) {
                Ok(id) => RoleRef::DefinitionId(id),
                Err(_) => RoleRef::Name(role_value.to_string()),
            };
            let upn_value = upn.as_ref().map(|c| c.value(row)).filter(|v| !v.is_empty());
            let object_id = match id.as_ref().map(|c| (c, c.value(row))) {
                Some((_, "")) | None => None,
                Some((column, value)) => match Uuid::try_parse(value) {
                    Ok(id) => Some(id),
                    Err(_) => {
                        return Err(column.reject(
                            row,
                            file,
                            value,
                            "expected an object id (a GUID)",
                        ))
                    }
                },
            };
            if upn_value.is_none() && object_id.is_none() {
                let kind = ErrorKind::BadValue {
                    value: String::new(),
                    reason: "the row names no principal (UPN or object id)".into(),
                };
                return Err(reject_at(row, file, row.position(), kind));
            }
            let principal = Principal { upn: upn_value.map(str::to_string), object_id };
            Ok(RoleAssignment { role, principal, line: row.line })
        });
        Ok(RoleAssignments { grant, assignments, rejects })
    }
}

/// The command that makes a role assignments file.
pub(super) const FIX: &str = "Get-MgRoleManagementDirectoryRoleAssignment -All -ExpandProperty \
     Principal | Select-Object @{n='RoleDefinitionId';e={$_.RoleDefinitionId}}, PrincipalId, \
     @{n='UserPrincipalName';e={$_.Principal.AdditionalProperties.userPrincipalName}} | \
     Export-Csv roles.csv -NoTypeInformation";

/// The command that makes a PIM eligibilities file.
pub(super) const ELIGIBLE_FIX: &str =
    "Get-MgRoleManagementDirectoryRoleEligibilitySchedule -All | \
     Select-Object Id, PrincipalId, RoleDefinitionId, DirectoryScopeId, MemberType, Status | \
     Export-Csv pim-eligible.csv -NoTypeInformation";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::context::{read_context, ContextFile};

    fn roles(csv: &str) -> RoleAssignments {
        match read_context("roles.csv", csv.as_bytes()).unwrap() {
            ContextFile::Roles(roles) => roles,
            other => panic!("read as {:?}", other.kind()),
        }
    }

    const ADA: &str = "1f7c4a3e-5b8d-4e2f-9a61-0c3d2b1a4e5f";
    const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";

    #[test]
    fn reads_names_ids_and_upns() {
        let r = roles(&format!(
            "RoleName,UserPrincipalName,PrincipalId\n\
             Global Administrator,ada@contoso.com,{ADA}\n\
             {GLOBAL_ADMIN},,{ADA}\n"
        ));
        assert_eq!(r.grant, RoleGrant::Assigned);
        assert_eq!(r.assignments.len(), 2);
        let first = &r.assignments[0];
        assert_eq!(first.role, RoleRef::Name("Global Administrator".into()));
        assert_eq!(first.principal.upn.as_deref(), Some("ada@contoso.com"));
        assert_eq!(first.principal.object_id, Some(Uuid::parse_str(ADA).unwrap()));
        assert_eq!(
            r.assignments[1].role,
            RoleRef::DefinitionId(Uuid::parse_str(GLOBAL_ADMIN).unwrap())
        );
        assert_eq!(r.assignments[1].principal.upn, None);
    }

    #[test]
    fn an_assignments_id_is_not_its_principal() {
        let error = read_context(
            "roles.csv",
            format!("Id,RoleDefinitionId,DirectoryScopeId\nlAPpYvVp-1,{GLOBAL_ADMIN},/\n")
                .as_bytes(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("principal column"), "{error}");
    }

    #[test]
    fn a_member_file_names_its_principal_by_id() {
        let r = roles(&format!("RoleName,Id,DisplayName\nUser Administrator,{ADA},Ada\n"));
        assert_eq!(r.assignments[0].principal.object_id, Some(Uuid::parse_str(ADA).unwrap()));
    }

    #[test]
    fn rows_without_a_principal_or_with_a_bad_id_are_rejected_in_place() {
        let r = roles(&format!(
            "RoleName,UserPrincipalName,PrincipalId\nHelpdesk Administrator,,\n\
             Global Administrator,,not-a-guid\nGlobal Administrator,,{ADA}\n"
        ));
        assert_eq!(r.assignments.len(), 1);
        let lines: Vec<u64> =
            r.rejects.iter().map(|x| x.error.position().map_or(0, |p| p.line)).collect();
        assert_eq!(lines, [2, 3]);
        assert!(r.rejects[1].error.to_string().contains("PrincipalId"), "{}", r.rejects[1].error);
    }
}
