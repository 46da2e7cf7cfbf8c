// End to end: a browser whose WebAssembly has no SIMD (the app is built with simd128) gets a
// plain message saying which browsers run the app, not a blank page.

import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { useServedApp } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = process.env.ANCHOR_AUDIT_DIST ?? path.join(here, "../../dist");

const app = useServedApp({ dist: DIST, required: "boot.js", viewport: { width: 1024, height: 700 }, timeout: 30_000 });

test("without wasm SIMD the page says which browsers run it", async () => {
  const page = await app.context.newPage();
  // What an older browser's validate() answers for a module using a SIMD instruction.
  await page.addInitScript(() => {
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => !new Uint8Array(bytes).includes(0xfd) && validate(bytes);
  });
  const requests = [];
  page.on("request", (r) => requests.push(new URL(r.url()).pathname));
  await page.goto(app.server.url, { waitUntil: "load" });
  const alert = page.locator("[role='alert']");
  await alert.waitFor({ timeout: 30_000 });
  assert.match(await alert.textContent(), /needs a browser with WebAssembly SIMD: Chrome or Edge 91/);
  assert.equal(await page.locator("html[data-ready='true']").count(), 0, "the app did not start");
  // It stopped before fetching the worker it cannot run (the page's wasm is preloaded by the HTML).
  assert.deepEqual(requests.filter((p) => p.endsWith("/worker_bg.wasm") || p.endsWith("/worker.js")), []);
  await page.close();
});

test("with wasm SIMD the same page starts the app", async () => {
  const { page, seen } = await app.open();
  assert.equal(await page.locator("[role='alert']").count(), 0);
  app.assertNoLeaks(seen);
  await page.close();
});
