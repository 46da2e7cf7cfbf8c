// The peers of the browser benchmark (issue 5), one per page load: `?peer=floor|floor-stream|papa|papa-stream|
// papa-worker|duckdb|duckdb-buffer`. Each gets ready before any file is chosen (its code and wasm loaded and
// compiled: like the app, whose page is ready before the user picks files), then, exactly like the
// app, takes the on-prem file from its input first and starts when the cloud file is chosen. It
// ends with the number of cloud users whose ImmutableID equals some on-prem anchor
// (mS-DS-ConsistencyGuid when set, else base64 of objectGUID's bytes in Guid.ToByteArray() order),
// in `window.__peer`, timed in the page from the cloud input's `change` event.

const peer = new URLSearchParams(location.search).get("peer");
// `end`, when a peer sets it, is when its timed work ended (checks after it are not timed).
const state = (window.__peer = { peer, ready: false, chosen: null, end: null, done: null, stages: {}, result: null, error: null });

const ONPREM = { guid: "objectGUID", consistency: "mS-DS-ConsistencyGuid" };
const CLOUD = { immutableId: ["OnPremisesImmutableId", "ImmutableId"] };

// --- The conversion in plain JS (Papa Parse's peer) ---------------------------------------------

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX["0123456789abcdef".charCodeAt(i)] = i;
  HEX["0123456789ABCDEF".charCodeAt(i)] = i;
}
const BASE64 = Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", (c) => c.charCodeAt(0));
// Where each byte of Guid.ToByteArray() is in the GUID's text (hex pairs, hyphens skipped): the
// first three groups little-endian, the last two as written.
const TEXT_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
const bytes = new Uint8Array(16);
const pairs = new Uint8Array(16);
const codes = new Array(24).fill(61); // "=": the last two stay padding

/** The ImmutableID of a hyphenated objectGUID, or null when it is not one. */
function immutableIdOf(guid) {
  if (guid.length !== 36) return null;
  let k = 0;
  for (let i = 0; i < 36; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (guid.charCodeAt(i) !== 45) return null;
      i--;
      continue;
    }
    const hi = guid.charCodeAt(i), lo = guid.charCodeAt(i + 1);
    const h = hi < 128 ? HEX[hi] : -1, l = lo < 128 ? HEX[lo] : -1;
    if (h < 0 || l < 0) return null;
    pairs[k++] = (h << 4) | l;
  }
  for (let i = 0; i < 16; i++) bytes[i] = pairs[TEXT_ORDER[i]];
  // One flat string from the 24 character codes (concatenation would build a rope to flatten).
  let c = 0;
  for (let i = 0; i < 15; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    codes[c++] = BASE64[n >> 18];
    codes[c++] = BASE64[(n >> 12) & 63];
    codes[c++] = BASE64[(n >> 6) & 63];
    codes[c++] = BASE64[n & 63];
  }
  codes[20] = BASE64[bytes[15] >> 2];
  codes[21] = BASE64[(bytes[15] & 3) << 4];
  return String.fromCharCode.apply(null, codes);
}

/**
 * Parses `file` with Papa Parse (rows as arrays, not objects: the faster mode) and calls
 * `onRow(row, header)` for each row after the header, the first row naming one of `wanted` (the
 * #TYPE line before it is skipped); `header` maps column names to indexes. Modes, by `how`:
 * "text" reads the whole file into one string and parses it row by row (`step`), the fastest here;
 * "stream" lets Papa read the File in its 10 MB chunks (`chunk`), on this thread; "worker" the
 * same in Papa's own worker (`worker: true`), the rows posted back a chunk at a time.
 */
async function papaRows(file, wanted, onRow, how) {
  const source = how === "text" ? await file.text() : file;
  return new Promise((resolve, reject) => {
    let header = null;
    const take = (row) => {
      if (header) return onRow(row, header);
      const names = row.map((n) => n.replace(/^\ufeff/, ""));
      if (wanted.some((w) => names.includes(w))) header = Object.fromEntries(names.map((n, j) => [n, j]));
    };
    const config = {
      worker: how === "worker",
      header: false,
      skipEmptyLines: true,
      complete: () => (header ? resolve(header) : reject(new Error(`${file.name}: no header naming ${wanted.join(" or ")}`))),
      error: (e) => reject(new Error(`${file.name}: ${e.message ?? e}`)),
    };
    if (how === "text") config.step = (results) => take(results.data);
    else config.chunk = (results) => results.data.forEach(take);
    Papa.parse(source, config);
  });
}

async function papa(onprem, cloud, how) {
  const anchors = new Map();
  let onpremRows = 0, noAnchor = 0;
  let guidAt, consistencyAt;
  await papaRows(onprem, [ONPREM.guid], (row, header) => {
    if (guidAt === undefined) [guidAt, consistencyAt] = [header[ONPREM.guid], header[ONPREM.consistency]];
    onpremRows++;
    const consistency = consistencyAt === undefined ? "" : row[consistencyAt] ?? "";
    const anchor = consistency !== "" ? consistency : immutableIdOf(row[guidAt] ?? "");
    if (anchor === null) noAnchor++;
    else if (!anchors.has(anchor)) anchors.set(anchor, onpremRows);
  }, how);
  state.stages.onprem = performance.now() - state.chosen;
  let cloudRows = 0, matched = 0, idAt;
  await papaRows(cloud, CLOUD.immutableId, (row, header) => {
    if (idAt === undefined) idAt = header[CLOUD.immutableId.find((n) => n in header)];
    cloudRows++;
    const id = row[idAt];
    if (id && anchors.has(id)) matched++;
  }, how);
  return { matched, onpremRows, cloudRows, noAnchor, anchors: anchors.size };
}

// --- The floor: the csv crate alone, as plain wasm ----------------------------------------------

let floorExports;

// A made-up export row; the floors' warm-up parses 8 MB of it.
const SAMPLE_ROW = '"first.last1@contoso.com","First Last","flast1","CN=First Last,OU=Staff,DC=contoso,DC=com",' +
  '"a10fc70e-301a-4685-b80b-efe1a6c25249","first.last1@contoso.com","SMTP:first.last1@contoso.com","ONEa2FzGg066cXvgRJ+MMQ==","100002"\r\n';

async function floorReady() {
  const { instance } = await WebAssembly.instantiateStreaming(fetch("./floor.wasm"), {});
  floorExports = instance.exports;
  // Warm-up, before any file is chosen: V8 runs new wasm code in its baseline tier (Liftoff) and
  // swaps in optimised code only for later calls, and the whole parse loop is one call. So the
  // floor parses 8 MB of made-up export rows a few times first, then is timed on the files.
  const sample = new TextEncoder().encode(SAMPLE_ROW.repeat(Math.ceil(8e6 / SAMPLE_ROW.length)));
  const ptr = floorExports.floor_alloc(sample.length);
  new Uint8Array(floorExports.memory.buffer, ptr, sample.length).set(sample);
  const warm = [];
  for (let i = 0; i < 4; i++) {
    const t = performance.now();
    floorExports.floor_parse(ptr, sample.length);
    warm.push(Math.round(sample.length / 1e3 / (performance.now() - t)));
  }
  floorExports.floor_free(ptr, sample.length);
  state.warmUpMBs = warm;
}

/** Each file read into an ArrayBuffer, copied into wasm memory and parsed twice (first, repeat). */
async function floor(onprem, cloud) {
  const e = floorExports;
  const files = [];
  for (const file of [onprem, cloud]) {
    const t0 = performance.now();
    const buffer = new Uint8Array(await file.arrayBuffer());
    const t1 = performance.now();
    const ptr = e.floor_alloc(buffer.length);
    if (!ptr) throw new Error(`${file.name}: wasm memory for ${buffer.length} bytes could not be had`);
    new Uint8Array(e.memory.buffer, ptr, buffer.length).set(buffer);
    const t2 = performance.now();
    const records = Number(e.floor_parse(ptr, buffer.length));
    const t3 = performance.now();
    const fields = Number(e.floor_fields());
    const again = Number(e.floor_parse(ptr, buffer.length));
    const t4 = performance.now();
    e.floor_free(ptr, buffer.length);
    if (again !== records) throw new Error(`${file.name}: ${records} records, then ${again}`);
    files.push({ name: file.name, bytes: buffer.length, records, fields, readMs: t1 - t0, copyMs: t2 - t1, parseMs: t3 - t2, repeatMs: t4 - t3 });
  }
  return { files, wasmMemoryBytes: e.memory.buffer.byteLength, warmUpMBs: state.warmUpMBs };
}

// --- The streamed floor: both files at once, each streamed into its own worker ---------------------

// A worker of the streamed floor: its own instance of the floor's module, warmed up like the
// floor's, then a file streamed through Blob.stream() and parsed chunk by chunk as it arrives
// (`parse` false: streamed and copied into wasm memory only).
const STREAM_WORKER = `
let e;
// Every failure is posted back (an async handler's throw reaches no error event).
onmessage = (event) => work(event.data).catch((error) => postMessage({ error: String(error?.stack ?? error) }));
async function work(data) {
  if (data.module) {
    e = (await WebAssembly.instantiate(data.module, {})).exports;
    const sample = new TextEncoder().encode(data.sampleRow.repeat(Math.ceil(8e6 / data.sampleRow.length)));
    for (let i = 0; i < 4; i++) {
      e.floor_stream_start();
      // The buffer first: growing memory detaches the old \`memory.buffer\`.
      const at = e.floor_stream_buffer(sample.length);
      new Uint8Array(e.memory.buffer, at, sample.length).set(sample);
      e.floor_stream_feed(sample.length);
      e.floor_stream_end();
    }
    return postMessage({ ready: true });
  }
  const t0 = performance.now();
  let bytes = 0, chunks = 0;
  e.floor_stream_start();
  const reader = data.file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const at = e.floor_stream_buffer(value.length);
    if (!at) throw new Error(data.file.name + ": no wasm memory for a chunk of " + value.length + " bytes");
    new Uint8Array(e.memory.buffer, at, value.length).set(value);
    if (data.parse) e.floor_stream_feed(value.length);
    bytes += value.length;
    chunks++;
  }
  const records = data.parse ? Number(e.floor_stream_end()) : null;
  postMessage({ ms: performance.now() - t0, bytes, chunks, records, fields: data.parse ? Number(e.floor_fields()) : null });
}`;

let streamWorkers;

async function floorStreamReady() {
  const module = await WebAssembly.compileStreaming(fetch("./floor.wasm"));
  const url = URL.createObjectURL(new Blob([STREAM_WORKER], { type: "text/javascript" }));
  streamWorkers = [new Worker(url), new Worker(url)];
  await Promise.all(streamWorkers.map((w) => ask(w, { module, sampleRow: SAMPLE_ROW })));
}

/** Posts `message` to `worker` and resolves to its answer (an error in it rejects). */
function ask(worker, message) {
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data));
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(message);
  });
}

/**
 * Both files at once, each streamed into its own worker and parsed as it arrives: the least time
 * this browser on this machine gives a tool that reads and parses both files on two cores. Then,
 * not timed in `ms`, the same with no parse: what streaming the files alone takes.
 */
async function floorStream(onprem, cloud) {
  const both = (parse) => Promise.all([onprem, cloud].map((file, i) => ask(streamWorkers[i], { file, parse })));
  const parsed = await both(true);
  state.end = performance.now();
  for (const [i, f] of parsed.entries()) {
    if (!(f.records > 0) || f.bytes !== [onprem, cloud][i].size) throw new Error(`${[onprem, cloud][i].name}: ${f.records} records from ${f.bytes} of ${[onprem, cloud][i].size} bytes`);
  }
  const t = performance.now();
  const streamed = await both(false);
  const readOnlyMs = performance.now() - t;
  return {
    files: parsed.map((f, i) => ({ name: [onprem, cloud][i].name, ...f, readOnlyMs: streamed[i].ms, readOnlyChunks: streamed[i].chunks })),
    readOnlyMs,
  };
}

// --- DuckDB-Wasm --------------------------------------------------------------------------------

let duck;

async function duckdbReady(threads) {
  const duckdb = await import("./duckdb/duckdb-browser.mjs");
  const base = new URL("./duckdb/", location.href).href;
  // The bundles in the npm package, served from here (never the CDN): selectBundle takes the
  // exception-handling build when the browser has wasm exceptions (Chromium does), else the MVP;
  // with `threads`, the multi-threaded build (COI), which needs a cross-origin isolated page (the
  // peers' server sends COOP and COEP) and is marked experimental by DuckDB-Wasm.
  const bundles = {
    mvp: { mainModule: `${base}duckdb-mvp.wasm`, mainWorker: `${base}duckdb-browser-mvp.worker.js` },
    eh: { mainModule: `${base}duckdb-eh.wasm`, mainWorker: `${base}duckdb-browser-eh.worker.js` },
  };
  if (threads) bundles.coi = { mainModule: `${base}duckdb-coi.wasm`, mainWorker: `${base}duckdb-browser-coi.worker.js`, pthreadWorker: `${base}duckdb-browser-coi.pthread.worker.js` };
  const bundle = await duckdb.selectBundle(bundles);
  if (threads && !bundle.pthreadWorker) throw new Error(`no multi-threaded DuckDB here (cross-origin isolated: ${self.crossOriginIsolated})`);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), new Worker(bundle.mainWorker));
  await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
  await db.open({ query: { castBigIntToDouble: true }, ...(threads ? { maximumThreads: navigator.hardwareConcurrency } : {}) });
  const conn = await db.connect();
  // Never fetch an extension (from the network) behind our back: read_csv, unhex and to_base64
  // are in the core.
  await conn.query("SET autoinstall_known_extensions = false");
  await conn.query("SET autoload_known_extensions = false");
  const about = (await conn.query("SELECT version() AS v, current_setting('threads') AS threads")).toArray()[0];
  const version = `${about.v}, ${about.threads} thread${Number(about.threads) === 1 ? "" : "s"}`;
  duck = { duckdb, db, conn, bundle: bundle.mainModule.split("/").pop(), version };
  state.duckdb = { bundle: duck.bundle, version };
}

const csvOptions = "header = true, delim = ',', quote = '\"', escape = '\"', all_varchar = true";

async function duckdb(onprem, cloud, asBuffers) {
  const { duckdb, db, conn } = duck;
  for (const [name, file] of [["onprem.csv", onprem], ["cloud.csv", cloud]]) {
    if (asBuffers) await db.registerFileBuffer(name, new Uint8Array(await file.arrayBuffer()));
    else await db.registerFileHandle(name, file, duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true);
  }
  // The #TYPE line of Windows PowerShell 5.1 is skipped; every column read as text.
  await conn.query(`CREATE TABLE onprem AS SELECT "${ONPREM.guid}" AS guid, "${ONPREM.consistency}" AS consistency
                    FROM read_csv('onprem.csv', skip = 1, ${csvOptions})`);
  state.stages.onprem = performance.now() - state.chosen;
  await conn.query(`CREATE TABLE cloud AS SELECT "${CLOUD.immutableId[0]}" AS immutable_id FROM read_csv('cloud.csv', ${csvOptions})`);
  state.stages.loaded = performance.now() - state.chosen;
  // The conversion: the GUID's hex reordered to Guid.ToByteArray() order (first three groups
  // byte-reversed), unhexed to 16 bytes, base64; mS-DS-ConsistencyGuid first when set.
  const reordered = [[7, 2], [5, 2], [3, 2], [1, 2], [12, 2], [10, 2], [17, 2], [15, 2], [20, 4], [25, 12]]
    .map(([at, n]) => `substr(guid, ${at}, ${n})`)
    .join(" || ");
  const anchors = `
    WITH anchors AS (
      SELECT COALESCE(NULLIF(consistency, ''),
        CASE WHEN regexp_full_match(guid, '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}')
             THEN to_base64(unhex(${reordered})) END) AS anchor
      FROM onprem)`;
  const joined = await conn.query(`${anchors} SELECT count(*) AS matched FROM cloud WHERE immutable_id IN (SELECT anchor FROM anchors)`);
  const matched = Number(joined.toArray()[0].matched);
  state.end = performance.now();
  // Not timed: the rows each side had, for the reader to compare with the other peers.
  const stats = (await conn.query(`${anchors} SELECT (SELECT count(*) FROM onprem) AS onprem_rows, (SELECT count(*) FROM cloud) AS cloud_rows,
    (SELECT count(*) FROM anchors WHERE anchor IS NULL) AS no_anchor, (SELECT count(DISTINCT anchor) FROM anchors) AS distinct_anchors`)).toArray()[0];
  const n = (v) => Number(v);
  return { matched, onpremRows: n(stats.onprem_rows), cloudRows: n(stats.cloud_rows), noAnchor: n(stats.no_anchor), anchors: n(stats.distinct_anchors), bundle: duck.bundle, version: duck.version };
}

// --- The page: ready, then files chosen ---------------------------------------------------------

const peers = {
  floor: { ready: floorReady, run: floor },
  "floor-stream": { ready: floorStreamReady, run: floorStream },
  papa: { ready: async () => {}, run: (a, b) => papa(a, b, "text") },
  "papa-stream": { ready: async () => {}, run: (a, b) => papa(a, b, "stream") },
  "papa-worker": { ready: async () => {}, run: (a, b) => papa(a, b, "worker") },
  duckdb: { ready: () => duckdbReady(false), run: (a, b) => duckdb(a, b, false) },
  "duckdb-buffer": { ready: () => duckdbReady(false), run: (a, b) => duckdb(a, b, true) },
  // Buffers: with File handles the threaded build failed at 1M users ("No HTML5 file registered
  // with name"; a handle reaches only the pthread workers running when it is registered).
  "duckdb-threads": { ready: () => duckdbReady(true), run: (a, b) => duckdb(a, b, true) },
};

let onpremFile = null;
document.addEventListener("change", async (event) => {
  const input = event.target;
  if (input.id === "file-onprem") onpremFile = input.files[0];
  if (input.id !== "file-cloud") return;
  state.chosen = performance.now();
  try {
    if (!onpremFile) throw new Error("choose the on-prem file first");
    state.result = await peers[peer].run(onpremFile, input.files[0]);
  } catch (e) {
    state.error = String(e?.stack ?? e);
  }
  state.done = state.end ?? performance.now();
  document.getElementById("result").textContent = JSON.stringify(state.result ?? state.error);
}, true);

try {
  if (!peers[peer]) throw new Error(`unknown peer ${peer}`);
  await peers[peer].ready();
  state.ready = true;
} catch (e) {
  state.error = String(e?.stack ?? e);
}
