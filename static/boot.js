// Starts the app. Trunk's pattern_script puts this file's <script> tag in the page with the hashed
// names of the wasm-bindgen glue and the wasm binary, so no inline script is needed (see the CSP).
//
// It also prepares the worker's code, once: the worker's glue (worker.js, wasm-bindgen
// `--target no-modules`) as text and its wasm compiled to a WebAssembly.Module. src/web/bridge.rs
// starts every worker (the first, and each after Cancel or Clear) from a Blob URL of that glue and
// hands it the Module, so nothing is fetched after the page has loaded.
const tag = document.querySelector("script[data-js][data-wasm]");
const here = new URL(".", import.meta.url);

async function get(name) {
  const response = await fetch(new URL(name, here));
  if (!response.ok) throw new Error(`Anchor Audit could not load ${name}: HTTP ${response.status}`);
  return response;
}

// The smallest module using a SIMD instruction (v128.const, drop): the app is built for wasm SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 23, 1, 21, 0, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 26, 11,
]);

async function start() {
  if (typeof WebAssembly !== "object" || !WebAssembly.validate(SIMD_PROBE)) {
    throw new Error(
      "Anchor Audit needs a browser with WebAssembly SIMD: Chrome or Edge 91 or later, " +
        "Firefox 89 or later, Safari 16.4 or later.",
    );
  }
  const [glue, workerGlue, workerModule] = await Promise.all([
    import(new URL(tag.dataset.js, here).href),
    get("worker.js").then((r) => r.text()),
    // compile(), not compileStreaming(): it does not depend on the server's MIME type for .wasm.
    get("worker_bg.wasm").then((r) => r.arrayBuffer()).then((bytes) => WebAssembly.compile(bytes)),
  ]);
  globalThis.anchorAuditWorker = Object.freeze({ glue: workerGlue, module: workerModule });
  await glue.default({ module_or_path: new URL(tag.dataset.wasm, here) });
}

// Without this the page would stay blank: say what went wrong where the app would be.
start().catch((error) => {
  const message = document.createElement("p");
  message.setAttribute("role", "alert");
  message.className = "boot-error";
  message.textContent = error instanceof Error ? error.message : String(error);
  document.body.replaceChildren(message);
});
