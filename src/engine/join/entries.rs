//! The verdicts made into the report's entries, in the report's order, each with its findings.

use super::anchor::AnchorKey;
use super::findings::Findings;
use super::matcher::Verdicts;
use super::slots::BATCH;
use crate::engine::anchor::{Anchor, AnchorClass};
use crate::engine::concurrent::both;
use crate::engine::model::AnchorAttribute;
use crate::engine::report::{Entry, Verdict};
use crate::engine::users::{CloudUsers, OnPremUsers};

/// The report's entries in its order: cloud file order, then the on-prem users without a cloud
/// user in on-prem file order. Each is made once, complete with its findings.
pub(super) fn entries(
    verdicts: Verdicts,
    mut cloud_classes: Vec<AnchorClass>,
    (onprem, cloud): (&OnPremUsers, &CloudUsers),
    attribute: &AnchorAttribute,
    findings: &Findings,
) -> Vec<Entry> {
    let Verdicts { cloud: mut cloud_verdicts, mut onprem_alone } = verdicts;
    onprem_alone.sort_by_key(|&(i, _)| i);
    let maker = EntryMaker { onprem, cloud, attribute, findings };
    // Each cloud user's entry needs only its own verdict and the read-only findings: the two
    // halves of the cloud file are made at once, each into its half of one allocation (a
    // cloud user has at most one entry), and the gap between them is closed in place. (Made
    // apart and appended, the second half was a second copy at the run's peak.)
    let cloud_count = cloud_verdicts.len();
    let half = cloud_count / 2;
    let mut entries = Vec::with_capacity(cloud_count + onprem_alone.len());
    entries.resize_with(cloud_count, Entry::placeholder);
    let (first_verdicts, last_verdicts) = cloud_verdicts.split_at_mut(half);
    let (first_classes, last_classes) = cloud_classes.split_at_mut(half);
    let (first_out, last_out) = entries.split_at_mut(half);
    let (first_made, last_made) = both(
        || maker.cloud_entries(0, first_verdicts, first_classes, first_out),
        || maker.cloud_entries(half, last_verdicts, last_classes, last_out),
    );
    entries.truncate(half + last_made);
    entries.drain(first_made..half);
    for (i, verdict) in onprem_alone {
        let anchor = AnchorKey::onprem(onprem.get(i as usize), attribute).map(AnchorKey::to_anchor);
        entries.push(maker.entry(verdict, Some(i), None, anchor, None));
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
    fn entry(
        &self,
        verdict: Verdict,
        onprem: Option<u32>,
        cloud: Option<u32>,
        anchor: Option<Anchor>,
        cloud_anchor: Option<AnchorClass>,
    ) -> Entry {
        let mut entry = Entry { verdict, onprem, cloud, anchor, cloud_anchor, findings: vec![] };
        self.findings.add(&mut entry);
        entry
    }

    /// The entries of the cloud users from `first` on, whose verdicts and classes these are,
    /// written in order from the start of `out` (as long as the verdicts); returns how many.
    fn cloud_entries(
        &self,
        first: usize,
        verdicts: &mut [Option<(Verdict, Option<u32>)>],
        classes: &mut [AnchorClass],
        out: &mut [Entry],
    ) -> usize {
        let mut made = 0;
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
            let class = std::mem::replace(&mut classes[at], AnchorClass::Empty);
            let c = first + at;
            let anchor = match verdict {
                // The anchors are equal: the cloud's, written from its GUID, spares reading the
                // on-prem user.
                Verdict::HardMatch => AnchorKey::of_cloud(self.cloud.get(c).immutable_id(), &class),
                _ => partner
                    .and_then(|i| AnchorKey::onprem(self.onprem.get(i as usize), self.attribute)),
            };
            let anchor = anchor.map(AnchorKey::to_anchor);
            out[made] = self.entry(verdict, partner, Some(c as u32), anchor, Some(class));
            made += 1;
        }
        made
    }
}
