//! Predicting Entra Connect's joins: hard match on the anchor, then soft match for cloud users
//! without one, then recognising the same person behind a different anchor.
//!
//! The shape is xsv's join: index the on-prem side by every key once, stream the cloud side past
//! the indexes, and emit what is left in input order, so the output is deterministic. At a
//! million users a side, what costs is cache misses, not comparing: GUID anchors are keyed by
//! their 16 bytes, UPNs and addresses get a number once for both sides, and each entry is made
//! once, in report order.
//!
//! One concept a file, in the order a run uses them:
//!
//! - `anchor`: each user's anchor key and the hard-match join on it, sort-merge;
//! - `keys`: the UPN and primary SMTP keys of both sides, hashed, numbered, and who holds each;
//! - `slots`: the open-addressing hash table under the numbering and the lookups;
//! - `partition`: the anchor join and the key numbering split by key hash, for both cores;
//! - `matcher`: the passes that give each user its verdict (duplicate anchors, hard match,
//!   soft match, mismatches and orphans, on-prem only);
//! - `onprem_index` and `key_index`: the on-prem lookups by GUID and value, built only for
//!   the cloud users no join took;
//! - `relation`: how a mismatched cloud anchor relates to the person found;
//! - `roles`: the role files' grants joined to the cloud users;
//! - `findings` and `suffix`: what each entry is told besides its verdict;
//! - `draft`: an entry as it is made, what its findings are worked out from;
//! - `entries`: the verdicts made into the report's entries, in its order;
//! - `notices`: what the report says of the whole run.

pub(crate) mod anchor;
mod draft;
pub(crate) mod entries;
pub(crate) mod findings;
pub(crate) mod key_index;
pub(crate) mod keys;
pub(crate) mod matcher;
pub(crate) mod notices;
pub(crate) mod onprem_index;
pub(crate) mod partition;
pub(crate) mod relation;
pub(crate) mod roles;
pub(crate) mod slots;
pub(crate) mod suffix;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::engine::anchor::AnchorKey;
use crate::engine::anchor::{classify_anchor, Anchor, AnchorClass};
use crate::engine::concurrent::both;
use crate::engine::context::{KnownDomains, KnownRoles};
use crate::engine::model::AnchorAttribute;
use crate::engine::report::MatchReport;
use crate::engine::users::{CloudUsers, OnPremUser, OnPremUsers};
use entries::entries;
use findings::Findings;
use matcher::Matcher;
use notices::notices;
use partition::{key_work, KeyWork};
use roles::CloudRoles;

pub use notices::DELETE_THRESHOLD;

/// How many parts the join's key work is split into ([`partition`]): one for each core where
/// there are threads; in wasm, where one worker runs the match, one.
const PARTS: u32 = if cfg!(target_arch = "wasm32") { 1 } else { 2 };

/// The tenant's settings and the anchor choice the prediction depends on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchOptions {
    /// Which on-prem value becomes the anchor.
    pub anchor: AnchorAttribute,
    /// `BlockSoftMatchEnabled` is on in the tenant.
    pub block_soft_match: bool,
    /// `BlockCloudObjectTakeoverThroughHardMatchEnabled` is on in the tenant.
    pub block_cloud_takeover: bool,
    /// The tenant's domains, from a domains file; without one, the UPN suffixes the cloud
    /// users hold stand in for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<KnownDomains>,
    /// Who holds or is eligible for an Entra role, from role files; without them, what the
    /// roles block cannot be told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<KnownRoles>,
}

/// The anchor Entra Connect will compute for an on-prem user, or `None` when it has none.
pub fn effective_anchor(user: OnPremUser<'_>, anchor: &AnchorAttribute) -> Option<Anchor> {
    AnchorKey::onprem(user, anchor).map(AnchorKey::to_anchor)
}

/// Matches the two sides and returns one entry per user or pair.
pub fn match_users(
    onprem_users: OnPremUsers,
    cloud_users: CloudUsers,
    options: &MatchOptions,
) -> MatchReport {
    let cloud_classes = classify_cloud_anchors(&cloud_users);
    match_classified(onprem_users, cloud_users, cloud_classes, options)
}

/// Every cloud user's anchor classified, in order: the class goes into its entry, and its GUID
/// keys the hard match.
pub(crate) fn classify_cloud_anchors(cloud_users: &CloudUsers) -> Vec<AnchorClass> {
    cloud_users.immutable_ids().iter().map(classify_anchor).collect()
}

/// [`match_users`] with the cloud anchors classified already ([`classify_cloud_anchors`]: the
/// browser's reader worker does it beside the main worker).
pub(crate) fn match_classified(
    onprem_users: OnPremUsers,
    cloud_users: CloudUsers,
    cloud_classes: Vec<AnchorClass>,
    options: &MatchOptions,
) -> MatchReport {
    debug_assert_eq!(cloud_classes.len(), cloud_users.len());
    let sides = (&onprem_users, &cloud_users);
    let KeyWork { anchors, onprem_keys, cloud_keys } =
        key_work(sides, &cloud_classes, &options.anchor, PARTS);
    let roles = CloudRoles::new(options.roles.as_ref(), &cloud_users);
    let keys = (&onprem_keys, &cloud_keys);
    // The per-user checks (IdFix's rules, the suffixes) need no verdict: the second core makes
    // them while the first decides the verdicts.
    let (verdicts, findings) = both(
        || Matcher::new(options, sides, &cloud_classes, keys, &roles).verdicts(anchors),
        || Findings::new(sides, keys, &roles, options),
    );
    let entries = entries(verdicts, cloud_classes, sides, &options.anchor, &findings);
    let notices = notices(&entries, &cloud_users, &roles, options);
    MatchReport {
        anchor_attribute: options.anchor.clone(),
        onprem_users,
        cloud_users,
        entries,
        notices,
        domains: options.domains.clone(),
    }
}
