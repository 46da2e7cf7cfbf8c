use std::borrow::Cow;
use std::collections::HashMap;

use super::keys::{KeyedUsers, NO_KEY};
use super::tests::match_test_users;
use super::*;
use uuid::Uuid;

use super::findings::takeover_changes;
use crate::engine::context::{KnownGrant, KnownRoles};
use crate::engine::guid::immutable_id;
use crate::engine::model::RowRef;
use crate::engine::report::{BlockCause, Finding, Verdict};
use crate::engine::users::test_users::{cloud_table, onprem_table, TestCloudUser, TestOnPremUser};
use proptest::prelude::*;

/// Small pools make collisions (shared UPNs, GUIDs, anchors) common.
fn onprem_user() -> impl Strategy<Value = TestOnPremUser> {
    (0..6u128, proptest::option::of(0..6u128), 0..5u8, 0..4u8).prop_map(|(g, cg, upn, mail)| {
        TestOnPremUser {
            upn: format!("u{upn}@contoso.com"),
            mail: Some(if mail == 0 { String::new() } else { format!("m{mail}@contoso.com") }),
            object_guid: Some(Uuid::from_u128(g + 1)),
            consistency_guid: cg.map(|g| Uuid::from_u128(g + 1)),
            ..TestOnPremUser::default()
        }
    })
}

fn cloud_user() -> impl Strategy<Value = TestCloudUser> {
    let anchor = prop_oneof![
        Just(String::new()),
        (0..6u128).prop_map(|g| immutable_id(&Uuid::from_u128(g + 1))),
        (0..6u128).prop_map(|g| Uuid::from_u128(g + 1).hyphenated().to_string()),
        Just("00ub0oNGTSWTBKOLGLNR".to_string()),
        (0..5u8).prop_map(|n| format!("u{n}@contoso.com")),
    ];
    // Tied to no on-prem object, or to one of the on-prem users' GUIDs (its own or another's).
    let tied = proptest::option::of(0..6u128);
    (anchor, 0..5u8, 0..4u8, proptest::option::of(any::<bool>()), tied).prop_map(
        |(immutable_id, upn, mail, synced, tied)| TestCloudUser {
            upn: format!("u{upn}@contoso.com"),
            mail: if mail == 0 { String::new() } else { format!("m{mail}@contoso.com") },
            immutable_id,
            synced,
            on_premises_object_identifier: tied
                .map(|g| Uuid::from_u128(g + 1).hyphenated().to_string())
                .unwrap_or_default(),
            ..TestCloudUser::default()
        },
    )
}

/// A roles file: a privileged role held, a role that is not privileged, a privileged role
/// one is only eligible for, and a grant to a principal in no export.
fn known_roles() -> KnownRoles {
    let grant = |role: &str, privileged: bool, eligible: bool, upn: &str| KnownGrant {
        role: role.into(),
        privileged,
        builtin: true,
        eligible,
        upn: Some(upn.into()),
        object_id: None,
        file: u32::from(eligible),
        line: 2,
    };
    KnownRoles {
        files: vec!["roles.csv".into(), "pim.csv".into()],
        grants: vec![
            grant("Global Administrator", true, false, "U1@contoso.com"),
            grant("Exchange Administrator", false, false, "u2@contoso.com"),
            grant("Security Administrator", true, true, "u3@contoso.com"),
            grant("User Administrator", true, false, "gone@contoso.com"),
        ],
    }
}

fn options() -> impl Strategy<Value = MatchOptions> {
    let flags = (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>());
    flags.prop_map(|(object_guid, soft, takeover, domains_file, roles_files)| {
        // A domains file that verifies one of the users' domains and federates another.
        let domains = domains_file.then(|| KnownDomains {
            file: "domains.csv".into(),
            verified: vec!["contoso.com".into(), "fabrikam.com".into()],
            federated: vec!["fabrikam.com".into()],
            initial: Some("contoso.onmicrosoft.com".into()),
        });
        MatchOptions {
            anchor: if object_guid {
                AnchorAttribute::ObjectGuid
            } else {
                AnchorAttribute::default()
            },
            block_soft_match: soft,
            block_cloud_takeover: takeover,
            domains,
            roles: roles_files.then(known_roles),
        }
    })
}

/// Each user's (UPN, SMTP) key numbers, numbering each key text at its first appearance.
fn first_appearances(users: &impl KeyedUsers, first: &mut HashMap<String, u32>) -> Vec<(u32, u32)> {
    let mut number = |key: Cow<str>| match key.is_empty() {
        true => NO_KEY,
        false => {
            let next = first.len() as u32 + 1;
            *first.entry(key.into_owned()).or_insert(next)
        }
    };
    (0..users.len())
        .map(|at| {
            let upn = number(users.upn_key(at));
            (upn, number(users.smtp_key(at)))
        })
        .collect()
}

/// Anchor-like text: base64 GUIDs and their near misses (other letter case, padding,
/// whitespace), GUID text, and plain values.
fn anchor_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u128>().prop_map(|g| immutable_id(&Uuid::from_u128(g))),
        any::<u128>().prop_map(|g| immutable_id(&Uuid::from_u128(g)).to_uppercase()),
        any::<u128>()
            .prop_map(|g| immutable_id(&Uuid::from_u128(g)).trim_end_matches('=').to_string()),
        any::<u128>().prop_map(|g| format!(" {}", immutable_id(&Uuid::from_u128(g)))),
        "[A-Za-z0-9+/=]{22,26}",
        "[ 0-9a-zA-Z@.-]{0,30}",
    ]
}

/// UPN and mail spellings that fold alike, or nearly: letter case, whitespace, non-ASCII.
fn address() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "u1@contoso.com",
        "U1@contoso.com",
        " u1@contoso.com",
        "u1@contoso.com ",
        "u2@contoso.com",
        "élodie@contoso.com",
        "Élodie@contoso.com",
        "",
        " ",
    ])
    .prop_map(String::from)
}

/// Users with the spellings of [`address`], joined by anchor or soft match.
fn joinable_users() -> impl Strategy<Value = (Vec<TestOnPremUser>, Vec<TestCloudUser>)> {
    users_of(1..4)
}

/// [`joinable_users`], `sizes` a side.
fn users_of(
    sizes: std::ops::Range<usize>,
) -> impl Strategy<Value = (Vec<TestOnPremUser>, Vec<TestCloudUser>)> {
    let onprem = (address(), proptest::option::of(address()), proptest::option::of(address()))
        .prop_map(|(upn, mail, smtp)| (upn, mail, smtp));
    let cloud = (address(), address(), proptest::option::of(address()), 0..4u128);
    (proptest::collection::vec(onprem, sizes.clone()), proptest::collection::vec(cloud, sizes))
        .prop_map(|(onprem, cloud)| {
            let onprem = onprem
                .into_iter()
                .enumerate()
                .map(|(i, (upn, mail, smtp))| TestOnPremUser {
                    at: RowRef { line: i as u64 + 2, record: i as u64 + 1 },
                    upn,
                    mail,
                    proxy_addresses: smtp.map(|a| format!("SMTP:{a}")).into_iter().collect(),
                    object_guid: Some(Uuid::from_u128(i as u128 + 1)),
                    ..TestOnPremUser::default()
                })
                .collect();
            let cloud = cloud
                .into_iter()
                .enumerate()
                .map(|(c, (upn, mail, smtp, anchor))| TestCloudUser {
                    at: RowRef { line: c as u64 + 2, record: c as u64 + 1 },
                    upn,
                    mail,
                    proxy_addresses: smtp.map(|a| format!("SMTP:{a}")).into_iter().collect(),
                    // 0: no anchor (soft match); else the anchor of on-prem user `anchor - 1`.
                    immutable_id: match anchor {
                        0 => String::new(),
                        n => immutable_id(&Uuid::from_u128(n)),
                    },
                    ..TestCloudUser::default()
                })
                .collect();
            (onprem, cloud)
        })
}

proptest! {
    /// The GUID-keyed anchor compares exactly as the text does (case-sensitively), and
    /// gives the text back.
    #[test]
    fn anchor_keys_compare_as_their_text(a in anchor_text(), b in anchor_text(), same: bool) {
        let b = if same { a.clone() } else { b };
        let (a, b) = (a, b);
        let (key_a, key_b) = (AnchorKey::of_text(&a), AnchorKey::of_text(&b));
        prop_assert_eq!(key_a.is_none(), a.is_empty());
        prop_assert_eq!(key_a == key_b, a == b);
        let anchor = key_a.map(AnchorKey::to_anchor);
        prop_assert_eq!(anchor.as_deref(), (!a.is_empty()).then_some(a.as_str()));
        prop_assert_eq!(AnchorKey::of_cloud(&a, &classify_anchor(&a)), key_a);
        let upper = a.to_uppercase();
        prop_assert_eq!(AnchorKey::of_text(&upper) == key_a, upper == a);
    }

    /// A join's UPN and mail findings are those of comparing the two users' values, though
    /// the numbers of their keys tell most joins without reading the values.
    #[test]
    fn takeover_findings_compare_the_values((onprem, cloud) in joinable_users()) {
        let report = match_test_users(onprem, cloud, &MatchOptions::default());
        let is_takeover = |f: &Finding| {
            matches!(f, Finding::UpnChanges { .. } | Finding::MailChanges { .. } | Finding::MailCleared { .. })
        };
        for entry in report.entries() {
            let joins = matches!(entry.verdict, Verdict::HardMatch | Verdict::SoftMatch { .. });
            let (Some(i), Some(c), true) = (entry.onprem, entry.cloud, joins) else { continue };
            let mut expected = Vec::new();
            takeover_changes(report.onprem_users.get(i as usize), report.cloud_users.get(c as usize), &mut expected);
            expected.sort_by_key(|f| std::cmp::Reverse(f.severity()));
            let found: Vec<Finding> = entry.findings.iter().filter(|f| is_takeover(f)).cloned().collect();
            prop_assert_eq!(found, expected);
        }
    }

    /// The key work in parts, on both cores, is the one-part work; and each key's number is
    /// its first appearance over the on-prem users, then the cloud ones, UPN before SMTP.
    #[test]
    fn the_key_work_in_parts_is_the_whole((onprem, cloud) in users_of(0..24), object_guid: bool) {
        let (onprem, cloud) = (onprem_table(&onprem), cloud_table(&cloud));
        let classes = classify_cloud_anchors(&cloud);
        let attribute = if object_guid { AnchorAttribute::ObjectGuid } else { AnchorAttribute::default() };
        let whole = key_work((&onprem, &cloud), &classes, &attribute, 1);
        for parts in 2..5 {
            prop_assert_eq!(&key_work((&onprem, &cloud), &classes, &attribute, parts), &whole);
        }
        let mut first = HashMap::new();
        let onprem_expected = first_appearances(&onprem, &mut first);
        let cloud_expected = first_appearances(&cloud, &mut first);
        let found = |keys: &keys::SideKeys| keys.numbers.iter().map(|n| (n.upn, n.smtp)).collect::<Vec<_>>();
        prop_assert_eq!(found(&whole.onprem_keys), onprem_expected);
        prop_assert_eq!(found(&whole.cloud_keys), cloud_expected);
    }

    /// Roles change no pairing: they turn a hard match to a privileged role holder (by role
    /// or eligibility) into a blocked one, and a soft match to any role holder; nothing else.
    #[test]
    fn roles_only_block_joins(
        onprem in proptest::collection::vec(onprem_user(), 0..10),
        cloud in proptest::collection::vec(cloud_user(), 0..10),
        options in options(),
    ) {
        let without = MatchOptions { roles: None, ..options.clone() };
        let with = MatchOptions { roles: Some(known_roles()), ..options };
        let before = match_test_users(onprem.clone(), cloud.clone(), &without);
        let after = match_test_users(onprem, cloud, &with);
        prop_assert_eq!(before.entries.len(), after.entries.len());
        for (b, a) in before.entries().zip(after.entries()) {
            prop_assert_eq!((b.onprem, b.cloud), (a.onprem, a.cloud));
            let upn = a.cloud.map(|c| after.cloud_users.get(c as usize).upn().to_lowercase());
            let role = match upn.as_deref() {
                Some("u1@contoso.com") => Some(BlockCause::PrivilegedRole),
                Some("u3@contoso.com") => Some(BlockCause::PrivilegedEligibility),
                _ => None,
            };
            let any_role = role.is_some() || upn.as_deref() == Some("u2@contoso.com");
            let expected = match (&b.verdict, role) {
                (Verdict::HardMatch, Some(cause)) => Verdict::HardMatchBlocked { cause },
                (Verdict::HardMatchBlocked { cause: BlockCause::TakeoverSwitch }, Some(cause)) => {
                    Verdict::HardMatchBlocked { cause }
                }
                (Verdict::SoftMatch { by }, _) if any_role => Verdict::SoftMatchBlocked { by: *by },
                (verdict, _) => verdict.clone(),
            };
            prop_assert_eq!(&a.verdict, &expected);
            let holds = a.findings.iter().any(|f| matches!(f, Finding::HoldsRoles { .. }));
            prop_assert_eq!(holds, any_role);
        }
        let unmatched = after.notices.iter().any(|n| n.message.contains("gone@contoso.com"));
        prop_assert!(unmatched, "{:?}", after.notices);
    }

    #[test]
    fn every_row_is_in_exactly_one_entry(
        mut onprem in proptest::collection::vec(onprem_user(), 0..12),
        mut cloud in proptest::collection::vec(cloud_user(), 0..12),
        options in options(),
    ) {
        for (i, u) in onprem.iter_mut().enumerate() { u.at = RowRef { line: i as u64 + 2, record: i as u64 + 1 }; }
        for (i, u) in cloud.iter_mut().enumerate() { u.at = RowRef { line: i as u64 + 2, record: i as u64 + 1 }; }
        let (n_onprem, n_cloud) = (onprem.len(), cloud.len());
        let report = match_test_users(onprem.clone(), cloud.clone(), &options);
        let mut onprem_seen = vec![0u32; n_onprem];
        let mut cloud_seen = vec![0u32; n_cloud];
        for entry in report.entries() {
            prop_assert!(entry.onprem.is_some() || entry.cloud.is_some());
            if let Some(i) = entry.onprem { onprem_seen[i as usize] += 1; }
            if let Some(c) = entry.cloud { cloud_seen[c as usize] += 1; }
            if let Verdict::HardMatch | Verdict::HardMatchBlocked { .. } = entry.verdict {
                let c = report.cloud_users.get(entry.cloud.unwrap() as usize);
                prop_assert_eq!(Some(c.immutable_id()), entry.anchor.as_deref());
            }
            if let Verdict::HardMatchBlocked { cause: BlockCause::TiedToOtherObject } = entry.verdict {
                let c = report.cloud_users.get(entry.cloud.unwrap() as usize);
                let p = report.onprem_users.get(entry.onprem.unwrap() as usize);
                let own = p.object_guid().map(|g| g.hyphenated().to_string());
                prop_assert!(!c.on_premises_object_identifier().is_empty());
                prop_assert_ne!(Some(c.on_premises_object_identifier().to_string()), own);
            }
            if let Verdict::SoftMatch { .. } | Verdict::SoftMatchBlocked { .. } = entry.verdict {
                prop_assert!(report.cloud_users.get(entry.cloud.unwrap() as usize).immutable_id().is_empty());
            }
        }
        prop_assert!(onprem_seen.iter().all(|&n| n == 1), "on-prem rows {:?}", onprem_seen);
        prop_assert!(cloud_seen.iter().all(|&n| n == 1), "cloud rows {:?}", cloud_seen);
        let counts = report.counts();
        prop_assert_eq!(counts.onprem_rows as usize, n_onprem);
        prop_assert_eq!(counts.cloud_rows as usize, n_cloud);
        prop_assert_eq!(counts.by_category.iter().map(|(_, n)| n).sum::<u64>() as usize, report.entries.len());
        // Deterministic: the same input gives the same report.
        prop_assert_eq!(report, match_test_users(onprem, cloud, &options));
    }
}
