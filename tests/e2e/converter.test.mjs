// End to end: the release build (dist/) served on 127.0.0.1, in Debian's headless Chromium driven
// by playwright-core. Types a GUID into the converter like a user, reads the ImmutableID off the
// page, and checks the page's promise: no request after load, none off this machine, no errors.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchBrowser, networkRequests } from "./browser.mjs";
import { serveFolder } from "./serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = process.env.ANCHOR_AUDIT_DIST ?? path.join(here, "../../dist");
const ARTIFACTS = path.join(here, "artifacts");
const TIMEOUT = 20_000;

const GUID = "35918bc9-196d-40ea-9779-889d79b753f0";
const IMMUTABLE_ID = "yYuRNW0Z6kCXeYidebdT8A==";

let server;
let userDataDir;
let context;

before(async () => {
  await fs.access(path.join(DIST, "index.html")).catch(() => {
    throw new Error(`${DIST}/index.html is missing: run \`trunk build --release\` first`);
  });
  server = await serveFolder(DIST);
  userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), "anchor-audit-e2e-"));
  context = await launchBrowser(userDataDir, { width: 900, height: 640 });
  await fs.mkdir(ARTIFACTS, { recursive: true });
});

after(async () => {
  await context?.close();
  await server?.close();
  if (userDataDir) await fs.rm(userDataDir, { recursive: true, force: true });
});

/** Opens the app in a new tab, recording every request and every error the page reports. */
async function openApp() {
  const page = await context.newPage();
  const seen = { requests: [], errors: [], loaded: false };
  // Settles, as a failure, on the first error the page reports, so a wait can stop early with
  // the page's own message (a Rust panic, a CSP violation) rather than time out.
  let fail;
  seen.failed = new Promise((_, reject) => (fail = reject));
  seen.failed.catch(() => {});
  const error = (text) => {
    seen.errors.push(text);
    fail(new Error(`the page reported an error: ${text}`));
  };
  // The app has loaded when its worker is up too (`data-ready` on <html>): the worker's code
  // is fetched just after the `load` event. CDP delivers events in order, so a request seen
  // after that was made after it. The context sees the worker's requests as well as the page's.
  const onRequest = (r) => seen.requests.push({ url: r.url(), afterLoad: seen.loaded });
  context.on("request", onRequest);
  page.on("close", () => context.off("request", onRequest));
  page.on("requestfailed", (r) => error(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("console", (m) => m.type() === "error" && error(`console: ${m.text()}`));
  page.on("pageerror", (e) => error(`page error: ${e.message}`));
  await page.goto(server.url, { waitUntil: "load", timeout: TIMEOUT });
  await page.getByLabel("objectGUID or ImmutableID").waitFor({ timeout: TIMEOUT });
  await page.waitForSelector("html[data-ready='true']", { timeout: TIMEOUT });
  seen.loaded = true;
  return { page, seen };
}

function assertNoLeaks(seen) {
  assert.deepEqual(seen.errors, [], "the page reported errors");
  const origin = new URL(server.url).origin;
  const network = networkRequests(seen.requests, origin);
  const offMachine = network.filter((r) => !r.url.startsWith(origin + "/"));
  assert.deepEqual(offMachine, [], `requests to anything but ${origin}`);
  const late = network.filter((r) => r.afterLoad);
  assert.deepEqual(late, [], "requests after the app (page and worker) had loaded");
}

test("the page loads, says where data stays, and makes no request once loaded", { timeout: 60_000 }, async () => {
  const { page, seen } = await openApp();
  assert.equal(await page.title(), "Anchor Audit");
  assert.equal(await page.locator("h1").textContent(), "Anchor Audit");
  assert.match(await page.locator(".privacy").textContent(), /stays in this browser/);
  assertNoLeaks(seen);
  // The app itself was loaded (the glue, the wasm), all before the load event.
  assert.ok(seen.requests.some((r) => r.url.endsWith("_bg.wasm")), "the wasm was requested");
  await page.screenshot({ path: path.join(ARTIFACTS, "page.png"), fullPage: true });
  await page.close();
});

test("typing a GUID shows its ImmutableID, with no network traffic", { timeout: 60_000 }, async () => {
  const { page, seen } = await openApp();
  const input = page.getByLabel("objectGUID or ImmutableID");
  // Key by key, as a person types: every prefix of the GUID is converted on the way.
  await input.pressSequentially(GUID);
  const shown = page.locator("[data-form='immutableid']", {
    hasText: new RegExp(`^${escape(IMMUTABLE_ID)}$`),
  });
  await Promise.race([shown.waitFor({ timeout: TIMEOUT }), seen.failed]);
  await page.screenshot({ path: path.join(ARTIFACTS, "converter.png"), fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: path.join(ARTIFACTS, "converter-dark.png"), fullPage: true });
  assertNoLeaks(seen);
  await page.close();
});

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
