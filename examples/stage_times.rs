//! Wall time and heap of each stage of one report, one thread, on two export files: where a
//! run's time and memory go (a profile's coarse view).
//! `cargo run --release --example stage_times -- ON CLOUD`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use anchor_audit::engine::audit::{audit, cloud_users, onprem_users, AuditOptions, Input};
use anchor_audit::engine::join::{match_users, MatchOptions};
use anchor_audit::engine::output::{write_json, write_text};
use anchor_audit::engine::read::{read_table, ReadOptions};
use anchor_audit::engine::Side;

/// The system allocator, counting the bytes live and the most live since the last stage.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
            PEAK.fetch_max(live, Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [onprem_path, cloud_path] = &args[..] else {
        eprintln!("usage: stage_times ONPREM CLOUD");
        std::process::exit(2);
    };
    let mut clock = Instant::now();
    println!("{:<14} {:>11} {:>10} {:>10}", "stage", "time", "heap live", "peak");
    let mut lap = |stage: &str| {
        let mb = |bytes: usize| bytes as f64 / 1e6;
        let (live, peak) = (LIVE.load(Relaxed), PEAK.swap(LIVE.load(Relaxed), Relaxed));
        let ms = clock.elapsed().as_secs_f64() * 1e3;
        println!("{stage:<14} {ms:>8.1} ms {:>7.0} MB {:>7.0} MB", mb(live), mb(peak));
        clock = Instant::now();
    };
    let onprem_bytes = std::fs::read(onprem_path).expect("on-prem file");
    let cloud_bytes = std::fs::read(cloud_path).expect("cloud file");
    lap("load");
    let options = |side| ReadOptions { side: Some(side), ..ReadOptions::default() };
    let onprem_table = read_table(&onprem_bytes, &options(Side::OnPrem)).expect("on-prem table");
    lap("read on-prem");
    let cloud_table = read_table(&cloud_bytes, &options(Side::Cloud)).expect("cloud table");
    lap("read cloud");
    let matching = MatchOptions::default();
    let (onprem, _) = onprem_users(&onprem_table, &matching.anchor).expect("on-prem users");
    lap("on-prem users");
    let (cloud, _) = cloud_users(&cloud_table).expect("cloud users");
    lap("cloud users");
    let report = match_users(onprem, cloud, &matching);
    lap("match");
    let counts = report.counts();
    lap("counts");
    println!("{} entries, {} mismatches", report.entries.len(), counts.by_category[0].1);
    drop((report, onprem_table, cloud_table));
    lap("drop");
    let input = |name, bytes| Input { name, bytes };
    let audit = audit(
        input("onprem.csv", &onprem_bytes),
        input("cloud.csv", &cloud_bytes),
        &AuditOptions::default(),
    )
    .expect("audit");
    lap("whole audit");
    write_text(&audit, false, io::sink()).expect("text");
    lap("text");
    write_json(&audit, io::sink()).expect("json");
    lap("json");
}
