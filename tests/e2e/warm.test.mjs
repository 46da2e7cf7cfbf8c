// End to end: after the verdict the worker warms its view index (the search text, then the
// sortable columns' orders) in slices between messages. A search and a sort that come while it
// warms must show what they show once every part is built.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { useServedApp } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(here, "../..");
const DIST = process.env.ANCHOR_AUDIT_DIST ?? path.join(ROOT, "dist");
const TIMEOUT = 180_000;

const app = useServedApp({ dist: DIST, required: "worker.js", viewport: { width: 1280, height: 900 }, timeout: 30_000 });
let tmp;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "anchor-audit-warm-"));
});

after(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

const total = (page) => page.locator("[data-row-total]").textContent().then((t) => t.trim());

/** Loads the pair and waits for the first rows of the report. */
async function report(page, seen, dir) {
  await page.setInputFiles("#file-onprem", path.join(dir, "onprem.csv"));
  await page.locator("[data-slot='onprem'] [data-file-name]").waitFor({ timeout: 30_000 });
  await page.setInputFiles("#file-cloud", path.join(dir, "cloud.csv"));
  await Promise.race([page.locator("#verdict").waitFor({ timeout: TIMEOUT }), seen.failed]);
  await page.waitForFunction(() => /^[\d,]+ shown/.test(document.querySelector("[data-row-total]")?.textContent.trim() ?? ""), null, { timeout: 30_000 });
}

/** Does `act`, then waits until the rows shown are new: another count, or another first row. */
async function andWait(page, act) {
  const before = await page.evaluate(() => [document.querySelector("[data-row-total]").textContent, document.querySelector(".grid-row.body")?.dataset.entry]);
  await act();
  await page.waitForFunction(([text, first]) => {
    const now = document.querySelector("[data-row-total]").textContent;
    return /^[\d,]+ shown/.test(now.trim()) && (now !== text || document.querySelector(".grid-row.body")?.dataset.entry !== first);
  }, before, { timeout: 30_000 });
}

const sortBy = (page, label) => andWait(page, () => page.locator("button.sort", { hasText: label }).click());
const search = (page, text) => andWait(page, () => page.locator("#search").fill(text));

/** The count shown and the entries of the rows in the DOM, in order. */
async function shown(page) {
  const entries = await page.$$eval(".grid-row.body", (rows) => rows.map((r) => r.dataset.entry));
  return { total: await total(page), entries };
}

/** Searches, then what is found by name and by cloud user, as they are shown. */
async function searchAndSort(page) {
  await search(page, "hamilton");
  await sortBy(page, "Name");
  const byName = await shown(page);
  await sortBy(page, "Cloud user");
  return { byName, byCloud: await shown(page) };
}

test("a search and a sort during the warm-up show what they show once the index is built", { timeout: 300_000 }, async () => {
  const dir = path.join(tmp, "100k");
  execFileSync("cargo", ["run", "-q", "--bin", "anchor-audit", "--", "generate", "--users", "100000", "--anomalies", "scaled", "--out-dir", dir], { cwd: ROOT, stdio: "ignore" });

  // At once after the report: the worker is still building the search text and the orders.
  let { page, seen } = await app.open();
  await report(page, seen, dir);
  const during = await searchAndSort(page);
  app.assertNoLeaks(seen);
  await page.close();

  // A fresh run whose every part a query builds before the same search and sorts.
  ({ page, seen } = await app.open());
  await report(page, seen, dir);
  for (const column of ["On-prem user", "Name", "Cloud user", "Cloud anchor", "Category"]) await sortBy(page, column);
  const built = await searchAndSort(page);
  app.assertNoLeaks(seen);
  await page.close();

  assert.match(during.byName.total, /^[1-9][\d,]* shown/);
  assert.ok(during.byName.entries.length > 5, `${during.byName.entries.length} rows in the DOM`);
  assert.deepEqual(during, built);
});
