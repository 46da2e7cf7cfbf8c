//! The verdicts made into the report's entries, in the report's order, each with its findings.

use super::draft::EntryDraft;
use super::findings::Findings;
use super::matcher::Verdicts;
use super::slots::BATCH;
use crate::engine::anchor::{AnchorClass, AnchorKey};
use crate::engine::concurrent::both;
use crate::engine::model::AnchorAttribute;
use crate::engine::report::{Entries, Verdict};
use crate::engine::users::{CloudUsers, OnPremUsers};

/// The report's entries in its order: cloud file order, then the on-prem users without a cloud
/// user in on-prem file order. Each is made once, complete with its findings.
pub(super) fn entries(
    verdicts: Verdicts,
    cloud_classes: Vec<AnchorClass>,
    (onprem, cloud): (&OnPremUsers, &CloudUsers),
    attribute: &AnchorAttribute,
    findings: &Findings,
) -> Entries {
    let Verdicts { cloud: mut cloud_verdicts, mut onprem_alone } = verdicts;
    onprem_alone.sort_by_key(|&(i, _)| i);
    let maker = EntryMaker { onprem, cloud, attribute, findings };
    // Each cloud user's entry needs only its own verdict and the read-only findings: the two
    // halves of the cloud file are made at once, the second appended to the first.
    let half = cloud_verdicts.len() / 2;
    let after_first = cloud_verdicts.len() - half + onprem_alone.len();
    let (first_verdicts, last_verdicts) = cloud_verdicts.split_at_mut(half);
    let (first_classes, last_classes) = cloud_classes.split_at(half);
    let (mut entries, last) = both(
        || maker.cloud_entries(0, first_verdicts, first_classes, after_first),
        || maker.cloud_entries(half, last_verdicts, last_classes, 0),
    );
    drop(cloud_verdicts);
    drop(cloud_classes);
    entries.append(last);
    for (i, verdict) in onprem_alone {
        let anchor = AnchorKey::onprem(onprem.get(i as usize), attribute).map(AnchorKey::to_anchor);
        maker.push(&mut entries, EntryDraft::new(verdict, Some(i), None, anchor, None));
    }
    entries
}

/// What an entry is made from.
struct EntryMaker<'a> {
    onprem: &'a OnPremUsers,
    cloud: &'a CloudUsers,
    attribute: &'a AnchorAttribute,
    findings: &'a Findings<'a>,
}

impl EntryMaker<'_> {
    /// Adds the draft's findings to it, and it to `entries`.
    fn push(&self, entries: &mut Entries, mut draft: EntryDraft) {
        self.findings.add(&mut draft);
        let EntryDraft { verdict, onprem, cloud, cloud_anchor, findings, .. } = draft;
        entries.push(verdict, (onprem, cloud), cloud_anchor.as_ref(), findings);
    }

    /// The entries of the cloud users from `first` on, whose verdicts and classes these are,
    /// with room for `more` after them.
    fn cloud_entries(
        &self,
        first: usize,
        verdicts: &mut [Option<(Verdict, Option<u32>)>],
        classes: &[AnchorClass],
        more: usize,
    ) -> Entries {
        let mut entries = Entries::with_capacity(verdicts.len() + more);
        for at in 0..verdicts.len() {
            // The next batch's partners are far apart in the on-prem arrays: their slots are
            // read first, together, so the processor waits for them at once (see
            // `Interner::numbers`).
            if at % BATCH == 0 {
                let next = verdicts[at..].iter().take(BATCH).flatten();
                let touch = |read, i| read ^ self.findings.touch(i);
                std::hint::black_box(next.filter_map(|(_, p)| *p).fold(0, touch));
            }
            let Some((verdict, partner)) = verdicts[at].take() else { continue };
            let class = &classes[at];
            let c = first + at;
            let anchor = match verdict {
                // The anchors are equal: the cloud's, written from its GUID, spares reading the
                // on-prem user.
                Verdict::HardMatch => AnchorKey::of_cloud(self.cloud.get(c).immutable_id(), class),
                _ => partner
                    .and_then(|i| AnchorKey::onprem(self.onprem.get(i as usize), self.attribute)),
            };
            let anchor = anchor.map(AnchorKey::to_anchor);
            let draft =
                EntryDraft::new(verdict, partner, Some(c as u32), anchor, Some(class.clone()));
            self.push(&mut entries, draft);
        }
        entries
    }
}
