//! What the report says of the whole run rather than of one user.

use crate::engine::report::{Category, Entries, Notice, Severity};
use crate::engine::users::CloudUsers;

/// Entra Connect deletes no more than this many objects in one export unless told to
/// (the accidental-delete threshold's default).
pub const DELETE_THRESHOLD: usize = 500;

/// The run's notices: the accidental-delete threshold, and what these exports cannot tell.
pub(super) fn notices(entries: &Entries, cloud: &CloudUsers) -> Vec<Notice> {
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
    notices.push(Notice {
        severity: Severity::Info,
        message: "Not checked from these exports: cloud users holding admin roles (not matched: \
                  \"Existing Admin Role Conflict\") and UPNs on federated domains (their \
                  ImmutableID cannot be changed until the UPN moves to a managed domain)"
            .into(),
    });
    notices
}
