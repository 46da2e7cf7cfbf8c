//! The report as JSON: the shape documented in the README ("JSON report").

use std::io;
use std::ops::Range;

use serde::ser::Serializer;
use serde::Serialize;

use crate::engine::audit::{Accounting, Audit};
use crate::engine::compare::RunDiff;
use crate::engine::concurrent::both;
use crate::engine::output::{entry_view, headline, EntryView, Headline};
use crate::engine::pending::CrossCheck;
use crate::engine::read::Reject;
use crate::engine::report::{Category, MatchReport, Notice};
use crate::engine::run_record::RunRecord;

/// The JSON document's shape version. 2 added `run` (the run record) and each file's
/// `sha256`.
pub const JSON_VERSION: u32 = 2;

/// The JSON document. Field names are camelCase; `version` changes when the shape does.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonReport<'a> {
    /// The shape's version: [`JSON_VERSION`].
    pub version: u32,
    /// The build, the time, the tenant context files and the switches.
    pub run: &'a RunRecord,
    /// Safe or not, in a sentence.
    pub headline: Headline,
    /// This run beside an earlier one, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_earlier: Option<&'a RunDiff>,
    /// The prediction beside Entra Connect's pending exports, when they were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_exports: Option<&'a CrossCheck>,
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
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
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
/// for byte, without holding every entry's view in memory at once: the entries are written a
/// chunk at a time, two chunks at once where there are threads (`concurrent::both`), each entry
/// pretty-printed on its own and indented to its place (at 1M users the whole [`JsonReport`]
/// takes gigabytes, and formatting it is most of `--format json`'s time).
pub fn write_json<W: io::Write>(audit: &Audit, mut out: W) -> io::Result<()> {
    let head = Head::of(audit);
    // The fields before the entries, and those after, each printed with the entries' place
    // held by a mark: the entries are the last field of the one and the first of the other,
    // so where the mark stands is known from the ends alone, whatever the values hold.
    let before = DocumentHead {
        version: head.version,
        run: &audit.record,
        headline: head.headline,
        since_earlier: audit.since.as_ref(),
        pending_exports: audit.pending.as_ref(),
        files: head.files,
        anchor_attribute: head.anchor_attribute,
        counts: head.counts,
        accounting: &audit.accounting,
        entries: EntriesMark,
    };
    let after = DocumentTail {
        entries: EntriesMark,
        unreadable: Unreadable(&audit.unreadable),
        notices: &audit.report.notices,
    };
    let mark = serde_json::to_string(ENTRIES_MARK).map_err(io::Error::from)?;
    let before = serde_json::to_vec_pretty(&before).map_err(io::Error::from)?;
    let after = serde_json::to_vec_pretty(&after).map_err(io::Error::from)?;
    let (head_end, tail_start) = (format!("{mark}\n}}"), format!("{{\n  \"entries\": {mark}"));
    let (Some(before), Some(after)) =
        (before.strip_suffix(head_end.as_bytes()), after.strip_prefix(tail_start.as_bytes()))
    else {
        return Err(io::Error::other("the JSON document lost the place of its entries"));
    };
    out.write_all(before)?;
    write_entries(&audit.report, &mut out)?;
    out.write_all(after)
}

/// Where [`write_json`] writes the entries (any string would do: it is found by its place).
const ENTRIES_MARK: &str = "entries";

/// Entries a chunk: a few megabytes of JSON each.
const CHUNK: usize = 1 << 13;

/// The `entries` array as serde_json's pretty printer writes it at its depth in the document
/// (2): `[]` when empty, else each element on its own lines, indented 4 more spaces.
fn write_entries<W: io::Write>(report: &MatchReport, out: &mut W) -> io::Result<()> {
    if report.entries.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    let chunks: Vec<Range<usize>> = (0..report.entries.len())
        .step_by(CHUNK)
        .map(|start| start..report.entries.len().min(start + CHUNK))
        .collect();
    for pair in chunks.chunks(2) {
        let format =
            |chunk: Option<&Range<usize>>| chunk.map(|c| format_entries(report, c.clone()));
        let (first, second) = both(|| format(pair.first()), || format(pair.get(1)));
        for text in [first, second].into_iter().flatten() {
            out.write_all(&text?)?;
        }
    }
    out.write_all(b"\n  ]")
}

/// Entries as they stand in the array: each after `\n` and its indent (`,` before all but
/// the document's first), their own lines indented to the array's depth.
fn format_entries(report: &MatchReport, entries: Range<usize>) -> io::Result<Vec<u8>> {
    let mut text = Vec::with_capacity(entries.len() * 1024);
    let mut one = Vec::with_capacity(2048);
    for i in entries {
        one.clear();
        serde_json::to_writer_pretty(&mut one, &entry_view(report, &report.entry(i)))
            .map_err(io::Error::from)?;
        text.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
        // A pretty-printed value's only raw newlines are between its lines (strings escape
        // theirs), so indenting after each gives the same bytes as printing it in place.
        for line in one.split_inclusive(|&b| b == b'\n') {
            text.extend_from_slice(line);
            if line.ends_with(b"\n") {
                text.extend_from_slice(b"    ");
            }
        }
    }
    Ok(text)
}

/// [`JsonReport`]'s fields up to the entries, whose place is marked. Same fields, same
/// order, same names.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DocumentHead<'a> {
    version: u32,
    run: &'a RunRecord,
    headline: Headline,
    #[serde(skip_serializing_if = "Option::is_none")]
    since_earlier: Option<&'a RunDiff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending_exports: Option<&'a CrossCheck>,
    files: Files,
    anchor_attribute: String,
    counts: JsonCounts,
    accounting: &'a [Accounting],
    entries: EntriesMark,
}

/// [`JsonReport`]'s fields from the entries on, their lists borrowed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DocumentTail<'a> {
    entries: EntriesMark,
    unreadable: Unreadable<'a>,
    notices: &'a [Notice],
}

/// The entries' place in [`DocumentHead`] and [`DocumentTail`]: [`ENTRIES_MARK`].
struct EntriesMark;

impl Serialize for EntriesMark {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(ENTRIES_MARK)
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
        let counts = &audit.counts;
        let file = |f: &crate::engine::audit::FileSummary| FileView {
            name: f.info.name.clone(),
            source: f.info.detection.kind.describe().to_string(),
            encoding: f.info.encoding.label().to_string(),
            bytes: f.info.bytes,
            sha256: f.info.sha256.clone(),
            warnings: f.warnings.iter().map(|w| w.message.clone()).collect(),
        };
        Head {
            version: JSON_VERSION,
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
        run: &audit.record,
        headline: head.headline,
        since_earlier: audit.since.as_ref(),
        pending_exports: audit.pending.as_ref(),
        files: head.files,
        anchor_attribute: head.anchor_attribute,
        counts: head.counts,
        accounting: audit.accounting.to_vec(),
        entries: audit.report.entries().map(|e| entry_view(&audit.report, &e)).collect(),
        unreadable: audit.unreadable.iter().map(unreadable_view).collect(),
        notices: audit.report.notices.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::audit::{audit, AuditOptions, Input};
    use crate::engine::sample::{generate, SampleSpec};

    /// Asserts it, and gives the number of entries.
    fn assert_streamed_is_built(onprem: &[u8], cloud: &[u8], name: &str) -> usize {
        let result = audit(
            Input { name: "onprem.csv", bytes: onprem },
            Input { name: "cloud.csv", bytes: cloud },
            &AuditOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut streamed = Vec::new();
        write_json(&result, &mut streamed).unwrap();
        let built = serde_json::to_vec_pretty(&to_json(&result)).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(built).unwrap(),
            "{name}"
        );
        result.report.entries.len()
    }

    /// The streamed document is the built one, byte for byte: with unreadable rows, with no
    /// entry at all, and with more entries than two chunks (so a pair of chunks is cut short).
    #[test]
    fn write_json_writes_what_to_json_serialises() {
        let (onprem, cloud, _) = generate(&SampleSpec::showcase());
        assert_streamed_is_built(&onprem, &cloud, "showcase");
        let odd = b"UserPrincipalName,SamAccountName,objectGUID,Name\r\n\
                    a@x,a,not-a-guid,x\r\n\
                    b@x,b,35918bc9-196d-40ea-9779-889d79b753f0,\"entries\n\\\"entries\\\"\"\r\n";
        assert_streamed_is_built(odd, &cloud, "unreadable rows, a name like the mark");
        let none = b"UserPrincipalName,SamAccountName,objectGUID\r\na@x,a,not-a-guid\r\n";
        let no_users = b"UserPrincipalName,OnPremisesImmutableId\r\n,x\r\n";
        assert_eq!(assert_streamed_is_built(none, no_users, "no entry"), 0);
        let spec = SampleSpec { users: 2 * CHUNK as u64 + 100, ..SampleSpec::showcase() };
        let (onprem, cloud, _) = generate(&spec);
        assert!(assert_streamed_is_built(&onprem, &cloud, "three chunks") > 2 * CHUNK);
    }
}
