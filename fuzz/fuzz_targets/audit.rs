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
            verified: vec![FEDERATED.into()],
            federated: vec![FEDERATED.into()],
            initial: Some(INITIAL.into()),
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

/// The code the fix script's template writes, with its literals as `'…'`: the header; when
/// there is something to change, the connection, one data row a change, and the code that
/// saves, writes the undo script and applies the rows.
const HEADER: [&str; 3] =
    ["[CmdletBinding(SupportsShouldProcess)]", "param()", "$ErrorActionPreference = '…'"];
const SET_ROW: &str = "[pscustomobject]@{ UserId = '…'; Api = '…'; Property = '…'; Value = '…' }";
const MOVING_ROW: &str = "[pscustomobject]@{ UserId = '…'; Api = '…'; Property = '…'; Value = '…'; ManagedUpn = '…' }";
const CLEAR_ROW: &str =
    "[pscustomobject]@{ UserId = '…'; Api = '…'; Property = '…'; Value = $null }";
/// Saves what will change and writes the undo script.
const SAVE: [&str; 14] = [
    ")",
    "$here = if ($PSScriptRoot) { $PSScriptRoot } else { (Get-Location).Path }",
    "$stamp = Get-Date -Format '…'",
    "$backup = Join-Path $here ('…' + $stamp + '…')",
    "$undo = Join-Path $here ('…' + $stamp + '…')",
    "$saved = @(foreach ($change in $changes) {",
    "$user = Invoke-MgGraphRequest -Method GET -Uri ('…' + $change.Api + '…' + [uri]::EscapeDataString($change.UserId) + '…' + $change.Property)",
    "[pscustomobject]@{ Id = $user.id; UserPrincipalName = $user.userPrincipalName; Api = $change.Api; Property = $change.Property; WasNull = ($null -eq $user[$change.Property]); Value = $user[$change.Property]; ManagedUpn = $change.ManagedUpn }",
    "})",
    "$saved | Export-Csv -LiteralPath $backup -NoTypeInformation -Encoding UTF8",
    "$undoScript = @'…'@",
    "Set-Content -LiteralPath $undo -Value $undoScript.Replace('…', (Split-Path -Leaf $backup)) -Encoding UTF8",
    "Write-Host ('…' + $backup + '…' + $undo)",
    // Followed by CHANGE, or ON_MANAGED_DOMAIN and CHANGE_MOVING.
    "",
];
/// The literals of [`SAVE`], the undo script's here-string (checked on its own) as None.
const SAVE_LITERALS: [Option<&str>; 12] = [
    Some("yyyyMMdd-HHmmss"),
    Some("anchor-audit-backup-"),
    Some(".csv"),
    Some("anchor-audit-undo-"),
    Some(".ps1"),
    Some("https://graph.microsoft.com/"),
    Some("/users/"),
    Some("?$select=id,userPrincipalName,"),
    None,
    Some("__BACKUP__"),
    Some("Saved the values it changes to "),
    Some(". To undo, run "),
];
const CHANGE: [&str; 7] = [
    "for ($i = 0; $i -lt $changes.Count; $i++) {",
    "$change = $changes[$i]",
    "$shown = if ($null -eq $change.Value) { '…' } else { $change.Value }",
    "if ($PSCmdlet.ShouldProcess($change.UserId, '…' + $change.Property + '…' + $shown)) {",
    "Invoke-MgGraphRequest -Method PATCH -Uri ('…' + $change.Api + '…' + $saved[$i].Id) -Body @{ ($change.Property) = $change.Value }",
    "}",
    "}",
];
const CHANGE_LITERALS: [&str; 5] =
    ["null", "Set ", " to ", "https://graph.microsoft.com/", "/users/"];
/// The function that writes a federated user's value from the managed domain: the same in the
/// fix script and its undo script.
const ON_MANAGED_DOMAIN: [&str; 11] = [
    "function Invoke-OnManagedDomain([string]$Uri, [string]$ManagedUpn, [string]$Upn, [hashtable]$Body) {",
    "$bytes = [byte[]]::new(24)",
    "[Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($bytes)",
    "$password = [Convert]::ToBase64String($bytes) + '…'",
    "Invoke-MgGraphRequest -Method PATCH -Uri $Uri -Body @{ userPrincipalName = $ManagedUpn; passwordProfile = @{ password = $password; forceChangePasswordNextSignIn = $false } }",
    "try {",
    "Invoke-MgGraphRequest -Method PATCH -Uri $Uri -Body $Body",
    "} finally {",
    "Invoke-MgGraphRequest -Method PATCH -Uri $Uri -Body @{ userPrincipalName = $Upn }",
    "}",
    "}",
];
const ON_MANAGED_DOMAIN_LITERALS: [&str; 1] = ["aA1!"];
const CHANGE_MOVING: [&str; 14] = [
    "for ($i = 0; $i -lt $changes.Count; $i++) {",
    "$change = $changes[$i]",
    "$shown = if ($null -eq $change.Value) { '…' } else { $change.Value }",
    "$uri = '…' + $change.Api + '…' + $saved[$i].Id",
    "$body = @{ ($change.Property) = $change.Value }",
    "if ($change.ManagedUpn) {",
    "if ($PSCmdlet.ShouldProcess($change.UserId, '…' + $change.ManagedUpn + '…' + $change.Property + '…' + $shown + '…')) {",
    "Invoke-OnManagedDomain $uri $change.ManagedUpn $saved[$i].UserPrincipalName $body",
    "}",
    "} elseif ($PSCmdlet.ShouldProcess($change.UserId, '…' + $change.Property + '…' + $shown)) {",
    "Invoke-MgGraphRequest -Method PATCH -Uri $uri -Body $body",
    "}",
    "}",
    "",
];
const CHANGE_MOVING_LITERALS: [&str; 9] = [
    "null",
    "https://graph.microsoft.com/",
    "/users/",
    "Move to ",
    ", set ",
    " to ",
    ", move back",
    "Set ",
    " to ",
];
/// The undo script's code: it holds no value from the exports. `…MOVING` lines replace the
/// plain restore when the fix script moves federated users.
const UNDO_HEAD: [&str; 4] = [
    "[CmdletBinding(SupportsShouldProcess)]",
    "param([string]$Backup = (Join-Path $PSScriptRoot '…'))",
    "$ErrorActionPreference = '…'",
    "",
];
const UNDO_BODY: [&str; 12] = [
    "foreach ($row in Import-Csv -LiteralPath $Backup) {",
    "if ($row.Property -eq '…') {",
    "Write-Warning ('…' + $row.UserPrincipalName + '…' + $row.Value)",
    "continue",
    "}",
    "$value = if ($row.WasNull -eq '…') { $null } else { $row.Value }",
    "$uri = '…' + $row.Api + '…' + $row.Id",
    "$body = @{ ($row.Property) = $value }",
    "if ($PSCmdlet.ShouldProcess($row.UserPrincipalName, '…' + $row.Property)) {",
    "",
    "}",
    "}",
];
const UNDO_RESTORE: [&str; 1] = ["Invoke-MgGraphRequest -Method PATCH -Uri $uri -Body $body"];
const UNDO_RESTORE_MOVING: [&str; 5] = [
    "if ($row.ManagedUpn) {",
    "Invoke-OnManagedDomain $uri $row.ManagedUpn $row.UserPrincipalName $body",
    "} else {",
    "Invoke-MgGraphRequest -Method PATCH -Uri $uri -Body $body",
    "}",
];
const UNDO_BODY_LITERALS: [&str; 7] = [
    "onPremisesObjectIdentifier",
    "Not restored, Graph only clears it: ",
    " onPremisesObjectIdentifier was ",
    "True",
    "https://graph.microsoft.com/",
    "/users/",
    "Restore ",
];
const USER_SCOPE: &str = "User.ReadWrite.All";
const SYNC_BEHAVIOR_SCOPE: &str = "User-OnPremisesSyncBehavior.ReadWrite.All";
const PASSWORD_SCOPE: &str = "User-PasswordProfile.ReadWrite.All";
/// The domain [`options`] marks federated, and its initial domain.
const FEDERATED: &str = "contoso.com";
const INITIAL: &str = "contoso.onmicrosoft.com";

/// `Connect-MgGraph` with this many scopes, its literals as `'…'`.
fn connect(scopes: usize) -> String {
    format!("Connect-MgGraph -Scopes {} -NoWelcome", vec!["'…'"; scopes].join(", "))
}

/// Lines without the `""` that marks where others go.
fn lines<'a>(parts: &[&[&'a str]]) -> Vec<&'a str> {
    parts.iter().flat_map(|p| p.iter().copied()).filter(|l| !l.is_empty()).collect()
}

/// The undo script the fix script writes: its code and literals.
fn check_undo(undo: &str, moves: bool, script: &str) {
    let undo = tokenize(undo).unwrap_or_else(|e| panic!("{e:?}\n{script}"));
    let scopes: &[&str] = if moves { &[USER_SCOPE, PASSWORD_SCOPE] } else { &[USER_SCOPE] };
    let connect = connect(scopes.len());
    let (function, restore): (&[&str], &[&str]) = if moves {
        (&ON_MANAGED_DOMAIN, &UNDO_RESTORE_MOVING)
    } else {
        (&[], &UNDO_RESTORE)
    };
    let body_end = UNDO_BODY.len() - 3;
    let expected =
        lines(&[&UNDO_HEAD, &[&connect], function, &UNDO_BODY[..body_end], restore, &UNDO_BODY[body_end..]]);
    assert_eq!(code_lines(&undo.skeleton), expected, "{script}");
    let mut literals = vec!["__BACKUP__", "Stop"];
    literals.extend(scopes);
    if moves {
        literals.extend(ON_MANAGED_DOMAIN_LITERALS);
    }
    literals.extend(UNDO_BODY_LITERALS);
    assert_eq!(undo.literals, literals, "{script}");
}

/// One change the script must make: the report's entry, whether it sets (else clears), and the
/// UPN on the initial domain a federated user moves to.
struct Change<'a> {
    entry: &'a Value,
    set: bool,
    managed_upn: Option<String>,
}

/// The fix script holds only its template's code, and its literals are the report's values: for
/// each mismatched user with a cloud row and an anchor, its UPN (else object id) and the anchor,
/// and for one on the federated domain the UPN it moves to; for each user tied to another
/// on-prem object, its UPN and a clear.
fn check_script(script: &str, json: &Value, domains: bool) {
    let tokens = tokenize(script).unwrap_or_else(|e| panic!("{e:?}\n{script}"));
    let managed_upn = |entry: &Value| {
        let upn = entry["cloud"]["upn"].as_str()?;
        let (name, domain) = upn.rsplit_once('@')?;
        (domains && domain.trim().to_lowercase() == FEDERATED).then(|| format!("{name}@{INITIAL}"))
    };
    let changes: Vec<Change> = json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| !e["cloud"].is_null())
        .filter_map(|e| match (e["category"].as_str(), e["cause"].as_str()) {
            (Some("mismatch"), _) if e["anchor"].is_string() => {
                Some(Change { entry: e, set: true, managed_upn: managed_upn(e) })
            }
            (Some("hard-match-blocked"), Some("tied-to-other-object")) => {
                Some(Change { entry: e, set: false, managed_upn: None })
            }
            _ => None,
        })
        .collect();
    let clears = changes.iter().any(|c| !c.set);
    let moves = changes.iter().any(|c| c.managed_upn.is_some());
    let code = code_lines(&tokens.skeleton);
    let literals = &tokens.literals;
    assert_eq!(code[..3], HEADER, "{script}");
    assert_eq!(literals[0], "Stop");
    if changes.is_empty() {
        assert_eq!(code.len(), 3, "{script}");
        assert_eq!(literals.len(), 1, "{script}");
        return;
    }
    let mut scopes = vec![USER_SCOPE];
    if clears {
        scopes.push(SYNC_BEHAVIOR_SCOPE);
    }
    if moves {
        scopes.push(PASSWORD_SCOPE);
    }
    let connect = connect(scopes.len());
    let rows: Vec<&str> = changes
        .iter()
        .map(|c| match (c.set, &c.managed_upn) {
            (false, _) => CLEAR_ROW,
            (true, None) => SET_ROW,
            (true, Some(_)) => MOVING_ROW,
        })
        .collect();
    let change: Vec<&str> =
        if moves { lines(&[&ON_MANAGED_DOMAIN, &CHANGE_MOVING]) } else { lines(&[&CHANGE]) };
    let expected = lines(&[&[&connect, "$changes = @("], &rows, &SAVE, &change]);
    assert_eq!(code[3..], expected, "{script}");

    assert_eq!(literals[1..1 + scopes.len()], *scopes, "{script}");
    let mut rest = &literals[1 + scopes.len()..];
    for c in &changes {
        let n = match (c.set, &c.managed_upn) {
            (false, _) => 3,
            (true, None) => 4,
            (true, Some(_)) => 5,
        };
        let (row, tail) = rest.split_at(n);
        rest = tail;
        let upn = c.entry["cloud"]["upn"].as_str().unwrap_or_default();
        if !upn.is_empty() {
            assert_eq!(row[0], upn, "{script}");
        }
        if c.set {
            assert_eq!(row[1..3], ["v1.0", "onPremisesImmutableId"], "{script}");
            assert_eq!(Some(row[3].as_str()), c.entry["anchor"].as_str(), "{script}");
            assert_eq!(row.get(4), c.managed_upn.as_ref(), "{script}");
        } else {
            assert_eq!(row[1..3], ["beta", "onPremisesObjectIdentifier"], "{script}");
        }
    }
    let (save, rest) = rest.split_at(SAVE_LITERALS.len());
    for (literal, expected) in save.iter().zip(SAVE_LITERALS) {
        match expected {
            Some(expected) => assert_eq!(literal, expected, "{script}"),
            None => check_undo(literal, moves, script),
        }
    }
    let change: Vec<&str> = if moves {
        ON_MANAGED_DOMAIN_LITERALS.iter().chain(&CHANGE_MOVING_LITERALS).copied().collect()
    } else {
        CHANGE_LITERALS.to_vec()
    };
    assert_eq!(rest, change, "{script}");
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

    check_script(&fix_script(&audit), &json, control & 16 != 0);
});
