//! The worker side: reads the two files, runs the audit, keeps the report and answers the page's
//! questions (windows of rows, one entry, downloads). It is the only place the browser app calls
//! the audit, so the page stays responsive and never holds the whole report. A second copy, the
//! reader, reads the cloud file of a run at the same time, makes its users and sends them to the
//! main worker ([`ToWorker::Read`], [`ToWorker::CloudHalf`]); the main worker finishes the run
//! once it has both halves, in whichever order they come.

use std::cell::RefCell;
use std::io::Write;

use gloo::timers::callback::Timeout;
use js_sys::{Array, ArrayBuffer, Function, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, DedicatedWorkerGlobalScope, FileReaderSync, MessageEvent, MessagePort,
    ReadableStreamDefaultReader, ReadableStreamReadResult,
};

use super::protocol::{
    Detail, DownloadKind, FromWorker, Overview, PendingView, SinceView, ToWorker, UNREADABLE_SHOWN,
};
use crate::engine::audit::{
    cloud_half, read_options, tab_fit, Audit, AuditOptions, CloudBuffers, CloudHalf, CloudReader,
    FileSize, Run, RunEvent, RunStep, Stage,
};
use crate::engine::compare::{compare, EarlierReport};
use crate::engine::context::TenantContext;
use crate::engine::error::{Error, ErrorKind, Side};
use crate::engine::output::{
    entry_view, fix_script, headline, shown_counts, write_csv, write_html, write_json,
    write_unreadable_csv,
};
use crate::engine::pending::{self, CrossCheck, PendingExports};
use crate::engine::read::{Finished, Next, Progress, RowCount, RowSink, Table, TableReader};
use crate::engine::report::Notice;
use crate::engine::run_record::InputFile;
use crate::engine::sample::{generate, generate_tenant, SampleSpec};
use crate::engine::users::{CloudBuilder, ColumnBuffers, OnPremBuilder};
use crate::engine::view::{window, Query, SortKey, ViewIndex};
use sha2::{Digest, Sha256};

/// What the worker keeps between messages.
#[derive(Default)]
struct Kept {
    audit: Option<Audit>,
    /// The report's orders and search text, built as queries first need them.
    index: Option<ViewIndex>,
    /// The last query and the entries it selects, so scrolling does not re-sort.
    selection: Option<(Query, Vec<u32>)>,
    /// A parallel run's on-prem half, waiting for the reader's cloud table.
    pending: Option<Pending>,
    /// What the run's tenant context files say, put first in its report's notes.
    context_notices: Vec<Notice>,
    /// The run's tenant context files, for its run record.
    context_inputs: Vec<InputFile>,
    /// The two exports' SHA-256, computed after the report.
    digests: Option<Digests>,
    /// The earlier report the run is compared with once it is done, or why it cannot be read.
    earlier: Option<Result<EarlierReport, Error>>,
    /// Entra Connect's pending exports the run is checked against once it is done (with the
    /// file's name), or why they cannot be read.
    pending_exports: Option<Result<(String, PendingExports), Error>>,
}

/// The two exports' SHA-256, made after the report a slice at a time, the file read again
/// with `FileReaderSync` (from the browser's cache of it, not from the page).
struct Digests {
    /// On-prem, then cloud: each Blob, its hash so far and how far it has read.
    files: Vec<(Blob, Sha256, f64)>,
}

/// How much of a file one digest step reads.
const DIGEST_STEP: f64 = (4 << 20) as f64;

impl Digests {
    fn new(blobs: [Blob; 2]) -> Digests {
        Digests { files: blobs.into_iter().map(|b| (b, Sha256::new(), 0.0)).collect() }
    }

    /// Hashes the next step; `true` once both files are hashed.
    fn step(&mut self) -> Result<bool, JsValue> {
        let Some((blob, digest, done)) =
            self.files.iter_mut().find(|(b, _, done)| *done < b.size())
        else {
            return Ok(true);
        };
        let end = (*done + DIGEST_STEP).min(blob.size());
        let bytes = FileReaderSync::new()?
            .read_as_array_buffer(&blob.slice_with_f64_and_f64(*done, end)?)?;
        digest.update(Uint8Array::new(&bytes).to_vec());
        *done = end;
        Ok(false)
    }

    /// Writes the digests into the report's file records, once every step is done.
    fn finish(self, audit: &mut Audit) {
        let mut hex =
            self.files.into_iter().map(|(_, digest, _)| format!("{:x}", digest.finalize()));
        for info in [&mut audit.onprem.info, &mut audit.cloud.info] {
            info.sha256 = hex.next().unwrap_or_default();
        }
    }
}

/// Hashes what is left of the exports now: an output records them.
fn finish_digests(kept: &mut Kept) {
    let (Some(mut digests), Some(audit)) = (kept.digests.take(), kept.audit.as_mut()) else {
        return;
    };
    loop {
        match digests.step() {
            Ok(false) => {}
            Ok(true) => return digests.finish(audit),
            // The file is gone (moved, or the page's Blob released): say so where the digest goes.
            Err(_) => {
                for info in [&mut audit.onprem.info, &mut audit.cloud.info] {
                    if info.sha256.is_empty() {
                        info.sha256 = "(not computed: the file could not be read again)".into();
                    }
                }
                return;
            }
        }
    }
}

/// A run between its messages: the files stream in, so the reader's cloud users (or word that
/// there is no reader) may come before the on-prem file is read, or after. Its [`Run`] decides
/// what each event leads to.
struct Pending {
    run: u32,
    state: Run,
    names: [String; 2],
    options: AuditOptions,
    /// On-prem, cloud: the cloud file is read here only if there is no reader.
    blobs: [Blob; 2],
}

thread_local! {
    static KEPT: RefCell<Kept> = RefCell::new(Kept::default());
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends a message, with Blobs beside it.
fn post(message: &FromWorker, blobs: &[Blob]) {
    let array = array_of(message, blobs.iter().map(JsValue::from));
    // Posting only fails for values that cannot be cloned; ours are a string and Blobs.
    let _ = scope().post_message(&array);
}

/// A message as JSON text in slot 0 with values beside it.
fn array_of(message: &impl serde::Serialize, extras: impl Iterator<Item = JsValue>) -> Array {
    let text = serde_json::to_string(message).unwrap_or_else(|e| {
        serde_json::to_string(&FromWorker::Panic(format!("cannot encode a message: {e}")))
            .unwrap_or_default()
    });
    let array = Array::of1(&JsValue::from_str(&text));
    for extra in extras {
        array.push(&extra);
    }
    array
}

/// Starts the worker: reports panics to the page, listens, and says it is ready. The page
/// starts two from the same code: the main worker, and for each run a reader for the cloud file.
pub fn start() {
    std::panic::set_hook(Box::new(|info| post(&FromWorker::Panic(info.to_string()), &[])));
    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(receive);
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&FromWorker::Ready, &[]);
}

/// A message from the page, or from the reader through the run's channel.
fn receive(event: MessageEvent) {
    let data: Array = event.data().unchecked_into();
    let text = data.get(0).as_string().unwrap_or_default();
    let extras: Vec<JsValue> = (1..data.length()).map(|i| data.get(i)).collect();
    match serde_json::from_str::<ToWorker>(&text) {
        Ok(message) => handle(message, &extras),
        Err(e) => post(&FromWorker::Panic(format!("unreadable message from the page: {e}")), &[]),
    }
}

/// The main worker's end of the current run's channel from the reader, with its listener.
type Channel = (MessagePort, Closure<dyn Fn(MessageEvent)>);

thread_local! {
    static CHANNEL: RefCell<Option<Channel>> = const { RefCell::new(None) };
}

/// Posts the run's progress about every 1 % (and at every stage change): enough for a smooth
/// bar.
fn progress_of(run: u32) -> impl FnMut(Stage, Progress) -> bool {
    let mut last = (Stage::Matching, u64::MAX);
    move |stage, p| {
        let step = (p.bytes_total / 100).max(1);
        let bucket = p.bytes_done / step;
        if (stage, bucket) != last {
            last = (stage, bucket);
            let message =
                FromWorker::Progress { run, stage, done: p.bytes_done, total: p.bytes_total };
            post(&message, &[]);
        }
        true
    }
}

fn handle(message: ToWorker, extras: &[JsValue]) {
    let blobs: Vec<Blob> = extras.iter().filter_map(|e| e.clone().dyn_into().ok()).collect();
    let blobs = blobs.as_slice();
    match message {
        ToWorker::Run { run, names, mut options, parallel, context, earlier, pending } => {
            KEPT.with(|k| *k.borrow_mut() = Kept::default());
            // The reader's table comes through this run's channel, once this returns.
            let port = extras.iter().find_map(|e| e.clone().dyn_into::<MessagePort>().ok());
            let channel = port.map(|port| {
                let listener = Closure::<dyn Fn(MessageEvent)>::new(receive);
                port.set_onmessage(Some(listener.as_ref().unchecked_ref()));
                (port, listener)
            });
            if let Some((old, _)) = CHANNEL.with(|c| c.replace(channel)) {
                old.close();
            }
            let [Some(onprem_blob), Some(cloud_blob)] = [blobs.first(), blobs.get(1)] else {
                return failed(run, usage("two files are needed".into()), blobs);
            };
            // A pair the tab cannot hold is refused now, from the files' sizes, not by a crash
            // once the tab runs out of memory.
            let heads = [onprem_blob, cloud_blob].map(|b| file_head(b).unwrap_or_default());
            let sizes = [onprem_blob, cloud_blob].map(|b| b.size() as u64);
            let files = [0, 1].map(|i| FileSize { bytes: sizes[i], head: &heads[i] });
            let fit = tab_fit(files);
            if let Some(error) = fit.refusal() {
                return failed(run, error, blobs);
            }
            if let Some(message) = fit.warning() {
                post(&FromWorker::MemoryWarning { run, message }, &[]);
            }
            let tenant = read_context(&context, &blobs[2..])
                .and_then(|tenant| tenant.apply(&mut options.matching).map(|()| tenant));
            match tenant {
                Ok(tenant) => KEPT.with(|k| {
                    let mut kept = k.borrow_mut();
                    kept.context_notices = tenant.notices();
                    kept.context_inputs = tenant.inputs;
                }),
                Err(error) => return failed(run, error, blobs),
            }
            let after_context = 2 + context.len();
            let pending_at = after_context + usize::from(earlier.is_some());
            let earlier = earlier.map(|name| read_earlier(&name, blobs.get(after_context)));
            let pending = pending.map(|name| read_pending(&name, blobs.get(pending_at)));
            KEPT.with(|k| {
                let mut kept = k.borrow_mut();
                kept.earlier = earlier;
                kept.pending_exports = pending;
            });
            // The run's steps, awaiting each file's chunks; the reader (if any) reads the cloud
            // file meanwhile.
            let blobs = [onprem_blob.clone(), cloud_blob.clone()];
            let reader = if parallel { CloudReader::Elsewhere } else { CloudReader::Driver };
            let state = Run::new(reader);
            let (name, blob) = (names[0].clone(), onprem_blob.clone());
            let pending = Pending { run, state, names, options: options.clone(), blobs };
            KEPT.with(|k| k.borrow_mut().pending = Some(pending));
            wasm_bindgen_futures::spawn_local(async move {
                let users = OnPremBuilder::new(&options.matching.anchor, &name);
                let table = read_blob(&blob, &name, Some(Side::OnPrem), &options, run, users).await;
                run_event(run, RunEvent::OnPremRead(Box::new(table)));
            });
        }
        ToWorker::Read { run, name, options } => {
            let port = extras.iter().find_map(|e| e.clone().dyn_into::<MessagePort>().ok());
            let (Some(blob), Some(port)) = (blobs.first().cloned(), port) else {
                return post(&FromWorker::Panic("a read without its file or channel".into()), &[]);
            };
            wasm_bindgen_futures::spawn_local(async move {
                let users = CloudBuilder::new(&name);
                let table = read_blob(&blob, &name, Some(Side::Cloud), &options, run, users).await;
                send_cloud_half(run, table.map(cloud_half), &port);
                // Done: this worker ends itself, and the memory it grew with the file goes
                // now, before the main worker's matching needs more. (What it posted is
                // delivered.)
                scope().close();
            });
        }
        ToWorker::CloudHalf { run, error } => {
            let users = match error {
                Some(error) => Err(error),
                None => cloud_half_from_buffers(extras),
            };
            run_event(run, RunEvent::CloudRead(Box::new(users)));
        }
        ToWorker::ReadCloudHere { run } => run_event(run, RunEvent::CloudReaderGone),
        ToWorker::Rows { query, offset, limit, seq } => KEPT.with(|k| {
            let mut kept = k.borrow_mut();
            let Kept { audit: Some(audit), index, selection, .. } = &mut *kept else { return };
            if selection.as_ref().is_none_or(|(q, _)| *q != query) {
                let index = index.get_or_insert_with(|| ViewIndex::new(&audit.report));
                *selection = Some((query.clone(), index.select(&audit.report, &query)));
            }
            let Some((_, selected)) = selection.as_ref() else { return };
            let rows = window(&audit.report, selected, offset as usize, limit as usize);
            post(&FromWorker::Rows { seq, total: selected.len() as u32, offset, rows }, &[]);
        }),
        ToWorker::Detail { entry } => KEPT.with(|k| {
            if let Some(audit) = &k.borrow().audit {
                if (entry as usize) < audit.report.entries.len() {
                    post(&FromWorker::Detail(Box::new(detail(audit, entry))), &[]);
                }
            }
        }),
        ToWorker::Download(kind) => KEPT.with(|k| {
            let mut kept = k.borrow_mut();
            finish_digests(&mut kept);
            match &kept.audit {
                Some(audit) => post(&FromWorker::Download(kind), &[download(audit, kind)]),
                // Answered all the same (with nothing to save), so the button is freed.
                None => post(&FromWorker::Download(kind), &[]),
            }
        }),
        ToWorker::Sample => {
            let spec = SampleSpec::showcase();
            let (onprem, cloud, _expected) = generate(&spec);
            let tenant = generate_tenant(&spec);
            let files =
                [("onprem.csv", onprem), ("cloud.csv", cloud)].into_iter().chain(tenant.files);
            let (mut names, mut sizes, mut blobs) = (Vec::new(), Vec::new(), Vec::new());
            for (name, bytes) in files {
                names.push(format!("sample-{name}"));
                sizes.push(bytes.len() as u64);
                blobs.push(blob(&bytes, "text/csv"));
            }
            post(&FromWorker::Sample { names, sizes }, &blobs);
        }
    }
}

/// The table's sortable columns but the default one (its order comes with the first rows):
/// the orders the warm-up builds after the search text.
const WARM_SORTS: [SortKey; 4] =
    [SortKey::OnPremUpn, SortKey::Name, SortKey::CloudUpn, SortKey::AnchorKind];

/// How long one warm-up slice works before the worker looks at its messages again: a window of
/// rows asked for meanwhile waits at most about this long.
const WARM_SLICE_MS: f64 = 20.0;

/// Entries' worth of work per [`ViewIndex::warm`] call: a few milliseconds at most in wasm, so
/// a slice overruns its time by little.
const WARM_STEP: usize = 2048;

thread_local! {
    /// Which warm-up may go on: a newer one (a new report) ends the one before.
    static WARM_UP: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Builds the kept report's search text and sort orders in slices, between messages, so that
/// the first search or sort finds them built instead of stalling the worker for a second or
/// more at a million entries. A query that comes first builds what it needs at once; a new run
/// (which replaces the report) or a terminated worker (Cancel, Clear) ends the warm-up.
fn warm_up() {
    let generation = WARM_UP.with(|w| w.get().wrapping_add(1));
    WARM_UP.with(|w| w.set(generation));
    warm_slice(generation);
}

fn warm_slice(generation: u32) {
    // Later, as its own task: messages that came meanwhile go first.
    Timeout::new(0, move || {
        if WARM_UP.with(|w| w.get()) != generation {
            return;
        }
        let started = js_sys::Date::now();
        let done = KEPT.with(|k| {
            let mut kept = k.borrow_mut();
            let Kept { audit: Some(audit), index, digests, .. } = &mut *kept else { return true };
            let index = index.get_or_insert_with(|| ViewIndex::new(&audit.report));
            // The table's orders first (the admin is using it), then the files' digests.
            loop {
                let warm = index.warm(&audit.report, &WARM_SORTS, WARM_STEP);
                if warm && digests.as_mut().is_none_or(|d| !matches!(d.step(), Ok(false))) {
                    break;
                }
                if js_sys::Date::now() - started >= WARM_SLICE_MS {
                    return false;
                }
            }
            finish_digests(&mut kept);
            true
        });
        if !done {
            warm_slice(generation);
        }
    })
    .forget();
}

/// Hands run `run` an event, if it is still the current run, and takes the step it leads to.
fn run_event(run: u32, event: RunEvent) {
    let taken = KEPT.with(|k| {
        let mut kept = k.borrow_mut();
        let pending = kept.pending.as_mut().filter(|p| p.run == run)?;
        let step = pending.state.on(event);
        let Pending { names, options, blobs, .. } = pending;
        let inputs = (names[1].clone(), options.clone(), blobs.clone());
        // An ended run's state goes now: matching needs the memory.
        if matches!(step, RunStep::Match(_) | RunStep::Failed(_)) {
            kept.pending = None;
        }
        Some((step, inputs))
    });
    let Some((step, (cloud_name, options, blobs))) = taken else { return };
    let cloud_blob = blobs[1].clone();
    match step {
        RunStep::Wait => {}
        RunStep::ReadCloud => wasm_bindgen_futures::spawn_local(async move {
            let users = CloudBuilder::new(&cloud_name);
            let slot = Some(Side::Cloud);
            let table = read_blob(&cloud_blob, &cloud_name, slot, &options, run, users).await;
            run_event(run, RunEvent::CloudRead(Box::new(table.map(cloud_half))));
        }),
        RunStep::ReadCloudForNoSlot => wasm_bindgen_futures::spawn_local(async move {
            let count = RowCount::default();
            let table = read_blob(&cloud_blob, &cloud_name, None, &options, run, count).await;
            run_event(run, RunEvent::CloudReadForNoSlot(Box::new(table)));
        }),
        RunStep::Match(ready) => {
            let result = ready.finish(&options, &mut progress_of(run));
            finished(run, result, &blobs);
        }
        RunStep::Failed(error) => failed(run, error, &blobs),
    }
}

/// Sends the reader's cloud users (or why the file could not be read) to the main worker
/// through the run's channel, their column buffers transferred: the page never holds them.
fn send_cloud_half(run: u32, half: Result<CloudHalf, Error>, port: &MessagePort) {
    let (error, buffers) = match half.and_then(CloudHalf::into_buffers) {
        Ok(CloudBuffers { meta, columns }) => {
            let buffers = std::iter::once(meta).chain(columns.0);
            (None, buffers.map(|b| Uint8Array::from(&b[..]).buffer()).collect())
        }
        Err(error) => (Some(error), Vec::new()),
    };
    let transfer: Array = buffers.iter().collect();
    let message = ToWorker::CloudHalf { run, error };
    let array = array_of(&message, buffers.into_iter().map(JsValue::from));
    let _ = port.post_message_with_transferable(&array, &transfer);
}

/// The reader's cloud users from the buffers beside [`ToWorker::CloudHalf`], copied into this
/// worker's memory a column at a time (each buffer released once copied) and checked.
fn cloud_half_from_buffers(extras: &[JsValue]) -> Result<CloudHalf, Error> {
    let buffers: Vec<ArrayBuffer> =
        extras.iter().filter_map(|e| e.clone().dyn_into().ok()).collect();
    let Some((meta, columns)) = buffers.split_first() else {
        return Err(usage("the reader worker sent no buffers for the cloud users".into()));
    };
    let bytes = |b: &ArrayBuffer| release(b, Uint8Array::new(b).to_vec());
    let columns = ColumnBuffers(columns.iter().map(bytes).collect());
    CloudHalf::from_buffers(CloudBuffers { meta: bytes(meta), columns })
}

/// Frees a received buffer, once copied, now rather than at the next garbage collection, which
/// a worker busy matching does not reach for seconds: `ArrayBuffer.prototype.transfer(0)`
/// detaches it (where the browser has it; elsewhere the collector frees it later).
fn release<T>(buffer: &ArrayBuffer, copied: T) -> T {
    let transfer = Reflect::get(buffer, &JsValue::from_str("transfer"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    if let Some(transfer) = transfer {
        let _ = transfer.call1(buffer, &JsValue::from(0));
    }
    copied
}

/// Keeps a finished run's report, or says why it failed.
fn finished(run: u32, result: Result<Audit, Error>, blobs: &[Blob]) {
    match result {
        Ok(mut audit) => {
            // The context files' notes first: they say what the rest of the report rests on.
            let (notices, inputs, earlier, pending) = KEPT.with(|k| {
                let mut kept = k.borrow_mut();
                (
                    std::mem::take(&mut kept.context_notices),
                    std::mem::take(&mut kept.context_inputs),
                    kept.earlier.take(),
                    kept.pending_exports.take(),
                )
            });
            audit.report.notices.splice(0..0, notices);
            audit.record.context = inputs;
            audit.record.stamp(js_sys::Date::now() as i64);
            let since = earlier.map(|earlier| compare(&earlier?, &audit.report));
            let mut input_error = match since {
                Some(Ok(diff)) => {
                    audit.since = Some(diff);
                    None
                }
                Some(Err(error)) => Some(error),
                None => None,
            };
            match pending {
                Some(Ok((name, pending))) => {
                    audit.pending = Some(CrossCheck::of(&audit.report, &name, &pending));
                }
                Some(Err(error)) => input_error = input_error.or(Some(error)),
                None => {}
            }
            let overview = overview(&audit);
            KEPT.with(|k| {
                let mut kept = k.borrow_mut();
                kept.audit = Some(audit);
                kept.digests = match blobs {
                    [onprem, cloud, ..] => Some(Digests::new([onprem.clone(), cloud.clone()])),
                    _ => None,
                };
            });
            post(&FromWorker::Done { run, overview: Box::new(overview), input_error }, &[]);
            warm_up();
        }
        Err(error) => failed(run, error, blobs),
    }
}

fn usage(message: String) -> Error {
    Error::new(ErrorKind::Usage { message })
}

fn failed(run: u32, error: Error, blobs: &[Blob]) {
    let head = |i: usize| blobs.get(i).and_then(file_head).unwrap_or_default();
    let headers = [sniff_headers(&head(0)), sniff_headers(&head(1))];
    post(&FromWorker::Failed { run, error, headers }, &[]);
}

/// A file read as the `slot`'s export (`None`: for no slot, to tell swapped files) from its
/// `Blob.stream()` into `sink`, each chunk parsed as it arrives: the worker never holds the whole file, in
/// wasm memory or in JS, and the browser reads the next chunk while this one is parsed (where
/// `FileReaderSync` slices made the worker wait for each: at 2x1M users both files are read
/// ≈0.3 s sooner, BENCHMARKS.md). Between chunks the worker answers its messages (the
/// reader's cloud users may come meanwhile).
async fn read_blob<S: RowSink>(
    blob: &Blob,
    name: &str,
    slot: Option<Side>,
    options: &AuditOptions,
    run: u32,
    sink: S,
) -> Result<Table<S>, Error> {
    let side = slot.unwrap_or(Side::Cloud);
    let in_file = |e: Error| {
        let side = e.side().or(Some(side));
        e.in_file(side, name)
    };
    let unreadable = |e: JsValue| in_file(usage(format!("the file could not be read: {e:?}")));
    let size = blob.size() as u64;
    reserve_room(size).map_err(in_file)?;
    let (mut read_options, stage) = read_options(name, slot, options);
    // Hashed after the report instead (see `Digests`): in wasm SHA-256 is as slow as reading.
    read_options.defer_digest = true;
    let mut progress = progress_of(run);
    let progress = Box::new(move |p| progress(stage, p));
    let mut reader =
        TableReader::with_sink(size, &read_options, progress, sink).map_err(in_file)?;
    // Once, or twice for a file read again from its start (see `Next::FromStart`).
    loop {
        let stream: ReadableStreamDefaultReader = blob.stream().get_reader().unchecked_into();
        let mut chunk = Vec::new();
        let mut from_start = false;
        loop {
            let read = JsFuture::from(stream.read()).await.map_err(unreadable)?;
            let read: ReadableStreamReadResult = read.unchecked_into();
            if read.get_done().unwrap_or(true) {
                break;
            }
            let bytes: Uint8Array = read.get_value().unchecked_into();
            chunk.resize(bytes.length() as usize, 0);
            bytes.copy_to(&mut chunk);
            if reader.feed(&chunk).map_err(in_file)? == Next::FromStart {
                let _ = stream.cancel();
                from_start = true;
                break;
            }
        }
        if from_start {
            continue;
        }
        reader = match reader.finish().map_err(in_file)? {
            Finished::Table(table) => return Ok(*table),
            Finished::FromStart(reader) => *reader,
        };
    }
}

/// Grows wasm memory once, up front, by a file's size, and frees it again: the users' columns
/// will hold about that much text and grow into the freed block, so memory is not grown slice by
/// slice while reading, and a file that cannot fit in the tab is refused now, with its size,
/// rather than halfway through.
fn reserve_room(size: u64) -> Result<(), Error> {
    let mut room: Vec<u8> = Vec::new();
    let reserved = usize::try_from(size).ok().and_then(|size| room.try_reserve_exact(size).ok());
    // An allocation nothing reads may be optimised away; this one is wanted for its effect.
    std::hint::black_box(&mut room);
    reserved.ok_or_else(|| too_big(size))
}

/// The refusal of a file of `size` bytes that [`reserve_room`] could not make room for.
fn too_big(size: u64) -> Error {
    // No allocation in wasm32 can pass `isize::MAX` bytes (2 GiB): past that the limit is exact.
    let most = isize::MAX as u64;
    if size > most {
        return Error::new(ErrorKind::TooLarge { size, limit: most });
    }
    // Under it, what fits depends on what the tab holds already.
    usage(format!(
        "its {:.0} MB do not fit in this tab's memory now: close other tabs and try again, or \
         export only the columns the audit reads",
        size as f64 / 1e6
    ))
}

/// Tenant context files are a few hundred kilobytes; one far larger is an export in the
/// wrong zone, refused before it is read whole.
const MAX_CONTEXT_BYTES: f64 = 64e6;

/// Reads the tenant context files (synchronously: they are small, and workers may).
fn read_context(names: &[String], blobs: &[Blob]) -> Result<TenantContext, Error> {
    let mut files = Vec::with_capacity(names.len());
    for (name, blob) in names.iter().zip(blobs) {
        if blob.size() > MAX_CONTEXT_BYTES {
            return Err(usage(format!(
                "{name} is {:.0} MB: a tenant context file (roles, domains, sync features) is a \
                 few hundred kilobytes. Is it one of the user exports? Put those in the first two \
                 zones",
                blob.size() / 1e6
            )));
        }
        let bytes = FileReaderSync::new()
            .and_then(|reader| reader.read_as_array_buffer(blob))
            .map_err(|_| usage(format!("{name} could not be read")))?;
        files.push((name.as_str(), Uint8Array::new(&bytes).to_vec()));
    }
    TenantContext::read(files.iter().map(|(name, bytes)| (*name, bytes.as_slice())))
}

/// Reads an earlier run's JSON report (synchronously: workers may; it is read whole anyway).
fn read_earlier(name: &str, blob: Option<&Blob>) -> Result<EarlierReport, Error> {
    let unreadable = || usage(format!("{name} could not be read"));
    let reader = FileReaderSync::new().map_err(|_| unreadable())?;
    let bytes =
        reader.read_as_array_buffer(blob.ok_or_else(unreadable)?).map_err(|_| unreadable())?;
    EarlierReport::read(name, &Uint8Array::new(&bytes).to_vec())
}

/// Reads Entra Connect's pending exports (synchronously, as the earlier report).
fn read_pending(name: &str, blob: Option<&Blob>) -> Result<(String, PendingExports), Error> {
    let unreadable = || usage(format!("{name} could not be read"));
    let reader = FileReaderSync::new().map_err(|_| unreadable())?;
    let bytes =
        reader.read_as_array_buffer(blob.ok_or_else(unreadable)?).map_err(|_| unreadable())?;
    let pending = pending::read(name, &Uint8Array::new(&bytes).to_vec())?;
    Ok((name.to_string(), pending))
}

/// The start of a file, enough to find its header line (read synchronously: workers may).
fn file_head(blob: &Blob) -> Option<Vec<u8>> {
    let head = blob.slice_with_f64_and_f64(0.0, SNIFF_BYTES as f64).ok()?;
    let bytes = FileReaderSync::new().ok()?.read_as_array_buffer(&head).ok()?;
    Some(Uint8Array::new(&bytes).to_vec())
}

fn blob(bytes: &[u8], mime: &str) -> Blob {
    blob_of_parts(&Array::of1(&Uint8Array::from(bytes)), mime)
}

/// A Blob of `parts` (Uint8Arrays), typed `mime`.
fn blob_of_parts(parts: &Array, mime: &str) -> Blob {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(parts, &options)
        .unwrap_or_else(|e| panic!("cannot create a Blob: {e:?}"))
}

/// The numbers the page shows for a finished run.
pub fn overview(audit: &Audit) -> Overview {
    let counts = &audit.counts;
    let line = headline(audit);
    Overview {
        safe: line.safe,
        headline: line.text,
        files: [audit.onprem.clone(), audit.cloud.clone()],
        counts: shown_counts(counts),
        custom_anchor: counts.custom_anchor,
        duplicates: counts.duplicates,
        entries: audit.report.entries.len() as u64,
        accounting: audit.accounting,
        notices: audit.report.notices.clone(),
        anchor_attribute: audit.report.anchor_attribute.describe(),
        unreadable: audit
            .unreadable
            .iter()
            .take(UNREADABLE_SHOWN)
            .map(|r| r.error.clone())
            .collect(),
        since: audit.since.as_ref().map(SinceView::of),
        pending: audit.pending.as_ref().map(PendingView::of),
    }
}

/// One entry as the detail panel shows it.
pub fn detail(audit: &Audit, index: u32) -> Detail {
    let entry = &audit.report.entry(index as usize);
    let view = entry_view(&audit.report, entry);
    let pair = |label: &str, value: &str| (label.to_string(), value.to_string());
    let guid =
        |guid: Option<uuid::Uuid>| guid.map(|g| g.hyphenated().to_string()).unwrap_or_default();
    let onprem = view
        .onprem
        .map(|p| {
            vec![
                pair("Line", &p.line.to_string()),
                pair("userPrincipalName", p.upn),
                pair("Name", p.name),
                pair("sAMAccountName", p.sam_account_name),
                pair("objectGUID", &guid(p.object_guid)),
                pair("mS-DS-ConsistencyGuid", &guid(p.consistency_guid)),
                pair("mail", p.mail),
            ]
        })
        .unwrap_or_default();
    let cloud = view
        .cloud
        .map(|c| {
            let synced = match c.synced {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            };
            vec![
                pair("Line", &c.line.to_string()),
                pair("userPrincipalName", c.upn),
                pair("Display name", c.name),
                pair("ImmutableID", c.immutable_id),
                pair("Synced", synced),
                pair("mail", c.mail),
            ]
        })
        .unwrap_or_default();
    Detail {
        entry: index,
        category: Some(view.category),
        onprem,
        cloud,
        anchor: view.anchor.as_deref().map(String::from),
        anchor_class: view.cloud_anchor_class.map(String::from),
        anchor_explain: entry.cloud_anchor.as_ref().map(|c| c.explain()),
        reason: view.reason,
        findings: view.findings.into_iter().map(|f| (f.severity, f.message)).collect(),
        fix_summary: view.fix.as_ref().map(|f| f.summary.clone()),
        fix_powershell: view.fix.map(|f| f.powershell),
    }
}

fn download(audit: &Audit, kind: DownloadKind) -> Blob {
    let mut out = BlobParts::default();
    // Writing to BlobParts cannot fail.
    let _ = match kind {
        DownloadKind::Csv => write_csv(audit, &mut out),
        // Ended by a newline, as the CLI writes it: the same bytes either way.
        DownloadKind::Json => write_json(audit, &mut out).and_then(|()| out.write_all(b"\n")),
        DownloadKind::Script => out.write_all(fix_script(audit).as_bytes()),
        DownloadKind::Html => write_html(audit, &mut out),
        DownloadKind::Unreadable(side) => write_unreadable_csv(audit, side, &mut out),
    };
    out.into_blob(kind.mime())
}

/// A download written a piece at a time into JS memory: never whole in wasm memory, which
/// holds the report already (at 2x1M users the JSON is about 1 GB, and it ran the worker out of
/// memory when it was made in one `Vec`).
#[derive(Default)]
struct BlobParts {
    parts: Vec<Uint8Array>,
    piece: Vec<u8>,
}

/// How much of a download is gathered in wasm memory before it is copied out as one part.
const BLOB_PART: usize = 8 << 20;

impl BlobParts {
    fn end_piece(&mut self) {
        if !self.piece.is_empty() {
            self.parts.push(Uint8Array::from(&self.piece[..]));
            self.piece.clear();
        }
    }

    fn into_blob(mut self, mime: &str) -> Blob {
        self.end_piece();
        blob_of_parts(&self.parts.into_iter().collect(), mime)
    }
}

impl std::io::Write for BlobParts {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        // The piece never grows past its part: it is ended first. A write of a part or more
        // (the whole fix script) is copied out as it is.
        if self.piece.len() + bytes.len() > BLOB_PART {
            self.end_piece();
        }
        if bytes.len() >= BLOB_PART {
            self.parts.push(Uint8Array::from(bytes));
            return Ok(bytes.len());
        }
        if self.piece.capacity() == 0 {
            self.piece.reserve_exact(BLOB_PART);
        }
        self.piece.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How much of a refused file is decoded to find its header line.
const SNIFF_BYTES: usize = 256 * 1024;

/// The header names of a file the audit refused, for the column-mapping control: the first
/// non-empty line after any `#TYPE` line, split on the likeliest delimiter. Only the first
/// 256 KiB are decoded. LDIF files have no header line: none are returned.
pub fn sniff_headers(bytes: &[u8]) -> Vec<String> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let text = match head {
        [0xFF, 0xFE, rest @ ..] => encoding_rs::UTF_16LE.decode_without_bom_handling(rest).0,
        [0xFE, 0xFF, rest @ ..] => encoding_rs::UTF_16BE.decode_without_bom_handling(rest).0,
        _ => String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head)),
    };
    let Some(line) =
        text.lines().map(str::trim).filter(|l| !l.is_empty()).find(|l| !l.starts_with("#TYPE"))
    else {
        return Vec::new();
    };
    if line.starts_with("dn:") || line.starts_with("version:") {
        return Vec::new();
    }
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(line.as_bytes());
    reader
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect())
        .unwrap_or_default()
}
