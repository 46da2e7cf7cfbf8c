//! What a report table shows: filtering by category and tag, searching, sorting, and windows of
//! rows. Pure, so the browser worker and the tests share it; the page only asks for a window.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::report::{Category, Entry, MatchReport, Severity};

mod index;
pub use index::ViewIndex;

/// A column the table can be sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SortKey {
    /// Category, most urgent first (the default).
    #[default]
    Category,
    /// On-prem UPN.
    OnPremUpn,
    /// Display name (on-prem, else cloud).
    Name,
    /// Cloud UPN.
    CloudUpn,
    /// Line in the on-prem file.
    OnPremLine,
    /// Line in the cloud file.
    CloudLine,
    /// The cloud anchor's kind.
    AnchorKind,
}

/// Which entries to show, in which order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// Only these categories; empty shows all.
    pub categories: Vec<Category>,
    /// Only entries with a custom cloud anchor.
    pub custom_anchor_only: bool,
    /// Only entries with a duplicate value.
    pub duplicates_only: bool,
    /// Case-insensitive text to find in UPNs, names, sAMAccountName, anchors and GUIDs.
    pub search: String,
    /// The sort column.
    pub sort: SortKey,
    /// Reverse the order.
    pub descending: bool,
}

/// One table row: what the list shows of an entry (the detail panel asks for the rest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowSummary {
    /// The entry's index in [`MatchReport::entries`].
    pub entry: u32,
    /// Its category.
    pub category: Category,
    /// On-prem UPN (or sAMAccountName).
    pub onprem: String,
    /// Display name.
    pub name: String,
    /// Cloud UPN.
    pub cloud: String,
    /// The cloud anchor's kind, e.g. "Okta user ID".
    pub anchor_kind: String,
    /// Custom cloud anchor.
    pub custom_anchor: bool,
    /// A duplicate value is involved.
    pub duplicate: bool,
    /// The worst finding.
    pub worst: Option<Severity>,
}

/// The entries the query selects, in its order, as indices into the report's entries.
/// Ties keep file order, so the result is deterministic.
pub fn select(report: &MatchReport, query: &Query) -> Vec<u32> {
    let needle = query.search.trim().to_lowercase();
    let entries: Vec<Entry> = report.entries().collect();
    let mut selected: Vec<u32> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| query.categories.is_empty() || query.categories.contains(&e.category()))
        .filter(|(_, e)| !query.custom_anchor_only || e.has_custom_anchor())
        .filter(|(_, e)| !query.duplicates_only || e.has_duplicate())
        .filter(|(_, e)| needle.is_empty() || matches_search(report, e, &needle))
        .map(|(i, _)| i as u32)
        .collect();
    let key = query.sort;
    selected.sort_by(|&a, &b| {
        let (a_entry, b_entry) = (&entries[a as usize], &entries[b as usize]);
        // Entries without the sorted value go last in either direction; ties keep file order.
        let missing = |e: &Entry| sort_value(report, e, key).is_none();
        missing(a_entry)
            .cmp(&missing(b_entry))
            .then_with(|| {
                let ordering =
                    sort_value(report, a_entry, key).cmp(&sort_value(report, b_entry, key));
                if query.descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            })
            .then(a.cmp(&b))
    });
    selected
}

/// The rows `offset..offset + limit` of a selection.
pub fn window(
    report: &MatchReport,
    selection: &[u32],
    offset: usize,
    limit: usize,
) -> Vec<RowSummary> {
    selection.iter().skip(offset).take(limit).map(|&i| summary(report, i)).collect()
}

/// The list row of one entry.
pub fn summary(report: &MatchReport, index: u32) -> RowSummary {
    let entry = &report.entry(index as usize);
    let p = report.onprem_of(entry);
    let c = report.cloud_of(entry);
    RowSummary {
        entry: index,
        category: entry.category(),
        onprem: p.map(|p| p.label().to_string()).unwrap_or_default(),
        name: p
            .map(|p| p.name())
            .filter(|n| !n.is_empty())
            .or(c.map(|c| c.name()))
            .unwrap_or_default()
            .to_string(),
        cloud: c.map(|c| c.upn().to_string()).unwrap_or_default(),
        anchor_kind: entry.cloud_anchor.as_ref().map(|a| a.label().to_string()).unwrap_or_default(),
        custom_anchor: entry.has_custom_anchor(),
        duplicate: entry.has_duplicate(),
        worst: entry.worst_finding(),
    }
}

fn rank(entry: &Entry) -> usize {
    category_rank(entry.category())
}

/// A category's position in [`Category::ALL`], most urgent first.
fn category_rank(category: Category) -> usize {
    Category::ALL.iter().position(|c| *c == category).unwrap_or(usize::MAX)
}

/// The value an entry sorts by; `None` when it has none (no such side, an empty field).
fn sort_value(report: &MatchReport, e: &Entry, key: SortKey) -> Option<SortValue> {
    Some(match sort_source(report, e, key)? {
        SortSource::Number(n) => SortValue::Number(n),
        SortSource::Folded(text) => SortValue::Text(text.to_lowercase()),
        SortSource::Verbatim(text) => SortValue::Text(text.to_string()),
    })
}

/// Where an entry's sort value comes from, before any lower-casing: [`sort_value`] and
/// [`ViewIndex`] make the value from it.
enum SortSource<'a> {
    Number(u64),
    /// Text compared lower-cased (not empty).
    Folded(&'a str),
    /// Text compared as it is (not empty): the anchor's kind.
    Verbatim(&'static str),
}

fn sort_source<'a>(report: &'a MatchReport, e: &'a Entry, key: SortKey) -> Option<SortSource<'a>> {
    let onprem = || report.onprem_of(e);
    let cloud = || report.cloud_of(e);
    // Lower case is empty exactly when the text is.
    let text = |value: &'a str| (!value.is_empty()).then_some(SortSource::Folded(value));
    match key {
        SortKey::Category => Some(SortSource::Number(rank(e) as u64)),
        SortKey::OnPremLine => onprem().map(|p| SortSource::Number(p.at().line)),
        SortKey::CloudLine => cloud().map(|c| SortSource::Number(c.at().line)),
        SortKey::OnPremUpn => onprem().and_then(|p| text(p.label())),
        SortKey::CloudUpn => cloud().and_then(|c| text(c.upn())),
        SortKey::Name => {
            onprem().and_then(|p| text(p.name())).or_else(|| cloud().and_then(|c| text(c.name())))
        }
        SortKey::AnchorKind => e
            .cloud_anchor
            .as_ref()
            .map(|a| a.label())
            .filter(|label| !label.is_empty())
            .map(SortSource::Verbatim),
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortValue {
    Number(u64),
    Text(String),
}

fn matches_search(report: &MatchReport, entry: &Entry, needle: &str) -> bool {
    let hit = |value: &str| !value.is_empty() && value.to_lowercase().contains(needle);
    search_texts(report, entry).any(hit)
        || search_guid(report, entry).is_some_and(|g| hit(&g.hyphenated().to_string()))
}

/// The text values search looks in: the on-prem UPN, name, sAMAccountName and mail, the cloud
/// UPN, name, mail and ImmutableID, and the computed anchor. With [`search_guid`], the one list
/// of what is searched, for [`select`] and [`ViewIndex`] alike.
fn search_texts<'a>(report: &'a MatchReport, entry: &'a Entry) -> impl Iterator<Item = &'a str> {
    let onprem = report
        .onprem_of(entry)
        .into_iter()
        .flat_map(|p| [p.upn(), p.name(), p.sam_account_name()].into_iter().chain(p.mail()));
    let cloud = report
        .cloud_of(entry)
        .into_iter()
        .flat_map(|c| [c.upn(), c.name(), c.mail(), c.immutable_id()]);
    onprem.chain(cloud).chain(entry.anchor.as_deref())
}

/// The on-prem objectGUID, which search matches in its hyphenated lower-case text.
fn search_guid(report: &MatchReport, entry: &Entry) -> Option<Uuid> {
    report.onprem_of(entry).and_then(|p| p.object_guid())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::guid::immutable_id;
    use crate::engine::join::{match_users, MatchOptions};
    use crate::engine::model::RowRef;
    use crate::engine::users::test_users::{
        cloud_table, onprem_table, TestCloudUser, TestOnPremUser,
    };
    use uuid::Uuid;

    fn report() -> MatchReport {
        let onprem: Vec<TestOnPremUser> = ["zoe", "adam", "mia"]
            .iter()
            .enumerate()
            .map(|(i, name)| TestOnPremUser {
                at: RowRef { line: i as u64 + 2, record: i as u64 + 1 },
                upn: format!("{name}@contoso.com"),
                name: name.to_uppercase(),
                object_guid: Some(Uuid::from_u128(i as u128 + 1)),
                ..TestOnPremUser::default()
            })
            .collect();
        let cloud = vec![
            TestCloudUser {
                at: RowRef { line: 2, record: 1 },
                upn: "zoe@contoso.com".into(),
                immutable_id: immutable_id(&Uuid::from_u128(1)),
                ..TestCloudUser::default()
            },
            TestCloudUser {
                at: RowRef { line: 3, record: 2 },
                upn: "adam@contoso.com".into(),
                immutable_id: "00ub0oNGTSWTBKOLGLNR".into(),
                ..TestCloudUser::default()
            },
        ];
        match_users(onprem_table(&onprem), cloud_table(&cloud), &MatchOptions::default())
    }

    fn upns(report: &MatchReport, query: &Query) -> Vec<String> {
        let selection = select(report, query);
        window(report, &selection, 0, 10).into_iter().map(|r| r.onprem).collect()
    }

    #[test]
    fn default_order_is_most_urgent_first() {
        let report = report();
        assert_eq!(
            upns(&report, &Query::default()),
            ["adam@contoso.com", "mia@contoso.com", "zoe@contoso.com"]
        );
    }

    #[test]
    fn filters_search_and_sort() {
        let report = report();
        let only = |categories: Vec<Category>| Query { categories, ..Query::default() };
        assert_eq!(upns(&report, &only(vec![Category::HardMatch])), ["zoe@contoso.com"]);
        assert_eq!(
            upns(&report, &Query { custom_anchor_only: true, ..Query::default() }),
            ["adam@contoso.com"]
        );
        assert_eq!(
            upns(&report, &Query { search: "MI".into(), ..Query::default() }),
            ["mia@contoso.com"]
        );
        assert_eq!(
            upns(&report, &Query { search: "00UB0".into(), ..Query::default() }),
            ["adam@contoso.com"]
        );
        let by_upn = Query { sort: SortKey::OnPremUpn, ..Query::default() };
        assert_eq!(
            upns(&report, &by_upn),
            ["adam@contoso.com", "mia@contoso.com", "zoe@contoso.com"]
        );
        let by_upn_desc = Query { descending: true, ..by_upn };
        assert_eq!(
            upns(&report, &by_upn_desc),
            ["zoe@contoso.com", "mia@contoso.com", "adam@contoso.com"]
        );
        // Entries without a cloud side sort last by cloud line.
        let by_cloud_line = Query { sort: SortKey::CloudLine, ..Query::default() };
        assert_eq!(
            upns(&report, &by_cloud_line).last().map(String::as_str),
            Some("mia@contoso.com")
        );
    }

    #[test]
    fn windows_page_through_the_selection() {
        let report = report();
        let selection = select(&report, &Query::default());
        assert_eq!(window(&report, &selection, 1, 1).len(), 1);
        assert_eq!(window(&report, &selection, 1, 1)[0].onprem, "mia@contoso.com");
        assert!(window(&report, &selection, 5, 10).is_empty());
    }
}
