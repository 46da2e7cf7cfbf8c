//! Writing an [`Audit`] for people and programs: plain text, JSON and CSV.
//!
//! All three are built from the same [`EntryView`]s, so they never disagree.

mod csv;
mod html;
mod json;
mod record;
mod script;
mod text;

pub use self::csv::{write_csv, write_unreadable_csv};
pub use self::html::write_html;
pub use self::json::{to_json, write_json, JsonReport, JSON_VERSION};
pub use self::record::record_lines;
pub use self::script::fix_script;
pub use self::text::write_text;

use serde::Serialize;
use uuid::Uuid;

use crate::engine::advice::{fix, reason, Fix};
use crate::engine::anchor::{Anchor, AnchorClass};
use crate::engine::audit::Audit;
use crate::engine::idfix::IdFixRule;
use crate::engine::report::{
    BlockCause, Category, Counts, Entry, Finding, MatchReport, Severity, Verdict,
};

/// The one-line answer to "is it safe to cut over?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Headline {
    /// Nothing needs the admin's attention.
    pub safe: bool,
    /// "Safe to cut over: all 1,204 users hard-match." or what would break.
    pub text: String,
}

/// The headline of an audit.
pub fn headline(audit: &Audit) -> Headline {
    let counts = &audit.counts;
    let unreadable = audit.unreadable.len() as u64;
    // What would break, most urgent first: (count, singular, plural).
    let phrases: [(u64, &str, &str); 10] = [
        (
            counts.get(Category::Mismatch),
            "user would be duplicated (mismatched anchor)",
            "users would be duplicated (mismatched anchors)",
        ),
        (
            counts.get(Category::HardMatchBlocked),
            "hard match would be refused by Entra",
            "hard matches would be refused by Entra",
        ),
        (
            counts.get(Category::SoftMatchBlocked),
            "admin would be duplicated (soft match refused)",
            "admins would be duplicated (soft match refused)",
        ),
        (
            counts.get(Category::DuplicateAnchor),
            "row shares its anchor with another",
            "rows share an anchor with another",
        ),
        (
            counts.get(Category::PartnerUnreadable),
            "user cannot be checked (its other row is unreadable)",
            "users cannot be checked (their other rows are unreadable)",
        ),
        (
            counts.get(Category::CloudOrphan),
            "cloud user would be orphaned",
            "cloud users would be orphaned",
        ),
        (
            counts.get(Category::OnPremOnly),
            "on-prem user would be created",
            "on-prem users would be created",
        ),
        (counts.get(Category::SoftMatch), "user relies on soft match", "users rely on soft match"),
        (
            counts.with_problems,
            "user has a problem to fix first",
            "users have problems to fix first",
        ),
        (unreadable, "row could not be read", "rows could not be read"),
    ];
    // Entra Connect's own word goes first: it outweighs any prediction.
    let disagree = audit.pending.as_ref().map_or(0, |p| p.disagreements.len() as u64);
    let problems: Vec<String> = (disagree > 0)
        .then(|| {
            let users = if disagree == 1 { "user" } else { "users" };
            format!(
                "Entra Connect's own pending exports disagree for {} {users}",
                group_digits(disagree)
            )
        })
        .into_iter()
        .chain(phrases.iter().filter(|(n, _, _)| *n > 0).map(|&(n, one, many)| {
            format!("{} {}", group_digits(n), if n == 1 { one } else { many })
        }))
        .collect();
    let hard = counts.get(Category::HardMatch);
    if problems.is_empty() {
        Headline {
            safe: true,
            text: format!("Safe to cut over: all {} users hard-match.", group_digits(hard)),
        }
    } else {
        Headline { safe: false, text: format!("Not safe to cut over: {}.", problems.join(", ")) }
    }
}

/// The per-category counts a report shows: every category, but a blocked one only where it
/// has entries. A blocked join needs its cause in the exports or a context file; where none
/// is, a row of zeros would claim a check the run could not make.
pub fn shown_counts(counts: &Counts) -> Vec<(Category, u64)> {
    let blocked =
        |c: Category| matches!(c, Category::HardMatchBlocked | Category::SoftMatchBlocked);
    counts.by_category.iter().copied().filter(|&(c, n)| n > 0 || !blocked(c)).collect()
}

/// 1234567 → "1,234,567".
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One entry with everything a writer shows, resolved from the report: the users' values
/// borrowed from its columns, the sentences made for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryView<'a> {
    /// The category.
    pub category: Category,
    /// Why Entra refuses the hard match, for a blocked one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<BlockCause>,
    /// The on-prem row.
    pub onprem: Option<OnPremView<'a>>,
    /// The cloud row.
    pub cloud: Option<CloudView<'a>>,
    /// The anchor the engine will compute.
    pub anchor: Option<Anchor>,
    /// What the cloud ImmutableID is made of (label).
    pub cloud_anchor_class: Option<&'static str>,
    /// Why the verdict.
    pub reason: String,
    /// Findings, most severe first.
    pub findings: Vec<FindingView>,
    /// The fix, if one is needed.
    pub fix: Option<Fix>,
}

/// The on-prem side of an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnPremView<'a> {
    /// Line in the on-prem file.
    pub line: u64,
    /// userPrincipalName.
    pub upn: &'a str,
    /// Name.
    pub name: &'a str,
    /// sAMAccountName.
    pub sam_account_name: &'a str,
    /// objectGUID (written hyphenated, lower case).
    pub object_guid: Option<Uuid>,
    /// mS-DS-ConsistencyGuid (written hyphenated, lower case).
    pub consistency_guid: Option<Uuid>,
    /// mail.
    pub mail: &'a str,
}

/// The cloud side of an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudView<'a> {
    /// Line in the cloud file.
    pub line: u64,
    /// userPrincipalName.
    pub upn: &'a str,
    /// displayName.
    pub name: &'a str,
    /// The ImmutableID as exported.
    pub immutable_id: &'a str,
    /// Synced flag, if exported.
    pub synced: Option<bool>,
    /// mail.
    pub mail: &'a str,
}

/// A finding with its severity and message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingView {
    /// How much it matters.
    pub severity: Severity,
    /// The sentence.
    pub message: String,
    /// For an IdFix rule: which one, the value it refuses and the suggested value.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub idfix: Option<IdFixView>,
}

/// The machine-readable half of an IdFix finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdFixView {
    /// The rule (`upn-characters`…).
    pub rule: IdFixRule,
    /// The attribute it checks.
    pub attribute: &'static str,
    /// The value, as exported.
    pub value: String,
    /// The suggested value, where one can be made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested: Option<String>,
}

/// Resolves an entry for display.
pub fn entry_view<'a>(report: &'a MatchReport, entry: &Entry<'_>) -> EntryView<'a> {
    EntryView {
        category: entry.category(),
        cause: match entry.verdict {
            Verdict::HardMatchBlocked { cause } => Some(cause),
            _ => None,
        },
        onprem: report.onprem_of(entry).map(|p| OnPremView {
            line: p.at().line,
            upn: p.upn(),
            name: p.name(),
            sam_account_name: p.sam_account_name(),
            object_guid: p.object_guid(),
            consistency_guid: p.consistency_guid(),
            mail: p.mail().unwrap_or_default(),
        }),
        cloud: report.cloud_of(entry).map(|c| CloudView {
            line: c.at().line,
            upn: c.upn(),
            name: c.name(),
            immutable_id: c.immutable_id(),
            synced: c.synced(),
            mail: c.mail(),
        }),
        anchor: entry.anchor.clone(),
        cloud_anchor_class: entry.cloud_anchor.as_ref().map(AnchorClass::label),
        reason: reason(report, entry),
        findings: entry
            .findings
            .iter()
            .map(|f| FindingView {
                severity: f.severity(),
                message: f.message(),
                idfix: match f {
                    Finding::IdFix { rule, value, suggested } => Some(IdFixView {
                        rule: *rule,
                        attribute: rule.attribute(),
                        value: value.clone(),
                        suggested: suggested.clone(),
                    }),
                    _ => None,
                },
            })
            .collect(),
        fix: fix(report, entry),
    }
}

/// Whether entry `i` is worth listing in a summary: it needs attention or has a finding.
pub fn is_notable(report: &MatchReport, i: usize) -> bool {
    let entries = &report.entries;
    entries.category(i).needs_attention()
        || entries.worst_finding(i).is_some_and(|s| s >= Severity::Warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::audit::{audit, AuditOptions, Input};

    fn audit_of(onprem: &str, cloud: &str) -> Audit {
        audit(
            Input { name: "onprem.csv", bytes: onprem.as_bytes() },
            Input { name: "cloud.csv", bytes: cloud.as_bytes() },
            &AuditOptions::default(),
        )
        .unwrap()
    }

    #[test]
    fn headline_says_safe_or_what_breaks_in_singular_and_plural() {
        let onprem = "UserPrincipalName,SamAccountName,objectGUID,mail\n\
                      a@contoso.com,a,35918bc9-196d-40ea-9779-889d79b753f0,\n\
                      b@contoso.com,b,fcc7e67f-fec6-4a65-b821-2f40a292d185,\n";
        let safe = "UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled\n\
                    a@contoso.com,yYuRNW0Z6kCXeYidebdT8A==,True\n\
                    b@contoso.com,f+bH/Mb+ZUq4IS9AopLRhQ==,True\n";
        let headline_of = |cloud: &str| headline(&audit_of(onprem, cloud));
        assert_eq!(
            headline_of(safe),
            Headline { safe: true, text: "Safe to cut over: all 2 users hard-match.".into() }
        );
        let one_okta = safe.replace("f+bH/Mb+ZUq4IS9AopLRhQ==", "00ub0oNGTSWTBKOLGLNR");
        assert_eq!(
            headline_of(&one_okta).text,
            "Not safe to cut over: 1 user would be duplicated (mismatched anchor)."
        );
        let two_okta = one_okta.replace("yYuRNW0Z6kCXeYidebdT8A==", "00ub0oNGTSWTBKOLGLNX");
        assert_eq!(
            headline_of(&two_okta).text,
            "Not safe to cut over: 2 users would be duplicated (mismatched anchors)."
        );
    }

    #[test]
    fn digits_are_grouped_by_thousands() {
        for (n, text) in [(0, "0"), (999, "999"), (1000, "1,000"), (1234567, "1,234,567")] {
            assert_eq!(group_digits(n), text);
        }
    }
}
