//! Tenant context: optional exports, beside the two user exports, that tell what those cannot:
//! who holds or is eligible for an Entra role, which domains the tenant has and how they sign
//! in, and the tenant's sync features. Admins make these by hand, so each file is recognised by
//! what its columns hold ([`ContextKind`]), not by one exact header set, and read as the exports
//! are: every encoding and delimiter, bad records kept with their line, every row accounted for.

mod builtin_roles;
mod columns;
mod domains;
mod features;
mod kind;
mod known_roles;
mod roles;
mod tenant;

pub use builtin_roles::{BuiltinRole, BUILTIN_ROLES};
pub use domains::{DomainAuthentication, KnownDomains, TenantDomain, TenantDomains};
pub use features::SyncFeatures;
pub use kind::ContextKind;
pub use known_roles::{KnownGrant, KnownRoles};
pub use roles::{Principal, RoleAssignment, RoleAssignments, RoleGrant, RoleRef};
pub use tenant::TenantContext;

use crate::engine::error::Error;
use crate::engine::read::{read_plain_table, PlainTable, Reject};

/// One tenant context file, read.
#[derive(Clone, Debug, PartialEq)]
pub enum ContextFile {
    /// Role assignments or PIM eligibilities.
    Roles(RoleAssignments),
    /// `Get-MgDomain`.
    Domains(TenantDomains),
    /// `Get-MgDirectoryOnPremiseSynchronization`'s features.
    Features(SyncFeatures),
}

impl ContextFile {
    /// Which kind of file it was recognised as.
    pub fn kind(&self) -> ContextKind {
        match self {
            ContextFile::Roles(roles) => match roles.grant {
                RoleGrant::Assigned => ContextKind::RoleAssignments,
                RoleGrant::Eligible => ContextKind::RoleEligibilities,
            },
            ContextFile::Domains(_) => ContextKind::Domains,
            ContextFile::Features(_) => ContextKind::SyncFeatures,
        }
    }

    /// The records that could not be read or used, each with where and why.
    pub fn rejects(&self) -> &[Reject] {
        match self {
            ContextFile::Roles(roles) => &roles.rejects,
            ContextFile::Domains(domains) => &domains.rejects,
            ContextFile::Features(features) => &features.rejects,
        }
    }

    /// How many records were used: with [`ContextFile::rejects`], every record of the file.
    pub fn used(&self) -> usize {
        match self {
            ContextFile::Roles(roles) => roles.assignments.len(),
            ContextFile::Domains(domains) => domains.domains.len(),
            ContextFile::Features(features) => features.used,
        }
    }
}

/// Reads a tenant context file: recognises its kind from its columns, then reads its records.
/// A file of no known kind is refused with what it looks like and the commands that make each.
pub fn read_context(name: &str, bytes: &[u8]) -> Result<ContextFile, Error> {
    let table = read_plain_table(bytes, name)?;
    let placed = |e: Error| e.in_file(None, name);
    let kind = kind::recognise(&table).map_err(|kind| placed(kind.into()))?;
    read_kind(kind, table).map_err(placed)
}

fn read_kind(kind: ContextKind, table: PlainTable) -> Result<ContextFile, Error> {
    Ok(match kind {
        ContextKind::RoleAssignments => {
            ContextFile::Roles(RoleAssignments::read(table, RoleGrant::Assigned)?)
        }
        ContextKind::RoleEligibilities => {
            ContextFile::Roles(RoleAssignments::read(table, RoleGrant::Eligible)?)
        }
        ContextKind::Domains => ContextFile::Domains(TenantDomains::read(table)?),
        ContextKind::SyncFeatures => ContextFile::Features(SyncFeatures::read(table)?),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::engine::error::ErrorKind;

    fn fixture(name: &str) -> (Vec<u8>, Result<ContextFile, Error>) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/context").join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let read = read_context(name, &bytes);
        (bytes, read)
    }

    /// The data records of a fixture: its lines less the header and any `#TYPE` line (no
    /// fixture has a field that spans lines).
    fn records(bytes: &[u8]) -> usize {
        let text = match bytes {
            [0xff, 0xfe, rest @ ..] => {
                let units: Vec<u16> =
                    rest.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
                String::from_utf16(&units).unwrap()
            }
            _ => String::from_utf8_lossy(bytes).into_owned(),
        };
        let lines = text.lines().filter(|l| !l.trim().is_empty());
        lines.filter(|l| !l.starts_with("#TYPE")).count() - 1
    }

    #[test]
    fn every_fixture_is_recognised_and_every_record_accounted_for() {
        use ContextKind::*;
        let expected = [
            ("roles-ps7.csv", RoleAssignments),
            ("roles-ps7-selected.csv", RoleAssignments),
            ("roles-ps51.csv", RoleAssignments),
            ("roles-ps51-utf16le.csv", RoleAssignments),
            ("roles-member-per-role.csv", RoleAssignments),
            ("pim-ps7.csv", RoleEligibilities),
            ("05-soft-match-roles.csv", RoleAssignments),
            ("05-soft-match-pim.csv", RoleEligibilities),
            ("domains-ps7.csv", Domains),
            ("domains-ps51-semicolon.csv", Domains),
            ("sync-features-ps7.csv", SyncFeatures),
            ("sync-features-beta-ps7.csv", SyncFeatures),
            ("sync-features-entra-ps7.csv", SyncFeatures),
        ];
        for (name, kind) in expected {
            let (bytes, read) = fixture(name);
            let file = read.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(file.kind(), kind, "{name}");
            assert!(file.rejects().is_empty(), "{name}: {:?}", file.rejects());
            assert_eq!(file.used() + file.rejects().len(), records(&bytes), "{name}");
        }
    }

    #[test]
    fn the_fixtures_say_who_holds_what() {
        let (_, read) = fixture("roles-ps7.csv");
        let Ok(ContextFile::Roles(roles)) = read else { panic!("{read:?}") };
        // The raw export names roles by definition id and principals by object id alone.
        let global_admin = uuid::Uuid::parse_str("62e90394-69f5-4237-9190-012177145e10").unwrap();
        assert_eq!(roles.assignments[0].role, RoleRef::DefinitionId(global_admin));
        assert!(roles.assignments.iter().all(|a| a.principal.upn.is_none()));
        assert!(roles.assignments.iter().all(|a| a.principal.object_id.is_some()));

        let (_, read) = fixture("roles-ps51-utf16le.csv");
        let Ok(ContextFile::Roles(roles)) = read else { panic!("{read:?}") };
        let upns: Vec<_> =
            roles.assignments.iter().filter_map(|a| a.principal.upn.as_deref()).collect();
        assert!(upns.contains(&"megan.bowen@contoso.com"), "{upns:?}");

        let (_, read) = fixture("domains-ps51-semicolon.csv");
        let Ok(ContextFile::Domains(domains)) = read else { panic!("{read:?}") };
        let federated: Vec<_> = domains
            .domains
            .iter()
            .filter(|d| d.authentication == Some(DomainAuthentication::Federated))
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(federated, ["fabrikam.com", "eu.fabrikam.com"]);
        assert_eq!(domains.get("contoso-labs.com").and_then(|d| d.verified), Some(false));

        for name in ["sync-features-ps7.csv", "sync-features-entra-ps7.csv"] {
            let (_, read) = fixture(name);
            let Ok(ContextFile::Features(features)) = read else { panic!("{name}: {read:?}") };
            assert_eq!(features.block_soft_match, Some(true), "{name}");
            assert_eq!(features.block_cloud_takeover, Some(false), "{name}");
        }
        let (_, read) = fixture("sync-features-beta-ps7.csv");
        let Ok(ContextFile::Features(features)) = read else { panic!("{read:?}") };
        assert!(features.allow_object_identifier_update.is_some());
    }

    #[test]
    fn the_top_level_sync_object_is_refused_with_the_command_that_works() {
        let (_, read) = fixture("sync-toplevel-ps7.csv");
        let error = read.unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::TypeNameInColumn { .. }), "{error}");
        assert_eq!(error.file(), Some("sync-toplevel-ps7.csv"));
    }
}
