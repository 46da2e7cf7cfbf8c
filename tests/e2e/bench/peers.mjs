// The peers of browser-bench.mjs's `--peers` mode (issue 5), run in the same browser as the app's
// measurement, each in a fresh tab, on the same files chosen through file inputs:
//
// - floor: the `csv` crate alone as plain wasm (examples/wasm_floor.rs): each file read into an
//   ArrayBuffer, copied into wasm memory, parsed (records and fields counted), and parsed again;
// - floor-stream: the same parse, as the app reads: both files at once, each streamed
//   (Blob.stream()) into its own worker and parsed chunk by chunk as it arrives; then both
//   streamed again with no parse (what reading alone takes);
// - papa / papa-stream / papa-worker: Papa Parse 5 (rows as arrays, not objects) on each file read
//   whole as text (the fastest way here), or streaming the File in chunks on the page's thread or
//   in Papa's worker; objectGUID → ImmutableID in plain JS, a Map join;
// - duckdb / duckdb-buffer: DuckDB-Wasm, read_csv of each file registered as a File handle (read
//   with FileReaderSync in DuckDB's worker) or as a buffer, the conversion and the join in SQL;
//   duckdb-threads: its multi-threaded build (COI) on buffers, in a cross-origin isolated page.
//
// The packages come from this folder's own package.json (`npm ci` here; tests/e2e's does not have
// them) and are served from node_modules on 127.0.0.1 with the page (peers/): no CDN, no network.

import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveFolder } from "../serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(here, "../../..");

export const PEERS = ["floor", "floor-stream", "papa", "papa-stream", "papa-worker", "duckdb", "duckdb-buffer", "duckdb-threads"];
export const PEER_NAMES = {
  floor: "floor: csv crate parse only (wasm)",
  "floor-stream": "floor, streamed: both files at once, each into its own worker, csv-core",
  papa: "Papa Parse, file as text, main thread + JS join",
  "papa-stream": "Papa Parse, File in chunks, main thread + JS join",
  "papa-worker": "Papa Parse, File in chunks, worker: true + JS join",
  duckdb: "DuckDB-Wasm, File handles + SQL join",
  "duckdb-buffer": "DuckDB-Wasm, buffers + SQL join",
  "duckdb-threads": "DuckDB-Wasm, threads (COI), buffers + SQL join",
};

/** Runs `cmd args` in the repository, its output to our stderr; throws with a hint on failure. */
function run(cmd, args, hint) {
  try {
    execFileSync(cmd, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  } catch (e) {
    throw new Error(`\`${cmd} ${args.join(" ")}\` failed (${e.message.split("\n")[0]})${hint ? `: ${hint}` : ""}`);
  }
}

/**
 * Builds the floor, lays out the peers' site (the page, the floor's wasm, links into node_modules)
 * in a temporary folder and serves it on 127.0.0.1. Resolves to `{ url, close }`.
 */
export async function servePeers() {
  const modules = path.join(here, "node_modules");
  await fs.access(path.join(modules, "@duckdb/duckdb-wasm/dist/duckdb-eh.wasm")).catch(() => {
    throw new Error(`the peers are not installed: run \`npm ci\` in ${here} first`);
  });
  console.error("# building the floor: cargo build --release --example wasm_floor --target wasm32-unknown-unknown");
  run("cargo", ["build", "--release", "--example", "wasm_floor", "--target", "wasm32-unknown-unknown"], "is the target installed (`rustup target add wasm32-unknown-unknown`)?");
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, "target");
  const wasm = path.join(target, "wasm32-unknown-unknown/release/examples/wasm_floor.wasm");

  const site = await fs.mkdtemp(path.join(os.tmpdir(), "anchor-audit-peers-"));
  await fs.copyFile(wasm, path.join(site, "floor.wasm"));
  for (const file of ["index.html", "page.js"]) await fs.symlink(path.join(here, "peers", file), path.join(site, file));
  const links = {
    duckdb: "@duckdb/duckdb-wasm/dist",
    arrow: "apache-arrow",
    flatbuffers: "flatbuffers/mjs",
    tslib: "tslib",
    papaparse: "papaparse",
  };
  for (const [name, target] of Object.entries(links)) await fs.symlink(path.join(modules, target), path.join(site, name));
  // Cross-origin isolated (COOP + COEP), for duckdb-threads' SharedArrayBuffer; everything the
  // page loads is its own, so the others are not affected.
  const server = await serveFolder(site, "/peers/", { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" });
  const versions = {};
  for (const name of ["@duckdb/duckdb-wasm", "papaparse"]) versions[name] = JSON.parse(await fs.readFile(path.join(modules, name, "package.json"), "utf8")).version;
  return {
    url: server.url,
    versions,
    close: async () => {
      await server.close();
      await fs.rm(site, { recursive: true, force: true });
    },
  };
}

/**
 * The figure each peer must give, from our own report on the pair (the release CLI, the engine the
 * page runs): cloud rows in hard match, plus cloud rows in duplicate anchor (they equal an anchor
 * two on-prem rows share). Cached beside the pair as reference.json.
 */
export async function reference(input, cli) {
  const cached = path.join(input.dir, "reference.json");
  const have = await fs.readFile(cached, "utf8").catch(() => null);
  if (have) return JSON.parse(have);
  const csv = path.join(input.dir, "report.csv");
  console.error(`# our report on ${input.dir} for the peers' reference figure (${cli.join(" ")} report --format csv)`);
  try {
    execFileSync(cli[0], [...cli.slice(1), "report", input.onprem, input.cloud, "--format", "csv", "-o", csv], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 24 });
  } catch (e) {
    // Exit status 1 means findings: the report was written.
    if (e.status !== 1) throw new Error(`our report on ${input.dir} failed: ${e.stderr ?? e.message}`);
  }
  const { default: Papa } = await import("papaparse");
  const counts = { hardMatch: 0, duplicateWithCloud: 0, rows: 0 };
  await new Promise((resolve, reject) => {
    let category, cloudLine;
    Papa.parse(createReadStream(csv), {
      header: false,
      step({ data }) {
        if (category === undefined) {
          const names = data.map((name) => name.replace(/^\ufeff/, ""));
          [category, cloudLine] = [names.indexOf("Category"), names.indexOf("CloudLine")];
          return;
        }
        counts.rows++;
        if (data[category] === "hard match") counts.hardMatch++;
        else if (data[category] === "duplicate anchor" && data[cloudLine]) counts.duplicateWithCloud++;
      },
      complete: resolve,
      error: reject,
    });
  });
  counts.matched = counts.hardMatch + counts.duplicateWithCloud;
  await fs.rm(csv);
  await fs.writeFile(cached, JSON.stringify(counts));
  return counts;
}

/**
 * Runs each of `which` in a fresh tab of `context` (the app's tabs closed first, so their memory is
 * given back) on the pair `input`, within `timeoutS` seconds each. Resolves to one result a peer.
 */
export async function runPeers(context, server, input, which, timeoutS) {
  const results = [];
  for (const pageOpen of context.pages()) await pageOpen.close().catch(() => {});
  for (const peer of which) {
    const page = await context.newPage();
    // Every request of the tab and of its workers (the context sees both).
    const requests = [];
    const onRequest = (r) => requests.push(r.url());
    context.on("request", onRequest);
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("crash", () => errors.push("the page crashed (renderer gone: out of memory?)"));
    const result = { peer, name: PEER_NAMES[peer] };
    const started = Date.now();
    try {
      await page.goto(`${server.url}?peer=${peer}`, { waitUntil: "load", timeout: 60_000 });
      await page.waitForFunction(() => window.__peer?.ready || window.__peer?.error, null, { timeout: 120_000, polling: 50 });
      const setup = await page.evaluate(() => window.__peer);
      if (setup.error) throw new Error(setup.error);
      await page.setInputFiles("#file-onprem", input.onprem);
      await page.setInputFiles("#file-cloud", input.cloud);
      await Promise.race([
        page.waitForFunction(() => window.__peer.done != null, null, { timeout: timeoutS * 1000, polling: 100 }),
        new Promise((_, reject) => page.on("crash", () => reject(new Error("the page crashed (renderer gone: out of memory?)")))),
      ]);
      const s = await page.evaluate(() => window.__peer);
      if (s.error) throw new Error(s.error.split("\n")[0]);
      Object.assign(result, { outcome: "done", ms: s.done - s.chosen, stages: s.stages, ...s.result });
      if (s.duckdb) result.duckdb = s.duckdb;
    } catch (e) {
      result.outcome = `failed: ${e.message.split("\n")[0]}`;
      result.wallMs = Date.now() - started;
    }
    const origin = new URL(server.url).origin;
    result.offOrigin = [...new Set(requests)].filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith("blob:") && !u.startsWith("data:"));
    result.errors = errors;
    context.off("request", onRequest);
    await page.close().catch(() => {});
    results.push(result);
  }
  return results;
}

const mb = (bytes) => bytes / 1e6;
const fmt = (x, digits = 0) => (x == null || Number.isNaN(x) ? "—" : x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/**
 * The floor's figures: parse-only time of both files (first parse, the repeat, and the faster of
 * the two per file: the floor), and file → wasm memory → parsed.
 */
export function floorFigures(floor) {
  const sum = (key) => floor.files.reduce((n, f) => n + f[key], 0);
  return {
    bytes: sum("bytes"),
    parseMs: sum("parseMs"),
    repeatMs: sum("repeatMs"),
    bestMs: floor.files.reduce((n, f) => n + Math.min(f.parseMs, f.repeatMs), 0),
    readCopyMs: sum("readMs") + sum("copyMs"),
  };
}

/** Prints the peers of one size under the app's figures (`r` is browser-bench's result). */
export function printPeers(r) {
  const ours = r.outcome === "report" ? r.reportMs : null;
  const bytes = r.inputBytes;
  const ref = r.reference;
  console.log(`  peers (same browser, each in a fresh tab, the same files through file inputs; time from the cloud file chosen to the count):`);
  const rows = [["", "time", "MB/s", "÷ ours", "cloud users matched", "notes"]];
  const ratio = (ms) => (ours ? `${fmt(ms / ours, 2)}×` : "—");
  rows.push(["ours: report rendered", ours ? `${fmt(ours)} ms` : r.outcome, ours ? fmt(mb(bytes) / (ours / 1000), 1) : "—", ours ? "1.00×" : "—", ref ? fmt(ref.matched) : "—", ref ? `from our report (CLI): ${fmt(ref.hardMatch)} hard match + ${fmt(ref.duplicateWithCloud)} cloud rows of duplicate anchors` : ""]);
  let floor = null;
  for (const p of r.peers) {
    if (p.outcome !== "done") {
      rows.push([p.name, "failed", "", "", "", p.outcome.replace(/^failed: /, "").slice(0, 160)]);
      continue;
    }
    if (p.peer === "floor") {
      floor = floorFigures(p);
      const records = p.files.map((f) => `${fmt(f.records)} records, ${fmt(f.fields)} fields`).join("; ");
      rows.push([p.name, `${fmt(floor.bestMs)} ms`, fmt(mb(floor.bytes) / (floor.bestMs / 1000), 1), ratio(floor.bestMs), "—", `the faster of two parses of each file (first ${fmt(floor.parseMs)} ms, again ${fmt(floor.repeatMs)} ms); ${records}; warm-up ${p.warmUpMBs.join(", ")} MB/s`]);
      rows.push(["  file → ArrayBuffer → wasm memory → parsed", `${fmt(p.ms)} ms`, fmt(mb(floor.bytes) / (p.ms / 1000), 1), ratio(p.ms), "—", `reading ${fmt(floor.readCopyMs)} ms of it (arrayBuffer + copy)`]);
      continue;
    }
    if (p.peer === "floor-stream") {
      const records = p.files.map((f) => `${fmt(f.records)} records`).join(" + ");
      const each = p.files.map((f) => `${f.name} ${fmt(f.ms)} ms (${fmt(f.chunks)} chunks)`).join(", ");
      rows.push([p.name, `${fmt(p.ms)} ms`, fmt(mb(bytes) / (p.ms / 1000), 1), ratio(p.ms), "—", `${each}; ${records}`]);
      rows.push(["  both files streamed, no parse", `${fmt(p.readOnlyMs)} ms`, fmt(mb(bytes) / (p.readOnlyMs / 1000), 1), ratio(p.readOnlyMs), "—", p.files.map((f) => `${f.name} ${fmt(f.readOnlyMs)} ms`).join(", ")]);
      continue;
    }
    const split = p.stages.loaded != null ? `load + parse ${fmt(p.stages.loaded)} ms, conversion + join ${fmt(p.ms - p.stages.loaded)} ms; ${p.bundle}, ${p.version}` : `on-prem file done at ${fmt(p.stages.onprem)} ms`;
    rows.push([p.name, `${fmt(p.ms)} ms`, fmt(mb(bytes) / (p.ms / 1000), 1), ratio(p.ms), fmt(p.matched), `${split}; ${fmt(p.onpremRows)} + ${fmt(p.cloudRows)} rows, ${fmt(p.noAnchor)} on-prem without anchor`]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  for (const [i, row] of rows.entries()) {
    console.log(`  | ${row.map((c, j) => (j === 0 || j === 5 ? String(c).padEnd(widths[j]) : String(c).padStart(widths[j]))).join(" | ")} |`);
    if (i === 0) console.log(`  |${widths.map((w, j) => (j === 0 || j === 5 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`);
  }
  const counts = r.peers.filter((p) => p.outcome === "done" && p.matched != null).map((p) => p.matched);
  if (ref) counts.push(ref.matched);
  const same = counts.length > 1 && counts.every((c) => c === counts[0]);
  console.log(`  cloud users matched: ${same ? `the same (${fmt(counts[0])}) for every peer and our report` : `DIFFER: ${r.peers.filter((p) => p.matched != null).map((p) => `${p.peer} ${fmt(p.matched)}`).join(", ")}${ref ? `, ours ${fmt(ref.matched)}` : ""}`}`);
  if (ours && floor) {
    const oursMBs = mb(bytes) / (ours / 1000);
    const floorMBs = mb(floor.bytes) / (floor.bestMs / 1000);
    console.log(`  our end-to-end ${fmt(oursMBs, 1)} MB/s = ${fmt((100 * oursMBs) / floorMBs, 1)} % of the floor (${fmt(floorMBs, 1)} MB/s)  target ≥ 50 %${oursMBs >= floorMBs / 2 ? "  ok" : "  MISSED"}`);
  }
  const streamed = r.peers.find((p) => p.peer === "floor-stream" && p.outcome === "done");
  for (const p of r.peers.filter((p) => p.peer.startsWith("duckdb") && p.outcome === "done")) {
    if (ours) console.log(`  ${p.name}: ${fmt(p.ms / ours, 2)}× our time  target ≥ 4×${p.ms >= 4 * ours ? "  ok" : "  MISSED"}`);
    // A quarter of DuckDB's time against the least any tool here takes to read and parse both.
    if (streamed) console.log(`    a quarter of it, ${fmt(p.ms / 4)} ms, is ${p.ms / 4 < streamed.ms ? "LESS" : "more"} than the streamed floor (${fmt(streamed.ms)} ms: both files read and parsed, nothing else)`);
  }
  for (const p of r.peers) {
    if (p.offOrigin?.length) console.log(`  ${p.peer}: REQUESTS OFF 127.0.0.1: ${p.offOrigin.slice(0, 5).join(" ")}`);
    if (p.errors?.length) console.log(`  ${p.peer}: page errors: ${p.errors.slice(0, 3).join(" | ")}`);
  }
}
