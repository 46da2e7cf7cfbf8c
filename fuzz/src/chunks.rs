//! Feeding a file to the reader in chunks whose sizes the fuzzer chooses, through both of the
//! reader's streaming interfaces: the pull one (`read_table_from_chunks`) and the push one
//! (`TableReader`), which must give what reading the file whole gives.

use anchor_audit::engine::read::{
    read_table_from_chunks, Finished, Next, ReadOptions, Table, TableReader,
};
use anchor_audit::engine::{Error, Side};

/// Chunk sizes from control bytes: most small (1 to 128 bytes, where a boundary falls inside a
/// UTF-8 sequence, a quoted field or a line break), some around the decoder's 4 KiB buffer.
pub fn sizes(control: &[u8]) -> Vec<usize> {
    let sizes: Vec<usize> = control
        .iter()
        .map(|&b| if b >= 0xF0 { 4088 + usize::from(b & 0x0F) } else { usize::from(b & 0x7F) + 1 })
        .collect();
    if sizes.is_empty() {
        vec![1]
    } else {
        sizes
    }
}

/// The slot a file is given in, from a control byte: none (detect it), on-prem or cloud.
pub fn side(control: u8) -> Option<Side> {
    match control % 3 {
        0 => None,
        1 => Some(Side::OnPrem),
        _ => Some(Side::Cloud),
    }
}

/// `bytes` pulled by the reader in chunks of `sizes`, taken in turn.
pub fn read_pulled(bytes: &[u8], sizes: &[usize], options: &ReadOptions) -> Result<Table, Error> {
    read_table_from_chunks(
        bytes.len() as u64,
        &mut |sink| {
            let mut rest = bytes;
            for &size in sizes.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (chunk, tail) = rest.split_at(size.min(rest.len()));
                sink(chunk)?;
                rest = tail;
            }
            Ok(())
        },
        options,
        &mut |_| true,
    )
}

/// How many times a reader may ask for the file from its start: once (a file that turns out not
/// to be UTF-8 is read again as Windows-1252).
const PASSES: usize = 2;

/// `bytes` pushed into a [`TableReader`] in chunks of `sizes`, starting again from the first
/// byte whenever it asks.
pub fn read_pushed(bytes: &[u8], sizes: &[usize], options: &ReadOptions) -> Result<Table, Error> {
    let mut reader = TableReader::new(bytes.len() as u64, options, Box::new(|_| true))?;
    for _ in 0..PASSES {
        let mut rest = bytes;
        let mut again = false;
        for &size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at(size.min(rest.len()));
            if reader.feed(chunk)? == Next::FromStart {
                again = true;
                break;
            }
            rest = tail;
        }
        if again {
            continue;
        }
        reader = match reader.finish()? {
            Finished::Table(table) => return Ok(*table),
            Finished::FromStart(reader) => *reader,
        };
    }
    panic!("the reader asked for the file from its start more than once");
}
