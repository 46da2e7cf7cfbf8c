//! The report as JSON: the shape documented in the README ("JSON report").

use serde::Serialize;

use crate::engine::audit::{Accounting, Audit};
use crate::engine::output::{entry_view, headline, EntryView, Headline};
use crate::engine::report::{Category, Notice};

/// The JSON document. Field names are camelCase; `version` changes when the shape does.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonReport {
    /// The shape's version: 1.
    pub version: u32,
    /// Safe or not, in a sentence.
    pub headline: Headline,
    /// The two files.
    pub files: Files,
    /// The anchor attribute assumed, e.g. "mS-DS-ConsistencyGuid, else objectGUID".
    pub anchor_attribute: String,
    /// Entries per category.
    pub counts: JsonCounts,
    /// Every row accounted for, per file.
    pub accounting: Vec<Accounting>,
    /// One per user or pair.
    pub entries: Vec<EntryView>,
    /// Rows that could not be read.
    pub unreadable: Vec<UnreadableView>,
    /// Run-level notices.
    pub notices: Vec<Notice>,
}

/// Both files' descriptions.
#[derive(Clone, Debug, Serialize)]
pub struct Files {
    /// On-prem.
    pub onprem: FileView,
    /// Cloud.
    pub cloud: FileView,
}

/// What a file was read as.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileView {
    /// File name.
    pub name: String,
    /// Detected source, e.g. "Windows PowerShell 5.1 Get-ADUser export".
    pub source: String,
    /// Encoding label, e.g. "UTF-16LE".
    pub encoding: String,
    /// Size in bytes.
    pub bytes: u64,
    /// File-level warnings.
    pub warnings: Vec<String>,
}

/// Counts per category plus the cross-cutting ones.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonCounts {
    /// Per category, keyed by its kebab-case name.
    pub by_category: std::collections::BTreeMap<Category, u64>,
    /// Entries whose cloud anchor is custom.
    pub custom_anchor: u64,
    /// Entries with a duplicate value.
    pub duplicates: u64,
    /// Entries with a problem-level finding.
    pub with_problems: u64,
    /// Unreadable rows.
    pub unreadable: u64,
}

/// An unreadable row.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnreadableView {
    /// "on-prem" or "cloud".
    pub side: Option<crate::engine::Side>,
    /// Line in the file.
    pub line: Option<u64>,
    /// Column header, when one field is at fault.
    pub column: Option<String>,
    /// The whole message, naming file, line and column.
    pub message: String,
    /// The record's text.
    pub raw: String,
}

/// Builds the JSON document.
pub fn to_json(audit: &Audit) -> JsonReport {
    let counts = audit.report.counts();
    let file = |f: &crate::engine::audit::FileSummary| FileView {
        name: f.info.name.clone(),
        source: f.info.detection.source.describe().to_string(),
        encoding: f.info.encoding.label().to_string(),
        bytes: f.info.bytes,
        warnings: f.warnings.iter().map(|w| w.message.clone()).collect(),
    };
    JsonReport {
        version: 1,
        headline: headline(audit),
        files: Files {
            onprem: file(&audit.onprem),
            cloud: file(&audit.cloud),
        },
        anchor_attribute: audit.report.anchor_attribute.describe(),
        counts: JsonCounts {
            by_category: counts.by_category.iter().copied().collect(),
            custom_anchor: counts.custom_anchor,
            duplicates: counts.duplicates,
            with_problems: counts.with_problems,
            unreadable: audit.unreadable.len() as u64,
        },
        accounting: audit.accounting.to_vec(),
        entries: audit
            .report
            .entries
            .iter()
            .map(|e| entry_view(&audit.report, e))
            .collect(),
        unreadable: audit
            .unreadable
            .iter()
            .map(|r| UnreadableView {
                side: r.error.side,
                line: r.error.position.as_ref().map(|p| p.line),
                column: r.error.position.as_ref().and_then(|p| p.column.clone()),
                message: r.error.to_string(),
                raw: r.raw.clone(),
            })
            .collect(),
        notices: audit.report.notices.clone(),
    }
}
