//! What the report says of the whole run rather than of one user.

use super::roles::CloudRoles;
use super::suffix::upn_domain;
use super::MatchOptions;
use crate::engine::context::KnownRoles;
use crate::engine::model::fold_cow;
use crate::engine::report::{Category, Entries, Notice, Severity};
use crate::engine::users::CloudUsers;

/// Entra Connect deletes no more than this many objects in one export unless told to
/// (the accidental-delete threshold's default).
pub const DELETE_THRESHOLD: usize = 500;

/// How many of the role grants that join no cloud user the report lists (the rest are counted).
const UNMATCHED_SHOWN: usize = 20;

/// The run's notices: the accidental-delete threshold, what these exports cannot tell, and
/// what the context files say of the whole tenant.
pub(super) fn notices(
    entries: &Entries,
    cloud: &CloudUsers,
    roles: &CloudRoles,
    options: &MatchOptions,
) -> Vec<Notice> {
    let mut notices = Vec::new();
    let synced_orphans = (0..entries.len())
        .filter(|&i| entries.category(i) == Category::CloudOrphan)
        .filter_map(|i| entries.cloud(i))
        .filter(|&c| cloud.get(c as usize).synced() == Some(true))
        .count();
    if synced_orphans > DELETE_THRESHOLD {
        notices.push(Notice {
            severity: Severity::Problem,
            message: format!(
                "{synced_orphans} synced cloud users match nothing on-prem: more than the \
                 accidental-delete threshold ({DELETE_THRESHOLD}), so Entra Connect will stop \
                 exporting if it is asked to delete them"
            ),
        });
    }
    let not_checked = match (&options.roles, &options.domains) {
        (None, None) => Some(
            "Not checked from these exports: cloud users holding admin roles (not matched: \
             \"Existing Admin Role Conflict\") and UPNs on federated domains (their ImmutableID \
             cannot be changed until the UPN moves to a managed domain)",
        ),
        (None, Some(_)) => Some(
            "Not checked from these exports: cloud users holding admin roles (not matched: \
             \"Existing Admin Role Conflict\")",
        ),
        (Some(_), None) => Some(
            "Not checked from these exports: UPNs on federated domains (their ImmutableID cannot \
             be changed until the UPN moves to a managed domain)",
        ),
        (Some(_), Some(_)) => None,
    };
    if let Some(message) = not_checked {
        notices.push(Notice { severity: Severity::Info, message: message.into() });
    }
    if let Some(known) = &options.roles {
        role_notices(known, roles, &mut notices);
    }
    let Some(domains) = &options.domains else { return notices };
    let federated_mismatches = (0..entries.len())
        .filter(|&i| entries.category(i) == Category::Mismatch)
        .filter_map(|i| entries.cloud(i))
        .filter(|&c| {
            let domain = fold_cow(upn_domain(cloud.get(c as usize).upn()));
            domains.federated.iter().any(|f| *f == domain)
        })
        .count();
    if federated_mismatches > 0 {
        let managed = domains.initial.as_deref().unwrap_or("the tenant's onmicrosoft.com domain");
        notices.push(Notice {
            severity: Severity::Warning,
            message: format!(
                "{federated_mismatches} mismatched cloud users have UPNs on federated domains \
                 ({}, by {}): Entra does not change an ImmutableID there. For each, move the UPN \
                 to {managed}, set the ImmutableID, then move the UPN back",
                domains.federated.join(", "),
                domains.file
            ),
        });
    }
    notices
}

/// What the role files say that no entry shows: grants whose principal is no cloud user of the
/// export (listed, not dropped), and roles that are not built in.
fn role_notices(known: &KnownRoles, roles: &CloudRoles, notices: &mut Vec<Notice>) {
    let unmatched = &roles.unmatched;
    if !unmatched.is_empty() {
        notices.push(Notice {
            severity: Severity::Warning,
            message: format!(
                "{} of {} role rows name a principal that is no user of the cloud export (a \
                 group, a service principal, or a user the export left out): not checked",
                unmatched.len(),
                known.grants.len()
            ),
        });
        for &g in unmatched.iter().take(UNMATCHED_SHOWN) {
            let grant = &known.grants[g as usize];
            let principal = match (&grant.upn, grant.object_id) {
                (Some(upn), _) => upn.clone(),
                (None, Some(id)) => format!("object {}", id.hyphenated()),
                (None, None) => "no principal".into(),
            };
            notices.push(Notice {
                severity: Severity::Warning,
                message: format!(
                    "{} line {}: {} {} {principal}, who is not in the cloud export",
                    known.files[grant.file as usize],
                    grant.line,
                    grant.role,
                    if grant.eligible { "eligibility for" } else { "granted to" },
                ),
            });
        }
        if unmatched.len() > UNMATCHED_SHOWN {
            notices.push(Notice {
                severity: Severity::Warning,
                message: format!("{} more such role rows", unmatched.len() - UNMATCHED_SHOWN),
            });
        }
    }
    let custom = known.grants.iter().filter(|g| !g.builtin).count();
    if custom > 0 {
        notices.push(Notice {
            severity: Severity::Info,
            message: format!(
                "{custom} role rows name roles that are not built in (custom roles): their \
                 holders count as admins (soft match never joins them) but not as privileged. \
                 Entra labels a custom role privileged by its permissions: list those with \
                 Get-MgBetaRoleManagementDirectoryRoleDefinition -Filter \"isPrivileged eq true\""
            ),
        });
    }
}
