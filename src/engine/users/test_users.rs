//! Owned users for tests, with the values as plain fields, made into tables in one call: tests
//! write a user as a struct literal and change one value at a time.

use uuid::Uuid;

use super::{CloudRow, CloudSizes, CloudUsers, OnPremRow, OnPremSizes, OnPremUsers};
use crate::engine::model::RowRef;

/// An on-prem user for a test. `mail`, `string_anchor`: a table gets the column when any of
/// its users has a value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestOnPremUser {
    pub at: RowRef,
    pub upn: String,
    pub name: String,
    pub sam_account_name: String,
    pub distinguished_name: String,
    pub mail: Option<String>,
    pub proxy_addresses: Vec<String>,
    pub object_guid: Option<Uuid>,
    pub consistency_guid: Option<Uuid>,
    pub string_anchor: Option<String>,
    pub file_immutable_id: Option<String>,
    pub employee_id: String,
    pub mail_nickname: String,
}

/// A cloud user for a test. `file_object_guid`: the table gets the column when any of its
/// users has a value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestCloudUser {
    pub at: RowRef,
    pub upn: String,
    pub name: String,
    pub mail: String,
    pub proxy_addresses: Vec<String>,
    pub immutable_id: String,
    pub synced: Option<bool>,
    pub object_id: String,
    pub on_premises_object_identifier: String,
    pub file_object_guid: Option<String>,
}

/// The users as a table, in order.
pub fn onprem_table(users: &[TestOnPremUser]) -> OnPremUsers {
    let mail = users.iter().any(|u| u.mail.is_some());
    let string_anchor = users.iter().any(|u| u.string_anchor.is_some());
    let sizes = OnPremSizes {
        rows: users.len(),
        mail: mail.then_some(0),
        string_anchor: string_anchor.then_some(0),
        ..OnPremSizes::default()
    };
    let mut table = OnPremUsers::new(sizes);
    for u in users {
        let proxy_addresses = u.proxy_addresses.join(";");
        table
            .push(&OnPremRow {
                at: u.at,
                upn: &u.upn,
                name: &u.name,
                sam_account_name: &u.sam_account_name,
                distinguished_name: &u.distinguished_name,
                mail: u.mail.as_deref().unwrap_or_default(),
                proxy_addresses: &proxy_addresses,
                object_guid: u.object_guid,
                consistency_guid: u.consistency_guid,
                string_anchor: u.string_anchor.as_deref().unwrap_or_default(),
                file_immutable_id: u.file_immutable_id.as_deref().unwrap_or_default(),
                employee_id: &u.employee_id,
                mail_nickname: &u.mail_nickname,
            })
            .expect("a test's users fit a column");
    }
    table
}

/// The users as a table, in order.
pub fn cloud_table(users: &[TestCloudUser]) -> CloudUsers {
    let file_object_guid = users.iter().any(|u| u.file_object_guid.is_some());
    let sizes = CloudSizes {
        rows: users.len(),
        file_object_guid: file_object_guid.then_some(0),
        ..CloudSizes::default()
    };
    let mut table = CloudUsers::new(sizes);
    for u in users {
        let proxy_addresses = u.proxy_addresses.join(";");
        table
            .push(&CloudRow {
                at: u.at,
                upn: &u.upn,
                name: &u.name,
                mail: &u.mail,
                proxy_addresses: &proxy_addresses,
                immutable_id: &u.immutable_id,
                synced: u.synced,
                object_id: &u.object_id,
                on_premises_object_identifier: &u.on_premises_object_identifier,
                file_object_guid: u.file_object_guid.as_deref().unwrap_or_default(),
            })
            .expect("a test's users fit a column");
    }
    table
}
