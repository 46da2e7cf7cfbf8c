//! Entra Connect's own pending exports for its Entra ID connector, as a staging-mode server
//! writes them with `csexport "<tenant> - AAD" export.xml /f:x`: what the engine will add,
//! update or delete in the tenant at its first export. Read to check the report's prediction
//! against the engine's.
//!
//! The shape, from public scripts that parse it: `<cs-objects>` holds one `<cs-object>` per
//! connector-space object, with its `cs-dn` (`CN={hex of the sourceAnchor's ASCII}` on the Entra
//! connector), `ma-name`, `object-type` and `export-delta-operation` (`add`, `modify`, `delete`,
//! `none`). `<unapplied-export><delta operation="…">` carries the change, and
//! `<pending-import-hologram>` / `<unapplied-export-hologram>` each an `<entry>` with the
//! object's `<attr name="sourceAnchor">` and `userPrincipalName` as `<value>`s.

mod cross_check;

pub use cross_check::{CrossCheck, Disagreement, DisagreementKind, Predicted};

use crate::engine::error::{Error, ErrorKind, Position};

/// What the engine will do to a cloud object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PendingOperation {
    /// Create it: no cloud object was joined.
    Add,
    /// Change the joined cloud object.
    Update,
    /// Delete the joined cloud object.
    Delete,
}

impl PendingOperation {
    /// "add", "update", "delete".
    pub fn label(self) -> &'static str {
        match self {
            PendingOperation::Add => "add",
            PendingOperation::Update => "update",
            PendingOperation::Delete => "delete",
        }
    }
}

/// One user object the engine will export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingExport {
    /// What it will do.
    pub operation: PendingOperation,
    /// The connector-space DN, `CN={…}`.
    pub cs_dn: String,
    /// The object's sourceAnchor (the cloud's ImmutableID), from the delta or a hologram.
    pub source_anchor: Option<String>,
    /// Its userPrincipalName, likewise.
    pub upn: Option<String>,
    /// The line its `<cs-object>` starts on.
    pub line: u64,
}

/// A pending-exports file, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingExports {
    /// The connector (`contoso.onmicrosoft.com - AAD`).
    pub connector: String,
    /// The users' exports, in the file's order.
    pub exports: Vec<PendingExport>,
    /// Objects in all, users or not.
    pub objects: u64,
    /// Objects left out: not users (groups, contacts, devices), or with nothing to export.
    pub not_users: u64,
    /// Users with no pending change (`export-delta-operation="none"`).
    pub unchanged: u64,
}

/// The suffix Entra Connect gives its Entra ID connector's name.
const ENTRA_CONNECTOR_SUFFIX: &str = " - AAD";

/// Reads csexport's XML. A file of another connector (the on-prem AD one), a truncated or
/// malformed file, or one that is not csexport's is refused saying what it is.
pub fn read(name: &str, bytes: &[u8]) -> Result<PendingExports, Error> {
    let refuse = |problem: String, line: u64| {
        let error = Error::new(ErrorKind::PendingExports { problem }).in_file(None, name);
        if line > 0 {
            error.at(Position::line(line, 0))
        } else {
            error
        }
    };
    let text = decode(bytes).map_err(|problem| refuse(problem, 0))?;
    let document = roxmltree::Document::parse(&text).map_err(|e| match e {
        // The parser places this error at the start; where the text stops says more.
        roxmltree::Error::UnexpectedEndOfStream => {
            let line = text.lines().count().max(1);
            let column = text.lines().last().map_or(0, |l| l.chars().count()) + 1;
            let problem = format!(
                "the XML ends at line {line}, column {column}, before its elements are closed: \
                 the file is truncated (copied before csexport finished?); export it again"
            );
            refuse(problem, line as u64)
        }
        e => {
            let problem = format!("it is not well-formed XML ({e}); expected csexport's output");
            refuse(problem, u64::from(e.pos().row))
        }
    })?;
    let root = document.root_element();
    if root.tag_name().name() != "cs-objects" {
        return Err(refuse(
            format!(
                "its root element is <{}>, not <cs-objects>: expected the XML that \
                 `csexport \"<tenant> - AAD\" export.xml /f:x` writes",
                root.tag_name().name()
            ),
            line_of(&document, root),
        ));
    }
    let mut read = PendingExports::default();
    for object in root.children().filter(|n| n.has_tag_name("cs-object")) {
        read.objects += 1;
        let line = line_of(&document, object);
        let connector = object.attribute("ma-name").unwrap_or_default();
        if !connector.ends_with(ENTRA_CONNECTOR_SUFFIX) {
            return Err(refuse(
                format!(
                    "its objects are of the connector `{connector}`, not Entra ID's \
                     (`<tenant>.onmicrosoft.com{ENTRA_CONNECTOR_SUFFIX}`): this is the \
                     on-premises AD connector's export. Run csexport for the Entra ID \
                     connector: `csexport \"<tenant>.onmicrosoft.com - AAD\" export.xml /f:x`"
                ),
                line,
            ));
        }
        if read.connector.is_empty() {
            read.connector = connector.to_string();
        }
        if object.attribute("object-type") != Some("user") {
            read.not_users += 1;
            continue;
        }
        let operation = match object.attribute("export-delta-operation") {
            Some("add") => PendingOperation::Add,
            Some("modify") | Some("update") | Some("replace") => PendingOperation::Update,
            Some("delete") | Some("delete-add") => PendingOperation::Delete,
            Some("none") => {
                read.unchanged += 1;
                continue;
            }
            other => {
                return Err(refuse(
                    format!(
                        "a user's export-delta-operation is {}: expected add, modify, delete \
                         or none",
                        other.map_or("missing".to_string(), |o| format!("`{o}`"))
                    ),
                    line,
                ))
            }
        };
        read.exports.push(PendingExport {
            operation,
            cs_dn: object.attribute("cs-dn").unwrap_or_default().to_string(),
            source_anchor: value_of(object, "sourceAnchor"),
            upn: value_of(object, "userPrincipalName"),
            line,
        });
    }
    Ok(read)
}

/// The file's text: UTF-8 or UTF-16, by its byte-order mark (csexport may write either).
fn decode(bytes: &[u8]) -> Result<String, String> {
    let (text, _, malformed) = match encoding_rs::Encoding::for_bom(bytes) {
        Some((encoding, _)) => encoding.decode(bytes),
        None => encoding_rs::UTF_8.decode(bytes),
    };
    if malformed {
        return Err("it is neither UTF-8 nor UTF-16 text: expected csexport's XML".into());
    }
    // The XML declaration may still say "UTF-16" once decoded; roxmltree reads the text as is.
    Ok(text.into_owned())
}

/// An attribute's first value: from the pending change, else from the holograms.
fn value_of(object: roxmltree::Node<'_, '_>, attribute: &str) -> Option<String> {
    let places = ["unapplied-export", "unapplied-export-hologram", "pending-import-hologram"];
    places.iter().find_map(|place| {
        object
            .children()
            .filter(|n| n.has_tag_name(*place))
            .flat_map(|n| n.descendants())
            .filter(|n| n.has_tag_name("attr") && n.attribute("name") == Some(attribute))
            .flat_map(|attr| attr.children().filter(|v| v.has_tag_name("value")))
            .find_map(|value| value.text().map(str::trim).filter(|t| !t.is_empty()))
            .map(str::to_string)
    })
}

fn line_of(document: &roxmltree::Document<'_>, node: roxmltree::Node<'_, '_>) -> u64 {
    u64::from(document.text_pos_at(node.range().start).row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/pending-exports/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(path).unwrap()
    }

    #[test]
    fn the_entra_connectors_adds_updates_and_deletes_are_read_with_anchor_and_upn() {
        let read = read("aad-pending.xml", &fixture("aad-pending.xml")).unwrap();
        assert_eq!(read.connector, "contoso.onmicrosoft.com - AAD");
        assert_eq!((read.objects, read.not_users, read.unchanged), (5, 1, 0));
        let shown: Vec<_> = read
            .exports
            .iter()
            .map(|e| (e.operation, e.source_anchor.as_deref(), e.upn.as_deref(), e.line))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    PendingOperation::Add,
                    Some("7QVhRvsu30+/HpUCu/cqgw=="),
                    Some("grace.reyes@contoso.com"),
                    3
                ),
                (
                    PendingOperation::Update,
                    Some("5FV/DmGTGku/S6n0dHjDVg=="),
                    Some("anna.abbott@contoso.com"),
                    23
                ),
                (
                    PendingOperation::Delete,
                    Some("q1w2e3r4t5y6u7i8o9p0aA=="),
                    Some("old.contractor@contoso.com"),
                    40
                ),
                (
                    PendingOperation::Add,
                    Some("gpv6D3+9oEO+Et+ISuwXNg=="),
                    Some("m.garcia@contoso.com"),
                    60
                ),
            ]
        );
        // The connector-space DN spells the anchor's ASCII in hex.
        let dn = &read.exports[0].cs_dn;
        let hex = dn.strip_prefix("CN={").and_then(|d| d.strip_suffix('}')).unwrap();
        let ascii: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(ascii, b"7QVhRvsu30+/HpUCu/cqgw==");
    }

    #[test]
    fn utf_16_with_its_byte_order_mark_reads_the_same() {
        let utf8 = fixture("aad-pending.xml");
        let text = String::from_utf8(utf8.clone()).unwrap();
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(read("x.xml", &utf16).unwrap(), read("x.xml", &utf8).unwrap());
    }

    #[test]
    fn the_ad_connectors_export_is_refused_naming_its_connector_and_the_command() {
        let error = read("ad-pending.xml", &fixture("ad-pending.xml")).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("file ad-pending.xml, line 3: "), "{message}");
        assert!(message.contains("of the connector `contoso.com`, not Entra ID's"), "{message}");
        assert!(message.contains("csexport \"<tenant>.onmicrosoft.com - AAD\" export.xml /f:x"));
    }

    #[test]
    fn a_truncated_file_is_refused_saying_where_it_ends() {
        let error = read("aad-truncated.xml", &fixture("aad-truncated.xml")).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("the file is truncated"), "{message}");
        let text = String::from_utf8(fixture("aad-truncated.xml")).unwrap();
        let lines = text.lines().count();
        assert!(
            message.starts_with(&format!("file aad-truncated.xml, line {lines}: ")),
            "{message}"
        );
        assert!(message.contains(&format!("the XML ends at line {lines}, column ")), "{message}");
    }

    #[test]
    fn other_files_are_refused_saying_what_they_are() {
        let csv = read("users.csv", b"UserPrincipalName,objectGUID\na@contoso.com,x\n");
        assert!(csv.unwrap_err().to_string().contains("it is not well-formed XML"));
        let other = read("other.xml", b"<?xml version=\"1.0\"?><users><user/></users>");
        let message = other.unwrap_err().to_string();
        assert!(message.contains("its root element is <users>, not <cs-objects>"), "{message}");
    }
}
