use super::*;

use uuid::Uuid;

use super::findings::is_hyphenated_guid;
use super::key_index::KeyIndex;
use crate::engine::guid::immutable_id;
use crate::engine::model::RowRef;
use crate::engine::report::{
    AnchorRelation, Category, Entry, Finding, PersonKey, SoftMatchKey, Verdict,
};
use crate::engine::users::test_users::{cloud_table, onprem_table, TestCloudUser, TestOnPremUser};
use crate::engine::Side;

/// [`match_users`] of users written out in a test.
pub(super) fn match_test_users(
    onprem: Vec<TestOnPremUser>,
    cloud: Vec<TestCloudUser>,
    options: &MatchOptions,
) -> MatchReport {
    match_users(onprem_table(&onprem), cloud_table(&cloud), options)
}

const G1: &str = "35918bc9-196d-40ea-9779-889d79b753f0";
const G2: &str = "fcc7e67f-fec6-4a65-b821-2f40a292d185";
const G3: &str = "88666888-0101-1111-bbbb-1234567890ab";

fn guid(text: &str) -> Uuid {
    Uuid::parse_str(text).unwrap()
}

fn onprem(record: u64, upn: &str, object_guid: &str) -> TestOnPremUser {
    TestOnPremUser {
        at: RowRef { line: record + 1, record },
        upn: upn.into(),
        sam_account_name: upn.split('@').next().unwrap_or_default().into(),
        object_guid: Some(guid(object_guid)),
        ..TestOnPremUser::default()
    }
}

fn cloud(record: u64, upn: &str, immutable_id: &str) -> TestCloudUser {
    TestCloudUser {
        at: RowRef { line: record + 1, record },
        upn: upn.into(),
        immutable_id: immutable_id.into(),
        synced: Some(true),
        ..TestCloudUser::default()
    }
}

fn run(onprem: Vec<TestOnPremUser>, cloud: Vec<TestCloudUser>) -> MatchReport {
    match_test_users(onprem, cloud, &MatchOptions::default())
}

fn verdicts_and_rows(report: &MatchReport) -> Vec<(Verdict, Option<u32>, Option<u32>)> {
    report.entries().map(|e| (e.verdict, e.onprem, e.cloud)).collect()
}

fn only(report: &MatchReport) -> Entry<'_> {
    assert_eq!(report.entries.len(), 1, "{:#?}", report.entries().collect::<Vec<_>>());
    report.entry(0)
}

#[test]
fn key_index_gives_every_position_of_a_key_in_order() {
    let mut index = KeyIndex::with_capacity(0);
    for position in 0..300u32 {
        // Key 7 is held by every hundredth position; the others by one each.
        let key = if position % 100 == 7 { 7 } else { position * 1000 };
        index.insert(Uuid::from_u128(key.into()), position);
    }
    assert_eq!(index.get(&Uuid::from_u128(7)), [7, 107, 207]);
    assert_eq!(index.get(&Uuid::from_u128(5000)), [5]);
    assert!(index.get(&Uuid::from_u128(1)).is_empty());
    let mut by_text = KeyIndex::with_capacity(1);
    by_text.insert("00ub0oNGTSWTBKOLGLNR", 3);
    assert_eq!(by_text.get("00ub0oNGTSWTBKOLGLNR"), [3]);
    assert!(by_text.get("00UB0ONGTSWTBKOLGLNR").is_empty());
}

#[test]
fn object_identifiers_compare_as_hyphenated_guid_text_in_either_case() {
    let g = guid(G1);
    let upper = G1.to_uppercase();
    let braced = format!("{{{G1}}}");
    let simple = g.simple().to_string();
    let cases = [
        (G1, Some(g), true),
        (upper.as_str(), Some(g), true),
        (G1, None, false),
        (G1, Some(guid(G2)), false),
        (braced.as_str(), Some(g), false),
        (simple.as_str(), Some(g), false),
        (&G1[1..], Some(g), false),
        ("", Some(g), false),
    ];
    for (identifier, object_guid, same) in cases {
        // What the check was: the GUID written out, compared ignoring ASCII case.
        let written = object_guid.map(|g| g.hyphenated().to_string());
        let old = written.is_some_and(|w| w.eq_ignore_ascii_case(identifier));
        assert_eq!(old, same, "{identifier:?}");
        assert_eq!(is_hyphenated_guid(identifier, object_guid), same, "{identifier:?}");
    }
}

#[test]
fn hard_match_on_base64_object_guid() {
    let report = run(
        vec![onprem(1, "jane@contoso.com", G1)],
        vec![cloud(1, "jane@contoso.com", "yYuRNW0Z6kCXeYidebdT8A==")],
    );
    let entry = only(&report);
    assert_eq!(entry.verdict, Verdict::HardMatch);
    assert_eq!(entry.anchor.as_deref(), Some("yYuRNW0Z6kCXeYidebdT8A=="));
    assert!(entry.findings.is_empty(), "{:?}", entry.findings);
}

#[test]
fn a_padded_immutable_id_is_its_persons_mismatch() {
    // The right ImmutableID with a space before it, under another UPN: the GUID in it still
    // finds the person; it cannot hard-match (compared as written), so its fix is to set it.
    let report = run(
        vec![onprem(1, "jane@contoso.com", G1)],
        vec![cloud(1, "j.doe@contoso.com", " yYuRNW0Z6kCXeYidebdT8A==")],
    );
    let entry = only(&report);
    let expected =
        Verdict::Mismatch { relation: AnchorRelation::Padded, found_by: PersonKey::Anchor };
    assert_eq!(entry.verdict, expected);
    assert_eq!((entry.onprem, entry.cloud), (Some(0), Some(0)));
    let reason = crate::engine::advice::reason(&report, &entry);
    assert!(reason.contains("whitespace around it"), "{reason}");
    // Padded and of another GUID, it is an orphan still.
    let report = run(
        vec![onprem(1, "jane@contoso.com", G1)],
        vec![cloud(1, "j.doe@contoso.com", " f+bH/Mb+ZUq4IS9AopLRhQ==")],
    );
    assert_eq!(report.entry(0).verdict, Verdict::CloudOrphan);
}

#[test]
fn hard_match_is_case_sensitive() {
    let report = run(
        vec![onprem(1, "jane@contoso.com", G1)],
        vec![cloud(1, "jane@contoso.com", "YYURNW0Z6KCXEYIDEBDT8A==")],
    );
    assert!(matches!(report.entry(0).verdict, Verdict::Mismatch { .. }));
}

#[test]
fn mismatch_relations_name_the_mistake() {
    let be = "NZGLyRltQOqXeYidebdT8A=="; // big-endian bytes of G1
                                         // cloud anchor, on-prem ConsistencyGuid, cloud UPN, anchor attribute, relation, key
    type Case<'a> = (&'a str, Option<&'a str>, &'a str, AnchorAttribute, AnchorRelation, PersonKey);
    let cases: Vec<Case> = vec![
        (
            be,
            None,
            "other@contoso.com",
            AnchorAttribute::default(),
            AnchorRelation::BigEndian,
            PersonKey::Anchor,
        ),
        (
            G1,
            None,
            "other@contoso.com",
            AnchorAttribute::default(),
            AnchorRelation::GuidText,
            PersonKey::Anchor,
        ),
        (
            "yYuRNW0Z6kCXeYidebdT8A==",
            Some(G2),
            "x@contoso.com",
            AnchorAttribute::default(),
            AnchorRelation::ObjectGuidNotConsistencyGuid,
            PersonKey::Anchor,
        ),
        (
            "f+bH/Mb+ZUq4IS9AopLRhQ==",
            Some(G2),
            "x@contoso.com",
            AnchorAttribute::ObjectGuid,
            AnchorRelation::ConsistencyGuidNotObjectGuid,
            PersonKey::Anchor,
        ),
        (
            "iGhmiAEBERG7uxI0VniQqw==",
            None,
            "jane@contoso.com",
            AnchorAttribute::default(),
            AnchorRelation::OtherGuid,
            PersonKey::Upn,
        ),
        (
            "00ub0oNGTSWTBKOLGLNR",
            None,
            "JANE@contoso.com",
            AnchorAttribute::default(),
            AnchorRelation::Custom,
            PersonKey::Upn,
        ),
        (
            "jane@contoso.com",
            None,
            "j.doe@contoso.com",
            AnchorAttribute::default(),
            AnchorRelation::PersonValue { attribute: "userPrincipalName".into() },
            PersonKey::AnchorValue,
        ),
        (
            "jane",
            None,
            "j.doe@contoso.com",
            AnchorAttribute::default(),
            AnchorRelation::PersonValue { attribute: "sAMAccountName".into() },
            PersonKey::AnchorValue,
        ),
    ];
    for (anchor, consistency, cloud_upn, attribute, relation, key) in cases {
        let mut p = onprem(1, "jane@contoso.com", G1);
        p.consistency_guid = consistency.map(guid);
        let options = MatchOptions { anchor: attribute, ..MatchOptions::default() };
        let report = match_test_users(vec![p], vec![cloud(1, cloud_upn, anchor)], &options);
        let entry = only(&report);
        assert_eq!(
            entry.verdict,
            Verdict::Mismatch { relation, found_by: key },
            "cloud anchor {anchor}"
        );
        assert_eq!(entry.onprem, Some(0));
    }
}

#[test]
fn consistency_guid_is_the_anchor_when_set() {
    let mut p = onprem(1, "jane@contoso.com", G1);
    p.consistency_guid = Some(guid(G2));
    let report = run(vec![p], vec![cloud(1, "jane@contoso.com", "f+bH/Mb+ZUq4IS9AopLRhQ==")]);
    assert_eq!(only(&report).verdict, Verdict::HardMatch);
}

#[test]
fn string_anchors_shaped_like_immutable_ids_match_exactly() {
    // A base64 GUID in the anchor column is keyed by its GUID: it must still match only the
    // same text, never another spelling or letter case of it.
    let mut p = onprem(1, "jane@contoso.com", G1);
    p.string_anchor = Some("f+bH/Mb+ZUq4IS9AopLRhQ==".into());
    let options = MatchOptions {
        anchor: AnchorAttribute::Column("employeeID".into()),
        ..MatchOptions::default()
    };
    for (cloud_anchor, hard) in [
        ("f+bH/Mb+ZUq4IS9AopLRhQ==", true),
        ("F+BH/MB+ZUQ4IS9AOPLRHQ==", false),
        (G2, false),
        ("yYuRNW0Z6kCXeYidebdT8A==", false),
    ] {
        let users = (vec![p.clone()], vec![cloud(1, "jane@contoso.com", cloud_anchor)]);
        let report = match_test_users(users.0, users.1, &options);
        let entry = only(&report);
        assert_eq!(entry.verdict == Verdict::HardMatch, hard, "{cloud_anchor}");
        assert_eq!(entry.anchor.as_deref(), Some("f+bH/Mb+ZUq4IS9AopLRhQ=="));
    }
}

#[test]
fn effective_anchor_by_attribute() {
    let mut p = onprem(1, "jane@contoso.com", G1);
    let consistency = AnchorAttribute::ConsistencyGuidElseObjectGuid;
    let column = AnchorAttribute::Column("employeeID".into());
    assert_eq!(
        effective_anchor(onprem_table(&[p.clone()]).get(0), &consistency).as_deref(),
        Some("yYuRNW0Z6kCXeYidebdT8A==")
    );
    p.consistency_guid = Some(guid(G2));
    assert_eq!(
        effective_anchor(onprem_table(&[p.clone()]).get(0), &consistency).as_deref(),
        Some("f+bH/Mb+ZUq4IS9AopLRhQ==")
    );
    let object_guid = AnchorAttribute::ObjectGuid;
    assert_eq!(
        effective_anchor(onprem_table(&[p.clone()]).get(0), &object_guid).as_deref(),
        Some("yYuRNW0Z6kCXeYidebdT8A==")
    );
    assert_eq!(effective_anchor(onprem_table(&[p.clone()]).get(0), &column), None);
    p.string_anchor = Some(String::new());
    assert_eq!(effective_anchor(onprem_table(&[p.clone()]).get(0), &column), None);
    p.string_anchor = Some(" E1001".into());
    assert_eq!(
        effective_anchor(onprem_table(&[p.clone()]).get(0), &column).as_deref(),
        Some(" E1001")
    );
}

#[test]
fn string_anchor_column_is_used_verbatim() {
    let mut p = onprem(1, "jane@contoso.com", G1);
    p.string_anchor = Some("E1001".into());
    let options = MatchOptions {
        anchor: AnchorAttribute::Column("employeeID".into()),
        ..MatchOptions::default()
    };
    let report =
        match_test_users(vec![p.clone()], vec![cloud(1, "jane@contoso.com", "E1001")], &options);
    assert_eq!(only(&report).verdict, Verdict::HardMatch);
    let report = match_test_users(vec![p], vec![cloud(1, "jane@contoso.com", "e1001")], &options);
    assert!(
        matches!(only(&report).verdict, Verdict::Mismatch { .. }),
        "string anchors are case-sensitive"
    );
}

#[test]
fn soft_match_prefers_primary_smtp_then_upn() {
    let mut p = onprem(1, "jane@contoso.com", G1);
    p.proxy_addresses = vec!["SMTP:Jane.Doe@contoso.com".into()];
    let mut by_smtp = cloud(1, "someone@contoso.com", "");
    by_smtp.proxy_addresses = vec!["SMTP:jane.doe@contoso.com".into()];
    let by_upn = cloud(2, "jane@contoso.com", "");
    let report = run(vec![p.clone()], vec![by_upn.clone(), by_smtp]);
    let joined = report.entries().find(|e| e.onprem.is_some()).unwrap();
    assert_eq!(joined.verdict, Verdict::SoftMatch { by: SoftMatchKey::PrimarySmtp });
    assert_eq!(joined.cloud, Some(1));
    // The UPN holder is left alone, but the UPN clash is reported on the joined pair.
    assert_eq!(report.entry(0).verdict, Verdict::CloudOrphan);
    assert!(joined.findings.iter().any(|f| matches!(f, Finding::UpnTaken { .. })));

    let report = run(vec![p], vec![by_upn]);
    assert_eq!(only(&report).verdict, Verdict::SoftMatch { by: SoftMatchKey::Upn });
}

#[test]
fn blocked_soft_match_is_a_mismatch() {
    let options = MatchOptions { block_soft_match: true, ..MatchOptions::default() };
    let report = match_test_users(
        vec![onprem(1, "jane@contoso.com", G1)],
        vec![cloud(1, "jane@contoso.com", "")],
        &options,
    );
    assert_eq!(
        only(&report).verdict,
        Verdict::Mismatch { relation: AnchorRelation::SoftMatchBlocked, found_by: PersonKey::Upn }
    );
}

#[test]
fn soft_match_wins_over_a_mismatched_upn_holder() {
    // The engine soft-matches before anything else can claim the person.
    let mut p = onprem(1, "jane@contoso.com", G1);
    p.mail = Some("jane@contoso.com".into());
    let mut soft = cloud(2, "jdoe@contoso.com", "");
    soft.mail = "jane@contoso.com".into();
    let report = run(vec![p], vec![cloud(1, "jane@contoso.com", "00ub0oNGTSWTBKOLGLNR"), soft]);
    assert_eq!(report.entry(0).verdict, Verdict::CloudOrphan);
    assert_eq!(report.entry(1).verdict, Verdict::SoftMatch { by: SoftMatchKey::PrimarySmtp });
}

#[test]
fn orphans_cloud_only_and_onprem_only() {
    let mut cloud_only = cloud(2, "admin@contoso.onmicrosoft.com", "");
    cloud_only.synced = Some(false);
    let report = run(
        vec![onprem(1, "new@contoso.com", G1)],
        vec![cloud(1, "gone@contoso.com", "iGhmiAEBERG7uxI0VniQqw=="), cloud_only],
    );
    let verdicts: Vec<Verdict> = report.entries().map(|e| e.verdict).collect();
    assert_eq!(verdicts, [Verdict::CloudOrphan, Verdict::CloudOnly, Verdict::OnPremOnly]);
}

#[test]
fn duplicate_anchors_on_either_side() {
    let mut a = onprem(1, "a@contoso.com", G1);
    let mut b = onprem(2, "b@contoso.com", G2);
    a.consistency_guid = Some(guid(G3));
    b.consistency_guid = Some(guid(G3)); // a cloned account kept the ConsistencyGuid
    let report = run(
        vec![a, b, onprem(3, "c@contoso.com", G1)],
        vec![
            cloud(1, "a@contoso.com", "iGhmiAEBERG7uxI0VniQqw=="),
            cloud(2, "x@contoso.com", "zzz"),
            cloud(3, "y@contoso.com", "zzz"),
        ],
    );
    let dup_onprem = Verdict::DuplicateAnchor { side: Side::OnPrem, rows: 2 };
    let dup_cloud = Verdict::DuplicateAnchor { side: Side::Cloud, rows: 2 };
    assert_eq!(
        verdicts_and_rows(&report),
        [
            (dup_onprem.clone(), None, Some(0)),
            (dup_cloud.clone(), None, Some(1)),
            (dup_cloud.clone(), None, Some(2)),
            (dup_onprem.clone(), Some(0), None),
            (dup_onprem.clone(), Some(1), None),
            (Verdict::OnPremOnly, Some(2), None),
        ]
    );
    assert_eq!(report.counts().duplicates, 5);
}

#[test]
fn cloud_duplicates_of_a_held_anchor_and_of_an_unheld_one() {
    // G1's anchor is held on-prem (the cloud pair is found through its on-prem holder);
    // "zzz" is held by nobody on-prem (the cloud pair is found by its own index).
    let g1 = "yYuRNW0Z6kCXeYidebdT8A==";
    let report = run(
        vec![onprem(1, "a@contoso.com", G1)],
        vec![
            cloud(1, "a@contoso.com", g1),
            cloud(2, "x@contoso.com", "zzz"),
            cloud(3, "b@contoso.com", g1),
            cloud(4, "y@contoso.com", "zzz"),
            cloud(5, "c@contoso.com", "f+bH/Mb+ZUq4IS9AopLRhQ=="),
        ],
    );
    let dup_cloud = Verdict::DuplicateAnchor { side: Side::Cloud, rows: 2 };
    assert_eq!(
        verdicts_and_rows(&report),
        [
            (dup_cloud.clone(), None, Some(0)),
            (dup_cloud.clone(), None, Some(1)),
            (dup_cloud.clone(), None, Some(2)),
            (dup_cloud.clone(), None, Some(3)),
            (Verdict::CloudOrphan, None, Some(4)),
            // Not on-prem only (issue 15): an ImmutableID belongs to one user in a tenant
            // (domain.md §2, hard match first), so Connect hard-matches a@contoso.com to
            // the cloud user that really holds G1's anchor; the export cannot tell which.
            (dup_cloud.clone(), Some(0), None),
        ]
    );
    // What the admin reads says so, and not that a new user will be created.
    let reason = crate::engine::advice::reason(&report, &report.entry(5));
    assert!(reason.contains("will hard-match this account"), "{reason}");
    assert!(reason.contains("Export the cloud users again"), "{reason}");
    assert!(!reason.contains("create a new cloud user"), "{reason}");
}

#[test]
fn takeover_clears_cloud_only_mail() {
    // Seed 000: Okta stamped `mail` in the cloud; AD has none, so the takeover deletes it.
    let mut c = cloud(1, "john.smith@contoso.com", "yYuRNW0Z6kCXeYidebdT8A==");
    c.mail = "john.smith@contoso.com".into();
    let p = TestOnPremUser { mail: Some(String::new()), ..onprem(1, "john.smith@contoso.com", G1) };
    let report = run(vec![p], vec![c]);
    let entry = only(&report);
    assert_eq!(entry.verdict, Verdict::HardMatch);
    assert_eq!(entry.findings, [Finding::MailCleared { value: "john.smith@contoso.com".into() }]);
}

#[test]
fn upn_and_suffix_findings() {
    let mut c = cloud(1, "jane@contoso.com", "yYuRNW0Z6kCXeYidebdT8A==");
    c.synced = Some(false);
    let report =
        run(vec![onprem(1, "jane@corp.local", G1), onprem(2, "bob@fabrikam.com", G2)], vec![c]);
    let findings = &report.entry(0).findings;
    assert!(findings.contains(&Finding::NonRoutableUpnSuffix { suffix: "corp.local".into() }));
    assert!(findings.contains(&Finding::UpnChanges {
        from: "jane@contoso.com".into(),
        to: "jane@corp.local".into()
    }));
    assert!(findings.contains(&Finding::TakesOverCloudUser { blocked: false }));
    assert_eq!(
        report.entry(1).findings,
        [Finding::UpnSuffixNotInTenant { suffix: "fabrikam.com".into() }]
    );
}

#[test]
fn duplicate_upns_within_a_side_point_at_each_other() {
    let report =
        run(vec![onprem(1, "jane@contoso.com", G1), onprem(2, "Jane@Contoso.com", G2)], vec![]);
    assert_eq!(
        report.entry(0).findings,
        [Finding::DuplicateUpn { side: Side::OnPrem, others: vec![RowRef { line: 3, record: 2 }] }]
    );
}

#[test]
fn seed_001_three_custom_anchors_among_hard_matches() {
    // Three users whose ImmutableID Okta filled with its own app-user ID.
    let mut onprem_users = Vec::new();
    let mut cloud_users = Vec::new();
    for n in 0..50u64 {
        let g = Uuid::from_u128(0x1000_0000_0000_4000_8000_0000_0000_0000 + u128::from(n));
        let upn = format!("user{n}@contoso.com");
        onprem_users.push(TestOnPremUser { object_guid: Some(g), ..onprem(n + 1, &upn, G1) });
        let anchor = if n % 17 == 5 { format!("0ua{:017}", n) } else { immutable_id(&g) };
        cloud_users.push(cloud(n + 1, &upn, &anchor));
    }
    let report = run(onprem_users, cloud_users);
    let counts = report.counts();
    assert_eq!(counts.get(Category::HardMatch), 47);
    assert_eq!(counts.get(Category::Mismatch), 3);
    assert_eq!(counts.custom_anchor, 3);
    assert_eq!((counts.onprem_rows, counts.cloud_rows), (50, 50));
}
