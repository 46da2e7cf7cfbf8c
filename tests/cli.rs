//! End-to-end checks of the `anchor-audit` binary on realistic export pairs.
//!
//! Every pair under `tests/fixtures/scenarios/` is written byte for byte as the real tools write
//! it (Windows PowerShell 5.1 `Export-Csv` with `#TYPE`, PowerShell 7, Get-MgUser, Get-MsolUser,
//! Get-AzureADUser, ldifde), with every ImmutableID computed independently (base64 of the GUID's
//! `ToByteArray` bytes). The expected verdicts come from `shared/domain.md`, not from the tool's
//! output; the section each expectation rests on is named beside it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

/// A file of a scenario.
fn scenario(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios").join(rel)
}

/// What one run of the binary gave.
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs `anchor-audit` with these arguments and, if given, this standard input.
fn run<S: AsRef<OsStr>>(args: &[S], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_anchor-audit"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(text.as_bytes())
            .expect("stdin is written");
    }
    let out = child.wait_with_output().expect("the binary finishes");
    Run {
        code: out.status.code().expect("an exit status, not a signal"),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `report <onprem> <cloud> --format <format> <extra…>`.
fn report_run(onprem: &str, cloud: &str, format: &str, extra: &[&str]) -> Run {
    let mut args: Vec<std::ffi::OsString> = vec![
        "report".into(),
        scenario(onprem).into(),
        scenario(cloud).into(),
        "--format".into(),
        format.into(),
    ];
    args.extend(extra.iter().map(Into::into));
    run(&args, None)
}

/// A JSON report and its exit status, checked for what every report must satisfy.
struct Report {
    code: i32,
    json: Value,
}

/// Runs the report as JSON (twice, to see it is deterministic) and as CSV, and checks the rules
/// that hold for every scenario: usable input, every row accounted for once on both sides, exit
/// status agreeing with the headline, and a CSV with a UTF-8 BOM and no live formula.
fn report(onprem: &str, cloud: &str, extra: &[&str]) -> Report {
    let first = report_run(onprem, cloud, "json", extra);
    assert_ne!(first.code, 2, "input must be usable; stderr: {}", first.stderr);
    let second = report_run(onprem, cloud, "json", extra);
    assert_eq!(first.code, second.code);
    let json: Value = serde_json::from_slice(&first.stdout).expect("the report is JSON");
    // Two runs give the same JSON but for the time they were made.
    let unstamped = |stdout: &[u8]| {
        let mut json: Value = serde_json::from_slice(stdout).expect("the report is JSON");
        assert!(json["run"]["madeAt"].is_string(), "the run is stamped");
        json["run"]["madeAt"] = Value::Null;
        json
    };
    assert_eq!(unstamped(&first.stdout), unstamped(&second.stdout), "two runs give the same JSON");

    let accounting = json["accounting"].as_array().expect("accounting");
    let sides: Vec<&str> = accounting.iter().map(|a| str_of(&a["side"])).collect();
    assert_eq!(sides, ["on-prem", "cloud"], "one accounting row per side");
    for a in accounting {
        let n = |k: &str| a[k].as_u64().expect("a count");
        assert_eq!(
            n("records"),
            n("inReport") + n("unreadable"),
            "every record accounted for once: {a}"
        );
    }
    assert_eq!(
        json["counts"]["unreadable"].as_u64(),
        Some(json["unreadable"].as_array().expect("unreadable").len() as u64)
    );
    let safe = json["headline"]["safe"].as_bool().expect("headline.safe");
    assert_eq!(first.code, if safe { 0 } else { 1 }, "exit status follows the headline");

    check_csv(&report_run(onprem, cloud, "csv", extra));
    Report { code: first.code, json }
}

/// The CSV report: UTF-8 BOM (Excel reads it as UTF-8), same exit status as JSON, and no field
/// Excel would run as a formula.
fn check_csv(run: &Run) {
    assert_ne!(run.code, 2, "stderr: {}", run.stderr);
    assert!(run.stdout.starts_with(b"\xEF\xBB\xBF"), "CSV output starts with a UTF-8 BOM");
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&run.stdout[3..]);
    for record in reader.records() {
        let record = record.expect("the CSV report parses");
        for field in record.iter() {
            assert!(!field.starts_with('='), "a field Excel would evaluate: {field:?}");
        }
    }
}

/// Runs a report that must be refused as unusable (exit 2) and returns its message.
fn unusable(onprem: &str, cloud: &str) -> String {
    let run = report_run(onprem, cloud, "json", &[]);
    assert_eq!(run.code, 2, "unusable input; stdout: {}", lossy(&run.stdout));
    assert!(!run.stderr.trim().is_empty(), "a message says why");
    run.stderr
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// Whether `text` contains any of `words`, ignoring case.
fn mentions(text: &str, words: &[&str]) -> bool {
    let text = text.to_lowercase();
    words.iter().any(|w| text.contains(&w.to_lowercase()))
}

impl Report {
    /// Entries in a category.
    fn count(&self, category: &str) -> u64 {
        self.json["counts"]["byCategory"][category].as_u64().unwrap_or(0)
    }

    /// Checks every category count at once (absent categories count 0).
    fn assert_counts(&self, expected: &[(&str, u64)]) {
        for category in [
            "mismatch",
            "duplicate-anchor",
            "cloud-orphan",
            "on-prem-only",
            "soft-match",
            "hard-match",
            "cloud-only",
        ] {
            let want = expected.iter().find(|(c, _)| *c == category).map_or(0, |(_, n)| *n);
            assert_eq!(
                self.count(category),
                want,
                "{category} entries; counts {}",
                self.json["counts"]
            );
        }
    }

    fn entries(&self) -> &Vec<Value> {
        self.json["entries"].as_array().expect("entries")
    }

    /// Every entry whose on-prem or cloud side has this UPN.
    fn entries_for(&self, upn: &str) -> Vec<&Value> {
        self.entries()
            .iter()
            .filter(|e| {
                str_of(&e["onprem"]["upn"]).eq_ignore_ascii_case(upn)
                    || str_of(&e["cloud"]["upn"]).eq_ignore_ascii_case(upn)
            })
            .collect()
    }

    /// The one entry for this UPN.
    fn entry(&self, upn: &str) -> &Value {
        let found = self.entries_for(upn);
        assert_eq!(found.len(), 1, "one entry for {upn}: {found:#?}");
        found[0]
    }

    /// Checks that the user's one entry is in this category and returns it.
    fn verdict(&self, upn: &str, category: &str) -> &Value {
        let entry = self.entry(upn);
        assert_eq!(str_of(&entry["category"]), category, "{upn}: {entry:#}");
        entry
    }

    fn accounting(&self, side: &str) -> (u64, u64, u64) {
        let a = self.json["accounting"]
            .as_array()
            .expect("accounting")
            .iter()
            .find(|a| a["side"] == side)
            .expect("the side's accounting");
        let n = |k: &str| a[k].as_u64().expect("a count");
        (n("records"), n("inReport"), n("unreadable"))
    }
}

/// All of an entry's text a person reads: the reason and every finding.
fn explanation(entry: &Value) -> String {
    let mut text = str_of(&entry["reason"]).to_string();
    for f in entry["findings"].as_array().into_iter().flatten() {
        text.push('\n');
        text.push_str(str_of(&f["message"]));
    }
    text
}

/// A mismatch whose entry pairs the user's two rows, computes `anchor`, names the mistake with one
/// of `words`, and whose fix sets the cloud ImmutableID to `anchor` (domain.md §5, fix paths).
fn assert_mismatch(report: &Report, upn: &str, anchor: &str, words: &[&str]) {
    let entry = report.verdict(upn, "mismatch");
    assert_eq!(str_of(&entry["onprem"]["upn"]), upn, "{entry:#}");
    assert_eq!(str_of(&entry["cloud"]["upn"]), upn, "{entry:#}");
    assert_eq!(str_of(&entry["anchor"]), anchor, "{upn}: the anchor Connect computes");
    assert!(
        mentions(str_of(&entry["reason"]), words),
        "{upn}: the reason names the mistake ({words:?}): {}",
        entry["reason"]
    );
    let fix = str_of(&entry["fix"]["powershell"]);
    assert!(fix.contains(anchor), "{upn}: the fix sets the right ImmutableID: {fix}");
}

// ---------------------------------------------------------------------------------------------
// 1. Seed 001: three users carrying Okta app-user IDs (domain.md §3, §2 "set but differs")
// ---------------------------------------------------------------------------------------------

/// (UPN, the Okta app-user ID in the cloud, the correct ImmutableID, the on-prem file line).
const OKTA_USERS: [(&str, &str, &str, u64); 3] = [
    ("grace.reyes@contoso.com", "0ual73EpqFttniod74nD", "XNaBubAQv0626UdCMPPyMg==", 9),
    ("sven.klein@contoso.com", "0uaV9ZOz6Rc3E6lvlK9O", "KkvfqPh8oUa1/lOMburtEA==", 21),
    ("gina.thorn@contoso.com", "0uaQK6oGcXsoVHzs6jCo", "7HDCqDrQEkGLr4WCGbp5Cg==", 35),
];

fn okta_report() -> Report {
    report("01-okta-app-ids/OnPremIDs.csv", "01-okta-app-ids/MsolSyncedIDs.csv", &[])
}

#[test]
fn okta_app_ids_are_three_mismatches_among_forty_hard_matches() {
    let r = okta_report();
    assert_eq!(r.code, 1);
    r.assert_counts(&[("hard-match", 40), ("mismatch", 3)]);
    assert_eq!(r.json["counts"]["customAnchor"], 3);
    assert_eq!(r.json["headline"]["safe"], false);
    assert_eq!(r.accounting("on-prem"), (43, 43, 0));
    assert_eq!(r.accounting("cloud"), (43, 43, 0));
    for (upn, okta_id, anchor, line) in OKTA_USERS {
        assert_mismatch(&r, upn, anchor, &["okta"]);
        let entry = r.entry(upn);
        assert_eq!(entry["onprem"]["line"], line, "{upn}: line in the on-prem file");
        assert_eq!(str_of(&entry["cloud"]["immutableId"]), okta_id);
        assert!(
            mentions(str_of(&entry["cloudAnchorClass"]), &["okta"]),
            "{upn}: {}",
            entry["cloudAnchorClass"]
        );
    }
}

#[test]
fn okta_report_reads_the_sources_it_was_given() {
    let r = okta_report();
    let onprem = &r.json["files"]["onprem"];
    let cloud = &r.json["files"]["cloud"];
    assert_eq!(onprem["name"], "OnPremIDs.csv");
    assert!(mentions(str_of(&onprem["source"]), &["Get-ADUser"]), "{onprem}");
    assert!(mentions(str_of(&cloud["source"]), &["Get-MsolUser", "MSOnline"]), "{cloud}");
}

#[test]
fn okta_text_report_names_the_three_users_and_exits_1() {
    let run = report_run(
        "01-okta-app-ids/OnPremIDs.csv",
        "01-okta-app-ids/MsolSyncedIDs.csv",
        "text",
        &[],
    );
    assert_eq!(run.code, 1);
    let text = lossy(&run.stdout);
    assert!(text.contains("Not safe"), "{text}");
    for (upn, okta_id, anchor, _) in OKTA_USERS {
        assert!(text.contains(upn) && text.contains(okta_id) && text.contains(anchor), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Seed 000: the tutorial's two exports; John Smith's mail exists only in the cloud (§2, §5)
// ---------------------------------------------------------------------------------------------

#[test]
fn tutorial_pair_hard_matches_and_warns_that_john_smiths_mail_is_cleared() {
    let r = report("02-tutorial-mail/OnPremIDs.csv", "02-tutorial-mail/AzureADSyncedIDS.csv", &[]);
    r.assert_counts(&[("hard-match", 6)]);
    assert!(mentions(str_of(&r.json["files"]["cloud"]["source"]), &["AzureAD"]));
    let john = r.verdict("john.smith@contoso.com", "hard-match");
    assert_eq!(str_of(&john["anchor"]), "jXrgMery1EaxKQjub2hp1Q==");
    let mail_findings: Vec<&Value> = john["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| mentions(str_of(&f["message"]), &["mail"]))
        .collect();
    assert_eq!(mail_findings.len(), 1, "{john:#}");
    assert!(
        mentions(
            str_of(&mail_findings[0]["message"]),
            &["clear", "wipe", "remove", "delete", "lose", "lost", "overwrit"]
        ),
        "{john:#}"
    );
    for e in r.entries() {
        if e["onprem"]["upn"] != "john.smith@contoso.com" {
            assert!(!mentions(&explanation(e), &["mail"]), "only John's mail: {e:#}");
        }
    }
}

#[test]
fn tutorial_on_prem_command_verbatim_leaves_immutableid_empty_and_objectguid_decides() {
    // The published command's `(GUID).tobytearray()` fails on every row, so its ImmutableID
    // column is empty; the anchor comes from objectGUID (§2), not from that column.
    let r = report(
        "02-tutorial-verbatim/OnPremIDs.csv",
        "02-tutorial-verbatim/AzureADSyncedIDS.csv",
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.json["headline"]);
    r.assert_counts(&[("hard-match", 6)]);
}

// ---------------------------------------------------------------------------------------------
// 3. A clean pair: PowerShell 7 Get-ADUser (ConsistencyGuid as base64) and Get-MgUser -Property
// ---------------------------------------------------------------------------------------------

#[test]
fn clean_pair_is_safe_and_exits_0() {
    let r = report("03-clean/onprem.csv", "03-clean/cloud.csv", &[]);
    assert_eq!(r.code, 0);
    assert_eq!(r.json["headline"]["safe"], true);
    assert!(str_of(&r.json["headline"]["text"]).contains("12"), "{}", r.json["headline"]);
    // The break-glass admin is cloud-only: never synced, nothing on-prem claims it.
    r.assert_counts(&[("hard-match", 12), ("cloud-only", 1)]);
    r.verdict("admin@contoso.onmicrosoft.com", "cloud-only");
    assert_eq!(r.accounting("on-prem"), (12, 12, 0));
    assert_eq!(r.accounting("cloud"), (13, 13, 0));
    assert!(mentions(str_of(&r.json["files"]["cloud"]["source"]), &["Get-MgUser", "Graph"]));
}

#[test]
fn clean_pair_text_says_safe() {
    let run = report_run("03-clean/onprem.csv", "03-clean/cloud.csv", "text", &[]);
    assert_eq!(run.code, 0);
    assert!(lossy(&run.stdout).contains("Safe to cut over"));
}

#[test]
fn swapped_files_are_refused_and_said_to_be_swapped() {
    let message = unusable("03-clean/cloud.csv", "03-clean/onprem.csv");
    assert!(mentions(&message, &["swap", "wrong way round"]), "{message}");
}

// ---------------------------------------------------------------------------------------------
// 4. Wrong conversions (§1 "wrong conversions seen in the wild", §2 source anchor choice)
// ---------------------------------------------------------------------------------------------

const WRONG_CONVERSIONS: (&str, &str) =
    ("04-wrong-conversions/onprem.csv", "04-wrong-conversions/cloud.csv");

#[test]
fn wrong_conversions_are_mismatches_that_name_the_mistake() {
    let r = report(WRONG_CONVERSIONS.0, WRONG_CONVERSIONS.1, &[]);
    assert_eq!(r.code, 1);
    r.assert_counts(&[("hard-match", 4), ("mismatch", 5)]);
    for upn in [
        "anna.abbott@contoso.com",
        "ben.hale@contoso.com",
        "carla.olsen@contoso.com",
        "david.vogel@contoso.com",
    ] {
        r.verdict(upn, "hard-match");
    }
    assert_mismatch(
        &r,
        "emma.costa@contoso.com",
        "4k89lpiMf0yH6PElOnCvrw==",
        &["big-endian", "big endian", "byte order"],
    );
    assert_mismatch(&r, "felix.jung@contoso.com", "UHOHGQzNEE6pAjC+5/fDqw==", &["text"]);
    assert_mismatch(&r, "grace.reyes@contoso.com", "npcwJGF6FkmRZBm0Q26SzQ==", &["text"]);
    assert_mismatch(
        &r,
        "hugo.eklund@contoso.com",
        "2Dkv7+wu3kWxQpOJ6Vl4sg==",
        &["UPN", "userPrincipalName"],
    );
    // Connect uses the pre-populated ConsistencyGuid; the cloud holds the objectGUID form.
    assert_mismatch(&r, "ines.lund@contoso.com", "3hJmNWB5L02L4oLLmQYEdA==", &["ConsistencyGuid"]);
}

#[test]
fn with_objectguid_as_anchor_the_prepopulated_consistencyguid_no_longer_matters() {
    let r = report(WRONG_CONVERSIONS.0, WRONG_CONVERSIONS.1, &["--anchor", "objectGUID"]);
    r.assert_counts(&[("hard-match", 5), ("mismatch", 4)]);
    let ines = r.verdict("ines.lund@contoso.com", "hard-match");
    assert_eq!(str_of(&ines["anchor"]), "bnGIKU7gNk+Z9M1DqCI0TA==");
}

// ---------------------------------------------------------------------------------------------
// 5. Soft match and the tenant switches (§2)
// ---------------------------------------------------------------------------------------------

const SOFT: (&str, &str) = ("05-soft-match/onprem.csv", "05-soft-match/cloud.csv");

#[test]
fn empty_cloud_anchors_soft_match_on_primary_smtp_or_upn() {
    let r = report(SOFT.0, SOFT.1, &[]);
    assert_eq!(r.code, 1, "soft matches need attention");
    r.assert_counts(&[
        ("hard-match", 5),
        ("soft-match", 2),
        ("on-prem-only", 1),
        ("cloud-only", 1),
    ]);
    // Different UPN, same primary SMTP address.
    let maria = r.verdict("m.garcia@contoso.com", "soft-match");
    assert_eq!(str_of(&maria["cloud"]["upn"]), "maria.garcia@contoso.onmicrosoft.com");
    assert!(mentions(&explanation(maria), &["smtp", "mail"]), "{maria:#}");
    let thi = r.verdict("t.nguyen@contoso.com", "soft-match");
    assert!(mentions(&explanation(thi), &["upn", "userPrincipalName"]), "{thi:#}");
    r.verdict("felix.jung@contoso.com", "hard-match");
    r.verdict("grace.reyes@contoso.com", "on-prem-only");
    r.verdict("reception@contoso.onmicrosoft.com", "cloud-only");
}

#[test]
fn blocked_soft_match_leaves_those_users_unmatched() {
    let r = report(SOFT.0, SOFT.1, &["--block-soft-match"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.count("soft-match"), 0);
    for upn in ["m.garcia@contoso.com", "t.nguyen@contoso.com"] {
        let found = r.entries_for(upn);
        assert!(!found.is_empty());
        for e in found {
            let category = str_of(&e["category"]);
            assert!(
                ["mismatch", "on-prem-only"].contains(&category),
                "{upn} cannot match with soft match blocked: {e:#}"
            );
        }
    }
    // Hard matches do not depend on the soft-match switch.
    for upn in ["anna.abbott@contoso.com", "felix.jung@contoso.com"] {
        r.verdict(upn, "hard-match");
    }
}

/// Whether an entry will not join as a clean hard match: another category, or a problem-level
/// finding that says the match fails.
fn blocked(entry: &Value) -> bool {
    entry["category"] != "hard-match"
        || entry["findings"].as_array().into_iter().flatten().any(|f| f["severity"] == "problem")
}

#[test]
fn blocked_cloud_takeover_stops_the_hard_match_of_a_user_whose_sync_was_turned_off() {
    let r = report(SOFT.0, SOFT.1, &["--block-cloud-takeover"]);
    assert_eq!(r.code, 1);
    // Hugo's cloud user has OnPremisesSyncEnabled False: a cloud-managed object the switch
    // protects from takeover through hard match.
    let hugo = r.verdict("hugo.eklund@contoso.com", "hard-match-blocked");
    assert_eq!(str_of(&hugo["cause"]), "takeover-switch", "{hugo:#}");
    assert!(str_of(&hugo["fix"]["powershell"])
        .contains("blockCloudObjectTakeoverThroughHardMatchEnabled = $true"));
    // Users already synced (as Okta's show, §3) are not cloud objects being taken over.
    for upn in ["anna.abbott@contoso.com", "ben.hale@contoso.com", "carla.olsen@contoso.com"] {
        assert!(!blocked(r.verdict(upn, "hard-match")), "{upn}");
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Orphans, on-prem-only users and duplicates; ldifde on-prem (§2, §5)
// ---------------------------------------------------------------------------------------------

fn ldifde_report() -> Report {
    report("06-orphans-duplicates/users.ldf", "06-orphans-duplicates/cloud.csv", &[])
}

#[test]
fn ldifde_export_hard_matches_its_clean_users() {
    let r = ldifde_report();
    assert!(mentions(str_of(&r.json["files"]["onprem"]["source"]), &["ldif"]));
    assert_eq!(r.accounting("on-prem"), (10, 10, 0));
    assert_eq!(r.accounting("cloud"), (8, 8, 0));
    for (upn, anchor) in [
        ("anna.abbott@contoso.com", "P2dlzQgIPEy8do/ATwiUvg=="),
        ("juergen.gross@contoso.com", "w1QRDUt5FU6DgmkAnJCfLQ=="),
        ("carla.olsen@contoso.com", "VSboU82yxkGJ4j8cq6e3lw=="),
        ("david.vogel@contoso.com", "lKhu2Je90EmSmpaJWWM/ug=="),
    ] {
        let e = r.verdict(upn, "hard-match");
        assert_eq!(str_of(&e["anchor"]), anchor);
    }
    // A base64 (`::`) displayName, folded DN lines.
    let jurgen = r.entry("juergen.gross@contoso.com");
    assert_eq!(str_of(&jurgen["onprem"]["name"]), "Jürgen Groß");
}

#[test]
fn anchors_from_another_forest_orphan_or_duplicate_the_user() {
    let r = ldifde_report();
    assert_eq!(r.code, 1);
    // Same UPN on-prem, anchor from fabrikam: a duplicate on cut-over.
    r.verdict("emma.costa@contoso.com", "mismatch");
    assert_eq!(r.count("mismatch"), 1);
    // No on-prem person at all: left as a disconnector.
    r.verdict("r.former@contoso.com", "cloud-orphan");
    assert_eq!(r.count("cloud-orphan"), 1);
    r.verdict("felix.jung@contoso.com", "on-prem-only");
}

#[test]
fn two_ad_accounts_sharing_a_consistencyguid_are_duplicate_anchors() {
    let r = ldifde_report();
    assert!(r.count("duplicate-anchor") >= 2, "{}", r.json["counts"]);
    for upn in ["dup.orig@contoso.com", "dup.copy@contoso.com"] {
        let found: Vec<&Value> = r.entries().iter().filter(|e| e["onprem"]["upn"] == upn).collect();
        assert_eq!(found.len(), 1, "{upn}");
        assert_eq!(found[0]["category"], "duplicate-anchor", "{:#}", found[0]);
        assert_eq!(str_of(&found[0]["anchor"]), "ORbTHkkb5kOraRicw3dgLw==");
    }
}

#[test]
fn two_ad_accounts_with_one_upn_both_carry_a_duplicate_upn_finding() {
    let r = ldifde_report();
    let rows: Vec<&Value> =
        r.entries().iter().filter(|e| e["onprem"]["upn"] == "l.meyer@contoso.com").collect();
    assert_eq!(rows.len(), 2, "both accounts are reported");
    for e in rows {
        let said = e["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| mentions(str_of(&f["message"]), &["upn", "userPrincipalName"]));
        assert!(said, "the shared UPN is a finding: {e:#}");
    }
    assert!(
        r.json["counts"]["duplicates"].as_u64().unwrap_or(0) >= 4,
        "two shared anchors and two shared UPNs: {}",
        r.json["counts"]
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Broken input (§4, §5)
// ---------------------------------------------------------------------------------------------

#[test]
fn a_bad_guid_row_is_unreadable_and_every_other_row_is_reported() {
    let r = report("07-bad-guid-row/OnPremIDs.csv", "07-bad-guid-row/cloud.csv", &[]);
    assert_eq!(r.code, 1, "one bad row does not make the rest unusable");
    let unreadable = r.json["unreadable"].as_array().expect("unreadable");
    assert_eq!(unreadable.len(), 1, "{unreadable:#?}");
    let row = &unreadable[0];
    assert_eq!(row["side"], "on-prem");
    assert_eq!(row["line"], 6, "#TYPE, header, then the fourth user");
    assert_eq!(row["column"], "objectGUID");
    let message = str_of(&row["message"]);
    assert!(message.contains("line 6") && message.contains("objectGUID"), "{message}");
    assert!(str_of(&row["raw"]).contains("976b5f20-85c1-4187-bc9f-48ea54c50c6"));
    assert_eq!(r.accounting("on-prem"), (10, 9, 1));
    assert_eq!(r.accounting("cloud"), (10, 10, 0));
    assert!(r.count("hard-match") >= 9, "{}", r.json["counts"]);
    for upn in [
        "anna.abbott@contoso.com",
        "ben.hale@contoso.com",
        "carla.olsen@contoso.com",
        "emma.costa@contoso.com",
        "felix.jung@contoso.com",
        "grace.reyes@contoso.com",
        "hugo.eklund@contoso.com",
        "ines.lund@contoso.com",
        "jonas.silva@contoso.com",
    ] {
        r.verdict(upn, "hard-match");
    }
}

#[test]
fn unreadable_rows_are_written_out_to_fix_and_reload() {
    let dir = std::env::temp_dir().join(format!("anchor-audit-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = report_run(
        "07-bad-guid-row/OnPremIDs.csv",
        "07-bad-guid-row/cloud.csv",
        "json",
        &["--unreadable-dir", dir.to_str().expect("utf-8 temp dir")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let onprem = std::fs::read_to_string(dir.join("onprem-unreadable.csv")).expect("written");
    assert!(onprem.contains("david.vogel@contoso.com"), "{onprem}");
    assert!(onprem.contains("976b5f20-85c1-4187-bc9f-48ea54c50c6"), "{onprem}");
    let cloud = std::fs::read_to_string(dir.join("cloud-unreadable.csv")).expect("written");
    assert!(!cloud.contains("@contoso.com"), "no cloud row is unreadable: {cloud}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn graph_export_without_property_is_refused_with_the_fixed_command() {
    let message =
        unusable("07-graph-empty-anchor/OnPremIDs.csv", "07-graph-empty-anchor/cloud.csv");
    for part in ["Get-MgUser", "-Property", "OnPremisesImmutableId"] {
        assert!(message.contains(part), "{part}: {message}");
    }
}

#[test]
fn raw_byte_array_consistencyguid_is_refused_with_the_base64_export() {
    let message = unusable("07-byte-array/onprem.csv", "07-graph-empty-anchor/OnPremIDs.csv");
    // (the cloud file is irrelevant: the on-prem one is refused first or together)
    assert!(message.contains("ToBase64String"), "{message}");
    assert!(mentions(&message, &["ConsistencyGuid"]), "{message}");
}

#[test]
fn an_excel_workbook_is_refused() {
    let message = unusable("07-xlsx/OnPremIDs.xlsx", "07-bad-guid-row/cloud.csv");
    assert!(mentions(&message, &["xlsx", "excel", "workbook"]), "{message}");
}

#[test]
fn an_empty_file_is_refused() {
    let message = unusable("07-empty/OnPremIDs.csv", "07-bad-guid-row/cloud.csv");
    assert!(mentions(&message, &["empty"]), "{message}");
}

// ---------------------------------------------------------------------------------------------
// 8. Names and encodings (§4)
// ---------------------------------------------------------------------------------------------

const NAMES: [(&str, &str); 5] = [
    ("anna.abbott@contoso.com", "Smith, John"),
    ("ben.hale@contoso.com", "Rosa \"Ro\" Díaz"),
    ("carla.olsen@contoso.com", "Zoë <script>alert(1)</script>"),
    ("david.vogel@contoso.com", "José Müller"),
    ("emma.costa@contoso.com", "=HYPERLINK(\"http://x\",\"cmd|' /C calc'!A0\")"),
];

#[test]
fn names_with_commas_quotes_accents_html_and_formulas_survive() {
    let r = report("08-names/onprem.csv", "08-names/cloud.csv", &[]);
    assert_eq!(r.code, 0);
    r.assert_counts(&[("hard-match", 5)]);
    // One record per user, though each has a two-line Description.
    assert_eq!(r.accounting("on-prem"), (5, 5, 0));
    for (upn, name) in NAMES {
        let e = r.verdict(upn, "hard-match");
        assert_eq!(str_of(&e["onprem"]["name"]), name);
        assert_eq!(str_of(&e["cloud"]["name"]), name);
    }
    let run = report_run("08-names/onprem.csv", "08-names/cloud.csv", "csv", &[]);
    assert!(lossy(&run.stdout).contains("HYPERLINK"), "the name is kept, made inert");
}

#[test]
fn utf16_onprem_and_ascii_cloud_export() {
    let r = report("08-utf16/OnPremIDs.csv", "08-utf16/MsolSyncedIDs.csv", &[]);
    assert_eq!(r.code, 0);
    r.assert_counts(&[("hard-match", 5)]);
    assert!(mentions(str_of(&r.json["files"]["onprem"]["encoding"]), &["UTF-16"]));
    let jose = r.entry("david.vogel@contoso.com");
    assert_eq!(str_of(&jose["onprem"]["name"]), "José Müller");
    // Windows PowerShell 5.1's default ASCII turned the accents into '?'.
    assert_eq!(str_of(&jose["cloud"]["name"]), "Jos? M?ller");
}

#[test]
fn semicolon_delimited_use_culture_exports() {
    let r = report("08-semicolon/OnPremIDs.csv", "08-semicolon/MsolSyncedIDs.csv", &[]);
    assert_eq!(r.code, 0);
    r.assert_counts(&[("hard-match", 5)]);
    for (upn, name) in NAMES {
        assert_eq!(str_of(&r.entry(upn)["onprem"]["name"]), name);
    }
}

#[test]
fn excel_resaved_windows_1252_semicolon_export() {
    let r = report("08-excel-1252/OnPremIDs.csv", "08-utf16/MsolSyncedIDs.csv", &[]);
    assert_eq!(r.code, 0, "{}", r.json["headline"]);
    r.assert_counts(&[("hard-match", 5)]);
    for (upn, name) in &NAMES[..4] {
        assert_eq!(str_of(&r.entry(upn)["onprem"]["name"]), *name);
    }
}

// ---------------------------------------------------------------------------------------------
// 10. A string source anchor (§2: verbatim, case-sensitive)
// ---------------------------------------------------------------------------------------------

#[test]
fn employee_id_anchor_is_compared_verbatim_and_case_sensitively() {
    let r = report(
        "10-string-anchor/onprem.csv",
        "10-string-anchor/cloud.csv",
        &["--anchor", "employeeID"],
    );
    assert_eq!(r.code, 1);
    r.assert_counts(&[("hard-match", 3), ("mismatch", 1)]);
    for (upn, anchor) in [
        ("anna.abbott@contoso.com", "E10001"),
        ("ben.hale@contoso.com", "E10002"),
        ("carla.olsen@contoso.com", "E10003"),
    ] {
        assert_eq!(str_of(&r.verdict(upn, "hard-match")["anchor"]), anchor);
    }
    // `e10004` in the cloud is not `E10004`: hard match compares case-sensitively.
    let david = r.verdict("david.vogel@contoso.com", "mismatch");
    assert_eq!(str_of(&david["anchor"]), "E10004");
}

// ---------------------------------------------------------------------------------------------
// 11. A renamed user; soft match tries the primary SMTP address before the UPN (§2)
// ---------------------------------------------------------------------------------------------

/// The one entry whose on-prem side has this UPN.
fn onprem_entry<'a>(r: &'a Report, upn: &str) -> &'a Value {
    let found: Vec<&Value> = r.entries().iter().filter(|e| e["onprem"]["upn"] == upn).collect();
    assert_eq!(found.len(), 1, "{upn}: {found:#?}");
    found[0]
}

/// Checks that the on-prem user's entry is in `category`, paired with the cloud user `cloud_upn`.
fn paired<'a>(r: &'a Report, onprem_upn: &str, category: &str, cloud_upn: &str) -> &'a Value {
    let entry = onprem_entry(r, onprem_upn);
    assert_eq!(entry["category"], category, "{entry:#}");
    assert_eq!(entry["cloud"]["upn"], cloud_upn, "{entry:#}");
    entry
}

fn rename_and_order_report() -> Report {
    report("11-rename-and-order/onprem.csv", "11-rename-and-order/cloud.csv", &[])
}

#[test]
fn a_renamed_user_hard_matches_on_the_anchor_whatever_the_upn() {
    let r = rename_and_order_report();
    let maria = paired(&r, "maria.schmidt@contoso.com", "hard-match", "maria.weber@contoso.com");
    assert_eq!(str_of(&maria["anchor"]), "IRIHwVWBqkq/aTTxEL1HpA==");
}

// ---------------------------------------------------------------------------------------------
// 9. convert (§1)
// ---------------------------------------------------------------------------------------------

/// `convert --format json` on these values: exit status and the parsed array.
fn convert_json(values: &[&str]) -> (i32, Vec<Value>) {
    let mut args = vec!["convert", "--format", "json"];
    args.extend_from_slice(values);
    let run = run(&args, None);
    let json: Value = serde_json::from_slice(&run.stdout).expect("convert JSON");
    (run.code, json.as_array().expect("an array").clone())
}

/// Every spelling of `35918bc9-196d-40ea-9779-889d79b753f0` an admin may paste.
const SPELLINGS_OF_35918BC9: [&str; 9] = [
    "35918bc9-196d-40ea-9779-889d79b753f0",
    "{35918BC9-196D-40EA-9779-889D79B753F0}",
    "35918bc9196d40ea9779889d79b753f0",
    "yYuRNW0Z6kCXeYidebdT8A==",
    "X'c98b91356d19ea409779889d79b753f0'",
    "C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 F0",
    "\\c9\\8b\\91\\35\\6d\\19\\ea\\40\\97\\79\\88\\9d\\79\\b7\\53\\f0",
    "objectGUID:: yYuRNW0Z6kCXeYidebdT8A==",
    "CN={795975524E57305A366B4358655969646562645438413D3D}",
];

#[test]
fn convert_the_documented_vectors() {
    let (code, out) = convert_json(&[
        "35918bc9-196d-40ea-9779-889d79b753f0",
        "fcc7e67f-fec6-4a65-b821-2f40a292d185",
        "iGhmiAEBERG7uxI0VniQqw==",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out.len(), 3);
    let pairs = [
        ("35918bc9-196d-40ea-9779-889d79b753f0", "yYuRNW0Z6kCXeYidebdT8A=="),
        ("fcc7e67f-fec6-4a65-b821-2f40a292d185", "f+bH/Mb+ZUq4IS9AopLRhQ=="),
        ("88666888-0101-1111-bbbb-1234567890ab", "iGhmiAEBERG7uxI0VniQqw=="),
    ];
    for (c, (guid, immutable_id)) in out.iter().zip(pairs) {
        assert_eq!(str_of(&c["guid"]), guid, "{c:#}");
        assert_eq!(str_of(&c["forms"]["hyphenated"]), guid);
        assert_eq!(str_of(&c["forms"]["immutable_id"]), immutable_id);
    }
    assert_eq!(str_of(&out[0]["forms"]["big_endian_base64"]), "NZGLyRltQOqXeYidebdT8A==");
}

#[test]
fn convert_reads_every_spelling_of_one_guid() {
    let (code, out) = convert_json(&SPELLINGS_OF_35918BC9);
    assert_eq!(code, 0);
    for (c, input) in out.iter().zip(SPELLINGS_OF_35918BC9) {
        assert_eq!(str_of(&c["input"]), input);
        assert_eq!(str_of(&c["guid"]), "35918bc9-196d-40ea-9779-889d79b753f0", "{c:#}");
        assert_eq!(str_of(&c["forms"]["immutable_id"]), "yYuRNW0Z6kCXeYidebdT8A==");
    }
}

#[test]
fn convert_reads_stdin_in_text_and_flags_a_non_guid() {
    let input = format!("{}\n00ub0oNGTSWTBKOLGLNR\n", SPELLINGS_OF_35918BC9.join("\n"));
    let run = run(&["convert"], Some(&input));
    assert_eq!(run.code, 1, "an Okta user ID is not a GUID");
    let text = lossy(&run.stdout);
    assert!(
        text.matches("yYuRNW0Z6kCXeYidebdT8A==").count() >= SPELLINGS_OF_35918BC9.len(),
        "{text}"
    );
    assert!(mentions(&text, &["okta"]), "{text}");

    let (code, out) = convert_json(&["00ub0oNGTSWTBKOLGLNR"]);
    assert_eq!(code, 1);
    assert!(out[0]["guid"].is_null());
    assert!(mentions(&out[0]["note"].to_string(), &["okta"]), "{:#}", out[0]);
}

#[test]
fn csvde_export_with_hex_byte_guids_hard_matches() {
    let r = report("09-csvde/users.csv", "09-csvde/cloud.csv", &[]);
    assert_eq!(r.code, 0, "{}", r.json["headline"]);
    r.assert_counts(&[("hard-match", 6)]);
    assert!(mentions(str_of(&r.json["files"]["onprem"]["source"]), &["csvde"]));
    // csvde's X'…' is the raw ToByteArray order (§1), so this is the ImmutableID as is.
    let ben = r.verdict("ben.hale@contoso.com", "hard-match");
    assert_eq!(str_of(&ben["onprem"]["name"]), "Smith, John");
}

#[test]
fn a_cloud_user_tied_to_another_on_prem_object_cannot_be_re_pointed() {
    // Get-MgUser with OnPremisesObjectIdentifier, written tab-delimited with -UseQuotes AsNeeded.
    let r = report("12-tied-and-case/onprem.csv", "12-tied-and-case/cloud.tsv", &[]);
    assert_eq!(r.code, 1);
    for upn in ["anna.abbott@contoso.com", "ben.hale@contoso.com", "carla.olsen@contoso.com"] {
        assert!(!blocked(r.verdict(upn, "hard-match")), "{upn}");
    }
    // Tied to another object since July 2026: the hard match cannot re-point it (§2).
    let david = r.verdict("david.vogel@contoso.com", "hard-match-blocked");
    assert_eq!(str_of(&david["cause"]), "tied-to-other-object", "{david:#}");
    assert!(str_of(&david["reason"]).contains("AttributeUpdateNotAllowed (96)"), "{david:#}");
    let fix = str_of(&david["fix"]["powershell"]);
    assert!(
        holds_all(
            fix,
            &[
                "Invoke-MgGraphRequest -Method PATCH",
                "/beta/users/",
                "onPremisesObjectIdentifier = $null"
            ]
        ),
        "{fix}"
    );
}

#[test]
fn upns_pair_the_two_rows_whatever_their_case() {
    let r = report("12-tied-and-case/onprem.csv", "12-tied-and-case/cloud.tsv", &[]);
    // On-prem Emma.Costa@Contoso.com, cloud emma.costa@contoso.com with an Okta ID: one person.
    let emma = r.verdict("emma.costa@contoso.com", "mismatch");
    assert_eq!(emma["onprem"]["upn"], "Emma.Costa@Contoso.com");
    assert_eq!(emma["cloud"]["upn"], "emma.costa@contoso.com");
    assert_eq!(str_of(&emma["anchor"]), "bGby/Fb1sEuGrmzI8FeNKQ==");
}

#[test]
fn one_export_given_for_both_sides_or_a_missing_file_is_refused() {
    let message = unusable("03-clean/onprem.csv", "03-clean/onprem.csv");
    assert!(mentions(&message, &["on-prem export"]), "{message}");
    let message = unusable("03-clean/cloud.csv", "03-clean/cloud.csv");
    assert!(mentions(&message, &["cloud export"]), "{message}");
    let message = unusable("no-such-export.csv", "03-clean/cloud.csv");
    assert!(message.contains("no-such-export.csv"), "{message}");
}

#[test]
fn a_hand_edited_cloud_row_with_an_extra_field_is_unreadable_and_accounted_for() {
    let r = report("07-graph-empty-anchor/OnPremIDs.csv", "07-cloud-extra-field/cloud.csv", &[]);
    assert_eq!(r.code, 1);
    let unreadable = r.json["unreadable"].as_array().expect("unreadable");
    assert_eq!(unreadable.len(), 1, "{unreadable:#?}");
    assert_eq!(unreadable[0]["side"], "cloud");
    assert_eq!(unreadable[0]["line"], 9);
    assert!(str_of(&unreadable[0]["message"]).contains("line 9"));
    assert_eq!(r.accounting("on-prem"), (10, 10, 0));
    assert_eq!(r.accounting("cloud"), (10, 9, 1));
    assert_eq!(r.count("hard-match"), 9, "{}", r.json["counts"]);
}

// ---------------------------------------------------------------------------------------------
// Disagreements with domain.md: these fail against the engine as it is (see the commit message)
// ---------------------------------------------------------------------------------------------

#[test]
fn soft_match_takes_the_primary_smtp_address_before_the_upn() {
    let r = rename_and_order_report();
    // The cloud user has Sam's UPN but Samantha's primary SMTP address: SMTP is tried first.
    paired(&r, "samantha.lee@contoso.com", "soft-match", "sam.lee@contoso.com");
    let sam = onprem_entry(&r, "sam.lee@contoso.com");
    assert_ne!(sam["category"], "soft-match", "{sam:#}");
    assert_ne!(sam["category"], "hard-match", "{sam:#}");
}

#[test]
fn blocked_cloud_takeover_stops_the_hard_match_of_a_never_synced_user() {
    let r = report(SOFT.0, SOFT.1, &["--block-cloud-takeover"]);
    // Felix's cloud user has an empty OnPremisesSyncEnabled: Graph's null, "never synced", the
    // plainest cloud-managed user there is. The switch stops its takeover (§2).
    let felix = r.verdict("felix.jung@contoso.com", "hard-match-blocked");
    assert_eq!(str_of(&felix["cause"]), "takeover-switch", "{felix:#}");
}

/// A user whose row on the other side could not be read is not reported as missing there: not
/// put in `category`, nor counted in a headline clause containing `headline_words`.
fn assert_unread_counterpart_not_missing(
    r: &Report,
    upn: &str,
    category: &str,
    headline_words: &str,
) {
    let entry = r.entry(upn);
    assert_ne!(entry["category"], category, "{entry:#}");
    let headline = str_of(&r.json["headline"]["text"]);
    assert!(!mentions(headline, &[headline_words]), "{headline}");
}

#[test]
fn a_cloud_user_whose_on_prem_row_is_unreadable_is_not_called_an_orphan() {
    let r = report("07-bad-guid-row/OnPremIDs.csv", "07-bad-guid-row/cloud.csv", &[]);
    // David's on-prem row (line 6, UPN david.vogel@contoso.com) exists but has a mistyped GUID.
    // An orphan is a cloud user no on-prem object joins (§2); this one's on-prem object is right
    // there, unread. Calling it an orphan, "no on-prem user has this UPN", and offering to clear
    // its ImmutableID or delete it, is wrong advice for a typo in the export.
    assert_unread_counterpart_not_missing(
        &r,
        "david.vogel@contoso.com",
        "cloud-orphan",
        "orphaned",
    );
}

#[test]
fn reasons_never_leave_a_value_blank() {
    // With soft match blocked, a cloud user with an empty ImmutableID is reported as a mismatch
    // whose reason ends "the existing one keeps ." (the empty ImmutableID interpolated).
    let r = report(SOFT.0, SOFT.1, &["--block-soft-match"]);
    for e in r.entries() {
        let reason = str_of(&e["reason"]);
        assert!(!reason.contains(" ."), "a blank in the reason: {reason}");
    }
}

#[test]
fn a_shared_anchor_does_not_make_the_owner_clash_with_its_own_cloud_user() {
    let r = ldifde_report();
    // dup.orig's on-prem row and cloud line 7 carry the same anchor and the same UPN: that cloud
    // user is dup.orig's own account (§2 hard match), not "another cloud user" whose UPN the sync
    // will clash on. Whichever of the two AD accounts joins it, no UPN is quarantined.
    let orig = onprem_entry(&r, "dup.orig@contoso.com");
    for f in orig["findings"].as_array().expect("findings") {
        assert!(
            !str_of(&f["message"]).contains("cloud line 7"),
            "a clash with its own cloud user: {orig:#}"
        );
    }
}

#[test]
fn an_on_prem_user_whose_cloud_row_is_unreadable_is_not_said_to_be_created() {
    let r = report("07-graph-empty-anchor/OnPremIDs.csv", "07-cloud-extra-field/cloud.csv", &[]);
    // Hugo's cloud row (line 9) exists, with his anchor, but has a stray field. "Entra Connect
    // will create a new cloud user" is a prediction the exports do not support (§2: hard match
    // first, on the anchor that row holds).
    assert_unread_counterpart_not_missing(
        &r,
        "hugo.eklund@contoso.com",
        "on-prem-only",
        "would be created",
    );
}

// ---------------------------------------------------------------------------------------------
// Tenant context files (`--context`)
// ---------------------------------------------------------------------------------------------

/// A fixture outside the scenarios.
fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// A file with `text` in the system's temporary folder, named for this test.
fn temp_file(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("anchor-audit-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("the temporary file is written");
    path
}

/// `report onprem-ps7.csv cloud-mguser.csv --format FORMAT [extra…]`.
fn context_run(format: &str, extra: &[std::ffi::OsString]) -> Run {
    context_run_on((fixture("onprem-ps7.csv"), fixture("cloud-mguser.csv")), format, extra)
}

/// `report ONPREM CLOUD --format FORMAT [extra…]`.
fn context_run_on(pair: (PathBuf, PathBuf), format: &str, extra: &[std::ffi::OsString]) -> Run {
    let mut args: Vec<std::ffi::OsString> =
        vec!["report".into(), pair.0.into(), pair.1.into(), "--format".into(), format.into()];
    args.extend(extra.iter().cloned());
    run(&args, None)
}

/// Whether `text` holds every one of `words`.
fn holds_all(text: &str, words: &[&str]) -> bool {
    words.iter().all(|w| text.contains(w))
}

fn notices(run: &Run) -> Vec<String> {
    let json: Value = serde_json::from_slice(&run.stdout).expect("the report is JSON");
    json["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .map(|n| str_of(&n["message"]).to_string())
        .collect()
}

#[test]
fn context_files_set_the_switches_and_domains_and_are_accounted_for() {
    let with_files = context_run(
        "json",
        &[
            "--context".into(),
            fixture("context/domains-ps51-semicolon.csv").into(),
            fixture("context/sync-features-ps7.csv").into(),
        ],
    );
    assert_ne!(with_files.code, 2, "{}", with_files.stderr);
    let said = notices(&with_files);
    assert!(
        said.contains(
            &"tenant context domains-ps51-semicolon.csv: domains, 6 rows = 6 used + 0 unreadable"
                .to_string()
        ),
        "{said:?}"
    );
    assert!(
        said.iter().any(|n| n.starts_with("tenant context sync-features-ps7.csv: sync features (BlockSoftMatchEnabled on, BlockCloudObjectTakeoverThroughHardMatchEnabled off), 1 row = 1 used")),
        "{said:?}"
    );
    // The domains file checked what the cloud UPNs could only hint at.
    assert!(said.iter().all(|n| !n.contains("UPNs on federated domains")), "{said:?}");

    // The tenant's BlockSoftMatchEnabled decides the entries as the switch does.
    let pair = || (scenario("05-soft-match/onprem.csv"), scenario("05-soft-match/cloud.csv"));
    let json = |run: &Run| -> Value { serde_json::from_slice(&run.stdout).unwrap() };
    let features: std::ffi::OsString = fixture("context/sync-features-ps7.csv").into();
    let with_file = context_run_on(pair(), "json", &["--context".into(), features]);
    let with_switch = context_run_on(pair(), "json", &["--block-soft-match".into()]);
    assert_eq!(json(&with_file)["entries"], json(&with_switch)["entries"]);
    let without = context_run_on(pair(), "json", &[]);
    assert_ne!(
        json(&with_file)["entries"],
        json(&without)["entries"],
        "the file changed the verdicts"
    );
}

#[test]
fn a_domains_file_names_unverified_suffixes_and_the_federated_fix() {
    let domains = temp_file(
        "domains.csv",
        "Id,AuthenticationType,IsVerified,IsInitial\r\ncontoso.com,Federated,True,False\r\n\
         contoso.onmicrosoft.com,Managed,True,True\r\nbad domain,Managed,True,False\r\n",
    );
    let run = context_run("json", &["--context".into(), domains.clone().into()]);
    let said = notices(&run);
    let name = domains.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        said.contains(&format!("tenant context {name}: domains, 3 rows = 2 used + 1 unreadable")),
        "{said:?}"
    );
    assert!(
        said.iter().any(|n| n.contains(&name)
            && n.contains("line 4")
            && n.contains("`Id`")
            && n.contains("bad domain")),
        "the bad row is named where it is: {said:?}"
    );
    assert!(
        said.iter().any(|n| n
            .starts_with("2 mismatched cloud users have UPNs on federated domains (contoso.com")
            && n.contains("move the UPN to contoso.onmicrosoft.com")),
        "{said:?}"
    );

    // The fix script moves those two through the initial domain around their ImmutableID.
    let script =
        lossy(&context_run("script", &["--context".into(), domains.clone().into()]).stdout);
    assert_eq!(script.matches("@contoso.onmicrosoft.com' }\n").count(), 2, "{script}");
    assert!(
        holds_all(
            &script,
            &[
                "moves each of the 2 cloud user(s) on a federated domain (contoso.com",
                "'User-PasswordProfile.ReadWrite.All'",
                "Invoke-OnManagedDomain $uri $change.ManagedUpn $saved[$i].UserPrincipalName $body",
            ]
        ),
        "{script}"
    );

    // Each of them gets the move in its own fix too, stated, not hedged.
    let fixes = lossy(&context_run("text", &["--context".into(), domains.clone().into()]).stdout);
    let definite = format!("federated by {name}, where Entra does not change an ImmutableID");
    assert_eq!(fixes.matches(&definite).count(), 2, "{fixes}");
    assert_eq!(fixes.matches("-UserPrincipalName '").count(), 4, "to and back: {fixes}");
    assert!(!fixes.contains("(if its UPN is on a federated domain"), "{fixes}");
    let hedged = lossy(&context_run("text", &[]).stdout);
    assert!(hedged.contains("(if its UPN is on a federated domain") && !hedged.contains(&definite));

    let unverified = temp_file("unverified.csv", "Id,IsVerified\r\ncontoso.com,False\r\n");
    let text =
        context_run("text", &["--context".into(), unverified.clone().into(), "--all".into()]);
    let text = lossy(&text.stdout);
    assert!(!text.contains("federated"), "not federated by that file: no move, no hedge");
    assert!(
        text.contains("the UPN suffix contoso.com is not a verified domain of the tenant"),
        "{text}"
    );
    let guessed = lossy(&context_run("text", &["--all".into()]).stdout);
    assert!(
        !guessed.contains("not a verified domain"),
        "without the file the suffix is not questioned"
    );
    let _ = std::fs::remove_file(domains);
    let _ = std::fs::remove_file(unverified);
}

#[test]
fn a_context_file_of_no_kind_or_against_a_switch_is_refused() {
    let run = context_run("json", &["--context".into(), fixture("cloud-mguser.csv").into()]);
    assert_eq!(run.code, 2, "{}", lossy(&run.stdout));
    assert!(
        holds_all(
            &run.stderr,
            &["cloud-mguser.csv", "a user export", "Get-MgDomain", ".Features | Export-Csv"]
        ),
        "{}",
        run.stderr
    );

    let run =
        context_run("json", &["--context".into(), fixture("context/sync-toplevel-ps7.csv").into()]);
    assert_eq!(run.code, 2);
    assert!(
        holds_all(&run.stderr, &["Features", "(Get-MgDirectoryOnPremiseSynchronization).Features"]),
        "{}",
        run.stderr
    );

    let run = context_run(
        "json",
        &[
            "--block-cloud-takeover".into(),
            "--context".into(),
            fixture("context/sync-features-ps7.csv").into(),
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        holds_all(
            &run.stderr,
            &["BlockCloudObjectTakeoverThroughHardMatchEnabled", "says it is off"]
        ),
        "{}",
        run.stderr
    );

    let run = context_run(
        "json",
        &[
            "--context".into(),
            fixture("context/domains-ps7.csv").into(),
            fixture("context/domains-ps51-semicolon.csv").into(),
        ],
    );
    assert_eq!(run.code, 2);
    assert!(holds_all(&run.stderr, &["both domains files"]), "{}", run.stderr);
}

#[test]
fn role_files_block_the_hard_match_of_privileged_users_and_the_soft_match_of_admins() {
    // The known answers of tests/fixtures/README.md, on the soft-match scenario.
    let roles = fixture("context/05-soft-match-roles.csv");
    let pim = fixture("context/05-soft-match-pim.csv");
    let pair = || (scenario("05-soft-match/onprem.csv"), scenario("05-soft-match/cloud.csv"));
    let context = ["--context".into(), roles.clone().into(), pim.clone().into()];
    let run = context_run_on(pair(), "json", &context);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: Value = serde_json::from_slice(&run.stdout).unwrap();
    let entry = |upn: &str| -> Value {
        let found: Vec<&Value> = json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["cloud"]["upn"] == upn)
            .collect();
        assert_eq!(found.len(), 1, "{upn}");
        found[0].clone()
    };

    let anna = entry("anna.abbott@contoso.com");
    assert_eq!(
        (str_of(&anna["category"]), str_of(&anna["cause"])),
        ("hard-match-blocked", "privileged-role")
    );
    assert!(
        holds_all(str_of(&anna["reason"]), &["Global Administrator", "InvalidHardMatch (103)"]),
        "{anna:#}"
    );
    let fix = str_of(&anna["fix"]["powershell"]);
    assert!(
        holds_all(
            fix,
            &[
                "Export-Clixml",
                "Remove-MgRoleManagementDirectoryRoleAssignment",
                "New-MgRoleManagementDirectoryRoleAssignment"
            ]
        ),
        "{fix}"
    );
    assert!(
        str_of(&anna["fix"]["summary"]).contains("restore them: Global Administrator (privileged)")
    );

    let ben = entry("ben.hale@contoso.com");
    assert_eq!(
        (str_of(&ben["category"]), str_of(&ben["cause"])),
        ("hard-match-blocked", "privileged-eligibility")
    );
    assert!(
        str_of(&ben["reason"])
            .contains("eligible (PIM) for a privileged Entra role (Security Administrator)"),
        "{ben:#}"
    );

    // Soft match never joins an admin; a role that is not privileged still lets a hard match
    // through, so the fix stamps the anchor.
    let maria = entry("maria.garcia@contoso.onmicrosoft.com");
    assert_eq!(str_of(&maria["category"]), "soft-match-blocked");
    assert!(str_of(&maria["reason"]).contains("Existing Admin Role Conflict"), "{maria:#}");
    assert!(str_of(&maria["fix"]["powershell"]).contains("-OnPremisesImmutableId"), "{maria:#}");
    let thi = entry("t.nguyen@contoso.com");
    assert_eq!(str_of(&thi["category"]), "soft-match-blocked");
    assert!(str_of(&thi["fix"]["powershell"])
        .contains("Remove-MgRoleManagementDirectoryRoleAssignment"));

    // Carla holds no role: still a hard match.
    assert_eq!(str_of(&entry("carla.olsen@contoso.com")["category"]), "hard-match");

    let said = notices(&run);
    let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        said.contains(&format!(
            "tenant context {}: role assignments, 4 rows = 4 used + 0 unreadable",
            name(&roles)
        )),
        "{said:?}"
    );
    assert!(
        said.iter().any(|n| n
            .starts_with("1 of 5 role rows name a principal that is no user of the cloud export")),
        "{said:?}"
    );
    assert!(
        said.iter().any(|n| n.contains(&format!("{} line 5: Helpdesk Administrator granted to object 0f0e0d0c-0b0a-4908-8706-050403020100", name(&roles)))),
        "the row is listed where it is: {said:?}"
    );
    assert!(
        said.iter().all(|n| !n.contains("holding admin roles")),
        "roles were checked: {said:?}"
    );
    assert!(json["counts"]["byCategory"].to_string().contains("hard-match-blocked"));

    let text = lossy(&context_run_on(pair(), "text", &context).stdout);
    assert!(
        holds_all(
            &text,
            &[
                "== HARD MATCH BLOCKED (2) ==",
                "== SOFT MATCH BLOCKED (2) ==",
                "2 hard matches would be refused by Entra"
            ]
        ),
        "{text}"
    );
}

/// The IdFix findings of an entry: (rule, value, suggested).
fn idfix_findings(entry: &Value) -> Vec<(String, String, Option<String>)> {
    entry["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"].is_string())
        .map(|f| {
            let suggested = f["suggested"].as_str().map(str::to_string);
            (str_of(&f["rule"]).to_string(), str_of(&f["value"]).to_string(), suggested)
        })
        .collect()
}

fn finding_messages(entry: &Value) -> Vec<&str> {
    entry["findings"].as_array().into_iter().flatten().map(|f| str_of(&f["message"])).collect()
}

#[test]
fn idfix_rules_flag_on_prem_values_with_a_suggested_fix_and_no_known_false_positive() {
    let r = report("13-idfix/onprem.csv", "13-idfix/cloud.csv", &[]);
    r.assert_counts(&[("hard-match", 12)]);
    assert_eq!(r.code, 1, "problems to fix first");
    let rules = |upn: &str| idfix_findings(r.verdict(upn, "hard-match"));
    let one = |rule: &str, value: &str, suggested: Option<&str>| {
        vec![(rule.to_string(), value.to_string(), suggested.map(str::to_string))]
    };
    // userPrincipalName: whitespace and umlauts; an RFC 2822 dot-atom; under 64 before the @.
    assert_eq!(
        rules("jurgen.weiss@contoso.com"),
        one("upn-characters", "jürgen weiß@contoso.com", Some("jurgenweiss@contoso.com"))
    );
    assert_eq!(
        rules("ada.lovelace@contoso.com"),
        one("upn-format", "ada..lovelace@contoso.com", Some("ada.lovelace@contoso.com"))
    );
    let long = "bartholomew.wolfeschlegelsteinhausenbergerdorff.the.third.esquire@contoso.com";
    assert_eq!(rules(long), one("upn-local-part-length", long, None));
    // An SMTP proxy address with a space, and mail on a top-level domain there is none of; the
    // X500 address with parentheses and an apostrophe is valid (idfix#16, #79).
    let grace = rules("grace.hopper@contoso.com");
    assert_eq!(grace.len(), 2, "{grace:?}");
    assert!(grace.contains(&(
        "proxy-address-characters".into(),
        "smtp:grace hopper@contoso.com".into(),
        Some("smtp:gracehopper@contoso.com".into())
    )));
    assert!(grace.contains(&(
        "mail-top-level-domain".into(),
        "grace.hopper@contoso.con".into(),
        None
    )));
    // mailNickname may not begin with a period.
    assert_eq!(
        rules("carla.olsen@contoso.com"),
        one("mail-nickname-period", ".carla", Some("carla"))
    );
    // Apostrophes are allowed in UPNs and addresses; IdFix's exclusions (HealthMailbox…) are
    // not checked; a clean user has nothing.
    for upn in [
        "o'brien@contoso.com",
        "HealthMailbox0123abc@contoso.onmicrosoft.com",
        "anna.abbott@contoso.com",
    ] {
        assert_eq!(rules(upn), [], "{upn}");
    }

    // Duplicates across the set, in any letter case, shown on both rows with the other's line.
    let sam = finding_messages(r.verdict("sam.sales@contoso.com", "hard-match"));
    assert!(
        sam.iter().any(|m| m.contains("smtp:sales@contoso.com") && m.contains("line 8")),
        "{sam:?}"
    );
    let sue = finding_messages(r.verdict("sue.sales@contoso.com", "hard-match"));
    assert!(
        sue.iter().any(|m| m.contains("smtp:Sales@Contoso.com") && m.contains("line 7")),
        "{sue:?}"
    );
    let david = finding_messages(r.verdict("david.vogel@contoso.com", "hard-match"));
    assert!(
        david.iter().any(|m| m.contains("mailNickname dvogel") && m.contains("line 11")),
        "{david:?}"
    );
    let dana = finding_messages(r.verdict("dana.vogel@contoso.com", "hard-match"));
    assert!(
        dana.iter().any(|m| m.contains("mailNickname DVogel") && m.contains("line 10")),
        "{dana:?}"
    );
    // Each rule cites its source.
    let jurgen = finding_messages(r.verdict("jurgen.weiss@contoso.com", "hard-match"));
    assert!(jurgen.iter().any(|m| m.contains("Errors supported by the IdFix tool")), "{jurgen:?}");
}

/// `generate` writes the pair and the tenant's three files, and the report on them, with and
/// without `--context`, says what `generate` printed it must.
#[test]
fn generate_writes_the_tenant_files_and_the_report_says_what_it_printed() {
    let dir = std::env::temp_dir().join(format!("anchor-audit-{}-generate", std::process::id()));
    let out = run(&["generate".as_ref(), "--out-dir".as_ref(), dir.as_os_str()], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let printed = lossy(&out.stdout);
    // The two "must say" blocks: without the context, then with it.
    let (without, with) = printed.split_once("with --context").expect("the context block");
    let promised = |block: &str, label: &str| -> u64 {
        block
            .lines()
            .filter_map(|l| l.trim().rsplit_once(' '))
            .find(|(name, _)| name.trim_end() == label)
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or_else(|| panic!("{label:?} in {block}"))
    };
    let path = |name: &str| dir.join(name).into_os_string();
    let json_of = |extra: &[std::ffi::OsString]| -> Value {
        let run = context_run_on((dir.join("onprem.csv"), dir.join("cloud.csv")), "json", extra);
        assert_eq!(run.code, 1, "{}", run.stderr);
        serde_json::from_slice(&run.stdout).expect("the report is JSON")
    };
    let plain = json_of(&[]);
    let context: Vec<std::ffi::OsString> =
        vec!["--context".into(), path("roles.csv"), path("pim.csv"), path("domains.csv")];
    let tenant = json_of(&context);
    for (label, key) in [
        ("hard match", "hard-match"),
        ("hard match blocked", "hard-match-blocked"),
        ("soft match", "soft-match"),
        ("soft match blocked", "soft-match-blocked"),
    ] {
        assert_eq!(plain["counts"]["byCategory"][key].as_u64(), Some(promised(without, label)));
        assert_eq!(tenant["counts"]["byCategory"][key].as_u64(), Some(promised(with, label)));
    }
    assert!(promised(with, "hard match blocked") > promised(without, "hard match blocked"));
    let said: Vec<String> = tenant["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .map(|n| str_of(&n["message"]).to_string())
        .collect();
    for kind in ["role assignments, ", "PIM role eligibilities, ", "domains, 5 rows = 5 used"] {
        assert!(said.iter().any(|n| n.contains(kind)), "{kind} in {said:#?}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------------------------
// The run record: build, time, inputs and settings in every output
// ---------------------------------------------------------------------------------------------

/// SHA-256 of a file, lowercase hex, computed here independently of the report.
fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(std::fs::read(path).expect("the fixture is read")))
}

/// Whether `text` is an RFC 3339 UTC time to the second, as `2026-12-05T16:18:57Z`.
fn is_utc_second(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn every_output_records_the_build_the_time_each_input_s_sha_256_and_the_settings() {
    let (onprem, cloud) = (fixture("onprem-ps7.csv"), fixture("cloud-mguser.csv"));
    let features = temp_file(
        "record-features.csv",
        "BlockSoftMatchEnabled,BlockCloudObjectTakeoverThroughHardMatchEnabled\r\nTrue,False\r\n",
    );
    let context: Vec<std::ffi::OsString> = vec!["--context".into(), features.clone().into()];
    let digests = [sha256_of(&onprem), sha256_of(&cloud), sha256_of(&features)];

    // Text: the head names the build and time, then each input with its digest.
    let text = lossy(&context_run("text", &context).stdout);
    let head: Vec<&str> = text.lines().take(6).collect();
    let tool = head[0].strip_prefix("Anchor Audit ").expect("the build comes first");
    let (build, at) = tool.split_once(", report made ").expect("and the time");
    assert!(build.starts_with(env!("CARGO_PKG_VERSION")) && build.contains("(commit "), "{build}");
    assert!(is_utc_second(at), "{at}");
    for (line, digest) in head[1..4].iter().zip(&digests) {
        assert!(line.ends_with(&format!("SHA-256 {digest})")), "{line}");
    }
    assert!(head[3].starts_with("context: ") && head[3].contains("sync features"), "{}", head[3]);
    assert_eq!(
        head[5],
        format!(
            "tenant:  BlockSoftMatchEnabled on, BlockCloudObjectTakeoverThroughHardMatchEnabled off \
             (from the tenant's file {})",
            features.file_name().unwrap().to_string_lossy()
        )
    );

    // JSON (version 2): the same, as fields.
    let json: Value = serde_json::from_slice(&context_run("json", &context).stdout).unwrap();
    assert_eq!(json["version"], 2);
    let record = &json["run"];
    assert_eq!(record["toolVersion"], env!("CARGO_PKG_VERSION"));
    assert!(is_utc_second(record["madeAt"].as_str().unwrap()), "{record}");
    assert_eq!(json["files"]["onprem"]["sha256"], digests[0].as_str());
    assert_eq!(json["files"]["cloud"]["sha256"], digests[1].as_str());
    assert_eq!(record["context"][0]["sha256"], digests[2].as_str());
    assert_eq!(record["blockSoftMatch"], true);
    assert_eq!(record["blockCloudTakeover"], false);

    // The fix script's header carries the record as comments.
    let script = lossy(&context_run("script", &context).stdout);
    let header = &script[..script.find("#>").expect("a comment block")];
    assert!(digests.iter().all(|d| header.contains(d.as_str())), "{header}");
    assert!(header.contains("counts:  ") && header.contains(", report made "), "{header}");

    // A CSV report stays a plain table; its record is written beside it.
    let out = std::env::temp_dir().join(format!("anchor-audit-{}-record.csv", std::process::id()));
    let mut args = context.clone();
    args.extend(["-o".into(), out.clone().into()]);
    context_run("csv", &args);
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.trim_start_matches('\u{feff}').starts_with("Category,"), "{}", &csv[..40]);
    let sidecar = std::fs::read_to_string(format!("{}.record.txt", out.display())).unwrap();
    assert!(digests.iter().all(|d| sidecar.contains(d.as_str())), "{sidecar}");
    assert!(sidecar.lines().any(|l| l.starts_with("rows:    on-prem file ")), "{sidecar}");

    // The printable page: the record, the verdict the text report gives, and no script.
    let html = lossy(&context_run("html", &context).stdout);
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..40]);
    assert!(digests.iter().all(|d| html.contains(d.as_str())), "{html}");
    let verdict = text.lines().nth(7).expect("the verdict after the head");
    assert!(html.contains(&format!("id=\"verdict\">{verdict}</p>")), "{verdict} in {html}");
    assert!(html.contains("BlockSoftMatchEnabled on") && !html.contains("<script"), "{html}");
}

#[test]
fn pending_exports_put_entra_connects_disagreements_first_with_both_sides() {
    let pending = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pending-exports")
            .join(name)
            .to_string_lossy()
            .into_owned()
    };
    let pair = ("05-soft-match/onprem.csv", "05-soft-match/cloud.csv");
    let with = |format: &str, file: &str| {
        report_run(pair.0, pair.1, format, &["--pending-exports", &pending(file)])
    };

    let text = with("text", "aad-pending.xml");
    assert_eq!(text.code, 1, "{}", text.stderr);
    let text = lossy(&text.stdout);
    let verdict = text.lines().find(|l| l.starts_with("Not safe")).unwrap();
    assert!(
        verdict.starts_with(
            "Not safe to cut over: Entra Connect's own pending exports disagree for 2 users, "
        ),
        "{verdict}"
    );
    assert!(text.contains(
        "\nEntra Connect's own pending exports (aad-pending.xml) disagree for 2 users; they agree for 2.\n"
    ));
    assert!(text.contains(
        "- m.garcia@contoso.com: report soft match; Entra Connect add (aad-pending.xml line 60)\n    \
         the report predicts a join; Entra Connect will add a new cloud object (a duplicate)\n"
    ), "{text}");
    assert!(
        text.contains(
            "- old.contractor@contoso.com: report not in these exports; Entra Connect delete \
         (aad-pending.xml line 40)\n    Entra Connect will delete this cloud object\n"
        ),
        "{text}"
    );

    let json: Value = serde_json::from_slice(&with("json", "aad-pending.xml").stdout).unwrap();
    let check = &json["pendingExports"];
    assert_eq!(check["agree"], 2);
    assert_eq!(check["disagreements"][0]["kind"], "adds-what-we-join");
    assert_eq!(check["disagreements"][0]["category"], "soft-match");
    assert_eq!(check["disagreements"][0]["pending"], "add");
    assert_eq!(check["disagreements"][1]["kind"], "deletes");
    let html = lossy(&with("html", "aad-pending.xml").stdout);
    assert!(html.contains("<h2>Entra Connect disagrees (2)</h2>"), "{html}");
    assert!(
        html.contains("<tr><td>m.garcia@contoso.com</td><td>soft match</td><td>add (line 60)</td>")
    );
    // Without the file the report says nothing of it.
    let plain: Value =
        serde_json::from_slice(&report_run(pair.0, pair.1, "json", &[]).stdout).unwrap();
    assert!(plain.get("pendingExports").is_none());

    // The AD connector's export and a truncated one are refused, saying what they are.
    let ad = with("text", "ad-pending.xml");
    assert_eq!(ad.code, 2);
    assert!(ad.stderr.contains("file ad-pending.xml, line 3: cannot read these pending exports: its objects are of the connector `contoso.com`"), "{}", ad.stderr);
    let cut = with("text", "aad-truncated.xml");
    assert_eq!(cut.code, 2);
    assert!(cut.stderr.contains("the file is truncated"), "{}", cut.stderr);
}
