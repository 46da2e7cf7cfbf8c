// A tiny static file server for the end-to-end tests: serves one folder (the release build in
// dist/) on 127.0.0.1, at a random free port, under a sub-path so relative URLs are exercised.

import http from "node:http";
import fs from "node:fs/promises";
import path from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/**
 * Serves `root` at http://127.0.0.1:<free port><prefix>, adding `headers` to every file.
 * Resolves to `{ url, close }`, where `url` is the page's address (ending in `/`) and `close()`
 * stops the server.
 */
export async function serveFolder(root, prefix = "/anchor-audit/", headers = {}) {
  root = path.resolve(root);
  const server = http.createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = null;
    if (pathname.startsWith(prefix)) {
      const relative = pathname.slice(prefix.length) || "index.html";
      const candidate = path.resolve(root, relative);
      // Never serve outside root (`..` in the URL).
      if (candidate.startsWith(root + path.sep)) file = candidate;
    }
    try {
      if (!file) throw new Error("outside the served folder");
      const body = await fs.readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
        ...headers,
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
