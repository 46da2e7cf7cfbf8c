//! The whole run: read both exports, turn rows into users, match them, and account for every row.
//!
//! ```
//! use anchor_audit::engine::audit::{audit, AuditOptions, Input};
//! use anchor_audit::engine::report::Category;
//!
//! let onprem = "UserPrincipalName,Name,SamAccountName,objectGUID\n\
//!               ada@contoso.com,Ada,ada,35918bc9-196d-40ea-9779-889d79b753f0\n";
//! let cloud = "UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled\n\
//!              ada@contoso.com,yYuRNW0Z6kCXeYidebdT8A==,True\n";
//! let result = audit(
//!     Input { name: "onprem.csv", bytes: onprem.as_bytes() },
//!     Input { name: "cloud.csv", bytes: cloud.as_bytes() },
//!     &AuditOptions::default(),
//! )
//! .unwrap();
//! assert_eq!(result.report.counts().get(Category::HardMatch), 1);
//! assert!(result.accounting.iter().all(|a| a.balanced()));
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use crate::engine::anchor::AnchorClass;
use crate::engine::compare::RunDiff;
use crate::engine::error::{Error, ErrorKind, Side};
use crate::engine::join::{classify_cloud_anchors, match_classified, MatchOptions};
use crate::engine::model::AnchorAttribute;
use crate::engine::pending::CrossCheck;
use crate::engine::read::{
    read_bytes_into, read_table_into, ChunkSink, Field, FileInfo, Progress, ReadOptions, Reject,
    RowCount, RowSink, Table, Warning, AD_EXPORT,
};
use crate::engine::report::{Category, Counts, MatchReport, Notice, Severity, Verdict};
use crate::engine::run_record::RunRecord;
use crate::engine::users::{CloudBuilder, CloudUsers, OnPremBuilder, OnPremUsers};

mod run;
mod tab_fit;
mod transfer;
use run::OnPremHalf;
pub use run::{CloudReader, Ready, Run, RunEvent, RunStep};
pub use tab_fit::{tab_fit, FileSize, TabFit, TAB_MEMORY};
pub use transfer::CloudBuffers;

/// One export handed to [`audit`].
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// The file's name, for messages.
    pub name: &'a str,
    /// Its bytes, as read from disk.
    pub bytes: &'a [u8],
}

/// Where an export's bytes come from. The audit loads each file only when it reaches it and
/// drops its bytes once they are read, so a caller that reads from disk (the browser worker)
/// never holds both files, nor either file beside the matcher's users.
pub trait Source {
    /// The file's name, for messages.
    fn name(&self) -> &str;
    /// The file's bytes; `progress` is called as they load and cancels when it returns `false`.
    fn load(&mut self, progress: &mut dyn FnMut(Progress) -> bool) -> Result<Cow<'_, [u8]>, Error>;

    /// The file's size in bytes, when it is known without reading the file. A source that
    /// tells it is read as a stream, with [`Source::read_chunks`], and never held whole; one
    /// that does not (the default) is [`Source::load`]ed.
    fn size(&self) -> Option<u64> {
        None
    }

    /// Hands the file's bytes to `sink` from the start, a chunk at a time and in order (the
    /// reader's progress reports and cancelling come through it, not here). It may be called a
    /// second time, to read the file again from its start. The default hands over what
    /// [`Source::load`] gives, in one chunk.
    fn read_chunks(&mut self, sink: &mut ChunkSink<'_>) -> Result<(), Error> {
        sink(&self.load(&mut |_| true)?)
    }
}

impl Source for Input<'_> {
    fn name(&self) -> &str {
        self.name
    }

    fn load(&mut self, _: &mut dyn FnMut(Progress) -> bool) -> Result<Cow<'_, [u8]>, Error> {
        Ok(Cow::Borrowed(self.bytes))
    }
}

/// Everything the caller can choose.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditOptions {
    /// The anchor attribute and tenant switches.
    pub matching: MatchOptions,
    /// Column choices for the on-prem file (field → header name).
    pub onprem_columns: BTreeMap<Field, String>,
    /// Column choices for the cloud file.
    pub cloud_columns: BTreeMap<Field, String>,
    /// Refuse files larger than this many bytes.
    pub max_bytes: Option<u64>,
}

/// What was read from one file, beside its users.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    /// Which side.
    pub side: Side,
    /// Name, encoding, format, detected source.
    pub info: FileInfo,
    /// The headers as in the file.
    pub headers: Vec<String>,
    /// Notes about the whole file.
    pub warnings: Vec<Warning>,
}

/// How one file's rows are accounted for: every data record read is either in an entry of the
/// report or in the unreadable list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accounting {
    /// Which side.
    pub side: Side,
    /// Data records in the file.
    pub records: u64,
    /// Records that are users in the report.
    pub in_report: u64,
    /// Records that could not be read (see [`Audit::unreadable`]).
    pub unreadable: u64,
}

impl Accounting {
    /// Whether every record is accounted for exactly once.
    pub fn balanced(&self) -> bool {
        self.records == self.in_report + self.unreadable
    }
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Audit {
    /// The on-prem file.
    pub onprem: FileSummary,
    /// The cloud file.
    pub cloud: FileSummary,
    /// The verdicts.
    pub report: MatchReport,
    /// The report's counts ([`MatchReport::counts`]), made once.
    pub counts: Counts,
    /// Every record that could not be read, on-prem first, each in file order.
    pub unreadable: Vec<Reject>,
    /// On-prem, then cloud.
    pub accounting: [Accounting; 2],
    /// The build, the time, the tenant context files and the switches: what the outputs
    /// record of the run. The caller stamps the time and adds the context files.
    pub record: RunRecord,
    /// This run beside an earlier one, when the caller gave one to compare with.
    pub since: Option<RunDiff>,
    /// The prediction beside Entra Connect's own pending exports, when the caller gave them.
    pub pending: Option<CrossCheck>,
}

/// A stage of the run, for progress reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Loading the on-prem file's bytes, for a source that is loaded whole (one that streams
    /// reports only [`Stage::ReadingOnPrem`]).
    LoadingOnPrem,
    /// Loading the cloud file's bytes.
    LoadingCloud,
    /// Reading the on-prem file.
    ReadingOnPrem,
    /// Reading the cloud file.
    ReadingCloud,
    /// Matching.
    Matching,
}

/// Reads both exports and matches them.
pub fn audit(onprem: Input, cloud: Input, options: &AuditOptions) -> Result<Audit, Error> {
    audit_with_progress(onprem, cloud, options, &mut |_, _| true)
}

/// [`audit`], calling `progress` as it reads; returning `false` from it cancels the run.
pub fn audit_with_progress(
    mut onprem: Input,
    mut cloud: Input,
    options: &AuditOptions,
    progress: &mut dyn FnMut(Stage, Progress) -> bool,
) -> Result<Audit, Error> {
    audit_sources(&mut onprem, &mut cloud, options, progress)
}

/// [`audit_with_progress`] from two [`Source`]s, each loaded when its turn comes.
///
/// The run's steps on one thread: a [`Run`] decides them, and whoever reads the files in
/// parallel (the CLI's second thread, the browser's reader worker) gets the same result by
/// driving a [`Run`] with the same reads.
pub fn audit_sources(
    onprem: &mut dyn Source,
    cloud: &mut dyn Source,
    options: &AuditOptions,
    progress: &mut dyn FnMut(Stage, Progress) -> bool,
) -> Result<Audit, Error> {
    let mut run = Run::new(CloudReader::Driver);
    let first = run.on(RunEvent::OnPremRead(Box::new(read_onprem(onprem, options, progress))));
    let ready = run.complete(first, |step| match step {
        RunStep::ReadCloudForNoSlot => {
            let count = RowCount::default();
            let table = read_source(cloud, None, options, progress, count);
            RunEvent::CloudReadForNoSlot(Box::new(table))
        }
        // The cloud file is read here, whether asked for or waited for.
        _ => RunEvent::CloudRead(Box::new(read_cloud(cloud, options, progress))),
    })?;
    ready.finish(options, progress)
}

/// Reads the on-prem slot's file straight into its users: [`read_source`] into an
/// [`OnPremBuilder`], for [`RunEvent::OnPremRead`].
pub fn read_onprem(
    source: &mut dyn Source,
    options: &AuditOptions,
    progress: &mut dyn FnMut(Stage, Progress) -> bool,
) -> Result<Table<OnPremBuilder>, Error> {
    let users = OnPremBuilder::new(&options.matching.anchor, source.name());
    read_source(source, Some(Side::OnPrem), options, progress, users)
}

/// Reads the cloud slot's file straight into its users: [`read_source`] into a
/// [`CloudBuilder`], then [`cloud_half`].
pub fn read_cloud(
    source: &mut dyn Source,
    options: &AuditOptions,
    progress: &mut dyn FnMut(Stage, Progress) -> bool,
) -> Result<CloudHalf, Error> {
    let users = CloudBuilder::new(source.name());
    read_source(source, Some(Side::Cloud), options, progress, users).map(cloud_half)
}

/// Loads a source and reads it as the file in the `slot` given (`None`: the cloud slot's file
/// read for no slot, to tell whether the two files were swapped, see [`RunStep::ReadCloudForNoSlot`]), each
/// row handed to `sink` as it is read.
pub fn read_source<S: RowSink>(
    source: &mut dyn Source,
    slot: Option<Side>,
    options: &AuditOptions,
    progress: &mut dyn FnMut(Stage, Progress) -> bool,
    sink: S,
) -> Result<Table<S>, Error> {
    let side = slot.unwrap_or(Side::Cloud);
    let loading = match side {
        Side::OnPrem => Stage::LoadingOnPrem,
        Side::Cloud => Stage::LoadingCloud,
    };
    let (read_options, reading) = read_options(source.name(), slot, options);
    // A source that can stream is never held whole: the file goes from chunks to rows.
    if let Some(size) = source.size() {
        let mut read_chunks = |sink: &mut ChunkSink<'_>| source.read_chunks(sink);
        let mut progress = |p| progress(reading, p);
        return read_table_into(size, &mut read_chunks, &read_options, &mut progress, sink)
            .map_err(|e| e.or_side(Some(side)));
    }
    let bytes = source.load(&mut |p| progress(loading, p)).map_err(|e| e.or_side(Some(side)))?;
    read_bytes_into(&bytes, &read_options, &mut |p| progress(reading, p), sink)
}

/// How to read the file `name` given in `slot` (as [`read_source`] does), and the stage its
/// reading reports: for a caller that reads the file itself, with a [`TableReader`] (whose
/// errors name the slot's side, as [`read_source`]'s do).
///
/// [`TableReader`]: crate::engine::read::TableReader
pub fn read_options(
    name: &str,
    slot: Option<Side>,
    options: &AuditOptions,
) -> (ReadOptions, Stage) {
    let (reading, columns) = match slot.unwrap_or(Side::Cloud) {
        Side::OnPrem => (Stage::ReadingOnPrem, &options.onprem_columns),
        Side::Cloud => (Stage::ReadingCloud, &options.cloud_columns),
    };
    let read_options = ReadOptions {
        file_name: name.to_string(),
        side: slot,
        columns: columns.clone(),
        max_bytes: options.max_bytes,
        defer_digest: false,
    };
    (read_options, reading)
}

/// The cloud file read straight into users, ready to be matched: what [`RunEvent::CloudRead`] hands over. The
/// cloud anchors are classified here, so that whoever reads the cloud file does it beside the
/// on-prem half (the browser's reader worker, then [`CloudHalf::into_buffers`]; the CLI's second
/// thread).
#[derive(Debug)]
pub struct CloudHalf {
    /// The table, with only how many rows it had.
    table: Table<RowCount>,
    /// Its users, or why they could not be stored.
    users: Result<CloudUsers, Error>,
    /// The rows that could not be users.
    rejects: Vec<Reject>,
    /// Each user's anchor, classified.
    classes: Vec<AnchorClass>,
}

/// The cloud table (read for the cloud slot, into its users) as a [`CloudHalf`].
pub fn cloud_half(table: Table<CloudBuilder>) -> CloudHalf {
    let (table, users) = table.take_rows();
    let (users, rejects, classes) = match users.finish() {
        Ok((users, rejects)) => {
            let classes = classify_cloud_anchors(&users);
            (Ok(users), rejects, classes)
        }
        Err(error) => (Err(error), Vec::new(), Vec::new()),
    };
    CloudHalf { table, users, rejects, classes }
}

/// The second half of a run: the cloud file's users (read for the cloud slot) matched against
/// the on-prem users. The cloud file's errors come first, then the on-prem users' own.
fn finish(
    half: OnPremHalf,
    cloud: Result<CloudHalf, Error>,
    options: &AuditOptions,
    progress: &mut dyn FnMut(Stage, Progress) -> bool,
) -> Result<Audit, Error> {
    let OnPremHalf { table: onprem_table, converted: onprem_converted } = half;
    let anchor = &options.matching.anchor;
    let CloudHalf { table: cloud_table, users: cloud_users, rejects: cloud_rejects, classes } =
        cloud?;
    let cloud_users = cloud_users?;
    let done = Progress { bytes_done: 0, bytes_total: 0, records: 0 };
    if !progress(Stage::Matching, done) {
        return Err(Error::new(ErrorKind::Cancelled));
    }
    let (onprem_users, onprem_rejects) = onprem_converted?;
    let mut report = match_classified(onprem_users, cloud_users, classes, &options.matching);
    report.notices.extend(missing_column_notices(&onprem_table, &cloud_table, anchor));
    let has_own_column = onprem_table.columns.get(Field::ImmutableId).is_some();
    if has_own_column
        && !report.onprem_users.is_empty()
        && report.onprem_users.iter().all(|u| u.file_immutable_id().is_none())
    {
        report.notices.push(Notice {
            severity: Severity::Info,
            message: "The on-prem export's ImmutableID column is empty in every row, as the \
                      migration tutorial's command gives when run as published (its \
                      `(GUID).tobytearray()` should read `($_.objectGUID).ToByteArray()`). \
                      Nothing is lost: the anchors here are computed from objectGUID."
                .into(),
        });
    }
    report.notices.sort_by_key(|n| std::cmp::Reverse(n.severity));
    let mut unreadable = Vec::new();
    let mut accounting = Vec::with_capacity(2);
    for (side, table, rejects) in
        [(Side::OnPrem, &onprem_table, onprem_rejects), (Side::Cloud, &cloud_table, cloud_rejects)]
    {
        let mut all: Vec<Reject> = table.rejects.iter().cloned().chain(rejects).collect();
        all.sort_by_key(|r| r.error.position().map_or(0, |p| p.record));
        accounting.push(Accounting {
            side,
            records: (table.rows.len() + table.rejects.len()) as u64,
            in_report: 0,
            unreadable: all.len() as u64,
        });
        unreadable.extend(all);
    }
    mark_unreadable_partners(&mut report, &unreadable);
    // Counted once, the verdicts final: every writer and the page read these.
    let counts = report.counts();
    accounting[0].in_report = counts.onprem_rows;
    accounting[1].in_report = counts.cloud_rows;
    Ok(Audit {
        onprem: summary(Side::OnPrem, onprem_table),
        cloud: summary(Side::Cloud, cloud_table),
        report,
        counts,
        unreadable,
        accounting: [accounting[0], accounting[1]],
        record: RunRecord::new(&options.matching),
        since: None,
        pending: None,
    })
}

/// A cloud orphan or cloud-only user whose on-prem row is unreadable (or an on-prem-only user
/// whose cloud row is) is not what it seems: its verdict waits for that row to be fixed. The
/// unreadable rows' text is searched for the user's UPN, primary SMTP address and anchor.
fn mark_unreadable_partners(report: &mut MatchReport, unreadable: &[Reject]) {
    if unreadable.is_empty() {
        return;
    }
    let mut tokens: [HashMap<String, u64>; 2] = [HashMap::default(), HashMap::default()];
    for reject in unreadable {
        let (Some(side), Some(position)) = (reject.error.side(), reject.error.position()) else {
            continue;
        };
        let slot = &mut tokens[usize::from(side == Side::Cloud)];
        let pieces = reject
            .raw
            .split(|c: char| matches!(c, ',' | ';' | '\t' | '"' | '\'') || c.is_whitespace());
        for piece in pieces.filter(|p| !p.is_empty()) {
            slot.entry(piece.to_lowercase()).or_insert(position.line);
        }
    }
    let [onprem_tokens, cloud_tokens] = tokens;
    let find = |tokens: &HashMap<String, u64>, keys: [Option<String>; 3]| {
        keys.into_iter()
            .flatten()
            .filter(|k| !k.is_empty())
            .find_map(|k| tokens.get(&k.to_lowercase()).copied())
    };
    let mut unreadable_partners = Vec::new();
    for i in 0..report.entries.len() {
        let alone = [Category::CloudOrphan, Category::CloudOnly, Category::OnPremOnly];
        if !alone.contains(&report.entries.category(i)) {
            continue;
        }
        let entry = report.entry(i);
        let (onprem_users, cloud_users) = (&report.onprem_users, &report.cloud_users);
        let found = match (&entry.verdict, entry.onprem, entry.cloud) {
            (Verdict::CloudOrphan | Verdict::CloudOnly, None, Some(c)) => {
                let c = cloud_users.get(c as usize);
                let keys = [
                    Some(c.upn().to_string()),
                    c.primary_smtp().map(Cow::into_owned),
                    Some(c.immutable_id().to_string()),
                ];
                find(&onprem_tokens, keys).map(|line| (Side::OnPrem, line))
            }
            (Verdict::OnPremOnly, Some(i), None) => {
                let p = onprem_users.get(i as usize);
                let keys = [
                    Some(p.upn().to_string()),
                    p.primary_smtp().map(Cow::into_owned),
                    entry.anchor.as_deref().map(String::from),
                ];
                find(&cloud_tokens, keys).map(|line| (Side::Cloud, line))
            }
            _ => None,
        };
        if let Some((side, line)) = found {
            unreadable_partners.push((i, Verdict::PartnerUnreadable { side, line }));
        }
    }
    for (i, verdict) in unreadable_partners {
        report.entries.set_verdict(i, verdict);
    }
}

/// What the report cannot see because a column was not exported.
fn missing_column_notices(
    onprem: &Table<RowCount>,
    cloud: &Table<RowCount>,
    anchor: &AnchorAttribute,
) -> Vec<Notice> {
    let has = |table: &Table<RowCount>, field: Field| table.columns.get(field).is_some();
    let mut notices = Vec::new();
    if matches!(anchor, AnchorAttribute::ConsistencyGuidElseObjectGuid)
        && !has(onprem, Field::ConsistencyGuid)
    {
        notices.push(Notice {
            severity: Severity::Warning,
            message: format!(
                "The on-prem export has no mS-DS-ConsistencyGuid column, so the report assumes it \
                 is empty on every account (Entra Connect then copies objectGUID into it). If \
                 Okta or an earlier sync set it, export it too:\n{AD_EXPORT}"
            ),
        });
    }
    if !has(onprem, Field::Mail) && has(cloud, Field::Mail) {
        notices.push(Notice {
            severity: Severity::Info,
            message: "The on-prem export has no mail column, so cloud mail values a takeover \
                      would clear (as when Okta stamped mail) cannot be checked."
                .into(),
        });
    }
    if !has(onprem, Field::ProxyAddresses) && !has(onprem, Field::Mail) {
        notices.push(Notice {
            severity: Severity::Info,
            message: "The on-prem export has neither proxyAddresses nor mail, so soft matches on \
                      the primary SMTP address cannot be predicted; only UPN soft matches are."
                .into(),
        });
    }
    notices
}

fn summary(side: Side, table: Table<RowCount>) -> FileSummary {
    FileSummary { side, info: table.info, headers: table.headers, warnings: table.warnings }
}

/// The on-prem table's rows as users; rows without a usable anchor are unreadable. (A run reads
/// the file straight into an [`OnPremBuilder`]; this is for a table already read.)
pub fn onprem_users(
    table: &Table,
    anchor: &AnchorAttribute,
) -> Result<(OnPremUsers, Vec<Reject>), Error> {
    let mut builder = OnPremBuilder::new(anchor, &table.info.name);
    table.feed(&mut builder);
    builder.finish()
}

/// The cloud table's rows as users; a row without a UPN is unreadable. (A run reads the file
/// straight into a [`CloudBuilder`]; this is for a table already read.)
pub fn cloud_users(table: &Table) -> Result<(CloudUsers, Vec<Reject>), Error> {
    let mut builder = CloudBuilder::new(&table.info.name);
    table.feed(&mut builder);
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::report::{AnchorRelation, Category, Finding, PersonKey, Verdict};

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn run(onprem: &str, cloud: &str) -> Result<Audit, Error> {
        let (o, c) = (fixture(onprem), fixture(cloud));
        audit(
            Input { name: onprem, bytes: &o },
            Input { name: cloud, bytes: &c },
            &AuditOptions::default(),
        )
    }

    /// A file that loads from elsewhere, recording when it was asked for.
    struct Recorded<'a> {
        name: &'static str,
        bytes: Vec<u8>,
        log: &'a std::cell::RefCell<Vec<&'static str>>,
    }

    impl Source for Recorded<'_> {
        fn name(&self) -> &str {
            self.name
        }

        fn load(
            &mut self,
            progress: &mut dyn FnMut(Progress) -> bool,
        ) -> Result<Cow<'_, [u8]>, Error> {
            self.log.borrow_mut().push(self.name);
            let total = self.bytes.len() as u64;
            if !progress(Progress { bytes_done: total, bytes_total: total, records: 0 }) {
                return Err(Error::new(ErrorKind::Cancelled));
            }
            Ok(Cow::Owned(std::mem::take(&mut self.bytes)))
        }
    }

    #[test]
    fn sources_load_one_at_a_time_and_give_the_same_report() {
        let (o, c) = (fixture("onprem-ps7.csv"), fixture("cloud-mguser.csv"));
        let log = std::cell::RefCell::new(Vec::new());
        let mut onprem = Recorded { name: "onprem-ps7.csv", bytes: o.clone(), log: &log };
        let mut cloud = Recorded { name: "cloud-mguser.csv", bytes: c.clone(), log: &log };
        let mut stages = Vec::new();
        let lazy = audit_sources(&mut onprem, &mut cloud, &AuditOptions::default(), &mut |s, _| {
            if stages.last() != Some(&s) {
                stages.push(s);
            }
            true
        })
        .unwrap();
        let eager = run("onprem-ps7.csv", "cloud-mguser.csv").unwrap();
        assert_eq!(lazy.report, eager.report);
        assert_eq!(lazy.accounting, eager.accounting);
        assert_eq!(*log.borrow(), ["onprem-ps7.csv", "cloud-mguser.csv"]);
        use Stage::*;
        assert_eq!(stages, [LoadingOnPrem, ReadingOnPrem, LoadingCloud, ReadingCloud, Matching]);
    }

    /// The run as the browser makes it with two workers: the cloud file read for its slot on
    /// its own, made a [`CloudHalf`] and handed over as [`CloudBuffers`], the on-prem file read
    /// beside it, the cloud file read again for no slot only to tell a swap. `cloud_first`: the
    /// cloud users come before the on-prem file is read, else after.
    fn in_parallel(
        onprem: Input,
        cloud: Input,
        options: &AuditOptions,
        cloud_first: bool,
    ) -> Result<Audit, Error> {
        let quiet = &mut |_: Stage, _: Progress| true;
        let handed_over = read_cloud(&mut { cloud }, options, quiet)
            .map(|half| CloudHalf::from_buffers(half.into_buffers().unwrap()).unwrap());
        let onprem_table = read_onprem(&mut { onprem }, options, quiet);
        let mut run = Run::new(CloudReader::Elsewhere);
        let mut events = [
            RunEvent::CloudRead(Box::new(handed_over)),
            RunEvent::OnPremRead(Box::new(onprem_table)),
        ];
        if !cloud_first {
            events.reverse();
        }
        let [first, second] = events;
        let mut next = run.on(first);
        if cloud_first {
            assert!(matches!(next, RunStep::Wait), "{next:?}: the run needs the on-prem file");
        }
        // On-prem first, the run may be over (or asking for the swap check) already.
        if matches!(next, RunStep::Wait) {
            next = run.on(second);
        }
        let ready = run.complete(next, |step| match step {
            RunStep::ReadCloudForNoSlot => {
                let count = RowCount::default();
                let table = read_source(&mut { cloud }, None, options, quiet, count);
                RunEvent::CloudReadForNoSlot(Box::new(table))
            }
            other => panic!("{other:?}: the cloud users were handed over already"),
        })?;
        ready.finish(options, quiet)
    }

    /// Every pair of files under tests/fixtures, either way round, with each anchor choice (one
    /// a column most files lack), and a few broken inputs: the parallel run gives exactly the
    /// sequential run's result, verdicts, rows, warnings and errors alike, with the cloud users
    /// handed to the run before the on-prem file is read and after, turn about.
    #[test]
    fn the_parallel_run_gives_the_sequential_result_for_every_pair() {
        let root = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(&root)];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if !matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "py")) {
                    let name = path.strip_prefix(&root).unwrap().display().to_string();
                    files.push((name, std::fs::read(&path).unwrap()));
                }
            }
        }
        files.sort();
        assert!(files.len() > 30, "{} files", files.len());
        for broken in [&b""[..], b"\r\n", b"\xFF\xFEx\x00", b"UserPrincipalName\r\na@b\r\n"] {
            files.push((format!("broken {broken:?}"), broken.to_vec()));
        }
        let mut options =
            [AuditOptions::default(), AuditOptions::default(), AuditOptions::default()];
        options[1].matching.anchor = AnchorAttribute::ObjectGuid;
        options[2].matching.anchor = AnchorAttribute::Column("employeeID".into());
        let (mut compared, mut failed) = (0, 0);
        let mut kinds = std::collections::BTreeSet::new();
        for (o, onprem) in &files {
            for (c, cloud) in &files {
                for options in &options {
                    let onprem = Input { name: o, bytes: onprem };
                    let cloud = Input { name: c, bytes: cloud };
                    let sequential = audit_with_progress(onprem, cloud, options, &mut |_, _| true);
                    // The two halves come in either order, turn about.
                    let parallel = in_parallel(onprem, cloud, options, compared % 2 == 0);
                    assert_eq!(parallel, sequential, "{o} × {c}, {:?}", options.matching.anchor);
                    compared += 1;
                    failed += usize::from(sequential.is_err());
                    if let Err(e) = sequential {
                        kinds.insert(
                            format!("{:?}", e.kind()).split([' ', '{']).next().map(String::from),
                        );
                    }
                }
            }
        }
        // Both kinds of result were compared, many times.
        assert!(failed > 100 && compared - failed > 100, "{failed} of {compared} failed");
        for kind in ["Swapped", "WrongSide", "Usage", "Empty", "MissingColumn", "NotText"] {
            assert!(kinds.contains(&Some(kind.to_string())), "no {kind} among {kinds:?}");
        }
    }

    #[test]
    fn a_refused_onprem_file_stops_before_the_cloud_file_loads() {
        let log = std::cell::RefCell::new(Vec::new());
        let mut onprem = Recorded { name: "onprem.csv", bytes: b"\r\n".to_vec(), log: &log };
        let mut cloud =
            Recorded { name: "cloud.csv", bytes: fixture("cloud-mguser.csv"), log: &log };
        let error =
            audit_sources(&mut onprem, &mut cloud, &AuditOptions::default(), &mut |_, _| true)
                .unwrap_err();
        assert_eq!(*error.kind(), ErrorKind::Empty);
        assert_eq!(error.side(), Some(Side::OnPrem));
        assert_eq!(*log.borrow(), ["onprem.csv"]);
    }

    #[test]
    fn cancelling_while_a_file_loads_stops_the_run() {
        let log = std::cell::RefCell::new(Vec::new());
        let mut onprem =
            Recorded { name: "onprem.csv", bytes: fixture("onprem-ps7.csv"), log: &log };
        let mut cloud =
            Recorded { name: "cloud.csv", bytes: fixture("cloud-mguser.csv"), log: &log };
        let error =
            audit_sources(&mut onprem, &mut cloud, &AuditOptions::default(), &mut |s, _| {
                s != Stage::LoadingCloud
            })
            .unwrap_err();
        assert_eq!(*error.kind(), ErrorKind::Cancelled);
        assert_eq!(error.side(), Some(Side::Cloud));
    }

    /// Every on-prem format against every cloud format gives the same verdicts for the cast in
    /// tests/fixtures/README.md: Grace's big-endian anchor and Margaret's Okta ID are mismatches.
    #[test]
    fn every_format_pair_gives_the_same_verdicts() {
        let onprem = [
            "onprem-ps51-ascii.csv",
            "onprem-ps51-utf8bom.csv",
            "onprem-ps51-utf16le.csv",
            "onprem-useculture-semicolon.csv",
            "onprem-ps7.csv",
            "onprem-ps7-tab-asneeded.csv",
            "onprem-excel-1252.csv",
            "onprem-csvde.csv",
            "onprem-ldifde.ldf",
        ];
        let cloud = [
            "cloud-azuread-ps51.csv",
            "cloud-msol.csv",
            "cloud-mguser.csv",
            "cloud-admin-center.csv",
        ];
        for o in onprem {
            for c in cloud {
                let result = run(o, c).unwrap_or_else(|e| panic!("{o} × {c}: {e}"));
                let report = &result.report;
                let counts = report.counts();
                let pair = format!("{o} × {c}");
                assert_eq!(counts.get(Category::HardMatch), 6, "{pair}");
                assert_eq!(counts.get(Category::Mismatch), 2, "{pair}");
                // Seed 000's cloud command keeps only synced users: no break-glass account.
                let cloud_only = u64::from(c != "cloud-azuread-ps51.csv");
                assert_eq!(counts.get(Category::CloudOnly), cloud_only, "{pair}");
                assert_eq!(counts.custom_anchor, 1, "{pair}");
                assert!(result.accounting.iter().all(Accounting::balanced), "{pair}");
                assert_eq!(result.accounting[0].records, 8, "{pair}");
                let verdict_of = |upn: &str| {
                    report
                        .entries()
                        .find(|e| report.cloud_of(e).is_some_and(|u| u.upn() == upn))
                        .map(|e| e.verdict.clone())
                };
                assert_eq!(
                    verdict_of("grace.hopper@contoso.com"),
                    Some(Verdict::Mismatch {
                        relation: AnchorRelation::BigEndian,
                        found_by: PersonKey::Anchor
                    }),
                    "{pair}"
                );
                assert_eq!(
                    verdict_of("margaret.hamilton@contoso.com"),
                    Some(Verdict::Mismatch {
                        relation: AnchorRelation::Custom,
                        found_by: PersonKey::Upn
                    }),
                    "{pair}"
                );
            }
        }
    }

    #[test]
    fn no_mail_column_means_no_mail_findings_but_a_notice() {
        let result = run("onprem-ps51-utf16le.csv", "cloud-mguser.csv").unwrap();
        let mail_findings = result
            .report
            .entries()
            .flat_map(|e| e.findings)
            .filter(|f| matches!(f, Finding::MailCleared { .. } | Finding::MailChanges { .. }));
        assert_eq!(mail_findings.count(), 0);
        assert!(result.report.notices.iter().any(|n| n.message.contains("no mail column")));
        assert!(result.report.notices.iter().any(|n| n.message.contains("mS-DS-ConsistencyGuid")));
    }

    #[test]
    fn swapped_files_are_named_as_such() {
        let error = run("cloud-mguser.csv", "onprem-ps7.csv").unwrap_err();
        assert_eq!(*error.kind(), ErrorKind::Swapped);
    }

    #[test]
    fn unreadable_rows_are_accounted_for_with_their_place() {
        let o = "UserPrincipalName,SamAccountName,objectGUID\r\n\
                 a@contoso.com,a,35918bc9-196d-40ea-9779-889d79b753f0\r\n\
                 b@contoso.com,b,not-a-guid\r\n\
                 c@contoso.com,c,\r\n";
        let c = "UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled\r\n\
                 a@contoso.com,yYuRNW0Z6kCXeYidebdT8A==,True\r\n\
                 ,f+bH/Mb+ZUq4IS9AopLRhQ==,True\r\n";
        let result = audit(
            Input { name: "o.csv", bytes: o.as_bytes() },
            Input { name: "c.csv", bytes: c.as_bytes() },
            &AuditOptions::default(),
        )
        .unwrap();
        let messages: Vec<String> = result.unreadable.iter().map(|r| r.error.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert!(messages[0]
            .starts_with("on-prem file o.csv, line 3, column `objectGUID`: `not-a-guid`"));
        assert!(messages[1].starts_with("on-prem file o.csv, line 4, column `objectGUID`: "));
        assert!(messages[2].starts_with("cloud file c.csv, line 3, column `UserPrincipalName`: "));
        let [onprem, cloud] = result.accounting;
        assert_eq!((onprem.records, onprem.in_report, onprem.unreadable), (3, 1, 2));
        assert_eq!((cloud.records, cloud.in_report, cloud.unreadable), (2, 1, 1));
    }

    #[test]
    fn users_hold_their_values_as_read() {
        let o = "UserPrincipalName,Name,mail,proxyAddresses,objectGUID\r\n\
                 \" ada@contoso.com \",Ada, Ada@Contoso.com ,\"SMTP:ada@contoso.com smtp:a@x\",\
                 35918bc9-196d-40ea-9779-889d79b753f0\r\n";
        let c = "UserPrincipalName,DisplayName,OnPremisesImmutableId\r\n\
                 ada@contoso.com ,Ada,yYuRNW0Z6kCXeYidebdT8A==\r\n";
        let options = |side| ReadOptions { side: Some(side), ..ReadOptions::default() };
        let onprem = crate::engine::read::read_table(o.as_bytes(), &options(Side::OnPrem)).unwrap();
        let cloud = crate::engine::read::read_table(c.as_bytes(), &options(Side::Cloud)).unwrap();
        let onprem = onprem_users(&onprem, &AnchorAttribute::default()).unwrap().0;
        let cloud = cloud_users(&cloud).unwrap().0;
        let (p, c) = (onprem.get(0), cloud.get(0));
        // Trimmed where Entra compares trimmed values; display names as written.
        assert_eq!(
            (p.upn(), p.name(), p.mail()),
            ("ada@contoso.com", "Ada", Some("Ada@Contoso.com"))
        );
        assert_eq!(p.proxy_addresses().collect::<Vec<_>>(), ["SMTP:ada@contoso.com", "smtp:a@x"]);
        // A column the file lacks reads as the empty text.
        assert_eq!(
            (p.sam_account_name(), p.string_anchor(), p.file_immutable_id()),
            ("", None, None)
        );
        assert_eq!(
            (c.upn(), c.name(), c.immutable_id(), c.file_object_guid()),
            ("ada@contoso.com", "Ada", "yYuRNW0Z6kCXeYidebdT8A==", None)
        );
    }

    #[test]
    fn string_anchor_column_must_exist() {
        let (o, c) = (fixture("onprem-ps7.csv"), fixture("cloud-mguser.csv"));
        let mut options = AuditOptions::default();
        options.matching.anchor = AnchorAttribute::Column("employeeNumber".into());
        let error = audit(Input { name: "o", bytes: &o }, Input { name: "c", bytes: &c }, &options)
            .unwrap_err();
        assert!(
            error.to_string().contains("`employeeNumber` is not in the on-prem file"),
            "{error}"
        );
    }
}
