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
use crate::engine::output::{entry_view, group_digits};
use crate::engine::report::{BlockCause, Category, Entry, Verdict};

/// The Graph scope for user writes.
const USER_SCOPE: &str = "User.ReadWrite.All";
/// The Graph scope to clear `onPremisesObjectIdentifier`.
const SYNC_BEHAVIOR_SCOPE: &str = "User-OnPremisesSyncBehavior.ReadWrite.All";

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
}

/// What the script changes, in report order: the anchor of each mismatch with a cloud row, and
/// the identifier of each user whose hard match it blocks.
fn changes(audit: &Audit) -> Vec<Change<'_>> {
    let report = &audit.report;
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
            Some(Change { entry, user_id, api, property, value })
        })
        .collect()
}
/// The script's text. Deterministic: the same audit gives the same bytes.
pub fn fix_script(audit: &Audit) -> String {
    let report = &audit.report;
    let changes = changes(audit);
    let sets = changes.iter().filter(|c| c.value.is_some()).count();
    let clears = changes.len() - sets;
    let mut scopes = vec![USER_SCOPE];
    if clears > 0 {
        scopes.push(SYNC_BEHAVIOR_SCOPE);
    }
    let scope_list = scopes.join(", ");
    let scopes = scopes.iter().map(|s| ps_quote(s)).collect::<Vec<_>>().join(", ");
    let mut s = String::new();
    let _ = write!(
        s,
        "<#\n\
         \x20 Anchor Audit fix script\n\
         \x20 on-prem export: {onprem}\n\
         \x20 cloud export:   {cloud}\n\
         \x20 anchor:         {anchor}\n\
         \n\
         \x20 What it does:\n\
         \x20 - sets onPremisesImmutableId on {sets} cloud user(s) to the anchor Entra Connect will\n\
         \x20   compute for the same person's on-premises account, so that the cut-over hard-matches\n\
         \x20   them instead of creating a duplicate user;\n\
         \x20 - clears onPremisesObjectIdentifier (to null, the only value Graph accepts) on {clears}\n\
         \x20   cloud user(s) tied to another on-premises object, which since July 2026 blocks their\n\
         \x20   hard match.\n\
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
         \x20 - Run it as a User Administrator.{clear_role}\n\
         \x20 - A user whose UPN is on a federated domain must first be moved to a managed domain\n\
         \x20   (e.g. …onmicrosoft.com): Entra does not change its ImmutableID while the UPN is\n\
         \x20   federated. Change it back after the anchor is set.\n\
         \x20 - While Okta (or another engine) still provisions these users it may write the old\n\
         \x20   value back: turn its ImmutableID mapping or provisioning off first.\n\
         #>\n\
         #Requires -Modules Microsoft.Graph.Authentication\n\
         [CmdletBinding(SupportsShouldProcess)]\n\
         param()\n\
         $ErrorActionPreference = 'Stop'\n",
        onprem = comment_safe(&audit.onprem.info.name),
        cloud = comment_safe(&audit.cloud.info.name),
        anchor = report.anchor_attribute.describe(),
        sets = group_digits(sets as u64),
        clears = group_digits(clears as u64),
        clear_role = if clears > 0 {
            "\n  - The identifier clears need a Global or Hybrid Identity Administrator."
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
        s.push_str(&undo_script());
        s.push_str(APPLY_TAIL);
    }
    write_not_fixed(audit, &changes, &mut s);
    s
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
             \x20   [pscustomobject]@{{ UserId = {user}; Api = '{api}'; Property = '{property}'; Value = {value} }}\n",
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
    [pscustomobject]@{ Id = $user.id; UserPrincipalName = $user.userPrincipalName; Api = $change.Api; Property = $change.Property; WasNull = ($null -eq $user[$change.Property]); Value = $user[$change.Property] }
})
$saved | Export-Csv -LiteralPath $backup -NoTypeInformation -Encoding UTF8

# 2. Write the undo script, which finds the backup by its name.
$undoScript = @'
";

/// Closes the here-string, writes the undo script, then makes the changes by the saved ids.
const APPLY_TAIL: &str = "'@
Set-Content -LiteralPath $undo -Value $undoScript.Replace('__BACKUP__', (Split-Path -Leaf $backup)) -Encoding UTF8
Write-Host ('Saved the values it changes to ' + $backup + '. To undo, run ' + $undo)

# 3. Make the changes.
for ($i = 0; $i -lt $changes.Count; $i++) {
    $change = $changes[$i]
    $shown = if ($null -eq $change.Value) { 'null' } else { $change.Value }
    if ($PSCmdlet.ShouldProcess($change.UserId, 'Set ' + $change.Property + ' to ' + $shown)) {
        Invoke-MgGraphRequest -Method PATCH -Uri ('https://graph.microsoft.com/' + $change.Api + '/users/' + $saved[$i].Id) -Body @{ ($change.Property) = $change.Value }
    }
}
";

/// The undo script, the body of a single-quoted here-string: nothing in it is expanded when
/// the fix script writes it, and it holds no value from the exports.
fn undo_script() -> String {
    let scope = ps_quote(USER_SCOPE);
    format!(
        "<#\n\
         \x20 Anchor Audit undo script: puts back the values its fix script saved in __BACKUP__\n\
         \x20 (beside this script) before changing them. Run it first with -WhatIf.\n\
         #>\n\
         #Requires -Modules Microsoft.Graph.Authentication\n\
         [CmdletBinding(SupportsShouldProcess)]\n\
         param([string]$Backup = (Join-Path $PSScriptRoot '__BACKUP__'))\n\
         $ErrorActionPreference = 'Stop'\n\
         Connect-MgGraph -Scopes {scope} -NoWelcome\n\
         foreach ($row in Import-Csv -LiteralPath $Backup) {{\n\
         \x20   if ($row.Property -eq 'onPremisesObjectIdentifier') {{\n\
         \x20       Write-Warning ('Not restored, Graph only clears it: ' + $row.UserPrincipalName + ' onPremisesObjectIdentifier was ' + $row.Value)\n\
         \x20       continue\n\
         \x20   }}\n\
         \x20   $value = if ($row.WasNull -eq 'True') {{ $null }} else {{ $row.Value }}\n\
         \x20   if ($PSCmdlet.ShouldProcess($row.UserPrincipalName, 'Restore ' + $row.Property)) {{\n\
         \x20       Invoke-MgGraphRequest -Method PATCH -Uri ('https://graph.microsoft.com/' + $row.Api + '/users/' + $row.Id) -Body @{{ ($row.Property) = $value }}\n\
         \x20   }}\n\
         }}\n"
    )
}

/// The line naming what the report shows and this script does not fix.
fn write_not_fixed(audit: &Audit, changes: &[Change], s: &mut String) {
    let counts = &audit.counts;
    let mut manual: Vec<String> = [
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

    fn run(onprem: &str, cloud: &str) -> String {
        let result = audit(
            Input { name: "onprem.csv", bytes: onprem.as_bytes() },
            Input { name: "cloud.csv", bytes: cloud.as_bytes() },
            &AuditOptions::default(),
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
