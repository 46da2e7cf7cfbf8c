//! The fix script: reviewed-before-run Microsoft Graph PowerShell that stamps the right
//! ImmutableID on every mismatched cloud user, one commented block per user.

use std::fmt::Write as _;

use crate::engine::advice::ps_quote;
use crate::engine::audit::Audit;
use crate::engine::output::{entry_view, group_digits};
use crate::engine::report::Category;

/// The script's text. Deterministic: the same audit gives the same bytes.
pub fn fix_script(audit: &Audit) -> String {
    let report = &audit.report;
    let fixes: Vec<_> = (0..report.entries.len())
        .filter(|&i| report.entries.category(i) == Category::Mismatch)
        .map(|i| report.entry(i))
        .filter(|e| e.cloud.is_some() && e.anchor.is_some())
        .collect();
    let mut s = String::new();
    let _ = write!(
        s,
        "<#\n\
         \x20 Anchor Audit fix script\n\
         \x20 on-prem export: {onprem}\n\
         \x20 cloud export:   {cloud}\n\
         \x20 anchor:         {anchor}\n\
         \n\
         \x20 What it does: sets OnPremisesImmutableId on {n} cloud user(s) to the anchor Entra\n\
         \x20 Connect will compute for the same person's on-premises account, so that the cut-over\n\
         \x20 hard-matches them instead of creating a duplicate user.\n\
         \n\
         \x20 Before you run it:\n\
         \x20 - Read every block. Run it first with -WhatIf to see what it would change.\n\
         \x20 - Requires Microsoft Graph PowerShell: Install-Module Microsoft.Graph.Users\n\
         \x20 - A user whose UPN is on a federated domain must first be moved to a managed domain\n\
         \x20   (e.g. …onmicrosoft.com); change it back after the anchor is set.\n\
         \x20 - While Okta (or another engine) still provisions these users it may write the old\n\
         \x20   value back: turn its ImmutableID mapping or provisioning off first.\n\
         #>\n\
         #Requires -Modules Microsoft.Graph.Users\n\
         [CmdletBinding(SupportsShouldProcess)]\n\
         param()\n\
         $ErrorActionPreference = 'Stop'\n\
         Connect-MgGraph -Scopes 'User.ReadWrite.All' -NoWelcome\n",
        onprem = comment_safe(&audit.onprem.info.name),
        cloud = comment_safe(&audit.cloud.info.name),
        anchor = report.anchor_attribute.describe(),
        n = group_digits(fixes.len() as u64),
    );
    for (i, entry) in fixes.iter().enumerate() {
        let (Some(cloud), Some(anchor)) = (report.cloud_of(entry), entry.anchor.as_deref()) else {
            continue;
        };
        let view = entry_view(report, entry);
        let onprem_line = view.onprem.as_ref().map_or(0, |p| p.line);
        let _ = write!(
            s,
            "\n# {number}. {upn} (cloud line {cloud_line}; on-prem line {onprem_line})\n\
             #    now:    {old}\n\
             #    set to: {anchor}\n\
             #    why:    {reason}\n\
             if ($PSCmdlet.ShouldProcess({target}, 'Set OnPremisesImmutableId to ' + {value})) {{\n\
             \x20   Update-MgUser -UserId {target} -OnPremisesImmutableId {value}\n\
             }}\n",
            number = i + 1,
            upn = comment_safe(cloud.upn()),
            cloud_line = cloud.at().line,
            old = comment_safe(cloud.immutable_id()),
            anchor = comment_safe(anchor),
            reason = comment_safe(&view.reason),
            target = ps_quote(if cloud.upn().is_empty() { cloud.object_id() } else { cloud.upn() }),
            value = ps_quote(anchor),
        );
    }
    let counts = &audit.counts;
    let manual: Vec<String> = [
        Category::HardMatchBlocked,
        Category::SoftMatchBlocked,
        Category::DuplicateAnchor,
        Category::CloudOrphan,
        Category::OnPremOnly,
    ]
    .into_iter()
    .filter(|c| counts.get(*c) > 0)
    .map(|c| format!("{} {}", group_digits(counts.get(c)), c.label()))
    .collect();
    if !manual.is_empty() || !audit.unreadable.is_empty() {
        let _ = write!(
            s,
            "\n# Not fixed by this script (see the report): {}{}.\n",
            manual.join(", "),
            if audit.unreadable.is_empty() {
                String::new()
            } else {
                format!(", {} unreadable row(s)", group_digits(audit.unreadable.len() as u64))
            }
        );
    }
    s
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

    #[test]
    fn one_guarded_update_per_mismatch_with_quotes_escaped() {
        let onprem = "UserPrincipalName,Name,SamAccountName,objectGUID,mail\r\n\
                      o'brien@contoso.com,\"Paddy\nRemove-MgUser -UserId x\",pobrien,35918bc9-196d-40ea-9779-889d79b753f0,\r\n\
                      ada@contoso.com,Ada,ada,fcc7e67f-fec6-4a65-b821-2f40a292d185,\r\n";
        let cloud = "UserPrincipalName,DisplayName,OnPremisesImmutableId,OnPremisesSyncEnabled\r\n\
                     o'brien@contoso.com,\"Paddy\nRemove-MgUser -UserId x\",00ub0oNGTSWTBKOLGLNR,True\r\n\
                     ada@contoso.com,Ada,f+bH/Mb+ZUq4IS9AopLRhQ==,True\r\n";
        let result = audit(
            Input { name: "onprem.csv", bytes: onprem.as_bytes() },
            Input { name: "cloud.csv", bytes: cloud.as_bytes() },
            &AuditOptions::default(),
        )
        .unwrap();
        let script = fix_script(&result);
        assert_eq!(script.matches("Update-MgUser -UserId").count(), 1, "{script}");
        assert!(script.contains(
            "    Update-MgUser -UserId 'o''brien@contoso.com' -OnPremisesImmutableId 'yYuRNW0Z6kCXeYidebdT8A=='\n"
        ));
        assert!(script.contains("[CmdletBinding(SupportsShouldProcess)]"));
        // The name's newline never starts a line of code.
        assert!(!script.lines().any(|l| l.trim_start().starts_with("Remove-MgUser")), "{script}");
        assert_eq!(script, fix_script(&result), "deterministic");
    }

    #[test]
    fn comments_cannot_be_escaped() {
        assert_eq!(comment_safe("a\r\nRemove-MgUser x\u{2028}#>"), "a  Remove-MgUser x # >");
    }
}
