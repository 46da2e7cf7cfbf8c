//! The on-prem export's rows made into [`OnPremUsers`] as the reader reads them: the rows are
//! never stored first, so the file's text is only ever held in the users' columns.

use super::row_values::{Layout, RowValues};
use super::{OnPremRow, OnPremSizes, OnPremUsers};
use crate::engine::columnar::{DictionaryColumn, Projection, Utf8Column, Utf8ListColumn};
use crate::engine::error::{Error, ErrorKind, Side};
use crate::engine::model::AnchorAttribute;
use crate::engine::read::{Field, Header, Reject, Row, RowSink};

/// A [`RowSink`] that makes each on-prem row a user, or a reject when it has no usable anchor.
#[derive(Debug)]
pub struct OnPremBuilder {
    anchor: AnchorAttribute,
    file_name: String,
    /// The header, once read.
    layout: Option<Layout>,
    /// The string anchor's header index (`None` when the anchor is a GUID), or why the file has
    /// no such column.
    string_column: Result<Option<usize>, Error>,
    users: OnPremUsers,
    rejects: Vec<Reject>,
    /// Rows taken, users and rejects alike.
    rows: usize,
    /// Why a user could not be stored, the first time.
    failed: Option<Error>,
}

impl OnPremBuilder {
    /// A builder for the on-prem file `file_name`, its anchor computed from `anchor`.
    pub fn new(anchor: &AnchorAttribute, file_name: &str) -> OnPremBuilder {
        OnPremBuilder {
            anchor: anchor.clone(),
            file_name: file_name.to_string(),
            layout: None,
            string_column: Ok(None),
            users: OnPremUsers::new(OnPremSizes::default()),
            rejects: Vec::new(),
            rows: 0,
            failed: None,
        }
    }

    /// The users and the rows that could not be users; an anchor column the file does not
    /// have is an error.
    pub fn finish(self) -> Result<(OnPremUsers, Vec<Reject>), Error> {
        self.string_column?;
        match self.failed {
            Some(error) => Err(error),
            None => Ok((self.users, self.rejects)),
        }
    }
}

impl RowSink for OnPremBuilder {
    fn begin(&mut self, header: &Header<'_>) {
        let headers = header.headers;
        self.string_column = match &self.anchor {
            AnchorAttribute::Column(name) => headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
                .map(Some)
                .ok_or_else(|| {
                    Error::new(ErrorKind::Usage {
                        message: format!(
                            "the anchor column `{name}` is not in the on-prem file; its columns \
                             are: {}",
                            headers.join(", ")
                        ),
                    })
                    .in_file(Some(Side::OnPrem), self.file_name.clone())
                }),
            _ => Ok(None),
        };
        let has = |field| header.columns.get(field).map(|_| 0);
        let string_anchor = self.string_column.as_ref().ok().and_then(|c| c.map(|_| 0));
        let sizes = OnPremSizes { mail: has(Field::Mail), string_anchor, ..OnPremSizes::default() };
        self.users = OnPremUsers::new(sizes);
        self.layout = Some(Layout::new(header, Side::OnPrem, &self.file_name));
    }

    fn push(&mut self, row: Row<'_>, growth: Projection) {
        self.rows += 1;
        let (Some(layout), Ok(string_column)) = (&self.layout, &self.string_column) else {
            return;
        };
        if self.failed.is_some() {
            return;
        }
        match onprem_user(&RowValues { layout, row }, &self.anchor, *string_column) {
            Ok(user) => {
                self.users.reserve(&user, growth);
                if let Err(error) = self.users.push(&user) {
                    self.failed = Some(error);
                }
            }
            Err(reject) => self.rejects.push(reject),
        }
    }

    fn len(&self) -> usize {
        self.rows
    }

    fn clear(&mut self) {
        *self = OnPremBuilder::new(&self.anchor, &self.file_name);
    }

    fn ignore(&mut self, field: Field) {
        let users = &mut self.users;
        let rows = users.len();
        match field {
            Field::DisplayName => users.name = Utf8Column::empty_rows(rows),
            Field::DistinguishedName => {
                users.dn_rdn = Utf8Column::empty_rows(rows);
                users.dn_parent = DictionaryColumn::empty_rows(rows);
            }
            Field::Mail => users.mail = None,
            Field::ProxyAddresses => users.proxy_addresses = Utf8ListColumn::empty_rows(rows),
            Field::EmployeeId => users.employee_id = Utf8Column::empty_rows(rows),
            Field::MailNickname => users.mail_nickname = Utf8Column::empty_rows(rows),
            // The others are not kept, or are essential (a type name in them fails the read).
            _ => {}
        }
        if let Some(layout) = &mut self.layout {
            layout.columns.remove(field);
        }
    }
}

fn onprem_user<'t>(
    r: &RowValues<'t>,
    anchor: &AnchorAttribute,
    string_column: Option<usize>,
) -> Result<OnPremRow<'t>, Reject> {
    let object_guid = r.guid(Field::ObjectGuid)?;
    let consistency_guid = r.guid(Field::ConsistencyGuid)?;
    let string_anchor = string_column.map_or("", |i| r.row.field(i).unwrap_or_default());
    let missing = match anchor {
        AnchorAttribute::Column(name) if string_anchor.is_empty() => {
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
        return Err(r.reject(field, ErrorKind::BadValue { value: String::new(), reason }));
    }
    Ok(OnPremRow {
        at: r.at(),
        upn: r.get(Field::UserPrincipalName).trim(),
        name: r.get(Field::DisplayName),
        sam_account_name: r.get(Field::SamAccountName).trim(),
        distinguished_name: r.get(Field::DistinguishedName),
        mail: r.get(Field::Mail).trim(),
        proxy_addresses: r.get(Field::ProxyAddresses),
        object_guid,
        consistency_guid,
        string_anchor,
        file_immutable_id: r.get(Field::ImmutableId),
        employee_id: r.get(Field::EmployeeId).trim(),
        mail_nickname: r.get(Field::MailNickname).trim(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::audit::onprem_users;
    use crate::engine::read::{read_table, read_table_into, ReadOptions};

    fn options() -> ReadOptions {
        ReadOptions {
            file_name: "onprem.csv".into(),
            side: Some(Side::OnPrem),
            ..Default::default()
        }
    }

    /// The file read straight into a builder, in chunks of `chunk` bytes.
    fn streamed(
        bytes: &[u8],
        anchor: &AnchorAttribute,
        chunk: usize,
    ) -> (OnPremUsers, Vec<Reject>) {
        let builder = OnPremBuilder::new(anchor, "onprem.csv");
        let mut chunks = |sink: &mut crate::engine::read::ChunkSink<'_>| {
            bytes.chunks(chunk).try_for_each(&mut *sink)
        };
        let table =
            read_table_into(bytes.len() as u64, &mut chunks, &options(), &mut |_| true, builder)
                .unwrap();
        table.rows.finish().unwrap()
    }

    /// Every on-prem fixture that reads, with each anchor choice, in small and large chunks
    /// (a Windows-1252 file is read twice: the builder must forget the first pass): the users
    /// and rejects are those of the table read whole and then made users.
    #[test]
    fn reading_into_users_gives_the_users_of_the_table() {
        let root = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
        // UTF-8 accents first, then a byte that is not UTF-8: read again as Windows-1252.
        let mut both_ways = b"UserPrincipalName,Name,objectGUID\r\nbad@x,B,not-a-guid\r\n".to_vec();
        for i in 0..2000 {
            both_ways.extend(
                format!("u{i}@x,Ren\u{e9},{i:08x}-196d-40ea-9779-889d79b753f0\r\n").bytes(),
            );
        }
        both_ways.extend(b"z@x,Z\xe9,35918bc9-196d-40ea-9779-889d79b753f0\r\n");
        let mut files = vec![("both-ways.csv".to_string(), both_ways)];
        for entry in std::fs::read_dir(&root).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with("onprem") {
                files.push((name, std::fs::read(entry.path()).unwrap()));
            }
        }
        let mut checked = 0;
        for (name, bytes) in files {
            let Ok(table) = read_table(&bytes, &options()) else { continue };
            if name == "both-ways.csv" {
                assert_eq!(table.info.encoding, crate::engine::read::TextEncoding::Windows1252);
                assert_eq!(table.rows.len(), 2002);
            }
            for anchor in [
                AnchorAttribute::ConsistencyGuidElseObjectGuid,
                AnchorAttribute::ObjectGuid,
                AnchorAttribute::Column("employeeID".into()),
            ] {
                let Ok(whole) = onprem_users(&table, &anchor) else { continue };
                for chunk in [5, 1 << 20] {
                    assert_eq!(
                        streamed(&bytes, &anchor, chunk),
                        whole,
                        "{name} {anchor:?} {chunk}"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 15, "{checked} files and anchors");
    }

    /// A column found to hold a type name only after some rows is ignored in every row, as
    /// if the export had not had it (the warning says so).
    #[test]
    fn a_column_ignored_at_the_end_is_empty_in_every_user() {
        let csv = "UserPrincipalName,objectGUID,Name,mail,proxyAddresses,distinguishedName,employeeID\r\n\
                   a@x,35918bc9-196d-40ea-9779-889d79b753f0,A,a@x,SMTP:a@x,CN=A,1\r\n\
                   b@x,45918bc9-196d-40ea-9779-889d79b753f0,System.String[],System.Object[],System.Object[],System.String[],System.Object[]\r\n";
        let (users, rejects) = streamed(csv.as_bytes(), &AnchorAttribute::ObjectGuid, 1 << 20);
        assert!(rejects.is_empty());
        assert_eq!(users.len(), 2);
        for user in users.iter() {
            assert_eq!(
                (user.name(), user.mail(), &*user.distinguished_name(), user.employee_id()),
                ("", None, "", "")
            );
            assert_eq!(user.proxy_addresses().count(), 0);
            assert!(user.object_guid().is_some());
        }
    }
}
