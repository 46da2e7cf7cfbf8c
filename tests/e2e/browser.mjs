// Debian's headless Chromium for the end-to-end specs, started by playwright-core (which never
// downloads a browser), with the flags that keep it from calling home (this machine has no
// internet, and the specs assert that no request leaves it).

import { chromium } from "playwright-core";

export const CHROMIUM = process.env.ANCHOR_AUDIT_CHROMIUM ?? "/usr/bin/chromium";

/**
 * A persistent context (Playwright only takes a user-data-dir that way) in `userDataDir`, which
 * starts empty. `extraArgs` are more Chromium flags (e.g. to cut it off the network).
 */
export function launchBrowser(userDataDir, viewport, extraArgs = []) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

/**
 * The requests in `requests` (`{ url }`s recorded from the context) that can reach a network:
 * all but the `blob:` URLs of `origin` (`"null"` for file://), which are the app's workers
 * started from code the page already holds (Chromium reports them as requests on http pages).
 */
export function networkRequests(requests, origin) {
  return requests.filter((r) => !r.url.startsWith(`blob:${origin}/`));
}
