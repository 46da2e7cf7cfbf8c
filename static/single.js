// The single file's starter (dist/anchor-audit.html, written by `cargo xtask` after Trunk's
// build; not copied to dist/ on its own). It runs at the end of the one inline module script,
// right after the app's wasm-bindgen glue (whose `__wbg_init` it calls), and does what
// static/boot.js does for the hosted build, from data blocks in the same file instead of URLs:
// nothing is fetched, ever (the file's CSP says connect-src 'none').
//
// Data blocks (<script type="application/octet-stream"> / "text/plain") never execute, so the
// CSP needs no hash for them: #app-wasm and #worker-wasm hold the two wasm binaries in base64,
// #worker-glue the worker's wasm-bindgen glue (`--target no-modules`) as text.
const block = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`Anchor Audit: the data block #${id} is missing from this file`);
  return element;
};
const bytes = (id) => {
  const text = block(id).textContent.trim();
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
};

// The worker's code, prepared once: src/web/bridge.rs starts every worker (the first, and each
// after Cancel or Clear) from a Blob URL of the glue and posts it the compiled Module.
const workerModule = await WebAssembly.compile(bytes("worker-wasm"));
globalThis.anchorAuditWorker = Object.freeze({ glue: block("worker-glue").textContent, module: workerModule });
const appModule = await WebAssembly.compile(bytes("app-wasm"));
// The base64 text is no longer needed: let it be freed.
for (const id of ["app-wasm", "worker-wasm", "worker-glue"]) block(id).remove();
await __wbg_init({ module_or_path: appModule });
