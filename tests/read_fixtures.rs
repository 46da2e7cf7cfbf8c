//! Every fixture export in `tests/fixtures/`, read through the public API: what it is detected
//! as, how it was decoded, and the values and rejects the matcher will see.

use std::path::Path;

use anchor_audit::engine::read::{
    read_table, Confidence, ExportKind, Field, FileFormat, Quoting, ReadOptions, Table,
    TextEncoding, WarningKind,
};
use anchor_audit::engine::{Error, ErrorKind, Side};
use Confidence::{Certain, Likely};
use TextEncoding::{Ascii, Utf16LeBom, Utf8, Utf8Bom, Windows1252};

fn bytes(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str, side: Option<Side>) -> Result<Table, Error> {
    let options = ReadOptions { file_name: name.to_string(), side, ..ReadOptions::default() };
    read_table(&bytes(name), &options)
}

fn table(name: &str, side: Option<Side>) -> Table {
    read(name, side).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The value of `field` in the row whose UPN is `upn`.
fn value<'t>(table: &'t Table, upn: &str, field: Field) -> Option<&'t str> {
    let row = table
        .rows
        .iter()
        .find(|r| r.get(&table.columns, Field::UserPrincipalName) == Some(upn))
        .unwrap_or_else(|| panic!("no row for {upn}"));
    row.get(&table.columns, field)
}

/// What a readable fixture is expected to be.
struct Expect {
    name: &'static str,
    slot: Option<Side>,
    kind: ExportKind,
    confidence: Confidence,
    encoding: TextEncoding,
    /// The CSV delimiter; `None` for LDIF.
    delimiter: Option<u8>,
    rows: usize,
}

const fn expect(
    name: &'static str,
    slot: Option<Side>,
    (kind, confidence): (ExportKind, Confidence),
    encoding: TextEncoding,
    delimiter: Option<u8>,
    rows: usize,
) -> Expect {
    Expect { name, slot, kind, confidence, encoding, delimiter, rows }
}

const ONPREM: Option<Side> = Some(Side::OnPrem);
const CLOUD: Option<Side> = Some(Side::Cloud);
const COMMA: Option<u8> = Some(b',');
const AD_TYPE: (ExportKind, Confidence) = (ExportKind::GetAdUser, Certain);
const AD_COLUMNS: (ExportKind, Confidence) = (ExportKind::GetAdUser, Likely);

const READABLE: &[Expect] = &[
    expect("onprem-ps51-ascii.csv", None, AD_TYPE, Ascii, COMMA, 8),
    expect("onprem-ps51-utf8bom.csv", None, AD_TYPE, Utf8Bom, COMMA, 8),
    expect("onprem-ps51-utf16le.csv", None, AD_TYPE, Utf16LeBom, COMMA, 8),
    expect("onprem-useculture-semicolon.csv", None, AD_TYPE, Utf8Bom, Some(b';'), 8),
    expect("onprem-ps7.csv", None, AD_COLUMNS, Utf8, COMMA, 8),
    expect("onprem-ps7-tab-asneeded.csv", None, AD_COLUMNS, Utf8, Some(b'\t'), 8),
    expect("onprem-excel-1252.csv", None, AD_TYPE, Windows1252, COMMA, 8),
    expect("onprem-csvde.csv", None, (ExportKind::Csvde, Certain), Windows1252, COMMA, 8),
    expect("onprem-ldifde.ldf", ONPREM, (ExportKind::Ldifde, Certain), Ascii, None, 8),
    expect("onprem-proxyaddresses-collection.csv", None, AD_TYPE, Utf8Bom, COMMA, 8),
    expect("cloud-azuread-ps51.csv", None, (ExportKind::GetAzureAdUser, Certain), Ascii, COMMA, 8),
    expect("cloud-msol.csv", CLOUD, (ExportKind::GetMsolUser, Likely), Utf8Bom, COMMA, 9),
    expect("cloud-mguser.csv", None, (ExportKind::GetMgUser, Likely), Utf8, COMMA, 9),
    expect(
        "cloud-admin-center.csv",
        None,
        (ExportKind::EntraAdminCenter, Likely),
        Utf8Bom,
        COMMA,
        9,
    ),
    expect("broken-fieldcount.csv", ONPREM, AD_COLUMNS, Utf8, COMMA, 6),
];

#[test]
fn every_readable_fixture_is_detected_and_decoded() {
    for e in READABLE {
        let (name, delimiter) = (e.name, e.delimiter);
        let t = table(name, e.slot);
        let d = &t.info.detection;
        assert_eq!((d.kind, d.side, d.confidence), (e.kind, e.kind.side(), e.confidence));
        assert_eq!(t.info.encoding, e.encoding, "{name}");
        match (t.info.format, delimiter) {
            (FileFormat::Csv { delimiter: found, .. }, Some(expected)) => {
                assert_eq!(found, expected, "{name}")
            }
            (FileFormat::Ldif, None) => {}
            (format, _) => panic!("{name}: format {format:?}"),
        }
        assert_eq!(t.rows.len(), e.rows, "{name}");
        assert_eq!(t.info.name, name);
        assert_eq!(t.info.bytes, bytes(name).len() as u64);
        let records: Vec<u64> = t.rows.iter().map(|r| r.record).collect();
        assert!(records.windows(2).all(|w| w[0] < w[1]), "{name}: rows in file order");
    }
}

#[test]
fn names_with_comma_quote_and_accents_keep_their_values() {
    let cases: &[(&str, &str, &str)] = &[
        ("onprem-ps51-utf8bom.csv", "john.smith@contoso.com", "Smith, John"),
        ("onprem-ps51-utf8bom.csv", "rene.dupont@contoso.com", "René Dupont"),
        ("onprem-ps51-utf16le.csv", "soren.kierkegaard@contoso.com", "Søren Kierkegaard"),
        ("onprem-ps51-utf16le.csv", "paddy.obrien@contoso.com", "Patrick \"Paddy\" O'Brien"),
        ("onprem-useculture-semicolon.csv", "john.smith@contoso.com", "Smith, John"),
        ("onprem-ps7.csv", "rene.dupont@contoso.com", "René Dupont"),
        ("onprem-ps7-tab-asneeded.csv", "paddy.obrien@contoso.com", "Patrick \"Paddy\" O'Brien"),
        ("onprem-excel-1252.csv", "rene.dupont@contoso.com", "René Dupont"),
        ("onprem-csvde.csv", "soren.kierkegaard@contoso.com", "Søren Kierkegaard"),
        ("onprem-ldifde.ldf", "rene.dupont@contoso.com", "René Dupont"),
        ("onprem-ldifde.ldf", "john.smith@contoso.com", "Smith, John"),
        ("onprem-ps51-ascii.csv", "rene.dupont@contoso.com", "Ren? Dupont"),
        ("cloud-mguser.csv", "soren.kierkegaard@contoso.com", "Søren Kierkegaard"),
        ("cloud-admin-center.csv", "john.smith@contoso.com", "Smith, John"),
    ];
    for &(name, upn, display) in cases {
        let t = table(name, Some(Side::OnPrem).filter(|_| name.starts_with("onprem")));
        assert_eq!(value(&t, upn, Field::DisplayName), Some(display), "{name}");
    }
}

#[test]
fn anchors_are_kept_exactly_as_exported() {
    let ada = "ada.lovelace@contoso.com";
    let cases: &[(&str, &str, Field, &str)] = &[
        ("onprem-ps51-ascii.csv", ada, Field::ObjectGuid, "35918bc9-196d-40ea-9779-889d79b753f0"),
        ("onprem-ps51-ascii.csv", ada, Field::ImmutableId, "yYuRNW0Z6kCXeYidebdT8A=="),
        ("onprem-ps7.csv", ada, Field::ConsistencyGuid, "yYuRNW0Z6kCXeYidebdT8A=="),
        ("onprem-ps7.csv", "grace.hopper@contoso.com", Field::ConsistencyGuid, ""),
        ("onprem-csvde.csv", ada, Field::ObjectGuid, "X'c98b91356d19ea409779889d79b753f0'"),
        ("onprem-ldifde.ldf", ada, Field::ObjectGuid, "yYuRNW0Z6kCXeYidebdT8A=="),
        (
            "cloud-azuread-ps51.csv",
            "margaret.hamilton@contoso.com",
            Field::ImmutableId,
            "00ub0oNGTSWTBKOLGLNR",
        ),
        ("cloud-azuread-ps51.csv", "margaret.hamilton@contoso.com", Field::ObjectGuid, ""),
        ("cloud-msol.csv", "breakglass@contoso.onmicrosoft.com", Field::ImmutableId, ""),
        ("cloud-msol.csv", ada, Field::LastDirSyncTime, "11/20/2026 3:14:07 PM"),
        (
            "cloud-mguser.csv",
            "grace.hopper@contoso.com",
            Field::ImmutableId,
            "my9qPhxNTo+gscLT5PWmtw==",
        ),
        ("cloud-mguser.csv", ada, Field::SyncEnabled, "True"),
        ("cloud-mguser.csv", ada, Field::ObjectId, "1a2b3c4d-0001-4000-8000-000000000001"),
        ("cloud-admin-center.csv", ada, Field::ImmutableId, "yYuRNW0Z6kCXeYidebdT8A=="),
    ];
    for &(name, upn, field, expected) in cases {
        let side = if name.starts_with("cloud") { Side::Cloud } else { Side::OnPrem };
        let t = table(name, Some(side));
        assert_eq!(value(&t, upn, field), Some(expected), "{name} {field:?}");
    }
}

#[test]
fn multi_valued_attributes_are_joined_with_semicolons() {
    let t = table("onprem-ldifde.ldf", None);
    assert_eq!(
        value(&t, "ada.lovelace@contoso.com", Field::ProxyAddresses),
        Some(
            "SMTP:ada.lovelace@contoso.com;\
             smtp:alovelace.alias.for.a.long.folded.line@contoso.mail.onmicrosoft.com"
        )
    );
    assert_eq!(
        value(&t, "john.smith@contoso.com", Field::DistinguishedName),
        Some("CN=Smith\\, John,OU=Staff,DC=contoso,DC=com")
    );
    let lines: Vec<u64> = t.rows.iter().take(2).map(|r| r.line).collect();
    assert_eq!(lines, [2, 2 + 16]);
}

#[test]
fn lines_count_the_type_line_and_the_header() {
    let t = table("onprem-ps51-ascii.csv", None);
    let lines: Vec<(u64, u64)> = t.rows.iter().map(|r| (r.line, r.record)).collect();
    assert_eq!(lines, (1..=8).map(|r| (r + 2, r)).collect::<Vec<_>>());
    assert_eq!(
        t.info.type_line.as_deref(),
        Some("Selected.Microsoft.ActiveDirectory.Management.ADUser")
    );
    assert_eq!(t.headers, vec!["UserPrincipalName", "Name", "objectGUID", "ImmutableID"]);
    assert_eq!(t.info.format, FileFormat::Csv { delimiter: b',', quoted: Quoting::All });
}

#[test]
fn ascii_export_warns_about_lost_letters() {
    let t = table("onprem-ps51-ascii.csv", None);
    let warning = t.warnings.iter().find(|w| w.kind == WarningKind::QuestionMarks).unwrap();
    assert!(
        warning.message.contains("`Ren? Dupont` (line 5, column `Name`)"),
        "{}",
        warning.message
    );
    assert!(warning.message.contains("-Encoding UTF8"));
}

#[test]
fn excel_resave_reads_as_windows_1252_and_skips_the_empty_row() {
    let t = table("onprem-excel-1252.csv", None);
    assert_eq!(t.info.format, FileFormat::Csv { delimiter: b',', quoted: Quoting::None });
    let kinds: Vec<WarningKind> = t.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(kinds, vec![WarningKind::NotUtf8, WarningKind::BlankRecords]);
    assert!(t.warnings[0].message.contains("line 5"), "{}", t.warnings[0].message);
}

#[test]
fn proxy_addresses_collection_is_ignored_with_a_warning() {
    let t = table("onprem-proxyaddresses-collection.csv", None);
    assert_eq!(t.columns.get(Field::ProxyAddresses), None);
    let warning = &t.warnings[0];
    assert_eq!(warning.kind, WarningKind::ColumnIgnored);
    assert!(warning.message.contains("@{n='proxyAddresses';e={$_.'proxyAddresses' -join ';'}}"));
}

#[test]
fn field_count_rejects_keep_line_and_text() {
    let t = table("broken-fieldcount.csv", Some(Side::OnPrem));
    let rejects: Vec<(u64, u64, &ErrorKind)> = t
        .rejects
        .iter()
        .map(|r| {
            let p = r.error.position().unwrap();
            (p.line, p.record, r.error.kind())
        })
        .collect();
    assert_eq!(
        rejects,
        vec![
            (3, 2, &ErrorKind::FieldCount { expected: 4, found: 5 }),
            (8, 7, &ErrorKind::FieldCount { expected: 4, found: 3 }),
        ]
    );
    assert!(t.rejects[0].raw.starts_with("john.smith@contoso.com,Smith, John,"));
    assert_eq!(
        t.rejects[0].error.to_string(),
        "on-prem file broken-fieldcount.csv, line 3: this record has 5 fields but the header has \
         4 (a stray delimiter or quote?)"
    );
    assert_eq!(t.rows.len() + t.rejects.len(), 8);
}

#[test]
fn unusable_fixtures_fail_with_the_fix() {
    let cases: &[(&str, Option<Side>, &str)] = &[
        (
            "onprem-bytearray.csv",
            None,
            "on-prem file onprem-bytearray.csv, line 3, column `mS-DS-ConsistencyGuid`: the column \
             `mS-DS-ConsistencyGuid` holds `System.Byte[]`",
        ),
        ("onprem-bytearray.csv", None, "[Convert]::ToBase64String($_.'mS-DS-ConsistencyGuid')"),
        (
            "cloud-mguser-broken-empty.csv",
            None,
            "cloud file cloud-mguser-broken-empty.csv: every value in the column \
             `OnPremisesImmutableId` is empty",
        ),
        ("cloud-mguser-broken-empty.csv", None, "Get-MgUser -All -Property"),
        ("not-csv.xlsx", Some(Side::OnPrem), "on-prem file not-csv.xlsx: this is not a CSV"),
        ("not-csv.xlsx", None, "save as CSV"),
        ("onprem-ps7.csv", Some(Side::Cloud), "this looks like the on-prem export, not the cloud one"),
        ("cloud-mguser.csv", Some(Side::OnPrem), "this looks like the cloud export, not the on-prem one"),
    ];
    for &(name, side, needle) in cases {
        let err = read(name, side).expect_err(name);
        let text = err.to_string();
        assert!(text.contains(needle), "{name}: {text}");
    }
}

#[test]
fn wrong_side_tells_the_caller_what_the_file_is() {
    let err = read("cloud-azuread-ps51.csv", Some(Side::OnPrem)).unwrap_err();
    match err.into_kind() {
        ErrorKind::WrongSide { expected, found, evidence } => {
            assert_eq!((expected, found), (Side::OnPrem, Side::Cloud));
            assert!(evidence.contains("#TYPE Selected.Microsoft.Open.AzureAD.Model.User"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tables_round_trip_through_json() {
    for &Expect { name, slot, .. } in READABLE {
        let t = table(name, slot);
        let json = serde_json::to_string(&t).unwrap();
        let back: Table = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t, "{name}");
    }
}
