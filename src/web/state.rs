//! The app's one state, the actions that change it, and `reduce`, the only place they are
//! applied. The worker does the computing; this keeps what the page shows.

use std::rc::Rc;

use web_sys::Blob;
use yew::Reducible;

use super::protocol::{Detail, DownloadKind, FromWorker, Overview};
use crate::engine::audit::{AuditOptions, Stage};
use crate::engine::error::{Error, ErrorKind, Side};
use crate::engine::join::MatchOptions;
use crate::engine::read::Field;
use crate::engine::report::Category;
use crate::engine::view::{Query, RowSummary};

/// One loaded file (or pasted text), kept as a Blob: the page never reads its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedFile {
    /// The file name (or "pasted text").
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The bytes, handed to the worker as they are.
    pub blob: Blob,
}

/// Where the run is.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Phase {
    /// Nothing run yet (or a file is missing).
    #[default]
    Idle,
    /// The workers are reading or matching.
    Running(Progress),
    /// The report is ready (in the worker).
    Done,
    /// The run failed; see `State::error`.
    Failed,
}

/// How far a run is. The two files may be read at the same time (one by each worker), so each
/// has its own step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// On-prem, cloud: the stage each file is in, with its bytes done and in all.
    pub files: [Option<(Stage, u64, u64)>; 2],
    /// Both files are read and the users are being matched.
    pub matching: bool,
}

impl Progress {
    /// Notes a progress report.
    fn update(&mut self, stage: Stage, done: u64, total: u64) {
        let side = match stage {
            Stage::LoadingOnPrem | Stage::ReadingOnPrem => 0,
            Stage::LoadingCloud | Stage::ReadingCloud => 1,
            Stage::Matching => {
                self.matching = true;
                return;
            }
        };
        self.files[side] = Some((stage, done, total));
    }

    /// How much of the reading is done, from 0 to 1 (1 once matching): loading a file counts for
    /// 2/5 of it and reading it for 3/5 (as they take in the browser), each file by its size.
    pub fn fraction(&self) -> f64 {
        if self.matching {
            return 1.0;
        }
        let (mut done, mut total) = (0.0, 0.0);
        for (stage, d, t) in self.files.iter().flatten() {
            let part = *d as f64 / (*t).max(1) as f64;
            let step = match stage {
                Stage::LoadingOnPrem | Stage::LoadingCloud => 0.4 * part,
                _ => 0.4 + 0.6 * part,
            };
            done += step * *t as f64;
            total += *t as f64;
        }
        if total == 0.0 {
            0.0
        } else {
            done / total
        }
    }
}

/// The window of table rows the page holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowWindow {
    /// Rows the query selects.
    pub total: u32,
    /// Position of `rows[0]`.
    pub offset: u32,
    /// The rows held.
    pub rows: Vec<RowSummary>,
    /// Whether the worker has answered yet (before that, nothing is "0 shown").
    pub loaded: bool,
}

/// Everything the page shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    /// On-prem, cloud.
    pub slots: [Option<LoadedFile>; 2],
    /// The tenant context files, in the order given.
    pub context: Vec<LoadedFile>,
    /// An earlier run's JSON report, to compare each run with.
    pub earlier: Option<LoadedFile>,
    /// Entra Connect's pending exports, to check each run's prediction against.
    pub pending: Option<LoadedFile>,
    /// The admin's choices.
    pub options: AuditOptions,
    /// Where the run is.
    pub phase: Phase,
    /// Bumped to ask for a run (the app sends it to the worker).
    pub run: u32,
    /// The finished run's numbers.
    pub overview: Option<Rc<Overview>>,
    /// The error to show, from any layer.
    pub error: Option<Error>,
    /// Each file's headers, for the column-mapping control.
    pub headers: [Vec<String>; 2],
    /// The table's filter, search and sort.
    pub query: Query,
    /// The first row the table wants.
    pub want: u32,
    /// Bumped with each new window request.
    pub seq: u32,
    /// The `seq` of the current query's first request: older answers are another query's.
    pub query_seq: u32,
    /// The rows held.
    pub rows: Rc<RowWindow>,
    /// The entry whose details are shown (or being fetched).
    pub open: Option<u32>,
    /// The open entry's details.
    pub detail: Option<Rc<Detail>>,
    /// A worker crashed: only a reload helps.
    pub crashed: Option<Crash>,
    /// The run's files are near the tab's memory: what to tell the admin.
    pub memory_warning: Option<String>,
    /// Downloads asked for and not handed over yet (a 1 GB JSON report takes seconds): their
    /// buttons say so, and cannot ask again.
    pub preparing: Vec<DownloadKind>,
    /// Bumped by Clear: the page keys its inputs on it, so they are rebuilt empty (file pickers,
    /// pasted text, the converters' values).
    pub cleared: u32,
}

/// How a worker crashed.
#[derive(Clone, Debug, PartialEq)]
pub enum Crash {
    /// It panicked, with this message: a bug.
    Panic(String),
    /// It stopped without a panic ([`FromWorker::Stopped`]), with the browser's message: out
    /// of memory, as a rule.
    Stopped(String),
}

impl State {
    /// Whether a run is in progress.
    pub fn running(&self) -> bool {
        matches!(self.phase, Phase::Running { .. })
    }

    fn start_run(&mut self) {
        if self.slots.iter().all(Option::is_some) {
            self.run += 1;
            self.phase = Phase::Running(Progress::default());
            self.error = None;
            self.overview = None;
            self.rows = Rc::default();
            self.open = None;
            self.detail = None;
            self.want = 0;
            self.preparing.clear();
            self.memory_warning = None;
        } else {
            self.phase = Phase::Idle;
        }
    }
}

/// Everything that changes the state.
pub enum Action {
    /// A file (or pasted text) was put in a slot.
    Load(Side, LoadedFile),
    /// A slot was emptied.
    Clear(Side),
    /// Tenant context files were added.
    AddContext(Vec<LoadedFile>),
    /// The tenant context file at this index was removed.
    RemoveContext(usize),
    /// An earlier report was given (or removed): compare the run with it.
    Earlier(Option<LoadedFile>),
    /// Entra Connect's pending exports were given (or removed): check the run against them.
    PendingExports(Option<LoadedFile>),
    /// Exchange the two files and run again.
    Swap,
    /// The anchor attribute or tenant switches changed.
    Matching(MatchOptions),
    /// A column was mapped (`None`: use the detected one).
    Column(Side, Field, Option<String>),
    /// Run again with the same files.
    Rerun,
    /// Stop the run (the app restarts the worker).
    Cancel,
    /// Forget everything loaded, typed or computed (the app also replaces the worker, which
    /// holds the report).
    ClearAll,
    /// The table's query changed.
    Query(Query),
    /// The table scrolled: it wants rows from here.
    Want(u32),
    /// Open (or close) an entry's detail panel.
    Open(Option<u32>),
    /// The sample was generated: load it in place of what was loaded, and run.
    Sample {
        /// On-prem, cloud.
        pair: [LoadedFile; 2],
        /// The tenant context files.
        context: Vec<LoadedFile>,
    },
    /// A message from the worker.
    Worker(FromWorker),
    /// Show an error from the page itself (a file that cannot be read…).
    Error(Error),
    /// Dismiss the error.
    DismissError,
    /// A download was asked of the worker.
    Download(DownloadKind),
}

fn index(side: Side) -> usize {
    usize::from(side == Side::Cloud)
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Load(side, slot) => {
                s.slots[index(side)] = Some(slot);
                s.headers[index(side)].clear();
                columns_mut(&mut s.options, side).clear();
                s.start_run();
            }
            Action::Clear(side) => {
                s.slots[index(side)] = None;
                s.headers[index(side)].clear();
                columns_mut(&mut s.options, side).clear();
                s.overview = None;
                s.error = None;
                s.phase = Phase::Idle;
                s.open = None;
                s.detail = None;
            }
            Action::AddContext(files) => {
                s.context.extend(files);
                s.start_run();
            }
            Action::RemoveContext(at) => {
                if at < s.context.len() {
                    s.context.remove(at);
                }
                s.start_run();
            }
            Action::Earlier(file) => {
                s.earlier = file;
                s.start_run();
            }
            Action::PendingExports(file) => {
                s.pending = file;
                s.start_run();
            }
            Action::Swap => {
                s.slots.swap(0, 1);
                s.headers.swap(0, 1);
                let o = &mut s.options;
                std::mem::swap(&mut o.onprem_columns, &mut o.cloud_columns);
                s.start_run();
            }
            Action::Matching(matching) => {
                s.options.matching = matching;
                if s.phase != Phase::Idle {
                    s.start_run();
                }
            }
            Action::Column(side, field, header) => {
                let columns = columns_mut(&mut s.options, side);
                match header {
                    Some(h) => columns.insert(field, h),
                    None => columns.remove(&field),
                };
                if s.phase != Phase::Idle {
                    s.start_run();
                }
            }
            Action::Rerun => s.start_run(),
            Action::Cancel => {
                s.phase = Phase::Idle;
                s.error = Some(Error::new(ErrorKind::Cancelled));
            }
            Action::ClearAll => {
                // Counters stay monotonic, so a late answer from before is never taken as new.
                return Rc::new(State {
                    run: s.run,
                    seq: s.seq,
                    query_seq: s.seq,
                    cleared: s.cleared.wrapping_add(1),
                    ..State::default()
                });
            }
            Action::Query(query) => {
                s.query = query;
                s.want = 0;
                s.seq += 1;
                s.query_seq = s.seq;
            }
            Action::Want(first) => {
                s.want = first;
                s.seq += 1;
            }
            Action::Open(entry) => {
                s.open = entry;
                if entry.is_none() || s.detail.as_ref().map(|d| d.entry) != entry {
                    s.detail = None;
                }
            }
            Action::Sample { pair: [onprem, cloud], context } => {
                s.slots = [Some(onprem), Some(cloud)];
                s.context = context;
                // An earlier report of the admin's exports is not one of the sample's.
                s.earlier = None;
                s.pending = None;
                s.headers = Default::default();
                s.options.onprem_columns.clear();
                s.options.cloud_columns.clear();
                s.start_run();
            }
            Action::Error(error) => s.error = Some(error),
            Action::DismissError => s.error = None,
            Action::Download(kind) => {
                if s.preparing.contains(&kind) {
                    return self;
                }
                s.preparing.push(kind);
            }
            Action::Worker(message) => match message {
                FromWorker::Ready | FromWorker::Sample { .. } => return self,
                // The app saves the Blob itself; here the button is freed.
                FromWorker::Download(kind) => s.preparing.retain(|&k| k != kind),
                FromWorker::MemoryWarning { run, message } => {
                    if run == s.run {
                        s.memory_warning = Some(message);
                    }
                }
                FromWorker::Progress { run, stage, done, total } => {
                    let Phase::Running(progress) = &mut s.phase else { return self };
                    if run != s.run {
                        return self;
                    }
                    progress.update(stage, done, total);
                }
                FromWorker::Done { run, overview, input_error } => {
                    if !s.running() || run != s.run {
                        return self;
                    }
                    s.headers =
                        [overview.files[0].headers.clone(), overview.files[1].headers.clone()];
                    // A category this run has no entries in (a context file removed…) would
                    // filter the table down to nothing, with no chip left to undo it.
                    let present =
                        |c: &Category| overview.counts.iter().any(|(k, n)| k == c && *n > 0);
                    s.query.categories.retain(present);
                    s.overview = Some(Rc::new(*overview));
                    s.error = input_error;
                    s.phase = Phase::Done;
                    s.want = 0;
                    s.seq += 1;
                    s.query_seq = s.seq;
                }
                FromWorker::Failed { run, error, headers } => {
                    if !s.running() || run != s.run {
                        return self;
                    }
                    for (kept, found) in s.headers.iter_mut().zip(headers) {
                        if !found.is_empty() {
                            *kept = found;
                        }
                    }
                    s.error = Some(error);
                    s.phase = Phase::Failed;
                }
                FromWorker::Rows { seq, total, offset, rows } => {
                    // Older answers still help while scrolling fast, but never a stale query's.
                    if seq < s.query_seq || s.phase != Phase::Done {
                        return self;
                    }
                    s.rows = Rc::new(RowWindow { total, offset, rows, loaded: true });
                }
                FromWorker::Detail(detail) => {
                    if s.open != Some(detail.entry) {
                        return self;
                    }
                    s.detail = Some(Rc::new(*detail));
                }
                FromWorker::Panic(message) => {
                    s.crashed = Some(Crash::Panic(message));
                    s.phase = Phase::Idle;
                }
                FromWorker::Stopped(message) => {
                    s.crashed = Some(Crash::Stopped(message));
                    s.phase = Phase::Idle;
                }
            },
        }
        Rc::new(s)
    }
}

fn columns_mut(
    options: &mut AuditOptions,
    side: Side,
) -> &mut std::collections::BTreeMap<Field, String> {
    match side {
        Side::OnPrem => &mut options.onprem_columns,
        Side::Cloud => &mut options.cloud_columns,
    }
}
