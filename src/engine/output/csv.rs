//! The report as CSV for Excel: UTF-8 with a byte-order mark (so Excel shows names right), and
//! every cell that a spreadsheet would run as a formula neutralised.

use std::borrow::Cow;
use std::io;

use crate::engine::audit::Audit;
use crate::engine::output::entry_view;
use crate::engine::read::FileFormat;

/// The header of the report CSV.
pub const CSV_HEADER: [&str; 17] = [
    "Category",
    "Reason",
    "OnPremLine",
    "OnPremUserPrincipalName",
    "OnPremName",
    "SamAccountName",
    "objectGUID",
    "mS-DS-ConsistencyGuid",
    "ComputedImmutableId",
    "CloudLine",
    "CloudUserPrincipalName",
    "CloudImmutableId",
    "CloudAnchorKind",
    "CloudSynced",
    "Findings",
    "FixSummary",
    "FixPowerShell",
];

/// Writes one row per entry.
pub fn write_csv<W: io::Write>(audit: &Audit, mut out: W) -> io::Result<()> {
    out.write_all("\u{FEFF}".as_bytes())?;
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    writer.write_record(CSV_HEADER)?;
    let report = &audit.report;
    for entry in report.entries() {
        let view = entry_view(report, &entry);
        let (p, c) = (view.onprem.as_ref(), view.cloud.as_ref());
        let findings: Vec<String> =
            view.findings.iter().map(|f| format!("[{:?}] {}", f.severity, f.message)).collect();
        let number = |n: u64| Cow::Owned(n.to_string());
        let record: [Cow<'_, str>; 17] = [
            view.category.label().into(),
            view.reason.as_str().into(),
            p.map_or("".into(), |p| number(p.line)),
            p.map_or("", |p| p.upn).into(),
            p.map_or("", |p| p.name).into(),
            p.map_or("", |p| p.sam_account_name).into(),
            p.and_then(|p| p.object_guid).map_or("".into(), |g| g.hyphenated().to_string().into()),
            p.and_then(|p| p.consistency_guid)
                .map_or("".into(), |g| g.hyphenated().to_string().into()),
            view.anchor.as_deref().unwrap_or_default().into(),
            c.map_or("".into(), |c| number(c.line)),
            c.map_or("", |c| c.upn).into(),
            c.map_or("", |c| c.immutable_id).into(),
            view.cloud_anchor_class.unwrap_or_default().into(),
            c.and_then(|c| c.synced).map_or("".into(), |s| s.to_string().into()),
            findings.join("\n").into(),
            view.fix.as_ref().map_or("", |f| f.summary.as_str()).into(),
            view.fix.as_ref().map_or("", |f| f.powershell.as_str()).into(),
        ];
        for cell in &record {
            writer.write_field(neutralise(cell).as_bytes())?;
        }
        // An empty record after the fields ends the row.
        writer.write_record(None::<&[u8]>)?;
    }
    writer.flush()
}

/// The unreadable rows, one CSV per side in the shape of its file (same headers), so they can be
/// corrected and fed back in; each row's problem is in a last `AnchorAuditError` column.
pub fn write_unreadable_csv<W: io::Write>(
    audit: &Audit,
    side: crate::engine::Side,
    mut out: W,
) -> io::Result<()> {
    let summary = match side {
        crate::engine::Side::OnPrem => &audit.onprem,
        crate::engine::Side::Cloud => &audit.cloud,
    };
    let delimiter = match summary.info.format {
        FileFormat::Csv { delimiter, .. } => delimiter,
        FileFormat::Ldif => b',',
    };
    out.write_all("\u{FEFF}".as_bytes())?;
    let mut header = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(&mut out);
    header.write_record(summary.headers.iter().map(String::as_str).chain(["AnchorAuditError"]))?;
    header.flush()?;
    drop(header);
    // A row goes back as its file held it, byte for byte (its quoting is the file's, not ours);
    // only the message cell is written, always quoted as Export-Csv quotes.
    let mut message_cell = csv::WriterBuilder::new();
    message_cell.quote_style(csv::QuoteStyle::Always).terminator(csv::Terminator::CRLF);
    let mut cell = Vec::new();
    for reject in audit.unreadable.iter().filter(|r| r.error.side() == Some(side)) {
        cell.clear();
        let mut message = message_cell.from_writer(&mut cell);
        message.write_record([reject.error.to_string()])?;
        message.flush()?;
        drop(message);
        out.write_all(reject.raw.as_bytes())?;
        out.write_all(&[delimiter])?;
        out.write_all(&cell)?;
    }
    Ok(())
}

/// Prefixes a cell that Excel or LibreOffice would read as a formula (`= + - @`, tab, CR) with
/// `'`, so a hostile display name cannot run anything (OWASP "CSV injection").
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::audit::{audit, AuditOptions, Input};
    use crate::engine::read::{read_table, Field, ReadOptions};
    use crate::engine::Side;

    #[test]
    fn unreadable_rows_load_again_in_their_own_dialect() {
        let onprem = "UserPrincipalName;Name;SamAccountName;objectGUID\r\n\
                      a@contoso.com;\"Doe; Jane\";jdoe;35918bc9-196d-40ea-9779-889d79b753f0\r\n\
                      b@contoso.com;\"Roe; Rick\";rroe;35918bc9-196d\r\n";
        let cloud = "UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled\r\n\
                     a@contoso.com,yYuRNW0Z6kCXeYidebdT8A==,True\r\n";
        let result = audit(
            Input { name: "onprem.csv", bytes: onprem.as_bytes() },
            Input { name: "cloud.csv", bytes: cloud.as_bytes() },
            &AuditOptions::default(),
        )
        .unwrap();
        let mut bytes = Vec::new();
        write_unreadable_csv(&result, Side::OnPrem, &mut bytes).unwrap();
        let options = ReadOptions { side: Some(Side::OnPrem), ..ReadOptions::default() };
        let table = read_table(&bytes, &options).unwrap();
        assert_eq!(table.headers.last().map(String::as_str), Some("AnchorAuditError"));
        assert_eq!(table.rows.len(), 1);
        let row = table.rows.get(0).unwrap();
        assert_eq!(row.get(&table.columns, Field::DisplayName), Some("Roe; Rick"));
        assert!(row.field(4).unwrap().contains("line 3, column `objectGUID`"));
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for (cell, expected) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("jane@contoso.com", "jane@contoso.com"),
            ("", ""),
        ] {
            assert_eq!(neutralise(cell), expected);
        }
    }
}
