//! The whole run: read both exports, turn rows into users, match them, and account for every row.
//!
//! ```
//! use anchor_audit::engine::audit::{audit, AuditOptions, Input};
//! use anchor_audit::engine::report::Category;
//!
//! let onprem = "UserPrincipalName,Name,SamAccountName,objectGUID\n\
//!               ada@contoso.com,Ada,ada,35918bc9-196d-40ea-9779-889d79b753f0\n";
//! let cloud = "UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled\n\
//!              ada@contoso.com,yYuRNW0Z6kCXeYidebdT8A==,True\n";
//! let result = audit(
//!     Input { name: "onprem.csv", bytes: onprem.as_bytes() },
//!     Input { name: "cloud.csv", bytes: cloud.as_bytes() },
//!     &AuditOptions::default(),
//! )
//! .unwrap();
//! assert_eq!(result.report.counts().get(Category::HardMatch), 1);
//! assert!(result.accounting.iter().all(|a| a.balanced()));
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::error::{Error, ErrorKind, Position, Side};
use crate::engine::guid::parse_guid;
use crate::engine::matching::{match_users, MatchOptions};
use crate::engine::model::{split_proxy_addresses, AnchorAttribute, CloudUser, OnPremUser, RowRef};
use crate::engine::read::{
    read_table_with_progress, Field, FileInfo, Progress, ReadOptions, Reject, Row, Table, Warning,
};
use crate::engine::report::MatchReport;

/// One export handed to [`audit`].
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// The file's name, for messages.
    pub name: &'a str,
    /// Its bytes, as read from disk.
    pub bytes: &'a [u8],
}

/// Everything the caller can choose.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditOptions {
    /// The anchor attribute and tenant switches.
    pub matching: MatchOptions,
    /// Column choices for the on-prem file (field → header name).
    pub onprem_columns: BTreeMap<Field, String>,
    /// Column choices for the cloud file.
    pub cloud_columns: BTreeMap<Field, String>,
    /// Refuse files larger than this many bytes.
    pub max_bytes: Option<u64>,
}

/// What was read from one file, beside its users.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    /// Which side.
    pub side: Side,
    /// Name, encoding, format, detected source.
    pub info: FileInfo,
    /// The headers as in the file.
    pub headers: Vec<String>,
    /// Notes about the whole file.
    pub warnings: Vec<Warning>,
}

/// How one file's rows are accounted for: every data record read is either in an entry of the
/// report or in the unreadable list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accounting {
    /// Which side.
    pub side: Side,
    /// Data records in the file.
    pub records: u64,
    /// Records that are users in the report.
    pub in_report: u64,
    /// Records that could not be read (see [`Audit::unreadable`]).
    pub unreadable: u64,
}

impl Accounting {
    /// Whether every record is accounted for exactly once.
    pub fn balanced(&self) -> bool {
        self.records == self.in_report + self.unreadable
    }
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    /// The on-prem file.
    pub onprem: FileSummary,
    /// The cloud file.
    pub cloud: FileSummary,
    /// The verdicts.
    pub report: MatchReport,
    /// Every record that could not be read, on-prem first, each in file order.
    pub unreadable: Vec<Reject>,
    /// On-prem, then cloud.
    pub accounting: [Accounting; 2],
}

/// A stage of the run, for progress reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Reading the on-prem file.
    ReadingOnPrem,
    /// Reading the cloud file.
    ReadingCloud,
    /// Matching.
    Matching,
}

/// Reads both exports and matches them.
pub fn audit(onprem: Input, cloud: Input, options: &AuditOptions) -> Result<Audit, Error> {
    audit_with_progress(onprem, cloud, options, &mut |_, _| true)
}

/// [`audit`], calling `progress` as it reads; returning `false` from it cancels the run.
pub fn audit_with_progress(
    onprem: Input,
    cloud: Input,
    options: &AuditOptions,
    progress: &mut dyn FnMut(Stage, Progress) -> bool,
) -> Result<Audit, Error> {
    let onprem_options = ReadOptions {
        file_name: onprem.name.to_string(),
        side: Some(Side::OnPrem),
        columns: options.onprem_columns.clone(),
        max_bytes: options.max_bytes,
    };
    let cloud_options = ReadOptions {
        file_name: cloud.name.to_string(),
        side: Some(Side::Cloud),
        columns: options.cloud_columns.clone(),
        max_bytes: options.max_bytes,
    };
    let onprem_table = read_table_with_progress(onprem.bytes, &onprem_options, &mut |p| {
        progress(Stage::ReadingOnPrem, p)
    });
    // A file in the wrong slot is only worth a swap when the other one is wrong too.
    let onprem_table = match onprem_table {
        Err(e) if matches!(e.kind, ErrorKind::WrongSide { .. }) => {
            let swapped = ReadOptions {
                side: None,
                ..cloud_options.clone()
            };
            let cloud_detected = read_table_with_progress(cloud.bytes, &swapped, &mut |p| {
                progress(Stage::ReadingCloud, p)
            });
            return Err(match cloud_detected {
                Ok(t) if t.info.detection.side == Some(Side::OnPrem) => {
                    Error::new(ErrorKind::Swapped)
                }
                _ => e,
            });
        }
        other => other?,
    };
    let cloud_table = read_table_with_progress(cloud.bytes, &cloud_options, &mut |p| {
        progress(Stage::ReadingCloud, p)
    })?;
    let done = Progress {
        bytes_done: 0,
        bytes_total: 0,
        records: 0,
    };
    if !progress(Stage::Matching, done) {
        return Err(Error::new(ErrorKind::Cancelled));
    }

    let anchor = &options.matching.anchor;
    let (onprem_users, onprem_rejects) = onprem_users(&onprem_table, anchor)?;
    let (cloud_users, cloud_rejects) = cloud_users(&cloud_table);
    let report = match_users(onprem_users, cloud_users, &options.matching);
    let counts = report.counts();

    let mut unreadable = Vec::new();
    let mut accounting = Vec::with_capacity(2);
    for (side, table, rejects, in_report) in [
        (
            Side::OnPrem,
            &onprem_table,
            onprem_rejects,
            counts.onprem_rows,
        ),
        (Side::Cloud, &cloud_table, cloud_rejects, counts.cloud_rows),
    ] {
        let mut all: Vec<Reject> = table.rejects.iter().cloned().chain(rejects).collect();
        all.sort_by_key(|r| r.error.position.as_ref().map_or(0, |p| p.record));
        accounting.push(Accounting {
            side,
            records: (table.rows.len() + table.rejects.len()) as u64,
            in_report,
            unreadable: all.len() as u64,
        });
        unreadable.extend(all);
    }
    Ok(Audit {
        onprem: summary(Side::OnPrem, onprem_table),
        cloud: summary(Side::Cloud, cloud_table),
        report,
        unreadable,
        accounting: [accounting[0], accounting[1]],
    })
}

fn summary(side: Side, table: Table) -> FileSummary {
    FileSummary {
        side,
        info: table.info,
        headers: table.headers,
        warnings: table.warnings,
    }
}

/// One row's values, with errors placed at the row's line and the column's header.
struct RowReader<'t> {
    table: &'t Table,
    row: &'t Row,
    side: Side,
}

impl RowReader<'_> {
    fn get(&self, field: Field) -> &str {
        self.row.get(&self.table.columns, field).unwrap_or("")
    }

    fn has(&self, field: Field) -> bool {
        self.table.columns.get(field).is_some()
    }

    fn at(&self) -> RowRef {
        RowRef {
            line: self.row.line,
            record: self.row.record,
        }
    }

    fn reject(&self, field: Option<Field>, kind: ErrorKind) -> Reject {
        let mut position = Position::line(self.row.line, self.row.record);
        if let Some(header) =
            field.and_then(|f| self.table.columns.header_of(f, &self.table.headers))
        {
            position = position.with_column(header);
        }
        Reject {
            error: Error::new(kind)
                .in_file(Some(self.side), self.table.info.name.clone())
                .at(position),
            raw: self.row.fields.join(","),
        }
    }

    /// A GUID column in any spelling; empty is `None`.
    fn guid(&self, field: Field) -> Result<Option<uuid::Uuid>, Reject> {
        let value = self.get(field).trim();
        if value.is_empty() {
            return Ok(None);
        }
        parse_guid(value)
            .map(|parsed| Some(parsed.guid))
            .map_err(|e| {
                self.reject(
                    Some(field),
                    ErrorKind::BadGuid {
                        value: value.to_string(),
                        reason: e.to_string(),
                    },
                )
            })
    }
}

/// The on-prem rows as users; rows without a usable anchor are unreadable.
pub fn onprem_users(
    table: &Table,
    anchor: &AnchorAttribute,
) -> Result<(Vec<OnPremUser>, Vec<Reject>), Error> {
    let string_column = match anchor {
        AnchorAttribute::Column(name) => Some(
            table
                .headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| {
                    Error::new(ErrorKind::Usage {
                        message: format!(
                            "the anchor column `{name}` is not in the on-prem file; its columns \
                             are: {}",
                            table.headers.join(", ")
                        ),
                    })
                    .in_file(Some(Side::OnPrem), table.info.name.clone())
                })?,
        ),
        _ => None,
    };
    let mut users = Vec::with_capacity(table.rows.len());
    let mut rejects = Vec::new();
    for row in &table.rows {
        let reader = RowReader {
            table,
            row,
            side: Side::OnPrem,
        };
        match onprem_user(&reader, anchor, string_column) {
            Ok(user) => users.push(user),
            Err(reject) => rejects.push(reject),
        }
    }
    Ok((users, rejects))
}

fn onprem_user(
    r: &RowReader,
    anchor: &AnchorAttribute,
    string_column: Option<usize>,
) -> Result<OnPremUser, Reject> {
    let object_guid = r.guid(Field::ObjectGuid)?;
    let consistency_guid = r.guid(Field::ConsistencyGuid)?;
    let string_anchor = string_column.map(|i| r.row.fields.get(i).cloned().unwrap_or_default());
    let missing = match anchor {
        AnchorAttribute::Column(name) if string_anchor.as_deref().is_none_or(str::is_empty) => {
            Some((None, format!("{name} is empty: Entra Connect cannot provision an object without its source anchor")))
        }
        AnchorAttribute::ObjectGuid | AnchorAttribute::ConsistencyGuidElseObjectGuid
            if object_guid.is_none() && consistency_guid.is_none() =>
        {
            Some((Some(Field::ObjectGuid), "objectGUID is empty: no anchor can be computed".to_string()))
        }
        _ => None,
    };
    if let Some((field, reason)) = missing {
        return Err(r.reject(
            field,
            ErrorKind::BadValue {
                value: String::new(),
                reason,
            },
        ));
    }
    let file_immutable_id = Some(r.get(Field::ImmutableId).to_string()).filter(|v| !v.is_empty());
    Ok(OnPremUser {
        at: r.at(),
        upn: r.get(Field::UserPrincipalName).trim().to_string(),
        name: r.get(Field::DisplayName).to_string(),
        sam_account_name: r.get(Field::SamAccountName).trim().to_string(),
        distinguished_name: r.get(Field::DistinguishedName).to_string(),
        mail: r.get(Field::Mail).trim().to_string(),
        proxy_addresses: split_proxy_addresses(r.get(Field::ProxyAddresses)),
        object_guid,
        consistency_guid,
        string_anchor,
        file_immutable_id,
        employee_id: r.get(Field::EmployeeId).trim().to_string(),
    })
}

/// The cloud rows as users; a row without a UPN is unreadable (every Entra user has one).
pub fn cloud_users(table: &Table) -> (Vec<CloudUser>, Vec<Reject>) {
    let mut users = Vec::with_capacity(table.rows.len());
    let mut rejects = Vec::new();
    for row in &table.rows {
        let r = RowReader {
            table,
            row,
            side: Side::Cloud,
        };
        let upn = r.get(Field::UserPrincipalName).trim();
        if upn.is_empty() {
            let reason = "userPrincipalName is empty: every Entra ID user has one, so this row \
                          is damaged"
                .to_string();
            rejects.push(r.reject(
                Some(Field::UserPrincipalName),
                ErrorKind::BadValue {
                    value: String::new(),
                    reason,
                },
            ));
            continue;
        }
        let synced = if r.has(Field::SyncEnabled) {
            parse_bool(r.get(Field::SyncEnabled))
        } else if r.has(Field::LastDirSyncTime) {
            Some(!r.get(Field::LastDirSyncTime).trim().is_empty())
        } else {
            None
        };
        let file_object_guid = if r.has(Field::ObjectGuid) {
            Some(r.get(Field::ObjectGuid).to_string())
        } else {
            None
        };
        users.push(CloudUser {
            at: r.at(),
            upn: upn.to_string(),
            name: r.get(Field::DisplayName).to_string(),
            mail: r.get(Field::Mail).trim().to_string(),
            proxy_addresses: split_proxy_addresses(r.get(Field::ProxyAddresses)),
            immutable_id: r.get(Field::ImmutableId).to_string(),
            synced,
            object_id: r.get(Field::ObjectId).trim().to_string(),
            on_premises_object_identifier: r.get(Field::OnPremisesObjectIdentifier).to_string(),
            file_object_guid,
        });
    }
    (users, rejects)
}

/// PowerShell writes `True` / `False`; the admin center `Yes` / `No`.
fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}
