//! This run beside an earlier one: per category, which users were fixed, which are new and
//! which are unchanged. Users are matched by anchor and UPN (never by line: the exports are
//! made again between runs), the earlier report streamed past an index of this one.

mod earlier;

pub use earlier::{EarlierEntry, EarlierReport, EarlierUser};

use serde::{Deserialize, Serialize};

use crate::engine::entry_index::{EntryIndex, Identity};
use crate::engine::error::{Error, ErrorKind};
use crate::engine::output::group_digits;
use crate::engine::report::{Category, MatchReport};

/// A user on one side of a category's change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Moved {
    /// Who: the UPN, or the anchor.
    pub user: String,
    /// Its category in the earlier run; `None`: it was not in it.
    pub before: Option<Category>,
    /// Its category now; `None`: it is no longer in the exports.
    pub now: Option<Category>,
    /// Its entry in this run's report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u32>,
}

/// One category's change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryDiff {
    /// The category.
    pub category: Category,
    /// In it then, not now.
    pub fixed: Vec<Moved>,
    /// In it now, not then.
    pub new: Vec<Moved>,
    /// In it both times.
    pub unchanged: Vec<Moved>,
}

/// The comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDiff {
    /// The earlier report's file name.
    pub earlier: String,
    /// When it was made, if it says.
    pub made_at: Option<String>,
    /// Users with a problem then and none now.
    pub fixed: u64,
    /// Users with a problem now and none then (or not there then).
    pub new: u64,
    /// Users with a problem both times.
    pub still: u64,
    /// Users of the earlier report who are in neither export now.
    pub gone: u64,
    /// The categories that need attention, most urgent first, each with anyone in it.
    pub categories: Vec<CategoryDiff>,
    /// What makes the comparison less than exact (another anchor attribute…).
    pub notes: Vec<String>,
}

/// Compares `earlier` with this run's `report`. An earlier report that shares fewer than half
/// of its users with this run is refused: it is of other exports.
pub fn compare(earlier: &EarlierReport, report: &MatchReport) -> Result<RunDiff, Error> {
    let index = EntryIndex::of(report);
    let mut earlier_of: Vec<Option<u32>> = vec![None; report.entries.len()];
    let mut unmatched = Vec::new();
    // An object's anchor comes from its objectGUID, which never changes: the same user has
    // the same anchor in both runs, unless the anchor attribute changed. A UPN alone is
    // shared by chance between directories that use the same naming rules.
    let same_attribute = earlier.anchor_attribute.is_empty()
        || earlier.anchor_attribute == report.anchor_attribute.describe();
    let mut shared = 0;
    for (j, e) in earlier.entries.iter().enumerate() {
        let who = Identity {
            anchor: e.anchor.as_deref(),
            onprem_upn: e.onprem.as_ref().map(|u| u.upn.as_str()),
            cloud_upn: e.cloud.as_ref().map(|u| u.upn.as_str()),
        };
        // An anchor held twice (a duplicate) indexes its first entry: the second is found by
        // its UPN.
        let free = |i: &u32| earlier_of[*i as usize].is_none();
        let found = index
            .find(who)
            .filter(free)
            .or_else(|| index.find(Identity { anchor: None, ..who }).filter(free));
        match found {
            Some(i) => {
                earlier_of[i as usize] = Some(j as u32);
                let now = report.entry(i as usize).anchor;
                let agree = match (e.anchor.as_deref(), now) {
                    (Some(then), Some(now)) => then == now.as_str() || !same_attribute,
                    _ => true,
                };
                shared += usize::from(agree);
            }
            None => unmatched.push(j),
        }
    }
    let smaller = earlier.entries.len().min(report.entries.len());
    if smaller > 0 && shared * 2 < smaller {
        let problem = format!(
            "it shares {} of its {} users with this run (the same anchor, or the same UPN where \
             a side has no anchor), so it is a report of other exports; expected an earlier \
             report of the same directory and tenant",
            group_digits(shared as u64),
            group_digits(earlier.entries.len() as u64)
        );
        return Err(Error::new(ErrorKind::EarlierReport { problem }).in_file(None, &earlier.name));
    }

    let label_now = |i: usize| {
        let entry = report.entry(i);
        report
            .onprem_of(&entry)
            .map(|p| p.upn().to_string())
            .filter(|u| !u.is_empty())
            .or_else(|| report.cloud_of(&entry).map(|c| c.upn().to_string()))
            .filter(|u| !u.is_empty())
            .or_else(|| entry.anchor.as_ref().map(|a| a.as_str().to_string()))
            .unwrap_or_default()
    };
    let mut users: Vec<Moved> = (0..report.entries.len())
        .map(|i| Moved {
            user: label_now(i),
            before: earlier_of[i].map(|j| earlier.entries[j as usize].category),
            now: Some(report.entries.category(i)),
            entry: Some(i as u32),
        })
        .collect();
    users.extend(unmatched.iter().map(|&j| {
        let e = &earlier.entries[j];
        Moved { user: e.label().to_string(), before: Some(e.category), now: None, entry: None }
    }));

    let attention = |c: Option<Category>| c.is_some_and(Category::needs_attention);
    let count = |f: &dyn Fn(&Moved) -> bool| users.iter().filter(|m| f(m)).count() as u64;
    let fixed = count(&|m| attention(m.before) && m.now.is_some() && !attention(m.now));
    let new = count(&|m| attention(m.now) && !attention(m.before));
    let still = count(&|m| attention(m.before) && attention(m.now));
    let gone = unmatched.len() as u64;

    let categories = Category::ALL
        .into_iter()
        .filter(|&c| c.needs_attention())
        .map(|c| CategoryDiff {
            category: c,
            fixed: users
                .iter()
                .filter(|m| m.before == Some(c) && m.now != Some(c))
                .cloned()
                .collect(),
            new: users
                .iter()
                .filter(|m| m.now == Some(c) && m.before != Some(c))
                .cloned()
                .collect(),
            unchanged: users
                .iter()
                .filter(|m| m.before == Some(c) && m.now == Some(c))
                .cloned()
                .collect(),
        })
        .filter(|d| !(d.fixed.is_empty() && d.new.is_empty() && d.unchanged.is_empty()))
        .collect();

    let mut notes = Vec::new();
    let anchor_now = report.anchor_attribute.describe();
    if !earlier.anchor_attribute.is_empty() && earlier.anchor_attribute != anchor_now {
        notes.push(format!(
            "the earlier report assumed the anchor {}, this one {anchor_now}: users may have moved \
             for that alone",
            earlier.anchor_attribute
        ));
    }
    Ok(RunDiff {
        earlier: earlier.name.clone(),
        made_at: earlier.made_at.clone(),
        fixed,
        new,
        still,
        gone,
        categories,
        notes,
    })
}

impl RunDiff {
    /// The verdict's line: "Since earlier.json (made …): 7 fixed, 1 new, 6 still to fix."
    pub fn summary(&self) -> String {
        let made = self.made_at.as_deref().map_or_else(String::new, |at| format!(" (made {at})"));
        let gone = if self.gone > 0 {
            format!(", {} no longer in the exports", group_digits(self.gone))
        } else {
            String::new()
        };
        format!(
            "Since {}{made}: {} fixed, {} new, {} still to fix{gone}.",
            self.earlier,
            group_digits(self.fixed),
            group_digits(self.new),
            group_digits(self.still)
        )
    }
}
