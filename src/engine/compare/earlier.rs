//! An earlier run's JSON report, read for what comparing needs: its record and, per entry, the
//! category and who the user is.

use serde::Deserialize;

use crate::engine::error::{Error, ErrorKind};
use crate::engine::output::JSON_VERSION;
use crate::engine::report::Category;

/// What an earlier report says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarlierReport {
    /// The file's name, as given.
    pub name: String,
    /// Its shape's version.
    pub version: u32,
    /// When it was made, if it says (version 2 on).
    pub made_at: Option<String>,
    /// The anchor attribute it assumed.
    pub anchor_attribute: String,
    /// Its entries, in its order.
    pub entries: Vec<EarlierEntry>,
}

/// One entry of an earlier report.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct EarlierEntry {
    /// Its category then.
    pub category: Category,
    /// The anchor Entra Connect would have computed.
    #[serde(default)]
    pub anchor: Option<String>,
    /// The on-prem side.
    #[serde(default)]
    pub onprem: Option<EarlierUser>,
    /// The cloud side.
    #[serde(default)]
    pub cloud: Option<EarlierUser>,
}

/// A user of an earlier entry: who it was.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct EarlierUser {
    /// userPrincipalName.
    #[serde(default)]
    pub upn: String,
    /// Its line in that run's export.
    #[serde(default)]
    pub line: u64,
}

impl EarlierEntry {
    /// Who the entry is, for the reader: its on-prem UPN, else its cloud UPN, else its anchor.
    pub fn label(&self) -> &str {
        [&self.onprem, &self.cloud]
            .into_iter()
            .flatten()
            .map(|u| u.upn.as_str())
            .find(|u| !u.is_empty())
            .or(self.anchor.as_deref())
            .unwrap_or("(no UPN or anchor)")
    }
}

/// The fields read, every version alike (unknown fields are skipped).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    run: Option<Run>,
    #[serde(default)]
    anchor_attribute: String,
    entries: Vec<EarlierEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    #[serde(default)]
    made_at: Option<String>,
}

/// Just the version, read first: a newer shape is refused before its fields are looked at.
#[derive(Deserialize)]
struct Versioned {
    version: Option<serde_json::Value>,
}

impl EarlierReport {
    /// Reads the JSON report `bytes` of file `name`.
    pub fn read(name: &str, bytes: &[u8]) -> Result<EarlierReport, Error> {
        let refuse =
            |problem: String| Error::new(ErrorKind::EarlierReport { problem }).in_file(None, name);
        let not_json = |e: serde_json::Error| {
            refuse(format!(
                "it is not JSON ({e}); expected the JSON report an earlier run wrote \
                 (`anchor-audit report … --format json`, or the page's \"Report (JSON)\")"
            ))
        };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let versioned: Versioned = serde_json::from_slice(bytes).map_err(not_json)?;
        let version = match versioned.version {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            _ => None,
        };
        let version = match version {
            None => {
                return Err(refuse(
                    "it has no `version` number: expected an Anchor Audit JSON report, whose \
                     first field is `\"version\"`"
                        .into(),
                ))
            }
            Some(v) if v > u64::from(JSON_VERSION) => {
                return Err(refuse(format!(
                    "it is a version-{v} report, made by a newer Anchor Audit; this one reads \
                     versions 1 to {JSON_VERSION}. Compare with this version's report, or use the newer tool"
                )))
            }
            Some(0) => return Err(refuse("its version is 0: no Anchor Audit writes that".into())),
            Some(v) => v as u32,
        };
        let document: Document = serde_json::from_slice(bytes).map_err(|e| {
            refuse(format!(
                "its version is {version}, but it does not hold what a version-{version} report \
                 holds ({e})"
            ))
        })?;
        Ok(EarlierReport {
            name: name.to_string(),
            version,
            made_at: document.run.and_then(|r| r.made_at),
            anchor_attribute: document.anchor_attribute,
            entries: document.entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(json: &str) -> String {
        match EarlierReport::read("earlier.json", json.as_bytes()) {
            Err(e) => e.to_string(),
            Ok(r) => panic!("read: {r:?}"),
        }
    }

    #[test]
    fn a_version_1_report_is_read_by_category_anchor_and_upns() {
        let json = r#"{"version":1,"anchorAttribute":"objectGUID","entries":[
            {"category":"mismatch","anchor":"yYuRNW0Z6kCXeYidebdT8A==","onprem":{"line":2,"upn":"ada@contoso.com"},"cloud":null},
            {"category":"cloud-only","onprem":null,"cloud":{"line":3,"upn":"bob@contoso.com"}}]}"#;
        let read = EarlierReport::read("earlier.json", json.as_bytes()).unwrap();
        assert_eq!((read.version, read.made_at.as_deref()), (1, None));
        assert_eq!(read.entries[0].category, Category::Mismatch);
        assert_eq!(read.entries[0].label(), "ada@contoso.com");
        assert_eq!(read.entries[1].label(), "bob@contoso.com");
    }

    #[test]
    fn what_is_not_an_earlier_report_is_refused_saying_what_it_is() {
        let e = problem("UserPrincipalName,objectGUID\n");
        assert!(
            e.contains("earlier.json") && e.contains("it is not JSON (") && e.contains("line 1"),
            "{e}"
        );
        assert!(problem(r#"{"entries":[]}"#).contains("it has no `version` number"));
        let newer = problem(r#"{"version":3,"entries":[]}"#);
        assert!(
            newer.contains(
                "a version-3 report, made by a newer Anchor Audit; this one reads versions 1 to 2"
            ),
            "{newer}"
        );
        let hollow = problem(r#"{"version":2,"headline":{}}"#);
        assert!(hollow.contains("its version is 2, but it does not hold what a version-2 report holds (missing field `entries`"), "{hollow}");
        let category = problem(r#"{"version":2,"entries":[{"category":"maybe"}]}"#);
        assert!(category.contains("unknown variant `maybe`"), "{category}");
    }
}
