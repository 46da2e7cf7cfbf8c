//! Throughput of each stage of a report on generated exports (`generate --anomalies scaled`):
//! decode, parse (`read_table`), model (rows → users), match, and report (counts + writers).
//! Figures are MB/s of the two input files and rows/s of their records.
//!
//! `cargo bench --bench stages` runs 10k and 100k users; `ANCHOR_AUDIT_BENCH_1M=1` adds 1M
//! (slow: a few minutes). Not a test: nothing here asserts a time.

// Native only: criterion, a dev-dependency, is not built for wasm32, where this is an
// empty crate (so `cargo clippy --target wasm32-unknown-unknown --all-targets` passes).
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use std::hint::black_box;
use std::io;
use std::time::Duration;

use anchor_audit::engine::audit::{audit, cloud_users, onprem_users, AuditOptions, Input};
use anchor_audit::engine::join::{match_users, MatchOptions};
use anchor_audit::engine::model::AnchorAttribute;
use anchor_audit::engine::output::{to_json, write_csv, write_json, write_text};
use anchor_audit::engine::read::{bench_decode, read_table, ReadOptions};
use anchor_audit::engine::sample::{generate, Anomalies, SampleSpec};
use anchor_audit::engine::Side;
use criterion::{criterion_group, BatchSize, Criterion, Throughput};

fn sizes() -> Vec<u64> {
    let mut sizes = vec![10_000, 100_000];
    if std::env::var_os("ANCHOR_AUDIT_BENCH_1M").is_some() {
        sizes.push(1_000_000);
    }
    sizes
}

fn options(side: Side) -> ReadOptions {
    ReadOptions { side: Some(side), ..ReadOptions::default() }
}

fn stages(c: &mut Criterion) {
    for users in sizes() {
        let spec =
            SampleSpec { users, anomalies: Anomalies::scaled(users), ..SampleSpec::default() };
        let (onprem, cloud, _) = generate(&spec);
        let bytes = (onprem.len() + cloud.len()) as u64;
        let onprem_table = read_table(&onprem, &options(Side::OnPrem)).unwrap();
        let cloud_table = read_table(&cloud, &options(Side::Cloud)).unwrap();
        let rows = (onprem_table.rows.len() + cloud_table.rows.len()) as u64;
        let anchor = AnchorAttribute::default();
        let users_of = || {
            (onprem_users(&onprem_table, &anchor).unwrap().0, cloud_users(&cloud_table).unwrap().0)
        };
        let result = audit(
            Input { name: "onprem.csv", bytes: &onprem },
            Input { name: "cloud.csv", bytes: &cloud },
            &AuditOptions::default(),
        )
        .unwrap();
        println!("{users} users: {:.1} MB of input, {rows} rows", bytes as f64 / 1e6);

        let mut group = c.benchmark_group(format!("{users}-users"));
        group.sample_size(10);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(3));
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function("decode", |b| {
            b.iter(|| bench_decode(black_box(&onprem)) + bench_decode(black_box(&cloud)))
        });
        group.bench_function("parse", |b| {
            b.iter(|| {
                let o = read_table(black_box(&onprem), &options(Side::OnPrem)).unwrap();
                let c = read_table(black_box(&cloud), &options(Side::Cloud)).unwrap();
                o.rows.len() + c.rows.len()
            })
        });
        group.bench_function("audit-end-to-end", |b| {
            b.iter(|| {
                let onprem = Input { name: "onprem.csv", bytes: black_box(&onprem) };
                let cloud = Input { name: "cloud.csv", bytes: black_box(&cloud) };
                audit(onprem, cloud, &AuditOptions::default()).unwrap().report.entries.len()
            })
        });
        group.throughput(Throughput::Elements(rows));
        group.bench_function("model", |b| b.iter(|| users_of().0.len()));
        group.bench_function("match", |b| {
            b.iter_batched(
                users_of,
                |(o, c)| match_users(o, c, &MatchOptions::default()).entries.len(),
                BatchSize::LargeInput,
            )
        });
        group.bench_function("report-counts", |b| b.iter(|| result.report.counts()));
        group.bench_function("report-text", |b| {
            b.iter(|| write_text(&result, false, io::sink()).unwrap())
        });
        group.bench_function("report-csv", |b| b.iter(|| write_csv(&result, io::sink()).unwrap()));
        group.bench_function("report-json", |b| {
            b.iter(|| serde_json::to_writer_pretty(io::sink(), &to_json(&result)).unwrap())
        });
        group.bench_function("report-json-stream", |b| {
            b.iter(|| write_json(&result, io::sink()).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, stages);

fn main() {
    // `cargo test --all-targets` runs bench targets without `--bench`: there they are only
    // compiled, since generating 100k users in a debug build takes minutes.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
