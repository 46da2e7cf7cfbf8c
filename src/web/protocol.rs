//! The messages between the page and its workers. Each is JSON text (serde) in slot 0 of a
//! `postMessage` array; files and downloads travel beside it as `Blob`s in slots 1 and 2, and the
//! cloud users the second worker (the reader) sends the main worker through the run's
//! `MessageChannel` as transferred `ArrayBuffer`s from slot 1 on (the meta, then each column's
//! buffers), so big bytes are never copied through the page or through JSON.

use serde::{Deserialize, Serialize};

use crate::engine::audit::{Accounting, AuditOptions, FileSummary, Stage};
use crate::engine::compare::{Moved, RunDiff};
use crate::engine::error::{Error, Side};
use crate::engine::pending::CrossCheck;
use crate::engine::report::{Category, Notice, Severity};
use crate::engine::view::{Query, RowSummary};

/// What the page asks of the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Read the two files (Blobs 1 = on-prem, 2 = cloud) and audit them.
    Run {
        /// The run's number, echoed in its progress and result.
        run: u32,
        /// File names, for messages: on-prem, cloud.
        names: [String; 2],
        /// The admin's choices.
        options: AuditOptions,
        /// The reader worker reads the cloud file meanwhile: read the on-prem file, then wait
        /// for [`ToWorker::CloudHalf`] through the `MessagePort` in slot 3 (or for
        /// [`ToWorker::ReadCloudHere`]). The cloud Blob still comes, to tell swapped files and to
        /// find its headers after an error.
        parallel: bool,
        /// The tenant context files' names: their Blobs follow the two exports'.
        #[serde(default)]
        context: Vec<String>,
        /// An earlier run's JSON report to compare this one with: its Blob follows the
        /// context files'.
        #[serde(default)]
        earlier: Option<String>,
        /// Entra Connect's pending exports to check this run against: its Blob follows the
        /// earlier report's (or the context files', without one).
        #[serde(default)]
        pending: Option<String>,
    },
    /// To the reader worker: read Blob 1 as the cloud file, send [`ToWorker::CloudHalf`]
    /// through the `MessagePort` in slot 2 (the main worker holds the other end), and close.
    Read {
        /// The run's number.
        run: u32,
        /// The file's name, for messages.
        name: String,
        /// The admin's choices (the cloud columns, the size limit).
        options: AuditOptions,
    },
    /// From the reader, through the run's channel: the cloud file's users, as [`CloudBuffers`]
    /// from slot 1 on (the meta, then the column buffers), or why the file could not be read.
    ///
    /// [`CloudBuffers`]: crate::engine::audit::CloudBuffers
    CloudHalf {
        /// The run's number.
        run: u32,
        /// The reader's error, if it could not read the file (then no buffers come).
        error: Option<Error>,
    },
    /// The reader worker could not be started: read the cloud file here after all.
    ReadCloudHere {
        /// The run's number.
        run: u32,
    },
    /// Rows `offset..offset + limit` of the entries `query` selects.
    Rows {
        /// Which entries, in which order.
        query: Query,
        /// First row wanted.
        offset: u32,
        /// How many rows.
        limit: u32,
        /// Echoed back, so stale answers can be told from current ones.
        seq: u32,
    },
    /// Everything about one entry, for the detail panel.
    Detail {
        /// The entry's index in the report.
        entry: u32,
    },
    /// Build a download (answered with a Blob in slot 1).
    Download(DownloadKind),
    /// Generate the showcase sample: the pair and its tenant context files (answered with their
    /// Blobs).
    Sample,
}

/// The files the page can download.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DownloadKind {
    /// The report as CSV (UTF-8 with BOM).
    Csv,
    /// The report as JSON.
    Json,
    /// The fix script (.ps1).
    Script,
    /// The printable report: one standalone HTML page to print or save as PDF.
    Html,
    /// One side's unreadable rows, in its file's shape, to correct and load again.
    Unreadable(Side),
}

impl DownloadKind {
    /// The file name offered to the browser.
    pub fn file_name(self) -> &'static str {
        match self {
            DownloadKind::Csv => "anchor-audit-report.csv",
            DownloadKind::Json => "anchor-audit-report.json",
            DownloadKind::Script => "anchor-audit-fix.ps1",
            DownloadKind::Html => "anchor-audit-report.html",
            DownloadKind::Unreadable(Side::OnPrem) => "onprem-unreadable-rows.csv",
            DownloadKind::Unreadable(Side::Cloud) => "cloud-unreadable-rows.csv",
        }
    }

    /// The MIME type of the Blob.
    pub fn mime(self) -> &'static str {
        match self {
            DownloadKind::Json => "application/json",
            DownloadKind::Script => "text/plain;charset=utf-8",
            DownloadKind::Html => "text/html;charset=utf-8",
            _ => "text/csv;charset=utf-8",
        }
    }
}

/// What the worker tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker has started and listens.
    Ready,
    /// How far the run is.
    Progress {
        /// The run's number.
        run: u32,
        /// Which stage.
        stage: Stage,
        /// Bytes of the current file done.
        done: u64,
        /// Bytes of the current file.
        total: u64,
    },
    /// The run's files are near what the tab can hold (sent as it starts).
    MemoryWarning {
        /// The run's number.
        run: u32,
        /// What to tell the admin.
        message: String,
    },
    /// The run finished; the report stays in the worker.
    Done {
        /// The run's number.
        run: u32,
        /// Its numbers.
        overview: Box<Overview>,
        /// Why an optional file (the earlier report, the pending exports) could not be used
        /// with it (the report stands).
        #[serde(default)]
        input_error: Option<Error>,
    },
    /// The run failed.
    Failed {
        /// The run's number.
        run: u32,
        /// Why.
        error: Error,
        /// Each file's header names (on-prem, cloud), when they could be read, for the
        /// column-mapping control.
        headers: [Vec<String>; 2],
    },
    /// A window of rows.
    Rows {
        /// The page's `seq`.
        seq: u32,
        /// Rows the query selects in all.
        total: u32,
        /// The first row's position.
        offset: u32,
        /// The rows.
        rows: Vec<RowSummary>,
    },
    /// One entry in full.
    Detail(Box<Detail>),
    /// A download's Blob is in slot 1.
    Download(DownloadKind),
    /// The sample's Blobs, in the order of `names`: the pair (on-prem, cloud), then its tenant
    /// context files.
    Sample {
        /// File names.
        names: Vec<String>,
        /// Sizes in bytes.
        sizes: Vec<u64>,
    },
    /// The worker panicked; it must be replaced.
    Panic(String),
    /// The worker stopped without a panic: its wasm trapped, out of memory as a rule (a failed
    /// allocation aborts, and abort is a trap, which no panic hook sees). Never sent by a
    /// worker: the page's bridge makes it from the worker's `error` event. The worker must be
    /// replaced.
    Stopped(String),
}

/// Everything the page shows about a finished run, without its rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// Nothing needs attention.
    pub safe: bool,
    /// The one-line verdict.
    pub headline: String,
    /// The two files.
    pub files: [FileSummary; 2],
    /// Entries per category, in [`Category::ALL`] order, as the report shows them
    /// ([`shown_counts`](crate::engine::output::shown_counts)).
    pub counts: Vec<(Category, u64)>,
    /// Entries with a custom cloud anchor.
    pub custom_anchor: u64,
    /// Entries involving a duplicate value.
    pub duplicates: u64,
    /// Entries in all.
    pub entries: u64,
    /// Rows per file: read = in report + unreadable.
    pub accounting: [Accounting; 2],
    /// Notes about the whole run.
    pub notices: Vec<Notice>,
    /// The anchor attribute used, in words.
    pub anchor_attribute: String,
    /// The first [`UNREADABLE_SHOWN`] unreadable rows' errors (all are in the download).
    pub unreadable: Vec<Error>,
    /// This run beside the earlier report, when one was given and could be compared.
    #[serde(default)]
    pub since: Option<SinceView>,
    /// The prediction beside Entra Connect's pending exports, when they were given.
    #[serde(default)]
    pub pending: Option<PendingView>,
}

/// The prediction beside Entra Connect's pending exports, as the page shows it: the first
/// [`DISAGREEMENTS_SHOWN`] disagreements (the JSON report has them all).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingView {
    /// "Entra Connect's own pending exports (x.xml) disagree for 2 users; they agree for 2."
    pub summary: String,
    /// Disagreements in all.
    pub total: u64,
    /// The first of them: (user, its entry, the report's category, Connect's operation with
    /// its line, what it means).
    pub shown: Vec<DisagreementRow>,
}

/// One disagreement, as the page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DisagreementRow {
    /// The UPN, or the anchor.
    pub user: String,
    /// Its entry in the report, to open.
    pub entry: Option<u32>,
    /// The report's category ("not in these exports" when it has none).
    pub report: String,
    /// Connect's pending operation and its line ("add (line 60)", or "nothing pending").
    pub connect: String,
    /// What the difference means.
    pub meaning: String,
}

/// How many disagreements the page lists.
pub const DISAGREEMENTS_SHOWN: usize = 200;

impl PendingView {
    /// The page's view of a cross-check.
    pub fn of(check: &CrossCheck) -> PendingView {
        PendingView {
            summary: check.summary(),
            total: check.disagreements.len() as u64,
            shown: check
                .disagreements
                .iter()
                .take(DISAGREEMENTS_SHOWN)
                .map(|d| DisagreementRow {
                    user: d.user.clone(),
                    entry: d.entry,
                    report: d.category.map_or("not in these exports", |c| c.label()).to_string(),
                    connect: match (d.pending, d.line) {
                        (Some(op), Some(line)) => format!("{} (line {line})", op.label()),
                        _ => "nothing pending".to_string(),
                    },
                    meaning: d.kind.describe().to_string(),
                })
                .collect(),
        }
    }
}

/// This run beside an earlier report, as the page shows it: a [`RunDiff`] with each list cut
/// to its first [`SINCE_SHOWN`] users (the JSON report has them all).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SinceView {
    /// The verdict's line ("Since earlier.json (made …): 7 fixed, 1 new, 6 still to fix.").
    pub summary: String,
    /// What makes the comparison less than exact.
    pub notes: Vec<String>,
    /// The categories that need attention, each with anyone in it then or now.
    pub categories: Vec<SinceCategory>,
}

/// One category's change, for [`SinceView`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SinceCategory {
    /// The category.
    pub category: Category,
    /// In it then and not now.
    pub fixed: SinceList,
    /// In it now and not then.
    pub new: SinceList,
    /// In it both times.
    pub unchanged: SinceList,
}

/// Some of a list of users: how many it has, and the first of them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SinceList {
    /// Users in the whole list.
    pub total: u64,
    /// Its first [`SINCE_SHOWN`] users.
    pub users: Vec<Moved>,
}

/// How many users of each since-list the page lists.
pub const SINCE_SHOWN: usize = 50;

impl SinceView {
    /// The page's view of `diff`.
    pub fn of(diff: &RunDiff) -> SinceView {
        let list = |users: &[Moved]| SinceList {
            total: users.len() as u64,
            users: users.iter().take(SINCE_SHOWN).cloned().collect(),
        };
        SinceView {
            summary: diff.summary(),
            notes: diff.notes.clone(),
            categories: diff
                .categories
                .iter()
                .map(|c| SinceCategory {
                    category: c.category,
                    fixed: list(&c.fixed),
                    new: list(&c.new),
                    unchanged: list(&c.unchanged),
                })
                .collect(),
        }
    }
}

/// How many unreadable rows the page lists (the download has them all).
pub const UNREADABLE_SHOWN: usize = 100;

/// One entry as the detail panel shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Detail {
    /// The entry's index.
    pub entry: u32,
    /// Its category.
    pub category: Option<Category>,
    /// (label, on-prem value) pairs; empty when there is no on-prem row.
    pub onprem: Vec<(String, String)>,
    /// (label, cloud value) pairs; empty when there is no cloud row.
    pub cloud: Vec<(String, String)>,
    /// The anchor Entra Connect will compute.
    pub anchor: Option<String>,
    /// What the cloud ImmutableID is made of.
    pub anchor_class: Option<String>,
    /// What that means.
    pub anchor_explain: Option<String>,
    /// Why this verdict, in plain language.
    pub reason: String,
    /// (severity, message), most severe first.
    pub findings: Vec<(Severity, String)>,
    /// What the fix does.
    pub fix_summary: Option<String>,
    /// The PowerShell to run (review first).
    pub fix_powershell: Option<String>,
}
