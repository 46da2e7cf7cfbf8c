//! The native parse floor (issue 12): both CSV files read into memory, then each parsed by
//! `csv-core` on its own thread, both at once, counting records and fields and nothing else.
//! The least a native tool that reads both exports on this machine's two cores can take;
//! `benches/native_peers.py` runs it beside the CLI and DuckDB.
//!
//! `cargo run --release --example native_floor -- onprem.csv cloud.csv`

use std::time::{Duration, Instant};

/// What one file's parse counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    records: u64,
    fields: u64,
}

/// Counts the records and fields of `bytes` with `csv-core`'s `read_record` (comma, `"` quotes:
/// the defaults, as `Export-Csv` and Graph write), the entry point the `csv` crate and our reader
/// use, unescaping each record into scratch buffers so the work is what a real reader must do.
/// Empty lines are skipped, as the `csv` crate does, so the counts match it.
fn count(bytes: &[u8]) -> Counts {
    use csv_core::ReadRecordResult::*;
    let mut reader = csv_core::Reader::new();
    // Only for counting: overwritten, never read.
    let mut out = vec![0u8; 1 << 16];
    let mut ends = vec![0usize; 1 << 10];
    let mut counts = Counts { records: 0, fields: 0 };
    // Fields of the record not ended yet (a record may span full buffers).
    let mut open_fields = 0u64;
    let mut input = bytes;
    loop {
        let (result, read, _, ended) = reader.read_record(input, &mut out, &mut ends);
        input = &input[read..];
        open_fields += ended as u64;
        match result {
            // Input empty only at the very end: the next call, with nothing, ends the data.
            InputEmpty | OutputFull | OutputEndsFull => {}
            Record => {
                counts.records += 1;
                counts.fields += std::mem::take(&mut open_fields);
            }
            End => return counts,
        }
    }
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.len() != 2 {
        eprintln!("usage: native_floor <onprem.csv> <cloud.csv>");
        std::process::exit(2);
    }
    let start = Instant::now();
    let texts: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| {
            std::fs::read(p).unwrap_or_else(|e| {
                eprintln!("native_floor: cannot read {p}: {e}");
                std::process::exit(2)
            })
        })
        .collect();
    let read = start.elapsed();

    let parse_start = Instant::now();
    let results: Vec<(Counts, Duration)> = std::thread::scope(|scope| {
        let handles: Vec<_> = texts
            .iter()
            .map(|text| {
                scope.spawn(move || {
                    let t = Instant::now();
                    let c = count(text);
                    (c, t.elapsed())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("parse thread panicked")).collect()
    });
    let parse = parse_start.elapsed();

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let bytes: usize = texts.iter().map(Vec::len).sum();
    for (path, (text, (c, took))) in paths.iter().zip(texts.iter().zip(&results)) {
        println!(
            "file {path}: {} bytes, {} records, {} fields, parse {:.1} ms",
            text.len(),
            c.records,
            c.fields,
            ms(*took)
        );
    }
    println!("bytes {bytes}");
    println!("read_ms {:.1}", ms(read));
    println!("parse_ms {:.1}", ms(parse));
    println!("total_ms {:.1}", ms(read + parse));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `csv` crate's counts (no header handling, flexible): the reference this floor must equal.
    fn csv_counts(bytes: &[u8]) -> Counts {
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
        let mut counts = Counts { records: 0, fields: 0 };
        for record in reader.byte_records() {
            let record = record.expect("fixture parses");
            counts.records += 1;
            counts.fields += record.len() as u64;
        }
        counts
    }

    #[test]
    fn counts_equal_the_csv_crate_on_fixtures() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        for name in [
            "onprem-ps51-utf8bom.csv",
            "onprem-ps7.csv",
            "onprem-proxyaddresses-collection.csv",
            "cloud-mguser.csv",
            "cloud-msol.csv",
            "broken-fieldcount.csv",
        ] {
            let bytes = std::fs::read(format!("{dir}{name}")).expect("fixture exists");
            assert_eq!(count(&bytes), csv_counts(&bytes), "{name}");
        }
    }

    #[test]
    fn counts_edge_cases() {
        for (input, records, fields) in [
            (&b""[..], 0, 0),
            (b"a,b\n", 1, 2),
            (b"a,b", 1, 2),
            (b"a,b\r\n\r\nc\r\n", 2, 3),
            (b"\"x,\"\"y\"\"\nz\",b\n", 1, 2),
        ] {
            let want = Counts { records, fields };
            assert_eq!(count(input), want, "{input:?}");
            assert_eq!(csv_counts(input), want, "{input:?}");
        }
    }
}
