//! The report as text for a terminal: the headline, the counts, the accounting, then every entry
//! that needs attention, grouped by category, most urgent first.

use std::io;

use crate::engine::audit::{Audit, FileSummary};
use crate::engine::compare::RunDiff;
use crate::engine::output::record::{context_line, export_line, settings_lines, tool_line};
use crate::engine::output::{entry_view, group_digits, headline, is_notable, shown_counts};
use crate::engine::pending::CrossCheck;
use crate::engine::report::{Category, Severity};

/// Writes the text report. With `all`, clean hard matches and cloud-only users are listed too.
pub fn write_text<W: io::Write>(audit: &Audit, all: bool, mut out: W) -> io::Result<()> {
    let report = &audit.report;
    writeln!(out, "{}", tool_line(&audit.record))?;
    file_lines(&mut out, "on-prem", &audit.onprem)?;
    file_lines(&mut out, "cloud  ", &audit.cloud)?;
    for file in &audit.record.context {
        writeln!(out, "{}", context_line(file))?;
    }
    for line in settings_lines(audit) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    writeln!(out, "{}", headline(audit).text)?;
    if let Some(since) = &audit.since {
        writeln!(out, "{}", since.summary())?;
    }
    if let Some(pending) = &audit.pending {
        writeln!(out, "{}", pending.summary())?;
    }
    writeln!(out)?;
    let counts = &audit.counts;
    for (category, n) in shown_counts(counts) {
        writeln!(out, "  {:<22}{:>10}", category.label(), group_digits(n))?;
    }
    writeln!(
        out,
        "  {:<22}{:>10}",
        "unreadable rows",
        group_digits(audit.unreadable.len() as u64)
    )?;
    writeln!(out, "  {:<22}{:>10}", "custom anchors", group_digits(counts.custom_anchor))?;
    writeln!(out, "  {:<22}{:>10}", "with duplicates", group_digits(counts.duplicates))?;
    for a in &audit.accounting {
        writeln!(
            out,
            "rows: {} file {} = {} in report + {} unreadable{}",
            a.side,
            group_digits(a.records),
            group_digits(a.in_report),
            group_digits(a.unreadable),
            if a.balanced() { "" } else { "  (DOES NOT ADD UP: please report this)" }
        )?;
    }
    for notice in &report.notices {
        writeln!(out, "note: {}", notice.message)?;
    }

    if let Some(pending) = audit.pending.as_ref().filter(|p| !p.disagreements.is_empty()) {
        write_disagreements(&mut out, pending)?;
    }
    for category in Category::ALL {
        let entries: Vec<usize> = (0..report.entries.len())
            .filter(|&i| report.entries.category(i) == category && (all || is_notable(report, i)))
            .collect();
        if entries.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(
            out,
            "== {} ({}) ==",
            category.label().to_uppercase(),
            group_digits(entries.len() as u64)
        )?;
        for i in entries {
            let entry = report.entry(i);
            let view = entry_view(report, &entry);
            let who = match (&view.onprem, &view.cloud) {
                (Some(p), Some(c)) => format!(
                    "{} (on-prem line {}) / {} (cloud line {})",
                    p.upn, p.line, c.upn, c.line
                ),
                (Some(p), None) => {
                    format!("{} (on-prem line {})", label(p.upn, p.sam_account_name), p.line)
                }
                (None, Some(c)) => format!("{} (cloud line {})", c.upn, c.line),
                (None, None) => String::new(),
            };
            writeln!(out, "- {who}")?;
            writeln!(out, "    {}", view.reason)?;
            for finding in &view.findings {
                let mark = match finding.severity {
                    Severity::Problem => "problem",
                    Severity::Warning => "warning",
                    Severity::Info => "info",
                };
                writeln!(out, "    {mark}: {}", finding.message)?;
            }
            if let Some(fix) = &view.fix {
                writeln!(out, "    fix: {}", fix.summary)?;
                for line in fix.powershell.lines() {
                    writeln!(out, "      {line}")?;
                }
            }
        }
    }
    if let Some(since) = &audit.since {
        write_since(&mut out, since)?;
    }
    if !audit.unreadable.is_empty() {
        writeln!(out)?;
        writeln!(out, "== UNREADABLE ROWS ({}) ==", group_digits(audit.unreadable.len() as u64))?;
        for reject in &audit.unreadable {
            writeln!(out, "- {}", reject.error)?;
        }
    }
    Ok(())
}

fn label<'a>(upn: &'a str, sam: &'a str) -> &'a str {
    if upn.is_empty() {
        sam
    } else {
        upn
    }
}

fn file_lines<W: io::Write>(out: &mut W, side: &str, file: &FileSummary) -> io::Result<()> {
    writeln!(out, "{}", export_line(side, file))?;
    for warning in &file.warnings {
        writeln!(out, "  warning: {}", warning.message)?;
    }
    Ok(())
}

/// Every user on which Entra Connect's pending exports and the report disagree, both sides.
fn write_disagreements<W: io::Write>(out: &mut W, pending: &CrossCheck) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "== ENTRA CONNECT'S PENDING EXPORTS DISAGREE ({}) ==",
        group_digits(pending.disagreements.len() as u64)
    )?;
    for d in &pending.disagreements {
        let report = d.category.map_or("not in these exports", |c| c.label());
        let connect = match (d.pending, d.line) {
            (Some(op), Some(line)) => format!("{} ({} line {line})", op.label(), pending.file),
            _ => "nothing pending".to_string(),
        };
        writeln!(out, "- {}: report {report}; Entra Connect {connect}", d.user)?;
        writeln!(out, "    {}", d.kind.describe())?;
    }
    Ok(())
}

/// Per category, who was fixed, who is new and who is unchanged since the earlier run.
fn write_since<W: io::Write>(out: &mut W, since: &RunDiff) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "== SINCE {} ==", since.earlier.to_uppercase())?;
    writeln!(out, "{}", since.summary())?;
    for note in &since.notes {
        writeln!(out, "note: {note}")?;
    }
    let category = |c: Option<Category>, none: &'static str| c.map_or(none, |c| c.label());
    for diff in &since.categories {
        writeln!(
            out,
            "{}: {} fixed, {} new, {} unchanged",
            diff.category.label(),
            group_digits(diff.fixed.len() as u64),
            group_digits(diff.new.len() as u64),
            group_digits(diff.unchanged.len() as u64)
        )?;
        for m in &diff.fixed {
            writeln!(out, "  fixed: {} (now {})", m.user, category(m.now, "in neither export"))?;
        }
        for m in &diff.new {
            writeln!(
                out,
                "  new:   {} (was {})",
                m.user,
                category(m.before, "not in the earlier run")
            )?;
        }
        for m in &diff.unchanged {
            writeln!(out, "  still: {}", m.user)?;
        }
    }
    Ok(())
}
