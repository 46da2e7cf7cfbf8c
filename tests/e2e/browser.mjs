// Debian's headless Chromium for the end-to-end specs, started by playwright-core (which never
// downloads a browser), with the flags that keep it from calling home (this machine has no
// internet, and the specs assert that no request leaves it).

import { chromium } from "playwright-core";

export const CHROMIUM = process.env.ANCHOR_AUDIT_CHROMIUM ?? "/usr/bin/chromium";

/**
 * A persistent context (Playwright only takes a user-data-dir that way) in `userDataDir`, which
 * starts empty.
 */
export function launchBrowser(userDataDir, viewport) {
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
    ],
  });
}
