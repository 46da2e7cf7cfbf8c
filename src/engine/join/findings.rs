//! What each entry is told besides its verdict: attribute changes on takeover, duplicates and
//! clashes of UPN and address, UPN suffixes, and checks of the exports' own computed columns.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use uuid::Uuid;

use super::draft::EntryDraft;
use super::keys::{Holders, KeyNumbers, SideKeys};
use super::roles::CloudRoles;
use super::suffix::{domain_problem, suffix_finding, upn_domain, SuffixProblem, TenantSuffixes};
use super::MatchOptions;
use crate::engine::anchor::{AnchorClass, MAX_STRING_ANCHOR_CHARS};
use crate::engine::idfix::duplicates::shared_values;
use crate::engine::idfix::IdFixChecker;
use crate::engine::model::{fold_cow, AnchorAttribute, RowRef};
use crate::engine::report::{Finding, Verdict};
use crate::engine::users::{CloudUser, CloudUsers, OnPremUser, OnPremUsers};
use crate::engine::Side;

/// Findings on each entry: attribute changes on takeover, duplicates, clashes, UPN suffixes,
/// and checks of the exports' own computed columns.
pub(super) struct Findings<'a> {
    onprem: &'a OnPremUsers,
    cloud: &'a CloudUsers,
    onprem_keys: &'a SideKeys,
    cloud_keys: &'a SideKeys,
    roles: &'a CloudRoles,
    /// Each on-prem user's [`OnPremChecks`].
    onprem_checks: Vec<OnPremChecks>,
    /// IdFix's findings, by on-prem user: few users have any.
    idfix: HashMap<u32, Vec<Finding>>,
    options: &'a MatchOptions,
}

/// The checks of an on-prem user that need only the user, made in one pass in file order: the
/// entries come in cloud order, where reading each partner's text is a look far away.
#[derive(Clone, Copy)]
struct OnPremChecks {
    suffix: Option<SuffixProblem>,
    /// The export's own ImmutableID column is there and not empty.
    has_file_immutable_id: bool,
}

impl<'a> Findings<'a> {
    pub(super) fn new(
        (onprem, cloud): (&'a OnPremUsers, &'a CloudUsers),
        (onprem_keys, cloud_keys): (&'a SideKeys, &'a SideKeys),
        roles: &'a CloudRoles,
        options: &'a MatchOptions,
    ) -> Findings<'a> {
        // Users of one domain come in runs (most of a tenant's are in one or two), so each
        // pass remembers the last domain as written: the same text folds, and is found, alike.
        let tenant_suffixes = match &options.domains {
            Some(known) => TenantSuffixes::Known(known.verified.iter().cloned().collect()),
            None => TenantSuffixes::Guessed(held_suffixes(cloud)),
        };
        let mut last: Option<(&str, Option<SuffixProblem>)> = None;
        let mut suffix_problem = |upn: &'a str| {
            let domain = upn_domain(upn);
            match last {
                Some((last_domain, problem)) if last_domain == domain => problem,
                _ => last.insert((domain, domain_problem(domain, &tenant_suffixes))).1,
            }
        };
        let mut idfix: HashMap<u32, Vec<Finding>> = HashMap::default();
        let mut found = Vec::new();
        let mut checker = IdFixChecker::default();
        let onprem_checks = onprem
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let suffix = suffix_problem(p.upn());
                checker.check(p, suffix.is_some(), &mut found);
                if !found.is_empty() {
                    idfix.insert(i as u32, std::mem::take(&mut found));
                }
                OnPremChecks { suffix, has_file_immutable_id: p.file_immutable_id().is_some() }
            })
            .collect();
        shared_values(onprem, &mut idfix);
        Findings { onprem, cloud, onprem_keys, cloud_keys, roles, onprem_checks, idfix, options }
    }

    /// Reads what [`Findings::add`] reads of on-prem user `i` away from its cloud partner (its
    /// key numbers and checks), for its wait alone.
    pub(super) fn touch(&self, i: u32) -> u32 {
        let (keys, checks) = (self.onprem_keys.numbers[i as usize], self.onprem_checks[i as usize]);
        keys.upn ^ u32::from(checks.has_file_immutable_id)
    }

    pub(super) fn add(&self, entry: &mut EntryDraft) {
        let Findings { onprem, cloud, onprem_keys, cloud_keys, roles, options, .. } = *self;
        let p = entry.onprem.map(|i| onprem.get(i as usize));
        let c = entry.cloud.map(|i| cloud.get(i as usize));
        let findings = &mut entry.findings;
        // A blocked join is told what the join will change once its block is lifted.
        let joins = matches!(
            entry.verdict,
            Verdict::HardMatch
                | Verdict::SoftMatch { .. }
                | Verdict::HardMatchBlocked { .. }
                | Verdict::SoftMatchBlocked { .. }
        );
        let hard = matches!(entry.verdict, Verdict::HardMatch | Verdict::HardMatchBlocked { .. });

        if let (true, Some(i), Some(j), Some(p), Some(c)) = (joins, entry.onprem, entry.cloud, p, c)
        {
            let (p_keys, c_keys) =
                (onprem_keys.numbers[i as usize], cloud_keys.numbers[j as usize]);
            let upn_stays = p_keys.upn == c_keys.upn && p_keys.upn_as_is && c_keys.upn_as_is;
            let mail_stays =
                p_keys.smtp == c_keys.smtp && p_keys.mail_is_smtp && c_keys.mail_is_smtp;
            if !(upn_stays && mail_stays) {
                takeover_changes(p, c, findings);
            }
            if hard && c.synced() == Some(false) {
                findings
                    .push(Finding::TakesOverCloudUser { blocked: options.block_cloud_takeover });
            }
            let identifier = c.on_premises_object_identifier().trim();
            if !identifier.is_empty() && !is_hyphenated_guid(identifier, p.object_guid()) {
                findings.push(Finding::TiedToOtherObject { identifier: identifier.to_string() });
            }
        }
        if let (Some(i), Some(p)) = (entry.onprem, p) {
            let keys = onprem_keys.numbers[i as usize];
            let checks = self.onprem_checks[i as usize];
            let at = |j: u32| onprem.get(j as usize).at();
            duplicate_findings(Side::OnPrem, i, keys, onprem_keys, at, findings);
            let own = Own { partner: entry.cloud, anchor: entry.anchor.as_deref() };
            clashes(p, keys, own, cloud, cloud_keys, findings);
            if let Some(problem) = checks.suffix {
                findings.push(suffix_finding(problem, p.upn()));
            }
            if let Some(found) = self.idfix.get(&i) {
                findings.extend(found.iter().cloned());
            }
            let file_immutable_id = || p.file_immutable_id();
            let in_file = checks.has_file_immutable_id.then(file_immutable_id).flatten();
            if let (Some(in_file), Some(computed)) = (in_file, &entry.anchor) {
                if in_file != computed.as_str() {
                    findings.push(Finding::FileImmutableIdDiffers {
                        in_file: String::from(in_file),
                        computed: String::from(computed),
                    });
                }
            }
            if let (AnchorAttribute::Column(_), Some(anchor)) = (&options.anchor, &entry.anchor) {
                let chars = anchor.chars().count();
                if chars > MAX_STRING_ANCHOR_CHARS {
                    findings.push(Finding::AnchorTooLong { chars });
                }
            }
        }
        if let (Some(j), Some(c)) = (entry.cloud, c) {
            if let Some(held) = roles.of(j) {
                findings.push(Finding::HoldsRoles { roles: held.to_vec() });
            }
            let keys = cloud_keys.numbers[j as usize];
            let at = |j: u32| cloud.get(j as usize).at();
            duplicate_findings(Side::Cloud, j, keys, cloud_keys, at, findings);
            if let Some(in_file) = c.file_object_guid().filter(|v| !v.trim().is_empty()) {
                let computed = entry.cloud_anchor.as_ref().and_then(AnchorClass::guid);
                let agrees = computed.is_some_and(|g| {
                    crate::engine::guid::parse_guid(in_file).is_ok_and(|parsed| parsed.guid == g)
                });
                if !agrees {
                    findings.push(Finding::FileObjectGuidDiffers {
                        in_file: in_file.to_string(),
                        computed: computed.map(|g| g.hyphenated().to_string()),
                    });
                }
            }
        }
        if findings.len() > 1 {
            findings.sort_by_key(|f| std::cmp::Reverse(f.severity()));
        }
    }
}

/// Whether `identifier` is the hyphenated text of `guid`, in either letter case. Parsing the
/// identifier, rather than writing the GUID out to compare, allocates nothing: a 36-character
/// text parses only in the hyphenated form.
pub(super) fn is_hyphenated_guid(identifier: &str, guid: Option<Uuid>) -> bool {
    identifier.len() == 36 && guid.is_some_and(|g| Uuid::try_parse(identifier) == Ok(g))
}

/// Other rows of the same side with the UPN or primary SMTP address of the user at `position`.
/// The user is read only when another holds one: most hold theirs alone.
fn duplicate_findings(
    side: Side,
    position: u32,
    keys: KeyNumbers,
    same_side: &SideKeys,
    at: impl Fn(u32) -> RowRef,
    findings: &mut Vec<Finding>,
) {
    let others = |holders: &Holders, number: u32, shared: bool| -> Vec<RowRef> {
        if !shared {
            return Vec::new();
        }
        let row = at(position);
        holders.of(number).map(&at).filter(|r| *r != row).collect()
    };
    let upn_others = others(&same_side.upn_holders, keys.upn, keys.upn_shared);
    if !upn_others.is_empty() {
        findings.push(Finding::DuplicateUpn { side, others: upn_others });
    }
    let smtp_others = others(&same_side.smtp_holders, keys.smtp, keys.smtp_shared);
    if !smtp_others.is_empty() {
        findings.push(Finding::DuplicatePrimarySmtp { side, others: smtp_others });
    }
}

/// What a takeover (hard or soft match) overwrites on the cloud user.
/// The UPN suffixes the cloud users hold, but the initial `….onmicrosoft.com` ones: the tenant's
/// domains, guessed where no domains file tells them.
fn held_suffixes(cloud: &CloudUsers) -> HashSet<String> {
    let mut held: HashSet<String> = HashSet::default();
    let mut last_domain = None;
    for user in cloud.iter() {
        let domain = upn_domain(user.upn());
        if last_domain.replace(domain) == Some(domain) {
            continue;
        }
        let suffix = fold_cow(domain);
        if !suffix.is_empty() && !suffix.ends_with(".onmicrosoft.com") && !held.contains(&*suffix) {
            held.insert(suffix.into_owned());
        }
    }
    held
}

pub(super) fn takeover_changes(p: OnPremUser<'_>, c: CloudUser<'_>, findings: &mut Vec<Finding>) {
    if !p.upn().is_empty() && !c.upn().is_empty() && p.upn() != c.upn() {
        findings.push(Finding::UpnChanges { from: c.upn().to_string(), to: p.upn().to_string() });
    }
    // Without a mail column on-prem, what happens to the cloud mail cannot be told.
    let Some(onprem_mail) = p.mail().map(str::trim) else { return };
    let cloud_mail = c.mail().trim();
    if !cloud_mail.is_empty() && onprem_mail.is_empty() {
        findings.push(Finding::MailCleared { value: cloud_mail.to_string() });
    } else if !cloud_mail.is_empty() && !cloud_mail.eq_ignore_ascii_case(onprem_mail) {
        findings.push(Finding::MailChanges {
            from: cloud_mail.to_string(),
            to: onprem_mail.to_string(),
        });
    }
}

/// A different cloud user already holding this on-prem user's UPN or primary SMTP address.
/// The cloud users that are this on-prem user's own: its partner, and any holding its anchor
/// (a duplicate-anchor entry has no partner, yet its account is no clash).
struct Own<'a> {
    partner: Option<u32>,
    anchor: Option<&'a str>,
}

fn clashes(
    p: OnPremUser<'_>,
    keys: KeyNumbers,
    own: Own,
    cloud: &CloudUsers,
    cloud_keys: &SideKeys,
    findings: &mut Vec<Finding>,
) {
    let partner = own.partner.map(|c| cloud_keys.numbers[c as usize]);
    let other = |holders: &Holders, number: u32, partner_alone: bool| {
        // The partner alone holds it on the cloud side (the usual case): nothing to walk.
        if partner_alone {
            return None;
        }
        let found = holders.of(number).find(|&c| {
            // The partner first: it is the usual holder, and needs no look at the cloud user.
            let holds_own_anchor =
                || own.anchor.is_some_and(|a| cloud.get(c as usize).immutable_id() == a);
            Some(c) != own.partner && !holds_own_anchor()
        });
        found.map(|c| cloud.get(c as usize).at())
    };
    let upn_alone = partner.is_some_and(|n| n.upn == keys.upn && !n.upn_shared);
    if let Some(row) = other(&cloud_keys.upn_holders, keys.upn, upn_alone) {
        findings.push(Finding::UpnTaken { cloud: row, upn: p.upn().to_string() });
    }
    let smtp_alone = partner.is_some_and(|n| n.smtp == keys.smtp && !n.smtp_shared);
    if let Some(row) = other(&cloud_keys.smtp_holders, keys.smtp, smtp_alone) {
        let address = p.primary_smtp().unwrap_or_default().into_owned();
        findings.push(Finding::SmtpTaken { cloud: row, address });
    }
}
