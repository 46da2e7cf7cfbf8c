//! The report's entries, column by column: a verdict code, the two users' row indices and the
//! findings as a list column (values plus offsets, Arrow's layout). What an entry can be worked
//! out from its users again (its anchor, the class of the cloud anchor) is not stored: it is
//! made when the entry is shown or exported ([`MatchReport::entry`]).

use rustc_hash::FxHashMap as HashMap;

use super::{AnchorRelation, Category, Finding, MatchReport, PersonKey, Severity, SoftMatchKey};
use super::{CloudUser, OnPremUser, Verdict};
use crate::engine::anchor::{classify_anchor, Anchor, AnchorClass, AnchorKey};

/// One user, or one pair of users, with what will happen to it: an entry of the report as it
/// is shown, made from [`Entries`] by [`MatchReport::entry`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// What will happen.
    pub verdict: Verdict,
    /// The on-prem user, as an index into [`MatchReport::onprem_users`].
    pub onprem: Option<u32>,
    /// The cloud user, as an index into [`MatchReport::cloud_users`].
    pub cloud: Option<u32>,
    /// The anchor the engine will compute for the on-prem user (what the cloud should hold).
    pub anchor: Option<Anchor>,
    /// What the cloud user's ImmutableID is made of.
    pub cloud_anchor: Option<AnchorClass>,
    /// Everything else noticed, most severe first.
    pub findings: &'a [Finding],
}

impl Entry<'_> {
    /// The entry's category.
    pub fn category(&self) -> Category {
        self.verdict.category()
    }

    /// Whether the cloud user's anchor is not base64 of a GUID (an Okta ID, a UPN, GUID text…).
    pub fn has_custom_anchor(&self) -> bool {
        self.cloud_anchor.as_ref().is_some_and(is_custom)
    }

    /// Whether any finding or the verdict is about a duplicate value.
    pub fn has_duplicate(&self) -> bool {
        matches!(self.verdict, Verdict::DuplicateAnchor { .. })
            || self.findings.iter().any(Finding::is_duplicate)
    }

    /// The most severe finding's severity, if any.
    pub fn worst_finding(&self) -> Option<Severity> {
        self.findings.iter().map(Finding::severity).max()
    }
}

/// Whether an anchor class is custom: not base64 of a GUID, and not empty.
fn is_custom(class: &AnchorClass) -> bool {
    !matches!(class, AnchorClass::Empty | AnchorClass::Base64Guid { .. })
}

/// The entries of a report, in its order, one row of each column per entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entries {
    /// Each entry's [`VerdictCode`].
    verdicts: Vec<u8>,
    /// The verdicts no code spells, by entry: the few with a line, a count or a text.
    detailed: HashMap<u32, Verdict>,
    /// Each entry's on-prem user, [`NONE`] for none.
    onprem: Vec<u32>,
    /// Each entry's cloud user, [`NONE`] for none.
    cloud: Vec<u32>,
    /// Whether the entry's cloud anchor is custom: the filter and the counts ask it of every
    /// entry, and the class is not kept.
    custom_anchor: Vec<bool>,
    /// The findings of every entry, entry after entry.
    findings: Vec<Finding>,
    /// Entry `i`'s findings are `findings[finding_offsets[i]..finding_offsets[i + 1]]`.
    finding_offsets: Vec<u32>,
}

/// No user on that side.
const NONE: u32 = u32::MAX;

impl Entries {
    /// No entries yet, with room for `capacity` without growing.
    pub(crate) fn with_capacity(capacity: usize) -> Entries {
        let mut finding_offsets = Vec::with_capacity(capacity + 1);
        finding_offsets.push(0);
        Entries {
            verdicts: Vec::with_capacity(capacity),
            detailed: HashMap::default(),
            onprem: Vec::with_capacity(capacity),
            cloud: Vec::with_capacity(capacity),
            custom_anchor: Vec::with_capacity(capacity),
            findings: Vec::new(),
            finding_offsets,
        }
    }

    /// Adds an entry; `cloud_anchor` is the class of its cloud user's anchor, if it has one.
    pub(crate) fn push(
        &mut self,
        verdict: Verdict,
        (onprem, cloud): (Option<u32>, Option<u32>),
        cloud_anchor: Option<&AnchorClass>,
        findings: Vec<Finding>,
    ) {
        let at = self.len() as u32;
        self.verdicts.push(VerdictCode::of(&verdict));
        if VerdictCode::is_detailed(VerdictCode::of(&verdict)) {
            self.detailed.insert(at, verdict);
        }
        self.onprem.push(onprem.unwrap_or(NONE));
        self.cloud.push(cloud.unwrap_or(NONE));
        self.custom_anchor.push(cloud_anchor.is_some_and(is_custom));
        self.findings.extend(findings);
        self.finding_offsets.push(offset(self.findings.len()));
    }

    /// Adds `other`'s entries after these.
    pub(crate) fn append(&mut self, other: Entries) {
        let (entries, findings) = (self.len() as u32, offset(self.findings.len()));
        self.verdicts.extend(other.verdicts);
        self.detailed.extend(other.detailed.into_iter().map(|(i, v)| (entries + i, v)));
        self.onprem.extend(other.onprem);
        self.cloud.extend(other.cloud);
        self.custom_anchor.extend(other.custom_anchor);
        self.findings.extend(other.findings);
        self.finding_offsets.extend(other.finding_offsets[1..].iter().map(|o| findings + o));
    }

    /// Gives entry `i` another verdict.
    pub(crate) fn set_verdict(&mut self, i: usize, verdict: Verdict) {
        let code = VerdictCode::of(&verdict);
        self.verdicts[i] = code;
        match VerdictCode::is_detailed(code) {
            true => self.detailed.insert(i as u32, verdict),
            false => self.detailed.remove(&(i as u32)),
        };
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.verdicts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
    }

    /// Entry `i`'s verdict.
    pub fn verdict(&self, i: usize) -> Verdict {
        VerdictCode::verdict(self.verdicts[i]).unwrap_or_else(|| self.detailed[&(i as u32)].clone())
    }

    /// Entry `i`'s category.
    pub fn category(&self, i: usize) -> Category {
        VerdictCode::category(self.verdicts[i])
    }

    /// Entry `i`'s on-prem user.
    pub fn onprem(&self, i: usize) -> Option<u32> {
        Some(self.onprem[i]).filter(|&p| p != NONE)
    }

    /// Entry `i`'s cloud user.
    pub fn cloud(&self, i: usize) -> Option<u32> {
        Some(self.cloud[i]).filter(|&c| c != NONE)
    }

    /// Entry `i`'s findings, most severe first.
    pub fn findings(&self, i: usize) -> &[Finding] {
        let (start, end) = (self.finding_offsets[i], self.finding_offsets[i + 1]);
        &self.findings[start as usize..end as usize]
    }

    /// Whether entry `i`'s cloud anchor is not base64 of a GUID: [`Entry::has_custom_anchor`].
    pub fn has_custom_anchor(&self, i: usize) -> bool {
        self.custom_anchor[i]
    }

    /// Whether entry `i` has a duplicate value: [`Entry::has_duplicate`].
    pub fn has_duplicate(&self, i: usize) -> bool {
        self.category(i) == Category::DuplicateAnchor
            || self.findings(i).iter().any(Finding::is_duplicate)
    }

    /// Entry `i`'s most severe finding's severity: [`Entry::worst_finding`].
    pub fn worst_finding(&self, i: usize) -> Option<Severity> {
        self.findings(i).iter().map(Finding::severity).max()
    }
}

fn offset(findings: usize) -> u32 {
    u32::try_from(findings).expect("fewer than 2^32 findings")
}

/// A verdict in a byte: each verdict without details, each soft-match key, and each mismatch
/// whose relation holds no text, by relation and key. Any other verdict (with a line, a count
/// or an attribute's name) is coded by its category alone and kept whole beside the codes.
struct VerdictCode;

impl VerdictCode {
    const HARD_MATCH: u8 = 0;
    const CLOUD_ORPHAN: u8 = 1;
    const CLOUD_ONLY: u8 = 2;
    const ON_PREM_ONLY: u8 = 3;
    const SOFT_MATCH_BY_SMTP: u8 = 4;
    const SOFT_MATCH_BY_UPN: u8 = 5;
    /// Then `MISMATCH + relation × 4 + key`, for each of [`Self::RELATIONS`] and [`Self::KEYS`].
    const MISMATCH: u8 = 8;
    /// Then `DETAILED + ` the category's place in [`Category::ALL`].
    const DETAILED: u8 = 128;

    const RELATIONS: [AnchorRelation; 9] = [
        AnchorRelation::ObjectGuidNotConsistencyGuid,
        AnchorRelation::ConsistencyGuidNotObjectGuid,
        AnchorRelation::BigEndian,
        AnchorRelation::GuidText,
        AnchorRelation::Base64OfGuidText,
        AnchorRelation::OtherGuid,
        AnchorRelation::Custom,
        AnchorRelation::SoftMatchBlocked,
        AnchorRelation::Padded,
    ];
    const KEYS: [PersonKey; 4] =
        [PersonKey::Anchor, PersonKey::Upn, PersonKey::PrimarySmtp, PersonKey::AnchorValue];

    fn of(verdict: &Verdict) -> u8 {
        match verdict {
            Verdict::HardMatch => Self::HARD_MATCH,
            Verdict::CloudOrphan => Self::CLOUD_ORPHAN,
            Verdict::CloudOnly => Self::CLOUD_ONLY,
            Verdict::OnPremOnly => Self::ON_PREM_ONLY,
            Verdict::SoftMatch { by: SoftMatchKey::PrimarySmtp } => Self::SOFT_MATCH_BY_SMTP,
            Verdict::SoftMatch { by: SoftMatchKey::Upn } => Self::SOFT_MATCH_BY_UPN,
            Verdict::Mismatch { relation, found_by } => {
                let key = Self::KEYS.iter().position(|k| k == found_by).expect("every key");
                match Self::RELATIONS.iter().position(|r| r == relation) {
                    Some(relation) => Self::MISMATCH + (relation * 4 + key) as u8,
                    None => Self::detailed(Category::Mismatch),
                }
            }
            Verdict::PartnerUnreadable { .. }
            | Verdict::DuplicateAnchor { .. }
            | Verdict::HardMatchBlocked { .. }
            | Verdict::SoftMatchBlocked { .. } => Self::detailed(verdict.category()),
        }
    }

    fn detailed(category: Category) -> u8 {
        let at = Category::ALL.iter().position(|c| *c == category).expect("every category");
        Self::DETAILED + at as u8
    }

    fn is_detailed(code: u8) -> bool {
        code >= Self::DETAILED
    }

    /// The verdict a code spells, `None` for a detailed one.
    fn verdict(code: u8) -> Option<Verdict> {
        Some(match code {
            Self::HARD_MATCH => Verdict::HardMatch,
            Self::CLOUD_ORPHAN => Verdict::CloudOrphan,
            Self::CLOUD_ONLY => Verdict::CloudOnly,
            Self::ON_PREM_ONLY => Verdict::OnPremOnly,
            Self::SOFT_MATCH_BY_SMTP => Verdict::SoftMatch { by: SoftMatchKey::PrimarySmtp },
            Self::SOFT_MATCH_BY_UPN => Verdict::SoftMatch { by: SoftMatchKey::Upn },
            _ if Self::is_detailed(code) => return None,
            _ => {
                let at = usize::from(code - Self::MISMATCH);
                let relation = Self::RELATIONS[at / 4].clone();
                Verdict::Mismatch { relation, found_by: Self::KEYS[at % 4] }
            }
        })
    }

    fn category(code: u8) -> Category {
        match code {
            Self::HARD_MATCH => Category::HardMatch,
            Self::CLOUD_ORPHAN => Category::CloudOrphan,
            Self::CLOUD_ONLY => Category::CloudOnly,
            Self::ON_PREM_ONLY => Category::OnPremOnly,
            Self::SOFT_MATCH_BY_SMTP | Self::SOFT_MATCH_BY_UPN => Category::SoftMatch,
            _ if Self::is_detailed(code) => Category::ALL[usize::from(code - Self::DETAILED)],
            _ => Category::Mismatch,
        }
    }
}

impl MatchReport {
    /// Entry `i`, with what is worked out from its users (its anchor, its cloud anchor's class).
    pub fn entry(&self, i: usize) -> Entry<'_> {
        let entries = &self.entries;
        let (verdict, onprem, cloud) = (entries.verdict(i), entries.onprem(i), entries.cloud(i));
        let cloud_user = cloud.map(|c| self.cloud_users.get(c as usize));
        let cloud_anchor = cloud_user.map(|c| classify_anchor(c.immutable_id()));
        let anchor = match (&verdict, cloud_user, &cloud_anchor) {
            // The anchors are equal: the cloud's spares reading the on-prem user.
            (Verdict::HardMatch, Some(c), Some(class)) => {
                AnchorKey::of_cloud(c.immutable_id(), class)
            }
            _ => onprem.and_then(|p| {
                AnchorKey::onprem(self.onprem_users.get(p as usize), &self.anchor_attribute)
            }),
        };
        let anchor = anchor.map(AnchorKey::to_anchor);
        Entry { verdict, onprem, cloud, anchor, cloud_anchor, findings: entries.findings(i) }
    }

    /// Every entry, in the report's order ([`MatchReport::entry`] of each).
    pub fn entries(&self) -> impl ExactSizeIterator<Item = Entry<'_>> + '_ {
        (0..self.entries.len()).map(|i| self.entry(i))
    }

    /// The on-prem user of an entry.
    pub fn onprem_of(&self, entry: &Entry<'_>) -> Option<OnPremUser<'_>> {
        entry.onprem.map(|i| self.onprem_users.get(i as usize))
    }

    /// The cloud user of an entry.
    pub fn cloud_of(&self, entry: &Entry<'_>) -> Option<CloudUser<'_>> {
        entry.cloud.map(|c| self.cloud_users.get(c as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Side;

    fn every_verdict() -> Vec<Verdict> {
        let mut verdicts = vec![
            Verdict::HardMatch,
            Verdict::CloudOrphan,
            Verdict::CloudOnly,
            Verdict::OnPremOnly,
            Verdict::SoftMatch { by: SoftMatchKey::PrimarySmtp },
            Verdict::SoftMatch { by: SoftMatchKey::Upn },
            Verdict::PartnerUnreadable { side: Side::Cloud, line: 1 << 40 },
            Verdict::DuplicateAnchor { side: Side::OnPrem, rows: 3 },
        ];
        let attribute = AnchorRelation::PersonValue { attribute: "employeeID".into() };
        for relation in VerdictCode::RELATIONS.into_iter().chain([attribute]) {
            for found_by in VerdictCode::KEYS {
                verdicts.push(Verdict::Mismatch { relation: relation.clone(), found_by });
            }
        }
        verdicts
    }

    #[test]
    fn every_verdict_reads_back_with_its_category() {
        let mut entries = Entries::with_capacity(0);
        for (n, verdict) in every_verdict().into_iter().enumerate() {
            let cloud = (n % 2 == 0).then_some(n as u32);
            entries.push(verdict, (Some(n as u32), cloud), None, vec![]);
        }
        for (i, verdict) in every_verdict().into_iter().enumerate() {
            assert_eq!(entries.category(i), verdict.category(), "{verdict:?}");
            assert_eq!(entries.verdict(i), verdict);
            assert_eq!(entries.onprem(i), Some(i as u32));
            assert_eq!(entries.cloud(i), (i % 2 == 0).then_some(i as u32));
        }
        // Only those no code spells are kept whole.
        assert_eq!(entries.detailed.len(), 2 + VerdictCode::KEYS.len());
    }

    #[test]
    fn appended_entries_keep_their_findings_and_details() {
        let finding = |chars| Finding::AnchorTooLong { chars };
        let unreadable = Verdict::PartnerUnreadable { side: Side::OnPrem, line: 7 };
        let mut first = Entries::with_capacity(2);
        first.push(Verdict::HardMatch, (Some(0), Some(0)), None, vec![finding(1), finding(2)]);
        first.push(Verdict::OnPremOnly, (Some(1), None), None, vec![]);
        let mut second = Entries::with_capacity(2);
        second.push(unreadable.clone(), (None, Some(1)), Some(&AnchorClass::Email), vec![]);
        second.push(Verdict::CloudOnly, (None, Some(2)), None, vec![finding(3)]);
        first.append(second);
        assert_eq!(first.len(), 4);
        assert_eq!(first.findings(0), [finding(1), finding(2)]);
        assert!(first.findings(1).is_empty() && first.findings(2).is_empty());
        assert_eq!(first.findings(3), [finding(3)]);
        assert_eq!(first.verdict(2), unreadable);
        assert!(first.has_custom_anchor(2) && !first.has_custom_anchor(3));
        assert_eq!((first.onprem(2), first.cloud(2)), (None, Some(1)));

        first.set_verdict(2, Verdict::CloudOrphan);
        assert_eq!(first.verdict(2), Verdict::CloudOrphan);
        assert!(first.detailed.is_empty());
        first.set_verdict(0, unreadable.clone());
        assert_eq!(
            (first.verdict(0), first.category(0)),
            (unreadable, Category::PartnerUnreadable)
        );
    }
}
