//! The sample generator against the whole pipeline: for every format pair, size and seed, the
//! report on the generated files says exactly what `Expected` says, every row is accounted for,
//! and the same spec always gives the same bytes.

use anchor_audit::engine::audit::{audit, Audit, AuditOptions, Input};
use anchor_audit::engine::idfix::IdFixRule;
use anchor_audit::engine::report::{AnchorRelation, Category, Finding, PersonKey, Verdict};
use anchor_audit::engine::sample::{
    generate, generate_into, Anomalies, CloudFormat, Expected, OnPremFormat, SampleSpec,
};
use anchor_audit::engine::ErrorKind;

fn run(onprem: &[u8], cloud: &[u8]) -> Audit {
    audit(
        Input { name: "onprem.csv", bytes: onprem },
        Input { name: "cloud.csv", bytes: cloud },
        &AuditOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The report agrees with `expected` in every count and in its accounting.
fn check(spec: &SampleSpec, result: &Audit, expected: &Expected) {
    let counts = result.report.counts();
    assert_eq!(counts.by_category, expected.by_category, "{spec:?}");
    assert_eq!(counts.custom_anchor, expected.custom_anchor, "{spec:?}");
    let [onprem, cloud] = result.accounting;
    assert!(onprem.balanced() && cloud.balanced(), "{spec:?}");
    assert_eq!(onprem.records, expected.onprem_rows, "{spec:?}");
    assert_eq!(onprem.unreadable, expected.unreadable_onprem, "{spec:?}");
    assert_eq!(cloud.records, expected.cloud_rows, "{spec:?}");
    assert_eq!(cloud.unreadable, 0, "{spec:?}");
    assert_eq!(counts.onprem_rows, expected.onprem_rows - expected.unreadable_onprem, "{spec:?}");
    assert_eq!(counts.cloud_rows, expected.cloud_rows, "{spec:?}");
    let entries_with = |wanted: fn(&Finding) -> bool| {
        result.report.entries().filter(|e| e.findings.iter().any(wanted)).count() as u64
    };
    let upn_characters =
        entries_with(|f| matches!(f, Finding::IdFix { rule: IdFixRule::UpnCharacters, .. }));
    assert_eq!(upn_characters, expected.upn_characters, "{spec:?}");
    let shared = entries_with(|f| matches!(f, Finding::DuplicateProxyAddress { .. }));
    assert_eq!(shared, expected.shared_proxy_address, "{spec:?}");
    let unknown = entries_with(|f| {
        matches!(f, Finding::UpnSuffixNotInTenant { .. } | Finding::UpnSuffixNotVerified { .. })
    });
    assert_eq!(unknown, expected.unknown_upn_suffix, "{spec:?}");
}

fn specs() -> Vec<SampleSpec> {
    let mut specs = Vec::new();
    for users in [1u64, 50, 1000] {
        for anomalies in [Anomalies::default(), Anomalies::showcase(), Anomalies::scaled(users)] {
            for seed in [1u64, 7, 0xDEAD_BEEF] {
                specs.push(SampleSpec { users, seed, anomalies, ..SampleSpec::default() });
            }
        }
    }
    // Every format pair, at a size where every showcase anomaly fits.
    for onprem_format in OnPremFormat::ALL {
        for cloud_format in CloudFormat::ALL {
            specs.push(SampleSpec {
                users: 60,
                seed: 3,
                anomalies: Anomalies::showcase(),
                onprem_format,
                cloud_format,
            });
        }
    }
    specs
}

#[test]
fn the_report_says_what_was_planted() {
    for spec in specs() {
        let (onprem, cloud, expected) = generate(&spec);
        check(&spec, &run(&onprem, &cloud), &expected);
    }
}

#[test]
fn showcase_anomalies_all_fit_in_the_default_size() {
    let spec = SampleSpec { anomalies: Anomalies::showcase(), ..SampleSpec::default() };
    let (_, _, expected) = generate(&spec);
    assert_eq!(expected.anomalies, Anomalies::showcase());
    assert_eq!(expected.get(Category::Mismatch), 13);
    assert_eq!(expected.get(Category::DuplicateAnchor), 3);
    assert_eq!(expected.custom_anchor, 7);
}

#[test]
fn each_anomaly_gets_its_own_verdict() {
    let spec = SampleSpec { users: 80, anomalies: Anomalies::showcase(), ..SampleSpec::default() };
    let (onprem, cloud, _) = generate(&spec);
    let result = run(&onprem, &cloud);
    let verdicts: Vec<Verdict> = result.report.entries().map(|e| e.verdict).collect();
    let count = |wanted: &Verdict| verdicts.iter().filter(|v| *v == wanted).count();
    let mismatch = |relation, found_by| Verdict::Mismatch { relation, found_by };
    let cases = [
        (mismatch(AnchorRelation::Custom, PersonKey::Upn), 3),
        (
            mismatch(
                AnchorRelation::PersonValue { attribute: "userPrincipalName".into() },
                PersonKey::Upn,
            ),
            2,
        ),
        (mismatch(AnchorRelation::BigEndian, PersonKey::Anchor), 2),
        (mismatch(AnchorRelation::GuidText, PersonKey::Anchor), 2),
        (mismatch(AnchorRelation::ObjectGuidNotConsistencyGuid, PersonKey::Anchor), 2),
        (mismatch(AnchorRelation::OtherGuid, PersonKey::Upn), 2),
    ];
    for (verdict, n) in cases {
        assert_eq!(count(&verdict), n, "{verdict:?}");
    }
    let findings: Vec<&Finding> = result.report.entries().flat_map(|e| e.findings).collect();
    let mail_cleared = findings.iter().filter(|f| matches!(f, Finding::MailCleared { .. }));
    assert_eq!(mail_cleared.count(), 2);
    let local = findings.iter().filter(|f| matches!(f, Finding::NonRoutableUpnSuffix { .. }));
    assert_eq!(local.count(), 3);
    assert!(result.report.onprem_users.iter().any(|u| u.name().contains("<script>")));
    let messages: Vec<String> = result.unreadable.iter().map(|r| r.error.to_string()).collect();
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|m| m.contains("column `objectGUID`")), "{messages:#?}");
}

#[test]
fn no_users_is_an_empty_on_prem_file() {
    for anomalies in [Anomalies::default(), Anomalies::showcase()] {
        let spec = SampleSpec { users: 0, anomalies, ..SampleSpec::default() };
        let (onprem, cloud, expected) = generate(&spec);
        assert_eq!((expected.onprem_rows, expected.unreadable_onprem), (0, 0));
        assert_eq!(expected.cloud_rows, anomalies.orphan + anomalies.cloud_only);
        let error = audit(
            Input { name: "onprem.csv", bytes: &onprem },
            Input { name: "cloud.csv", bytes: &cloud },
            &AuditOptions::default(),
        )
        .unwrap_err();
        assert_eq!(*error.kind(), ErrorKind::Empty);
    }
}

#[test]
fn generation_is_deterministic_and_seeded() {
    for spec in specs() {
        let first = generate(&spec);
        assert!(first == generate(&spec), "{spec:?}");
        let (mut onprem, mut cloud) = (Vec::new(), Vec::new());
        let expected = generate_into(&spec, &mut onprem, &mut cloud).unwrap();
        assert!((onprem, cloud, expected) == first, "{spec:?}");
    }
    let spec = SampleSpec { anomalies: Anomalies::showcase(), ..SampleSpec::default() };
    let other = SampleSpec { seed: 2, ..spec };
    assert_ne!(generate(&spec).0, generate(&other).0);
}

/// A fixed spec's bytes never change unless on purpose: the browser's sample data and saved
/// benchmark inputs depend on it (and wasm32 must produce the same).
#[test]
fn the_default_showcase_is_stable() {
    let (onprem, cloud, _) = generate(&SampleSpec::showcase());
    let fnv = |bytes: &[u8]| {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    };
    assert_eq!((onprem.len(), cloud.len()), (56440, 42566), "sizes");
    assert_eq!(
        (fnv(&onprem), fnv(&cloud)),
        (0xfab7_4633_b768_fcd0, 0x4739_206c_4a0f_268c),
        "hashes"
    );
}

#[test]
fn cloud_rows_come_in_another_order() {
    let spec = SampleSpec { users: 100, ..SampleSpec::default() };
    let result = {
        let (onprem, cloud, _) = generate(&spec);
        run(&onprem, &cloud)
    };
    let onprem_order: Vec<u32> = result.report.entries().filter_map(|e| e.onprem).collect();
    let sorted = {
        let mut v = onprem_order.clone();
        v.sort_unstable();
        v
    };
    assert_ne!(onprem_order, sorted, "entries follow the cloud file, which is shuffled");
}

/// The pair with the tenant's three files, read as the page and `--context` read them.
fn run_with_tenant(spec: &SampleSpec) -> (Audit, Expected) {
    use anchor_audit::engine::context::TenantContext;
    use anchor_audit::engine::sample::generate_tenant;
    let (onprem, cloud, _) = generate(spec);
    let tenant = generate_tenant(spec);
    let files = tenant.files.iter().map(|(name, bytes)| (*name, bytes.as_slice()));
    let context = TenantContext::read(files).expect("recognised");
    let mut options = AuditOptions::default();
    context.apply(&mut options.matching).expect("applies");
    let result = audit(
        Input { name: "onprem.csv", bytes: &onprem },
        Input { name: "cloud.csv", bytes: &cloud },
        &options,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    (result, tenant.expected)
}

#[test]
fn the_tenant_files_block_exactly_the_joins_expected_with_them() {
    for spec in specs().into_iter().filter(|s| s.users >= 50) {
        let (result, expected) = run_with_tenant(&spec);
        check(&spec, &result, &expected);
        assert!(expected.get(Category::HardMatchBlocked) >= 2, "{spec:?}");
        let with_cause = |eligible: bool| {
            result
                .report
                .entries()
                .filter(|e| {
                    e.findings.iter().any(|f| match f {
                        Finding::HoldsRoles { roles } => {
                            roles.iter().any(|r| r.eligible == eligible)
                        }
                        _ => false,
                    })
                })
                .count()
        };
        assert!(with_cause(true) >= 1 && with_cause(false) >= 1, "{spec:?}");
    }
}

#[test]
fn with_the_domains_file_the_lab_suffix_is_not_verified() {
    let spec = SampleSpec::showcase();
    let (result, _) = run_with_tenant(&spec);
    let suffixes: Vec<&str> = result
        .report
        .entries()
        .flat_map(|e| e.findings)
        .filter_map(|f| match f {
            Finding::UpnSuffixNotVerified { suffix } => Some(suffix.as_str()),
            Finding::UpnSuffixNotInTenant { suffix } => panic!("guessed {suffix} with the file"),
            _ => None,
        })
        .collect();
    assert_eq!(suffixes, ["contoso-labs.com"; 2]);
}
