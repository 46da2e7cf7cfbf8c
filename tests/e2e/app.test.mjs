// End to end: the whole app (page + worker) from the release build (dist/), served under a
// sub-path on 127.0.0.1, in Debian's headless Chromium driven by playwright-core. Files go in
// through the real <input type=file>; every wait polls for a condition (no fixed sleeps); every
// request the page or its worker makes is recorded and none may come after the app is ready.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { useServedApp } from "./harness.mjs";
import { wheelScroll } from "./wheel.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(here, "../..");
const FIXTURES = path.join(ROOT, "tests/fixtures");
const DIST = process.env.ANCHOR_AUDIT_DIST ?? path.join(ROOT, "dist");
const ARTIFACTS = path.join(here, "artifacts");
const TIMEOUT = 30_000;

const app = useServedApp({
  dist: DIST,
  required: "worker.js",
  viewport: { width: 1280, height: 900 },
  timeout: TIMEOUT,
});
let tmp;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "anchor-audit-files-"));
  await fs.mkdir(ARTIFACTS, { recursive: true });
});

after(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

async function loadFiles(page, onprem, cloud) {
  await page.setInputFiles("#file-onprem", onprem);
  await page.setInputFiles("#file-cloud", cloud);
}

/** Waits for the verdict banner (or fails early with the page's error). */
async function waitForReport(page, seen) {
  await Promise.race([page.locator("#verdict").waitFor({ timeout: TIMEOUT }), seen.failed]);
  await page.locator(".grid-row.body").first().waitFor({ timeout: TIMEOUT });
}

async function counts(page) {
  return page.$$eval("[data-counts] tr", (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.category, Number(r.querySelector("[data-count]").textContent.replace(/,/g, ""))])),
  );
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

test("fixture exports through the file inputs: counts, rows, detail, downloads", { timeout: 120_000 }, async () => {
  const { page, seen } = await app.open();
  await shot(page, "app-empty");
  await page.setInputFiles("#file-onprem", path.join(FIXTURES, "onprem-ps7.csv"));
  await page.locator("[data-slot='onprem'] [data-file-name]").waitFor({ timeout: TIMEOUT });
  await shot(page, "app-one-file");
  await page.setInputFiles("#file-cloud", path.join(FIXTURES, "cloud-mguser.csv"));
  await waitForReport(page, seen);

  assert.match(await page.locator("#verdict").textContent(), /^Not safe to cut over: 2 users would be duplicated/);
  const c = await counts(page);
  assert.equal(c["mismatch"], 2);
  assert.equal(c["hard-match"], 6);
  assert.equal(c["cloud-only"], 1);
  assert.equal(c["cloud-orphan"], 0);
  assert.match(await page.locator("[data-slot='onprem'] [data-file-info]").textContent(), /Get-ADUser export.*UTF-8.*`,`-delimited.*8 rows read/s);
  assert.match(await page.locator("[data-slot='cloud'] [data-file-info]").textContent(), /Get-MgUser export.*9 rows read/s);
  assert.match(await page.locator("[data-accounting='on-prem']").textContent(), /8 rows read = 8 in the report \+ 0 unreadable/);
  await shot(page, "app-report");

  // Specific rows, with their category as text (not only colour).
  const grace = page.locator(".grid-row.body", { hasText: "grace.hopper@contoso.com" });
  assert.equal(await grace.locator("[data-category]").textContent(), "mismatch");
  const margaret = page.locator(".grid-row.body", { hasText: "margaret.hamilton@contoso.com" });
  assert.match(await margaret.textContent(), /Okta user ID/);
  assert.match(await margaret.textContent(), /custom anchor/);

  // The detail panel, opened from the keyboard.
  await grace.focus();
  await page.keyboard.press("Enter");
  const detail = page.locator("aside.detail[data-detail]");
  await detail.waitFor({ timeout: TIMEOUT });
  assert.match(await detail.locator(".reason").textContent(), /big-endian/);
  assert.equal(await detail.locator("[data-anchor]").textContent(), "Pmovm00cj06gscLT5PWmtw==");
  assert.match(
    await detail.locator("#fix-script").textContent(),
    /Update-MgUser -UserId 'grace.hopper@contoso.com' -OnPremisesImmutableId 'Pmovm00cj06gscLT5PWmtw=='/,
  );
  await page.screenshot({ path: path.join(ARTIFACTS, "app-detail.png") });
  // Copy: the clipboard API where allowed, and the script selected as a fallback.
  await detail.getByRole("button", { name: "Copy PowerShell" }).click();
  await detail.getByRole("button", { name: "Copied" }).waitFor({ timeout: TIMEOUT });
  assert.match(await page.evaluate(() => window.getSelection().toString()), /^Update-MgUser -UserId 'grace/m);
  await detail.locator("#detail-title").focus();

  // Escape closes the drawer.
  await page.keyboard.press("Escape");
  await detail.waitFor({ state: "detached", timeout: TIMEOUT });
  assert.match(await page.evaluate(() => document.activeElement.textContent), /grace\.hopper@contoso\.com/, "focus is back on the row");

  // Filter, search and sort run in the worker.
  await page.locator("[data-chip='mismatch']").click();
  await page.waitForFunction(() => document.querySelector("[data-row-total]")?.textContent.trim().startsWith("2 shown"));
  await page.locator("#search").fill("margaret");
  await page.waitForFunction(() => document.querySelector("[data-row-total]")?.textContent.trim().startsWith("1 shown"));
  await page.locator("#search").fill("");
  await page.locator("[data-chip='mismatch']").click();
  await page.locator("[role=columnheader] button", { hasText: "Cloud user" }).click();
  await page.waitForFunction(() => [...document.querySelectorAll("[role=columnheader]")].some((h) => h.getAttribute("aria-sort") === "ascending"));

  // Downloads, made in the browser.
  const [csv] = await Promise.all([page.waitForEvent("download"), page.locator("[data-download='anchor-audit-report.csv']").click()]);
  assert.equal(csv.suggestedFilename(), "anchor-audit-report.csv");
  const csvBytes = await fs.readFile(await csv.path());
  assert.deepEqual([...csvBytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "the CSV starts with a UTF-8 BOM");
  assert.match(csvBytes.toString("utf8"), /grace\.hopper@contoso\.com/);
  const [ps1] = await Promise.all([page.waitForEvent("download"), page.locator("[data-download='anchor-audit-fix.ps1']").click()]);
  const script = await fs.readFile(await ps1.path(), "utf8");
  assert.match(script, /UserId = 'grace\.hopper@contoso\.com'; Api = 'v1\.0'; Property = 'onPremisesImmutableId'; Value = 'Pmovm00cj06gscLT5PWmtw=='/);
  assert.match(script, /UserId = 'margaret\.hamilton@contoso\.com'; Api = 'v1\.0'; Property = 'onPremisesImmutableId'; Value = 'LBtKfl49YE\+BcpOktcbX6A=='/);
  // It saves what it changes and writes its own undo script before changing anything.
  assert.ok(script.indexOf("Export-Csv -LiteralPath $backup") < script.indexOf("-Method PATCH"), "backup first");
  assert.match(script, /\$undoScript = @'\r?\n[\s\S]*Import-Csv -LiteralPath \$Backup[\s\S]*\n'@/);
  const [json] = await Promise.all([page.waitForEvent("download"), page.locator("[data-download='anchor-audit-report.json']").click()]);
  assert.equal(JSON.parse(await fs.readFile(await json.path(), "utf8")).counts.byCategory.mismatch, 2);

  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, "app-report-dark");
  await grace.click();
  await detail.waitFor({ timeout: TIMEOUT });
  await page.screenshot({ path: path.join(ARTIFACTS, "app-detail-dark.png") });
  app.assertNoLeaks(seen);
  await page.close();
});

test("an LDIF scenario: orphans and duplicates", { timeout: 60_000 }, async () => {
  const { page, seen } = await app.open();
  const dir = path.join(FIXTURES, "scenarios/06-orphans-duplicates");
  await loadFiles(page, path.join(dir, "users.ldf"), path.join(dir, "cloud.csv"));
  await waitForReport(page, seen);
  const c = await counts(page);
  assert.deepEqual(
    [c["mismatch"], c["duplicate-anchor"], c["cloud-orphan"], c["on-prem-only"], c["hard-match"]],
    [1, 3, 1, 2, 5],
  );
  assert.match(await page.locator("[data-slot='onprem'] [data-file-info]").textContent(), /ldifde LDIF export/);
  app.assertNoLeaks(seen);
  await page.close();
});

test("files in the wrong slots are noticed and swapped with a click", { timeout: 60_000 }, async () => {
  const { page, seen } = await app.open();
  await loadFiles(page, path.join(FIXTURES, "cloud-mguser.csv"), path.join(FIXTURES, "onprem-ps7.csv"));
  const error = page.locator("section.error");
  await error.waitFor({ timeout: TIMEOUT });
  assert.match(await error.textContent(), /wrong way round/);
  await shot(page, "app-swapped");
  await error.getByRole("button", { name: "Swap the two files" }).click();
  await waitForReport(page, seen);
  assert.equal((await counts(page))["mismatch"], 2);
  assert.equal(await page.locator("[data-slot='onprem'] [data-file-name]").textContent(), "onprem-ps7.csv");
  app.assertNoLeaks(seen);
  await page.close();
});

test("a cloud export in the on-prem slot is named as such", { timeout: 60_000 }, async () => {
  const { page, seen } = await app.open();
  await loadFiles(page, path.join(FIXTURES, "cloud-msol.csv"), path.join(FIXTURES, "cloud-mguser.csv"));
  const error = page.locator("section.error", { hasText: "belongs in the other slot" });
  await Promise.race([error.waitFor({ timeout: TIMEOUT }), seen.failed]);
  assert.match(await error.textContent(), /looks like the cloud export, not the on-prem one/);
  assert.match(await error.locator(".error-place").textContent(), /cloud-msol\.csv/);
  app.assertNoLeaks(seen);
  await page.close();
});

test("an unusable file shows the error with where and what to do", { timeout: 60_000 }, async () => {
  const { page, seen } = await app.open();
  const dir = path.join(FIXTURES, "scenarios/07-graph-empty-anchor");
  const files = await fs.readdir(dir);
  const onprem = files.find((f) => /onprem|users/i.test(f));
  const cloud = files.find((f) => /cloud/.test(f));
  await loadFiles(page, path.join(dir, onprem), path.join(dir, cloud));
  const error = page.locator("section.error");
  await Promise.race([error.waitFor({ timeout: TIMEOUT }), seen.failed]);
  const text = await error.textContent();
  assert.match(text, /empty/i);
  assert.match(await error.locator("pre.fix").textContent(), /Get-MgUser/);
  await shot(page, "app-error");
  app.assertNoLeaks(seen);
  await page.close();
});

test("a file too big for the tab's memory is refused at once, with its name and size", { timeout: 60_000 }, async () => {
  // A real export's head, then zeros to 2.5 GB: a sparse file, so it takes no disk. Wasm32 memory
  // cannot hold it (an allocation is at most 2 GiB), and the worker must say so before it reads on.
  // (The other refusal, a file under 2 GiB that the tab has no room for now, needs a tab short of
  // memory: not tested.)
  const big = path.join(tmp, "onprem-too-big.csv");
  await fs.copyFile(path.join(FIXTURES, "onprem-ps7.csv"), big);
  await fs.truncate(big, 2_500_000_000);
  const { page, seen } = await app.open();
  await loadFiles(page, big, path.join(FIXTURES, "cloud-mguser.csv"));
  const error = page.locator("section.error");
  await Promise.race([error.waitFor({ timeout: TIMEOUT }), seen.failed]);
  const text = await error.textContent();
  assert.match(text, /onprem-too-big\.csv/);
  assert.match(text, /The file is too large/);
  assert.match(text, /the file is 2500 MB, over the 2147 MB this can read/);
  assert.equal(await page.locator("section.error.crash").count(), 0, "a refusal, not a crash");
  await shot(page, "app-too-big");
  assert.equal(await page.locator("#verdict").count(), 0);
  // The page stays usable: a file that fits in its place gives the report.
  await page.setInputFiles("#file-onprem", path.join(FIXTURES, "onprem-ps7.csv"));
  await waitForReport(page, seen);
  assert.equal((await counts(page))["hard-match"], 6);
  app.assertNoLeaks(seen);
  await page.close();
});

test("a pair too big for a tab together is refused at once, with the command-line tool to use", { timeout: 60_000 }, async () => {
  // Two real heads padded with zeros to 1.4 GB each (sparse files): each alone is readable, but
  // the pair would need more than a tab's 4 GiB, which the worker tells from the sizes.
  const [onprem, cloud] = [path.join(tmp, "onprem-half-big.csv"), path.join(tmp, "cloud-half-big.csv")];
  await fs.copyFile(path.join(FIXTURES, "onprem-ps7.csv"), onprem);
  await fs.copyFile(path.join(FIXTURES, "cloud-mguser.csv"), cloud);
  await fs.truncate(onprem, 1_400_000_000);
  await fs.truncate(cloud, 1_400_000_000);
  const { page, seen } = await app.open();
  const started = Date.now();
  await loadFiles(page, onprem, cloud);
  const error = page.locator("section.error");
  await Promise.race([error.waitFor({ timeout: TIMEOUT }), seen.failed]);
  const text = await error.textContent();
  assert.match(text, /too large for a browser tab/);
  assert.match(text, /the two files hold 2800 MB: auditing them takes about \d{4} MB, over the 4294 MB a browser tab can hold/);
  assert.match(text, /anchor-audit report/);
  assert.equal(await page.locator("section.error.crash").count(), 0, "a refusal, not a crash");
  console.log(`# a pair too big for a tab refused in ${Date.now() - started} ms`);
  await shot(page, "app-pair-too-big");
  assert.equal(await page.locator("#verdict").count(), 0);
  app.assertNoLeaks(seen);
  await page.close();
});

test("pasted text works like files", { timeout: 60_000 }, async () => {
  const { page, seen } = await app.open();
  for (const [slot, file] of [["onprem", "onprem-ps7.csv"], ["cloud", "cloud-mguser.csv"]]) {
    await page.locator(`[data-slot='${slot}'] button`, { hasText: "Paste text" }).click();
    await page.locator(`#paste-${slot}-text`).fill(await fs.readFile(path.join(FIXTURES, file), "utf8"));
    await page.locator(`[data-slot='${slot}'] button`, { hasText: "Use this text" }).click();
  }
  await waitForReport(page, seen);
  assert.equal((await counts(page))["hard-match"], 6);
  app.assertNoLeaks(seen);
  await page.close();
});

test("sample data: generated in the browser with its tenant files, every category, the generator's counts", { timeout: 90_000 }, async () => {
  const { page, seen } = await app.open();
  await page.getByRole("button", { name: "Try with sample data" }).click();
  await waitForReport(page, seen);
  // The tenant's roles, PIM and domains files come with the pair, in the context zone.
  const context = await page.locator("[data-context-files] li").allTextContents();
  assert.equal(context.length, 3);
  for (const [i, name] of ["sample-roles.csv", "sample-pim.csv", "sample-domains.csv"].entries()) assert.match(context[i], new RegExp(name.replace(".", "\\.")));
  // `anchor-audit generate` (the same SampleSpec::showcase) says the report must show these with
  // --context roles.csv pim.csv domains.csv.
  const c = await counts(page);
  assert.deepEqual(c, {
    "mismatch": 13,
    "hard-match-blocked": 3,
    "soft-match-blocked": 2,
    "duplicate-anchor": 3,
    "partner-unreadable": 0,
    "cloud-orphan": 3,
    "on-prem-only": 3,
    "soft-match": 2,
    "hard-match": 173,
    "cloud-only": 2,
  });
  const notes = await page.locator("body").textContent();
  assert.match(notes, /tenant context sample-pim\.csv: PIM role eligibilities, 1 row = 1 used \+ 0 unreadable/i);
  assert.match(notes, /13 mismatched cloud users have UPNs on federated domains \(contoso\.com, by sample-domains\.csv\)/);
  // The lab suffix is in the domains file, unverified: both of its users are told so.
  await page.locator("#search").fill("contoso-labs.com");
  await page.waitForFunction(() => document.querySelector("[data-row-total]")?.textContent.trim().startsWith("2 shown"), null, { timeout: TIMEOUT });
  await page.locator(".grid-row.body", { hasText: "contoso-labs.com" }).first().click();
  const lab = page.locator("[data-detail]");
  await lab.waitFor({ timeout: TIMEOUT });
  assert.match(await lab.textContent(), /the UPN suffix contoso-labs\.com is not a verified domain of the tenant/);
  await page.keyboard.press("Escape");
  await lab.waitFor({ state: "detached", timeout: TIMEOUT });
  // The PIM-eligible user's hard match is blocked, with that cause in the detail.
  await page.locator("#search").fill("soren.muller");
  await page.waitForFunction(() => document.querySelector("[data-row-total]")?.textContent.trim().startsWith("1 shown"), null, { timeout: TIMEOUT });
  const eligible = page.locator(".grid-row.body", { hasText: "soren.muller@contoso.com" }).first();
  assert.equal(await eligible.locator("[data-category]").first().getAttribute("data-category"), "hard-match-blocked");
  await eligible.click();
  const detail = page.locator("[data-detail]");
  await detail.waitFor({ timeout: TIMEOUT });
  const why = await detail.textContent();
  assert.match(why, /eligible \(PIM\) for a privileged Entra role \(Privileged Role Administrator\)/);
  assert.match(why, /InvalidHardMatch \(103\)/);
  await page.screenshot({ path: path.join(ARTIFACTS, "app-sample-pim-detail.png") });
  await page.keyboard.press("Escape");
  await page.locator("#search").fill("");
  await page.waitForFunction(() => !document.querySelector("[data-row-total]")?.textContent.trim().startsWith("1 shown"), null, { timeout: TIMEOUT });
  assert.match(await page.locator("[data-accounting='on-prem']").textContent(), /200 rows read = 198 in the report \+ 2 unreadable/);
  assert.match(await page.locator("[data-tag='custom-anchor']").textContent(), /^7 /);
  // The unreadable rows are listed with file and line.
  await page.locator("[data-unreadable] summary").click();
  const unreadable = await page.locator("[data-unreadable] li").allTextContents();
  assert.equal(unreadable.length, 2);
  for (const line of unreadable) assert.match(line, /^on-prem file sample-onprem\.csv, line \d+/);
  // The virtual list keeps only a window of rows in the DOM.
  const rendered = await page.locator(".grid-row.body").count();
  assert.ok(rendered > 5 && rendered < 40, `${rendered} rows in the DOM`);
  await shot(page, "app-sample");
  // Unreadable rows download in their file's shape, to fix and load again.
  const [bad] = await Promise.all([page.waitForEvent("download"), page.locator("[data-download='onprem-unreadable-rows.csv']").click()]);
  const badText = (await fs.readFile(await bad.path(), "utf8")).replace(/^\uFEFF/, "");
  assert.equal(badText.split("\r\n").filter(Boolean).length, 3, "a header and the two rows");
  assert.match(badText.split("\r\n")[0], /AnchorAuditError$/);
  // The tenant switch and the anchor attribute re-run the audit.
  await page.locator("summary", { hasText: "Anchor and tenant settings" }).click();
  await page.getByLabel("BlockSoftMatchEnabled").check();
  await page.waitForFunction(() => document.querySelector("[data-counts] tr[data-category='soft-match'] [data-count]")?.textContent === "0");
  assert.equal((await counts(page))["mismatch"], 17);
  await page.getByLabel("BlockSoftMatchEnabled").uncheck();
  await page.getByLabel("objectGUID only").check();
  await page.waitForFunction(() => document.querySelector("[data-counts] tr[data-category='hard-match'] [data-count]")?.textContent === "176");
  assert.equal((await counts(page))["mismatch"], 11);
  // A string anchor column, picked from the on-prem file's headers.
  await page.getByLabel("A string attribute").check();
  await page.selectOption("#anchor-column", "SamAccountName");
  await page.locator(".accounting", { hasText: "the string attribute `SamAccountName`" }).waitFor({ timeout: TIMEOUT });
  app.assertNoLeaks(seen);
  await page.close();
});

test("a file dropped on a slot is loaded", { timeout: 60_000 }, async () => {
  const { page, seen } = await app.open();
  for (const [slot, file] of [["onprem", "onprem-ps7.csv"], ["cloud", "cloud-mguser.csv"]]) {
    const text = await fs.readFile(path.join(FIXTURES, file), "utf8");
    const transfer = await page.evaluateHandle(([name, text]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: "text/csv" }));
      return dt;
    }, [file, text]);
    const zone = page.locator(`[data-slot='${slot}']`);
    await zone.dispatchEvent("dragover", { dataTransfer: transfer });
    await zone.dispatchEvent("drop", { dataTransfer: transfer });
  }
  await waitForReport(page, seen);
  assert.equal((await counts(page))["mismatch"], 2);
  assert.equal(await page.locator("[data-slot='cloud'] [data-file-name]").textContent(), "cloud-mguser.csv");
  // Keyboard: Tab reaches the rows, and the focused row is visibly outlined.
  await page.locator(".grid-row.body").first().focus();
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("aria-rowindex")), "3");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none");
  await page.screenshot({ path: path.join(ARTIFACTS, "app-keyboard-focus.png") });
  app.assertNoLeaks(seen);
  await page.close();
});

test("a big run shows progress and cancels at once, leaving the page usable", { timeout: 180_000 }, async () => {
  const dir = path.join(tmp, "big");
  execFileSync("cargo", ["run", "-q", "--bin", "anchor-audit", "--", "generate", "--users", "200000", "--anomalies", "scaled", "--out-dir", dir], { cwd: ROOT, stdio: "ignore" });
  const { page, seen } = await app.open();
  await loadFiles(page, path.join(dir, "onprem.csv"), path.join(dir, "cloud.csv"));
  const progress = page.locator("progress#progress");
  await progress.waitFor({ timeout: TIMEOUT });
  await shot(page, "app-progress");
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.locator("section.error", { hasText: "Cancelled" }).waitFor({ timeout: 5_000 });
  assert.equal(await progress.count(), 0);
  // The page answers at once and a new run works with the fresh worker.
  await page.locator("#converter-input").fill("35918bc9-196d-40ea-9779-889d79b753f0");
  await page.locator("[data-form='immutableid']", { hasText: "yYuRNW0Z6kCXeYidebdT8A==" }).first().waitFor({ timeout: 2_000 });
  await loadFiles(page, path.join(FIXTURES, "onprem-ps7.csv"), path.join(FIXTURES, "cloud-mguser.csv"));
  await waitForReport(page, seen);
  assert.equal((await counts(page))["mismatch"], 2);
  app.assertNoLeaks(seen);
  await page.close();
});

test("the list converter converts every pasted value", { timeout: 60_000 }, async () => {
  const { page, seen } = await app.open();
  await page.locator("#list-converter-input").fill("35918bc9-196d-40ea-9779-889d79b753f0\niGhmiAEBERG7uxI0VniQqw==\n00ub0oNGTSWTBKOLGLNR");
  await page.waitForFunction(() => document.querySelectorAll(".converted-list > li").length === 3);
  const text = await page.locator(".converted-list").textContent();
  assert.match(text, /yYuRNW0Z6kCXeYidebdT8A==/);
  assert.match(text, /88666888-0101-1111-bbbb-1234567890ab/);
  assert.match(text, /Okta/);
  app.assertNoLeaks(seen);
  await page.close();
});

test("a missing column is mapped by hand and the run succeeds", { timeout: 60_000 }, async () => {
  const { page, seen } = await app.open();
  const onprem = path.join(tmp, "odd-onprem.csv");
  await fs.writeFile(onprem, "UPN,Full Name,Key\r\nada@contoso.com,Ada,35918bc9-196d-40ea-9779-889d79b753f0\r\n");
  const cloud = path.join(tmp, "odd-cloud.csv");
  await fs.writeFile(cloud, "UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled\r\nada@contoso.com,yYuRNW0Z6kCXeYidebdT8A==,True\r\n");
  await loadFiles(page, onprem, cloud);
  const error = page.locator("section.error", { hasText: "A column is missing" });
  await Promise.race([error.waitFor({ timeout: TIMEOUT }), seen.failed]);
  assert.match(await error.textContent(), /objectGUID/);
  await shot(page, "app-missing-column");
  // The mapping opens on the file's own headers.
  await page.selectOption("#map-onprem-objectGUID", "Key");
  await waitForReport(page, seen);
  assert.match(await page.locator("#verdict").textContent(), /^Safe to cut over: all 1 users hard-match/);
  app.assertNoLeaks(seen);
  await page.close();
});

test("100,000 users: the report arrives and the virtual list scrolls through it", { timeout: 240_000 }, async () => {
  const dir = path.join(tmp, "100k");
  execFileSync("cargo", ["run", "-q", "--bin", "anchor-audit", "--", "generate", "--users", "100000", "--anomalies", "scaled", "--out-dir", dir], { cwd: ROOT, stdio: "ignore" });
  const { page, seen } = await app.open();
  const started = Date.now();
  await loadFiles(page, path.join(dir, "onprem.csv"), path.join(dir, "cloud.csv"));
  await Promise.race([page.locator("#verdict").waitFor({ timeout: 180_000 }), seen.failed]);
  const took = Date.now() - started;
  await page.waitForFunction(() => /^[\d,]+ shown/.test(document.querySelector("[data-row-total]")?.textContent.trim() ?? ""));
  const total = Number((await page.locator("[data-row-total]").textContent()).replace(/[^0-9]/g, ""));
  assert.ok(total > 100_000, `${total} entries`);
  // Jump to the middle: the rows shown there are the ones at that position.
  const target = Math.floor(total / 2);
  await page.locator(".viewport").evaluate((el, top) => { el.scrollTop = top; }, target * 40);
  await page.waitForSelector(`.grid-row.body[aria-rowindex='${target + 2}']`, { timeout: 10_000 });
  const rendered = await page.locator(".grid-row.body").count();
  assert.ok(rendered > 5 && rendered < 40, `${rendered} rows in the DOM`);
  // A wheel scroll faster than the worker's windows come never leaves the viewport blank: in
  // every frame, rows cover it.
  const scroll = await wheelScroll(page, 1500, 3000);
  const [rows, frames] = [Math.round((scroll.top - scroll.startTop) / 40), scroll.times.length];
  console.log(`# wheel scroll: ${rows} rows, ${frames} frames, ${scroll.blank} with rows missing`);
  assert.ok(rows > 1000, `scrolled ${rows} rows`);
  assert.equal(scroll.blank, 0, `${scroll.blank} of ${frames} frames with rows missing`);
  await shot(page, "app-100k-scrolled");
  // Filtering 100k entries answers quickly.
  const t = Date.now();
  await page.locator("[data-chip='mismatch']").click();
  await page.waitForFunction(() => /^4,000 shown/.test(document.querySelector("[data-row-total]")?.textContent.trim() ?? ""));
  console.log(`# 100k users: report in ${took} ms, mismatch filter in ${Date.now() - t} ms`);
  await shot(page, "app-100k");
  app.assertNoLeaks(seen);
  await page.close();
});

/** Polls a condition checked here (not in the page) until it holds. */
async function until(check, what) {
  const end = Date.now() + TIMEOUT;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The JSON report as downloaded: the whole result, to compare two runs byte for byte. */
async function jsonReport(page) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("[data-download='anchor-audit-report.json']").click()]);
  return unstamped(await fs.readFile(await download.path(), "utf8"));
}

/** A JSON report without the time it was made (its one field that differs between two runs). */
function unstamped(json) {
  const stamp = /"madeAt": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/;
  assert.match(json, stamp, "the report records when it was made");
  return json.replace(stamp, '"madeAt": null');
}

/** Which of a tab's workers have ended, from now on (those running already and new ones). */
function watchWorkers(page) {
  const closed = new Set();
  const watch = (w) => w.on("close", () => closed.add(w));
  page.workers().forEach(watch);
  page.on("worker", watch);
  return closed;
}

/** Both files' progress at once in the label: the reader reads the cloud file meanwhile. */
async function waitForBothFiles(page) {
  await page.waitForFunction(() =>
    /On-prem file: (loading|reading) .* · Cloud file: (loading|reading) /.test(document.querySelector(".progress-row label")?.textContent ?? ""),
  undefined, { timeout: TIMEOUT });
}

test("two workers read the two files at once, give the one-worker report, and Cancel ends both", { timeout: 240_000 }, async () => {
  const generate = (users, name) => {
    const dir = path.join(tmp, name);
    execFileSync("cargo", ["run", "-q", "--bin", "anchor-audit", "--", "generate", "--users", String(users), "--anomalies", "scaled", "--out-dir", dir], { cwd: ROOT, stdio: "ignore" });
    return [path.join(dir, "onprem.csv"), path.join(dir, "cloud.csv")];
  };
  const small = generate(20_000, "two-small");
  const big = generate(200_000, "two-big");

  const { page, seen } = await app.open();
  const closed = watchWorkers(page);
  const [main] = page.workers();
  const started = [];
  page.on("worker", (w) => started.push(w));
  await loadFiles(page, ...small);
  await waitForReport(page, seen);
  const parallel = await jsonReport(page);
  // A reader was started for the run and is gone (its memory grew with its file); the main
  // worker, which holds the report, stays.
  assert.ok(started.length >= 1, "a reader was started");
  await until(() => started.every((w) => closed.has(w)) && page.workers().length === 1, "the readers ended");
  assert.ok(!closed.has(main), "the main worker stays");

  // Cancel mid-run ends both workers, and a fresh main worker takes over. (The reader streams
  // its file and may finish and close itself before the click; either way none of the run's
  // workers may be left.)
  const before = started.length;
  await loadFiles(page, ...big);
  await waitForBothFiles(page);
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.locator("section.error", { hasText: "Cancelled" }).waitFor({ timeout: 5_000 });
  assert.ok(started.length > before, "a reader was started for the run");
  const open = () => started.filter((w) => !closed.has(w));
  await until(() => closed.has(main) && open().length === 1 && page.workers().length === 1, "every worker of the run ended, one fresh");
  assert.ok(!started.slice(0, before).includes(open()[0]), "the worker left is a fresh one");
  app.assertNoLeaks(seen);
  await page.close();

  // Where a second worker cannot be started, the main worker reads both files, and the report
  // is byte for byte the same.
  const refuseSecond = () => {
    const Original = globalThis.Worker;
    let made = 0;
    globalThis.Worker = class extends Original {
      constructor(...args) {
        if (++made === 2) throw new DOMException("refused by the test", "SecurityError");
        super(...args);
      }
    };
  };
  const one = await app.open({ init: refuseSecond });
  await loadFiles(one.page, ...small);
  await waitForReport(one.page, one.seen);
  assert.equal(one.page.workers().length, 1, "one worker");
  assert.equal(await jsonReport(one.page), parallel, "the same report from one worker as from two");
  app.assertNoLeaks(one.seen);
  await one.page.close();
});

/** A generated export pair of `users` users in `tmp/name`: [on-prem, cloud]. */
function generatePair(users, name) {
  const dir = path.join(tmp, name);
  execFileSync("cargo", ["run", "-q", "--bin", "anchor-audit", "--", "generate", "--users", String(users), "--anomalies", "scaled", "--out-dir", dir], { cwd: ROOT, stdio: "ignore" });
  return [path.join(dir, "onprem.csv"), path.join(dir, "cloud.csv")];
}

/** Fails with the lengths and the first place two (large) texts differ, not with both whole. */
function assertSameText(actual, expected, what) {
  if (actual === expected) return;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  assert.fail(`${what}: ${actual.length} against ${expected.length} characters, first difference at ${at}: ${JSON.stringify(actual.slice(at, at + 60))} against ${JSON.stringify(expected.slice(at, at + 60))}`);
}

/** The CLI's JSON report of the same files (it exits 1 when the cut-over is not safe). */
function cliReport(onprem, cloud) {
  try {
    return unstamped(execFileSync("cargo", ["run", "-q", "--bin", "anchor-audit", "--", "report", "--format", "json", onprem, cloud], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30 }));
  } catch (e) {
    if (e.status === 1 && e.stdout) return unstamped(e.stdout);
    throw e;
  }
}

test("the reader's table may come before or after the on-prem file is read: the CLI's report either way", { timeout: 240_000 }, async () => {
  // A big on-prem file beside a small cloud file: the reader's table comes while the main
  // worker is still streaming the on-prem file. And the other way round.
  const small = generatePair(2_000, "order-small");
  const big = generatePair(100_000, "order-big");
  const { page, seen } = await app.open();
  for (const [onprem, cloud, cloudFirst] of [[big[0], small[1], true], [small[0], big[1], false]]) {
    // Every progress label shown, however briefly: on a loaded machine a state may last less
    // than the frame a poll would catch it in.
    await page.evaluate(() => {
      window.__labels = [];
      new MutationObserver(() => {
        const label = document.querySelector(".progress-row label")?.textContent;
        if (label && label !== window.__labels.at(-1)) window.__labels.push(label);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await loadFiles(page, onprem, cloud);
    if (cloudFirst) {
      // The reader sends its table as soon as its file is read.
      await page.waitForFunction(() =>
        window.__labels.some((label) => /On-prem file: reading .* · Cloud file: read(?!ing)/.test(label)),
      undefined, { timeout: TIMEOUT });
    }
    await waitForReport(page, seen);
    // Byte for byte: the download is written in 8 MiB parts (about 100 MB here), the CLI's in one stream.
    assertSameText(await jsonReport(page), cliReport(onprem, cloud), `${onprem} + ${cloud}`);
    await page.getByRole("button", { name: "Clear" }).click();
    await page.locator("#verdict").waitFor({ state: "detached", timeout: TIMEOUT });
  }
  app.assertNoLeaks(seen);
  await page.close();
});

test("a file that turns out not to be UTF-8 far into it is streamed again as Windows-1252", { timeout: 120_000 }, async () => {
  // Accented UTF-8 from the first rows (the generator's names) and no byte-order mark, and
  // near the end, megabytes in, a Windows-1252 `ø`: the worker must read the file's stream
  // again from its start. (With the BOM, the file is UTF-8 and the byte reads as U+FFFD.)
  const [onprem, cloud] = generatePair(20_000, "restart");
  const withBom = await fs.readFile(onprem);
  assert.deepEqual([...withBom.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const bytes = withBom.subarray(3);
  const at = bytes.lastIndexOf(Buffer.from("\r\n", "latin1"), bytes.length - 3) + 2;
  const row = bytes.subarray(at).toString("utf8");
  const name = row.match(/^"[^"]*","([^"]*)"/)[1];
  const mixed = Buffer.concat([bytes.subarray(0, at), Buffer.from(row.replace(name, `${name} S\u00f8ren`), "latin1")]);
  assert.ok(mixed.length > 4 << 20, "the byte comes after the first chunks");
  const file = path.join(tmp, "restart-onprem.csv");
  await fs.writeFile(file, mixed);

  const { page, seen } = await app.open();
  await loadFiles(page, file, cloud);
  await waitForReport(page, seen);
  assert.match(await page.locator("[data-slot='onprem'] [data-file-info]").textContent(), /Windows-1252/);
  assert.deepEqual(JSON.parse(await jsonReport(page)), JSON.parse(cliReport(file, cloud)));
  app.assertNoLeaks(seen);
  await page.close();
});

test("a reader that fails mid-run shows the crash and leaves no worker of the run", { timeout: 120_000 }, async () => {
  // Right behind the reader's Read message, the test sends it one it cannot read: it is
  // handled between two chunks of the cloud file, and the reader reports it as it reports a
  // panic (its panic hook posts the same message). This is the page's and the bridge's answer
  // to a reader that crashes while it reads.
  const sendGarbageAfterRead = () => {
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, ...rest) {
      post.call(this, message, ...rest);
      if (Array.isArray(message) && String(message[0]).startsWith('{"Read":')) post.call(this, ["{ not a message"]);
    };
  };
  const [onprem, cloud] = generatePair(20_000, "reader-crash");
  const { page, seen } = await app.open({ init: sendGarbageAfterRead });
  const closed = watchWorkers(page);
  const [main] = page.workers();
  const started = [];
  page.on("worker", (w) => started.push(w));
  await loadFiles(page, onprem, cloud);
  const crash = page.locator("section.error.crash");
  await crash.waitFor({ timeout: TIMEOUT });
  assert.match(await crash.textContent(), /Something went wrong inside Anchor Audit.*unreadable message/s);
  assert.ok(started.length >= 1, "a reader was started");
  await until(() => closed.has(main) && started.slice(0, 1).every((w) => closed.has(w)) && page.workers().length === 1, "the run's workers ended, one fresh");
  assert.equal(await page.locator("#verdict").count(), 0, "no report from the crashed run");
  app.assertNoLeaks(seen);
  await page.close();
});

for (const [role, first] of [["main worker", '{"Run":'], ["reader", '{"Read":']]) {
  test(`a ${role} that stops without a panic (out of memory) is shown, not waited for`, { timeout: 60_000 }, async () => {
    // A worker out of wasm memory aborts: a trap, which its panic hook never sees, so no message
    // comes, only the Worker's error event. The test sends that event itself, as the browser
    // does, just after the worker's first message of the run; the worker itself is left as is.
    const stopAfter = (first) => {
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (message, ...rest) {
        post.call(this, message, ...rest);
        if (Array.isArray(message) && String(message[0]).startsWith(first)) {
          // In a task of its own, as the browser delivers it. `dispatchEvent` is false when a
          // handler called preventDefault: the page's own error handling is spared it.
          setTimeout(() => {
            window.__stoppedHandled = !this.dispatchEvent(new ErrorEvent("error", { message: "Uncaught RuntimeError: unreachable", cancelable: true }));
          });
        }
      };
    };
    const [onprem, cloud] = generatePair(20_000, `stopped-${role.replace(" ", "-")}`);
    const { page, seen } = await app.open({ init: stopAfter, initArg: first });
    const closed = watchWorkers(page);
    const [main] = page.workers();
    await loadFiles(page, onprem, cloud);
    const stopped = page.locator("section.error.stopped");
    await stopped.waitFor({ timeout: TIMEOUT });
    assert.match(await stopped.textContent(), /The audit stopped: most likely out of memory.*command-line tool.*RuntimeError: unreachable/s);
    assert.equal(await page.locator("#verdict").count(), 0, "no report from the stopped run");
    await shot(page, `app-stopped-${role.replace(" ", "-")}`);
    // Both workers of the run are replaced by one fresh main worker.
    await until(() => closed.has(main) && page.workers().length === 1, "the run's workers ended, one fresh");
    // The bridge handled the event (preventDefault), and the page reported no error of its own.
    assert.equal(await page.evaluate(() => window.__stoppedHandled), true);
    assert.deepEqual(seen.errors, []);
    app.assertNoLeaks(seen);
    await page.close();
  });
}

test("a reader that fails as it starts leaves the run to the main worker", { timeout: 60_000 }, async () => {
  // The second worker's script throws before it says it is ready: the page hears of it only
  // through the worker's error event, after the run was sent.
  const failSecond = () => {
    const Original = globalThis.Worker;
    let made = 0;
    globalThis.Worker = class extends Original {
      constructor(url, ...rest) {
        const broken = URL.createObjectURL(new Blob(["throw new Error('reader refused by the test');"], { type: "text/javascript" }));
        super(++made === 2 ? broken : url, ...rest);
      }
    };
  };
  const { page, seen } = await app.open({ init: failSecond });
  await loadFiles(page, path.join(FIXTURES, "onprem-ps7.csv"), path.join(FIXTURES, "cloud-mguser.csv"));
  await waitForReport(page, seen);
  const c = await counts(page);
  assert.equal(c["mismatch"], 2);
  assert.equal(c["hard-match"], 6);
  await until(() => page.workers().length === 1, "the failed reader gone");
  // The test's own error is the only one the page may report.
  assert.deepEqual(seen.errors.filter((e) => !e.includes("reader refused by the test")), []);
  seen.errors.length = 0;
  app.assertNoLeaks(seen);
  await page.close();
});

test("tenant context: role files in the third zone block the hard match of admins, with the cause and fix", { timeout: 90_000 }, async () => {
  const { page, seen } = await app.open();
  const scenario = path.join(FIXTURES, "scenarios/05-soft-match");
  await loadFiles(page, path.join(scenario, "onprem.csv"), path.join(scenario, "cloud.csv"));
  await waitForReport(page, seen);
  const before = await counts(page);
  assert.equal(before["hard-match-blocked"], undefined, "no blocked row without a cause to check");
  assert.equal(before["hard-match"], 5);

  // Both role files at once, through the zone's own (multiple) file input.
  await page.setInputFiles("#file-context", [
    path.join(FIXTURES, "context/05-soft-match-roles.csv"),
    path.join(FIXTURES, "context/05-soft-match-pim.csv"),
  ]);
  await page.locator("[data-context-files] li").nth(1).waitFor({ timeout: TIMEOUT });
  await page.waitForFunction(() => document.querySelector("[data-counts] tr[data-category='hard-match-blocked']"), null, { timeout: TIMEOUT });
  await waitForReport(page, seen);
  const c = await counts(page);
  assert.equal(c["hard-match-blocked"], 2);
  assert.equal(c["soft-match-blocked"], 2);
  assert.equal(c["hard-match"], 3);
  assert.match(await page.locator("#verdict").textContent(), /2 hard matches would be refused by Entra, 2 admins would be duplicated/);
  const notes = await page.locator("body").textContent();
  assert.match(notes, /tenant context 05-soft-match-roles\.csv: role assignments, 4 rows = 4 used \+ 0 unreadable/i);
  assert.match(notes, /05-soft-match-roles\.csv line 5: Helpdesk Administrator granted to object 0f0e0d0c/);
  await shot(page, "app-context");

  // The category filters the table; the detail gives the cause and the fix that restores the roles.
  await page.getByRole("button", { name: "Show hard match blocked only" }).click();
  await page.waitForFunction(() => [...document.querySelectorAll(".grid-row.body [data-category]")].every((p) => p.dataset.category === "hard-match-blocked"), null, { timeout: TIMEOUT });
  const row = page.locator(".grid-row.body", { hasText: "anna.abbott@contoso.com" }).first();
  await row.waitFor({ timeout: TIMEOUT });
  await row.click();
  const detail = page.locator("[data-detail]");
  await detail.waitFor({ timeout: TIMEOUT });
  const text = await detail.textContent();
  assert.match(text, /Global Administrator/);
  assert.match(text, /InvalidHardMatch \(103\)/);
  assert.match(text, /Export-Clixml/);
  await page.screenshot({ path: path.join(ARTIFACTS, "app-context-detail.png") });

  // Removing the files runs again without them.
  await page.getByRole("button", { name: "Remove 05-soft-match-pim.csv" }).click();
  await page.getByRole("button", { name: "Remove 05-soft-match-roles.csv" }).click();
  await page.waitForFunction(() => !document.querySelector("[data-counts] tr[data-category='hard-match-blocked']"), null, { timeout: TIMEOUT });
  await waitForReport(page, seen);
  assert.deepEqual(await counts(page), before);
});

test("IdFix's rules: the on-prem row's finding in the detail shows the value, the suggestion and the rule's source", { timeout: 90_000 }, async () => {
  const { page, seen } = await app.open();
  const scenario = path.join(FIXTURES, "scenarios/13-idfix");
  await loadFiles(page, path.join(scenario, "onprem.csv"), path.join(scenario, "cloud.csv"));
  await waitForReport(page, seen);
  assert.equal((await counts(page))["hard-match"], 12);
  assert.match(await page.locator("#verdict").textContent(), /users have problems to fix first/);
  await page.locator("#search").fill("jurgen");
  await page.waitForFunction(() => document.querySelector("[data-row-total]")?.textContent.trim().startsWith("1 shown"), null, { timeout: TIMEOUT });
  await page.locator(".grid-row.body", { hasText: "jurgen.weiss@contoso.com" }).first().click();
  const detail = page.locator("[data-detail]");
  await detail.waitFor({ timeout: TIMEOUT });
  const text = await detail.textContent();
  assert.match(text, /jürgen weiß@contoso\.com breaks IdFix's rule/);
  assert.match(text, /Suggested: jurgenweiss@contoso\.com/);
  assert.match(text, /Errors supported by the IdFix tool/);
  await page.screenshot({ path: path.join(ARTIFACTS, "app-idfix-detail.png") });
});

/** The CLI's JSON report of a pair, with `--context` files, written to `out`. */
function cliJsonFile(onprem, cloud, context, out) {
  const args = ["run", "-q", "--bin", "anchor-audit", "--", "report", "--format", "json", "-o", out, onprem, cloud];
  if (context.length) args.push("--context", ...context);
  try {
    execFileSync("cargo", args, { cwd: ROOT, stdio: "ignore" });
  } catch (e) {
    if (e.status !== 1) throw e; // 1: the cut-over is not safe, the report is written
  }
  return out;
}

test("compare with an earlier report: the verdict's since line, who was fixed per category, and the refusals", { timeout: 120_000 }, async () => {
  const scenario = path.join(FIXTURES, "scenarios/05-soft-match");
  const pair = [path.join(scenario, "onprem.csv"), path.join(scenario, "cloud.csv")];
  // The earlier run saw the admins' roles (their joins blocked); since, the roles were removed.
  const roles = ["05-soft-match-roles.csv", "05-soft-match-pim.csv"].map((f) => path.join(FIXTURES, "context", f));
  const earlier = cliJsonFile(...pair, roles, path.join(tmp, "earlier-05.json"));
  const { page, seen } = await app.open();
  await loadFiles(page, ...pair);
  await waitForReport(page, seen);
  assert.equal(await page.locator("[data-since-line]").count(), 0, "no since line without an earlier report");

  await page.setInputFiles("#file-earlier", earlier);
  const line = page.locator("[data-since-line]");
  await line.waitFor({ timeout: TIMEOUT });
  await waitForReport(page, seen);
  assert.match(await line.textContent(), /^Since earlier-05\.json \(made \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\): 2 fixed, 0 new, 3 still to fix\.$/);
  const cells = await page.$$eval("[data-since-panel] tbody tr", (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.category, Object.fromEntries([...r.querySelectorAll("[data-since]")].map((c) => [c.dataset.since, Number(c.textContent.match(/\d+/)[0])]))])));
  assert.deepEqual(cells, {
    "hard-match-blocked": { fixed: 2, new: 0, unchanged: 0 },
    "soft-match-blocked": { fixed: 2, new: 0, unchanged: 0 },
    "on-prem-only": { fixed: 0, new: 0, unchanged: 1 },
    "soft-match": { fixed: 0, new: 2, unchanged: 0 },
  });
  const fixed = page.locator("[data-since-panel] tr[data-category='hard-match-blocked'] [data-since='fixed']");
  await fixed.locator("summary").click();
  const users = await fixed.locator("li").allTextContents();
  assert.deepEqual(users.map((u) => u.replace(/ \(.*/, "")).sort(), ["anna.abbott@contoso.com", "ben.hale@contoso.com"].sort());
  assert.ok(users.every((u) => u.endsWith("(hard match blocked → hard match)")), users.join("; "));
  await shot(page, "app-since");
  // A user in the list opens its detail.
  await fixed.getByRole("button", { name: "anna.abbott@contoso.com" }).click();
  await page.locator("[data-detail]", { hasText: "anna.abbott@contoso.com" }).waitFor({ timeout: TIMEOUT });
  await page.getByRole("button", { name: "Close" }).click();
  // The downloads carry the comparison too.
  const json = JSON.parse(await jsonReport(page));
  assert.equal(json.sinceEarlier.earlier, "earlier-05.json");
  assert.deepEqual([json.sinceEarlier.fixed, json.sinceEarlier.new, json.sinceEarlier.still], [2, 0, 3]);

  // A report of other exports is refused, and this run's report stays.
  const other = path.join(FIXTURES, "scenarios/01-okta-app-ids");
  const foreign = cliJsonFile(path.join(other, "OnPremIDs.csv"), path.join(other, "MsolSyncedIDs.csv"), [], path.join(tmp, "other.json"));
  await page.setInputFiles("#file-earlier", foreign);
  const error = page.locator("section.error", { hasText: "other.json" });
  await error.waitFor({ timeout: TIMEOUT });
  assert.match(await error.textContent(), /shares 0 of its \d+ users with this run .*expected an earlier report of the same directory and tenant/);
  await waitForReport(page, seen);
  assert.equal(await line.count(), 0);
  await shot(page, "app-since-refused");
  // So is a file that is not a JSON report.
  await page.setInputFiles("#file-earlier", pair[1]);
  await page.locator("section.error", { hasText: "it is not JSON" }).waitFor({ timeout: TIMEOUT });
  await waitForReport(page, seen);
  // Removed, the run stands alone again.
  await page.getByRole("button", { name: "Remove cloud.csv" }).click();
  await page.locator("section.error").waitFor({ state: "detached", timeout: TIMEOUT });
  await waitForReport(page, seen);
  assert.equal(await line.count(), 0);
  app.assertNoLeaks(seen);
  await page.close();
});

/** A PDF's page count and each page's text (poppler's pdfinfo and pdftotext). */
function pdfPages(pdf) {
  const info = execFileSync("pdfinfo", [pdf], { encoding: "utf8" });
  const count = Number(info.match(/^Pages:\s+(\d+)/m)[1]);
  const pages = [];
  for (let i = 1; i <= count; i++) pages.push(execFileSync("pdftotext", ["-f", String(i), "-l", String(i), pdf, "-"], { encoding: "utf8" }));
  return pages;
}

test("the printable report: downloaded, printed to PDF and read page by page, with every user to act on", { timeout: 180_000 }, async () => {
  const { page, seen } = await app.open();
  await page.getByRole("button", { name: "Try with sample data" }).click();
  await waitForReport(page, seen);
  await page.locator("[data-context-files] li").nth(2).waitFor({ timeout: TIMEOUT });
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("[data-download='anchor-audit-report.html']").click()]);
  assert.equal(download.suggestedFilename(), "anchor-audit-report.html");
  const html = await fs.readFile(await download.path(), "utf8");
  const json = JSON.parse(await jsonReport(page));
  const verdict = await page.locator("#verdict").textContent();
  const shown = await counts(page);
  const label = Object.fromEntries(await page.$$eval("[data-counts] tr", (rows) => rows.map((r) => [r.dataset.category, r.querySelector("th").textContent.trim()])));
  app.assertNoLeaks(seen);
  await page.close();

  // Printed as a browser prints it ("Save as PDF": the page's own A4 size and margins).
  const printer = await app.context.newPage();
  const requests = [];
  printer.on("request", (r) => requests.push(r.url()));
  await printer.setContent(html, { waitUntil: "load" });
  assert.equal(await printer.locator("#verdict").textContent(), verdict);
  const pdf = path.join(tmp, "report.pdf");
  await printer.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
  assert.deepEqual(requests, [], "the printable report makes no request");
  await printer.close();

  const pages = pdfPages(pdf);
  assert.ok(pages.length >= 3, `${pages.length} pages`);
  pages.forEach((text, i) => {
    assert.match(text, new RegExp(`Page ${i + 1} of ${pages.length}`), `page ${i + 1} is numbered`);
    assert.match(text, /Anchor Audit report/, `page ${i + 1} has the running footer`);
    assert.ok(text.replace(/Anchor Audit report|Page \d+ of \d+/g, "").trim().length > 200, `page ${i + 1} is not (nearly) blank`);
    execFileSync("pdftoppm", ["-r", "60", "-png", "-f", String(i + 1), "-l", String(i + 1), "-singlefile", pdf, path.join(ARTIFACTS, `print-page-${i + 1}`)]);
  });
  // Page 1: the verdict, the counts, the accounting and the run record with each input's hash.
  // Compared without white space and hyphens: pdftotext breaks lines and drops a hyphen at a
  // line's end.
  const bare = (text) => text.replace(/[\s-]+/g, "");
  const first = bare(pages[0]);
  assert.ok(first.includes(bare(verdict)), pages[0].slice(0, 300));
  for (const [key, n] of Object.entries(shown)) assert.ok(first.includes(bare(`${label[key]} ${n.toLocaleString("en-US")}`)), `${key} ${n} on page 1`);
  assert.match(first, /Onprem:\d+rowsread=\d+inthereport\+\d+unreadable/);
  for (const file of Object.values(json.files)) assert.ok(first.includes(file.sha256), `${file.name}'s SHA-256 on page 1`);
  assert.ok(first.includes("BlockSoftMatchEnabled"));
  // Every user to act on, with its reason, is on some page; no clean hard match is listed.
  const all = bare(pages.join(""));
  const act = json.entries.filter((e) => !["hard-match", "cloud-only"].includes(e.category));
  assert.ok(act.length > 20, `${act.length} users to act on`);
  for (const e of act) {
    const who = e.onprem?.upn || e.onprem?.samAccountName || e.cloud?.upn;
    assert.ok(all.includes(bare(who)), `${who} (${e.category}) is printed`);
    assert.ok(all.includes(bare(e.reason)), `${who}'s reason is printed`);
  }
  const clean = json.entries.find((e) => e.category === "hard-match" && !e.findings.length);
  assert.ok(!all.includes(bare(clean.reason)), "a clean hard match is counted, not listed");
});

test("Entra Connect's pending exports: disagreements first in the verdict, both sides listed, other connectors refused", { timeout: 90_000 }, async () => {
  const scenario = path.join(FIXTURES, "scenarios/05-soft-match");
  const pending = (name) => path.join(FIXTURES, "pending-exports", name);
  const { page, seen } = await app.open();
  await loadFiles(page, path.join(scenario, "onprem.csv"), path.join(scenario, "cloud.csv"));
  await waitForReport(page, seen);
  assert.doesNotMatch(await page.locator("#verdict").textContent(), /Entra Connect/);

  await page.setInputFiles("#file-pending", pending("aad-pending.xml"));
  const line = page.locator("[data-pending-line]");
  await line.waitFor({ timeout: TIMEOUT });
  await waitForReport(page, seen);
  assert.match(await page.locator("#verdict").textContent(), /^Not safe to cut over: Entra Connect's own pending exports disagree for 2 users, /);
  assert.equal(await line.textContent(), "Entra Connect's own pending exports (aad-pending.xml) disagree for 2 users; they agree for 2.");
  const rows = await page.$$eval("[data-pending-panel] tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
  assert.deepEqual(rows, [
    ["m.garcia@contoso.com", "soft match", "add (line 60)", "the report predicts a join; Entra Connect will add a new cloud object (a duplicate)"],
    ["old.contractor@contoso.com", "not in these exports", "delete (line 40)", "Entra Connect will delete this cloud object"],
  ]);
  await shot(page, "app-pending");
  await page.locator("[data-pending-panel]").getByRole("button", { name: "m.garcia@contoso.com" }).click();
  await page.locator("[data-detail]", { hasText: "m.garcia@contoso.com" }).waitFor({ timeout: TIMEOUT });
  await page.getByRole("button", { name: "Close" }).click();
  const json = JSON.parse(await jsonReport(page));
  assert.equal(json.pendingExports.disagreements.length, 2);

  // The AD connector's export is refused, and the report stands without it.
  await page.setInputFiles("#file-pending", pending("ad-pending.xml"));
  const error = page.locator("section.error", { hasText: "ad-pending.xml" });
  await error.waitFor({ timeout: TIMEOUT });
  assert.match(await error.textContent(), /of the connector `contoso\.com`, not Entra ID's/);
  await waitForReport(page, seen);
  assert.equal(await line.count(), 0);
  await page.getByRole("button", { name: "Remove ad-pending.xml" }).click();
  await error.waitFor({ state: "detached", timeout: TIMEOUT });
  app.assertNoLeaks(seen);
  await page.close();
});
