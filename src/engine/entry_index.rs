//! The report's entries found by who they are: by anchor, then on-prem UPN, then cloud UPN.
//! What other files say of a user (an earlier report, Entra Connect's pending exports) is
//! joined to this run through it: the report is indexed once, the other file streamed past it.

use rustc_hash::FxHashMap;

use crate::engine::model::fold;
use crate::engine::report::MatchReport;

/// The three keys of each entry, each to the first entry that holds it.
#[derive(Debug, Default)]
pub struct EntryIndex {
    by_anchor: FxHashMap<String, u32>,
    by_onprem_upn: FxHashMap<String, u32>,
    by_cloud_upn: FxHashMap<String, u32>,
}

/// Who a user is, as another file tells it; any part may be missing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Identity<'a> {
    /// The source anchor (an ImmutableID).
    pub anchor: Option<&'a str>,
    /// The on-prem userPrincipalName.
    pub onprem_upn: Option<&'a str>,
    /// The cloud userPrincipalName.
    pub cloud_upn: Option<&'a str>,
}

impl EntryIndex {
    /// Indexes every entry of `report`.
    pub fn of(report: &MatchReport) -> EntryIndex {
        let mut index = EntryIndex::default();
        for i in 0..report.entries.len() {
            let entry = report.entry(i);
            let at = i as u32;
            if let Some(anchor) =
                entry.anchor.as_ref().map(|a| a.as_str()).filter(|a| !a.is_empty())
            {
                index.by_anchor.entry(anchor.to_string()).or_insert(at);
            }
            if let Some(p) = report.onprem_of(&entry).filter(|p| !p.upn().is_empty()) {
                index.by_onprem_upn.entry(fold(p.upn())).or_insert(at);
            }
            if let Some(c) = report.cloud_of(&entry).filter(|c| !c.upn().is_empty()) {
                index.by_cloud_upn.entry(fold(c.upn())).or_insert(at);
            }
        }
        index
    }

    /// The entry this identity names, trying its anchor first: an anchor names one object, a
    /// UPN can move between them.
    pub fn find(&self, who: Identity<'_>) -> Option<u32> {
        let upn = |map: &FxHashMap<String, u32>, upn: Option<&str>| {
            upn.filter(|u| !u.is_empty()).and_then(|u| map.get(&fold(u)).copied())
        };
        who.anchor
            .filter(|a| !a.is_empty())
            .and_then(|a| self.by_anchor.get(a).copied())
            .or_else(|| upn(&self.by_onprem_upn, who.onprem_upn))
            .or_else(|| upn(&self.by_cloud_upn, who.cloud_upn))
            // A cloud UPN is often the on-prem one (Entra Connect writes it): try each map
            // with the other's UPN last.
            .or_else(|| upn(&self.by_onprem_upn, who.cloud_upn))
            .or_else(|| upn(&self.by_cloud_upn, who.onprem_upn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::audit::{audit, AuditOptions, Input};

    #[test]
    fn an_entry_is_found_by_anchor_then_either_upn_case_insensitively() {
        let onprem = "UserPrincipalName,objectGUID\r\nada@contoso.com,35918bc9-196d-40ea-9779-889d79b753f0\r\n\
                      bob@contoso.com,2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f\r\n";
        let cloud = "UserPrincipalName,OnPremisesImmutableId,Id\r\nada@contoso.com,yYuRNW0Z6kCXeYidebdT8A==,1\r\n\
                     carol@contoso.com,,2\r\n";
        let result = audit(
            Input { name: "onprem.csv", bytes: onprem.as_bytes() },
            Input { name: "cloud.csv", bytes: cloud.as_bytes() },
            &AuditOptions::default(),
        )
        .unwrap();
        let report = &result.report;
        let index = EntryIndex::of(report);
        let upn_of = |i: u32| {
            let e = report.entry(i as usize);
            report
                .onprem_of(&e)
                .map(|p| p.upn().to_string())
                .or_else(|| report.cloud_of(&e).map(|c| c.upn().to_string()))
        };
        let by_anchor =
            index.find(Identity { anchor: Some("yYuRNW0Z6kCXeYidebdT8A=="), ..Default::default() });
        assert_eq!(by_anchor.and_then(upn_of).as_deref(), Some("ada@contoso.com"));
        let by_upn =
            index.find(Identity { onprem_upn: Some("BOB@Contoso.com"), ..Default::default() });
        assert_eq!(by_upn.and_then(upn_of).as_deref(), Some("bob@contoso.com"));
        let cloud_only =
            index.find(Identity { onprem_upn: Some("carol@contoso.com"), ..Default::default() });
        assert_eq!(cloud_only.and_then(upn_of).as_deref(), Some("carol@contoso.com"));
        let unknown = Identity {
            anchor: Some("AAAAAAAAAAAAAAAAAAAAAA=="),
            cloud_upn: Some("dan@contoso.com"),
            ..Default::default()
        };
        assert_eq!(index.find(unknown), None);
    }
}
