//! The report table's queries on generated reports (`generate --anomalies scaled`): `select`,
//! which filters, searches and sorts all entries on every query, against `ViewIndex::select`,
//! which does it on orders and search text built once per report. Prints a table: each query's
//! fastest CPU time both ways (and checks that both select the same entries), then what building
//! the index costs in time and memory.
//!
//! `cargo bench --bench view` runs 100k users; `ANCHOR_AUDIT_BENCH_1M=1` adds 1M (a few minutes:
//! the old path sorts a million entries per query). Not a test: nothing here asserts a time.

// Native only: libc, a dev-dependency, is not built for wasm32, where this is an
// empty crate (so `cargo clippy --target wasm32-unknown-unknown --all-targets` passes).
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use std::hint::black_box;
use std::time::Duration;

use anchor_audit::engine::audit::{audit, AuditOptions, Input};
use anchor_audit::engine::report::{Category, MatchReport};
use anchor_audit::engine::sample::{generate, Anomalies, SampleSpec};
use anchor_audit::engine::view::{select, window, Query, SortKey, ViewIndex};

const SORT_KEYS: [(SortKey, &str); 7] = [
    (SortKey::Category, "category"),
    (SortKey::OnPremUpn, "on-prem UPN"),
    (SortKey::Name, "name"),
    (SortKey::CloudUpn, "cloud UPN"),
    (SortKey::OnPremLine, "on-prem line"),
    (SortKey::CloudLine, "cloud line"),
    (SortKey::AnchorKind, "anchor kind"),
];

fn main() {
    // `cargo test --all-targets` runs bench targets without `--bench`: only compiled there.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let mut sizes = vec![100_000];
    if std::env::var_os("ANCHOR_AUDIT_BENCH_1M").is_some() {
        sizes.push(1_000_000);
    }
    for users in sizes {
        bench(users);
    }
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_string()
}

/// The shortest of `runs` durations `f` measures: caches shared with other work only ever add
/// time.
fn fastest(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().unwrap_or_default()
}

/// How long `f` takes.
fn timed<T>(f: impl FnOnce() -> T) -> Duration {
    once(f).1
}

fn once<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = cpu_time();
    let value = black_box(f());
    (value, cpu_time().saturating_sub(start))
}

/// The CPU time this thread has used: on a shared machine the wall time of a niced benchmark
/// says more about the other work than about this one.
fn cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `clock_gettime` only writes the `timespec` it is given.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn bench(users: u64) {
    let spec = SampleSpec { users, anomalies: Anomalies::scaled(users), ..SampleSpec::default() };
    let (onprem, cloud, _) = generate(&spec);
    let report = audit(
        Input { name: "onprem.csv", bytes: &onprem },
        Input { name: "cloud.csv", bytes: &cloud },
        &AuditOptions::default(),
    )
    .unwrap()
    .report;
    drop((onprem, cloud));
    let entries = report.entries.len();
    println!("\n{users} users: {entries} entries (load average {})\n", load());

    // Building: the filter flags now, each order and the search text on first use.
    let (index, built) = once(|| ViewIndex::new(&report));
    println!("| index part | build time | memory after |");
    println!("|---|---:|---:|");
    println!("| filter flags (`ViewIndex::new`) | {} | {:.1} MB |", ms(built), mb(&index));
    // Each part's first use on a fresh index that has answered the first Rows (the default
    // query: by category), less the same query once built.
    let first_use = |query: &Query| {
        let built = fastest(3, || {
            let fresh = ViewIndex::new(&report);
            if *query != Query::default() {
                fresh.select(&report, &Query::default());
            }
            timed(|| fresh.select(&report, query))
        });
        built.saturating_sub(fastest(5, || timed(|| index.select(&report, query))))
    };
    for (key, name) in SORT_KEYS {
        let query = Query { sort: key, ..Query::default() };
        let built = first_use(&query);
        let when = if key == SortKey::Category { "first rows" } else { "first sort" };
        println!("| order by {name} ({when}) | {} | {:.1} MB |", ms(built), mb(&index));
    }
    let search = Query { search: "zz".into(), ..Query::default() };
    let built = first_use(&search);
    println!("| search text (first search) | {} | {:.1} MB |", ms(built), mb(&index));

    // Warming: the search text and the table's sortable columns' orders (what the worker
    // builds after the verdict), a step at a time, against building them on first use.
    let table_sorts = [SortKey::OnPremUpn, SortKey::Name, SortKey::CloudUpn, SortKey::AnchorKind];
    let one_shot = fastest(3, || {
        let fresh = ViewIndex::new(&report);
        timed(|| {
            fresh.select(&report, &search);
            for key in table_sorts {
                fresh.select(&report, &Query { sort: key, ..Query::default() });
            }
        })
    });
    println!(
        "\n| warming search text + {} orders | steps | total | longest step |",
        table_sorts.len()
    );
    println!("|---|---:|---:|---:|");
    println!(
        "| on first use (one part per query) | {} | {} | |",
        1 + table_sorts.len(),
        ms(one_shot)
    );
    for budget in [4096, 16384, 65536] {
        let mut warm = ViewIndex::new(&report);
        let mut steps = Vec::new();
        loop {
            let (done, step) = once(|| warm.warm(&report, &table_sorts, budget));
            steps.push(step);
            if done {
                break;
            }
        }
        let total: Duration = steps.iter().sum();
        let longest = steps.iter().max().copied().unwrap_or_default();
        println!(
            "| `warm` by {budget} entries | {} | {} | {} |",
            steps.len(),
            ms(total),
            ms(longest)
        );
    }

    // Queries: the old path's and the new one's fastest, same entries both ways.
    let runs = if users >= 1_000_000 { 2 } else { 5 };
    println!("\n| query ({entries} entries) | selected | `select` (before) | `ViewIndex::select` (after) | speed-up |");
    println!("|---|---:|---:|---:|---:|");
    let row = |label: &str, query: &Query, other: Option<&Query>| {
        let expected = select(&report, query);
        assert_eq!(index.select(&report, query), expected, "{label}");
        let before = fastest(runs, || timed(|| select(&report, query)));
        // A search is kept for the next query; `other` (a different search) before each timed
        // run makes it search again.
        let after = fastest(runs.max(7), || {
            if let Some(other) = other {
                black_box(index.select(&report, other));
            }
            timed(|| index.select(&report, query))
        });
        let ratio = before.as_secs_f64() / after.as_secs_f64().max(1e-9);
        println!("| {label} | {} | {} | {} | {ratio:.0}× |", expected.len(), ms(before), ms(after));
    };
    for (key, name) in SORT_KEYS {
        for descending in [false, true] {
            let query = Query { sort: key, descending, ..Query::default() };
            let direction = if descending { "descending" } else { "ascending" };
            row(&format!("sort by {name}, {direction}"), &query, None);
        }
    }
    let mismatch = Query { categories: vec![Category::Mismatch], ..Query::default() };
    row("category mismatch", &mismatch, None);
    let attention = Query {
        categories: vec![Category::Mismatch, Category::CloudOrphan, Category::OnPremOnly],
        duplicates_only: true,
        sort: SortKey::Name,
        descending: true,
        ..Query::default()
    };
    row("3 categories + duplicates, by name descending", &attention, None);
    let custom = Query { custom_anchor_only: true, ..Query::default() };
    row("custom anchor", &custom, None);
    let guid = first_guid(&report);
    let other = Query { search: "qq".into(), ..Query::default() };
    for needle in ["hamilton", "margaret.hamilton1", "e", guid.as_str()] {
        let query = Query { search: needle.into(), ..Query::default() };
        row(&format!("search `{needle}`"), &query, Some(&other));
    }
    let by_name = Query { search: "hamilton".into(), sort: SortKey::Name, ..Query::default() };
    row("search `hamilton`, by name", &by_name, Some(&other));

    // Typing: each keystroke's query after the one before (the index narrows the last search).
    println!("\n| typing `margaret.ham` | `select` | `ViewIndex::select` |");
    println!("|---|---:|---:|");
    black_box(index.select(&report, &other));
    let typed = "margaret.ham";
    for end in 1..=typed.len() {
        let query = Query { search: typed[..end].into(), ..Query::default() };
        let (_, before) = once(|| select(&report, &query));
        let (_, after) = once(|| index.select(&report, &query));
        println!("| `{}` | {} | {} |", &typed[..end], ms(before), ms(after));
    }

    let (_, rows) = once(|| window(&report, &select(&report, &Query::default()), entries / 2, 120));
    println!(
        "\nindex memory with every order and the search text: {:.1} MB ({:.0} bytes per entry); \
         a window of 120 rows (with its select): {}; load average {}",
        mb(&index),
        index.memory() as f64 / entries as f64,
        ms(rows),
        load()
    );
}

fn mb(index: &ViewIndex) -> f64 {
    index.memory() as f64 / 1e6
}

fn first_guid(report: &MatchReport) -> String {
    let guid = report.onprem_users.iter().find_map(|u| u.object_guid()).unwrap_or_default();
    guid.hyphenated().to_string()[..8].to_string()
}
