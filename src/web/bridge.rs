//! The page side of the worker: spawns it from `./worker_loader.js` (same origin, so the CSP
//! needs no `blob:`), queues messages until it says it is ready, and replaces it on cancel.
//!
//! The worker computes synchronously, so it cannot see a "cancel" message mid-run; cancelling
//! terminates it (the CPU work stops at once) and starts a fresh one. Each worker gets a
//! generation number and messages from an older generation are dropped.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, MessageEvent, Worker};
use yew::Callback;

use super::protocol::{FromWorker, ToWorker};

/// The worker's loader (static/worker_loader.js, beside Trunk's `data-type="worker"` output),
/// relative to the page, so the app works under any sub-path.
const WORKER_URL: &str = "./worker_loader.js";

/// The worker's `onmessage` handler, kept alive as long as its worker.
type Handler = Closure<dyn Fn(MessageEvent)>;

/// The page's handle on its worker.
pub struct Bridge {
    worker: RefCell<Option<Worker>>,
    generation: Cell<u32>,
    ready: Cell<bool>,
    /// A run was sent and has not answered yet.
    busy: Cell<bool>,
    queue: RefCell<Vec<Array>>,
    on_message: Callback<(FromWorker, Vec<Blob>)>,
    handler: RefCell<Option<Handler>>,
}

impl Bridge {
    /// Starts a worker; every message it sends goes to `on_message`.
    pub fn new(on_message: Callback<(FromWorker, Vec<Blob>)>) -> Rc<Bridge> {
        let bridge = Rc::new(Bridge {
            worker: RefCell::new(None),
            generation: Cell::new(0),
            ready: Cell::new(false),
            busy: Cell::new(false),
            queue: RefCell::new(Vec::new()),
            on_message,
            handler: RefCell::new(None),
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
        match Worker::new(WORKER_URL) {
            Ok(worker) => {
                worker.set_onmessage(Some(handler.as_ref().unchecked_ref()));
                *self.worker.borrow_mut() = Some(worker);
            }
            Err(e) => self.on_message.emit((
                FromWorker::Panic(format!("the worker could not be started: {e:?}")),
                Vec::new(),
            )),
        }
        *self.handler.borrow_mut() = Some(handler);
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
    }
}
