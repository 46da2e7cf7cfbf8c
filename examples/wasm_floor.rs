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
}
