// Starts the app. Trunk's pattern_script puts this file's <script> tag in the page with the hashed
// names of the wasm-bindgen glue and the wasm binary, so no inline script is needed (see the CSP).
const tag = document.querySelector("script[data-js][data-wasm]");
const here = new URL(".", import.meta.url);
const { default: init } = await import(new URL(tag.dataset.js, here).href);
await init({ module_or_path: new URL(tag.dataset.wasm, here) });
