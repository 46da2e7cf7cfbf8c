//! What each verdict means for the admin, and the PowerShell that fixes it.

mod blocked;

use serde::{Deserialize, Serialize};

use crate::engine::context::KnownDomains;
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
            Some(set_anchor_of(report.domains.as_ref(), c, p, anchor))
        }
        (Verdict::SoftMatch { .. }, Some(_), Some(c)) => {
            let anchor = entry.anchor.as_deref()?;
            Some(set_immutable_id(
                report.domains.as_ref(),
                c,
                anchor,
                "Optional: stamp the anchor now, so the join is a hard match even if soft match \
                 is blocked",
            ))
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

/// Where the cloud user's UPN is, as far as a fix that sets its ImmutableID cares: Entra does
/// not change the ImmutableID of a user on a federated domain.
enum UpnDomain {
    /// No domains file: it cannot be told.
    Unknown,
    /// The domains file does not name it federated.
    NotFederated,
    /// Federated, by the domains file; `managed` is the UPN to move through, when the file
    /// names the initial domain.
    Federated { domain: String, file: String, managed: Option<String> },
}

impl UpnDomain {
    fn of(domains: Option<&KnownDomains>, upn: &str) -> UpnDomain {
        match domains {
            None => UpnDomain::Unknown,
            Some(d) if !d.is_federated(upn) => UpnDomain::NotFederated,
            Some(d) => UpnDomain::Federated {
                domain: upn.rsplit_once('@').map_or("", |(_, domain)| domain).to_string(),
                file: d.file.clone(),
                managed: d.managed_upn(upn),
            },
        }
    }

    /// The sentence a fix adds about the move, starting with a space; empty if none.
    fn sentence(&self) -> String {
        match self {
            UpnDomain::Unknown | UpnDomain::NotFederated => String::new(),
            UpnDomain::Federated { domain, file, managed: Some(managed) } => format!(
                " Its UPN is on {domain}, federated by {file}, where Entra does not change an \
                 ImmutableID: move the UPN to {managed} (a managed domain needs a password, set \
                 at random here), set the ImmutableID, then move the UPN back."
            ),
            UpnDomain::Federated { domain, file, managed: None } => format!(
                " Its UPN is on {domain}, federated by {file}, where Entra does not change an \
                 ImmutableID: move the UPN to the tenant's initial onmicrosoft.com domain ({file} \
                 does not say which), set the ImmutableID, then move the UPN back."
            ),
        }
    }
}

/// Sets the cloud user's ImmutableID to `anchor`, through the initial domain when its UPN is on
/// a federated one; `lead` is the fix's first sentence, without its full stop.
fn set_immutable_id(
    domains: Option<&KnownDomains>,
    c: CloudUser<'_>,
    anchor: &str,
    lead: &str,
) -> Fix {
    let upn = c.upn();
    let user_id = ps_quote(if upn.is_empty() { c.object_id() } else { upn });
    let step = UpnDomain::of(domains, upn);
    let powershell = match &step {
        UpnDomain::Federated { managed: Some(managed), .. } => format!(
            "$id = (Get-MgUser -UserId {user_id}).Id\n\
             $bytes = [byte[]]::new(24); [Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($bytes)\n\
             Update-MgUser -UserId $id -UserPrincipalName {} -PasswordProfile @{{ Password = [Convert]::ToBase64String($bytes) + 'aA1!'; ForceChangePasswordNextSignIn = $false }}\n\
             Update-MgUser -UserId $id -OnPremisesImmutableId {}\n\
             Update-MgUser -UserId $id -UserPrincipalName {}",
            ps_quote(managed),
            ps_quote(anchor),
            ps_quote(upn),
        ),
        _ => format!("Update-MgUser -UserId {user_id} -OnPremisesImmutableId {}", ps_quote(anchor)),
    };
    Fix { summary: format!("{lead}.{}", step.sentence()), powershell }
}

/// The fix that sets the anchor of a user the cut-over would otherwise duplicate.
fn set_anchor_of(
    domains: Option<&KnownDomains>,
    c: CloudUser<'_>,
    p: OnPremUser<'_>,
    anchor: &str,
) -> Fix {
    let lead = format!(
        "Set the cloud user's ImmutableID to the anchor Entra Connect will compute for {}",
        p.label()
    );
    match domains {
        None => set_immutable_id(
            domains,
            c,
            anchor,
            &format!(
                "{lead} (if its UPN is on a federated domain, move it to the onmicrosoft.com \
                 domain first)"
            ),
        ),
        Some(_) => set_immutable_id(domains, c, anchor, &lead),
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
