//! The parse-only floor of the browser benchmark's `--peers` mode (issue 5): the `csv` crate, the
//! same version and settings as the app's reader (`src/engine/read/csv_table.rs`: no headers,
//! flexible), over bytes already in wasm memory, counting records and fields and nothing else.
//! Built by `tests/e2e/bench/browser-bench.mjs` as plain wasm (no wasm-bindgen):
//!
//! ```sh
//! cargo build --release --example wasm_floor --target wasm32-unknown-unknown
//! ```
//!
//! The page calls `floor_alloc(len)`, copies a file's bytes to the pointer it returns, calls
//! `floor_parse(ptr, len)` (records read) and `floor_fields()` (fields in them), then
//! `floor_free(ptr, len)`. Nothing in it is wasm-only: natively it builds as a plain cdylib and
//! its test runs under `cargo test --all-targets`.
//!
//! The streamed floor (`floor-stream`) parses as the app reads: chunk by chunk, as
//! `Blob.stream()` hands them over. A worker calls `floor_stream_start()`, then for each chunk
//! `floor_stream_buffer(len)` (where to copy it) and `floor_stream_feed(len)`, and
//! `floor_stream_end()` (records read) and `floor_fields()` after the last.

/// Fields counted by the last `floor_parse` (a global: plain wasm exports return one value).
static FIELDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A buffer of `len` bytes for the page to fill; null when `len` cannot be allocated.
#[no_mangle]
pub extern "C" fn floor_alloc(len: usize) -> *mut u8 {
    let mut bytes = Vec::<u8>::new();
    if bytes.try_reserve_exact(len).is_err() {
        return std::ptr::null_mut();
    }
    let ptr = bytes.as_mut_ptr();
    std::mem::forget(bytes);
    ptr
}

/// Frees a buffer from `floor_alloc(len)`.
///
/// # Safety
/// `ptr` must come from `floor_alloc(len)` with the same `len`, and not be freed twice.
#[no_mangle]
pub unsafe extern "C" fn floor_free(ptr: *mut u8, len: usize) {
    if !ptr.is_null() {
        drop(Vec::from_raw_parts(ptr, 0, len));
    }
}

/// Parses the `len` bytes at `ptr` as CSV and returns the number of records (the `#TYPE` line and
/// the header count as records: this is the parse alone, with no meaning given to any row).
///
/// # Safety
/// `ptr` must point to `len` initialised bytes (from `floor_alloc(len)`, filled by the page).
#[no_mangle]
pub unsafe extern "C" fn floor_parse(ptr: *const u8, len: usize) -> u64 {
    let bytes = std::slice::from_raw_parts(ptr, len);
    let (records, fields) = count(bytes);
    FIELDS.store(fields, std::sync::atomic::Ordering::Relaxed);
    records
}

/// The fields counted by the last `floor_parse`.
#[no_mangle]
pub extern "C" fn floor_fields() -> u64 {
    FIELDS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The streamed parse between calls: the `csv-core` reader the `csv` crate is built on, fed each
/// chunk as it comes, with what it has counted so far.
struct Stream {
    reader: csv_core::Reader,
    /// Where the page copies the next chunk.
    chunk: Vec<u8>,
    /// Where the reader unescapes fields; overwritten, never read (the floor counts).
    out: Vec<u8>,
    ends: Vec<usize>,
    records: u64,
    fields: u64,
    /// Fields of the record not ended yet (a record may span chunks and full buffers).
    open_fields: u64,
}

impl Stream {
    fn new() -> Stream {
        Stream {
            reader: csv_core::ReaderBuilder::new().build(),
            chunk: Vec::new(),
            out: vec![0; 1 << 16],
            ends: vec![0; 1 << 10],
            records: 0,
            fields: 0,
            open_fields: 0,
        }
    }

    /// Parses `input`, the next bytes of the file; empty input ends the file.
    fn feed(&mut self, mut input: &[u8]) {
        use csv_core::ReadRecordResult::*;
        loop {
            let (result, read, _, ends) =
                self.reader.read_record(input, &mut self.out, &mut self.ends);
            input = &input[read..];
            self.open_fields += ends as u64;
            match result {
                InputEmpty | End => return,
                // The buffers are only for counting: start them over.
                OutputFull | OutputEndsFull => {}
                Record => {
                    self.records += 1;
                    self.fields += std::mem::take(&mut self.open_fields);
                }
            }
        }
    }
}

/// The streamed parse in progress: one a module instance (each worker has its own).
static STREAM: std::sync::Mutex<Option<Stream>> = std::sync::Mutex::new(None);

fn with_stream<T>(f: impl FnOnce(&mut Stream) -> T) -> T {
    let mut stream = STREAM.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    f(stream.get_or_insert_with(Stream::new))
}

/// Starts a streamed parse, dropping any before it.
#[no_mangle]
pub extern "C" fn floor_stream_start() {
    *STREAM.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Stream::new());
}

/// Where to copy the next chunk of `len` bytes; null when `len` cannot be allocated.
#[no_mangle]
pub extern "C" fn floor_stream_buffer(len: usize) -> *mut u8 {
    with_stream(|s| {
        if s.chunk.len() < len {
            let more = len - s.chunk.len();
            if s.chunk.try_reserve_exact(more).is_err() {
                return std::ptr::null_mut();
            }
            s.chunk.resize(len, 0);
        }
        s.chunk.as_mut_ptr()
    })
}

/// Parses the first `len` bytes copied to `floor_stream_buffer(len)`'s buffer; returns the
/// records read so far.
#[no_mangle]
pub extern "C" fn floor_stream_feed(len: usize) -> u64 {
    with_stream(|s| {
        let chunk = std::mem::take(&mut s.chunk);
        s.feed(&chunk[..len.min(chunk.len())]);
        s.chunk = chunk;
        s.records
    })
}

/// Ends the streamed parse: the records read (`floor_fields()`: their fields).
#[no_mangle]
pub extern "C" fn floor_stream_end() -> u64 {
    with_stream(|s| {
        s.feed(&[]);
        FIELDS.store(s.fields, std::sync::atomic::Ordering::Relaxed);
        s.records
    })
}

/// Records and fields in `bytes`, read with one reused `ByteRecord`; a record the reader rejects
/// ends the count (the generated exports have none).
fn count(bytes: &[u8]) -> (u64, u64) {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let (mut records, mut fields) = (0u64, 0u64);
    while let Ok(true) = reader.read_byte_record(&mut record) {
        records += 1;
        fields += record.len() as u64;
    }
    (records, fields)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_records_and_fields_of_an_export() {
        let text = "\u{feff}#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n\
                    \"UserPrincipalName\",\"objectGUID\"\r\n\
                    \"a@contoso.com\",\"a10fc70e-301a-4685-b80b-efe1a6c25249\"\r\n\
                    \"b, \"\"quoted\"\"\",\"\"\r\n";
        assert_eq!(super::count(text.as_bytes()), (4, 7));
    }

    #[test]
    fn the_streamed_parse_counts_what_the_whole_parse_counts() {
        let mut text = String::from("\u{feff}#TYPE x\r\n\"A\",\"B\",\"C\"\r\n");
        for i in 0..2000 {
            text.push_str(&format!(
                "\"u{i}@contoso.com\",\"line\r\nbreak \"\"{i}\"\"\",{}\r\n",
                "x".repeat(i % 97)
            ));
        }
        // A field longer than the reader's output buffer, and a last record without a newline.
        text.push_str(&format!("\"{}\",b\n\nlast,row", "y".repeat(200_000)));
        let whole = super::count(text.as_bytes());
        for chunk in [1, 7, 4096, 1 << 20] {
            super::floor_stream_start();
            for piece in text.as_bytes().chunks(chunk) {
                let at = super::floor_stream_buffer(piece.len());
                unsafe { std::ptr::copy_nonoverlapping(piece.as_ptr(), at, piece.len()) };
                super::floor_stream_feed(piece.len());
            }
            let records = super::floor_stream_end();
            assert_eq!((records, super::floor_fields()), whole, "chunks of {chunk}");
        }
    }
}
