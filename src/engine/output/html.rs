//! The report as one standalone HTML page, laid out for paper and "Save as PDF": the verdict,
//! the chart, the counts, the row accounting, the run record with every input's SHA-256, and
//! every user to act on with its reason and fix. It has no script and makes no request: its
//! Content-Security-Policy allows its inline style and nothing else, and every value from the
//! exports is escaped.

use std::io;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use crate::engine::audit::Audit;
use crate::engine::compare::RunDiff;
use crate::engine::error::Side;
use crate::engine::output::record::{context_line, export_line, settings_lines, tool_line};
use crate::engine::output::{entry_view, group_digits, headline, is_notable, shown_counts};
use crate::engine::output::{EntryView, FindingView};
use crate::engine::pending::CrossCheck;
use crate::engine::report::{Category, Severity};

/// The page's policy: its own `<style>` and `style` attributes, nothing else.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
                      form-action 'none'";

/// Writes the printable report.
pub fn write_html<W: io::Write>(audit: &Audit, mut out: W) -> io::Result<()> {
    let line = headline(audit);
    let made = audit.record.made_at.as_deref().unwrap_or("");
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">")?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(out, "<meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">")?;
    writeln!(out, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")?;
    writeln!(out, "<title>Anchor Audit report {}</title>", text(made))?;
    writeln!(out, "<style>{STYLE}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    writeln!(out, "<header>")?;
    writeln!(out, "<h1>Anchor Audit report</h1>")?;
    writeln!(out, "<p class=\"muted\">{}</p>", text(&tool_line(&audit.record)))?;
    let verdict = if line.safe { "safe" } else { "unsafe" };
    writeln!(out, "<p class=\"verdict {verdict}\" id=\"verdict\">{}</p>", text(&line.text))?;
    if let Some(since) = &audit.since {
        writeln!(out, "<p class=\"since-line\">{}</p>", text(&since.summary()))?;
    }
    if let Some(pending) = &audit.pending {
        writeln!(out, "<p class=\"since-line\">{}</p>", text(&pending.summary()))?;
    }
    writeln!(out, "</header>")?;
    if let Some(pending) = audit.pending.as_ref().filter(|p| !p.disagreements.is_empty()) {
        write_disagreements(pending, &mut out)?;
    }

    write_counts(audit, &mut out)?;
    write_record(audit, &mut out)?;
    if !audit.report.notices.is_empty() {
        writeln!(out, "<section><h2>Notes</h2><ul class=\"notes\">")?;
        for notice in &audit.report.notices {
            let class = severity_key(notice.severity);
            writeln!(
                out,
                "<li class=\"{class}\"><b>{}</b> {}</li>",
                severity_label(notice.severity),
                text(&notice.message)
            )?;
        }
        writeln!(out, "</ul></section>")?;
    }
    if let Some(since) = &audit.since {
        write_since(since, &mut out)?;
    }
    write_users(audit, &mut out)?;
    if !audit.unreadable.is_empty() {
        let n = group_digits(audit.unreadable.len() as u64);
        writeln!(out, "<section class=\"unreadable\"><h2>Unreadable rows ({n})</h2>")?;
        writeln!(
            out,
            "<p class=\"muted\">Each is left out of the report: fix it in its file and run \
             again.</p><ul>"
        )?;
        for reject in &audit.unreadable {
            writeln!(out, "<li class=\"mono\">{}</li>", text(&reject.error.to_string()))?;
        }
        writeln!(out, "</ul></section>")?;
    }
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

/// The counts per category as a table with a bar each, and the row accounting.
fn write_counts<W: io::Write>(audit: &Audit, out: &mut W) -> io::Result<()> {
    let counts = shown_counts(&audit.counts);
    let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    writeln!(out, "<section class=\"overview\">")?;
    writeln!(out, "<div><h2>Users per category</h2><table class=\"counts\"><tbody>")?;
    for (category, n) in &counts {
        // At least a sliver for any non-zero count, so a small category is seen on paper.
        let width = if *n == 0 { 0.0 } else { (*n as f64 / max as f64 * 100.0).max(1.0) };
        writeln!(
            out,
            "<tr data-category=\"{key}\"><th scope=\"row\">{label}</th><td class=\"num\">{n}</td>\
             <td class=\"bar-cell\"><span class=\"bar cat-{key}\" style=\"width: {width:.1}%\">\
             </span></td></tr>",
            key = category.key(),
            label = category.label(),
            n = group_digits(*n),
        )?;
    }
    let c = &audit.counts;
    writeln!(out, "</tbody></table>")?;
    writeln!(
        out,
        "<p class=\"muted\">{} with a custom anchor · {} involving duplicates</p></div>",
        group_digits(c.custom_anchor),
        group_digits(c.duplicates)
    )?;
    writeln!(out, "<div><h2>Every row accounted for</h2><ul>")?;
    for a in &audit.accounting {
        let odd = if a.balanced() { "" } else { " (does not add up: please report this)" };
        writeln!(
            out,
            "<li><b>{}</b>: {} rows read = {} in the report + {} unreadable{odd}</li>",
            if a.side == Side::OnPrem { "On-prem" } else { "Cloud" },
            group_digits(a.records),
            group_digits(a.in_report),
            group_digits(a.unreadable)
        )?;
    }
    writeln!(out, "</ul></div>")?;
    writeln!(out, "</section>")
}

/// The run record: the build and time, every input with its SHA-256, the settings.
fn write_record<W: io::Write>(audit: &Audit, out: &mut W) -> io::Result<()> {
    writeln!(out, "<section class=\"record\"><h2>Run record</h2><ul class=\"mono\">")?;
    let mut lines = vec![tool_line(&audit.record)];
    lines.push(export_line("on-prem", &audit.onprem));
    lines.push(export_line("cloud", &audit.cloud));
    lines.extend(audit.record.context.iter().map(context_line));
    lines.extend(settings_lines(audit));
    for line in lines {
        writeln!(out, "<li>{}</li>", text(&line))?;
    }
    for file in [&audit.onprem, &audit.cloud] {
        for warning in &file.warnings {
            writeln!(out, "<li>{}: {}</li>", text(&file.info.name), text(&warning.message))?;
        }
    }
    writeln!(out, "</ul></section>")
}

/// Every user on which Entra Connect's pending exports and the report disagree, both sides.
fn write_disagreements<W: io::Write>(pending: &CrossCheck, out: &mut W) -> io::Result<()> {
    writeln!(
        out,
        "<section class=\"disagreements\"><h2>Entra Connect disagrees ({})</h2>",
        pending.disagreements.len()
    )?;
    writeln!(
        out,
        "<table class=\"grid\"><thead><tr><th>User</th><th>The report</th><th>Entra Connect \
         ({})</th><th>What it means</th></tr></thead><tbody>",
        text(&pending.file)
    )?;
    for d in &pending.disagreements {
        let connect = match (d.pending, d.line) {
            (Some(op), Some(line)) => format!("{} (line {line})", op.label()),
            _ => "nothing pending".to_string(),
        };
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{connect}</td><td>{}</td></tr>",
            text(&d.user),
            d.category.map_or("not in these exports", |c| c.label()),
            d.kind.describe()
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

/// Per category, how many were fixed, are new and are unchanged since the earlier run, with
/// the fixed and new users named.
fn write_since<W: io::Write>(since: &RunDiff, out: &mut W) -> io::Result<()> {
    writeln!(out, "<section class=\"since\"><h2>Since {}</h2>", text(&since.earlier))?;
    writeln!(out, "<p>{}</p>", text(&since.summary()))?;
    for note in &since.notes {
        writeln!(out, "<p class=\"muted\">{}</p>", text(note))?;
    }
    writeln!(
        out,
        "<table class=\"grid\"><thead><tr><th>Category</th><th class=\"num\">Fixed</th>\
         <th class=\"num\">New</th><th class=\"num\">Unchanged</th><th>Fixed and new users</th>\
         </tr></thead><tbody>"
    )?;
    for diff in &since.categories {
        let names: Vec<String> = diff
            .fixed
            .iter()
            .map(|m| format!("fixed: {}", m.user))
            .chain(diff.new.iter().map(|m| format!("new: {}", m.user)))
            .collect();
        writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"small\">{}</td></tr>",
            diff.category.label(),
            group_digits(diff.fixed.len() as u64),
            group_digits(diff.new.len() as u64),
            group_digits(diff.unchanged.len() as u64),
            text(&names.join(" · "))
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

/// Every user to act on (and every one with a warning), by category, most urgent first.
fn write_users<W: io::Write>(audit: &Audit, out: &mut W) -> io::Result<()> {
    let report = &audit.report;
    let mut by_category: Vec<(Category, Vec<usize>)> =
        Category::ALL.into_iter().map(|c| (c, Vec::new())).collect();
    for i in (0..report.entries.len()).filter(|&i| is_notable(report, i)) {
        let category = report.entries.category(i);
        if let Some((_, list)) = by_category.iter_mut().find(|(c, _)| *c == category) {
            list.push(i);
        }
    }
    by_category.retain(|(_, list)| !list.is_empty());
    if by_category.is_empty() {
        return writeln!(
            out,
            "<section><h2>Users to act on</h2><p>None: every user will hard-match.</p></section>"
        );
    }
    for (category, list) in by_category {
        writeln!(
            out,
            "<section class=\"users\" data-category=\"{}\"><h2><span class=\"swatch cat-{}\">\
             </span>{} ({})</h2>",
            category.key(),
            category.key(),
            capitalised(category.label()),
            group_digits(list.len() as u64)
        )?;
        for i in list {
            let entry = report.entry(i);
            write_user(&entry_view(report, &entry), out)?;
        }
        writeln!(out, "</section>")?;
    }
    Ok(())
}

/// One user: who (both rows, with their lines), why, the findings and the fix.
fn write_user<W: io::Write>(view: &EntryView<'_>, out: &mut W) -> io::Result<()> {
    writeln!(out, "<article class=\"user\">")?;
    let mut who = Vec::new();
    if let Some(p) = &view.onprem {
        let name = if p.upn.is_empty() { p.sam_account_name } else { p.upn };
        who.push(format!(
            "<b>{}</b> <span class=\"muted\">on-prem line {}</span>",
            text(name),
            p.line
        ));
    }
    if let Some(c) = &view.cloud {
        who.push(format!(
            "<b>{}</b> <span class=\"muted\">cloud line {}</span>",
            text(c.upn),
            c.line
        ));
    }
    writeln!(out, "<p class=\"who\">{}</p>", who.join(" / "))?;
    writeln!(out, "<p>{}</p>", text(&view.reason))?;
    if !view.findings.is_empty() {
        writeln!(out, "<ul class=\"findings\">")?;
        for FindingView { severity, message, .. } in &view.findings {
            writeln!(
                out,
                "<li class=\"{}\"><b>{}</b> {}</li>",
                severity_key(*severity),
                severity_label(*severity),
                text(message)
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    if let Some(fix) = &view.fix {
        writeln!(out, "<p class=\"fix\"><b>Fix</b> {}</p>", text(&fix.summary))?;
        if !fix.powershell.is_empty() {
            writeln!(out, "<pre title=\"{}\">{}</pre>", attr("PowerShell"), text(&fix.powershell))?;
        }
    }
    writeln!(out, "</article>")
}

fn severity_key(severity: Severity) -> &'static str {
    match severity {
        Severity::Problem => "problem",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Problem => "Problem",
        Severity::Warning => "Warning",
        Severity::Info => "Info",
    }
}

/// "Hard match blocked" from "hard match blocked".
fn capitalised(label: &str) -> String {
    let mut chars = label.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Screen and paper alike, paper first: A4 with its margins, page numbers in the bottom
/// margin, colours kept for the bars, a user never split across pages.
const STYLE: &str = r#"
@page { size: A4; margin: 16mm 14mm 18mm;
  @bottom-left { content: "Anchor Audit report"; font: 8pt system-ui, sans-serif; color: #666; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt system-ui, sans-serif; color: #666; } }
:root { --c-mismatch: #c62828; --c-hard-match-blocked: #00695c; --c-soft-match-blocked: #283593;
  --c-duplicate-anchor: #ad1457; --c-partner-unreadable: #6d4c41; --c-cloud-orphan: #e65100;
  --c-on-prem-only: #6a1b9a; --c-soft-match: #b28704; --c-hard-match: #2e7d32; --c-cloud-only: #607d8b; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 10pt/1.4 system-ui, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; margin: 0 auto; max-width: 60rem; padding: 1rem; }
@media print { body { padding: 0; max-width: none; } }
h1 { font-size: 18pt; margin: 0 0 0.2rem; }
h2 { font-size: 12.5pt; margin: 1.2rem 0 0.4rem; break-after: avoid; }
.muted { color: #555; }
.small { font-size: 8.5pt; }
.mono, pre { font-family: ui-monospace, "Cascadia Mono", Consolas, monospace; font-size: 8.5pt; }
.verdict { font-size: 13pt; font-weight: 700; padding: 0.5rem 0.75rem; border-radius: 6px; margin: 0.6rem 0 0.2rem; }
.verdict.safe { background: #e6f4ea; color: #1e5e2a; border-left: 5px solid #2e7d32; }
.verdict.unsafe { background: #fdecea; color: #8e1b1b; border-left: 5px solid #c62828; }
.since-line { font-weight: 600; margin: 0.3rem 0; }
.overview { display: grid; grid-template-columns: 1.3fr 1fr; gap: 1.5rem; break-inside: avoid; }
table { border-collapse: collapse; }
.counts th { text-align: left; font-weight: 400; padding: 1px 0.8rem 1px 0; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; padding-right: 0.8rem; }
.bar-cell { width: 14rem; }
.bar { display: block; height: 0.7rem; border-radius: 2px; background: var(--cat); }
.swatch { display: inline-block; width: 0.7rem; height: 0.7rem; border-radius: 2px; background: var(--cat); margin-right: 0.4rem; }
.cat-mismatch { --cat: var(--c-mismatch); } .cat-hard-match-blocked { --cat: var(--c-hard-match-blocked); }
.cat-soft-match-blocked { --cat: var(--c-soft-match-blocked); } .cat-duplicate-anchor { --cat: var(--c-duplicate-anchor); }
.cat-partner-unreadable { --cat: var(--c-partner-unreadable); } .cat-cloud-orphan { --cat: var(--c-cloud-orphan); }
.cat-on-prem-only { --cat: var(--c-on-prem-only); } .cat-soft-match { --cat: var(--c-soft-match); }
.cat-hard-match { --cat: var(--c-hard-match); } .cat-cloud-only { --cat: var(--c-cloud-only); }
.record ul, .unreadable ul { padding-left: 1rem; margin: 0; }
.record li { overflow-wrap: anywhere; }
.notes { list-style: none; padding: 0; margin: 0; }
.notes li, .findings li { margin: 0.15rem 0; padding-left: 0.5rem; border-left: 3px solid #999; overflow-wrap: anywhere; }
li.problem { border-left-color: #c62828; } li.warning { border-left-color: #b28704; }
.grid th, .grid td { border-bottom: 1px solid #ccc; padding: 2px 0.6rem 2px 0; text-align: left; vertical-align: top; }
.user { break-inside: avoid; border-top: 1px solid #ddd; padding: 0.35rem 0; }
.user p { margin: 0.15rem 0; }
.who { overflow-wrap: anywhere; }
.findings { list-style: none; padding: 0; margin: 0.2rem 0; }
pre { background: #f4f4f4; border: 1px solid #ddd; border-radius: 4px; padding: 0.3rem 0.5rem; margin: 0.2rem 0; white-space: pre-wrap; overflow-wrap: anywhere; }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::audit::{audit, AuditOptions, Input};

    fn html_of(onprem: &str, cloud: &str) -> String {
        let audit = audit(
            Input { name: "onprem.csv", bytes: onprem.as_bytes() },
            Input { name: "cloud.csv", bytes: cloud.as_bytes() },
            &AuditOptions::default(),
        )
        .unwrap();
        let mut out = Vec::new();
        write_html(&audit, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    const ONPREM: &str = "UserPrincipalName,SamAccountName,Name,objectGUID,mail\n\
        a@contoso.com,a,Ada,35918bc9-196d-40ea-9779-889d79b753f0,\n\
        b@contoso.com,b,\"<script>alert(1)</script>\",fcc7e67f-fec6-4a65-b821-2f40a292d185,\n\
        c@contoso.com,c,Cy,0e7f55e4-9361-4b1a-bf4b-a9f47478c356,\n";
    const CLOUD: &str = "UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled\n\
        a@contoso.com,yYuRNW0Z6kCXeYidebdT8A==,True\n\
        b@contoso.com,00ub0oNGTSWTBKOLGLNR,True\n\
        \"x<img src=x onerror=alert(1)>@contoso.com\",00ub0oNGTSWTBKOLGLNX,True\n";

    #[test]
    fn values_from_the_exports_are_escaped_and_the_page_runs_no_script() {
        let html = html_of(ONPREM, CLOUD);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("x&lt;img src=x onerror=alert(1)&gt;@contoso.com"), "{html}");
        let policy = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">");
        assert!(html.contains(&policy));
        assert!(POLICY.starts_with("default-src 'none';") && !POLICY.contains("script-src"));
    }

    #[test]
    fn every_user_to_act_on_is_listed_under_its_category_with_its_fix() {
        let html = html_of(ONPREM, CLOUD);
        let section = |key: &str| {
            let at = html.find(&format!("<section class=\"users\" data-category=\"{key}\">"));
            let start = at.unwrap_or_else(|| panic!("no {key} section in {html}"));
            let end = html[start..].find("</section>").unwrap() + start;
            html[start..end].to_string()
        };
        let mismatch = section("mismatch");
        assert!(
            mismatch.contains("<h2><span class=\"swatch cat-mismatch\"></span>Mismatch (1)</h2>")
        );
        assert!(
            mismatch.contains("<b>b@contoso.com</b> <span class=\"muted\">on-prem line 3</span>")
        );
        assert!(mismatch.contains("<p class=\"fix\"><b>Fix</b> "), "{mismatch}");
        assert!(
            mismatch.contains("-OnPremisesImmutableId 'f+bH/Mb+ZUq4IS9AopLRhQ=='"),
            "{mismatch}"
        );
        assert!(section("on-prem-only").contains("<b>c@contoso.com</b>"));
        assert!(section("cloud-orphan")
            .contains("@contoso.com</b> <span class=\"muted\">cloud line 4</span>"));
        // A clean hard match is counted, not listed.
        assert!(!html.contains("data-category=\"hard-match\"><h2>"));
        assert!(html.contains("<tr data-category=\"hard-match\"><th scope=\"row\">hard match</th><td class=\"num\">1</td>"));
    }
}
