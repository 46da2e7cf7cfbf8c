//! The run record as lines of text: the head of the text report, the fix script's header and
//! the CSV report's sidecar all say the same.

use crate::engine::audit::{Audit, FileSummary};
use crate::engine::output::{group_digits, headline, shown_counts};
use crate::engine::run_record::{InputFile, RunRecord};

/// "Anchor Audit 0.1.0 (commit …), report made …Z".
pub fn tool_line(record: &RunRecord) -> String {
    match &record.made_at {
        Some(at) => format!("{}, report made {at}", record.tool()),
        None => record.tool(),
    }
}

/// An export: name, what it is, encoding, size and SHA-256.
pub fn export_line(side: &str, file: &FileSummary) -> String {
    format!(
        "{side}: {} ({}, {}, {} bytes, SHA-256 {})",
        file.info.name,
        file.info.detection.kind.describe(),
        file.info.encoding.label(),
        group_digits(file.info.bytes),
        file.info.sha256
    )
}

/// A tenant context file: name, kind, size and SHA-256.
pub fn context_line(file: &InputFile) -> String {
    format!(
        "context: {} ({}, {} bytes, SHA-256 {})",
        file.name,
        file.kind,
        group_digits(file.bytes),
        file.sha256
    )
}

/// The anchor and the tenant switches, a line each.
pub fn settings_lines(audit: &Audit) -> [String; 2] {
    [
        format!("anchor:  {}", audit.report.anchor_attribute.describe()),
        format!("tenant:  {}", audit.record.switches()),
    ]
}

/// The whole record: the build and time, every input, the settings, the verdict and the
/// counts, the row accounting.
pub fn record_lines(audit: &Audit) -> Vec<String> {
    let mut lines = vec![tool_line(&audit.record)];
    lines.push(export_line("on-prem", &audit.onprem));
    lines.push(export_line("cloud  ", &audit.cloud));
    lines.extend(audit.record.context.iter().map(context_line));
    lines.extend(settings_lines(audit));
    lines.push(headline(audit).text);
    let counts = shown_counts(&audit.counts)
        .into_iter()
        .map(|(category, n)| format!("{} {}", category.label(), group_digits(n)))
        .collect::<Vec<_>>();
    lines.push(format!("counts:  {}", counts.join(", ")));
    for a in &audit.accounting {
        lines.push(format!(
            "rows:    {} file {} = {} in report + {} unreadable",
            a.side,
            group_digits(a.records),
            group_digits(a.in_report),
            group_digits(a.unreadable)
        ));
    }
    lines
}
