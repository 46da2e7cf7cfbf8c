//! Checks on whole columns that make an export unusable or misleading, each answered with the
//! PowerShell that exports it right.

use std::collections::BTreeMap;

use super::columns::{ColumnMap, Field};
use super::row::Row;
use super::warning::{Warning, WarningKind};
use crate::engine::error::{truncate, Error, ErrorKind, Position, Side};

/// The on-prem export with every column the report uses, binary and multi-valued attributes
/// converted to text (Export-Csv otherwise writes `System.Byte[]` / the collection's type name).
pub const AD_EXPORT: &str = "Get-ADUser -Filter * -Properties objectGUID,mail,proxyAddresses,\
mS-DS-ConsistencyGuid | Select-Object UserPrincipalName,Name,SamAccountName,DistinguishedName,\
objectGUID,mail,@{n='proxyAddresses';e={$_.proxyAddresses -join ';'}},\
@{n='mS-DS-ConsistencyGuid';e={if($_.'mS-DS-ConsistencyGuid'){[Convert]::ToBase64String(\
$_.'mS-DS-ConsistencyGuid')}}} | Export-Csv -NoTypeInformation -Encoding UTF8 onprem.csv";

/// The cloud export through Microsoft Graph PowerShell. `-Property` is required: without it
/// Get-MgUser leaves OnPremisesImmutableId and OnPremisesSyncEnabled empty.
pub const GRAPH_EXPORT: &str = "Get-MgUser -All -Property Id,DisplayName,UserPrincipalName,\
OnPremisesImmutableId,OnPremisesSyncEnabled,Mail,ProxyAddresses | Select-Object Id,DisplayName,\
UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled,Mail,\
@{n='ProxyAddresses';e={$_.ProxyAddresses -join ';'}} | Export-Csv -NoTypeInformation \
-Encoding UTF8 cloud.csv";

fn export_for(side: Option<Side>) -> String {
    match side {
        Some(Side::OnPrem) => AD_EXPORT.to_string(),
        Some(Side::Cloud) => GRAPH_EXPORT.to_string(),
        None => format!("{AD_EXPORT}\n(or, for the cloud export:)\n{GRAPH_EXPORT}"),
    }
}

fn missing(column: &str, side: Option<Side>) -> ErrorKind {
    ErrorKind::MissingColumn { column: column.to_string(), fix: export_for(side) }
}

/// Fails when a column the report cannot do without is absent.
pub(crate) fn required_columns(
    side: Option<Side>,
    columns: &ColumnMap,
    overrides: &BTreeMap<Field, String>,
) -> Result<(), ErrorKind> {
    let has = |f: Field| columns.has(f);
    match side {
        Some(Side::Cloud) => {
            if !has(Field::UserPrincipalName) {
                return Err(missing("`UserPrincipalName`", side));
            }
            if !has(Field::ImmutableId) {
                return Err(missing("`ImmutableId` (Graph: `OnPremisesImmutableId`)", side));
            }
        }
        Some(Side::OnPrem) => {
            if !has(Field::UserPrincipalName) && !has(Field::SamAccountName) {
                return Err(missing("`UserPrincipalName` (or `SamAccountName`)", side));
            }
            let other_anchor = [Field::ConsistencyGuid, Field::EmployeeId, Field::ImmutableId]
                .iter()
                .any(|f| overrides.contains_key(f));
            if !has(Field::ObjectGuid) && !other_anchor {
                return Err(missing("`objectGUID`", side));
            }
        }
        None => {
            if !has(Field::UserPrincipalName) && !has(Field::SamAccountName) {
                return Err(missing("`UserPrincipalName`", side));
            }
            if ![Field::ObjectGuid, Field::ImmutableId, Field::ConsistencyGuid]
                .iter()
                .any(|&f| has(f))
            {
                return Err(missing("`objectGUID` or `ImmutableId`", side));
            }
        }
    }
    Ok(())
}

/// Whether a value is the name of a .NET type that Export-Csv wrote instead of the values.
fn type_name(value: &str) -> Option<&str> {
    // Every name below starts with `System.` or `Microsoft.`: when the first byte is visible
    // ASCII it stays first after trimming, so other values are rejected without the (Unicode)
    // trim.
    let prefixed = |v: &str| v.starts_with("System.") || v.starts_with("Microsoft.");
    match value.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() && !prefixed(value) => return None,
        None => return None,
        _ => {}
    }
    let v = value.trim();
    let is_type = (v.starts_with("System.") && v.ends_with("[]"))
        || v.starts_with("System.Collections.")
        || v == "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection"
        || (v.starts_with("Microsoft.Graph.PowerShell.Models.") && !v.contains(' '));
    is_type.then_some(v)
}

/// Fields the match cannot do without: a type name in them is an error, elsewhere a warning.
const ESSENTIAL: &[Field] = &[
    Field::UserPrincipalName,
    Field::SamAccountName,
    Field::ObjectGuid,
    Field::ConsistencyGuid,
    Field::ImmutableId,
];

/// The checks on whole columns, made as each row is read, in the same pass: the first type name
/// in each mapped column, whether each column has a value, and the first value with letters lost
/// to `?`. Their verdicts are given once the file is read.
#[derive(Debug, Default)]
pub(crate) struct ColumnChecks {
    /// Each mapped column's field and header index.
    mapped: Vec<(Field, usize)>,
    /// Per mapped column, the first row holding a type name: where, and the name.
    type_names: Vec<Option<(Position, String)>>,
    /// Mapped columns with no type name found yet.
    searching: usize,
    /// Per mapped column, whether a row has a value that is not blank.
    filled: Vec<bool>,
    /// The first value with a letter lost to `?`: where, its header index and the value.
    question_mark: Option<(Position, usize, String)>,
    /// Whether a row had text that is not ASCII: the file is then not ASCII, and `?`s are
    /// not looked for any more.
    non_ascii: bool,
}

impl ColumnChecks {
    /// Checks for the columns of `columns`.
    pub(crate) fn new(columns: &ColumnMap) -> ColumnChecks {
        let mapped: Vec<(Field, usize)> = columns.iter().collect();
        ColumnChecks {
            type_names: vec![None; mapped.len()],
            searching: mapped.len(),
            filled: vec![false; mapped.len()],
            mapped,
            question_mark: None,
            non_ascii: false,
        }
    }

    /// Looks at one data row.
    pub(crate) fn row(&mut self, row: Row<'_>) {
        let columns = self.mapped.iter().zip(self.type_names.iter_mut().zip(&mut self.filled));
        for (&(_, index), (found, filled)) in columns {
            let Some(value) = row.field(index) else { continue };
            if !*filled {
                *filled = !value.trim().is_empty();
            }
            if self.searching > 0 && found.is_none() {
                if let Some(name) = type_name(value) {
                    *found = Some((row.position(), name.to_string()));
                    self.searching -= 1;
                }
            }
        }
        if self.question_mark.is_some() || self.non_ascii {
            return;
        }
        let text = row.joined();
        self.non_ascii = !text.is_ascii();
        if !self.non_ascii && text.contains('?') {
            if let Some((index, value)) = row.fields().enumerate().find(|(_, v)| lost_letter(v)) {
                self.question_mark = Some((row.position(), index, truncate(value, 60)));
            }
        }
    }

    /// Columns holding type names: an error for the essential ones, otherwise a warning, and
    /// the column is ignored (taken out of `columns`, and `ignored` told).
    pub(crate) fn type_names(
        &self,
        side: Option<Side>,
        headers: &[String],
        columns: &mut ColumnMap,
        warnings: &mut Vec<Warning>,
        ignored: &mut dyn FnMut(Field),
    ) -> Result<(), Error> {
        for (&(field, index), found) in self.mapped.iter().zip(&self.type_names) {
            let Some((position, type_name)) = found else {
                continue;
            };
            let type_name = type_name.clone();
            let header = headers.get(index).cloned().unwrap_or_default();
            let expression = if type_name == "System.Byte[]" {
                format!(
                    "@{{n='{header}';e={{if($_.'{header}'){{[Convert]::ToBase64String($_.'{header}')}}}}}}"
                )
            } else {
                format!("@{{n='{header}';e={{$_.'{header}' -join ';'}}}}")
            };
            let fix = format!(
                "in Select-Object, put\n  {expression}\nin place of `{header}`. For example:\n{}",
                export_for(side)
            );
            let position = position.clone().with_column(header.clone());
            if ESSENTIAL.contains(&field) {
                let kind = ErrorKind::TypeNameInColumn { column: header, type_name, fix };
                return Err(Error::new(kind).at(position));
            }
            warnings.push(Warning {
                kind: WarningKind::ColumnIgnored,
                message: format!(
                    "the column `{header}` holds `{type_name}` instead of values, so it is \
                     ignored; to use it, {fix}"
                ),
                position: Some(position),
            });
            columns.remove(field);
            ignored(field);
        }
        Ok(())
    }

    /// Fails when the anchor column is there but empty in every one of the `rows` rows
    /// (Get-MgUser without `-Property`, the tutorial's Graph variant).
    pub(crate) fn empty_anchor(
        &self,
        side: Option<Side>,
        headers: &[String],
        columns: &ColumnMap,
        overrides: &BTreeMap<Field, String>,
        rows: usize,
    ) -> Result<(), ErrorKind> {
        let anchor = match side {
            Some(Side::Cloud) => Field::ImmutableId,
            Some(Side::OnPrem) if !columns.has(Field::ObjectGuid) => {
                match [Field::ConsistencyGuid, Field::EmployeeId, Field::ImmutableId]
                    .into_iter()
                    .find(|f| overrides.contains_key(f))
                {
                    Some(field) => field,
                    None => return Ok(()),
                }
            }
            Some(Side::OnPrem) => Field::ObjectGuid,
            None => return Ok(()),
        };
        let Some(index) = columns.get(anchor) else {
            return Ok(());
        };
        let filled = self.mapped.iter().zip(&self.filled).any(|(&(_, i), &f)| i == index && f);
        if rows == 0 || filled {
            return Ok(());
        }
        Err(ErrorKind::EmptyAnchorColumn {
            column: headers.get(index).cloned().unwrap_or_default(),
            fix: export_for(side),
        })
    }

    /// Windows PowerShell 5.1 `Export-Csv` writes ASCII by default, turning every non-ASCII
    /// letter into `?`: such names no longer match, so say which and how to export again. (Only
    /// asked of a file read as ASCII, whose rows are all ASCII.)
    pub(crate) fn question_marks(&self, headers: &[String]) -> Option<Warning> {
        let (position, index, value) = self.question_mark.as_ref()?;
        let header = headers.get(*index).cloned().unwrap_or_default();
        Some(Warning {
            kind: WarningKind::QuestionMarks,
            message: format!(
                "`{value}` (line {}, column `{header}`) has `?` where a letter should be: \
                 Windows PowerShell 5.1's Export-Csv writes ASCII unless told otherwise and turns \
                 letters like é or ø into `?`. Export again with `-Encoding UTF8`.",
                position.line
            ),
            position: Some(position.clone().with_column(header)),
        })
    }
}

/// Whether a `?` in a value stands next to a letter, as where Export-Csv wrote one for it.
fn lost_letter(value: &str) -> bool {
    if !value.contains('?') {
        return false;
    }
    let chars: Vec<char> = value.chars().collect();
    chars
        .windows(2)
        .any(|w| (w[0] == '?' && w[1].is_alphabetic()) || (w[1] == '?' && w[0].is_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::read::table::RaggedRows;

    /// The checks of `columns` fed `values` as rows (lines from 2, records from 1), and how
    /// many rows.
    fn checked(columns: &ColumnMap, values: &[&[&str]]) -> (ColumnChecks, usize) {
        let mut rows = RaggedRows::default();
        for (i, v) in values.iter().enumerate() {
            rows.push(i as u64 + 2, i as u64 + 1, v.iter().copied());
        }
        let rows = rows.finish(values.first().map_or(0, |v| v.len()));
        let mut checks = ColumnChecks::new(columns);
        rows.iter().for_each(|row| checks.row(row));
        (checks, rows.len())
    }

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// Side, headers, overrides, and a part of the error expected (`None`: no error).
    type RequiredCase<'a> =
        (Option<Side>, &'a [&'a str], &'a BTreeMap<Field, String>, Option<&'a str>);

    #[test]
    fn required() {
        let none = BTreeMap::new();
        let mut anchor_override = BTreeMap::new();
        anchor_override.insert(Field::ConsistencyGuid, "msDS-ConsistencyGuid".to_string());
        let cases: &[RequiredCase] = &[
            (Some(Side::Cloud), &["UserPrincipalName", "ImmutableId"], &none, None),
            (Some(Side::Cloud), &["UserPrincipalName"], &none, Some("`ImmutableId`")),
            (Some(Side::Cloud), &["ImmutableId"], &none, Some("`UserPrincipalName`")),
            (Some(Side::OnPrem), &["SamAccountName", "objectGUID"], &none, None),
            (Some(Side::OnPrem), &["Name", "objectGUID"], &none, Some("`UserPrincipalName`")),
            (Some(Side::OnPrem), &["UserPrincipalName", "Name"], &none, Some("`objectGUID`")),
            (Some(Side::OnPrem), &["UserPrincipalName", "Name"], &anchor_override, None),
            (None, &["UserPrincipalName", "Mail"], &none, Some("`objectGUID` or `ImmutableId`")),
        ];
        for (side, names, overrides, expected) in cases {
            let columns = ColumnMap::detect(&headers(names));
            let got = required_columns(*side, &columns, overrides).err().map(|e| e.to_string());
            match expected {
                None => assert_eq!(got, None, "{names:?}"),
                Some(needle) => {
                    let text = got.unwrap_or_default();
                    assert!(text.contains(needle), "{names:?}: {text}");
                    assert!(
                        text.contains("Export-Csv -NoTypeInformation -Encoding UTF8"),
                        "{text}"
                    );
                }
            }
        }
    }

    #[test]
    fn byte_array_in_consistency_guid_is_an_error_with_the_fix() {
        let h = headers(&["UserPrincipalName", "objectGUID", "mS-DS-ConsistencyGuid"]);
        let mut columns = ColumnMap::detect(&h);
        let (checks, _) = checked(&columns, &[&["a@x", "g", ""], &["b@x", "g", "System.Byte[]"]]);
        let err = checks
            .type_names(Some(Side::OnPrem), &h, &mut columns, &mut Vec::new(), &mut |_| {})
            .unwrap_err();
        assert_eq!(
            err.position(),
            Some(&Position::line(3, 2).with_column("mS-DS-ConsistencyGuid"))
        );
        let text = err.to_string();
        assert!(text.starts_with("line 3, column `mS-DS-ConsistencyGuid`: "), "{text}");
        assert!(text.contains("[Convert]::ToBase64String($_.'mS-DS-ConsistencyGuid')"), "{text}");
    }

    #[test]
    fn collections_in_proxy_addresses_are_a_warning_and_ignored() {
        let cases = [
            "System.Object[]",
            "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection",
            "System.String[]",
            "System.Collections.Generic.List`1[System.String]",
        ];
        for type_name in cases {
            let h = headers(&["UserPrincipalName", "objectGUID", "proxyAddresses"]);
            let mut columns = ColumnMap::detect(&h);
            let (checks, _) = checked(&columns, &[&["a@x", "g", type_name]]);
            let (mut warnings, mut ignored) = (Vec::new(), Vec::new());
            checks
                .type_names(Some(Side::OnPrem), &h, &mut columns, &mut warnings, &mut |f| {
                    ignored.push(f)
                })
                .unwrap();
            assert!(!columns.has(Field::ProxyAddresses));
            assert_eq!(ignored, [Field::ProxyAddresses]);
            assert_eq!(warnings[0].kind, WarningKind::ColumnIgnored);
            assert!(warnings[0].message.contains("$_.'proxyAddresses' -join ';'"), "{type_name}");
        }
    }

    #[test]
    fn type_names_are_found_behind_any_whitespace_and_only_there() {
        let cases: &[(&str, Option<&str>)] = &[
            ("System.Byte[]", Some("System.Byte[]")),
            (" \u{B}\u{A0}System.Byte[] ", Some("System.Byte[]")),
            (
                "\tMicrosoft.ActiveDirectory.Management.ADPropertyValueCollection",
                Some("Microsoft.ActiveDirectory.Management.ADPropertyValueCollection"),
            ),
            ("Smith", None),
            ("System", None),
            ("Microsoft Teams Rooms", None),
            ("jane@contoso.com", None),
            ("", None),
            ("é System.Byte[]", None),
        ];
        for &(value, expected) in cases {
            assert_eq!(type_name(value), expected, "{value:?}");
        }
    }

    #[test]
    fn empty_anchor_column() {
        let h = headers(&["UserPrincipalName", "OnPremisesImmutableId"]);
        let columns = ColumnMap::detect(&h);
        let none = BTreeMap::new();
        let (empty, rows) = checked(&columns, &[&["a@x", ""], &["b@x", " "]]);
        let err = empty.empty_anchor(Some(Side::Cloud), &h, &columns, &none, rows).unwrap_err();
        assert!(err.to_string().contains("`OnPremisesImmutableId`"));
        assert!(err.to_string().contains("Get-MgUser -All -Property"));
        let (some, rows) = checked(&columns, &[&["a@x", ""], &["b@x", "yYuRNW0Z6kCXeYidebdT8A=="]]);
        assert_eq!(some.empty_anchor(Some(Side::Cloud), &h, &columns, &none, rows), Ok(()));
        // No rows at all is another error, not this one.
        let (none_read, _) = checked(&columns, &[]);
        assert_eq!(none_read.empty_anchor(Some(Side::Cloud), &h, &columns, &none, 0), Ok(()));
    }

    #[test]
    fn question_marks_name_value_and_line() {
        let h = headers(&["UserPrincipalName", "Name"]);
        let cases: &[(&[&str], Option<&str>)] = &[
            (&["rene@x", "Ren? Dupont"], Some("`Ren? Dupont` (line 2, column `Name`)")),
            (&["s@x", "?ren"], Some("`?ren`")),
            (&["q@x", "Why? "], Some("`Why? `")),
            (&["q@x", "Who ? knows"], None),
            (&["q@x", "??"], None),
        ];
        for (values, expected) in cases {
            let (checks, _) = checked(&ColumnMap::detect(&h), &[values]);
            let got = checks.question_marks(&h).map(|w| w.message);
            match expected {
                None => assert_eq!(got, None),
                Some(needle) => assert!(got.unwrap_or_default().contains(needle), "{values:?}"),
            }
        }
    }
}
