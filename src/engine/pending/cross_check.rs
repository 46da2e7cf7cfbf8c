//! The report's prediction beside Entra Connect's own pending exports: each pending add,
//! update and delete joined to its entry (by anchor, then UPN), and each entry the report says
//! Connect will create checked for its add. Where they differ, both sides are given.

use serde::Serialize;

use crate::engine::entry_index::{EntryIndex, Identity};
use crate::engine::output::group_digits;
use crate::engine::pending::{PendingExport, PendingExports, PendingOperation};
use crate::engine::report::{Category, MatchReport};

/// What the report predicts Connect will do with an entry's cloud side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Predicted {
    /// Join an existing cloud user (and update it, if anything differs).
    Join,
    /// Create a new cloud user.
    Create,
    /// Leave the cloud user alone.
    Nothing,
}

impl Predicted {
    /// The prediction for a category; `None` where the report cannot tell (a shared anchor,
    /// an unreadable partner row).
    pub fn of(category: Category) -> Option<Predicted> {
        match category {
            Category::HardMatch
            | Category::SoftMatch
            | Category::HardMatchBlocked
            | Category::SoftMatchBlocked => Some(Predicted::Join),
            Category::Mismatch | Category::OnPremOnly => Some(Predicted::Create),
            Category::CloudOrphan | Category::CloudOnly => Some(Predicted::Nothing),
            Category::DuplicateAnchor | Category::PartnerUnreadable => None,
        }
    }
}

/// How Connect's pending export and the report differ for one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DisagreementKind {
    /// The report predicts a join; Connect will add a new object (a duplicate user).
    AddsWhatWeJoin,
    /// The report predicts a new user; Connect updates an existing one instead.
    UpdatesWhatWeCreate,
    /// The report predicts a new user; Connect has nothing pending for it.
    CreatesNothing,
    /// The report predicts Connect leaves the user alone; it will change it.
    ChangesWhatWeLeave,
    /// Connect will delete a cloud object: the report never predicts a delete.
    Deletes,
    /// Connect will export an object that is in neither export.
    NotInTheExports,
}

impl DisagreementKind {
    /// What it means, in a sentence's words.
    pub fn describe(self) -> &'static str {
        match self {
            DisagreementKind::AddsWhatWeJoin => {
                "the report predicts a join; Entra Connect will add a new cloud object (a duplicate)"
            }
            DisagreementKind::UpdatesWhatWeCreate => {
                "the report predicts a new cloud user; Entra Connect updates an existing one"
            }
            DisagreementKind::CreatesNothing => {
                "the report predicts a new cloud user; Entra Connect has nothing pending for it \
                 (out of its sync scope?)"
            }
            DisagreementKind::ChangesWhatWeLeave => {
                "the report predicts the sync leaves this cloud user alone; Entra Connect will \
                 change it"
            }
            DisagreementKind::Deletes => "Entra Connect will delete this cloud object",
            DisagreementKind::NotInTheExports => {
                "Entra Connect will export an object that is in neither export"
            }
        }
    }
}

/// One user on which the two disagree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disagreement {
    /// How.
    pub kind: DisagreementKind,
    /// Who: the UPN, or the anchor.
    pub user: String,
    /// The report's entry, when the user is in it.
    pub entry: Option<u32>,
    /// Its category in the report.
    pub category: Option<Category>,
    /// Connect's pending operation, if it has one.
    pub pending: Option<PendingOperation>,
    /// The line of the pending export's `<cs-object>`.
    pub line: Option<u64>,
}

/// The cross-check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossCheck {
    /// The pending-exports file's name.
    pub file: String,
    /// Users on which the two agree (an add for a predicted creation, an update for a join).
    pub agree: u64,
    /// Pending exports for entries whose outcome the report cannot tell.
    pub not_compared: u64,
    /// Every disagreement, in the report's entry order, then the file's.
    pub disagreements: Vec<Disagreement>,
}

impl CrossCheck {
    /// Checks `report` against `pending`.
    pub fn of(report: &MatchReport, file: &str, pending: &PendingExports) -> CrossCheck {
        let index = EntryIndex::of(report);
        let mut pending_of: Vec<Option<&PendingExport>> = vec![None; report.entries.len()];
        let mut check = CrossCheck {
            file: file.to_string(),
            agree: 0,
            not_compared: 0,
            disagreements: Vec::new(),
        };
        let mut unknown = Vec::new();
        for export in &pending.exports {
            let anchor = export.source_anchor.clone().or_else(|| anchor_of_dn(&export.cs_dn));
            let who = Identity {
                anchor: anchor.as_deref(),
                onprem_upn: export.upn.as_deref(),
                cloud_upn: export.upn.as_deref(),
            };
            match index.find(who) {
                Some(i) if pending_of[i as usize].is_none() => {
                    pending_of[i as usize] = Some(export)
                }
                _ => unknown.push((export, anchor)),
            }
        }
        for (i, export) in pending_of.iter().enumerate() {
            let category = report.entries.category(i);
            let Some(predicted) = Predicted::of(category) else {
                check.not_compared += u64::from(export.is_some());
                continue;
            };
            let operation = export.map(|e| e.operation);
            let kind = match (predicted, operation) {
                (_, Some(PendingOperation::Delete)) => Some(DisagreementKind::Deletes),
                (Predicted::Join, Some(PendingOperation::Add)) => {
                    Some(DisagreementKind::AddsWhatWeJoin)
                }
                (Predicted::Create, Some(PendingOperation::Update)) => {
                    Some(DisagreementKind::UpdatesWhatWeCreate)
                }
                (Predicted::Create, None) => Some(DisagreementKind::CreatesNothing),
                (Predicted::Nothing, Some(_)) => Some(DisagreementKind::ChangesWhatWeLeave),
                (Predicted::Join, _) | (Predicted::Create, Some(PendingOperation::Add)) => None,
                (Predicted::Nothing, None) => continue,
            };
            match kind {
                // A join with nothing to update is an agreement only if Connect saw the user:
                // without a pending export it is simply not counted.
                None if operation.is_none() => {}
                None => check.agree += 1,
                Some(kind) => check.disagreements.push(Disagreement {
                    kind,
                    user: label(report, i),
                    entry: Some(i as u32),
                    category: Some(category),
                    pending: operation,
                    line: export.map(|e| e.line),
                }),
            }
        }
        for (export, anchor) in unknown {
            check.disagreements.push(Disagreement {
                kind: match export.operation {
                    PendingOperation::Delete => DisagreementKind::Deletes,
                    _ => DisagreementKind::NotInTheExports,
                },
                user: export.upn.clone().or(anchor).unwrap_or_else(|| export.cs_dn.clone()),
                entry: None,
                category: None,
                pending: Some(export.operation),
                line: Some(export.line),
            });
        }
        check
    }

    /// The verdict's line: "Entra Connect's own pending exports (x.xml) disagree for 3 users."
    pub fn summary(&self) -> String {
        match self.disagreements.len() {
            0 => format!(
                "Entra Connect's own pending exports ({}) agree with this report for all {} users \
                 they name.",
                self.file,
                group_digits(self.agree)
            ),
            n => format!(
                "Entra Connect's own pending exports ({}) disagree for {} user{}; they agree for \
                 {}.",
                self.file,
                group_digits(n as u64),
                if n == 1 { "" } else { "s" },
                group_digits(self.agree)
            ),
        }
    }
}

/// The anchor a `CN={hex}` connector-space DN spells (the hex of its ASCII).
fn anchor_of_dn(dn: &str) -> Option<String> {
    let hex = dn.strip_prefix("CN={")?.strip_suffix('}')?;
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    String::from_utf8(bytes?).ok().filter(|a| a.is_ascii() && !a.is_empty())
}

/// The entry's UPN (on-prem first), else its anchor.
fn label(report: &MatchReport, i: usize) -> String {
    let entry = report.entry(i);
    report
        .onprem_of(&entry)
        .map(|p| p.upn().to_string())
        .filter(|u| !u.is_empty())
        .or_else(|| report.cloud_of(&entry).map(|c| c.upn().to_string()))
        .filter(|u| !u.is_empty())
        .or_else(|| entry.anchor.as_ref().map(|a| a.as_str().to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::audit::{audit, AuditOptions, Input};
    use crate::engine::pending::read;

    fn file(rel: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn scenario_05_beside_its_pending_exports_shows_agreement_and_each_kind_of_disagreement() {
        let (onprem, cloud) =
            (file("scenarios/05-soft-match/onprem.csv"), file("scenarios/05-soft-match/cloud.csv"));
        let result = audit(
            Input { name: "onprem.csv", bytes: &onprem },
            Input { name: "cloud.csv", bytes: &cloud },
            &AuditOptions::default(),
        )
        .unwrap();
        let pending = read("aad-pending.xml", &file("pending-exports/aad-pending.xml")).unwrap();
        let check = CrossCheck::of(&result.report, "aad-pending.xml", &pending);
        // Grace is created (predicted: on-prem only); Anna is updated (a hard match).
        assert_eq!(check.agree, 2);
        let shown: Vec<_> = check
            .disagreements
            .iter()
            .map(|d| (d.kind, d.user.as_str(), d.category, d.pending, d.line))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    DisagreementKind::AddsWhatWeJoin,
                    "m.garcia@contoso.com",
                    Some(Category::SoftMatch),
                    Some(PendingOperation::Add),
                    Some(60)
                ),
                (
                    DisagreementKind::Deletes,
                    "old.contractor@contoso.com",
                    None,
                    Some(PendingOperation::Delete),
                    Some(40)
                ),
            ]
        );
        assert_eq!(
            check.summary(),
            "Entra Connect's own pending exports (aad-pending.xml) disagree for 2 users; they \
             agree for 2."
        );
    }

    #[test]
    fn a_predicted_creation_that_connect_updates_or_leaves_is_a_disagreement() {
        let (onprem, cloud) =
            (file("scenarios/05-soft-match/onprem.csv"), file("scenarios/05-soft-match/cloud.csv"));
        let result = audit(
            Input { name: "onprem.csv", bytes: &onprem },
            Input { name: "cloud.csv", bytes: &cloud },
            &AuditOptions::default(),
        )
        .unwrap();
        let mut pending = read("p.xml", &file("pending-exports/aad-pending.xml")).unwrap();
        // Grace's add becomes an update: Connect found a cloud object to join after all.
        pending.exports[0].operation = PendingOperation::Update;
        let grace = |check: &CrossCheck| {
            let found = check.disagreements.iter().find(|d| d.user == "grace.reyes@contoso.com");
            found.map(|d| (d.kind, d.pending))
        };
        let check = CrossCheck::of(&result.report, "p.xml", &pending);
        assert_eq!(
            grace(&check),
            Some((DisagreementKind::UpdatesWhatWeCreate, Some(PendingOperation::Update)))
        );
        // Without it, there is nothing pending for a user the report says Connect creates.
        pending.exports.remove(0);
        let check = CrossCheck::of(&result.report, "p.xml", &pending);
        assert_eq!(grace(&check), Some((DisagreementKind::CreatesNothing, None)));
    }

    #[test]
    fn a_connector_space_dn_spells_its_anchor_in_hex() {
        assert_eq!(
            anchor_of_dn("CN={3546562F446D4754476B752F53366E3064486A4456673D3D}").as_deref(),
            Some("5FV/DmGTGku/S6n0dHjDVg==")
        );
        assert_eq!(anchor_of_dn("CN=Anna Abbott,OU=Staff,DC=contoso,DC=com"), None);
        assert_eq!(anchor_of_dn("CN={4}"), None);
    }
}
