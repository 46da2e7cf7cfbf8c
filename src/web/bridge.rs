//! The page side of the workers: spawns them, queues messages until each says it is ready, and
//! replaces them on cancel, on Clear and after a panic.
//!
//! Two workers from the same code: the main worker, which reads the on-prem file, audits and
//! keeps the report, and a reader, which reads the cloud file at the same time on the second
//! core (from the main worker's first progress report), makes its users and sends them straight
//! to the main worker as transferred buffers, through a `MessageChannel` the page makes for the
//! run (the page never holds them). A reader is started for each run and ends itself once its
//! users are sent, so the memory it grew is freed before the main worker matches. Where no
//! reader can be started, runs are sequential in the main worker, as with one core.
//!
//! Nothing is fetched after the page has loaded, not even for a fresh worker: at startup the
//! page's loader (static/boot.js when hosted, the inline starter in the single file) puts the
//! worker's wasm-bindgen glue (text) and its wasm (compiled once, a `WebAssembly.Module`) in
//! `globalThis.anchorAuditWorker`. Every worker is created from one Blob URL holding that glue
//! and [`STARTER`], and is handed the Module by `postMessage` (so the CSP has `worker-src blob:`).
//!
//! A worker matches synchronously (it reads its file between messages, but the matching is one
//! long call), so it cannot see a "cancel" message mid-run; cancelling terminates both (the CPU
//! work stops at once) and starts fresh ones. Each worker gets a
//! generation number and messages from an older generation are dropped.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, MessageChannel, MessageEvent, Url, Worker};
use yew::Callback;

use super::protocol::{FromWorker, ToWorker};
use super::state::LoadedFile;
use crate::engine::audit::AuditOptions;

/// Where the page's loader leaves the worker's code: `{ glue: string, module: WebAssembly.Module }`.
const WORKER_CODE: &str = "anchorAuditWorker";

/// Appended to the worker's glue (wasm-bindgen `--target no-modules`, which defines
/// `wasm_bindgen`): the first message is the compiled Module; instantiating it runs the worker's
/// `main` (src/bin/worker.rs), which takes over `onmessage` and says it is ready.
pub const STARTER: &str = "\n;self.onmessage = (event) => {\n  self.onmessage = null;\n  \
     wasm_bindgen.initSync({ module: event.data });\n};\n";

/// The worker's `onmessage` handler, kept alive as long as its worker.
type Handler = Closure<dyn Fn(MessageEvent)>;
/// Its `onerror` handler (a worker that fails before it is ready).
type ErrorHandler = Closure<dyn Fn(JsValue)>;

/// The worker's code, prepared once for the page's life.
struct Code {
    /// A `blob:` URL of the glue + [`STARTER`].
    url: String,
    /// The compiled worker wasm.
    module: JsValue,
}

impl Code {
    /// Reads what the page's loader prepared and makes the Blob URL.
    fn new() -> Result<Code, String> {
        let code = Reflect::get(&js_sys::global(), &JsValue::from_str(WORKER_CODE))
            .ok()
            .filter(|c| c.is_object())
            .ok_or("the page's loader did not prepare the worker's code")?;
        let glue = Reflect::get(&code, &JsValue::from_str("glue"))
            .ok()
            .and_then(|g| g.as_string())
            .ok_or("the worker's glue is missing")?;
        let module = Reflect::get(&code, &JsValue::from_str("module"))
            .ok()
            .filter(|m| m.is_instance_of::<js_sys::WebAssembly::Module>())
            .ok_or("the worker's wasm module is missing")?;
        let parts = Array::of2(&JsValue::from_str(&glue), &JsValue::from_str(STARTER));
        let options = BlobPropertyBag::new();
        options.set_type("text/javascript");
        let blob = Blob::new_with_str_sequence_and_options(&parts, &options)
            .map_err(|e| format!("{e:?}"))?;
        let url = Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
        Ok(Code { url, module })
    }
}

/// Which of the two workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Reads the on-prem file, audits, keeps the report, answers the page.
    Main,
    /// Reads the cloud file of a run, then is replaced.
    Reader,
}

/// One worker and what the page keeps beside it.
#[derive(Default)]
struct Peer {
    worker: Option<Worker>,
    generation: u32,
    ready: bool,
    /// Messages (and what they transfer) waiting for `ready`.
    queue: Vec<(Array, Option<Array>)>,
    handler: Option<Handler>,
    error_handler: Option<ErrorHandler>,
    /// It panicked or stopped: whatever else it sends until it is replaced (the trap after a
    /// panic, or a panic from state a trap left half changed) is dropped, so the page keeps the
    /// first cause.
    crashed: bool,
}

impl Peer {
    fn post(&mut self, message: Array, transfer: Option<Array>) {
        match (&self.worker, self.ready) {
            (Some(worker), true) => post(worker, &message, transfer.as_ref()),
            (Some(_), false) => self.queue.push((message, transfer)),
            (None, _) => {}
        }
    }

    fn terminate(&mut self) {
        if let Some(worker) = self.worker.take() {
            // Events already queued for it (a trapped worker's next errors) must find no
            // handler: its closures are dropped when it is replaced.
            worker.set_onmessage(None);
            worker.set_onerror(None);
            worker.terminate();
        }
        self.queue.clear();
        self.ready = false;
        self.crashed = false;
    }
}

fn post(worker: &Worker, message: &Array, transfer: Option<&Array>) {
    // Posting only fails for values that cannot be cloned; ours are strings, Blobs and
    // ArrayBuffers.
    let _ = match transfer {
        Some(transfer) => worker.post_message_with_transfer(message, transfer),
        None => worker.post_message(message),
    };
}

/// A message as the workers read it: JSON text in slot 0, values beside it.
fn message_array(message: &ToWorker, extras: &[JsValue]) -> Array {
    let array = Array::new();
    array.push(&JsValue::from_str(&serde_json::to_string(message).unwrap_or_default()));
    for extra in extras {
        array.push(extra);
    }
    array
}

/// The page's handle on its workers.
pub struct Bridge {
    code: Result<Code, String>,
    main: RefCell<Peer>,
    reader: RefCell<Peer>,
    /// Whether a reader can be started; once one fails to start, runs are sequential.
    reader_usable: Cell<bool>,
    /// The parallel run whose reader has not started yet.
    waiting: Cell<Option<u32>>,
    /// The run's read for the reader, sent once the main worker has loaded the on-prem file.
    deferred: RefCell<Option<(u32, Array, Array)>>,
    /// A run was sent and has not answered yet.
    busy: Cell<bool>,
    on_message: Callback<(FromWorker, Vec<Blob>)>,
}

impl Bridge {
    /// Starts the workers; every message the main worker sends (and the reader's progress)
    /// goes to `on_message`.
    pub fn new(on_message: Callback<(FromWorker, Vec<Blob>)>) -> Rc<Bridge> {
        let bridge = Rc::new(Bridge {
            code: Code::new(),
            main: RefCell::default(),
            reader: RefCell::default(),
            reader_usable: Cell::new(true),
            waiting: Cell::new(None),
            deferred: RefCell::new(None),
            busy: Cell::new(false),
            on_message,
        });
        bridge.spawn(Role::Main);
        bridge
    }

    fn peer(&self, role: Role) -> &RefCell<Peer> {
        match role {
            Role::Main => &self.main,
            Role::Reader => &self.reader,
        }
    }

    fn spawn(self: &Rc<Self>, role: Role) {
        let generation = {
            let mut peer = self.peer(role).borrow_mut();
            peer.terminate();
            peer.generation = peer.generation.wrapping_add(1);
            peer.generation
        };
        let weak = Rc::downgrade(self);
        let handler = Handler::new(move |event: MessageEvent| {
            let Some(bridge) = weak.upgrade() else { return };
            let peer = bridge.peer(role).borrow();
            // A message from a worker that was replaced, or that crashed already.
            if peer.generation != generation || peer.crashed {
                return;
            }
            drop(peer);
            let data: Array = event.data().unchecked_into();
            let text = data.get(0).as_string().unwrap_or_default();
            let extras: Vec<JsValue> = (1..data.length()).map(|i| data.get(i)).collect();
            let message = serde_json::from_str::<FromWorker>(&text).unwrap_or_else(|e| {
                FromWorker::Panic(format!("unreadable message from the worker: {e}"))
            });
            bridge.received(role, message, extras);
        });
        // An error before the worker is ready means it could not start (its code, the CSP…).
        // After a panic the worker has reported, it is that panic's trap. Any other means the
        // worker stopped without a panic: out of memory, as a rule, which would otherwise leave
        // the page waiting for ever. (Chromium delivers a worker's messages and error events in
        // the order they happened, so a panic's message comes before its trap's event.)
        let weak = Rc::downgrade(self);
        let error_handler = ErrorHandler::new(move |event: JsValue| {
            let Some(bridge) = weak.upgrade() else { return };
            let peer = bridge.peer(role).borrow();
            if peer.generation != generation || peer.crashed {
                return;
            }
            let ready = peer.ready;
            drop(peer);
            let message = Reflect::get(&event, &JsValue::from_str("message"))
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "no message".into());
            if ready {
                // Handled here: the page's own error handler need not see it again.
                if let Some(event) = event.dyn_ref::<web_sys::Event>() {
                    event.prevent_default();
                }
                bridge.received(role, FromWorker::Stopped(message), Vec::new());
            } else {
                bridge.not_started(role, message);
            }
        });
        let started = self.code.as_ref().map_err(Clone::clone).and_then(|code| {
            let worker = Worker::new(&code.url).map_err(|e| format!("{e:?}"))?;
            worker.set_onmessage(Some(handler.as_ref().unchecked_ref()));
            worker.set_onerror(Some(error_handler.as_ref().unchecked_ref()));
            worker.post_message(&code.module).map_err(|e| format!("{e:?}"))?;
            Ok(worker)
        });
        {
            let mut peer = self.peer(role).borrow_mut();
            peer.handler = Some(handler);
            peer.error_handler = Some(error_handler);
            peer.worker = started.as_ref().ok().cloned();
        }
        if let Err(e) = started {
            self.not_started(role, e);
        }
    }

    /// A worker could not start: the main worker's failure is shown as a crash; without a
    /// reader, runs go on in the main worker alone.
    fn not_started(self: &Rc<Self>, role: Role, message: String) {
        match role {
            Role::Main => self.on_message.emit((
                FromWorker::Panic(format!("the worker could not be started: {message}")),
                Vec::new(),
            )),
            Role::Reader => {
                self.reader_usable.set(false);
                // Only terminated: its handlers may be running now, and stay until replaced.
                self.reader.borrow_mut().terminate();
                self.deferred.take();
                if let Some(run) = self.waiting.take() {
                    self.main
                        .borrow_mut()
                        .post(message_array(&ToWorker::ReadCloudHere { run }, &[]), None);
                }
            }
        }
    }

    fn received(self: &Rc<Self>, role: Role, message: FromWorker, extras: Vec<JsValue>) {
        if message == FromWorker::Ready {
            if role == Role::Reader {
                // Started: from now on it sends the table or panics.
                self.waiting.set(None);
            }
            let mut peer = self.peer(role).borrow_mut();
            peer.ready = true;
            let queued = std::mem::take(&mut peer.queue);
            if let Some(worker) = &peer.worker {
                for (message, transfer) in queued {
                    post(worker, &message, transfer.as_ref());
                }
            }
        }
        let crashed = matches!(message, FromWorker::Panic(_) | FromWorker::Stopped(_));
        if crashed {
            self.peer(role).borrow_mut().crashed = true;
        }
        match (role, message) {
            (
                Role::Reader,
                message @ (FromWorker::Progress { .. }
                | FromWorker::Panic(_)
                | FromWorker::Stopped(_)),
            ) => {
                self.on_message.emit((message, Vec::new()));
            }
            (Role::Reader, _) => {}
            (Role::Main, message) => {
                if let FromWorker::Progress { run, .. } = message {
                    // The main worker has started streaming the on-prem file (the larger, as a
                    // rule): the reader starts on the cloud file beside it.
                    if self.deferred.borrow().as_ref().is_some_and(|d| d.0 == run) {
                        if let Some((_, read, transfer)) = self.deferred.take() {
                            self.reader.borrow_mut().post(read, Some(transfer));
                        }
                    }
                }
                if matches!(message, FromWorker::Done { .. } | FromWorker::Failed { .. }) {
                    self.busy.set(false);
                    self.waiting.set(None);
                    self.deferred.take();
                    // A run that failed before the cloud table was needed leaves a reader
                    // still reading (one that sent its table has closed itself).
                    self.reader.borrow_mut().terminate();
                }
                let blobs = extras.into_iter().filter_map(|e| e.dyn_into().ok()).collect();
                if matches!(message, FromWorker::Done { .. }) {
                    // Reading the finished report's message (10-18 ms at 1M users) and
                    // rendering the report (30-40 ms) in one task made it 50-60 ms, over the
                    // 50 ms a task may take: the render goes in a task of its own. Nothing else
                    // can come meanwhile: the page asks for rows once it has rendered the report.
                    let on_message = self.on_message.clone();
                    gloo::timers::callback::Timeout::new(0, move || {
                        on_message.emit((message, blobs));
                    })
                    .forget();
                } else {
                    self.on_message.emit((message, blobs));
                }
            }
        }
        if crashed {
            // A panicked or stopped worker answers nothing more: replace both, after this
            // handler has returned (restarting drops the closure that is running).
            let weak = Rc::downgrade(self);
            gloo::timers::callback::Timeout::new(0, move || {
                if let Some(bridge) = weak.upgrade() {
                    bridge.restart();
                }
            })
            .forget();
        }
    }

    /// Starts a run of the two files (on-prem, cloud). A run still in progress is stopped first
    /// (a worker cannot be interrupted otherwise), so the new one does not wait behind it.
    pub fn run(
        self: &Rc<Self>,
        run: u32,
        options: AuditOptions,
        exports: [&LoadedFile; 2],
        context: &[LoadedFile],
        earlier: Option<&LoadedFile>,
        pending: Option<&LoadedFile>,
    ) {
        if self.busy.get() {
            self.restart();
        }
        self.busy.set(true);
        // A fresh reader each run; one that cannot start makes this run sequential after
        // all (`not_started`) and the next ones too.
        if self.reader_usable.get() {
            self.spawn(Role::Reader);
        }
        let channel = MessageChannel::new().ok().filter(|_| self.reader_usable.get());
        let names = exports.map(|f| f.name.clone());
        let mut files: Vec<JsValue> = exports
            .into_iter()
            .chain(context)
            .chain(earlier)
            .chain(pending)
            .map(|f| JsValue::from(&f.blob))
            .collect();
        let context = context.iter().map(|f| f.name.clone()).collect();
        let earlier = earlier.map(|f| f.name.clone());
        let pending = pending.map(|f| f.name.clone());
        let parallel = channel.is_some();
        let mut transfer = None;
        if let Some(channel) = channel {
            self.waiting.set(Some(run));
            let read = ToWorker::Read { run, name: names[1].clone(), options: options.clone() };
            let (mine, theirs) = (channel.port1(), channel.port2());
            let message = message_array(&read, &[files[1].clone(), mine.clone().into()]);
            *self.deferred.borrow_mut() = Some((run, message, Array::of1(&mine)));
            files.push(theirs.clone().into());
            transfer = Some(Array::of1(&theirs));
        }
        let message = ToWorker::Run { run, names, options, parallel, context, earlier, pending };
        self.main.borrow_mut().post(message_array(&message, &files), transfer);
    }

    /// Sends a message to the main worker with Blobs beside it (queued until it is ready).
    pub fn send(&self, message: &ToWorker, blobs: &[Blob]) {
        let extras: Vec<JsValue> = blobs.iter().map(JsValue::from).collect();
        self.main.borrow_mut().post(message_array(message, &extras), None);
    }

    /// Stops both workers at once, whatever they are doing, and starts a fresh main worker (a
    /// reader starts with the next run).
    pub fn restart(self: &Rc<Self>) {
        self.busy.set(false);
        self.waiting.set(None);
        self.deferred.take();
        self.reader.borrow_mut().terminate();
        self.spawn(Role::Main);
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.main.borrow_mut().terminate();
        self.reader.borrow_mut().terminate();
        if let Ok(code) = &self.code {
            let _ = Url::revoke_object_url(&code.url);
        }
    }
}
