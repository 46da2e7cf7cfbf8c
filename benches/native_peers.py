#!/usr/bin/env python3
"""Native peers (issue 12): the CLI beside DuckDB and a parse floor, on the same pair, in one run.

Each round runs, one after the other:
  (a) the parse floor, `examples/native_floor.rs`: both files read into memory, then parsed by
      csv-core on two threads at once, counting records and fields and nothing else;
  (b) `anchor-audit report onprem.csv cloud.csv --format text -o /dev/null`;
  (c) the same with `--format json`;
  (d) DuckDB (native, the `duckdb` Python package, `SET threads=2`): both CSVs read, each on-prem
      user's anchor computed in SQL, the hard join on anchor = OnPremisesImmutableId, then the rest
      joined on lower(UPN), and the users counted by category.
Rounds alternate so a change in the machine's load falls on every tool alike. Each tool runs in a
child process of its own under GNU time (`/usr/bin/time -f %M`), so its peak RSS is that child's
alone (getrusage(RUSAGE_CHILDREN) would give the largest of all children so far). DuckDB's time is
measured inside its child, from connect to the counts; its child's wall time (Python start and
`import duckdb` too) is printed beside it. `--before PATH` adds an earlier build of the CLI to
every round (text and JSON), for a before ÷ after ratio measured under the same load.

Setup (Python 3.11):
    pip install duckdb
    export CARGO_TARGET_DIR=$PWD/target
    cargo build --release --bin anchor-audit --example native_floor
Run, from the repository root:
    python3 benches/native_peers.py --users 1000000 --seed 3 --rounds 3

The pair is made once, with `anchor-audit generate --users N --seed S --anomalies scaled
--out-dir DIR` (DIR defaults to /tmp/peers-N); its counts are kept in DIR/generate.txt. The
on-prem file is Windows PowerShell 5.1's UTF-8 `Export-Csv` (a BOM, then a `#TYPE` line), which
DuckDB reads with `skip = 1`; every tool reads the same two files.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))

# The header names the generated pair uses (Export-Csv of Get-ADUser, Get-MgUser).
ONPREM_UPN, ONPREM_GUID, ONPREM_CONSISTENCY = "UserPrincipalName", "objectGUID", "mS-DS-ConsistencyGuid"
CLOUD_UPN, CLOUD_IMMUTABLE_ID = "UserPrincipalName", "OnPremisesImmutableId"

TIME = "/usr/bin/time"  # GNU time (Debian package `time`)

CSV_OPTIONS = "header = true, delim = ',', quote = '\"', escape = '\"', all_varchar = true"

# The GUID text's hex digits in .NET Guid.ToByteArray() order: the first 4 bytes reversed, the next
# 2 reversed, the next 2 reversed, the last 8 as written (1-based substr positions in
# "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx").
REORDERED = " || ".join(
    f"substr(guid, {at}, {n})"
    for at, n in [(7, 2), (5, 2), (3, 2), (1, 2), (12, 2), (10, 2), (17, 2), (15, 2), (20, 4), (25, 12)]
)
ANCHOR = f"""COALESCE(NULLIF(consistency, ''),
    CASE WHEN regexp_full_match(guid, '[0-9A-Fa-f]{{8}}-[0-9A-Fa-f]{{4}}-[0-9A-Fa-f]{{4}}-[0-9A-Fa-f]{{4}}-[0-9A-Fa-f]{{12}}')
         THEN to_base64(unhex({REORDERED})) END)"""

# Categories, ours on the left (the JSON report's counts.byCategory), DuckDB's query on the right.
CATEGORIES = ["hard-match", "mismatch", "soft-match", "cloud-orphan", "on-prem-only", "cloud-only", "duplicate-anchor"]


def import_duckdb():
    try:
        import duckdb  # noqa: PLC0415
    except ImportError:
        sys.exit("native_peers: the `duckdb` Python package is missing; install it with `pip install duckdb`")
    return duckdb


def duckdb_load(conn, onprem, cloud, skip):
    conn.execute(
        f"""CREATE TABLE onprem AS
            SELECT lower("{ONPREM_UPN}") AS upn, "{ONPREM_GUID}" AS guid, "{ONPREM_CONSISTENCY}" AS consistency
            FROM read_csv('{onprem}', skip = {skip}, {CSV_OPTIONS})"""
    )
    conn.execute(
        f"""CREATE TABLE cloud AS
            SELECT lower("{CLOUD_UPN}") AS upn, NULLIF("{CLOUD_IMMUTABLE_ID}", '') AS immutable_id
            FROM read_csv('{cloud}', {CSV_OPTIONS})"""
    )


# The hard join on the anchor, then the join on lower(UPN) among the users it left, then a count
# of cloud users (and of the on-prem users no one pairs with) by category.
DUCKDB_QUERY = f"""
WITH anchors AS (SELECT rowid AS id, upn, {ANCHOR} AS anchor FROM onprem),
cloud_users AS (SELECT rowid AS id, upn, immutable_id FROM cloud),
rest_cloud AS (SELECT c.* FROM cloud_users c ANTI JOIN anchors a ON c.immutable_id = a.anchor),
rest_onprem AS (SELECT a.* FROM anchors a ANTI JOIN cloud_users c ON a.anchor = c.immutable_id),
upn_cloud AS (SELECT c.* FROM rest_cloud c SEMI JOIN rest_onprem o ON c.upn = o.upn),
upn_onprem AS (SELECT o.* FROM rest_onprem o SEMI JOIN rest_cloud c ON o.upn = c.upn)
SELECT
  (SELECT count(*) FROM cloud) - (SELECT count(*) FROM rest_cloud) AS "hard-match",
  (SELECT count(*) FROM upn_cloud WHERE immutable_id IS NOT NULL) AS "mismatch",
  (SELECT count(*) FROM upn_cloud WHERE immutable_id IS NULL) AS "soft-match",
  (SELECT count(*) FROM rest_cloud c ANTI JOIN upn_cloud u ON c.id = u.id WHERE c.immutable_id IS NOT NULL) AS "cloud-orphan",
  (SELECT count(*) FROM rest_onprem o ANTI JOIN upn_onprem u ON o.id = u.id) AS "on-prem-only",
  (SELECT count(*) FROM rest_cloud c ANTI JOIN upn_cloud u ON c.id = u.id WHERE c.immutable_id IS NULL) AS "cloud-only",
  (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM anchors WHERE anchor IS NOT NULL GROUP BY anchor HAVING count(*) > 1)) AS "duplicate-anchor"
"""


def duckdb_child(args):
    """One DuckDB round, in this child process: prints its times and counts as one JSON line."""
    duckdb = import_duckdb()
    start = time.perf_counter()
    conn = duckdb.connect()
    # Never fetch an extension behind our back: read_csv, unhex and to_base64 are in the core.
    conn.execute("SET autoinstall_known_extensions = false")
    conn.execute("SET autoload_known_extensions = false")
    conn.execute("SET threads = 2")
    duckdb_load(conn, args.onprem, args.cloud, args.skip)
    loaded = time.perf_counter()
    cursor = conn.execute(DUCKDB_QUERY)
    row = cursor.fetchone()
    end = time.perf_counter()
    names = [d[0] for d in cursor.description]
    print(json.dumps({
        "load_ms": (loaded - start) * 1000,
        "query_ms": (end - loaded) * 1000,
        "total_ms": (end - start) * 1000,
        "counts": dict(zip(names, row)),
        "version": duckdb.__version__,
        "threads": conn.execute("SELECT current_setting('threads')").fetchone()[0],
    }))


def measured(cmd, ok=(0,)):
    """Runs `cmd` as a child; its wall time in ms, its own peak RSS in bytes, its CPU time (user +
    system) in ms and its stdout.

    The peak RSS comes from GNU time (`/usr/bin/time -f %M`), which forks the command itself: on
    Linux a child's ru_maxrss starts from the RSS of the process it was forked from (exec keeps
    the old mm's high-water mark), so a child forked straight from this Python process (80 MB
    once duckdb is imported) would never read lower than that.
    """
    with tempfile.NamedTemporaryFile("r") as rss_file, tempfile.TemporaryFile() as err_file:
        start = time.perf_counter()
        child = subprocess.run([TIME, "-f", "%M %U %S", "-o", rss_file.name, *map(str, cmd)], stdout=subprocess.PIPE, stderr=err_file)
        wall = (time.perf_counter() - start) * 1000
        if child.returncode not in ok:
            err_file.seek(0)
            sys.exit(f"native_peers: {' '.join(map(str, cmd))} exited {child.returncode}:\n{err_file.read().decode(errors='replace')}")
        # GNU time writes "Command exited with non-zero status N" before the figures.
        rss_kib, user_s, sys_s = rss_file.read().split()[-3:]
    return wall, int(rss_kib) * 1024, (float(user_s) + float(sys_s)) * 1000, child.stdout.decode()


def ensure_pair(cli, users, seed, out_dir):
    onprem, cloud = out_dir / "onprem.csv", out_dir / "cloud.csv"
    done = out_dir / "generate.txt"
    if not (onprem.exists() and cloud.exists() and done.exists()):
        out_dir.mkdir(parents=True, exist_ok=True)
        cmd = [str(cli), "generate", "--users", str(users), "--seed", str(seed), "--anomalies", "scaled", "--out-dir", str(out_dir)]
        print(f"# generating: {' '.join(cmd)}", file=sys.stderr)
        done.write_text(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return onprem, cloud, done.read_text()


def skip_lines(onprem):
    """1 when the on-prem file starts with Windows PowerShell 5.1's `#TYPE` line, else 0."""
    head = onprem.open("rb").read(4096)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        sys.exit("native_peers: the on-prem file is UTF-16, which DuckDB's read_csv does not read; "
                 "generate it with --onprem-format ps51-utf8 or ps7")
    return 1 if head.removeprefix(b"\xef\xbb\xbf").startswith(b"#TYPE") else 0


def check_anchors(cli, onprem, skip, n=5):
    """DuckDB's anchor against `anchor-audit convert` on a few rows with only a well-formed
    objectGUID (the scaled pair also plants broken GUIDs, which both leave without an anchor)."""
    duckdb = import_duckdb()
    conn = duckdb.connect()
    conn.execute("SET threads = 2")
    rows = conn.execute(
        f"""WITH o AS (SELECT "{ONPREM_GUID}" AS guid, "{ONPREM_CONSISTENCY}" AS consistency
                       FROM read_csv('{onprem}', skip = {skip}, {CSV_OPTIONS}) LIMIT 2000)
            SELECT guid, {ANCHOR} AS anchor FROM o
            WHERE NULLIF(consistency, '') IS NULL AND anchor IS NOT NULL LIMIT {n}"""
    ).fetchall()
    out = subprocess.run([str(cli), "convert", *[g for g, _ in rows]], capture_output=True, text=True).stdout
    ours = re.findall(r"ImmutableID:\s+(\S+)", out)
    for (guid, anchor), want in zip(rows, ours, strict=True):
        if anchor != want:
            sys.exit(f"native_peers: DuckDB's anchor for {guid} is {anchor}, `anchor-audit convert` says {want}")
    return len(rows)


def our_counts(cli, onprem, cloud):
    """counts.byCategory and the headline of our JSON report (untimed): the report's head only."""
    child = subprocess.Popen([str(cli), "report", str(onprem), str(cloud), "--format", "json"], stdout=subprocess.PIPE)
    head = b""
    while b'"accounting"' not in head:
        chunk = child.stdout.read(1 << 16)
        if not chunk:
            break
        head += chunk
    child.kill()
    child.wait()
    text = head.decode(errors="replace")
    decoder = json.JSONDecoder()
    counts, _ = decoder.raw_decode(text, text.index("{", text.index('"counts"')))
    headline, _ = decoder.raw_decode(text, text.index("{", text.index('"headline"')))
    return counts, headline["text"]


def words(text):
    return " ".join(re.findall(r"[a-z]+", text.lower()))


def ratio(a, b):
    # GNU time's CPU times are in 10 ms steps: a small pair's floor may read 0.
    return f"{a / b:.2f}×" if b else "—"


def fmt_ms(v):
    return f"{v:,.0f} ms"


def fmt_mb(v):
    return f"{v / 1e6:,.0f} MB"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="where the pair is (default /tmp/peers-N)")
    parser.add_argument("--cli", type=Path, default=TARGET / "release" / "anchor-audit")
    parser.add_argument("--floor", type=Path, default=TARGET / "release" / "examples" / "native_floor")
    parser.add_argument("--before", type=Path,
                        help="an earlier build of anchor-audit, run in the same rounds: before ÷ after")
    # Internal: one DuckDB round in a child process.
    parser.add_argument("--duckdb-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--onprem", help=argparse.SUPPRESS)
    parser.add_argument("--cloud", help=argparse.SUPPRESS)
    parser.add_argument("--skip", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.duckdb_child:
        return duckdb_child(args)

    duckdb = import_duckdb()
    if not Path(TIME).exists():
        sys.exit(f"native_peers: {TIME} (GNU time, for each child's peak RSS) is missing; `apt-get install time`")
    for tool in (args.cli, args.floor, *([args.before] if args.before else [])):
        if not tool.exists():
            sys.exit(f"native_peers: {tool} is missing; build it with "
                     "`cargo build --release --bin anchor-audit --example native_floor`")
    out_dir = args.dir or Path(f"/tmp/peers-{args.users}")
    onprem, cloud, generated = ensure_pair(args.cli, args.users, args.seed, out_dir)
    skip = skip_lines(onprem)
    input_bytes = onprem.stat().st_size + cloud.stat().st_size
    checked = check_anchors(args.cli, onprem, skip)
    print(f"# pair: {out_dir} ({input_bytes / 1e6:,.0f} MB), users {args.users}, seed {args.seed}; "
          f"DuckDB {duckdb.__version__}; anchors of {checked} rows agree with `anchor-audit convert`")
    print(f"# load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min) at start")

    tools = {
        "floor": [str(args.floor), str(onprem), str(cloud)],
        "ours text": [str(args.cli), "report", str(onprem), str(cloud), "--format", "text", "-o", "/dev/null"],
        "ours json": [str(args.cli), "report", str(onprem), str(cloud), "--format", "json", "-o", "/dev/null"],
        "duckdb": [sys.executable, __file__, "--duckdb-child", "--onprem", str(onprem), "--cloud", str(cloud), "--skip", str(skip)],
    }
    if args.before:
        for fmt in ("text", "json"):
            tools[f"before {fmt}"] = [str(args.before), *tools[f"ours {fmt}"][1:]]
    results = {name: [] for name in tools}
    for r in range(args.rounds):
        for name, cmd in tools.items():
            # The report exits 1 when it has findings (a scaled pair always has).
            wall, rss, cpu, out = measured(cmd, ok=(0, 1))
            row = {"wall": wall, "rss": rss, "cpu": cpu}
            if name == "floor":
                fields = dict(re.findall(r"^(\w+_ms) ([\d.]+)$", out, re.M))
                row.update(read=float(fields["read_ms"]), parse=float(fields["parse_ms"]))
                row["records"] = [int(n) for n in re.findall(r" (\d+) records", out)]
            elif name == "duckdb":
                d = json.loads(out)
                row.update(query=d["total_ms"], load=d["load_ms"], join=d["query_ms"], counts=d["counts"], threads=d["threads"])
            results[name].append(row)
            print(f"# round {r + 1} {name}: wall {fmt_ms(wall)}, CPU {fmt_ms(cpu)}, peak RSS {fmt_mb(rss)}", file=sys.stderr)

    med = lambda name, key: statistics.median(x[key] for x in results[name])  # noqa: E731
    rounds = lambda name, key, f=fmt_ms: " / ".join(f(x[key]) for x in results[name])  # noqa: E731
    print()
    print(f"| 2×{args.users:,} users ({input_bytes / 1e6:,.0f} MB) | rounds | median | CPU, user + sys (median) | peak RSS (median) | RSS ÷ input |")
    print("|---|---|---:|---:|---:|---:|")
    lines = [
        ("floor: read both files (one after the other)", "floor", "read"),
        ("floor: csv-core on both at once, 2 threads", "floor", "parse"),
        ("floor: whole process", "floor", "wall"),
        ("ours: report --format text", "ours text", "wall"),
        ("ours: report --format json", "ours json", "wall"),
        *([("before: report --format text", "before text", "wall"),
           ("before: report --format json", "before json", "wall")] if args.before else []),
        (f"DuckDB {duckdb.__version__}, {results['duckdb'][0]['threads']} threads: read_csv both", "duckdb", "load"),
        ("DuckDB: anchor, hard join, UPN join, counts", "duckdb", "join"),
        ("DuckDB: connect to counts", "duckdb", "query"),
        ("DuckDB: whole child (Python start, import)", "duckdb", "wall"),
    ]
    for label, name, key in lines:
        rss = med(name, "rss")
        whole = key == "wall"  # CPU and RSS are the whole child's
        print(f"| {label} | {rounds(name, key)} | {fmt_ms(med(name, key))} | {fmt_ms(med(name, 'cpu')) if whole else ''} | "
              f"{fmt_mb(rss) if whole else ''} | {f'{rss / input_bytes:.2f}×' if whole else ''} |")
    floor, floor_parse = med("floor", "wall"), med("floor", "parse")
    text, js, duck = med("ours text", "wall"), med("ours json", "wall"), med("duckdb", "query")
    print()
    print("ratios (medians):")
    print(f"  ours text ÷ floor        {text / floor:.2f}×  (÷ floor parse only {text / floor_parse:.2f}×)")
    print(f"  ours json ÷ floor        {js / floor:.2f}×  (÷ floor parse only {js / floor_parse:.2f}×)")
    print(f"  DuckDB ÷ ours text       {duck / text:.2f}×  (whole child {med('duckdb', 'wall') / text:.2f}×)")
    print(f"  CPU: ours text ÷ floor {ratio(med('ours text', 'cpu'), med('floor', 'cpu'))}, "
          f"DuckDB child ÷ ours text {ratio(med('duckdb', 'cpu'), med('ours text', 'cpu'))}")
    print(f"  DuckDB ÷ floor           {duck / floor:.2f}×")
    if args.before:
        for fmt in ("text", "json"):
            print(f"  before ÷ ours, {fmt}      {med(f'before {fmt}', 'wall') / med(f'ours {fmt}', 'wall'):.2f}× wall, "
                  f"{ratio(med(f'before {fmt}', 'cpu'), med(f'ours {fmt}', 'cpu'))} CPU, "
                  f"{med(f'before {fmt}', 'rss') / med(f'ours {fmt}', 'rss'):.2f}× peak RSS")
    for name in tools:
        print(f"  peak RSS ÷ input, {name:<10} {med(name, 'rss') / input_bytes:.2f}×")
    print(f"  floor records: {results['floor'][0]['records']} (header lines included)")

    ours, headline = our_counts(args.cli, onprem, cloud)
    duck_counts = results["duckdb"][0]["counts"]
    assert all(x["counts"] == duck_counts for x in results["duckdb"]), "DuckDB's counts differ between rounds"
    print()
    print(f"ours: {headline}")
    print("| category | ours (report --format json) | DuckDB's query | generate said |")
    print("|---|---:|---:|---|")
    for cat in CATEGORIES:
        said = next((line.strip() for line in generated.splitlines() if words(cat) in words(line)), "")
        print(f"| {cat} | {ours['byCategory'].get(cat, '—'):,} | {duck_counts.get(cat, '—'):,} | {said} |")
    print(f"ours also: customAnchor {ours.get('customAnchor')}, duplicates {ours.get('duplicates')}, "
          f"withProblems {ours.get('withProblems')}, unreadable {ours.get('unreadable')}")
    print(f"# load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min) at end")


if __name__ == "__main__":
    main()
