// Starts the worker (src/bin/worker.rs): loads the wasm-bindgen glue Trunk built with
// `--target no-modules` (worker.js) and initialises it with its wasm, both from this folder.
// Written here rather than by Trunk's data-loader-shim, whose call uses the deprecated
// positional argument (Chromium logs a warning for it).
importScripts("./worker.js");
wasm_bindgen({ module_or_path: "./worker_bg.wasm" });
