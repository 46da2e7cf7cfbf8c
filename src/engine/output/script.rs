//! The fix script: reviewed-before-run Microsoft Graph PowerShell that stamps the right
//! ImmutableID on every mismatched cloud user and clears the `onPremisesObjectIdentifier` that
//! blocks a hard match, and that can be undone.
//!
//! The changes are data (one commented row a user), applied by one loop. Before it changes
//! anything the script reads each value it will overwrite from Graph, saves them to a CSV beside
//! itself and writes an undo script that puts them back. Every change, set or clear, is a
//! `PATCH` through `Invoke-MgGraphRequest`: `Update-MgUser -OnPremisesImmutableId $null` sends
//! `""` instead of null (msgraph-sdk-powershell#2514).

use std::fmt::Write as _;

use crate::engine::advice::ps_quote;
use crate::engine::audit::Audit;
use crate::engine::output::{entry_view, group_digits, record_lines};
use crate::engine::report::{BlockCause, Category, Entry, MatchReport, Verdict};

/// The Graph scope for user writes.
const USER_SCOPE: &str = "User.ReadWrite.All";
/// The Graph scope to clear `onPremisesObjectIdentifier`.
const SYNC_BEHAVIOR_SCOPE: &str = "User-OnPremisesSyncBehavior.ReadWrite.All";
/// The Graph scope to set a password, which moving a user off a federated domain requires.
const PASSWORD_SCOPE: &str = "User-PasswordProfile.ReadWrite.All";

/// One property write the script makes.
struct Change<'a> {
    entry: Entry<'a>,
    /// The user, by UPN, else object id.
    user_id: &'a str,
    /// `onPremisesObjectIdentifier` is read and written on the beta endpoint only.
    api: &'static str,
    property: &'static str,
    /// None clears the value.
    value: Option<String>,
    /// For a user on a federated domain, the UPN on the initial domain it moves to while its
    /// ImmutableID is set: Entra keeps a federated user's ImmutableID.
    managed_upn: Option<String>,
}

/// What the script changes, in report order: the anchor of each mismatch with a cloud row, and
/// the identifier of each user whose hard match it blocks. A mismatch on a federated domain is
/// left out when the domains file names no initial domain to move it through.
fn changes(audit: &Audit) -> Vec<Change<'_>> {
    let report = &audit.report;
    let domains = report.domains.as_ref();
    (0..report.entries.len())
        .map(|i| report.entry(i))
        .filter_map(|entry| {
            let cloud = report.cloud_of(&entry)?;
            let user_id = if cloud.upn().is_empty() { cloud.object_id() } else { cloud.upn() };
            let (api, property, value) = match entry.verdict {
                Verdict::Mismatch { .. } => {
                    ("v1.0", "onPremisesImmutableId", Some(entry.anchor.as_deref()?.to_string()))
                }
                Verdict::HardMatchBlocked { cause: BlockCause::TiedToOtherObject } => {
                    ("beta", "onPremisesObjectIdentifier", None)
                }
                _ => return None,
            };
            let managed_upn = match domains {
                Some(domains) if value.is_some() && domains.is_federated(cloud.upn()) => {
                    Some(domains.managed_upn(cloud.upn())?)
                }
                _ => None,
            };
            Some(Change { entry, user_id, api, property, value, managed_upn })
        })
        .collect()
}
/// The script's text. Deterministic: the same audit gives the same bytes.
pub fn fix_script(audit: &Audit) -> String {
    let report = &audit.report;
    let changes = changes(audit);
    let sets = changes.iter().filter(|c| c.value.is_some()).count();
    let clears = changes.len() - sets;
    let moves = changes.iter().filter(|c| c.managed_upn.is_some()).count();
    let mut scopes = vec![USER_SCOPE];
    if clears > 0 {
        scopes.push(SYNC_BEHAVIOR_SCOPE);
    }
    if moves > 0 {
        scopes.push(PASSWORD_SCOPE);
    }
    let scope_list = scopes.join(", ");
    let scopes = scopes.iter().map(|s| ps_quote(s)).collect::<Vec<_>>().join(", ");
    let mut s = String::new();
    let _ = write!(
        s,
        "<#\n\
         \x20 Anchor Audit fix script, made from this run:\n\
         {record}\
         \n\
         \x20 What it does:\n\
         \x20 - sets onPremisesImmutableId on {sets} cloud user(s) to the anchor Entra Connect will\n\
         \x20   compute for the same person's on-premises account, so that the cut-over hard-matches\n\
         \x20   them instead of creating a duplicate user;\n\
         \x20 - clears onPremisesObjectIdentifier (to null, the only value Graph accepts) on {clears}\n\
         \x20   cloud user(s) tied to another on-premises object, which since July 2026 blocks their\n\
         \x20   hard match.\n\
         {federated}\
         \n\
         \x20 It can be undone. Before it changes anything it reads every value it will change from\n\
         \x20 Graph, saves them to anchor-audit-backup-<time>.csv beside itself, and writes\n\
         \x20 anchor-audit-undo-<time>.ps1, which puts the ImmutableIDs back. A cleared\n\
         \x20 onPremisesObjectIdentifier cannot be put back through Graph (null is the only value it\n\
         \x20 accepts): the backup keeps the old value for the record.\n\
         \n\
         \x20 Before you run it:\n\
         \x20 - Read every row below. Run it first with -WhatIf to see what it would change.\n\
         \x20 - Requires Microsoft Graph PowerShell: Install-Module Microsoft.Graph.Authentication\n\
         \x20 - Graph scopes: {scope_list}.\n\
         \x20 - Run it as a User Administrator.{clear_role}{move_role}\n\
         {federated_note}\
         \x20 - While Okta (or another engine) still provisions these users it may write the old\n\
         \x20   value back: turn its ImmutableID mapping or provisioning off first.\n\
         #>\n\
         #Requires -Modules Microsoft.Graph.Authentication\n\
         [CmdletBinding(SupportsShouldProcess)]\n\
         param()\n\
         $ErrorActionPreference = 'Stop'\n",
        record = record_lines(audit)
            .iter()
            .map(|line| format!("    {}\n", comment_safe(line)))
            .collect::<String>(),
        sets = group_digits(sets as u64),
        clears = group_digits(clears as u64),
        federated = federated_lines(report, moves),
        clear_role = if clears > 0 {
            "\n  - The identifier clears need a Global or Hybrid Identity Administrator."
        } else {
            ""
        },
        move_role = if moves > 0 {
            "\n  - Setting a password on a user who holds an admin role needs a Privileged\n\
             \x20   Authentication Administrator."
        } else {
            ""
        },
        federated_note = if report.domains.is_none() {
            "  - A user whose UPN is on a federated domain must first be moved to a managed domain\n\
             \x20   (e.g. …onmicrosoft.com): Entra does not change its ImmutableID while the UPN is\n\
             \x20   federated. Change it back after the anchor is set. Give the report a domains\n\
             \x20   file and this script does it.\n"
        } else {
            ""
        },
    );
    if changes.is_empty() {
        s.push_str("\n# Nothing for this script to change.\n");
    } else {
        let _ = writeln!(s, "Connect-MgGraph -Scopes {scopes} -NoWelcome");
        write_changes(audit, &changes, &mut s);
        s.push_str(APPLY);
        s.push_str(&undo_script(moves > 0));
        s.push_str(APPLY_TAIL);
        if moves > 0 {
            s.push_str(ON_MANAGED_DOMAIN);
            s.push_str(CHANGE_MOVING_FEDERATED);
        } else {
            s.push_str(CHANGE);
        }
    }
    write_not_fixed(audit, &changes, &mut s);
    s
}

/// What the header says of users on federated domains, from the domains file: how many the
/// script moves through the initial domain, and how many it leaves out for want of one.
fn federated_lines(report: &MatchReport, moves: usize) -> String {
    let Some(domains) = &report.domains else { return String::new() };
    let mut lines = String::new();
    if let (true, Some(initial)) = (moves > 0, &domains.initial) {
        let _ = write!(
            lines,
            "  - moves each of the {moves} cloud user(s) on a federated domain ({federated}, by\n\
             \x20   {file}) to {initial} and back around its ImmutableID: Entra does\n\
             \x20   not change the ImmutableID of a user whose UPN is on a federated domain. Graph\n\
             \x20   requires a password to move a user off a federated domain, so the script sets a\n\
             \x20   random one that nobody is told; it is unused once the UPN is back on the\n\
             \x20   federated domain. The user cannot sign in for the seconds in between. Where\n\
             \x20   another user holds the UPN on {initial}, the move fails and the script\n\
             \x20   stops before it changes that user.\n",
            moves = group_digits(moves as u64),
            federated = comment_safe(&domains.federated.join(", ")),
            file = comment_safe(&domains.file),
        );
    }
    let left_out = (0..report.entries.len())
        .map(|i| report.entry(i))
        .filter(|e| matches!(e.verdict, Verdict::Mismatch { .. }))
        .filter_map(|e| report.cloud_of(&e))
        .filter(|c| domains.initial.is_none() && domains.is_federated(c.upn()))
        .count();
    if left_out > 0 {
        let _ = write!(
            lines,
            "  - leaves out {left_out} mismatched cloud user(s) on a federated domain: {file}\n\
             \x20   names no initial (…onmicrosoft.com) domain to move them through while their\n\
             \x20   ImmutableID is set. Export it with IsInitial and run the report again.\n",
            left_out = group_digits(left_out as u64),
            file = comment_safe(&domains.file),
        );
    }
    lines
}

/// One commented row a change, in `$changes`.
fn write_changes(audit: &Audit, changes: &[Change], s: &mut String) {
    let report = &audit.report;
    s.push_str("\n# The changes, one row a user: review each.\n$changes = @(\n");
    for (i, change) in changes.iter().enumerate() {
        let Some(cloud) = report.cloud_of(&change.entry) else { continue };
        let view = entry_view(report, &change.entry);
        let onprem_line = view.onprem.as_ref().map_or(0, |p| p.line);
        let (now, set_to) = match &change.value {
            Some(anchor) => (cloud.immutable_id(), anchor.as_str()),
            None => (cloud.on_premises_object_identifier(), "null"),
        };
        let _ = write!(
            s,
            "    # {number}. {upn} (cloud line {cloud_line}; on-prem line {onprem_line})\n\
             \x20   #    {property} now: {now}\n\
             \x20   #    set to: {set_to}\n\
             \x20   #    why:    {reason}\n\
             {moves_note}\
             \x20   [pscustomobject]@{{ UserId = {user}; Api = '{api}'; Property = '{property}'; Value = {value}{moves_to} }}\n",
            number = i + 1,
            upn = comment_safe(cloud.upn()),
            cloud_line = cloud.at().line,
            property = change.property,
            now = comment_safe(now.trim()),
            set_to = comment_safe(set_to),
            reason = comment_safe(&view.reason),
            user = ps_quote(change.user_id),
            api = change.api,
            value = change.value.as_deref().map_or_else(|| "$null".to_string(), ps_quote),
            moves_note = change.managed_upn.as_deref().map_or_else(String::new, |upn| {
                format!("    #    its domain is federated: it moves to {} and back\n", comment_safe(upn))
            }),
            moves_to = change
                .managed_upn
                .as_deref()
                .map_or_else(String::new, |upn| format!("; ManagedUpn = {}", ps_quote(upn))),
        );
    }
    s.push_str(")\n");
}

/// Saves what will change, then opens the undo script's here-string.
const APPLY: &str = "
# 1. Save every value it will change, read live from Graph, before changing any.
$here = if ($PSScriptRoot) { $PSScriptRoot } else { (Get-Location).Path }
$stamp = Get-Date -Format 'yyyyMMdd-HHmmss'
$backup = Join-Path $here ('anchor-audit-backup-' + $stamp + '.csv')
$undo = Join-Path $here ('anchor-audit-undo-' + $stamp + '.ps1')
$saved = @(foreach ($change in $changes) {
    $user = Invoke-MgGraphRequest -Method GET -Uri ('https://graph.microsoft.com/' + $change.Api + '/users/' + [uri]::EscapeDataString($change.UserId) + '?$select=id,userPrincipalName,' + $change.Property)
    [pscustomobject]@{ Id = $user.id; UserPrincipalName = $user.userPrincipalName; Api = $change.Api; Property = $change.Property; WasNull = ($null -eq $user[$change.Property]); Value = $user[$change.Property]; ManagedUpn = $change.ManagedUpn }
})
$saved | Export-Csv -LiteralPath $backup -NoTypeInformation -Encoding UTF8

# 2. Write the undo script, which finds the backup by its name.
$undoScript = @'
";

/// Closes the here-string and writes the undo script.
const APPLY_TAIL: &str = "'@
Set-Content -LiteralPath $undo -Value $undoScript.Replace('__BACKUP__', (Split-Path -Leaf $backup)) -Encoding UTF8
Write-Host ('Saved the values it changes to ' + $backup + '. To undo, run ' + $undo)
";

/// Makes the changes by the object ids read for the backup.
const CHANGE: &str = "
# 3. Make the changes.
for ($i = 0; $i -lt $changes.Count; $i++) {
    $change = $changes[$i]
    $shown = if ($null -eq $change.Value) { 'null' } else { $change.Value }
    if ($PSCmdlet.ShouldProcess($change.UserId, 'Set ' + $change.Property + ' to ' + $shown)) {
        Invoke-MgGraphRequest -Method PATCH -Uri ('https://graph.microsoft.com/' + $change.Api + '/users/' + $saved[$i].Id) -Body @{ ($change.Property) = $change.Value }
    }
}
";

/// [`CHANGE`], with each user that has a `ManagedUpn` written through [`ON_MANAGED_DOMAIN`].
const CHANGE_MOVING_FEDERATED: &str = "
# 3. Make the changes. A user on a federated domain moves to the initial domain and back.
for ($i = 0; $i -lt $changes.Count; $i++) {
    $change = $changes[$i]
    $shown = if ($null -eq $change.Value) { 'null' } else { $change.Value }
    $uri = 'https://graph.microsoft.com/' + $change.Api + '/users/' + $saved[$i].Id
    $body = @{ ($change.Property) = $change.Value }
    if ($change.ManagedUpn) {
        if ($PSCmdlet.ShouldProcess($change.UserId, 'Move to ' + $change.ManagedUpn + ', set ' + $change.Property + ' to ' + $shown + ', move back')) {
            Invoke-OnManagedDomain $uri $change.ManagedUpn $saved[$i].UserPrincipalName $body
        }
    } elseif ($PSCmdlet.ShouldProcess($change.UserId, 'Set ' + $change.Property + ' to ' + $shown)) {
        Invoke-MgGraphRequest -Method PATCH -Uri $uri -Body $body
    }
}
";

/// Writes a federated user's ImmutableID, in the fix script and its undo script. Entra keeps
/// the ImmutableID of a user whose UPN is on a federated domain, so the UPN moves to the managed
/// initial domain (which Graph allows only with a password: a random one nobody is told) and
/// back, in a `finally` so that a failed write does not leave the user there.
const ON_MANAGED_DOMAIN: &str = "
function Invoke-OnManagedDomain([string]$Uri, [string]$ManagedUpn, [string]$Upn, [hashtable]$Body) {
    $bytes = [byte[]]::new(24)
    [Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($bytes)
    $password = [Convert]::ToBase64String($bytes) + 'aA1!'
    Invoke-MgGraphRequest -Method PATCH -Uri $Uri -Body @{ userPrincipalName = $ManagedUpn; passwordProfile = @{ password = $password; forceChangePasswordNextSignIn = $false } }
    try {
        Invoke-MgGraphRequest -Method PATCH -Uri $Uri -Body $Body
    } finally {
        Invoke-MgGraphRequest -Method PATCH -Uri $Uri -Body @{ userPrincipalName = $Upn }
    }
}
";

/// The undo script, the body of a single-quoted here-string: nothing in it is expanded when
/// the fix script writes it, and it holds no value from the exports. With `moves`, it moves
/// the federated users through the initial domain as the fix script did.
fn undo_script(moves: bool) -> String {
    let mut scopes = vec![USER_SCOPE];
    if moves {
        scopes.push(PASSWORD_SCOPE);
    }
    let scopes = scopes.iter().map(|s| ps_quote(s)).collect::<Vec<_>>().join(", ");
    let restore = if moves {
        "\x20       if ($row.ManagedUpn) {\n\
         \x20           Invoke-OnManagedDomain $uri $row.ManagedUpn $row.UserPrincipalName $body\n\
         \x20       } else {\n\
         \x20           Invoke-MgGraphRequest -Method PATCH -Uri $uri -Body $body\n\
         \x20       }\n"
    } else {
        "\x20       Invoke-MgGraphRequest -Method PATCH -Uri $uri -Body $body\n"
    };
    format!(
        "<#\n\
         \x20 Anchor Audit undo script: puts back the values its fix script saved in __BACKUP__\n\
         \x20 (beside this script) before changing them. Run it first with -WhatIf.\n\
         #>\n\
         #Requires -Modules Microsoft.Graph.Authentication\n\
         [CmdletBinding(SupportsShouldProcess)]\n\
         param([string]$Backup = (Join-Path $PSScriptRoot '__BACKUP__'))\n\
         $ErrorActionPreference = 'Stop'\n\
         Connect-MgGraph -Scopes {scopes} -NoWelcome\n{function}\
         foreach ($row in Import-Csv -LiteralPath $Backup) {{\n\
         \x20   if ($row.Property -eq 'onPremisesObjectIdentifier') {{\n\
         \x20       Write-Warning ('Not restored, Graph only clears it: ' + $row.UserPrincipalName + ' onPremisesObjectIdentifier was ' + $row.Value)\n\
         \x20       continue\n\
         \x20   }}\n\
         \x20   $value = if ($row.WasNull -eq 'True') {{ $null }} else {{ $row.Value }}\n\
         \x20   $uri = 'https://graph.microsoft.com/' + $row.Api + '/users/' + $row.Id\n\
         \x20   $body = @{{ ($row.Property) = $value }}\n\
         \x20   if ($PSCmdlet.ShouldProcess($row.UserPrincipalName, 'Restore ' + $row.Property)) {{\n\
         {restore}\
         \x20   }}\n\
         }}\n",
        function = if moves { ON_MANAGED_DOMAIN } else { "" },
    )
}

/// The line naming what the report shows and this script does not fix.
fn write_not_fixed(audit: &Audit, changes: &[Change], s: &mut String) {
    let counts = &audit.counts;
    let mut manual: Vec<String> = [
        Category::Mismatch,
        Category::HardMatchBlocked,
        Category::SoftMatchBlocked,
        Category::DuplicateAnchor,
        Category::CloudOrphan,
        Category::OnPremOnly,
    ]
    .into_iter()
    .map(|c| {
        let fixed = changes.iter().filter(|x| x.entry.category() == c).count() as u64;
        (c, counts.get(c) - fixed)
    })
    .filter(|(_, n)| *n > 0)
    .map(|(c, n)| format!("{} {}", group_digits(n), c.label()))
    .collect();
    if !audit.unreadable.is_empty() {
        manual.push(format!("{} unreadable row(s)", group_digits(audit.unreadable.len() as u64)));
    }
    if !manual.is_empty() {
        let _ =
            write!(s, "\n# Not fixed by this script (see the report): {}.\n", manual.join(", "));
    }
}

/// Text placed in a `#` comment: one line, and no `#>` that would end the header block. Names
/// come from the exports, so a newline in one must not start a line of code.
fn comment_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .replace("#>", "# >")
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::audit::{audit, AuditOptions, Input};
    use crate::engine::context::KnownDomains;

    fn run(onprem: &str, cloud: &str) -> String {
        run_with(onprem, cloud, &AuditOptions::default())
    }

    fn run_with(onprem: &str, cloud: &str, options: &AuditOptions) -> String {
        let result = audit(
            Input { name: "onprem.csv", bytes: onprem.as_bytes() },
            Input { name: "cloud.csv", bytes: cloud.as_bytes() },
            options,
        )
        .unwrap();
        let script = fix_script(&result);
        assert_eq!(script, fix_script(&result), "deterministic");
        script
    }

    #[test]
    fn one_data_row_per_mismatch_with_quotes_escaped() {
        let onprem = "UserPrincipalName,Name,SamAccountName,objectGUID,mail\r\n\
                      o'brien@contoso.com,\"Paddy\nRemove-MgUser -UserId x\",pobrien,35918bc9-196d-40ea-9779-889d79b753f0,\r\n\
                      ada@contoso.com,Ada,ada,fcc7e67f-fec6-4a65-b821-2f40a292d185,\r\n";
        let cloud = "UserPrincipalName,DisplayName,OnPremisesImmutableId,OnPremisesSyncEnabled\r\n\
                     o'brien@contoso.com,\"Paddy\nRemove-MgUser -UserId x\",00ub0oNGTSWTBKOLGLNR,True\r\n\
                     ada@contoso.com,Ada,f+bH/Mb+ZUq4IS9AopLRhQ==,True\r\n";
        let script = run(onprem, cloud);
        assert_eq!(script.matches("[pscustomobject]@{ UserId =").count(), 1, "{script}");
        assert!(script.contains(
            "    [pscustomobject]@{ UserId = 'o''brien@contoso.com'; Api = 'v1.0'; Property = 'onPremisesImmutableId'; Value = 'yYuRNW0Z6kCXeYidebdT8A==' }\n"
        ), "{script}");
        assert!(script.contains("#    onPremisesImmutableId now: 00ub0oNGTSWTBKOLGLNR\n"));
        assert!(script.contains("[CmdletBinding(SupportsShouldProcess)]"));
        assert!(script.contains("Connect-MgGraph -Scopes 'User.ReadWrite.All' -NoWelcome\n"));
        // The name's newline never starts a line of code.
        assert!(!script.lines().any(|l| l.trim_start().starts_with("Remove-MgUser")), "{script}");
        // No Update-MgUser: it would send "" for a null (msgraph-sdk-powershell#2514).
        assert!(!script.contains("Update-MgUser"), "{script}");
    }

    #[test]
    fn it_saves_what_it_changes_and_writes_the_undo_script_first() {
        let onprem = "UserPrincipalName,objectGUID\r\nada@contoso.com,fcc7e67f-fec6-4a65-b821-2f40a292d185\r\n";
        let cloud =
            "UserPrincipalName,OnPremisesImmutableId\r\nada@contoso.com,00ub0oNGTSWTBKOLGLNR\r\n";
        let script = run(onprem, cloud);
        let at = |needle: &str| script.find(needle).unwrap_or_else(|| panic!("{needle}\n{script}"));
        let (read, backup, undo, patch) = (
            at("-Method GET"),
            at("Export-Csv -LiteralPath $backup"),
            at("Set-Content -LiteralPath $undo"),
            at("-Method PATCH -Uri ('https://graph.microsoft.com/' + $change.Api"),
        );
        assert!(read < backup && backup < undo && undo < patch, "{script}");
        // The undo script is a single-quoted here-string: nothing in it runs or expands when the
        // fix script writes it, and it finds the backup by the name written into it.
        let here = &script[at("$undoScript = @'\n")..at("\n'@\n")];
        assert!(here.contains("param([string]$Backup = (Join-Path $PSScriptRoot '__BACKUP__'))"));
        assert!(here.contains("Import-Csv -LiteralPath $Backup"));
        assert!(
            here.contains("$value = if ($row.WasNull -eq 'True') { $null } else { $row.Value }")
        );
        assert!(script.contains("$undoScript.Replace('__BACKUP__', (Split-Path -Leaf $backup))"));
        // Each change is made by the object id read for the backup, so both name one user.
        assert!(script
            .contains("'/users/' + $saved[$i].Id) -Body @{ ($change.Property) = $change.Value }"));
        assert!(script.contains("if ($PSCmdlet.ShouldProcess($change.UserId, "));
    }

    #[test]
    fn a_user_tied_to_another_object_gets_its_identifier_cleared_on_beta() {
        let onprem = "UserPrincipalName,objectGUID\r\nada@contoso.com,fcc7e67f-fec6-4a65-b821-2f40a292d185\r\n";
        let cloud = "UserPrincipalName,OnPremisesImmutableId,OnPremisesObjectIdentifier\r\n\
                     ada@contoso.com,f+bH/Mb+ZUq4IS9AopLRhQ==,38023ff9-cca8-49a4-9e2f-884e9b427d57\r\n";
        let script = run(onprem, cloud);
        assert!(script.contains(
            "    [pscustomobject]@{ UserId = 'ada@contoso.com'; Api = 'beta'; Property = 'onPremisesObjectIdentifier'; Value = $null }\n"
        ), "{script}");
        assert!(script.contains(
            "#    onPremisesObjectIdentifier now: 38023ff9-cca8-49a4-9e2f-884e9b427d57\n"
        ));
        assert!(script.contains(
            "Connect-MgGraph -Scopes 'User.ReadWrite.All', 'User-OnPremisesSyncBehavior.ReadWrite.All' -NoWelcome\n"
        ));
        assert!(script.contains("Global or Hybrid Identity Administrator"));
        // Graph takes only null for it, so the undo script says so instead of trying.
        assert!(script.contains("Write-Warning ('Not restored, Graph only clears it: '"));
        assert!(!script.contains("# Not fixed by this script"), "{script}");
    }

    /// Ada is on federated contoso.com, Bob on managed fabrikam.com; both mismatch.
    fn federated(initial: Option<&str>) -> String {
        let onprem = "UserPrincipalName,objectGUID\r\n\
                      ada@contoso.com,fcc7e67f-fec6-4a65-b821-2f40a292d185\r\n\
                      bob@fabrikam.com,35918bc9-196d-40ea-9779-889d79b753f0\r\n";
        let cloud = "UserPrincipalName,OnPremisesImmutableId\r\n\
                     ada@contoso.com,00ub0oNGTSWTBKOLGLNR\r\nbob@fabrikam.com,00ub0oNGTSWTBKOLGLNS\r\n";
        let mut options = AuditOptions::default();
        options.matching.domains = Some(KnownDomains {
            file: "domains.csv".into(),
            verified: vec!["contoso.com".into(), "fabrikam.com".into()],
            federated: vec!["contoso.com".into()],
            initial: initial.map(str::to_string),
        });
        run_with(onprem, cloud, &options)
    }

    #[test]
    fn a_federated_user_moves_to_the_initial_domain_and_back_around_its_change() {
        let script = federated(Some("contoso.onmicrosoft.com"));
        assert!(script.contains(
            "    #    its domain is federated: it moves to ada@contoso.onmicrosoft.com and back\n\
             \x20   [pscustomobject]@{ UserId = 'ada@contoso.com'; Api = 'v1.0'; Property = 'onPremisesImmutableId'; Value = 'f+bH/Mb+ZUq4IS9AopLRhQ==';\
             \x20ManagedUpn = 'ada@contoso.onmicrosoft.com' }\n"
        ), "{script}");
        assert!(script.contains(
            "[pscustomobject]@{ UserId = 'bob@fabrikam.com'; Api = 'v1.0'; Property = 'onPremisesImmutableId'; Value = 'yYuRNW0Z6kCXeYidebdT8A==' }\n"
        ), "{script}");
        assert!(script.contains(
            "moves each of the 1 cloud user(s) on a federated domain (contoso.com, by\n"
        ));
        assert!(script.contains(
            "Connect-MgGraph -Scopes 'User.ReadWrite.All', 'User-PasswordProfile.ReadWrite.All' -NoWelcome\n"
        ), "{script}");
        assert!(script.contains("Privileged\n    Authentication Administrator."), "{script}");
        assert!(!script.contains("Give the report a domains"), "{script}");
        // The move: to the managed UPN with a password Graph requires, the write, and the move
        // back in a finally, whatever the write did.
        let at =
            |needle: &str| script.rfind(needle).unwrap_or_else(|| panic!("{needle}\n{script}"));
        let function = &script[at("\nfunction Invoke-OnManagedDomain")..];
        let (away, write, back) = (
            at("-Body @{ userPrincipalName = $ManagedUpn; passwordProfile = @{ password = $password;"),
            at("        Invoke-MgGraphRequest -Method PATCH -Uri $Uri -Body $Body\n    } finally {\n"),
            at("-Body @{ userPrincipalName = $Upn }"),
        );
        assert!(away < write && write < back, "{function}");
        assert!(script.contains(
            "Invoke-OnManagedDomain $uri $change.ManagedUpn $saved[$i].UserPrincipalName $body\n"
        ));
        // The backup keeps where each user moved, and the undo script moves it the same way.
        assert!(script.contains("; ManagedUpn = $change.ManagedUpn }"));
        let here =
            &script[script.find("$undoScript = @'\n").unwrap()..script.find("\n'@\n").unwrap()];
        assert!(here.contains("function Invoke-OnManagedDomain"), "{here}");
        assert!(here
            .contains("Invoke-OnManagedDomain $uri $row.ManagedUpn $row.UserPrincipalName $body"));
        assert!(here.contains("'User.ReadWrite.All', 'User-PasswordProfile.ReadWrite.All'"));
    }

    #[test]
    fn without_an_initial_domain_a_federated_user_is_left_out_and_said_so() {
        let script = federated(None);
        assert_eq!(script.matches("[pscustomobject]@{ UserId =").count(), 1, "{script}");
        assert!(
            !script.contains("UserId = 'ada@contoso.com'") && !script.contains("ManagedUpn = '")
        );
        assert!(script.contains(
            "leaves out 1 mismatched cloud user(s) on a federated domain: domains.csv\n"
        ));
        assert!(
            script.ends_with("# Not fixed by this script (see the report): 1 mismatch.\n"),
            "{script}"
        );
        assert!(!script.contains("Invoke-OnManagedDomain") && !script.contains("PasswordProfile"));
    }

    #[test]
    fn without_a_domains_file_the_header_says_what_to_do_by_hand() {
        let onprem = "UserPrincipalName,objectGUID\r\nada@contoso.com,fcc7e67f-fec6-4a65-b821-2f40a292d185\r\n";
        let cloud =
            "UserPrincipalName,OnPremisesImmutableId\r\nada@contoso.com,00ub0oNGTSWTBKOLGLNR\r\n";
        let script = run(onprem, cloud);
        assert!(script.contains("must first be moved to a managed domain"), "{script}");
        assert!(
            script.contains("Give the report a domains\n    file and this script does it.\n"),
            "{script}"
        );
        assert!(!script.contains("Invoke-OnManagedDomain") && !script.contains("ManagedUpn = '"));
    }

    #[test]
    fn nothing_to_change_connects_to_nothing() {
        let onprem = "UserPrincipalName,objectGUID\r\nada@contoso.com,fcc7e67f-fec6-4a65-b821-2f40a292d185\r\n\
                      bob@contoso.com,35918bc9-196d-40ea-9779-889d79b753f0\r\n";
        let cloud = "UserPrincipalName,OnPremisesImmutableId\r\nada@contoso.com,f+bH/Mb+ZUq4IS9AopLRhQ==\r\n";
        let script = run(onprem, cloud);
        assert!(script.contains("\n# Nothing for this script to change.\n"), "{script}");
        assert!(!script.contains("Connect-MgGraph"), "{script}");
        assert!(
            script.ends_with("# Not fixed by this script (see the report): 1 on-prem only.\n"),
            "{script}"
        );
    }

    #[test]
    fn comments_cannot_be_escaped() {
        assert_eq!(comment_safe("a\r\nRemove-MgUser x\u{2028}#>"), "a  Remove-MgUser x # >");
    }
}
