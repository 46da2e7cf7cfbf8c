//! What a report records of its own making, for a change board or an auditor: the build that
//! made it, when, from which inputs (name, size, SHA-256) and with which settings. The two
//! exports' names, sizes and digests are in their [`FileInfo`](crate::engine::read::FileInfo);
//! the rest is here.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::engine::join::MatchOptions;

/// The tool's version, from Cargo.toml.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit the tool was built from (the build script asks git), or `unknown`.
pub const TOOL_COMMIT: &str = env!("ANCHOR_AUDIT_COMMIT");

/// An input besides the two exports: a tenant context file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputFile {
    /// The file's name, as given.
    pub name: String,
    /// What it was read as, e.g. "role assignments".
    pub kind: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
}

impl InputFile {
    /// The record of a file of this name, kind and content.
    pub fn of(name: &str, kind: &str, content: &[u8]) -> InputFile {
        InputFile {
            name: name.to_string(),
            kind: kind.to_string(),
            bytes: content.len() as u64,
            sha256: format!("{:x}", Sha256::digest(content)),
        }
    }
}

/// The run's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    /// [`TOOL_VERSION`].
    pub tool_version: String,
    /// [`TOOL_COMMIT`].
    pub commit: String,
    /// When the report was made, RFC 3339 in UTC. The caller stamps it (the core reads no
    /// clock); unstamped reports, as in tests that compare bytes, leave it out.
    pub made_at: Option<String>,
    /// The tenant context files, in the order given.
    pub context: Vec<InputFile>,
    /// `BlockSoftMatchEnabled`, as the report assumed it.
    pub block_soft_match: bool,
    /// `BlockCloudObjectTakeoverThroughHardMatchEnabled`, as the report assumed it.
    pub block_cloud_takeover: bool,
}

impl RunRecord {
    /// The record of a run with these options, not stamped yet.
    pub fn new(options: &MatchOptions) -> RunRecord {
        RunRecord {
            tool_version: TOOL_VERSION.to_string(),
            commit: TOOL_COMMIT.to_string(),
            made_at: None,
            context: Vec::new(),
            block_soft_match: options.block_soft_match,
            block_cloud_takeover: options.block_cloud_takeover,
        }
    }

    /// Stamps the time, given in milliseconds since the Unix epoch (what both
    /// `SystemTime` and JavaScript's `Date.now()` give).
    pub fn stamp(&mut self, unix_ms: i64) {
        let at = OffsetDateTime::from_unix_timestamp(unix_ms.div_euclid(1000))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        self.made_at = at.format(&Rfc3339).ok();
    }

    /// The sync features file the switches came from, if one was given.
    pub fn switches_from(&self) -> Option<&str> {
        self.context.iter().find(|f| f.kind.starts_with("sync features")).map(|f| f.name.as_str())
    }

    /// The tool and build, e.g. "Anchor Audit 0.1.0 (commit 3fa8941c0d1e)".
    pub fn tool(&self) -> String {
        format!("Anchor Audit {} (commit {})", self.tool_version, self.commit)
    }

    /// The tenant switches in a line, with where they came from.
    pub fn switches(&self) -> String {
        let on = |b: bool| if b { "on" } else { "off" };
        format!(
            "BlockSoftMatchEnabled {}, BlockCloudObjectTakeoverThroughHardMatchEnabled {} ({})",
            on(self.block_soft_match),
            on(self.block_cloud_takeover),
            self.switches_from().map_or_else(
                || "as given: no sync features file".to_string(),
                |f| format!("from the tenant's file {f}")
            )
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_is_rfc_3339_in_utc_to_the_second() {
        let mut record = RunRecord::new(&MatchOptions::default());
        record.stamp(1_764_950_400_999);
        assert_eq!(record.made_at.as_deref(), Some("2025-12-05T16:00:00Z"));
        record.stamp(-1);
        assert_eq!(record.made_at.as_deref(), Some("1969-12-31T23:59:59Z"));
    }

    #[test]
    fn an_input_is_recorded_by_its_sha_256() {
        let file = InputFile::of("domains.csv", "domains", b"abc");
        assert_eq!(file.bytes, 3);
        // FIPS 180-2's first example.
        assert_eq!(file.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn the_switches_say_where_they_came_from() {
        let mut record =
            RunRecord::new(&MatchOptions { block_soft_match: true, ..Default::default() });
        assert!(record.switches().starts_with("BlockSoftMatchEnabled on, Block"));
        assert!(record.switches().ends_with("(as given: no sync features file)"));
        record.context.push(InputFile::of(
            "f.csv",
            "sync features (BlockSoftMatchEnabled on)",
            b"",
        ));
        assert!(record.switches().ends_with("(from the tenant's file f.csv)"));
        assert!(record.tool().starts_with(&format!("Anchor Audit {TOOL_VERSION} (commit ")));
    }
}
