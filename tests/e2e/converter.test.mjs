// End to end: the release build (dist/) served on 127.0.0.1, in Debian's headless Chromium driven
// by playwright-core. Types a GUID into the converter like a user, reads the ImmutableID off the
// page, and checks the page's promise: no request after load, none off this machine, no errors.

import { before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { useServedApp } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = process.env.ANCHOR_AUDIT_DIST ?? path.join(here, "../../dist");
const ARTIFACTS = path.join(here, "artifacts");
const TIMEOUT = 20_000;

const GUID = "35918bc9-196d-40ea-9779-889d79b753f0";
const IMMUTABLE_ID = "yYuRNW0Z6kCXeYidebdT8A==";

const app = useServedApp({
  dist: DIST,
  required: "index.html",
  viewport: { width: 900, height: 640 },
  timeout: TIMEOUT,
});

before(() => fs.mkdir(ARTIFACTS, { recursive: true }));

test("the page loads, says where data stays, and makes no request once loaded", { timeout: 60_000 }, async () => {
  const { page, seen } = await app.open();
  assert.equal(await page.title(), "Anchor Audit");
  assert.equal(await page.locator("h1").textContent(), "Anchor Audit");
  assert.match(await page.locator(".privacy").textContent(), /stays in this browser/);
  app.assertNoLeaks(seen);
  // The app itself was loaded (the glue, the wasm), all before the load event.
  assert.ok(seen.requests.some((r) => r.url.endsWith("_bg.wasm")), "the wasm was requested");
  await page.screenshot({ path: path.join(ARTIFACTS, "page.png"), fullPage: true });
  await page.close();
});

test("typing a GUID shows its ImmutableID, with no network traffic", { timeout: 60_000 }, async () => {
  const { page, seen } = await app.open();
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
  app.assertNoLeaks(seen);
  await page.close();
});

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
