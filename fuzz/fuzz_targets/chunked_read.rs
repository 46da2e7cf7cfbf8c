//! The table reader fed in chunks of sizes the fuzzer chooses, pulled and pushed: the same table
//! as the file read whole, or the same error, and never a panic.
//!
//! Input: one byte for the slot, three for the chunk sizes, then the file.
#![no_main]

use anchor_audit::engine::read::{read_table, ReadOptions};
use anchor_audit_fuzz::chunks::{read_pulled, read_pushed, side, sizes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((control, file)) = data.split_first_chunk::<4>() else { return };
    let options = ReadOptions {
        file_name: "fuzzed.csv".into(),
        side: side(control[0]),
        ..ReadOptions::default()
    };
    let sizes = sizes(&control[1..]);
    let whole = read_table(file, &options);
    if let Ok(table) = &whole {
        // Every row is as wide as the header: a row's cells line up with its columns.
        assert!(table.rows.iter().all(|row| row.len() == table.headers.len()));
        // Rows and unreadable records come in file order, each record numbered once.
        let records: Vec<u64> = table.rows.iter().map(|row| row.record).collect();
        assert!(records.windows(2).all(|w| w[0] < w[1]), "{records:?}");
    } else if let Err(error) = &whole {
        // A located message, whatever the input.
        let _ = error.to_string();
    }
    assert!(read_pulled(file, &sizes, &options) == whole, "pulled in chunks of {sizes:?}");
    assert!(read_pushed(file, &sizes, &options) == whole, "pushed in chunks of {sizes:?}");
});
