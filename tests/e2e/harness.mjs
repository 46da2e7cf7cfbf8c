// The set-up the app's end-to-end specs share: dist/ served on 127.0.0.1, one fresh Chromium
// profile for the spec file, and a tab that records every request and every error the page
// reports, so each test can end by asserting the app's promise (no request once ready, none off
// this machine, no errors).

import { after, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { launchBrowser, networkRequests } from "./browser.mjs";
import { serveFolder } from "./serve.mjs";

/**
 * Registers the spec file's `before`/`after` hooks and returns the served app: `server` and
 * `context` once `before` has run, `open()` for a new tab and `assertNoLeaks(seen)` after it.
 * `required` is a file dist/ must hold (the build step's output the spec depends on).
 */
export function useServedApp({ dist, required, viewport, timeout }) {
  const app = { server: undefined, context: undefined };
  let userDataDir;

  before(async () => {
    await fs.access(path.join(dist, required)).catch(() => {
      throw new Error(`${dist}/${required} is missing: run \`trunk build --release\` first`);
    });
    app.server = await serveFolder(dist);
    userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), "anchor-audit-e2e-"));
    app.context = await launchBrowser(userDataDir, viewport);
  });

  after(async () => {
    await app.context?.close();
    await app.server?.close();
    if (userDataDir) await fs.rm(userDataDir, { recursive: true, force: true });
  });

  /**
   * Opens the app in a new tab and waits until it and its worker are up (`data-ready` on
   * <html>). `seen.failed` settles, as a failure, on the first error the page reports, so a wait
   * can stop early with the page's own message (a Rust panic, a CSP violation) rather than time
   * out. The context sees the worker's requests as well as the page's, in order. `init`, if
   * given, runs in the tab before the page's own scripts (addInitScript), with `initArg`.
   */
  app.open = async ({ init, initArg } = {}) => {
    const { context, server } = app;
    const page = await context.newPage();
    if (init) await page.addInitScript(init, initArg);
    const seen = { requests: [], errors: [], ready: false };
    let fail;
    seen.failed = new Promise((_, reject) => (fail = reject));
    seen.failed.catch(() => {});
    const error = (text) => {
      seen.errors.push(text);
      fail(new Error(`the page reported an error: ${text}`));
    };
    const onRequest = (r) => seen.requests.push({ url: r.url(), afterReady: seen.ready });
    context.on("request", onRequest);
    seen.stop = () => context.off("request", onRequest);
    page.on("close", seen.stop);
    page.on("requestfailed", (r) => error(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on("console", (m) => m.type() === "error" && error(`console: ${m.text()}`));
    page.on("pageerror", (e) => error(`page error: ${e.message}`));
    await page.goto(server.url, { waitUntil: "load", timeout });
    await Promise.race([
      page.waitForSelector("html[data-ready='true']", { timeout }),
      seen.failed,
    ]);
    seen.ready = true;
    return { page, seen };
  };

  /**
   * No request after the app was ready (not even for a fresh worker after Cancel or Clear:
   * workers start from a Blob URL of code loaded once), none ever off this machine, no errors.
   */
  app.assertNoLeaks = (seen) => {
    seen.stop();
    assert.deepEqual(seen.errors, [], "the page reported errors");
    const origin = new URL(app.server.url).origin;
    const network = networkRequests(seen.requests, origin);
    const offMachine = network.filter((r) => !r.url.startsWith(origin + "/"));
    assert.deepEqual(offMachine, [], `requests to anything but ${origin}`);
    const late = network.filter((r) => r.afterReady);
    assert.deepEqual(late, [], "requests after the app (page and worker) was ready");
  };

  return app;
}
