//! The role grants of a run's role files as the match uses them: each named and rated
//! privileged or not, whatever the file called the role by.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::builtin_roles::{by_id, by_name};
use super::roles::{RoleAssignments, RoleGrant, RoleRef};

/// Every grant of the run's role files (assignments and PIM eligibilities).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownRoles {
    /// The files they come from, for the report.
    pub files: Vec<String>,
    /// Every grant, file by file in file order.
    pub grants: Vec<KnownGrant>,
}

/// One grant of a role to a principal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownGrant {
    /// The role's display name, or its definition id where it is no built-in role.
    pub role: String,
    /// Whether Entra labels the role privileged. A role that is not built in (a custom role)
    /// counts as not: whether it is cannot be told from the file.
    pub privileged: bool,
    /// Whether the role is one of the built-in ones.
    pub builtin: bool,
    /// A PIM eligibility rather than an active assignment.
    pub eligible: bool,
    /// The principal's UPN, as the file has it.
    pub upn: Option<String>,
    /// The principal's object id.
    pub object_id: Option<Uuid>,
    /// Which of [`KnownRoles::files`] it comes from.
    pub file: u32,
    /// Its line there.
    pub line: u64,
}

impl KnownRoles {
    /// Adds a role file's grants.
    pub fn add(&mut self, name: &str, roles: &RoleAssignments) {
        let file = self.files.len() as u32;
        self.files.push(name.to_string());
        let eligible = roles.grant == RoleGrant::Eligible;
        self.grants.extend(roles.assignments.iter().map(|a| {
            let builtin = match &a.role {
                RoleRef::Name(name) => by_name(name),
                RoleRef::DefinitionId(id) => by_id(*id),
            };
            let role = match (builtin, &a.role) {
                (Some(b), _) => b.name.to_string(),
                (None, RoleRef::Name(name)) => name.clone(),
                (None, RoleRef::DefinitionId(id)) => format!("role {}", id.hyphenated()),
            };
            KnownGrant {
                role,
                privileged: builtin.is_some_and(|b| b.privileged),
                builtin: builtin.is_some(),
                eligible,
                upn: a.principal.upn.clone(),
                object_id: a.principal.object_id,
                file,
                line: a.line,
            }
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::context::{read_context, ContextFile};

    fn known(name: &str, csv: &str) -> KnownRoles {
        let ContextFile::Roles(roles) = read_context(name, csv.as_bytes()).unwrap() else {
            panic!("not a roles file")
        };
        let mut known = KnownRoles::default();
        known.add(name, &roles);
        known
    }

    #[test]
    fn names_ids_and_custom_roles_are_rated() {
        let known = known(
            "roles.csv",
            "RoleName,UserPrincipalName\n\
             global administrator,ada@contoso.com\n\
             Exchange Administrator,bo@contoso.com\n\
             Contoso Helpdesk,cy@contoso.com\n\
             fe930be7-5e62-47db-91af-98c3a49a38b1,di@contoso.com\n\
             0b5ed0e8-1111-4a4a-9c9c-123456789abc,ed@contoso.com\n",
        );
        let rated: Vec<_> =
            known.grants.iter().map(|g| (g.role.as_str(), g.privileged, g.builtin)).collect();
        assert_eq!(
            rated,
            [
                ("Global Administrator", true, true),
                ("Exchange Administrator", false, true),
                ("Contoso Helpdesk", false, false),
                ("User Administrator", true, true),
                ("role 0b5ed0e8-1111-4a4a-9c9c-123456789abc", false, false),
            ]
        );
        assert!(known.grants.iter().all(|g| !g.eligible && g.file == 0));
        assert_eq!(known.grants[4].line, 6);
    }

    #[test]
    fn eligibilities_are_marked() {
        let known = known(
            "pim.csv",
            "Id,PrincipalId,RoleDefinitionId,DirectoryScopeId,MemberType,Status\n\
             x1,1f7c4a3e-5b8d-4e2f-9a61-0c3d2b1a4e5f,62e90394-69f5-4237-9190-012177145e10,/,Direct,Provisioned\n",
        );
        assert!(known.grants[0].eligible && known.grants[0].privileged);
        assert!(known.grants[0].object_id.is_some());
    }
}
