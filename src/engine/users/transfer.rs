//! [`CloudUsers`] as byte buffers, so that the browser's reader worker, which reads the cloud
//! file, can hand its columns to the main worker as transferables: each column's buffers as
//! they are (values and offsets), with no re-encoding, checked on the way back in.

use super::cloud::{CloudUsers, Synced};
use crate::engine::columnar::{ColumnError, Utf8Column, Utf8ListColumn};

/// A table's columns as byte buffers, in a fixed order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnBuffers(pub Vec<Vec<u8>>);

/// Buffers in [`CloudUsers::into_buffers`]: the flags, the places, six texts and the
/// export's objectGUID column (values and offsets each), the proxy addresses (three) and
/// the sync flags.
const CLOUD_BUFFERS: usize = 2 + 2 * 7 + 3 + 1;

/// The first buffer's bit saying the export has its own objectGUID column.
const HAS_FILE_OBJECT_GUID: u8 = 1;

impl CloudUsers {
    /// The columns as buffers, to move to another worker.
    pub fn into_buffers(self) -> ColumnBuffers {
        let CloudUsers {
            at,
            upn,
            name,
            mail,
            proxy_addresses,
            immutable_id,
            synced,
            object_id,
            on_premises_object_identifier,
            file_object_guid,
        } = self;
        let flags = if file_object_guid.is_some() { HAS_FILE_OBJECT_GUID } else { 0 };
        let places = at.iter().flatten().flat_map(|n| n.to_le_bytes());
        let mut buffers = vec![vec![flags], places.collect()];
        let texts = [upn, name, mail, immutable_id, object_id, on_premises_object_identifier];
        for column in texts.into_iter().chain([file_object_guid.unwrap_or_default()]) {
            let (values, offsets) = column.into_buffers();
            buffers.extend([values, words_to_bytes(&offsets)]);
        }
        let (values, item_offsets, row_offsets) = proxy_addresses.into_buffers();
        buffers.extend([values, words_to_bytes(&item_offsets), words_to_bytes(&row_offsets)]);
        buffers.push(synced.into_iter().map(|s| s as u8).collect());
        ColumnBuffers(buffers)
    }

    /// The columns back from [`CloudUsers::into_buffers`], refused unless every offset is in
    /// bounds and on a character boundary and every column has a value for every user.
    pub fn from_buffers(buffers: ColumnBuffers) -> Result<CloudUsers, ColumnError> {
        let buffers: [Vec<u8>; CLOUD_BUFFERS] = buffers
            .0
            .try_into()
            .map_err(|_| ColumnError::Damaged("not the cloud users' number of buffers"))?;
        let mut buffers = buffers.into_iter();
        let mut next = || buffers.next().unwrap_or_default();
        let flags = next();
        let places = next();
        if !places.len().is_multiple_of(8) {
            return Err(ColumnError::Damaged("the places are not 8 bytes a user"));
        }
        let words = bytes_to_words(&places)?;
        let at: Vec<[u32; 2]> = words.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
        let mut text = || Utf8Column::from_buffers(next(), bytes_to_words(&next())?);
        let (upn, name, mail) = (text()?, text()?, text()?);
        let (immutable_id, object_id, on_premises_object_identifier) = (text()?, text()?, text()?);
        let file_object_guid = text()?;
        let file_object_guid = (flags.first().copied().unwrap_or(0) & HAS_FILE_OBJECT_GUID != 0)
            .then_some(file_object_guid);
        let (values, item_offsets, row_offsets) = (next(), next(), next());
        let proxy_addresses = Utf8ListColumn::from_buffers(
            values,
            bytes_to_words(&item_offsets)?,
            bytes_to_words(&row_offsets)?,
        )?;
        let synced = next()
            .into_iter()
            .map(|b| match b {
                0 => Ok(Synced::Unknown),
                1 => Ok(Synced::No),
                2 => Ok(Synced::Yes),
                _ => Err(ColumnError::Damaged("a sync flag is not one of the three")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let users = at.len();
        let lengths = [upn.len(), name.len(), mail.len(), immutable_id.len(), object_id.len()]
            .into_iter()
            .chain([on_premises_object_identifier.len(), proxy_addresses.len(), synced.len()])
            .chain(file_object_guid.as_ref().map(Utf8Column::len));
        if lengths.into_iter().any(|len| len != users) {
            return Err(ColumnError::Damaged("the columns do not have a value for every user"));
        }
        Ok(CloudUsers {
            at,
            upn,
            name,
            mail,
            proxy_addresses,
            immutable_id,
            synced,
            object_id,
            on_premises_object_identifier,
            file_object_guid,
        })
    }
}

/// `u32`s as little-endian bytes (what a `Uint8Array` carries).
pub(crate) fn words_to_bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// [`words_to_bytes`] back.
pub(crate) fn bytes_to_words(bytes: &[u8]) -> Result<Vec<u32>, ColumnError> {
    if !bytes.len().is_multiple_of(4) {
        return Err(ColumnError::Damaged("offsets are not 4 bytes each"));
    }
    Ok(bytes.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect())
}
