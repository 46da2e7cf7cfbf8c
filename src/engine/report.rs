//! The match report: one verdict per user (or pair of users), the findings on it, and the counts
//! that account for every input row.

use serde::{Deserialize, Serialize};

use crate::engine::context::KnownDomains;
use crate::engine::idfix::IdFixRule;
use crate::engine::model::{AnchorAttribute, RowRef};
use crate::engine::users::{CloudUser, CloudUsers, OnPremUser, OnPremUsers};
use crate::engine::Side;

mod entries;

pub use entries::{Entries, Entry};

/// What Entra Connect / cloud sync will do with a user at cut-over. Every input row ends up in
/// exactly one entry, and every entry has exactly one verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Verdict {
    /// The cloud user's ImmutableID equals the on-prem object's anchor: it will be taken over.
    HardMatch,
    /// The same person (by UPN, primary SMTP or a related anchor) holds a different anchor in the
    /// cloud: the engine will create a second user and quarantine the clashing UPN / address.
    Mismatch {
        /// How the cloud anchor relates to the one the engine computes.
        relation: AnchorRelation,
        /// How the two were recognised as the same person.
        found_by: PersonKey,
    },
    /// The anchors are equal, but Entra refuses to take this cloud user over (the 2026
    /// hardening, or the tenant's takeover switch): the export fails for this object.
    HardMatchBlocked {
        /// Why.
        cause: BlockCause,
    },
    /// The cloud user has no ImmutableID and the key matches, but it holds an admin role, and
    /// soft match never joins one ("Existing Admin Role Conflict"): Connect creates a second
    /// user, which clashes on the UPN or address.
    SoftMatchBlocked {
        /// The attribute the soft match would have used.
        by: SoftMatchKey,
    },
    /// The cloud user has no ImmutableID and will be soft-matched (and stamped) on this key.
    SoftMatch {
        /// The attribute the soft match uses.
        by: SoftMatchKey,
    },
    /// A cloud user with an ImmutableID that no on-prem object will produce, and no on-prem
    /// person to pair it with: left as a disconnector (or deleted, if it was synced before).
    CloudOrphan,
    /// A cloud-only user (no ImmutableID, not synced) that nothing on-prem soft-matches: left alone.
    CloudOnly,
    /// An on-prem object whose anchor no cloud user holds and that no cloud user soft-matches:
    /// it will be created.
    OnPremOnly,
    /// The row on the other side that would pair with this one could not be read, so what will
    /// happen to it cannot be told until that row is fixed.
    PartnerUnreadable {
        /// The side of the unreadable row.
        side: Side,
        /// Its line.
        line: u64,
    },
    /// Several rows of one side hold the same anchor: the engine can join only one of them and
    /// reports `AttributeValueMustBeUnique` or an ambiguous join for the others.
    DuplicateAnchor {
        /// The side whose rows share the anchor.
        side: Side,
        /// How many rows share it.
        rows: u32,
    },
}

impl Verdict {
    /// The verdict's category.
    pub fn category(&self) -> Category {
        match self {
            Verdict::HardMatch => Category::HardMatch,
            Verdict::Mismatch { .. } => Category::Mismatch,
            Verdict::SoftMatch { .. } => Category::SoftMatch,
            Verdict::HardMatchBlocked { .. } => Category::HardMatchBlocked,
            Verdict::SoftMatchBlocked { .. } => Category::SoftMatchBlocked,
            Verdict::CloudOrphan => Category::CloudOrphan,
            Verdict::CloudOnly => Category::CloudOnly,
            Verdict::OnPremOnly => Category::OnPremOnly,
            Verdict::DuplicateAnchor { .. } => Category::DuplicateAnchor,
            Verdict::PartnerUnreadable { .. } => Category::PartnerUnreadable,
        }
    }
}

/// Why Entra refuses a hard match, most decisive first: a user that is blocked for several
/// reasons gets the first, and the others show as its findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockCause {
    /// `onPremisesObjectIdentifier` already names another on-prem object: since 1 July 2026 a
    /// hard match cannot re-point it.
    TiedToOtherObject,
    /// The cloud user holds a privileged Entra role (by the roles file).
    PrivilegedRole,
    /// The cloud user is eligible (PIM) for a privileged role, and holds none actively.
    PrivilegedEligibility,
    /// `BlockCloudObjectTakeoverThroughHardMatchEnabled` is on and the cloud user is
    /// cloud-managed.
    TakeoverSwitch,
}

impl BlockCause {
    /// The error Entra Connect reports for the object, with its code.
    pub fn error(self) -> &'static str {
        match self {
            BlockCause::TiedToOtherObject => "AttributeUpdateNotAllowed (96)",
            BlockCause::PrivilegedRole
            | BlockCause::PrivilegedEligibility
            | BlockCause::TakeoverSwitch => "InvalidHardMatch (103)",
        }
    }
}

/// The verdicts without their details: what the counts and filters use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// See [`Verdict::Mismatch`].
    Mismatch,
    /// See [`Verdict::HardMatchBlocked`].
    HardMatchBlocked,
    /// See [`Verdict::SoftMatchBlocked`].
    SoftMatchBlocked,
    /// See [`Verdict::DuplicateAnchor`].
    DuplicateAnchor,
    /// See [`Verdict::PartnerUnreadable`].
    PartnerUnreadable,
    /// See [`Verdict::CloudOrphan`].
    CloudOrphan,
    /// See [`Verdict::OnPremOnly`].
    OnPremOnly,
    /// See [`Verdict::SoftMatch`].
    SoftMatch,
    /// See [`Verdict::HardMatch`].
    HardMatch,
    /// See [`Verdict::CloudOnly`].
    CloudOnly,
}

impl Category {
    /// Every category, most urgent first: the order reports list them in.
    pub const ALL: [Category; 10] = [
        Category::Mismatch,
        Category::HardMatchBlocked,
        Category::SoftMatchBlocked,
        Category::DuplicateAnchor,
        Category::PartnerUnreadable,
        Category::CloudOrphan,
        Category::OnPremOnly,
        Category::SoftMatch,
        Category::HardMatch,
        Category::CloudOnly,
    ];

    /// The label shown to admins.
    pub fn label(self) -> &'static str {
        match self {
            Category::HardMatch => "hard match",
            Category::Mismatch => "mismatch",
            Category::HardMatchBlocked => "hard match blocked",
            Category::SoftMatchBlocked => "soft match blocked",
            Category::SoftMatch => "soft match",
            Category::CloudOrphan => "cloud orphan",
            Category::CloudOnly => "cloud only",
            Category::OnPremOnly => "on-prem only",
            Category::DuplicateAnchor => "duplicate anchor",
            Category::PartnerUnreadable => "other row unreadable",
        }
    }

    /// A stable name for files and styles, as the JSON report spells the category.
    pub fn key(self) -> &'static str {
        match self {
            Category::Mismatch => "mismatch",
            Category::HardMatchBlocked => "hard-match-blocked",
            Category::SoftMatchBlocked => "soft-match-blocked",
            Category::DuplicateAnchor => "duplicate-anchor",
            Category::PartnerUnreadable => "partner-unreadable",
            Category::CloudOrphan => "cloud-orphan",
            Category::OnPremOnly => "on-prem-only",
            Category::SoftMatch => "soft-match",
            Category::HardMatch => "hard-match",
            Category::CloudOnly => "cloud-only",
        }
    }

    /// Whether entries of this category need the admin's attention before cut-over.
    pub fn needs_attention(self) -> bool {
        !matches!(self, Category::HardMatch | Category::CloudOnly)
    }
}

/// How a cloud anchor that does not match relates to the anchor the engine will compute for the
/// same person. Names the mistake, so the admin knows where the wrong value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AnchorRelation {
    /// The cloud holds base64 of objectGUID, but the object's mS-DS-ConsistencyGuid is set to
    /// something else, and that is what the engine uses.
    ObjectGuidNotConsistencyGuid,
    /// The cloud holds base64 of mS-DS-ConsistencyGuid, but the anchor attribute is objectGUID.
    ConsistencyGuidNotObjectGuid,
    /// The right GUID with its bytes in big-endian order (Python `uuid.bytes`, MySQL `UNHEX`).
    BigEndian,
    /// The GUID's text stamped as the ImmutableID.
    GuidText,
    /// Base64 of the GUID's text (48 characters) instead of its bytes.
    Base64OfGuidText,
    /// A GUID-based anchor of a GUID this object does not have: another forest, a former sync,
    /// or an AD account deleted and re-created.
    OtherGuid,
    /// One of the person's own attribute values used as the anchor (an Okta custom mapping).
    PersonValue {
        /// The attribute, e.g. `userPrincipalName`.
        attribute: String,
    },
    /// Another custom anchor (an Okta ID, some other text).
    Custom,
    /// This object's own anchor, or a form of its GUID, with whitespace around it: Entra
    /// compares anchors as written, so it equals nothing Connect computes.
    Padded,
    /// The cloud user has no ImmutableID but soft match is blocked in the tenant
    /// (`BlockSoftMatchEnabled`), so it will not be joined.
    SoftMatchBlocked,
}

impl AnchorRelation {
    /// A plain-language sentence for the admin.
    pub fn explain(&self) -> String {
        match self {
            AnchorRelation::ObjectGuidNotConsistencyGuid => "the cloud ImmutableID is built from \
                objectGUID, but this account's mS-DS-ConsistencyGuid is set to a different value \
                and Entra Connect uses that one"
                .into(),
            AnchorRelation::ConsistencyGuidNotObjectGuid => "the cloud ImmutableID is built from \
                mS-DS-ConsistencyGuid, but the anchor attribute chosen is objectGUID"
                .into(),
            AnchorRelation::BigEndian => "the cloud ImmutableID holds this account's objectGUID \
                with its bytes in big-endian order (a script used Python uuid.bytes or MySQL \
                UNHEX instead of .NET Guid.ToByteArray)"
                .into(),
            AnchorRelation::GuidText => {
                "the cloud ImmutableID is this account's GUID as text, not base64 of its bytes"
                    .into()
            }
            AnchorRelation::Base64OfGuidText => "the cloud ImmutableID is base64 of the GUID's \
                text (48 characters) instead of base64 of its 16 bytes"
                .into(),
            AnchorRelation::OtherGuid => "the cloud ImmutableID comes from a GUID this account \
                does not have: another forest, an earlier sync, or an AD account that was deleted \
                and re-created"
                .into(),
            AnchorRelation::PersonValue { attribute } => format!(
                "the cloud ImmutableID is this person's {attribute}, not a GUID (an Okta custom \
                 mapping)"
            ),
            AnchorRelation::Custom => "the cloud ImmutableID is a custom value that no on-prem \
                attribute produces (an Okta-generated ID or other text)"
                .into(),
            AnchorRelation::Padded => "the cloud ImmutableID is made from this account's GUID \
                but has whitespace around it (a paste artefact), and Entra compares anchors \
                exactly as written"
                .into(),
            AnchorRelation::SoftMatchBlocked => {
                "the cloud user has no ImmutableID, but soft match \
                is blocked in this tenant (BlockSoftMatchEnabled)"
                    .into()
            }
        }
    }
}

/// How two rows were recognised as the same person despite different anchors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PersonKey {
    /// The cloud anchor is a (wrong) form of this object's GUID.
    Anchor,
    /// Same userPrincipalName (case-insensitive).
    Upn,
    /// Same primary SMTP address.
    PrimarySmtp,
    /// The cloud anchor equals one of the person's attribute values.
    AnchorValue,
}

impl PersonKey {
    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            PersonKey::Anchor => "the cloud anchor is made from its GUID",
            PersonKey::Upn => "same UPN",
            PersonKey::PrimarySmtp => "same primary SMTP address",
            PersonKey::AnchorValue => "the cloud anchor is one of its values",
        }
    }
}

/// The attribute a soft match joins on (primary SMTP first, then UPN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SoftMatchKey {
    /// The primary SMTP address (`SMTP:` in proxyAddresses).
    PrimarySmtp,
    /// userPrincipalName (SoftMatchOnUpn).
    Upn,
}

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Worth knowing; nothing breaks.
    Info,
    /// A value changes or something may break.
    Warning,
    /// Something will break at cut-over unless fixed.
    Problem,
}

/// Something noticed about an entry besides its verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Finding {
    /// The takeover will overwrite the cloud UPN with the on-prem one.
    UpnChanges {
        /// Cloud UPN now.
        from: String,
        /// On-prem UPN.
        to: String,
    },
    /// The cloud user has a `mail` value the on-prem object lacks: the takeover clears it.
    MailCleared {
        /// The cloud value that will be lost.
        value: String,
    },
    /// The takeover will replace the cloud `mail` with the on-prem one.
    MailChanges {
        /// Cloud mail now.
        from: String,
        /// On-prem mail.
        to: String,
    },
    /// The hard match takes over a cloud-managed (not synced) user; blocked when
    /// `BlockCloudObjectTakeoverThroughHardMatchEnabled` is on.
    TakesOverCloudUser {
        /// Whether the report was run with that switch on.
        blocked: bool,
    },
    /// The cloud user is already tied to another on-prem object (`onPremisesObjectIdentifier`);
    /// since July 2026 a hard match cannot re-point it.
    TiedToOtherObject {
        /// The identifier it holds.
        identifier: String,
    },
    /// The cloud user holds or is eligible for Entra roles (by the roles files): a hard match
    /// is blocked while a privileged one is held, a soft match while any is.
    HoldsRoles {
        /// Each role, as the report names it.
        roles: Vec<HeldRole>,
    },
    /// Another row on the same side has the same UPN.
    DuplicateUpn {
        /// The side.
        side: Side,
        /// The other rows.
        others: Vec<RowRef>,
    },
    /// Another row on the same side has the same primary SMTP address.
    DuplicatePrimarySmtp {
        /// The side.
        side: Side,
        /// The other rows.
        others: Vec<RowRef>,
    },
    /// A different cloud user already holds this on-prem UPN: the export will clash
    /// (`AttributeValueMustBeUnique`) and the new value is quarantined.
    UpnTaken {
        /// The cloud row holding it.
        cloud: RowRef,
        /// Its UPN.
        upn: String,
    },
    /// A different cloud user already holds this primary SMTP address.
    SmtpTaken {
        /// The cloud row holding it.
        cloud: RowRef,
        /// The address.
        address: String,
    },
    /// The UPN suffix is not routable (`.local`…): Entra replaces it with `…onmicrosoft.com`.
    NonRoutableUpnSuffix {
        /// The suffix.
        suffix: String,
    },
    /// No cloud user has this UPN suffix, so it is probably not a verified domain of the tenant.
    UpnSuffixNotInTenant {
        /// The suffix.
        suffix: String,
    },
    /// The UPN's suffix is not a verified domain of the tenant, by its domains file.
    UpnSuffixNotVerified {
        /// The suffix.
        suffix: String,
    },
    /// The on-prem export's own ImmutableID column disagrees with the anchor computed here.
    FileImmutableIdDiffers {
        /// The file's value.
        in_file: String,
        /// The computed anchor.
        computed: String,
    },
    /// The cloud export's derived objectGUID column disagrees with the GUID its ImmutableID holds.
    FileObjectGuidDiffers {
        /// The file's value.
        in_file: String,
        /// What the ImmutableID decodes to, if a GUID at all.
        computed: Option<String>,
    },
    /// A string anchor must be shorter than 60 characters.
    AnchorTooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// An on-prem value breaks one of IdFix's rules.
    IdFix {
        /// The rule.
        rule: IdFixRule,
        /// The value, as exported.
        value: String,
        /// The value with the fault fixed, where one can be made.
        #[serde(skip_serializing_if = "Option::is_none")]
        suggested: Option<String>,
    },
    /// Another on-prem row holds this proxyAddresses value (or this mail as one), in any letter
    /// case: Entra refuses the second (IdFix: proxyAddresses, no duplicates).
    DuplicateProxyAddress {
        /// The value, as this row holds it.
        address: String,
        /// The other rows.
        others: Vec<RowRef>,
    },
    /// Another on-prem row has the same mailNickname (IdFix: mailNickName, no duplicates).
    DuplicateMailNickname {
        /// The value, as this row holds it.
        value: String,
        /// The other rows.
        others: Vec<RowRef>,
    },
}

impl Finding {
    /// How much it matters.
    pub fn severity(&self) -> Severity {
        match self {
            Finding::UpnChanges { from, to } if from.eq_ignore_ascii_case(to) => Severity::Info,
            Finding::FileObjectGuidDiffers { .. } => Severity::Info,
            Finding::UpnChanges { .. }
            | Finding::MailChanges { .. }
            | Finding::FileImmutableIdDiffers { .. }
            | Finding::UpnSuffixNotInTenant { .. }
            | Finding::UpnSuffixNotVerified { .. }
            | Finding::TakesOverCloudUser { blocked: false } => Severity::Warning,
            Finding::IdFix { rule, .. } => rule.severity(),
            Finding::DuplicateMailNickname { .. } => Severity::Warning,
            Finding::HoldsRoles { roles } => match roles.iter().any(|r| r.privileged) {
                true => Severity::Problem,
                false => Severity::Warning,
            },
            Finding::MailCleared { .. }
            | Finding::TakesOverCloudUser { blocked: true }
            | Finding::TiedToOtherObject { .. }
            | Finding::DuplicateUpn { .. }
            | Finding::DuplicatePrimarySmtp { .. }
            | Finding::DuplicateProxyAddress { .. }
            | Finding::UpnTaken { .. }
            | Finding::SmtpTaken { .. }
            | Finding::NonRoutableUpnSuffix { .. }
            | Finding::AnchorTooLong { .. } => Severity::Problem,
        }
    }

    /// Whether this is a duplicate-value finding (for the "duplicates" filter).
    pub fn is_duplicate(&self) -> bool {
        matches!(
            self,
            Finding::DuplicateUpn { .. }
                | Finding::DuplicatePrimarySmtp { .. }
                | Finding::DuplicateProxyAddress { .. }
                | Finding::DuplicateMailNickname { .. }
                | Finding::UpnTaken { .. }
                | Finding::SmtpTaken { .. }
        )
    }

    /// One plain-language sentence.
    pub fn message(&self) -> String {
        match self {
            Finding::UpnChanges { from, to } if from.eq_ignore_ascii_case(to) => {
                format!("the UPN's letter case changes from {from} to {to}")
            }
            Finding::UpnChanges { from, to } => {
                format!("the cloud UPN {from} will be replaced by the on-prem UPN {to}")
            }
            Finding::MailCleared { value } => format!(
                "the cloud mail {value} is not set on-prem: the takeover will clear it (set it \
                 in AD first)"
            ),
            Finding::MailChanges { from, to } => {
                format!("the cloud mail {from} will be replaced by the on-prem mail {to}")
            }
            Finding::TakesOverCloudUser { blocked: false } => "this cloud user is cloud-managed \
                (not synced): the hard match takes it over (BlockCloudObjectTakeoverThroughHard\
                MatchEnabled would stop that)"
                .into(),
            Finding::TakesOverCloudUser { blocked: true } => {
                "this cloud user is cloud-managed and \
                BlockCloudObjectTakeoverThroughHardMatchEnabled is on: the hard match will fail"
                    .into()
            }
            Finding::TiedToOtherObject { identifier } => format!(
                "the cloud user is already tied to on-prem object {identifier} \
                 (onPremisesObjectIdentifier): since July 2026 a hard match cannot re-point it"
            ),
            Finding::HoldsRoles { roles } => {
                let privileged = roles.iter().any(|r| r.privileged);
                format!(
                    "the cloud user {} {}: {}",
                    if roles.iter().all(|r| r.eligible) { "is eligible for" } else { "holds" },
                    if roles.len() == 1 { "an Entra role" } else { "Entra roles" },
                    held_roles(roles)
                ) + if privileged {
                    ". A hard match to it is blocked, and a soft match never joins it"
                } else {
                    ". A soft match never joins it (\"Existing Admin Role Conflict\")"
                }
            }
            Finding::DuplicateUpn { side, others } => {
                format!("{} other {side} row(s) have the same UPN: {}", others.len(), lines(others))
            }
            Finding::DuplicatePrimarySmtp { side, others } => format!(
                "{} other {side} row(s) have the same primary SMTP address: {}",
                others.len(),
                lines(others)
            ),
            Finding::UpnTaken { cloud, upn } => format!(
                "another cloud user (cloud line {}) already has the UPN {upn}: the sync will \
                 clash on it and quarantine the new value",
                cloud.line
            ),
            Finding::SmtpTaken { cloud, address } => format!(
                "another cloud user (cloud line {}) already has the address {address}: the sync \
                 will clash on it",
                cloud.line
            ),
            Finding::NonRoutableUpnSuffix { suffix } => format!(
                "the UPN suffix {suffix} is not routable: the cloud user gets a \
                 …onmicrosoft.com UPN; add a routable UPN suffix in AD"
            ),
            Finding::UpnSuffixNotInTenant { suffix } => format!(
                "no cloud user has the UPN suffix {suffix}: if it is not a verified domain, the \
                 cloud user gets a …onmicrosoft.com UPN"
            ),
            Finding::UpnSuffixNotVerified { suffix } => format!(
                "the UPN suffix {suffix} is not a verified domain of the tenant (by its domains \
                 file): the cloud user gets a …onmicrosoft.com UPN. Verify the domain, or change \
                 the UPN to one that is"
            ),
            Finding::FileImmutableIdDiffers { in_file, computed } => format!(
                "the export's own ImmutableID column says {in_file}, but the anchor computed from \
                 this row is {computed}"
            ),
            Finding::FileObjectGuidDiffers { in_file, computed: Some(guid) } => format!(
                "the export's objectGUID column says {in_file}, but the ImmutableID holds {guid}"
            ),
            Finding::FileObjectGuidDiffers { in_file, computed: None } => format!(
                "the export's objectGUID column says {in_file}, but the ImmutableID is not a GUID \
                 at all"
            ),
            Finding::AnchorTooLong { chars } => {
                format!("the anchor is {chars} characters long; a string anchor must be under 60")
            }
            Finding::IdFix { rule, value, suggested } => format!(
                "{} {value} breaks IdFix's rule \u{201c}{}\u{201d}: {}. {} (microsoft/idfix, \
                 Errors supported by the IdFix tool)",
                rule.attribute(),
                rule.rule(),
                rule.explain(value),
                match suggested {
                    Some(fixed) => format!("Suggested: {fixed}"),
                    None => "Change it in AD".to_string(),
                }
            ),
            Finding::DuplicateProxyAddress { address, others } => format!(
                "{} other on-prem row(s) hold the address {address} too ({}): Entra keeps it \
                 on one object and quarantines it on the others (AttributeValueMustBeUnique). \
                 Keep it on one account (IdFix: proxyAddresses, no duplicates)",
                others.len(),
                lines(others)
            ),
            Finding::DuplicateMailNickname { value, others } => format!(
                "{} other on-prem row(s) have the mailNickname {value} too ({}): give each a \
                 unique alias (IdFix: mailNickName, no duplicates)",
                others.len(),
                lines(others)
            ),
        }
    }
}

/// A role a cloud user holds or is eligible for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldRole {
    /// Its display name (or definition id, for a role that is not built in).
    pub name: String,
    /// Whether Entra labels it privileged.
    pub privileged: bool,
    /// A PIM eligibility, not an active assignment.
    pub eligible: bool,
}

/// "Global Administrator (privileged), Exchange Administrator (eligible)".
pub fn held_roles(roles: &[HeldRole]) -> String {
    let named: Vec<String> = roles
        .iter()
        .map(|r| match (r.privileged, r.eligible) {
            (true, true) => format!("{} (privileged, eligible)", r.name),
            (true, false) => format!("{} (privileged)", r.name),
            (false, true) => format!("{} (eligible)", r.name),
            (false, false) => r.name.clone(),
        })
        .collect();
    named.join(", ")
}

fn lines(rows: &[RowRef]) -> String {
    let shown: Vec<String> = rows.iter().take(5).map(|r| format!("line {}", r.line)).collect();
    let more = if rows.len() > 5 { format!(" and {} more", rows.len() - 5) } else { String::new() };
    format!("{}{more}", shown.join(", "))
}

/// The counts of a report: per category, and the accounting of every input row.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Entries per category, in [`Category::ALL`] order.
    pub by_category: Vec<(Category, u64)>,
    /// Entries whose cloud anchor is custom (not base64 of a GUID).
    pub custom_anchor: u64,
    /// Entries with a duplicate value (anchor, UPN, SMTP) within or across the sides.
    pub duplicates: u64,
    /// Entries with at least one problem-level finding.
    pub with_problems: u64,
    /// On-prem rows in entries.
    pub onprem_rows: u64,
    /// Cloud rows in entries.
    pub cloud_rows: u64,
}

impl Counts {
    /// The count of one category.
    pub fn get(&self, category: Category) -> u64 {
        self.by_category.iter().find(|(c, _)| *c == category).map_or(0, |(_, n)| *n)
    }
}

/// Something about the whole run rather than one user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// How much it matters.
    pub severity: Severity,
    /// What to know.
    pub message: String,
}

/// The result of matching the two exports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchReport {
    /// The anchor attribute the report assumed.
    pub anchor_attribute: AnchorAttribute,
    /// The on-prem users, in file order.
    pub onprem_users: OnPremUsers,
    /// The cloud users, in file order.
    pub cloud_users: CloudUsers,
    /// One entry per user or pair: cloud file order, then on-prem-only users in file order.
    pub entries: Entries,
    /// Run-level notices (delete threshold, what this report cannot check…).
    pub notices: Vec<Notice>,
    /// The tenant's domains the verdicts used, from a domains file: the fix script moves
    /// federated users through the initial domain.
    pub domains: Option<KnownDomains>,
}

impl MatchReport {
    /// Counts per category and the row accounting.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts {
            by_category: Category::ALL.iter().map(|c| (*c, 0)).collect(),
            ..Counts::default()
        };
        let entries = &self.entries;
        for i in 0..entries.len() {
            let category = entries.category(i);
            if let Some(slot) = counts.by_category.iter_mut().find(|(c, _)| *c == category) {
                slot.1 += 1;
            }
            counts.custom_anchor += u64::from(entries.has_custom_anchor(i));
            counts.duplicates += u64::from(entries.has_duplicate(i));
            counts.with_problems += u64::from(entries.worst_finding(i) == Some(Severity::Problem));
            counts.onprem_rows += u64::from(entries.onprem(i).is_some());
            counts.cloud_rows += u64::from(entries.cloud(i).is_some());
        }
        counts
    }
}
