//! What the report says of the whole run rather than of one user.

use super::suffix::upn_domain;
use super::MatchOptions;
use crate::engine::model::fold_cow;
use crate::engine::report::{Category, Entries, Notice, Severity};
use crate::engine::users::CloudUsers;

/// Entra Connect deletes no more than this many objects in one export unless told to
/// (the accidental-delete threshold's default).
pub const DELETE_THRESHOLD: usize = 500;

/// The run's notices: the accidental-delete threshold, and what these exports cannot tell.
pub(super) fn notices(
    entries: &Entries,
    cloud: &CloudUsers,
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
    let Some(domains) = &options.domains else {
        notices.push(Notice {
            severity: Severity::Info,
            message: "Not checked from these exports: cloud users holding admin roles (not \
                      matched: \"Existing Admin Role Conflict\") and UPNs on federated domains \
                      (their ImmutableID cannot be changed until the UPN moves to a managed \
                      domain)"
                .into(),
        });
        return notices;
    };
    notices.push(Notice {
        severity: Severity::Info,
        message: "Not checked from these exports: cloud users holding admin roles (not matched: \
                  \"Existing Admin Role Conflict\")"
            .into(),
    });
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
