//! `report --compare EARLIER.json` end to end: a second run of the generated sample, with half
//! of its mismatches fixed in the cloud export, says exactly those were fixed; earlier reports
//! that cannot be compared with are refused saying why.

use std::path::{Path, PathBuf};
use std::process::Command;

use anchor_audit::engine::sample::{generate, SampleSpec};
use serde_json::Value;

/// A folder for this test's files.
fn folder(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("anchor-audit-compare-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `anchor-audit` and gives (exit code, stdout, stderr).
fn run(args: &[&Path]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_anchor-audit")).args(args).output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
}

fn report(onprem: &Path, cloud: &Path, format: &str, extra: &[&Path]) -> (i32, String, String) {
    let mut args =
        vec![Path::new("report"), onprem, cloud, Path::new("--format"), Path::new(format)];
    args.extend_from_slice(extra);
    run(&args)
}

/// The cloud export with `fixes` applied: (the cloud row's line, the anchor to stamp).
fn with_immutable_ids(cloud: &[u8], fixes: &[(u64, String)]) -> Vec<u8> {
    let text = String::from_utf8(cloud.to_vec()).unwrap();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = headers.iter().position(|h| h == "OnPremisesImmutableId").expect("the column");
    let mut out =
        csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    out.write_record(&headers).unwrap();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        if !reader.read_record(&mut record).unwrap() {
            break;
        }
        let fix = fixes.iter().find(|(at, _)| *at == line);
        let fields = record.iter().enumerate().map(|(i, f)| match fix {
            Some((_, anchor)) if i == column => anchor.as_str(),
            _ => f,
        });
        out.write_record(fields).unwrap();
    }
    out.into_inner().unwrap()
}

fn users(list: &Value) -> Vec<String> {
    let mut users: Vec<String> =
        list.as_array().unwrap().iter().map(|m| m["user"].as_str().unwrap().to_string()).collect();
    users.sort();
    users
}

#[test]
fn half_the_mismatches_fixed_shows_exactly_those_as_fixed() {
    let dir = folder("half");
    let (onprem, cloud, expected) = generate(&SampleSpec::showcase());
    let (onprem_path, cloud_path) = (dir.join("onprem.csv"), dir.join("cloud.csv"));
    std::fs::write(&onprem_path, &onprem).unwrap();
    std::fs::write(&cloud_path, &cloud).unwrap();
    let (_, first, _) = report(&onprem_path, &cloud_path, "json", &[]);
    let first_path = dir.join("first.json");
    std::fs::write(&first_path, &first).unwrap();

    // Fix every other mismatch: its cloud user gets the anchor Entra Connect will compute.
    let first: Value = serde_json::from_str(&first).unwrap();
    let mismatches: Vec<&Value> = first["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["category"] == "mismatch")
        .collect();
    assert_eq!(
        mismatches.len() as u64,
        expected.get(anchor_audit::engine::report::Category::Mismatch)
    );
    let fixed: Vec<&Value> = mismatches.iter().copied().step_by(2).collect();
    let fixes: Vec<(u64, String)> = fixed
        .iter()
        .map(|e| (e["cloud"]["line"].as_u64().unwrap(), e["anchor"].as_str().unwrap().to_string()))
        .collect();
    std::fs::write(&cloud_path, with_immutable_ids(&cloud, &fixes)).unwrap();

    let (code, second, stderr) =
        report(&onprem_path, &cloud_path, "json", &[Path::new("--compare"), &first_path]);
    assert_eq!(code, 1, "{stderr}");
    let second: Value = serde_json::from_str(&second).unwrap();
    let since = &second["sinceEarlier"];
    assert_eq!(since["earlier"], "first.json");
    assert_eq!(since["madeAt"], first["run"]["madeAt"]);
    let mismatch = since["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "mismatch")
        .unwrap();
    let upn = |e: &&Value| e["onprem"]["upn"].as_str().unwrap().to_string();
    let mut fixed_upns: Vec<String> = fixed.iter().map(upn).collect();
    fixed_upns.sort();
    assert_eq!(users(&mismatch["fixed"]), fixed_upns);
    assert!(mismatch["fixed"].as_array().unwrap().iter().all(|m| m["now"] == "hard-match"));
    let mut left: Vec<String> = mismatches.iter().filter(|e| !fixed.contains(e)).map(upn).collect();
    left.sort();
    assert_eq!(users(&mismatch["unchanged"]), left);
    assert_eq!(mismatch["new"].as_array().unwrap().len(), 0);
    // Nothing else moved: every other category is unchanged, and the totals say so.
    for c in since["categories"].as_array().unwrap() {
        assert_eq!(c["new"].as_array().unwrap().len(), 0, "{c}");
        if c["category"] != "mismatch" {
            assert_eq!(c["fixed"].as_array().unwrap().len(), 0, "{c}");
        }
    }
    assert_eq!(since["fixed"], fixed.len());
    assert_eq!((since["new"].as_u64(), since["gone"].as_u64()), (Some(0), Some(0)));

    // The text report says it under the verdict, and lists them.
    let (_, text, _) =
        report(&onprem_path, &cloud_path, "text", &[Path::new("--compare"), &first_path]);
    let verdict_line =
        text.lines().nth(text.lines().position(|l| l.starts_with("Not safe")).unwrap() + 1);
    let expected_line = format!(
        "Since first.json (made {}): {} fixed, 0 new, ",
        first["run"]["madeAt"].as_str().unwrap(),
        fixed.len()
    );
    assert!(verdict_line.unwrap().starts_with(&expected_line), "{verdict_line:?}");
    assert!(
        text.contains(&format!("mismatch: {} fixed, 0 new, {} unchanged", fixed.len(), left.len())),
        "{text}"
    );
    assert!(text.contains(&format!("  fixed: {} (now hard match)", fixed_upns[0])), "{text}");
}

#[test]
fn an_earlier_report_that_cannot_be_compared_with_is_refused_saying_what_it_is() {
    let dir = folder("refused");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let (onprem, cloud) = (fixtures.join("onprem-ps7.csv"), fixtures.join("cloud-mguser.csv"));

    // A report of other exports.
    let (sample_onprem, sample_cloud, _) = generate(&SampleSpec::showcase());
    let (a, b) = (dir.join("a.csv"), dir.join("b.csv"));
    std::fs::write(&a, sample_onprem).unwrap();
    std::fs::write(&b, sample_cloud).unwrap();
    let (_, other, _) = report(&a, &b, "json", &[]);
    let other_path = dir.join("other.json");
    std::fs::write(&other_path, other).unwrap();
    let (code, _, stderr) = report(&onprem, &cloud, "text", &[Path::new("--compare"), &other_path]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("file other.json: cannot compare with this earlier report: it shares "),
        "{stderr}"
    );
    assert!(stderr.contains(" of its 204 users with this run (the same anchor, or the same UPN where a side has no anchor), so it is a report of other exports"), "{stderr}");

    // Another directory with the same naming rules: six of this run's nine UPNs are in it, but
    // under other anchors (objectGUIDs), so it is not this directory's report.
    let scenarios = fixtures.join("scenarios");
    let okta = scenarios.join("01-okta-app-ids");
    let (_, okta_json, _) =
        report(&okta.join("OnPremIDs.csv"), &okta.join("MsolSyncedIDs.csv"), "json", &[]);
    let okta_path = dir.join("okta.json");
    std::fs::write(&okta_path, okta_json).unwrap();
    let soft = scenarios.join("05-soft-match");
    let (code, _, stderr) = report(
        &soft.join("onprem.csv"),
        &soft.join("cloud.csv"),
        "text",
        &[Path::new("--compare"), &okta_path],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "file okta.json: cannot compare with this earlier report: it shares 0 of its 43 users"
        ),
        "{stderr}"
    );

    // One from a newer version, and a CSV given for a JSON report.
    let newer = dir.join("newer.json");
    std::fs::write(&newer, r#"{"version": 99, "entries": []}"#).unwrap();
    let (code, _, stderr) = report(&onprem, &cloud, "text", &[Path::new("--compare"), &newer]);
    assert_eq!(code, 2);
    assert!(stderr.contains("a version-99 report, made by a newer Anchor Audit"), "{stderr}");
    let (code, _, stderr) = report(&onprem, &cloud, "text", &[Path::new("--compare"), &onprem]);
    assert_eq!(code, 2);
    assert!(stderr.contains("onprem-ps7.csv") && stderr.contains("it is not JSON"), "{stderr}");
}
