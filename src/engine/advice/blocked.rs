//! What a blocked join means and how to lift the block: the 2026 hard-match hardening (roles,
//! `onPremisesObjectIdentifier`), the tenant's takeover switch, and soft match to an admin.

use super::{ps_quote, set_anchor_of, Fix};
use crate::engine::report::{held_roles, BlockCause, Entry, Finding, HeldRole, MatchReport};
use crate::engine::report::{SoftMatchKey, Verdict};
use crate::engine::users::CloudUser;

/// The roles the entry's cloud user holds, from its findings.
fn roles<'e>(entry: &'e Entry<'_>) -> &'e [HeldRole] {
    entry
        .findings
        .iter()
        .find_map(|f| match f {
            Finding::HoldsRoles { roles } => Some(roles.as_slice()),
            _ => None,
        })
        .unwrap_or_default()
}

/// The names of the privileged roles held (or, `eligible`, only eligible for).
fn privileged(roles: &[HeldRole], eligible: bool) -> String {
    let names: Vec<&str> = roles
        .iter()
        .filter(|r| r.privileged && r.eligible == eligible)
        .map(|r| r.name.as_str())
        .collect();
    names.join(", ")
}

/// Why the join is blocked, for a blocked verdict.
pub(super) fn reason(report: &MatchReport, entry: &Entry) -> Option<String> {
    let c = report.cloud_of(entry);
    let cloud_anchor = c.map_or("", CloudUser::immutable_id);
    let roles = roles(entry);
    Some(match &entry.verdict {
        Verdict::HardMatchBlocked { cause } => {
            let why = match cause {
                BlockCause::TiedToOtherObject => format!(
                    "its onPremisesObjectIdentifier already names another on-prem object ({}), \
                     and since 1 July 2026 Entra does not re-point it (\"OnPremisesObjectIdentifier \
                     cannot be changed unless its current value is null.\")",
                    c.map_or("", |c| c.on_premises_object_identifier().trim())
                ),
                BlockCause::PrivilegedRole => format!(
                    "it holds a privileged Entra role ({}), and since the 2026 hardening Entra does \
                     not take such a user over (\"The cloud user with privileged roles is not \
                     allowed to be taken over.\")",
                    privileged(roles, false)
                ),
                BlockCause::PrivilegedEligibility => format!(
                    "it is eligible (PIM) for a privileged Entra role ({}), and since the 2026 \
                     hardening Entra does not take such a user over",
                    privileged(roles, true)
                ),
                BlockCause::TakeoverSwitch => "it is cloud-managed (not synced) and the tenant has \
                     BlockCloudObjectTakeoverThroughHardMatchEnabled on"
                    .to_string(),
            };
            format!(
                "The cloud ImmutableID {cloud_anchor} equals the anchor computed from {}, but \
                 {why}: the export of this object fails with {}, and the cloud user stays as it \
                 is until the block is lifted.",
                report.anchor_attribute.describe(),
                cause.error()
            )
        }
        Verdict::SoftMatchBlocked { by } => format!(
            "The cloud user has no ImmutableID and the same {}, but it holds an admin role ({}), \
             and soft match never joins an admin (\"Existing Admin Role Conflict\"): Entra Connect \
             creates a second user, which clashes on the UPN or address.",
            match by {
                SoftMatchKey::PrimarySmtp => "primary SMTP address",
                SoftMatchKey::Upn => "userPrincipalName",
            },
            held_roles(roles)
        ),
        _ => return None,
    })
}

/// How to lift the block, for a blocked verdict.
pub(super) fn fix(report: &MatchReport, entry: &Entry) -> Option<Fix> {
    let c = report.cloud_of(entry)?;
    let target = ps_quote(if c.upn().is_empty() { c.object_id() } else { c.upn() });
    let roles = roles(entry);
    match &entry.verdict {
        Verdict::HardMatchBlocked { cause: BlockCause::TiedToOtherObject } => Some(Fix {
            summary: "Clear the cloud user's onPremisesObjectIdentifier (null is the only value \
                      Graph accepts), then let the sync hard-match it. Needs the \
                      User-OnPremisesSyncBehavior.ReadWrite.All permission and the Global or \
                      Hybrid Identity Administrator role."
                .into(),
            powershell: format!(
                "# Beta Graph: clears onPremisesObjectIdentifier {identifier}\n\
                 Connect-MgGraph -Scopes 'User-OnPremisesSyncBehavior.ReadWrite.All'\n\
                 Invoke-MgGraphRequest -Method PATCH -Uri \"https://graph.microsoft.com/beta/users/$([uri]::EscapeDataString({target}))\" -Body @{{ onPremisesObjectIdentifier = $null }}\n\
                 # Or, with ADSyncTools 2.5 or later: Clear-ADSyncToolsOnPremisesAttribute",
                identifier = c.on_premises_object_identifier().trim(),
            ),
        }),
        Verdict::HardMatchBlocked {
            cause: BlockCause::PrivilegedRole | BlockCause::PrivilegedEligibility,
        } => Some(remove_and_restore_roles(&target, roles)),
        Verdict::HardMatchBlocked { cause: BlockCause::TakeoverSwitch } => Some(Fix {
            summary: "Turn BlockCloudObjectTakeoverThroughHardMatchEnabled off for the matching \
                      window only: run the sync, check the user matched, and turn it on again. \
                      Needs OnPremDirectorySynchronization.ReadWrite.All and the Global \
                      Administrator role."
                .into(),
            powershell: "Connect-MgGraph -Scopes 'OnPremDirectorySynchronization.ReadWrite.All'\n\
                 $sync = Get-MgDirectoryOnPremiseSynchronization | Select-Object -First 1\n\
                 Update-MgDirectoryOnPremiseSynchronization -OnPremisesDirectorySynchronizationId $sync.Id -BodyParameter @{ features = @{ blockCloudObjectTakeoverThroughHardMatchEnabled = $false } }\n\
                 # Run the sync (Start-ADSyncSyncCycle -PolicyType Delta on the Connect server), check the match, then:\n\
                 Update-MgDirectoryOnPremiseSynchronization -OnPremisesDirectorySynchronizationId $sync.Id -BodyParameter @{ features = @{ blockCloudObjectTakeoverThroughHardMatchEnabled = $true } }"
                .into(),
        }),
        Verdict::SoftMatchBlocked { .. } if !roles.iter().any(|r| r.privileged) => {
            // A hard match is not refused for a role that is not privileged: stamping the
            // anchor turns the refused soft match into one.
            let p = report.onprem_of(entry)?;
            let mut fix = set_anchor_of(report.domains.as_ref(), c, p, entry.anchor.as_deref()?);
            fix.summary = format!(
                "Stamp the anchor on the cloud user, so the sync hard-matches it (a hard match is \
                 not refused for roles that are not privileged). {}",
                fix.summary
            );
            Some(fix)
        }
        Verdict::SoftMatchBlocked { .. } => Some(remove_and_restore_roles(&target, roles)),
        _ => None,
    }
}

/// Saves the user's roles, removes them for the first sync, and restores them afterwards.
fn remove_and_restore_roles(target: &str, roles: &[HeldRole]) -> Fix {
    Fix {
        summary: format!(
            "Remove the user's roles, let the first sync match it, then restore them: {}. Needs \
             RoleManagement.ReadWrite.Directory and the Privileged Role Administrator role.",
            held_roles(roles)
        ),
        powershell: format!(
            "Connect-MgGraph -Scopes 'User.Read.All','RoleManagement.ReadWrite.Directory'\n\
             $id = (Get-MgUser -UserId {target}).Id\n\
             # 1. Before the sync: save the roles (to roles-<id>.xml, in this folder), then remove them\n\
             $active = @(Get-MgRoleManagementDirectoryRoleAssignment -All -Filter \"principalId eq '$id'\")\n\
             $eligible = @(Get-MgRoleManagementDirectoryRoleEligibilitySchedule -All -Filter \"principalId eq '$id'\")\n\
             @{{ Active = $active; Eligible = $eligible }} | Export-Clixml \"roles-$id.xml\"\n\
             $active | ForEach-Object {{ Remove-MgRoleManagementDirectoryRoleAssignment -UnifiedRoleAssignmentId $_.Id }}\n\
             $eligible | ForEach-Object {{ New-MgRoleManagementDirectoryRoleEligibilityScheduleRequest -Action adminRemove -PrincipalId $id -RoleDefinitionId $_.RoleDefinitionId -DirectoryScopeId $_.DirectoryScopeId -Justification 'Entra Connect hard match' }}\n\
             # 2. After the sync has matched the user: restore them (eligibilities without their old expiry)\n\
             $saved = Import-Clixml \"roles-$id.xml\"\n\
             $saved.Active | ForEach-Object {{ New-MgRoleManagementDirectoryRoleAssignment -PrincipalId $id -RoleDefinitionId $_.RoleDefinitionId -DirectoryScopeId $_.DirectoryScopeId }}\n\
             $saved.Eligible | ForEach-Object {{ New-MgRoleManagementDirectoryRoleEligibilityScheduleRequest -Action adminAssign -PrincipalId $id -RoleDefinitionId $_.RoleDefinitionId -DirectoryScopeId $_.DirectoryScopeId -Justification 'Restored after the Entra Connect hard match' -ScheduleInfo @{{ StartDateTime = (Get-Date); Expiration = @{{ Type = 'noExpiration' }} }} }}"
        ),
    }
}
