// End to end, issue 4: the app is air-gapped and provably silent, in both builds.
//
// - The single file (dist/anchor-audit.html) opened from disk (file://) in a Chromium cut off the
//   network three ways (every host name resolves to nothing, Playwright's offline mode, and a
//   route that aborts and records any request that would still go out).
// - The hosted build (dist/) served under a sub-path (/tools/anchor-audit/), with the headers
//   README §5 recommends.
//
// Each gets the fixture exports through the real file inputs, gives the full report, downloads
// the CSV and the fix script, is cleared (Clear) and cancelled (Cancel) and runs again with its
// fresh worker. Every request is recorded: the single file makes none but its own file, the
// hosted build none but its own files and all of them before the first file is loaded. Nothing
// is stored (cookies, localStorage, sessionStorage, IndexedDB, Cache Storage). Both builds give
// the same report and byte-identical downloads.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launchBrowser, networkRequests } from "./browser.mjs";
import { serveFolder } from "./serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(here, "../..");
const FIXTURES = path.join(ROOT, "tests/fixtures");
const DIST = process.env.ANCHOR_AUDIT_DIST ?? path.join(ROOT, "dist");
const SINGLE = path.join(DIST, "anchor-audit.html");
const ARTIFACTS = path.join(here, "artifacts");
const PREFIX = "/tools/anchor-audit/";
const TIMEOUT = 30_000;
const ONPREM = path.join(FIXTURES, "onprem-ps7.csv");
const CLOUD = path.join(FIXTURES, "cloud-mguser.csv");

/** Chromium flags that leave it no way onto the network: no name resolves. */
const OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND"];

let tmp;
let big;
const results = {};

before(async () => {
  await fs.access(SINGLE).catch(() => {
    throw new Error(`${SINGLE} is missing: run \`cargo xtask build\` (or trunk build --release) first`);
  });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "anchor-audit-silent-"));
  await fs.mkdir(ARTIFACTS, { recursive: true });
  // A pair big enough that a run is still going when Cancel is clicked.
  big = path.join(tmp, "big");
  execFileSync("cargo", ["run", "-q", "--bin", "anchor-audit", "--", "generate", "--users", "200000", "--anomalies", "scaled", "--out-dir", big], { cwd: ROOT, stdio: "ignore" });
});

after(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

/**
 * Opens `url` in a fresh tab of `context`, recording every request (the page's and its workers',
 * through the context) with the phase it came in, and every error the page reports.
 */
async function open(context, url) {
  const page = await context.newPage();
  const seen = { requests: [], errors: [], phase: "loading", quiet: false };
  let fail;
  seen.failed = new Promise((_, reject) => (fail = reject));
  seen.failed.catch(() => {});
  const error = (text) => {
    if (seen.quiet) return;
    seen.errors.push(text);
    fail(new Error(`the page reported an error: ${text}`));
  };
  context.on("request", (r) => seen.requests.push({ url: r.url(), type: r.resourceType(), phase: seen.phase }));
  page.on("requestfailed", (r) => error(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("console", (m) => m.type() === "error" && error(`console: ${m.text()}`));
  page.on("pageerror", (e) => error(`page error: ${e.message}`));
  await page.goto(url, { waitUntil: "load", timeout: TIMEOUT });
  await Promise.race([page.waitForSelector("html[data-ready='true']", { timeout: TIMEOUT }), seen.failed]);
  seen.phase = "ready";
  return { page, seen };
}

async function loadFixtures(page, seen) {
  seen.phase = "files";
  await page.setInputFiles("#file-onprem", ONPREM);
  await page.setInputFiles("#file-cloud", CLOUD);
  await Promise.race([page.locator("#verdict").waitFor({ timeout: TIMEOUT }), seen.failed]);
  await page.locator(".grid-row.body").first().waitFor({ timeout: TIMEOUT });
  await page.waitForFunction(() => /^\d+ shown/.test(document.querySelector("[data-row-total]")?.textContent.trim() ?? ""));
}

/** Everything the report shows in numbers and words (the same for both builds). */
async function report(page) {
  return {
    verdict: (await page.locator("#verdict").textContent()).trim(),
    counts: await page.$$eval("[data-counts] tr", (rows) =>
      Object.fromEntries(rows.map((r) => [r.dataset.category, Number(r.querySelector("[data-count]").textContent.replace(/,/g, ""))])),
    ),
    accounting: (await page.locator("[data-accounting]").allTextContents()).map((t) => t.trim()),
    files: (await page.locator("[data-file-info]").allTextContents()).map((t) => t.trim()),
    rows: (await page.locator("[data-row-total]").textContent()).trim(),
  };
}

async function download(page, name) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.locator(`[data-download='${name}']`).click()]);
  assert.equal(file.suggestedFilename(), name);
  return fs.readFile(await file.path());
}

/** Waits for the next worker to say it is ready (after Clear or Cancel replaced it). */
async function markNotReady(page) {
  await page.evaluate(() => document.documentElement.removeAttribute("data-ready"));
}

/** Every kind of browser storage this page could have used, read from inside it. */
async function storage(page) {
  return page.evaluate(async () => {
    const attempt = async (f) => {
      try {
        return await f();
      } catch (e) {
        return `unavailable: ${e.name}`;
      }
    };
    return {
      cookie: document.cookie,
      localStorage: await attempt(() => localStorage.length),
      sessionStorage: await attempt(() => sessionStorage.length),
      indexedDB: await attempt(async () => (await indexedDB.databases()).map((d) => d.name)),
      caches: await attempt(async () => (typeof caches === "undefined" ? "no CacheStorage here" : await caches.keys())),
    };
  });
}

function assertNothingStored(found, what) {
  assert.equal(found.cookie, "", `${what}: document.cookie`);
  for (const key of ["localStorage", "sessionStorage"]) {
    assert.ok(found[key] === 0 || String(found[key]).startsWith("unavailable"), `${what}: ${key} has ${found[key]} items`);
  }
  assert.ok(Array.isArray(found.indexedDB) ? found.indexedDB.length === 0 : String(found.indexedDB).startsWith("unavailable"), `${what}: IndexedDB ${found.indexedDB}`);
  assert.ok(Array.isArray(found.caches) ? found.caches.length === 0 : /unavailable|no CacheStorage/.test(found.caches), `${what}: caches ${found.caches}`);
}

/** The page's own CSP, as its <meta> says, directive by directive. */
async function csp(page) {
  const text = await page.locator("meta[http-equiv='Content-Security-Policy']").getAttribute("content");
  return Object.fromEntries(text.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
}

/**
 * The whole scenario, in either build: report, downloads, Clear, run again, Cancel, run again,
 * nothing stored. Returns what the report showed and the downloads' bytes.
 */
async function scenario(context, url, name) {
  const { page, seen } = await open(context, url);
  await loadFixtures(page, seen);
  const first = await report(page);
  assert.match(first.verdict, /^Not safe to cut over: 2 users would be duplicated/);
  assert.equal(first.counts["mismatch"], 2);
  assert.equal(first.counts["hard-match"], 6);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-report.png`), fullPage: true });

  const csv = await download(page, "anchor-audit-report.csv");
  assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf], "the CSV starts with a UTF-8 BOM");
  assert.match(csv.toString("utf8"), /grace\.hopper@contoso\.com/);
  const script = await download(page, "anchor-audit-fix.ps1");
  assert.match(script.toString("utf8"), /UserId = 'grace\.hopper@contoso\.com'; Api = 'v1\.0'; Property = 'onPremisesImmutableId'; Value = 'Pmovm00cj06gscLT5PWmtw=='/);

  // Clear: everything goes (files, report, typed values), a fresh worker takes over.
  await page.locator("#converter-input").fill("35918bc9-196d-40ea-9779-889d79b753f0");
  seen.phase = "clear";
  await markNotReady(page);
  await page.getByRole("button", { name: "Clear", exact: true }).click();
  await page.waitForSelector("html[data-ready='true']", { timeout: TIMEOUT });
  assert.equal(await page.locator("#verdict").count(), 0, "no verdict after Clear");
  assert.equal(await page.locator("[data-file-name]").count(), 0, "no file after Clear");
  assert.equal(await page.locator(".grid-row.body").count(), 0, "no rows after Clear");
  assert.equal(await page.locator("#converter-input").inputValue(), "", "the converter is emptied too");
  assert.equal(await page.getByRole("button", { name: "Clear", exact: true }).count(), 0, "Clear shows only with data");
  await page.waitForFunction(() => document.activeElement?.id === "inputs-title");
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-cleared.png`), fullPage: true });
  await loadFixtures(page, seen);
  assert.deepEqual(await report(page), first, "the same report after Clear, from the fresh worker");

  // Cancel: the worker is terminated mid-run and a fresh one (no fetch) runs the next audit.
  seen.phase = "cancel";
  await page.setInputFiles("#file-onprem", path.join(big, "onprem.csv"));
  await page.setInputFiles("#file-cloud", path.join(big, "cloud.csv"));
  await page.locator("progress#progress").waitFor({ timeout: TIMEOUT });
  await markNotReady(page);
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.locator("section.error", { hasText: "Cancelled" }).waitFor({ timeout: 5_000 });
  await page.waitForSelector("html[data-ready='true']", { timeout: TIMEOUT });
  await loadFixtures(page, seen);
  assert.deepEqual(await report(page), first, "the same report after Cancel, from the fresh worker");

  await page.getByRole("button", { name: "Clear", exact: true }).click();
  const stored = await storage(page);
  assertNothingStored(stored, name);
  const state = await context.storageState({ indexedDB: true });
  assert.deepEqual(state.cookies, [], `${name}: the browser holds no cookie`);
  assert.deepEqual(state.origins, [], `${name}: the browser holds no storage for any origin`);
  assert.deepEqual(seen.errors, [], "the page reported errors");
  return { page, seen, report: first, csv, script, policy: await csp(page) };
}

test("the single file, opened from disk with no network: full report, downloads, Clear, Cancel, no request, nothing stored", { timeout: 180_000 }, async () => {
  const userDataDir = await fs.mkdtemp(path.join(tmp, "profile-single-"));
  const context = await launchBrowser(userDataDir, { width: 1280, height: 900 }, OFFLINE_ARGS);
  try {
    await context.setOffline(true);
    // Anything but the page's own file is refused, recorded and fails the test.
    const url = pathToFileURL(SINGLE).href;
    const routed = [];
    await context.route("**/*", (route) => {
      if (route.request().url() === url) return route.continue();
      routed.push(route.request().url());
      return route.abort("internetdisconnected");
    });
    const { page, seen, ...result } = await scenario(context, url, "single");

    // The only request: the page's own file. (Workers start from blob: URLs the page made;
    // Chromium does not report those as requests for a file:// page.)
    const network = networkRequests(seen.requests, "null");
    assert.deepEqual(network.map((r) => r.url), [url], "requests besides the page's own file");
    assert.deepEqual(routed, [], "requests that tried to reach the network");

    // The policy: no connection at all, inline code only by hash, no eval.
    const policy = result.policy;
    assert.deepEqual(policy["default-src"], ["'none'"]);
    assert.deepEqual(policy["connect-src"], ["'none'"]);
    assert.deepEqual(policy["worker-src"], ["blob:"]);
    assert.deepEqual(policy["img-src"], ["data:"]);
    assert.ok(policy["script-src"].every((s) => /^'sha256-[A-Za-z0-9+/]+=*'$/.test(s) || s === "'wasm-unsafe-eval'"), `script-src ${policy["script-src"]}`);
    assert.ok(policy["style-src"].every((s) => /^'sha256-/.test(s)), `style-src ${policy["style-src"]}`);
    // ...and the browser enforces it: even a request to the page's own file is refused.
    seen.quiet = true;
    const attempt = await page.evaluate(() => fetch(location.href).then(() => "fetched", () => "refused"));
    assert.equal(attempt, "refused");
    assert.deepEqual(networkRequests(seen.requests, "null").map((r) => r.url), [url], "the refused fetch made no request");

    // The file is what xtask printed: its .sha256 says the same as hashing it here.
    const bytes = await fs.readFile(SINGLE);
    const sums = await fs.readFile(`${SINGLE}.sha256`, "utf8");
    assert.equal(sums, `${createHash("sha256").update(bytes).digest("hex")}  anchor-audit.html\n`);
    console.log(`# single file: ${bytes.length} bytes, SHA-256 ${sums.split(" ")[0]}`);
    results.single = result;
    await page.close();
  } finally {
    await context.close();
  }
});

test("the hosted build under a sub-path: only its own files, all before the first file is loaded, nothing stored", { timeout: 180_000 }, async () => {
  // With the headers README §5 recommends: the page's own policy as a header too (plus
  // frame-ancestors, which only a header can carry), nosniff and no-referrer.
  const html = await fs.readFile(path.join(DIST, "index.html"), "utf8");
  const policy = html.match(/http-equiv="Content-Security-Policy"\s+content="([^"]+)"/)[1];
  const readme = await fs.readFile(path.join(ROOT, "README.md"), "utf8");
  assert.equal(readme.split(`${policy}; frame-ancestors 'none'`).length - 1, 2, "README's nginx and IIS examples carry the page's policy");
  const server = await serveFolder(DIST, PREFIX, {
    "content-security-policy": `${policy}; frame-ancestors 'none'`,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  });
  const userDataDir = await fs.mkdtemp(path.join(tmp, "profile-hosted-"));
  const context = await launchBrowser(userDataDir, { width: 1280, height: 900 });
  try {
    const { page, seen, ...result } = await scenario(context, server.url, "hosted");
    const origin = new URL(server.url).origin;
    const network = networkRequests(seen.requests, origin);
    const outside = network.filter((r) => !r.url.startsWith(server.url));
    assert.deepEqual(outside, [], `requests outside ${server.url}`);
    const late = network.filter((r) => r.phase !== "loading" && r.phase !== "ready");
    assert.deepEqual(late, [], "requests after the first file was loaded (incl. after Clear and Cancel)");
    const names = network.map((r) => r.url.slice(server.url.length));
    // Exactly the files README §5 lists (hashed names shown as …).
    // Trunk's hash is a 64-bit number in hex without leading zeros: 16 digits, sometimes fewer.
    const files = [...new Set(names.map((n) => n.replace(/-[0-9a-f]{1,16}(?=[._])/, "-…")))].sort();
    assert.deepEqual(files, ["", "app-….css", "app-….js", "app-…_bg.wasm", "boot.js", "worker.js", "worker_bg.wasm"]);
    for (const file of ["worker.js", "worker_bg.wasm"]) {
      assert.equal(names.filter((n) => n === file).length, 1, `${file} fetched once: ${names}`);
    }
    // Three workers (at start, after Clear, after Cancel), each from a blob: URL: no fetch.
    const workers = seen.requests.filter((r) => r.url.startsWith(`blob:${origin}/`));
    assert.ok(workers.length >= 3, `${workers.length} worker starts from blob: URLs`);

    const policy = result.policy;
    assert.deepEqual(policy["default-src"], ["'none'"]);
    assert.deepEqual(policy["connect-src"], ["'self'"]);
    assert.deepEqual(policy["worker-src"], ["blob:"]);
    assert.deepEqual(policy["script-src"], ["'self'", "'wasm-unsafe-eval'"]);
    for (const values of Object.values(policy)) {
      assert.ok(!values.some((v) => /unsafe-inline|'unsafe-eval'|^https?:|^\*$/.test(v)), `a loose source in ${values}`);
    }
    // The browser enforces the policy: a request off the origin is refused before it is made.
    seen.quiet = true;
    const attempt = await page.evaluate(() => fetch("https://example.com/").then(() => "fetched", () => "refused"));
    assert.equal(attempt, "refused");
    assert.deepEqual(networkRequests(seen.requests, origin).filter((r) => !r.url.startsWith(server.url)), [], "the refused fetch made no request");
    results.hosted = result;
    await page.close();
  } finally {
    await context.close();
    await server.close();
  }
});

test("both builds give the same report and the same downloads on the same inputs", () => {
  assert.ok(results.single && results.hosted, "both runs above passed");
  assert.deepEqual(results.single.report, results.hosted.report);
  assert.ok(results.single.csv.equals(results.hosted.csv), "the report CSVs are byte for byte the same");
  // The script's header records when it was made; everything else is the same byte for byte.
  const [single, hosted] = [results.single.script, results.hosted.script].map(unstamped);
  assert.ok(single.equals(hosted), "the fix scripts are byte for byte the same, but for the time they were made");
});

/** A fix script with its one "report made <time>" stamp replaced by a fixed mark. */
function unstamped(script) {
  const text = script.toString("utf8");
  const stamps = text.match(/report made \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g) ?? [];
  assert.equal(stamps.length, 1, "the script's header records the time it was made, once");
  return Buffer.from(text.replace(stamps[0], "report made …"), "utf8");
}
