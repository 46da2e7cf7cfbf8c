//! The page side of the worker: spawns it, queues messages until it says it is ready, and
//! replaces it on cancel, on Clear and after a panic.
//!
//! Nothing is fetched after the page has loaded, not even for a fresh worker: at startup the
//! page's loader (static/boot.js when hosted, the inline starter in the single file) puts the
//! worker's wasm-bindgen glue (text) and its wasm (compiled once, a `WebAssembly.Module`) in
//! `globalThis.anchorAuditWorker`. Every worker is created from one Blob URL holding that glue
//! and [`STARTER`], and is handed the Module by `postMessage` (so the CSP has `worker-src blob:`).
//!
//! The worker computes synchronously, so it cannot see a "cancel" message mid-run; cancelling
//! terminates it (the CPU work stops at once) and starts a fresh one. Each worker gets a
//! generation number and messages from an older generation are dropped.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker};
use yew::Callback;

use super::protocol::{FromWorker, ToWorker};

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

/// The page's handle on its worker.
pub struct Bridge {
    code: Result<Code, String>,
    worker: RefCell<Option<Worker>>,
    generation: Cell<u32>,
    ready: Cell<bool>,
    /// A run was sent and has not answered yet.
    busy: Cell<bool>,
    queue: RefCell<Vec<Array>>,
    on_message: Callback<(FromWorker, Vec<Blob>)>,
    handler: RefCell<Option<Handler>>,
    error_handler: RefCell<Option<ErrorHandler>>,
}

impl Bridge {
    /// Starts a worker; every message it sends goes to `on_message`.
    pub fn new(on_message: Callback<(FromWorker, Vec<Blob>)>) -> Rc<Bridge> {
        let bridge = Rc::new(Bridge {
            code: Code::new(),
            worker: RefCell::new(None),
            generation: Cell::new(0),
            ready: Cell::new(false),
            busy: Cell::new(false),
            queue: RefCell::new(Vec::new()),
            on_message,
            handler: RefCell::new(None),
            error_handler: RefCell::new(None),
        });
        bridge.spawn();
        bridge
    }

    fn spawn(self: &Rc<Self>) {
        let generation = self.generation.get().wrapping_add(1);
        self.generation.set(generation);
        self.ready.set(false);
        let weak = Rc::downgrade(self);
        let handler = Handler::new(move |event: MessageEvent| {
            let Some(bridge) = weak.upgrade() else { return };
            if bridge.generation.get() != generation {
                return; // a message from a worker that was replaced
            }
            let data: Array = event.data().unchecked_into();
            let text = data.get(0).as_string().unwrap_or_default();
            let blobs: Vec<Blob> =
                (1..data.length()).filter_map(|i| data.get(i).dyn_into::<Blob>().ok()).collect();
            let message = serde_json::from_str::<FromWorker>(&text).unwrap_or_else(|e| {
                FromWorker::Panic(format!("unreadable message from the worker: {e}"))
            });
            if matches!(message, FromWorker::Done { .. } | FromWorker::Failed { .. }) {
                bridge.busy.set(false);
            }
            if message == FromWorker::Ready {
                bridge.ready.set(true);
                let queued: Vec<Array> = bridge.queue.borrow_mut().drain(..).collect();
                if let Some(worker) = bridge.worker.borrow().as_ref() {
                    for message in queued {
                        let _ = worker.post_message(&message);
                    }
                }
            }
            let crashed = matches!(message, FromWorker::Panic(_));
            bridge.on_message.emit((message, blobs));
            if crashed {
                // A panicked worker answers nothing more: replace it, after this handler has
                // returned (restarting drops the closure that is running).
                let weak = Rc::downgrade(&bridge);
                gloo::timers::callback::Timeout::new(0, move || {
                    if let Some(bridge) = weak.upgrade() {
                        bridge.restart();
                    }
                })
                .forget();
            }
        });
        // An error before the worker is ready means it could not start (its code, the CSP…);
        // later ones follow a panic the worker has already reported.
        let weak = Rc::downgrade(self);
        let error_handler = ErrorHandler::new(move |event: JsValue| {
            let Some(bridge) = weak.upgrade() else { return };
            if bridge.generation.get() != generation || bridge.ready.get() {
                return;
            }
            let message = Reflect::get(&event, &JsValue::from_str("message"))
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "no message".into());
            bridge.on_message.emit((
                FromWorker::Panic(format!("the worker could not be started: {message}")),
                Vec::new(),
            ));
        });
        let started = self.code.as_ref().map_err(Clone::clone).and_then(|code| {
            let worker = Worker::new(&code.url).map_err(|e| format!("{e:?}"))?;
            worker.set_onmessage(Some(handler.as_ref().unchecked_ref()));
            worker.set_onerror(Some(error_handler.as_ref().unchecked_ref()));
            worker.post_message(&code.module).map_err(|e| format!("{e:?}"))?;
            Ok(worker)
        });
        match started {
            Ok(worker) => *self.worker.borrow_mut() = Some(worker),
            Err(e) => self.on_message.emit((
                FromWorker::Panic(format!("the worker could not be started: {e}")),
                Vec::new(),
            )),
        }
        *self.handler.borrow_mut() = Some(handler);
        *self.error_handler.borrow_mut() = Some(error_handler);
    }

    /// Starts a run. A run still in progress is stopped first (the worker cannot be
    /// interrupted otherwise), so the new one does not wait behind it.
    pub fn run(self: &Rc<Self>, message: &ToWorker, blobs: &[Blob]) {
        if self.busy.get() {
            self.restart();
        }
        self.busy.set(true);
        self.send(message, blobs);
    }

    /// Sends a message with Blobs beside it (queued until the worker is ready).
    pub fn send(&self, message: &ToWorker, blobs: &[Blob]) {
        let array = Array::new();
        array.push(&JsValue::from_str(&serde_json::to_string(message).unwrap_or_default()));
        for blob in blobs {
            array.push(blob);
        }
        if self.ready.get() {
            if let Some(worker) = self.worker.borrow().as_ref() {
                let _ = worker.post_message(&array);
            }
        } else {
            self.queue.borrow_mut().push(array);
        }
    }

    /// Stops the worker at once, whatever it is doing, and starts a fresh one.
    pub fn restart(self: &Rc<Self>) {
        if let Some(worker) = self.worker.borrow_mut().take() {
            worker.terminate();
        }
        self.queue.borrow_mut().clear();
        self.busy.set(false);
        self.spawn();
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.borrow_mut().take() {
            worker.terminate();
        }
        if let Ok(code) = &self.code {
            let _ = Url::revoke_object_url(&code.url);
        }
    }
}
