//! The whole audit on two fuzzed exports, through the public API only (`audit`, then the
//! writers): every row is accounted for, no writer panics, the CSV report is formula-safe, and
//! the fix script's every string is a PowerShell single-quoted literal that holds exactly the
//! report's values, with nothing else in the script but its template's code.
//!
//! Input: one control byte (anchor attribute, tenant switches), the on-prem file, the
//! separator, the cloud file.
#![no_main]

use anchor_audit::engine::audit::{audit, AuditOptions, Input};
use anchor_audit::engine::context::{KnownDomains, KnownGrant, KnownRoles};
use anchor_audit::engine::join::MatchOptions;
use anchor_audit::engine::model::AnchorAttribute;
use anchor_audit::engine::output::{
    fix_script, headline, write_csv, write_json, write_text, write_unreadable_csv,
};
use anchor_audit::engine::Side;
use anchor_audit_fuzz::powershell::{code_lines, tokenize};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use uuid::Uuid;

/// Between the two files in an input (the seeds are written with it: `cargo xtask fuzz`).
const SEPARATOR: &[u8] = b"\n\xFF\x00--8<--cloud--\x00\xFF\n";

fn options(control: u8) -> AuditOptions {
    let anchor = match control & 3 {
        2 => AnchorAttribute::ObjectGuid,
        3 => AnchorAttribute::Column("employeeID".into()),
        _ => AnchorAttribute::ConsistencyGuidElseObjectGuid,
    };
    let matching = MatchOptions {
        anchor,
        block_soft_match: control & 4 != 0,
        block_cloud_takeover: control & 8 != 0,
        // A domains file: the suffix check against its list, the federated-domain notice.
        domains: (control & 16 != 0).then(|| KnownDomains {
            file: "domains.csv".into(),
            verified: vec!["contoso.com".into()],
            federated: vec!["contoso.com".into()],
            initial: Some("contoso.onmicrosoft.com".into()),
        }),
        // A roles file: a privileged role by UPN and one by object id, for the blocked joins.
        roles: (control & 32 != 0).then(|| {
            let grant = |privileged: bool, upn: Option<&str>, object_id: Option<Uuid>| KnownGrant {
                role: "Global Administrator".into(),
                privileged,
                builtin: true,
                eligible: false,
                upn: upn.map(str::to_string),
                object_id,
                file: 0,
                line: 2,
            };
            KnownRoles {
                files: vec!["roles.csv".into()],
                grants: vec![
                    grant(true, Some("a@contoso.com"), None),
                    grant(false, None, Some(Uuid::from_u128(1))),
                ],
            }
        }),
    };
    AuditOptions { matching, ..AuditOptions::default() }
}

/// Cells Excel or LibreOffice would run as a formula (OWASP "CSV injection").
fn is_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// The code the fix script's template writes, with its literals as `'…'`: the header, then per
/// mismatched user one guarded update.
const HEADER: [&str; 4] = [
    "[CmdletBinding(SupportsShouldProcess)]",
    "param()",
    "$ErrorActionPreference = '…'",
    "Connect-MgGraph -Scopes '…' -NoWelcome",
];
const BLOCK: [&str; 3] = [
    "if ($PSCmdlet.ShouldProcess('…', '…' + '…')) {",
    "Update-MgUser -UserId '…' -OnPremisesImmutableId '…'",
    "}",
];

/// The fix script holds only its template's code, and its literals are the report's values:
/// for the n-th mismatched user with a cloud row and an anchor, the target user and the anchor.
fn check_script(script: &str, json: &Value) {
    let tokens = tokenize(script).unwrap_or_else(|e| panic!("{e:?}\n{script}"));
    let fixed: Vec<&Value> = json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["category"] == "mismatch" && !e["cloud"].is_null() && e["anchor"].is_string())
        .collect();
    let mut expected: Vec<&str> = HEADER.to_vec();
    for _ in &fixed {
        expected.extend(BLOCK);
    }
    assert_eq!(code_lines(&tokens.skeleton), expected, "{script}");
    let literals = &tokens.literals;
    assert_eq!(literals[..2], ["Stop", "User.ReadWrite.All"], "{script}");
    for (entry, block) in fixed.iter().zip(literals[2..].chunks(5)) {
        let [target, what, value, target_again, value_again] = block else { panic!("{script}") };
        assert_eq!(what, "Set OnPremisesImmutableId to ");
        assert_eq!((target, value), (target_again, value_again), "{script}");
        assert_eq!(Some(value.as_str()), entry["anchor"].as_str(), "{script}");
        let upn = entry["cloud"]["upn"].as_str().unwrap_or_default();
        if !upn.is_empty() {
            assert_eq!(target, upn, "{script}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else { return };
    let at = rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR);
    let (onprem, cloud) = match at {
        Some(at) => (&rest[..at], &rest[at + SEPARATOR.len()..]),
        None => rest.split_at(rest.len() / 2),
    };
    let result = audit(
        Input { name: "onprem.csv", bytes: onprem },
        Input { name: "cloud.csv", bytes: cloud },
        &options(control),
    );
    let audit = match result {
        Ok(audit) => audit,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };

    // Every record is in the report or unreadable, per file, and the counts are the entries'.
    for accounting in &audit.accounting {
        assert!(accounting.balanced(), "{accounting:?}");
        let unreadable =
            audit.unreadable.iter().filter(|r| r.error.side() == Some(accounting.side));
        assert_eq!(unreadable.count() as u64, accounting.unreadable, "{accounting:?}");
    }
    let entries: u64 = audit.counts.by_category.iter().map(|(_, n)| n).sum();

    let _ = headline(&audit);
    for all in [false, true] {
        write_text(&audit, all, &mut Vec::new()).expect("text");
    }
    for side in [Side::OnPrem, Side::Cloud] {
        write_unreadable_csv(&audit, side, &mut Vec::new()).expect("unreadable rows");
    }

    let mut json = Vec::new();
    write_json(&audit, &mut json).expect("json");
    let json: Value = serde_json::from_slice(&json).expect("the JSON report parses");
    assert_eq!(json["entries"].as_array().map(Vec::len), Some(entries as usize));
    // The rows in the report are the rows of its entries, each side counted from the entries.
    for (side, key) in [(0, "onprem"), (1, "cloud")] {
        let rows = json["entries"].as_array().into_iter().flatten().filter(|e| !e[key].is_null());
        assert_eq!(rows.count() as u64, audit.accounting[side].in_report, "{key} rows");
    }

    let mut csv = Vec::new();
    write_csv(&audit, &mut csv).expect("csv");
    let body = csv.strip_prefix("\u{FEFF}".as_bytes()).expect("the CSV starts with a BOM");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(body);
    let mut records = 0u64;
    for record in reader.records() {
        let record = record.expect("the CSV report parses");
        assert_eq!(record.len(), 17);
        for cell in &record {
            assert!(!is_formula(cell), "formula-like cell {cell:?}");
        }
        records += 1;
    }
    assert_eq!(records, entries + 1, "a header and one row per entry");

    check_script(&fix_script(&audit), &json);
});
