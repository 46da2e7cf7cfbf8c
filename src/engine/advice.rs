//! What each verdict means for the admin, and the PowerShell that fixes it.

mod blocked;

use serde::{Deserialize, Serialize};

use crate::engine::model::AnchorAttribute;
use crate::engine::report::{AnchorRelation, Entry, MatchReport, SoftMatchKey, Verdict};
use crate::engine::users::{CloudUser, OnPremUser};
use crate::engine::Side;

/// A fix for one entry: what to do, and the PowerShell to copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// What the fix does, in a sentence.
    pub summary: String,
    /// The commands, ready to paste (Microsoft Graph PowerShell or the ActiveDirectory module).
    pub powershell: String,
}

/// Quotes a value as a PowerShell single-quoted string literal. PowerShell also treats the
/// typographic quotes ‘ ’ ‚ ‛ as single quotes, so they are doubled too.
pub fn ps_quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            quoted.push(c);
        }
        quoted.push(c);
    }
    quoted.push('\'');
    quoted
}

/// Why the entry has its verdict, in plain language.
pub fn reason(report: &MatchReport, entry: &Entry) -> String {
    let p = report.onprem_of(entry);
    let c = report.cloud_of(entry);
    let anchor = entry.anchor.as_deref().unwrap_or("");
    let cloud_anchor = c.map_or("", CloudUser::immutable_id);
    match &entry.verdict {
        Verdict::HardMatch => format!(
            "The cloud ImmutableID {cloud_anchor} equals the anchor computed from {}: Entra \
             Connect will take this cloud user over.",
            report.anchor_attribute.describe()
        ),
        Verdict::Mismatch { relation, found_by } => format!(
            "Same person ({}) but a different anchor: {}. Entra Connect computes {anchor}, \
             finds no cloud user with it and creates a second user; the existing one keeps {}.",
            found_by.label(),
            match (relation, entry.cloud_anchor.as_ref()) {
                (AnchorRelation::Custom, Some(class)) => format!(
                    "the cloud ImmutableID is a custom value that no on-prem attribute produces \
                     ({})",
                    class.label()
                ),
                _ => relation.explain(),
            },
            if cloud_anchor.is_empty() { "no ImmutableID" } else { cloud_anchor }
        ),
        Verdict::SoftMatch { by } => format!(
            "The cloud user has no ImmutableID, so Entra Connect soft-matches it on {} and \
             stamps {anchor} on it (unless soft match is blocked in the tenant).",
            match by {
                SoftMatchKey::PrimarySmtp => "the primary SMTP address",
                SoftMatchKey::Upn => "the userPrincipalName",
            }
        ),
        Verdict::CloudOrphan => match entry.cloud_anchor.as_ref() {
            Some(class) if !cloud_anchor.is_empty() => format!(
                "No on-prem object produces the ImmutableID {cloud_anchor} ({}) and no on-prem \
                 user has this UPN or address: nothing will join this cloud user. {}",
                class.label(),
                class.explain()
            ),
            _ => "The cloud user is marked synced but has no ImmutableID, and no on-prem user \
                  soft-matches it: nothing will join it."
                .to_string(),
        },
        Verdict::HardMatchBlocked { .. } | Verdict::SoftMatchBlocked { .. } => {
            blocked::reason(report, entry).unwrap_or_default()
        }
        Verdict::CloudOnly => "A cloud-only user with no ImmutableID that nothing on-prem \
                               soft-matches: the sync leaves it alone."
            .to_string(),
        Verdict::OnPremOnly => format!(
            "No cloud user holds {anchor} and none soft-matches {}: Entra Connect will create a \
             new cloud user.",
            p.map_or("this object", OnPremUser::label)
        ),
        Verdict::PartnerUnreadable { side, line } => format!(
            "The {side} row that would pair with this user (line {line}) could not be read, so \
             what the sync will do with it cannot be told. Fix that row (see the unreadable rows) \
             and run again."
        ),
        Verdict::DuplicateAnchor { side: Side::OnPrem, rows } => {
            format!(
            "{rows} on-prem objects share the anchor {}: Entra Connect can join only one of them; \
             the others fail with a duplicate source anchor.",
            if anchor.is_empty() { cloud_anchor } else { anchor }
        )
        }
        Verdict::DuplicateAnchor { side: Side::Cloud, rows } if c.is_none() => format!(
            "{rows} rows of the cloud export hold this account's anchor {anchor}. An ImmutableID \
             belongs to one user in a tenant, so Entra Connect will hard-match this account to \
             that user (it will not create a new one), but which of the rows it is cannot be told: \
             the export holds the same user twice or was concatenated. Export the cloud users \
             again and run the audit on the new export."
        ),
        Verdict::DuplicateAnchor { side: Side::Cloud, rows } => format!(
            "{rows} rows of the cloud export hold the ImmutableID {cloud_anchor}. ImmutableIDs are \
             unique in a tenant, so the export holds the same user twice or was concatenated."
        ),
    }
}

/// The fix for an entry, if it needs one.
pub fn fix(report: &MatchReport, entry: &Entry) -> Option<Fix> {
    let p = report.onprem_of(entry);
    let c = report.cloud_of(entry);
    match (&entry.verdict, p, c) {
        (Verdict::Mismatch { .. }, Some(p), Some(c)) => {
            let anchor = entry.anchor.as_deref()?;
            Some(set_immutable_id(c, p, anchor))
        }
        (Verdict::SoftMatch { .. }, Some(p), Some(c)) => {
            let anchor = entry.anchor.as_deref()?;
            let mut fix = set_immutable_id(c, p, anchor);
            fix.summary = "Optional: stamp the anchor now, so the join is a hard match even if \
                           soft match is blocked."
                .into();
            Some(fix)
        }
        (Verdict::HardMatchBlocked { .. } | Verdict::SoftMatchBlocked { .. }, _, _) => {
            blocked::fix(report, entry)
        }
        (Verdict::CloudOrphan, _, Some(c)) => Some(Fix {
            summary: "Find the on-prem account this user belongs to (another OU or forest \
                      outside the export?). If there is one, set this ImmutableID to its anchor; \
                      if there is none, make the user cloud-only by clearing the ImmutableID, or \
                      delete it."
                .into(),
            powershell: format!(
                "# {upn}: no on-prem object produces ImmutableID {id}\n\
                 # If it belongs to an on-prem account: Update-MgUser -UserId {q} -OnPremisesImmutableId '<anchor of that account>'\n\
                 # To keep it as a cloud-only user:\n\
                 Invoke-MgGraphRequest -Method PATCH -Uri \"https://graph.microsoft.com/v1.0/users/$([uri]::EscapeDataString({q}))\" -Body @{{ onPremisesImmutableId = $null }}",
                upn = c.label(),
                id = c.immutable_id(),
                q = ps_quote(c.upn()),
            ),
        }),
        (Verdict::DuplicateAnchor { side: Side::OnPrem, .. }, Some(p), _) => {
            let dn = p.distinguished_name();
            let identity: &str = if p.sam_account_name().is_empty() { &dn } else { p.sam_account_name() };
            let powershell = match report.anchor_attribute {
                AnchorAttribute::ConsistencyGuidElseObjectGuid if p.consistency_guid().is_some() => format!(
                    "# Keep mS-DS-ConsistencyGuid on the account that owns the cloud user; on the others:\n\
                     Set-ADUser -Identity {} -Clear 'mS-DS-ConsistencyGuid'",
                    ps_quote(identity)
                ),
                AnchorAttribute::Column(ref column) => format!(
                    "# Give each account a unique {column}:\nSet-ADUser -Identity {} -Replace @{{ {} = '<unique value>' }}",
                    ps_quote(identity),
                    ps_quote(column)
                ),
                _ => "# The same objectGUID twice: the export holds this account twice (from two \
                      domain controllers or concatenated files). Remove the extra row."
                    .to_string(),
            };
            Some(Fix {
                summary: "Make the anchor unique: only one on-prem object may carry it.".into(),
                powershell,
            })
        }
        (Verdict::OnPremOnly, Some(p), _) if !entry.findings.is_empty() => Some(Fix {
            summary: "This user will be created. If the person already has a cloud account \
                      under another UPN, stamp this anchor on it instead."
                .into(),
            powershell: format!(
                "Update-MgUser -UserId '<existing cloud UPN of {}>' -OnPremisesImmutableId {}",
                p.label(),
                ps_quote(entry.anchor.as_deref().unwrap_or_default())
            ),
        }),
        _ => None,
    }
}

fn set_immutable_id(c: CloudUser<'_>, p: OnPremUser<'_>, anchor: &str) -> Fix {
    Fix {
        summary: format!(
            "Set the cloud user's ImmutableID to the anchor Entra Connect will compute for {} \
             (if its UPN is on a federated domain, move it to the onmicrosoft.com domain first).",
            p.label()
        ),
        powershell: format!(
            "Update-MgUser -UserId {} -OnPremisesImmutableId {}",
            ps_quote(if c.upn().is_empty() { c.object_id() } else { c.upn() }),
            ps_quote(anchor)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ps_quote_doubles_every_kind_of_single_quote() {
        assert_eq!(ps_quote("o'brien@contoso.com"), "'o''brien@contoso.com'");
        assert_eq!(ps_quote("o\u{2019}neil"), "'o\u{2019}\u{2019}neil'");
        assert_eq!(ps_quote("$(rm -rf)"), "'$(rm -rf)'");
    }
}
