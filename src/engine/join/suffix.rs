//! UPN suffixes Entra cannot verify: non-routable, or not among the tenant's domains.

use std::borrow::Cow;

use rustc_hash::FxHashSet as HashSet;

use crate::engine::model::fold_cow;
use crate::engine::report::Finding;

/// What is wrong with a UPN's suffix.
#[derive(Clone, Copy)]
pub(super) enum SuffixProblem {
    NonRoutable,
    /// No cloud user has it (the tenant's domains guessed from the cloud UPNs).
    NotInTenant,
    /// The domains file does not list it as verified.
    NotVerified,
}

/// The suffixes a UPN is checked against: the domains file's verified domains, or else those
/// the cloud users hold.
pub(super) enum TenantSuffixes {
    Known(HashSet<String>),
    Guessed(HashSet<String>),
}

/// What is wrong with the suffix a UPN's `domain` (as written) folds to.
pub(super) fn domain_problem(domain: &str, tenant: &TenantSuffixes) -> Option<SuffixProblem> {
    let suffix = fold_cow(domain);
    if suffix.is_empty() {
        None
    } else if is_non_routable(&suffix) {
        Some(SuffixProblem::NonRoutable)
    } else {
        match tenant {
            TenantSuffixes::Known(verified) if !verified.contains(&*suffix) => {
                Some(SuffixProblem::NotVerified)
            }
            TenantSuffixes::Guessed(held) if !held.is_empty() && !held.contains(&*suffix) => {
                Some(SuffixProblem::NotInTenant)
            }
            _ => None,
        }
    }
}

/// The finding of a [`domain_problem`] of `upn`'s domain.
pub(super) fn suffix_finding(problem: SuffixProblem, upn: &str) -> Finding {
    let suffix = upn_suffix(upn).map(Cow::into_owned).unwrap_or_default();
    match problem {
        SuffixProblem::NonRoutable => Finding::NonRoutableUpnSuffix { suffix },
        SuffixProblem::NotInTenant => Finding::UpnSuffixNotInTenant { suffix },
        SuffixProblem::NotVerified => Finding::UpnSuffixNotVerified { suffix },
    }
}

fn upn_suffix(upn: &str) -> Option<Cow<'_, str>> {
    Some(fold_cow(upn_domain(upn))).filter(|d| !d.is_empty())
}

/// What follows a UPN's last `@`, as written; empty without one.
pub(super) fn upn_domain(upn: &str) -> &str {
    upn.rsplit_once('@').map_or("", |(_, domain)| domain)
}

/// Suffixes Entra cannot verify: no dot, or a top-level domain reserved for private use.
fn is_non_routable(suffix: &str) -> bool {
    const PRIVATE: [&str; 8] =
        [".local", ".lan", ".internal", ".corp", ".home", ".localdomain", ".intranet", ".private"];
    !suffix.contains('.') || PRIVATE.iter().any(|tld| suffix.ends_with(tld))
}
