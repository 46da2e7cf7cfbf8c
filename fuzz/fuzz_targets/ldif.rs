//! The LDIF reader (ldifde files): never a panic; every entry is a row or an unreadable record,
//! numbered in order; the table is the same however the file arrives in chunks; and a table it
//! reads, written back as LDIF (values base64 where RFC 2849 needs it, lines folded at any
//! width), reads back to the same headers and values.
//!
//! Input: one control byte (fold width, line ends, chunk size), then the file. A file that does
//! not start as LDIF is read after a `dn:` line, so that the fuzzer stays in the LDIF reader.
#![no_main]

use anchor_audit::engine::read::{looks_like_ldif, read_table, FileFormat, ReadOptions, Table};
use anchor_audit_fuzz::chunks::{read_pulled, sizes};
use anchor_audit_fuzz::ldif_writer::write_ldif;
use libfuzzer_sys::fuzz_target;

fn values(table: &Table) -> Vec<Vec<String>> {
    table.rows.iter().map(|row| row.fields().map(str::to_owned).collect()).collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else { return };
    let file = if looks_like_ldif(&String::from_utf8_lossy(rest)) {
        rest.to_vec()
    } else {
        [b"dn: CN=fuzz\n", rest].concat()
    };
    let options = ReadOptions { file_name: "fuzzed.ldf".into(), ..ReadOptions::default() };
    let whole = read_table(&file, &options);
    let chunk = sizes(&[control]);
    assert!(read_pulled(&file, &chunk, &options) == whole, "in chunks of {chunk:?}");
    let Ok(table) = whole else { return };
    if table.info.format != FileFormat::Ldif {
        return;
    }
    assert!(table.rows.iter().all(|row| row.len() == table.headers.len()));
    // Every entry is one record: a row or an unreadable one, numbered 1, 2, … in file order.
    let mut records: Vec<(u64, u64)> = table.rows.iter().map(|r| (r.record, r.line)).collect();
    for reject in &table.rejects {
        let at = reject.error.position().expect("an unreadable entry says where it is");
        records.push((at.record, at.line));
    }
    records.sort();
    let numbers: Vec<u64> = records.iter().map(|&(record, _)| record).collect();
    assert_eq!(numbers, (1..=records.len() as u64).collect::<Vec<_>>());
    assert!(records.windows(2).all(|w| w[0].1 < w[1].1), "lines in record order: {records:?}");

    let width = usize::from(control >> 1) + 2;
    let crlf = control & 1 == 1;
    let rows = values(&table);
    let Some(written) = write_ldif(&table.headers, &rows, width, crlf) else { return };
    let again = read_table(written.as_bytes(), &options)
        .unwrap_or_else(|e| panic!("the table written back does not read: {e}\n{written}"));
    assert_eq!(again.headers, table.headers, "{written}");
    assert_eq!(values(&again), rows, "{written}");
    assert!(again.rejects.is_empty(), "{written}");
});
