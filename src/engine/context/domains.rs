//! The tenant's domains (`Get-MgDomain`): which UPN suffixes Entra accepts, and which sign in
//! through a federation service (whose users' ImmutableID cannot be set while their UPN is there).

use serde::{Deserialize, Serialize};

use super::columns::{find, read_rows, Column};
use crate::engine::error::{Error, ErrorKind};
use crate::engine::model::fold_cow;
use crate::engine::read::{PlainTable, Reject, Row};

/// The columns that name a domain, in order of preference.
pub(super) const NAME: [&str; 3] = ["Id", "Name", "DomainName"];

/// How a domain's users sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainAuthentication {
    /// Entra checks the password (or it syncs its hash, or passes it through).
    Managed,
    /// A federation service (AD FS, Okta…) signs the users in.
    Federated,
}

/// One of the tenant's domains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantDomain {
    /// Its name, lowercase.
    pub name: String,
    /// How its users sign in; `None` when the file has no such column.
    pub authentication: Option<DomainAuthentication>,
    /// Whether its ownership is verified; `None` when the file does not say.
    pub verified: Option<bool>,
    /// The tenant's default domain.
    pub default: Option<bool>,
    /// The `….onmicrosoft.com` domain the tenant was made with.
    pub initial: Option<bool>,
    /// The line it is on.
    pub line: u64,
}

/// The tenant's domains as the match uses them, lowercase. A domain whose file says nothing of
/// its verification counts as verified: the file is the admin's word for the tenant's domains.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownDomains {
    /// The file they come from, for the report.
    pub file: String,
    /// The domains Entra accepts as UPN suffixes.
    pub verified: Vec<String>,
    /// The domains a federation service signs in for.
    pub federated: Vec<String>,
    /// The tenant's initial `….onmicrosoft.com` domain, when the file says which.
    pub initial: Option<String>,
}

impl KnownDomains {
    /// Whether this UPN's domain is federated: Entra keeps such a user's ImmutableID until the
    /// UPN moves to a managed domain.
    pub fn is_federated(&self, upn: &str) -> bool {
        let Some((_, domain)) = upn.rsplit_once('@') else { return false };
        let domain = fold_cow(domain);
        self.federated.iter().any(|f| *f == domain)
    }

    /// The UPN on the initial (managed) domain that a federated user moves to while its
    /// ImmutableID is set: the same name before the `@`. `None` when the file names no initial
    /// domain.
    pub fn managed_upn(&self, upn: &str) -> Option<String> {
        let name = upn.rsplit_once('@').map_or(upn, |(name, _)| name);
        Some(format!("{name}@{}", self.initial.as_deref()?))
    }
}

/// A domains file, read.
#[derive(Clone, Debug, PartialEq)]
pub struct TenantDomains {
    /// Every domain, in file order.
    pub domains: Vec<TenantDomain>,
    /// The records that could not be read or used.
    pub rejects: Vec<Reject>,
}

impl TenantDomains {
    pub(super) fn read(table: PlainTable) -> Result<TenantDomains, Error> {
        let headers = &table.headers;
        let name = find(headers, &NAME).ok_or_else(|| ErrorKind::MissingColumn {
            column: "`Id` (the domain's name)".into(),
            fix: FIX.into(),
        })?;
        let authentication = find(headers, &["AuthenticationType", "Authentication"]);
        let verified = find(headers, &["IsVerified", "Verified"]);
        let default = find(headers, &["IsDefault", "Default"]);
        let initial = find(headers, &["IsInitial", "Initial"]);
        let flag = |column: &Option<Column>, row: &Row<'_>, file: &str| {
            column.as_ref().map(|c| c.boolean(row, file)).transpose()
        };
        let (domains, rejects) = read_rows(table, |row, file| {
            let value = name.value(row);
            if value.is_empty() || value.contains(char::is_whitespace) || !value.contains('.') {
                return Err(name.reject(row, file, value, "expected a domain name"));
            }
            let authentication = match &authentication {
                None => None,
                Some(column) => Some(match column.value(row) {
                    v if v.eq_ignore_ascii_case("managed") => DomainAuthentication::Managed,
                    v if v.eq_ignore_ascii_case("federated") => DomainAuthentication::Federated,
                    v => return Err(column.reject(row, file, v, "expected Managed or Federated")),
                }),
            };
            Ok(TenantDomain {
                name: value.to_lowercase(),
                authentication,
                verified: flag(&verified, row, file)?,
                default: flag(&default, row, file)?,
                initial: flag(&initial, row, file)?,
                line: row.line,
            })
        });
        Ok(TenantDomains { domains, rejects })
    }

    /// What the match needs of the file: the names it was read from, the verified domains
    /// and the federated ones.
    pub fn known(&self, file: &str) -> KnownDomains {
        let names = |keep: &dyn Fn(&TenantDomain) -> bool| {
            self.domains.iter().filter(|d| keep(d)).map(|d| d.name.clone()).collect()
        };
        KnownDomains {
            file: file.to_string(),
            verified: names(&|d| d.verified != Some(false)),
            federated: names(&|d| d.authentication == Some(DomainAuthentication::Federated)),
            initial: self.initial().map(|d| d.name.clone()),
        }
    }

    /// The initial domain: the one the file marks so, else the only `….onmicrosoft.com` domain
    /// in it (a hand-made file may leave `IsInitial` out; `….mail.onmicrosoft.com` is Exchange
    /// Online's routing domain, never the initial one).
    fn initial(&self) -> Option<&TenantDomain> {
        if let Some(marked) = self.domains.iter().find(|d| d.initial == Some(true)) {
            return Some(marked);
        }
        let mut onmicrosoft = self.domains.iter().filter(|d| {
            d.initial != Some(false)
                && d.name.ends_with(".onmicrosoft.com")
                && !d.name.ends_with(".mail.onmicrosoft.com")
        });
        match (onmicrosoft.next(), onmicrosoft.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    /// The domain of this name (any case).
    pub fn get(&self, name: &str) -> Option<&TenantDomain> {
        self.domains.iter().find(|d| d.name.eq_ignore_ascii_case(name))
    }
}

/// The command that makes a domains file.
pub(super) const FIX: &str = "Get-MgDomain | Select-Object Id, AuthenticationType, IsVerified, \
                              IsDefault, IsInitial | Export-Csv domains.csv -NoTypeInformation";

#[cfg(test)]
mod tests {
    use crate::engine::context::{read_context, ContextFile, DomainAuthentication};

    fn domains(csv: &str) -> crate::engine::context::TenantDomains {
        match read_context("domains.csv", csv.as_bytes()).unwrap() {
            ContextFile::Domains(domains) => domains,
            other => panic!("read as {:?}", other.kind()),
        }
    }

    #[test]
    fn reads_each_domain() {
        let d = domains(
            "\"Id\",\"AuthenticationType\",\"IsVerified\",\"IsDefault\",\"IsInitial\"\r\n\
             \"Contoso.com\",\"Federated\",\"True\",\"True\",\"False\"\r\n\
             \"contoso.onmicrosoft.com\",\"Managed\",\"True\",\"False\",\"True\"\r\n",
        );
        assert_eq!(d.domains.len(), 2);
        let contoso = d.get("CONTOSO.COM").unwrap();
        assert_eq!(contoso.name, "contoso.com");
        assert_eq!(contoso.authentication, Some(DomainAuthentication::Federated));
        assert_eq!(
            (contoso.verified, contoso.default, contoso.initial),
            (Some(true), Some(true), Some(false))
        );
        assert_eq!(d.get("contoso.onmicrosoft.com").unwrap().initial, Some(true));
    }

    #[test]
    fn a_federated_user_moves_through_the_initial_domain() {
        let known = domains(
            "Id,AuthenticationType,IsInitial\r\nContoso.com,Federated,False\r\n\
             contoso.onmicrosoft.com,Managed,True\r\nfabrikam.com,Managed,False\r\n",
        )
        .known("domains.csv");
        assert!(known.is_federated("o'brien@CONTOSO.com"));
        assert!(!known.is_federated("ada@fabrikam.com") && !known.is_federated("no-at-sign"));
        assert_eq!(
            known.managed_upn("o'brien@contoso.com").as_deref(),
            Some("o'brien@contoso.onmicrosoft.com")
        );
    }

    #[test]
    fn without_is_initial_the_only_onmicrosoft_domain_is_the_initial_one() {
        let known = |csv: &str| domains(csv).known("domains.csv").initial;
        assert_eq!(
            known(
                "Id,AuthenticationType\nContoso.com,Federated\ncontoso.mail.onmicrosoft.com,Managed\n\
                 Contoso.onmicrosoft.com,Managed\n"
            )
            .as_deref(),
            Some("contoso.onmicrosoft.com")
        );
        // Two of them, and the file does not say which: no guess.
        assert_eq!(known("Id,IsVerified\na.onmicrosoft.com,True\nb.onmicrosoft.com,True\n"), None);
        assert_eq!(known("Id,IsVerified\ncontoso.com,True\n"), None);
    }

    #[test]
    fn a_bad_value_is_rejected_where_it_is() {
        let d =
            domains("Id,AuthenticationType,IsVerified\na.com,Managed,yes\nb.com,Managed,True\n");
        assert_eq!(d.domains.len(), 1);
        let error = d.rejects[0].error.to_string();
        assert!(
            error.contains("domains.csv")
                && error.contains("line 2")
                && error.contains("IsVerified"),
            "{error}"
        );
        assert!(error.contains("yes"), "{error}");
    }
}
