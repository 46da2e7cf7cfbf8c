//! `cargo xtask fuzz`: runs the cargo-fuzz targets in `fuzz/` (RELIABILITY.md), each on a corpus
//! seeded from `tests/fixtures`, in the input shape its target reads. The corpora and any crash
//! artifacts stay in `fuzz/corpus/` and `fuzz/artifacts/`, never committed.

use std::fs;
use std::path::{Path, PathBuf};

use crate::Result;

/// Every target, in the order `cargo xtask fuzz` runs them.
pub(crate) const TARGETS: [&str; 4] = ["chunked_read", "guid", "ldif", "audit"];

/// Between the two files of an `audit` input (the target's `SEPARATOR`).
const AUDIT_SEPARATOR: &[u8] = b"\n\xFF\x00--8<--cloud--\x00\xFF\n";

/// Spellings of values the `guid` target starts from, beside the fixtures' cells: the README's
/// and domain.md's vectors in each spelling `convert` reads, and near misses.
const GUID_SEEDS: &[&str] = &[
    "35918bc9-196d-40ea-9779-889d79b753f0",
    "{35918BC9-196D-40EA-9779-889D79B753F0}",
    "(35918bc9196d40ea9779889d79b753f0)",
    "35918bc9196d40ea9779889d79b753f0",
    "yYuRNW0Z6kCXeYidebdT8A==",
    "NZGLyRltQOqXeYidebdT8A==",
    "X'c98b91356d19ea409779889d79b753f0'",
    "C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 F0",
    "0xc9 0x8b 0x91 0x35 0x6d 0x19 0xea 0x40 0x97 0x79 0x88 0x9d 0x79 0xb7 0x53 0xf0",
    "C9-8B-91-35-6D-19-EA-40-97-79-88-9D-79-B7-53-F0",
    "\\c9\\8b\\91\\35\\6d\\19\\ea\\40\\97\\79\\88\\9d\\79\\b7\\53\\f0",
    "CN={7959755253573057306B4358655969646562445438413D3D}",
    "objectGUID:: yYuRNW0Z6kCXeYidebdT8A==",
    "urn:uuid:550e8400-e29b-41d4-a716-446655440000",
    "f+bH/Mb+ZUq4IS9AopLRhQ==",
    "iGhmiAEBERG7uxI0VniQqw==",
    "MzU5MThiYzktMTk2ZC00MGVhLTk3NzktODg5ZDc5Yjc1M2Yw",
    "00ub0oNGTSWTBKOLGLNR",
    "0ua1b2c3d4e5f6g7h8i9",
    "ada@contoso.com",
    "  yYuRNW0Z6kCXeYidebdT8A==",
    "yYuRNW0Z6kCXeYidebdT8A",
    "yYuRNW0Z6kCXeYidebdT8A=",
    "yYuRNW0Z6kCX-YidebdT8A==",
    "35918bc9-196d-40ea-9779-889d79b753f",
    "\"35918bc9-196d-40ea-9779-889d79b753f0\"",
];

/// Writes each target's seeds into `fuzz/corpus/<target>/` (files named `seed-…`, rewritten
/// each run; what the fuzzer adds is kept) and returns the corpus folder.
pub(crate) fn seed(root: &Path, target: &str) -> Result<PathBuf> {
    let corpus = root.join("fuzz/corpus").join(target);
    fs::create_dir_all(&corpus).map_err(|e| format!("creating {}: {e}", corpus.display()))?;
    let fixtures = fixtures(&root.join("tests/fixtures"))?;
    let seeds = match target {
        "chunked_read" => chunked_read_seeds(&fixtures),
        "guid" => guid_seeds(&fixtures),
        "ldif" => ldif_seeds(&fixtures),
        "audit" => audit_seeds(&fixtures),
        other => return Err(format!("no fuzz target `{other}` (targets: {})", TARGETS.join(", "))),
    };
    for (name, bytes) in seeds {
        let path = corpus.join(format!("seed-{name}"));
        fs::write(&path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(corpus)
}

/// Every fixture file under `dir`, by its path below it (`/` made `_`), in path order.
fn fixtures(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    fn walk(dir: &Path, base: &Path, found: &mut Vec<(String, Vec<u8>)>) -> Result {
        let entries = fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                walk(&path, base, found)?;
            } else if !matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "py")) {
                let bytes =
                    fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
                let name = path.strip_prefix(base).unwrap_or(&path).display().to_string();
                found.push((name.replace('/', "_"), bytes));
            }
        }
        Ok(())
    }
    let mut found = Vec::new();
    walk(dir, dir, &mut found)?;
    Ok(found)
}

/// Each fixture after the target's four control bytes, in each slot, in small and large chunks.
fn chunked_read_seeds(fixtures: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let controls: [[u8; 4]; 3] = [[0, 0, 6, 0xF7], [1, 2, 40, 127], [2, 0xF8, 0, 3]];
    let mut seeds = Vec::new();
    for (name, bytes) in fixtures {
        for (i, control) in controls.iter().enumerate() {
            seeds.push((format!("{i}-{name}"), [&control[..], bytes].concat()));
        }
    }
    seeds
}

/// The spellings above, and the short cells of the fixtures' first lines (their GUIDs and
/// anchors in the spellings real exports use).
fn guid_seeds(fixtures: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let mut values: Vec<String> = GUID_SEEDS.iter().map(|s| s.to_string()).collect();
    for (_, bytes) in fixtures {
        let text = String::from_utf8_lossy(bytes);
        for line in text.lines().take(8) {
            for cell in line.split([',', ';', '\t']) {
                let cell = cell.trim().trim_matches('"');
                if (8..=120).contains(&cell.len()) && !values.iter().any(|v| v == cell) {
                    values.push(cell.to_owned());
                }
            }
        }
    }
    values.into_iter().enumerate().map(|(i, v)| (format!("{i:04}"), v.into_bytes())).collect()
}

/// The LDIF fixtures after a control byte (fold width, line ends, chunk size).
fn ldif_seeds(fixtures: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (name, bytes) in fixtures.iter().filter(|(name, _)| name.ends_with(".ldf")) {
        for control in [0u8, 77, 154, 255] {
            seeds.push((format!("{control}-{name}"), [&[control][..], bytes].concat()));
        }
    }
    seeds
}

/// How many lines of each file an `audit` seed keeps: the header and a few users are enough to
/// reach every verdict, and a short input runs many times faster than a whole export.
const AUDIT_SEED_LINES: usize = 6;

/// The first `lines` lines of a file, cut after a line feed (after both of its bytes in
/// UTF-16LE, which starts with FF FE).
fn head(bytes: &[u8], lines: usize) -> &[u8] {
    let utf16le = bytes.starts_with(&[0xFF, 0xFE]);
    let mut seen = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let starts_a_char = !utf16le || at % 2 == 0;
        if byte == b'\n' && starts_a_char {
            seen += 1;
            if seen == lines {
                let end = if utf16le { at + 2 } else { at + 1 };
                return &bytes[..end.min(bytes.len())];
            }
        }
    }
    bytes
}

/// Whether a fixture is a cloud export, by its name.
fn is_cloud(name: &str) -> bool {
    let name = name.rsplit('_').next().unwrap_or(name).to_ascii_lowercase();
    ["cloud", "synced", "azuread", "msol"].iter().any(|word| name.contains(word))
}

/// Each scenario's pair, and each top-level export beside a clean one of the other side, after
/// the control byte (`3` reads the string-anchor scenario by employeeID; `48` adds the tenant
/// context).
fn audit_seeds(fixtures: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let pair = |control: u8, onprem: &[u8], cloud: &[u8]| {
        let (onprem, cloud) = (head(onprem, AUDIT_SEED_LINES), head(cloud, AUDIT_SEED_LINES));
        [&[control][..], onprem, AUDIT_SEPARATOR, cloud].concat()
    };
    let find = |name: &str| fixtures.iter().find(|(n, _)| n == name).map(|(_, b)| b.as_slice());
    let mut seeds = Vec::new();
    let mut scenarios: Vec<&str> = fixtures
        .iter()
        .filter_map(|(name, _)| name.strip_prefix("scenarios_")?.split('_').next())
        .collect();
    scenarios.dedup();
    for scenario in scenarios {
        let files: Vec<&(String, Vec<u8>)> = fixtures
            .iter()
            .filter(|(name, _)| name.starts_with(&format!("scenarios_{scenario}_")))
            .collect();
        let onprem = files.iter().find(|(n, _)| !is_cloud(n));
        let cloud = files.iter().find(|(n, _)| is_cloud(n));
        if let (Some((_, onprem)), Some((_, cloud))) = (onprem, cloud) {
            let control = if scenario.contains("string-anchor") { 3 } else { 0 };
            seeds.push((scenario.to_owned(), pair(control, onprem, cloud)));
            // Again with the target's domains and roles files, whose rules the plain run skips.
            seeds.push((format!("{scenario}-context"), pair(control | 48, onprem, cloud)));
        }
    }
    let (Some(clean_onprem), Some(clean_cloud)) =
        (find("onprem-ps7.csv"), find("cloud-mguser.csv"))
    else {
        return seeds;
    };
    for (name, bytes) in fixtures.iter().filter(|(name, _)| !name.starts_with("scenarios_")) {
        let seed =
            if is_cloud(name) { pair(0, clean_onprem, bytes) } else { pair(0, bytes, clean_cloud) };
        seeds.push((name.clone(), seed));
    }
    seeds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_gets_seeds_in_its_shape() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let fixtures = fixtures(&root.join("tests/fixtures")).unwrap();
        let audit = audit_seeds(&fixtures);
        assert!(audit.iter().any(|(name, _)| name == "06-orphans-duplicates"), "{audit:?}");
        assert!(audit.iter().all(|(_, seed)| {
            seed.windows(AUDIT_SEPARATOR.len()).any(|w| w == AUDIT_SEPARATOR)
        }));
        assert!(ldif_seeds(&fixtures).len() >= 8);
        assert!(chunked_read_seeds(&fixtures).len() >= 3 * 20);
        assert!(guid_seeds(&fixtures).len() > GUID_SEEDS.len());
    }

    #[test]
    fn head_keeps_whole_lines_in_any_encoding() {
        assert_eq!(head(b"a\nb\nc\n", 2), b"a\nb\n");
        assert_eq!(head(b"a\nb", 5), b"a\nb");
        let utf16: Vec<u8> = "\u{FEFF}a\nb\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(head(&utf16, 1), &utf16[..6]);
    }

    #[test]
    fn cloud_exports_are_told_by_name() {
        assert!(is_cloud("scenarios_01-okta-app-ids_MsolSyncedIDs.csv"));
        assert!(is_cloud("cloud-azuread-ps51.csv"));
        assert!(!is_cloud("scenarios_01-okta-app-ids_OnPremIDs.csv"));
        assert!(!is_cloud("onprem-csvde.csv"));
    }
}
