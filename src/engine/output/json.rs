//! The report as JSON: the shape documented in the README ("JSON report").

use std::io;

use serde::ser::Serializer;
use serde::Serialize;

use crate::engine::audit::{Accounting, Audit};
use crate::engine::output::{entry_view, headline, EntryView, Headline};
use crate::engine::read::Reject;
use crate::engine::report::{Category, Entry, MatchReport, Notice};

/// The JSON document. Field names are camelCase; `version` changes when the shape does.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonReport<'a> {
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
    pub entries: Vec<EntryView<'a>>,
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

/// Writes the JSON document as `serde_json::to_writer_pretty(out, &to_json(audit))` does, byte
/// for byte, without holding every entry's view in memory at once: each is built, written
/// and dropped (at 1M users the whole [`JsonReport`] takes gigabytes).
pub fn write_json<W: io::Write>(audit: &Audit, out: W) -> io::Result<()> {
    let head = Head::of(audit);
    let document = Document {
        version: head.version,
        headline: head.headline,
        files: head.files,
        anchor_attribute: head.anchor_attribute,
        counts: head.counts,
        accounting: &audit.accounting,
        entries: Entries(&audit.report),
        unreadable: Unreadable(&audit.unreadable),
        notices: &audit.report.notices,
    };
    serde_json::to_writer_pretty(out, &document).map_err(io::Error::from)
}

/// [`JsonReport`] with its lists borrowed and their views made while writing. Same fields,
/// same order, same names.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    version: u32,
    headline: Headline,
    files: Files,
    anchor_attribute: String,
    counts: JsonCounts,
    accounting: &'a [Accounting],
    entries: Entries<'a>,
    unreadable: Unreadable<'a>,
    notices: &'a [Notice],
}

struct Entries<'a>(&'a MatchReport);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        serializer.collect_seq(report.entries.iter().map(|e: &Entry| entry_view(report, e)))
    }
}

struct Unreadable<'a>(&'a [Reject]);

impl Serialize for Unreadable<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(unreadable_view))
    }
}

fn unreadable_view(r: &Reject) -> UnreadableView {
    UnreadableView {
        side: r.error.side(),
        line: r.error.position().map(|p| p.line),
        column: r.error.position().and_then(|p| p.column.clone()),
        message: r.error.to_string(),
        raw: r.raw.clone(),
    }
}

/// The document's fields before its lists.
struct Head {
    version: u32,
    headline: Headline,
    files: Files,
    anchor_attribute: String,
    counts: JsonCounts,
}

impl Head {
    fn of(audit: &Audit) -> Head {
        let counts = audit.report.counts();
        let file = |f: &crate::engine::audit::FileSummary| FileView {
            name: f.info.name.clone(),
            source: f.info.detection.kind.describe().to_string(),
            encoding: f.info.encoding.label().to_string(),
            bytes: f.info.bytes,
            warnings: f.warnings.iter().map(|w| w.message.clone()).collect(),
        };
        Head {
            version: 1,
            headline: headline(audit),
            files: Files { onprem: file(&audit.onprem), cloud: file(&audit.cloud) },
            anchor_attribute: audit.report.anchor_attribute.describe(),
            counts: JsonCounts {
                by_category: counts.by_category.iter().copied().collect(),
                custom_anchor: counts.custom_anchor,
                duplicates: counts.duplicates,
                with_problems: counts.with_problems,
                unreadable: audit.unreadable.len() as u64,
            },
        }
    }
}

/// Builds the JSON document.
pub fn to_json(audit: &Audit) -> JsonReport<'_> {
    let head = Head::of(audit);
    JsonReport {
        version: head.version,
        headline: head.headline,
        files: head.files,
        anchor_attribute: head.anchor_attribute,
        counts: head.counts,
        accounting: audit.accounting.to_vec(),
        entries: audit.report.entries.iter().map(|e| entry_view(&audit.report, e)).collect(),
        unreadable: audit.unreadable.iter().map(unreadable_view).collect(),
        notices: audit.report.notices.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::audit::{audit, AuditOptions, Input};
    use crate::engine::sample::{generate, SampleSpec};

    /// The streamed document is the built one, byte for byte.
    #[test]
    fn write_json_writes_what_to_json_serialises() {
        let (onprem, cloud, _) = generate(&SampleSpec::showcase());
        let broken = b"UserPrincipalName,SamAccountName,objectGUID\r\na@x,a,not-a-guid\r\n";
        for onprem in [&onprem[..], &broken[..]] {
            let result = audit(
                Input { name: "onprem.csv", bytes: onprem },
                Input { name: "cloud.csv", bytes: &cloud },
                &AuditOptions::default(),
            );
            let Ok(result) = result else { continue };
            let mut streamed = Vec::new();
            write_json(&result, &mut streamed).unwrap();
            let built = serde_json::to_vec_pretty(&to_json(&result)).unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(built).unwrap());
        }
    }
}
