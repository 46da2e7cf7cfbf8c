//! An entry as it is made: what its findings are worked out from, before it goes into the
//! report's columns.

use crate::engine::anchor::{Anchor, AnchorClass};
use crate::engine::report::{Finding, Verdict};

/// An entry being made: what its findings are worked out from, and the findings.
pub(super) struct EntryDraft {
    pub(super) verdict: Verdict,
    pub(super) onprem: Option<u32>,
    pub(super) cloud: Option<u32>,
    pub(super) anchor: Option<Anchor>,
    pub(super) cloud_anchor: Option<AnchorClass>,
    pub(super) findings: Vec<Finding>,
}

impl EntryDraft {
    pub(super) fn new(
        verdict: Verdict,
        onprem: Option<u32>,
        cloud: Option<u32>,
        anchor: Option<Anchor>,
        cloud_anchor: Option<AnchorClass>,
    ) -> EntryDraft {
        EntryDraft { verdict, onprem, cloud, anchor, cloud_anchor, findings: Vec::new() }
    }
}
