//! Sample export pairs with known anomalies: the browser's "try with sample data" button, the
//! `generate` command, benchmarks, and tests that check the engine's verdicts at scale.
//!
//! Everything is a pure function of the [`SampleSpec`]: the same spec gives the same bytes on every
//! platform (native and wasm32), and [`Expected`] says what [`crate::engine::audit::audit`] must
//! report for them.
//!
//! ```
//! use anchor_audit::engine::audit::{audit, AuditOptions, Input};
//! use anchor_audit::engine::sample::{generate, Anomalies, SampleSpec};
//!
//! let spec = SampleSpec { users: 60, anomalies: Anomalies::showcase(), ..SampleSpec::default() };
//! let (onprem, cloud, expected) = generate(&spec);
//! let result = audit(
//!     Input { name: "onprem.csv", bytes: &onprem },
//!     Input { name: "cloud.csv", bytes: &cloud },
//!     &AuditOptions::default(),
//! )
//! .unwrap();
//! assert_eq!(result.report.counts().by_category, expected.by_category);
//! ```

use std::io::{self, Write};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::report::Category;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleSpec {
    /// On-prem AD accounts: rows of the on-prem export. Anomalies that concern an AD account
    /// take theirs from these (a duplicate-anchor pair takes two); the rest are clean hard
    /// matches. Orphans and cloud-only accounts are cloud rows on top.
    pub users: u64,
    /// The seed: a different seed gives other names, GUIDs, order and anomaly placement.
    pub seed: u64,
    /// How many of each anomaly.
    pub anomalies: Anomalies,
    /// How the on-prem export is written.
    pub onprem_format: OnPremFormat,
    /// How the cloud export is written.
    pub cloud_format: CloudFormat,
}

impl Default for SampleSpec {
    fn default() -> SampleSpec {
        SampleSpec {
            users: 200,
            seed: 1,
            anomalies: Anomalies::default(),
            onprem_format: OnPremFormat::default(),
            cloud_format: CloudFormat::default(),
        }
    }
}

impl SampleSpec {
    /// The browser's "try with sample data": 200 users, seed 1, a few of every anomaly, a
    /// Windows PowerShell 5.1 Get-ADUser export and a Get-MgUser export.
    pub fn showcase() -> SampleSpec {
        SampleSpec { anomalies: Anomalies::showcase(), ..SampleSpec::default() }
    }
}

/// How many users of each kind of trouble to plant. [`Default`] is none: every user hard-matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomalies {
    /// Cloud anchor is an Okta user ID (`00u…`): mismatch found by UPN, custom anchor.
    pub okta_id: u64,
    /// Cloud anchor is the user's own UPN (an Okta custom mapping): mismatch, custom anchor.
    pub upn_as_anchor: u64,
    /// Cloud anchor is objectGUID's bytes in big-endian order: mismatch found by the GUID.
    pub big_endian: u64,
    /// Cloud anchor is objectGUID's text: mismatch found by the GUID, custom anchor.
    pub guid_text: u64,
    /// mS-DS-ConsistencyGuid is pre-set to another GUID and the cloud holds objectGUID's anchor:
    /// mismatch found by the GUID.
    pub consistency_guid_differs: u64,
    /// Cloud anchor from a GUID of another forest or a former sync: mismatch found by UPN.
    pub other_forest: u64,
    /// Synced cloud users of a former forest (`@fabrikam.com`) that nothing on-prem pairs with.
    pub orphan: u64,
    /// AD accounts with no cloud user: created at cut-over.
    pub onprem_only: u64,
    /// Cloud-created users without anchor whose mail is the AD account's primary SMTP address
    /// (their UPN is `…@contoso.onmicrosoft.com`): soft match by primary SMTP.
    pub soft_match_smtp: u64,
    /// Cloud-created users without anchor or mail with the AD account's UPN: soft match by UPN.
    pub soft_match_upn: u64,
    /// An account and its clone (an `adm.` admin account) sharing mS-DS-ConsistencyGuid; the
    /// original has a cloud user. Three duplicate-anchor entries per pair.
    pub duplicate_anchor_pairs: u64,
    /// Hard matches whose cloud `mail` (stamped by Okta) is empty in AD: the takeover clears it.
    pub mail_cleared: u64,
    /// On-prem rows whose objectGUID cannot be read (truncated, mistyped, deleted): unreadable.
    pub bad_guid_rows: u64,
    /// Cloud-only accounts (break-glass admins, meeting rooms): no anchor, not synced.
    pub cloud_only: u64,
    /// Hard matches whose AD UPN suffix is `contoso.local` (not routable).
    pub non_routable_upn: u64,
    /// Hard matches whose display name is a `<script>` element: the report must show it as text.
    pub script_in_name: u64,
    /// Hard matches whose AD UPN has a space for the `.` (`ada lovelace@…`): IdFix's UPN
    /// characters rule.
    pub upn_with_space: u64,
    /// Pairs of hard matches whose AD accounts both hold `smtp:team{k}@contoso.com`: IdFix's
    /// no-duplicate proxyAddresses rule, on both.
    pub shared_alias_pairs: u64,
    /// Cloud users on `…@contoso.onmicrosoft.com` whose AD UPN suffix, `contoso-labs.com`, the
    /// tenant has not verified (Entra substituted the initial domain): hard matches, the suffix
    /// not in the tenant, or not verified with the domains file.
    pub unverified_upn: u64,
}

impl Anomalies {
    /// A few of each: the browser's sample data.
    pub fn showcase() -> Anomalies {
        Anomalies {
            okta_id: 3,
            upn_as_anchor: 2,
            big_endian: 2,
            guid_text: 2,
            consistency_guid_differs: 2,
            other_forest: 2,
            orphan: 3,
            onprem_only: 3,
            soft_match_smtp: 2,
            soft_match_upn: 2,
            duplicate_anchor_pairs: 1,
            mail_cleared: 2,
            bad_guid_rows: 2,
            cloud_only: 2,
            non_routable_upn: 3,
            script_in_name: 1,
            upn_with_space: 2,
            shared_alias_pairs: 1,
            unverified_upn: 2,
        }
    }

    /// About 0.5–1 % of `users` of each: benchmarks at realistic proportions.
    pub fn scaled(users: u64) -> Anomalies {
        let half = users / 200;
        let one = users / 100;
        Anomalies {
            okta_id: one,
            upn_as_anchor: half,
            big_endian: half,
            guid_text: half,
            consistency_guid_differs: half,
            other_forest: one,
            orphan: one,
            onprem_only: one,
            soft_match_smtp: half,
            soft_match_upn: half,
            duplicate_anchor_pairs: users / 400,
            mail_cleared: half,
            bad_guid_rows: half,
            cloud_only: half,
            non_routable_upn: half,
            script_in_name: 0,
            upn_with_space: users / 1000,
            shared_alias_pairs: users / 2000,
            unverified_upn: users / 1000,
        }
    }

    /// The anomalies that fit in `users` AD accounts: those that need an account are granted in
    /// field order until the accounts run out; orphans and cloud-only accounts always fit.
    pub fn fit(&self, users: u64) -> Anomalies {
        let mut left = users;
        let mut take = |wanted: u64, size: u64| {
            let granted = wanted.min(left / size);
            left -= granted * size;
            granted
        };
        Anomalies {
            okta_id: take(self.okta_id, 1),
            upn_as_anchor: take(self.upn_as_anchor, 1),
            big_endian: take(self.big_endian, 1),
            guid_text: take(self.guid_text, 1),
            consistency_guid_differs: take(self.consistency_guid_differs, 1),
            other_forest: take(self.other_forest, 1),
            orphan: self.orphan,
            onprem_only: take(self.onprem_only, 1),
            soft_match_smtp: take(self.soft_match_smtp, 1),
            soft_match_upn: take(self.soft_match_upn, 1),
            duplicate_anchor_pairs: take(self.duplicate_anchor_pairs, 2),
            mail_cleared: take(self.mail_cleared, 1),
            bad_guid_rows: take(self.bad_guid_rows, 1),
            cloud_only: self.cloud_only,
            non_routable_upn: take(self.non_routable_upn, 1),
            script_in_name: take(self.script_in_name, 1),
            upn_with_space: take(self.upn_with_space, 1),
            shared_alias_pairs: take(self.shared_alias_pairs, 2),
            unverified_upn: take(self.unverified_upn, 1),
        }
    }
}

/// How the on-prem export is written: the README's `Get-ADUser … | Select-Object …` (the
/// Windows PowerShell 5.1 variants without `-NoTypeInformation`) with every column
/// (UserPrincipalName, Name, SamAccountName, DistinguishedName, objectGUID, mail, proxyAddresses
/// joined with `;`, mS-DS-ConsistencyGuid as base64, employeeID), CRLF, every field quoted, as
/// `Export-Csv` writes on Windows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnPremFormat {
    /// Windows PowerShell 5.1, `Export-Csv -Encoding UTF8`: BOM and the `#TYPE` line.
    #[default]
    Ps51Utf8,
    /// Windows PowerShell 5.1, `Export-Csv -Encoding Unicode`: UTF-16LE with BOM, `#TYPE` line.
    Ps51Utf16,
    /// PowerShell 7, `Export-Csv`: UTF-8 without BOM, no `#TYPE` line.
    Ps7,
    /// Windows PowerShell 5.1, `Export-Csv` without `-Encoding`: ASCII, so every letter outside
    /// it (é, ø, ß) is a `?` (names only: UPNs and addresses are ASCII), `#TYPE` line, no BOM.
    Ps51Ascii,
}

/// How the cloud export is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CloudFormat {
    /// PowerShell 7, the README's `Get-MgUser -All -Property …` (Id, UserPrincipalName,
    /// DisplayName, Mail, ProxyAddresses, OnPremisesImmutableId, OnPremisesSyncEnabled):
    /// UTF-8 without BOM, no `#TYPE`.
    #[default]
    MgUser,
    /// Windows PowerShell 5.1, `Get-AzureADUser -All $true | Select-Object ObjectId,
    /// UserPrincipalName, DisplayName, Mail, ProxyAddresses, ImmutableId, DirSyncEnabled |
    /// Export-Csv -Encoding UTF8`: BOM and `#TYPE Selected.Microsoft.Open.AzureAD.Model.User`.
    AzureAdPs51,
    /// Windows PowerShell 5.1, `Get-MsolUser -All | Select-Object UserPrincipalName,
    /// DisplayName, ProxyAddresses, ImmutableId, LastDirSyncTime, ObjectId | Export-Csv
    /// -Encoding UTF8`: no Mail column (MsolUser has none), synced told by LastDirSyncTime.
    Msol,
}

impl OnPremFormat {
    /// Every format.
    pub const ALL: [OnPremFormat; 4] = [
        OnPremFormat::Ps51Utf8,
        OnPremFormat::Ps51Utf16,
        OnPremFormat::Ps7,
        OnPremFormat::Ps51Ascii,
    ];

    /// The name the CLI takes, e.g. `ps51-utf8`.
    pub fn name(self) -> &'static str {
        match self {
            OnPremFormat::Ps51Utf8 => "ps51-utf8",
            OnPremFormat::Ps51Utf16 => "ps51-utf16",
            OnPremFormat::Ps7 => "ps7",
            OnPremFormat::Ps51Ascii => "ps51-ascii",
        }
    }

    /// The format of a [`OnPremFormat::name`].
    pub fn from_name(name: &str) -> Option<OnPremFormat> {
        OnPremFormat::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl CloudFormat {
    /// Every format.
    pub const ALL: [CloudFormat; 3] =
        [CloudFormat::MgUser, CloudFormat::AzureAdPs51, CloudFormat::Msol];

    /// The name the CLI takes, e.g. `mguser`.
    pub fn name(self) -> &'static str {
        match self {
            CloudFormat::MgUser => "mguser",
            CloudFormat::AzureAdPs51 => "azuread-ps51",
            CloudFormat::Msol => "msol",
        }
    }

    /// The format of a [`CloudFormat::name`].
    pub fn from_name(name: &str) -> Option<CloudFormat> {
        CloudFormat::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// What the report on a generated pair must say.
///
/// With no on-prem row (or no cloud row) the reader refuses that file as empty instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    /// Entries per category, in [`Category::ALL`] order, as [`crate::engine::report::Counts`].
    pub by_category: Vec<(Category, u64)>,
    /// Entries whose cloud anchor is custom (Okta IDs, UPNs, GUID text).
    pub custom_anchor: u64,
    /// On-prem rows the report lists as unreadable.
    pub unreadable_onprem: u64,
    /// Data records in the on-prem file (readable or not).
    pub onprem_rows: u64,
    /// Data records in the cloud file (all readable).
    pub cloud_rows: u64,
    /// Entries whose AD UPN breaks IdFix's characters rule.
    pub upn_characters: u64,
    /// Entries whose AD account shares a proxyAddresses value with another.
    pub shared_proxy_address: u64,
    /// Entries whose AD UPN suffix the tenant lacks: not in the tenant, as guessed from the cloud
    /// UPNs; with the domains file, not verified.
    pub unknown_upn_suffix: u64,
    /// The anomalies actually planted: the spec's, fitted to its users ([`Anomalies::fit`]).
    pub anomalies: Anomalies,
}

impl Expected {
    /// The count of one category.
    pub fn get(&self, category: Category) -> u64 {
        self.by_category.iter().find(|(c, _)| *c == category).map_or(0, |(_, n)| *n)
    }

    fn of(users: u64, a: &Anomalies) -> Expected {
        let dup_rows = 2 * a.duplicate_anchor_pairs;
        let mismatch = a.okta_id
            + a.upn_as_anchor
            + a.big_endian
            + a.guid_text
            + a.consistency_guid_differs
            + a.other_forest;
        let soft = a.soft_match_smtp + a.soft_match_upn;
        let no_cloud_row = a.onprem_only + a.duplicate_anchor_pairs + a.bad_guid_rows;
        let special = mismatch + soft + a.onprem_only + dup_rows + a.bad_guid_rows;
        let by_category = Category::ALL
            .iter()
            .map(|&c| {
                let n = match c {
                    Category::Mismatch => mismatch,
                    // Each clone, its original, and the original's cloud user.
                    Category::DuplicateAnchor => 3 * a.duplicate_anchor_pairs,
                    Category::CloudOrphan => a.orphan,
                    Category::OnPremOnly => a.onprem_only,
                    Category::SoftMatch => soft,
                    Category::HardMatch => users - special,
                    Category::CloudOnly => a.cloud_only,
                    // Rows planted unreadable have no cloud row to be left waiting on them.
                    Category::PartnerUnreadable => 0,
                    // No cloud user is tied to an on-prem object, nor given a role.
                    Category::HardMatchBlocked | Category::SoftMatchBlocked => 0,
                };
                (c, n)
            })
            .collect();
        Expected {
            by_category,
            custom_anchor: a.okta_id + a.upn_as_anchor + a.guid_text,
            unreadable_onprem: a.bad_guid_rows,
            onprem_rows: users,
            cloud_rows: users - no_cloud_row + a.orphan + a.cloud_only,
            upn_characters: a.upn_with_space,
            shared_proxy_address: 2 * a.shared_alias_pairs,
            unknown_upn_suffix: a.unverified_upn,
            anomalies: *a,
        }
    }
}

/// Writes the pair into two writers, row by row (nothing is held but a 1 MiB buffer per file
/// and the cloud order), and returns what the report on it must say.
pub fn generate_into(
    spec: &SampleSpec,
    onprem: &mut dyn Write,
    cloud: &mut dyn Write,
) -> io::Result<Expected> {
    let plan = Plan::new(spec);
    let mut person = Person::default();

    let encoding = match spec.onprem_format {
        OnPremFormat::Ps51Utf16 => Encoding::Utf16Le,
        OnPremFormat::Ps51Ascii => Encoding::Ascii,
        OnPremFormat::Ps51Utf8 | OnPremFormat::Ps7 => Encoding::Utf8,
    };
    let mut out = Out::new(onprem, encoding);
    if matches!(spec.onprem_format, OnPremFormat::Ps51Utf8 | OnPremFormat::Ps51Utf16) {
        out.bom();
    }
    if spec.onprem_format != OnPremFormat::Ps7 {
        out.line("#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser");
    }
    let mut out = out.records();
    out.row(&ONPREM_HEADER)?;
    for slot in 0..plan.users {
        plan.person(slot, &mut person, true);
        person.write_onprem(&mut out)?;
    }
    out.finish()?;

    let mut out = Out::new(cloud, Encoding::Utf8);
    let header: &[&str] = match spec.cloud_format {
        CloudFormat::MgUser => &MGUSER_HEADER,
        CloudFormat::AzureAdPs51 => {
            out.bom();
            out.line("#TYPE Selected.Microsoft.Open.AzureAD.Model.User");
            &AZUREAD_HEADER
        }
        CloudFormat::Msol => {
            out.bom();
            out.line("#TYPE Selected.Microsoft.Online.Administration.User");
            &MSOL_HEADER
        }
    };
    let mut out = out.records();
    out.row(header)?;
    for row in plan.cloud_order() {
        plan.cloud_row(row, &mut person);
        person.write_cloud(spec.cloud_format, &mut out)?;
    }
    out.finish()?;
    Ok(Expected::of(plan.users, &plan.anomalies))
}

/// [`generate_into`] into two byte vectors: (on-prem file, cloud file, expected report).
pub fn generate(spec: &SampleSpec) -> (Vec<u8>, Vec<u8>, Expected) {
    let (mut onprem, mut cloud) = (Vec::new(), Vec::new());
    let expected = generate_into(spec, &mut onprem, &mut cloud)
        .unwrap_or_else(|e| unreachable!("writing to a Vec cannot fail: {e}"));
    (onprem, cloud, expected)
}

/// The most role holders a generated roles file names of each kind.
const MAX_ROLE_HOLDERS: u64 = 20;

/// The most users a generated PIM file makes eligible.
const MAX_ELIGIBLE: u64 = 10;

/// Privileged Role Administrator's template id: what the PIM file makes users eligible for.
const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";

/// The tenant's domains, as `Get-MgDomain | Select Id, AuthenticationType, IsVerified,
/// IsDefault, IsInitial` lists them: the users' domain is federated (so the fix script moves
/// them), the former forest's is managed, the lab suffix was added and never verified.
const DOMAINS: [[&str; 5]; 5] = [
    ["contoso.com", "Federated", "True", "True", "False"],
    ["contoso.onmicrosoft.com", "Managed", "True", "False", "True"],
    ["contoso.mail.onmicrosoft.com", "Managed", "True", "False", "False"],
    ["fabrikam.com", "Managed", "True", "False", "False"],
    ["contoso-labs.com", "Managed", "False", "False", "False"],
];

/// A tenant's context files for a generated pair, and what the report given them too must say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantSample {
    /// (file name, bytes): the roles, PIM eligibility and domains files.
    pub files: [(&'static str, Vec<u8>); 3],
    /// The report on the pair with all three files.
    pub expected: Expected,
}

/// The tenant context for the pair of `spec`, each file as PowerShell 7 `Export-Csv` writes it:
/// - `roles.csv`, the README's member-per-role export (`RoleName`, the member's `Id`,
///   `UserPrincipalName`, `DisplayName`): Global Administrator for the first clean hard matches
///   (one in a hundred users, at least one), Exchange Administrator for the first half of the
///   soft matches (at most twenty of each);
/// - `pim.csv`, `Get-MgRoleManagementDirectoryRoleEligibilitySchedule -All` cut to its id
///   columns: Privileged Role Administrator eligibility for the next clean hard matches (one in
///   two hundred users, at least one, at most ten);
/// - `domains.csv`: [`DOMAINS`].
///
/// With them, the admins' and the eligible users' hard matches are blocked, the soft matches to
/// admins blocked too, and the lab suffix is named as not verified.
pub fn generate_tenant(spec: &SampleSpec) -> TenantSample {
    let plan = Plan::new(spec);
    let mut expected = Expected::of(plan.users, &plan.anomalies);
    let soft = expected.get(Category::SoftMatch);
    let mut admins = (plan.users / 100).clamp(1, MAX_ROLE_HOLDERS);
    let mut eligible = (plan.users / 200).clamp(1, MAX_ELIGIBLE);
    let mut soft_admins = soft.div_ceil(2).min(MAX_ROLE_HOLDERS);
    let (mut roles, mut pim, mut domains) = (Vec::new(), Vec::new(), Vec::new());
    let written: io::Result<(u64, u64)> = (|| {
        let mut roles = Out::new(&mut roles, Encoding::Utf8).records();
        roles.row(&["RoleName", "Id", "UserPrincipalName", "DisplayName"])?;
        let mut pim = Out::new(&mut pim, Encoding::Utf8).records();
        pim.row(&[
            "Id",
            "PrincipalId",
            "RoleDefinitionId",
            "DirectoryScopeId",
            "MemberType",
            "Status",
        ])?;
        let (mut blocked, mut soft_blocked) = (0, 0);
        let mut person = Person::default();
        let mut schedule = String::new();
        for slot in 0..plan.users {
            if admins == 0 && soft_admins == 0 && eligible == 0 {
                break;
            }
            // A role to hold, or (None) eligibility for Privileged Role Administrator.
            let role = match plan.kind(slot) {
                Kind::Clean if admins > 0 => {
                    admins -= 1;
                    blocked += 1;
                    Some("Global Administrator")
                }
                Kind::Clean if eligible > 0 => {
                    eligible -= 1;
                    blocked += 1;
                    None
                }
                Kind::SoftMatchSmtp | Kind::SoftMatchUpn if soft_admins > 0 => {
                    soft_admins -= 1;
                    soft_blocked += 1;
                    Some("Exchange Administrator")
                }
                _ => continue,
            };
            plan.person(slot, &mut person, false);
            match role {
                Some(role) => {
                    roles.row(&[role, &person.object_id_text, &person.cloud_upn, &person.name])?
                }
                None => {
                    guid_text(
                        &SplitMix64::at(plan.seed, STREAM_TENANT, slot).guid(),
                        &mut schedule,
                    );
                    let (id, principal) = (&schedule, &person.object_id_text);
                    let role = PRIVILEGED_ROLE_ADMINISTRATOR;
                    pim.row(&[id, principal, role, "/", "Direct", "Provisioned"])?
                }
            }
        }
        roles.finish()?;
        pim.finish()?;
        let mut out = Out::new(&mut domains, Encoding::Utf8).records();
        out.row(&["Id", "AuthenticationType", "IsVerified", "IsDefault", "IsInitial"])?;
        for domain in &DOMAINS {
            out.row(domain)?;
        }
        out.finish()?;
        Ok((blocked, soft_blocked))
    })();
    let (blocked, soft_blocked) =
        written.unwrap_or_else(|e| unreachable!("writing to a Vec cannot fail: {e}"));
    for (category, n) in expected.by_category.iter_mut() {
        match category {
            Category::HardMatch => *n -= blocked,
            Category::HardMatchBlocked => *n += blocked,
            Category::SoftMatch => *n -= soft_blocked,
            Category::SoftMatchBlocked => *n += soft_blocked,
            _ => {}
        }
    }
    TenantSample {
        files: [("roles.csv", roles), ("pim.csv", pim), ("domains.csv", domains)],
        expected,
    }
}

// ---------------------------------------------------------------------------------------------
// The random numbers.

/// SplitMix64 (Steele, Lea & Flood 2014): a few integer operations, so identical on every
/// platform and on wasm32, with no dependency (the `rand` crates change their streams between
/// versions, and these files must stay byte-identical). Not for secrets: only for plausible data.
#[derive(Clone, Debug)]
struct SplitMix64(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SplitMix64 {
    /// An independent stream for item `index` of kind `stream`, so any row can be made again
    /// without the rows before it.
    fn at(seed: u64, stream: u64, index: u64) -> SplitMix64 {
        SplitMix64(finalize(seed ^ finalize(stream.wrapping_mul(GOLDEN) ^ finalize(index))))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        finalize(self.0)
    }

    /// A number below `n` (`n` > 0), by the multiply-high method: no division, no float.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Percent chance.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A random (version 4) GUID, as AD makes them.
    fn guid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

const STREAM_PERSON: u64 = 1;
const STREAM_PLACE: u64 = 2;
const STREAM_NAMES: u64 = 3;
const STREAM_DUPLICATE: u64 = 4;
const STREAM_ORPHAN: u64 = 5;
const STREAM_SHUFFLE: u64 = 6;
const STREAM_TENANT: u64 = 7;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A bijection of `0..n` (`i ↦ (a·i + b) mod n` with `a` coprime to `n`): spreads the
/// anomalies and names over the file without storing a permutation of a million slots.
#[derive(Clone, Copy, Debug)]
struct Spread {
    n: u64,
    a: u64,
    b: u64,
}

impl Spread {
    fn new(n: u64, rng: &mut SplitMix64) -> Spread {
        if n == 0 {
            return Spread { n, a: 1, b: 0 };
        }
        let mut a = rng.below(n) | 1;
        while gcd(a, n) != 1 {
            a = (a + 1) % n;
        }
        Spread { n, a, b: rng.below(n) }
    }

    fn apply(&self, i: u64) -> u64 {
        // u128 division is a slow library call: take it only when u64 would overflow.
        match self.a.checked_mul(i).and_then(|x| x.checked_add(self.b)) {
            Some(x) => x % self.n,
            None => {
                let x = u128::from(self.a) * u128::from(i) + u128::from(self.b);
                (x % u128::from(self.n)) as u64
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Who is who.

/// Built-in names: (as displayed, as in a UPN). Unique 3-letter starts keep sAMAccountNames
/// unique; some letters outside ASCII (é, ø, ß…) as real directories have.
const FIRST: [(&str, &str); 32] = [
    ("Ada", "ada"),
    ("Alan", "alan"),
    ("Björn", "bjorn"),
    ("Chloé", "chloe"),
    ("Dmitri", "dmitri"),
    ("Elena", "elena"),
    ("Farah", "farah"),
    ("Grace", "grace"),
    ("Hiroshi", "hiroshi"),
    ("Ingrid", "ingrid"),
    ("José", "jose"),
    ("Katarzyna", "katarzyna"),
    ("Liam", "liam"),
    ("Margaret", "margaret"),
    ("Nadia", "nadia"),
    ("Oliver", "oliver"),
    ("Patrick", "patrick"),
    ("Quentin", "quentin"),
    ("René", "rene"),
    ("Søren", "soren"),
    ("Tomás", "tomas"),
    ("Ursula", "ursula"),
    ("Victor", "victor"),
    ("Wei", "wei"),
    ("Ximena", "ximena"),
    ("Yusuf", "yusuf"),
    ("Zoë", "zoe"),
    ("Amélie", "amelie"),
    ("Bogdan", "bogdan"),
    ("Carmen", "carmen"),
    ("Dorothy", "dorothy"),
    ("Émile", "emile"),
];

const LAST: [(&str, &str); 32] = [
    ("Lovelace", "lovelace"),
    ("Turing", "turing"),
    ("Hopper", "hopper"),
    ("Hamilton", "hamilton"),
    ("Dupont", "dupont"),
    ("Kierkegaard", "kierkegaard"),
    ("O'Brien", "obrien"),
    ("Strauß", "strauss"),
    ("Møller", "moller"),
    ("Müller", "muller"),
    ("García", "garcia"),
    ("Nowak", "nowak"),
    ("Smith", "smith"),
    ("Johnson", "johnson"),
    ("Tanaka", "tanaka"),
    ("Okafor", "okafor"),
    ("Andersson", "andersson"),
    ("Brontë", "bronte"),
    ("Rossi", "rossi"),
    ("Nguyen", "nguyen"),
    ("Kowalski", "kowalski"),
    ("Fernández", "fernandez"),
    ("Ødegaard", "odegaard"),
    ("Schröder", "schroder"),
    ("Papadopoulos", "papadopoulos"),
    ("Ivanova", "ivanova"),
    ("Haddad", "haddad"),
    ("Silva", "silva"),
    ("Khan", "khan"),
    ("Dubois", "dubois"),
    ("Yılmaz", "yilmaz"),
    ("Lefèvre", "lefevre"),
];

const OUS: [&str; 4] = [
    "OU=Staff,OU=Users,DC=contoso,DC=com",
    "OU=Sales,OU=Users,DC=contoso,DC=com",
    "OU=Engineering,OU=Users,DC=contoso,DC=com",
    "OU=Contractors,DC=contoso,DC=com",
];

/// What an AD account (or extra cloud row) is planted as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Clean,
    OktaId,
    UpnAsAnchor,
    BigEndian,
    GuidText,
    ConsistencyGuidDiffers,
    OtherForest,
    OnPremOnly,
    SoftMatchSmtp,
    SoftMatchUpn,
    DuplicateOriginal(u64),
    DuplicateClone(u64),
    MailCleared,
    BadGuid(u64),
    NonRoutableUpn,
    ScriptInName,
    UpnWithSpace,
    SharedAlias(u64),
    UnverifiedUpn,
}

/// Makes the kind of the `k`-th account of a range (`k` numbers duplicate pairs and bad rows).
type KindOf = fn(u64) -> Kind;

/// Where every AD account's kind comes from: ranges of the spread slot number.
struct Plan {
    seed: u64,
    users: u64,
    anomalies: Anomalies,
    place: Spread,
    names: Spread,
    /// (first spread number, how many, kind maker) in order.
    ranges: Vec<(u64, u64, KindOf)>,
}

impl Plan {
    fn new(spec: &SampleSpec) -> Plan {
        let a = spec.anomalies.fit(spec.users);
        let kinds: [(u64, KindOf); 20] = [
            (a.okta_id, |_| Kind::OktaId),
            (a.upn_as_anchor, |_| Kind::UpnAsAnchor),
            (a.big_endian, |_| Kind::BigEndian),
            (a.guid_text, |_| Kind::GuidText),
            (a.consistency_guid_differs, |_| Kind::ConsistencyGuidDiffers),
            (a.other_forest, |_| Kind::OtherForest),
            (a.onprem_only, |_| Kind::OnPremOnly),
            (a.soft_match_smtp, |_| Kind::SoftMatchSmtp),
            (a.soft_match_upn, |_| Kind::SoftMatchUpn),
            (a.duplicate_anchor_pairs, Kind::DuplicateOriginal),
            (a.duplicate_anchor_pairs, Kind::DuplicateClone),
            (a.mail_cleared, |_| Kind::MailCleared),
            (a.bad_guid_rows, Kind::BadGuid),
            (a.non_routable_upn, |_| Kind::NonRoutableUpn),
            (a.script_in_name, |_| Kind::ScriptInName),
            (a.upn_with_space, |_| Kind::UpnWithSpace),
            (a.shared_alias_pairs, Kind::SharedAlias),
            (a.shared_alias_pairs, Kind::SharedAlias),
            (a.unverified_upn, |_| Kind::UnverifiedUpn),
            (0, |_| Kind::Clean),
        ];
        let mut ranges = Vec::new();
        let mut start = 0;
        for (count, kind) in kinds {
            if count > 0 {
                ranges.push((start, count, kind));
                start += count;
            }
        }
        Plan {
            seed: spec.seed,
            users: spec.users,
            anomalies: a,
            place: Spread::new(spec.users, &mut SplitMix64::at(spec.seed, STREAM_PLACE, 0)),
            names: Spread::new(spec.users, &mut SplitMix64::at(spec.seed, STREAM_NAMES, 0)),
            ranges,
        }
    }

    fn kind(&self, slot: u64) -> Kind {
        let q = self.place.apply(slot);
        self.ranges
            .iter()
            .find(|(start, count, _)| (*start..start + count).contains(&q))
            .map_or(Kind::Clean, |(start, _, kind)| kind(q - start))
    }

    /// Cloud rows: AD accounts with a cloud user (by slot), then orphans and cloud-only
    /// accounts (numbered after the slots), shuffled: real exports list users in another order.
    fn cloud_order(&self) -> Vec<u64> {
        let extras = self.anomalies.orphan + self.anomalies.cloud_only;
        let mut rows: Vec<u64> = (0..self.users)
            .filter(|&slot| self.has_cloud_user(self.kind(slot)))
            .chain(self.users..self.users + extras)
            .collect();
        let mut rng = SplitMix64::at(self.seed, STREAM_SHUFFLE, 0);
        for i in (1..rows.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            rows.swap(i, j);
        }
        rows
    }

    fn has_cloud_user(&self, kind: Kind) -> bool {
        !matches!(kind, Kind::OnPremOnly | Kind::DuplicateClone(_) | Kind::BadGuid(_))
    }

    /// A name, a UPN local part and a sAMAccountName for number `c`, unique per `c`.
    fn name(c: u64, p: &mut Person) {
        let (f, l) = (FIRST.len() as u64, LAST.len() as u64);
        // Within a round of f·l names, an odd stride (a bijection mod the power of two f·l)
        // makes neighbours differ in both names, so even a small sample uses every list entry.
        let round = c / (f * l);
        let r = (c % (f * l) * 373 + 89) % (f * l);
        let (first, first_ascii) = FIRST[(r % f) as usize];
        let (last, last_ascii) = LAST[(r / f) as usize];
        p.first.clear();
        p.first.push_str(first);
        p.last.clear();
        p.last.push_str(last);
        p.local.clear();
        p.local.push_str(first_ascii);
        p.local.push('.');
        p.local.push_str(last_ascii);
        p.sam.clear();
        p.sam.push_str(&first_ascii[..3]);
        p.sam.push_str(&last_ascii[..last_ascii.len().min(12)]);
        if round > 0 {
            let n = (round + 1).to_string();
            p.local.push_str(&n);
            p.sam.push_str(&n);
        }
    }

    /// The AD account in `slot` and its cloud user, with the values of one side's row.
    fn person(&self, slot: u64, p: &mut Person, onprem: bool) {
        let kind = self.kind(slot);
        let mut rng = SplitMix64::at(self.seed, STREAM_PERSON, slot);
        Plan::name(self.names.apply(slot), p);
        p.has_onprem = true;
        p.has_cloud = self.has_cloud_user(kind);
        p.guid = rng.guid();
        let other_guid = rng.guid();
        p.object_id = rng.guid();
        let style = rng.below(100);
        let has_mail = rng.chance(92);
        let has_consistency_guid = rng.chance(65);
        let ou = OUS[rng.below(OUS.len() as u64) as usize];
        let has_employee_id = rng.chance(90);
        let upper_guid_text = rng.chance(50);

        // Display name: "First Last", the "Last, First" CN some directories use, or a nickname.
        p.name.clear();
        if style < 8 {
            p.name.push_str(&p.last);
            p.name.push_str(", ");
            p.name.push_str(&p.first);
        } else if style < 11 {
            let nick: String = p.first.chars().take(3).collect();
            p.name.push_str(&p.first);
            p.name.push_str(" \"");
            p.name.push_str(&nick);
            p.name.push_str("\" ");
            p.name.push_str(&p.last);
        } else {
            p.name.push_str(&p.first);
            p.name.push(' ');
            p.name.push_str(&p.last);
        }

        p.upn_domain = "contoso.com";
        p.mail_on = has_mail;
        p.consistency = has_consistency_guid.then_some(p.guid);
        p.employee_id.clear();
        if has_employee_id {
            p.employee_id.push_str(&(100_000 + slot).to_string());
        }
        p.bad_guid = None;
        p.cloud_upn_domain = None;
        p.cloud_mail_on = None;
        p.cloud_proxies_on = true;
        p.synced = true;
        p.anchor_kind = AnchorKind::Computed;
        p.upn_with_space = false;
        p.shared_alias = None;

        match kind {
            Kind::Clean => {}
            Kind::OktaId => {
                // `00u` and 17 letters and digits, as Okta user IDs look.
                const ALNUM: &[u8] =
                    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
                let mut id = *b"00u00000000000000000";
                for b in &mut id[3..] {
                    *b = ALNUM[rng.below(ALNUM.len() as u64) as usize];
                }
                p.okta_id.clear();
                p.okta_id.push_str(std::str::from_utf8(&id).unwrap_or_default());
                p.anchor_kind = AnchorKind::OktaId;
            }
            Kind::UpnAsAnchor => p.anchor_kind = AnchorKind::Upn,
            Kind::BigEndian => p.anchor_kind = AnchorKind::BigEndian,
            Kind::GuidText => p.anchor_kind = AnchorKind::GuidText { upper: upper_guid_text },
            Kind::ConsistencyGuidDiffers => {
                // Pre-set by a migration tool from the source forest; the cloud has objectGUID's.
                p.consistency = Some(other_guid);
                p.anchor_kind = AnchorKind::ObjectGuid;
            }
            Kind::OtherForest => p.anchor_kind = AnchorKind::Guid(other_guid),
            Kind::OnPremOnly => {}
            Kind::SoftMatchSmtp => {
                // Created in the cloud before the domain was verified: only its mail matches.
                p.mail_on = true;
                p.cloud_upn_domain = Some("contoso.onmicrosoft.com");
                p.synced = false;
                p.anchor_kind = AnchorKind::Empty;
            }
            Kind::SoftMatchUpn => {
                // No mailbox on either side: only the UPN matches.
                p.mail_on = false;
                p.cloud_mail_on = Some(false);
                p.synced = false;
                p.anchor_kind = AnchorKind::Empty;
            }
            Kind::DuplicateOriginal(k) => {
                p.guid = SplitMix64::at(self.seed, STREAM_DUPLICATE, k).guid();
                p.consistency = Some(p.guid);
            }
            Kind::DuplicateClone(k) => {
                // An admin account copied from the original, mS-DS-ConsistencyGuid and all.
                p.consistency = Some(SplitMix64::at(self.seed, STREAM_DUPLICATE, k).guid());
                p.local.insert_str(0, "adm.");
                p.sam.insert_str(0, "adm-");
                p.sam.truncate(20);
                p.name.push_str(" (admin)");
                p.mail_on = false;
                p.employee_id.clear();
            }
            Kind::MailCleared => {
                // Okta stamped mail in the cloud; AD has none.
                p.mail_on = false;
                p.cloud_mail_on = Some(true);
            }
            Kind::BadGuid(k) => {
                p.consistency = None;
                let text = p.guid.hyphenated().to_string();
                p.bad_guid = Some(match k % 3 {
                    0 => text[..34].to_string(),
                    1 => text.replacen(|c: char| c.is_ascii_digit(), "g", 1),
                    _ => String::new(),
                });
            }
            Kind::NonRoutableUpn => p.upn_domain = "contoso.local",
            Kind::ScriptInName => {
                p.name.clear();
                p.name.push_str("<script>alert(\"sample\")</script>");
            }
            Kind::UpnWithSpace => p.upn_with_space = true,
            Kind::SharedAlias(k) => {
                // A team mailbox's address left on both members' accounts.
                p.mail_on = true;
                p.shared_alias = Some(k);
            }
            Kind::UnverifiedUpn => {
                p.upn_domain = "contoso-labs.com";
                p.cloud_upn_domain = Some("contoso.onmicrosoft.com");
            }
        }
        p.ou = ou;
        p.finish(onprem);
    }

    /// Cloud row `row`: an AD account's cloud user, or an orphan / cloud-only account.
    fn cloud_row(&self, row: u64, p: &mut Person) {
        if row < self.users {
            return self.person(row, p, false);
        }
        let k = row - self.users;
        let mut rng = SplitMix64::at(self.seed, STREAM_ORPHAN, k);
        p.has_onprem = false;
        p.has_cloud = true;
        p.guid = rng.guid();
        p.object_id = rng.guid();
        p.consistency = None;
        p.bad_guid = None;
        p.employee_id.clear();
        p.cloud_upn_domain = None;
        p.cloud_mail_on = None;
        if k < self.anomalies.orphan {
            // A user of an acquired company's forest, synced before and since removed.
            Plan::name(k, p);
            p.name.clear();
            p.name.push_str(&p.first);
            p.name.push(' ');
            p.name.push_str(&p.last);
            p.upn_domain = "fabrikam.com";
            p.mail_on = true;
            p.synced = true;
            p.anchor_kind = AnchorKind::Computed;
            p.cloud_proxies_on = true;
        } else {
            let n = k - self.anomalies.orphan;
            p.local.clear();
            p.name.clear();
            if n < 2 {
                p.local.push_str(["breakglass", "breakglass2"][n as usize]);
                p.name.push_str(["Break Glass Admin", "Break Glass Admin 2"][n as usize]);
            } else {
                p.local.push_str(&format!("room{n}"));
                p.name.push_str(&format!("Meeting Room {n}"));
            }
            p.upn_domain = "contoso.onmicrosoft.com";
            p.mail_on = false;
            p.synced = false;
            p.anchor_kind = AnchorKind::Empty;
            p.cloud_proxies_on = false;
        }
        p.finish(false);
    }
}

/// What the cloud user's ImmutableID is made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum AnchorKind {
    /// The anchor Entra Connect will compute: a hard match.
    #[default]
    Computed,
    Empty,
    OktaId,
    Upn,
    BigEndian,
    GuidText {
        upper: bool,
    },
    /// objectGUID's, where the ConsistencyGuid differs.
    ObjectGuid,
    Guid(Uuid),
}

/// One row's values on both sides, reused from row to row so that a million rows make no
/// million strings.
#[derive(Debug, Default)]
struct Person {
    has_onprem: bool,
    has_cloud: bool,
    first: String,
    last: String,
    name: String,
    local: String,
    sam: String,
    upn_domain: &'static str,
    ou: &'static str,
    cloud_upn_domain: Option<&'static str>,
    guid: Uuid,
    consistency: Option<Uuid>,
    bad_guid: Option<String>,
    object_id: Uuid,
    mail_on: bool,
    cloud_mail_on: Option<bool>,
    cloud_proxies_on: bool,
    employee_id: String,
    okta_id: String,
    synced: bool,
    anchor_kind: AnchorKind,
    /// The AD UPN has a space where the local part has its `.`.
    upn_with_space: bool,
    /// The AD account also holds `smtp:team{k}@contoso.com`.
    shared_alias: Option<u64>,
    // Derived by `finish`.
    upn: String,
    cloud_upn: String,
    mail: String,
    cloud_mail: String,
    proxies: String,
    cloud_proxies: String,
    dn: String,
    guid_text: String,
    consistency_text: String,
    anchor: String,
    object_id_text: String,
}

/// Lower-case hyphenated GUID text, as Get-ADUser writes objectGUID. By hand because this runs
/// millions of times and uuid's formatter is slow at `opt-level = "z"`.
fn guid_text(guid: &Uuid, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [b'-'; 36];
    let mut at = 0;
    for (i, byte) in guid.as_bytes().iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            at += 1;
        }
        text[at] = HEX[usize::from(byte >> 4)];
        text[at + 1] = HEX[usize::from(byte & 0xf)];
        at += 2;
    }
    out.clear();
    out.push_str(std::str::from_utf8(&text).unwrap_or_default());
}

fn base64_of(bytes: &[u8], out: &mut String) {
    out.clear();
    STANDARD.encode_string(bytes, out);
}

impl Person {
    /// Derives one side's values from the person's choices.
    fn finish(&mut self, onprem: bool) {
        let mail_domain =
            if self.upn_domain == "fabrikam.com" { "fabrikam.com" } else { "contoso.com" };
        set(&mut self.upn, &[&self.local, "@", self.upn_domain]);
        if onprem {
            self.finish_onprem(mail_domain);
        } else {
            self.finish_cloud(mail_domain);
        }
    }

    fn finish_onprem(&mut self, mail_domain: &str) {
        if self.upn_with_space {
            let spaced = self.local.replacen('.', " ", 1);
            set(&mut self.upn, &[&spaced, "@", self.upn_domain]);
        }
        self.mail.clear();
        self.proxies.clear();
        if self.mail_on {
            set(&mut self.mail, &[&self.local, "@", mail_domain]);
            set(
                &mut self.proxies,
                &["SMTP:", &self.mail, ";smtp:", &self.local, "@contoso.mail.onmicrosoft.com"],
            );
            if let Some(k) = self.shared_alias {
                self.proxies.push_str(&format!(";smtp:team{k}@contoso.com"));
            }
        }
        // RFC 4514 escaping, as AD shows distinguished names.
        let special = |b: u8| matches!(b, b',' | b'+' | b'"' | b'\\' | b'<' | b'>' | b';' | b'=');
        self.dn.clear();
        self.dn.push_str("CN=");
        if self.name.bytes().any(special) {
            for c in self.name.chars() {
                if u8::try_from(c).is_ok_and(special) {
                    self.dn.push('\\');
                }
                self.dn.push(c);
            }
        } else {
            self.dn.push_str(&self.name);
        }
        self.dn.push(',');
        self.dn.push_str(self.ou);
        match &self.bad_guid {
            Some(bad) => set(&mut self.guid_text, &[bad]),
            None => guid_text(&self.guid, &mut self.guid_text),
        }
        match self.consistency {
            Some(g) => base64_of(&g.to_bytes_le(), &mut self.consistency_text),
            None => self.consistency_text.clear(),
        }
    }

    fn finish_cloud(&mut self, mail_domain: &str) {
        let cloud_domain = self.cloud_upn_domain.unwrap_or(match self.upn_domain {
            "contoso.local" => "contoso.com",
            other => other,
        });
        set(&mut self.cloud_upn, &[&self.local, "@", cloud_domain]);
        self.cloud_mail.clear();
        self.cloud_proxies.clear();
        if self.cloud_mail_on.unwrap_or(self.mail_on) {
            set(&mut self.cloud_mail, &[&self.local, "@", mail_domain]);
            if self.cloud_proxies_on {
                set(
                    &mut self.cloud_proxies,
                    &["SMTP:", &self.cloud_mail, ";smtp:", &self.local, "@contoso.onmicrosoft.com"],
                );
            }
        }
        let computed = self.consistency.unwrap_or(self.guid);
        match self.anchor_kind {
            AnchorKind::Computed => base64_of(&computed.to_bytes_le(), &mut self.anchor),
            AnchorKind::Empty => self.anchor.clear(),
            AnchorKind::OktaId => set(&mut self.anchor, &[&self.okta_id]),
            AnchorKind::Upn => set(&mut self.anchor, &[&self.upn]),
            AnchorKind::BigEndian => base64_of(self.guid.as_bytes(), &mut self.anchor),
            AnchorKind::GuidText { upper: false } => guid_text(&self.guid, &mut self.anchor),
            AnchorKind::GuidText { upper: true } => {
                let text = self.guid.braced().encode_upper(&mut Uuid::encode_buffer()).to_string();
                set(&mut self.anchor, &[&text]);
            }
            AnchorKind::ObjectGuid => base64_of(&self.guid.to_bytes_le(), &mut self.anchor),
            AnchorKind::Guid(g) => base64_of(&g.to_bytes_le(), &mut self.anchor),
        }
        guid_text(&self.object_id, &mut self.object_id_text);
    }

    fn write_onprem(&self, out: &mut Records) -> io::Result<()> {
        if !self.has_onprem {
            return Ok(());
        }
        out.row(&[
            &self.upn,
            &self.name,
            &self.sam,
            &self.dn,
            &self.guid_text,
            &self.mail,
            &self.proxies,
            &self.consistency_text,
            &self.employee_id,
        ])
    }

    fn write_cloud(&self, format: CloudFormat, out: &mut Records) -> io::Result<()> {
        if !self.has_cloud {
            return Ok(());
        }
        let (upn, name, mail) = (&self.cloud_upn, &self.name, &self.cloud_mail);
        let (proxies, anchor, id) = (&self.cloud_proxies, &self.anchor, &self.object_id_text);
        // Graph and AzureAD write `True` for synced users and nothing (null) for cloud ones.
        let synced = if self.synced { "True" } else { "" };
        match format {
            CloudFormat::MgUser | CloudFormat::AzureAdPs51 => {
                out.row(&[id, upn, name, mail, proxies, anchor, synced])
            }
            CloudFormat::Msol => {
                let last_sync = if self.synced { "11/20/2026 3:14:07 PM" } else { "" };
                out.row(&[upn, name, proxies, anchor, last_sync, id])
            }
        }
    }
}

fn set(out: &mut String, parts: &[&str]) {
    out.clear();
    for part in parts {
        out.push_str(part);
    }
}

const ONPREM_HEADER: [&str; 9] = [
    "UserPrincipalName",
    "Name",
    "SamAccountName",
    "DistinguishedName",
    "objectGUID",
    "mail",
    "proxyAddresses",
    "mS-DS-ConsistencyGuid",
    "employeeID",
];

const MGUSER_HEADER: [&str; 7] = [
    "Id",
    "UserPrincipalName",
    "DisplayName",
    "Mail",
    "ProxyAddresses",
    "OnPremisesImmutableId",
    "OnPremisesSyncEnabled",
];

const AZUREAD_HEADER: [&str; 7] = [
    "ObjectId",
    "UserPrincipalName",
    "DisplayName",
    "Mail",
    "ProxyAddresses",
    "ImmutableId",
    "DirSyncEnabled",
];

const MSOL_HEADER: [&str; 6] = [
    "UserPrincipalName",
    "DisplayName",
    "ProxyAddresses",
    "ImmutableId",
    "LastDirSyncTime",
    "ObjectId",
];

// ---------------------------------------------------------------------------------------------
// Writing as Export-Csv does.

/// The bytes a file's text becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf16Le,
    /// Windows PowerShell 5.1's default: anything outside ASCII becomes `?`.
    Ascii,
}

/// A file being written: its text goes into a UTF-8 buffer handed to the writer in 1 MiB pieces
/// of whole rows (so re-encoding never splits a character). The lines before the header are
/// written as they are; the records then go through [`Out::records`].
struct Out<'w> {
    writer: &'w mut dyn Write,
    buffer: Vec<u8>,
    encoding: Encoding,
    encoded: Vec<u8>,
}

const CHUNK: usize = 1024 * 1024;

impl<'w> Out<'w> {
    fn new(writer: &'w mut dyn Write, encoding: Encoding) -> Out<'w> {
        let buffer = Vec::with_capacity(CHUNK + 4096);
        Out { writer, buffer, encoding, encoded: Vec::new() }
    }

    /// The byte-order mark: `Export-Csv -Encoding UTF8 | Unicode` in Windows PowerShell 5.1.
    fn bom(&mut self) {
        self.buffer.extend_from_slice("\u{FEFF}".as_bytes());
    }

    fn line(&mut self, text: &str) {
        self.buffer.extend_from_slice(text.as_bytes());
        self.buffer.extend_from_slice(b"\r\n");
    }

    /// The records from here on, quoted as Export-Csv on Windows quotes them: every field, its
    /// quotes doubled, CRLF. The header and the rows may differ in length.
    fn records(self) -> Records<'w> {
        let csv = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(self);
        Records { csv }
    }

    /// Encodes the buffer and hands it to the writer.
    fn write_buffer(&mut self) -> io::Result<()> {
        if self.encoding == Encoding::Utf8 {
            self.writer.write_all(&self.buffer)?;
        } else {
            let text = std::str::from_utf8(&self.buffer)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            self.encoded.clear();
            for c in text.chars() {
                if self.encoding == Encoding::Ascii {
                    self.encoded.push(if c.is_ascii() { c as u8 } else { b'?' });
                } else {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        self.encoded.extend_from_slice(&unit.to_le_bytes());
                    }
                }
            }
            self.writer.write_all(&self.encoded)?;
        }
        self.buffer.clear();
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.write_buffer()?;
        self.writer.flush()
    }
}

/// What [`Records`]' CSV writer writes into: the buffer, and (at a flush, which [`Records`]
/// makes after each whole record) the writer once the buffer holds a piece.
impl Write for Out<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.len() >= CHUNK {
            self.write_buffer()?;
        }
        Ok(())
    }
}

/// A file's records, written with the `csv` writer.
struct Records<'w> {
    csv: csv::Writer<Out<'w>>,
}

impl Records<'_> {
    fn row(&mut self, fields: &[&str]) -> io::Result<()> {
        self.csv.write_record(fields)?;
        // The record is whole in the buffer now: a piece may go.
        self.csv.flush()
    }

    fn finish(self) -> io::Result<()> {
        let out = self.csv.into_inner().map_err(|e| e.into_error())?;
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::read::{
        read_table, ExportKind, FileFormat, Quoting, ReadOptions, TextEncoding, WarningKind,
    };
    use crate::engine::Side;

    fn read(bytes: &[u8], side: Side) -> crate::engine::read::Table {
        let options = ReadOptions { side: Some(side), ..ReadOptions::default() };
        read_table(bytes, &options).unwrap()
    }

    #[test]
    fn splitmix_matches_the_reference_stream() {
        // The first outputs of SplitMix64 seeded with 0 (the published reference values).
        let mut rng = SplitMix64(0);
        assert_eq!(rng.next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn guid_text_is_uuids_hyphenated_form() {
        let mut rng = SplitMix64(5);
        let mut text = String::new();
        for guid in [Uuid::nil(), Uuid::max(), rng.guid(), rng.guid()] {
            guid_text(&guid, &mut text);
            assert_eq!(text, guid.hyphenated().to_string());
        }
    }

    #[test]
    fn spread_is_a_bijection() {
        for n in [1u64, 2, 7, 64, 1000] {
            let spread = Spread::new(n, &mut SplitMix64::at(9, STREAM_PLACE, n));
            let mut seen: Vec<u64> = (0..n).map(|i| spread.apply(i)).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn first_names_start_differently() {
        let mut starts: Vec<&str> = FIRST.iter().map(|(_, ascii)| &ascii[..3]).collect();
        starts.sort_unstable();
        starts.dedup();
        assert_eq!(starts.len(), FIRST.len());
        // The name stride in `Plan::name` is a bijection only modulo a power of two.
        assert!((FIRST.len() * LAST.len()).is_power_of_two());
    }

    /// Each format reads back as the tool it imitates, with its encoding and `#TYPE` line.
    #[test]
    fn files_parse_as_the_declared_format() {
        let cases = [
            (OnPremFormat::Ps51Utf8, TextEncoding::Utf8Bom, true),
            (OnPremFormat::Ps51Utf16, TextEncoding::Utf16LeBom, true),
            (OnPremFormat::Ps7, TextEncoding::Utf8, false),
            (OnPremFormat::Ps51Ascii, TextEncoding::Ascii, true),
        ];
        for (format, encoding, type_line) in cases {
            let spec = SampleSpec { users: 20, onprem_format: format, ..SampleSpec::default() };
            let (onprem, _, _) = generate(&spec);
            let table = read(&onprem, Side::OnPrem);
            assert_eq!(table.info.encoding, encoding, "{format:?}");
            assert_eq!(table.info.detection.kind, ExportKind::GetAdUser, "{format:?}");
            assert_eq!(table.headers, ONPREM_HEADER, "{format:?}");
            assert_eq!(table.rows.len(), 20);
            assert_eq!(
                table.info.format,
                FileFormat::Csv { delimiter: b',', quoted: Quoting::All }
            );
            let expected_type =
                type_line.then(|| "Selected.Microsoft.ActiveDirectory.Management.ADUser".into());
            assert_eq!(table.info.type_line, expected_type, "{format:?}");
        }
        let cases = [
            (CloudFormat::MgUser, ExportKind::GetMgUser, &MGUSER_HEADER[..]),
            (CloudFormat::AzureAdPs51, ExportKind::GetAzureAdUser, &AZUREAD_HEADER[..]),
            (CloudFormat::Msol, ExportKind::GetMsolUser, &MSOL_HEADER[..]),
        ];
        for (format, source, header) in cases {
            let spec = SampleSpec { users: 20, cloud_format: format, ..SampleSpec::default() };
            let (_, cloud, _) = generate(&spec);
            let table = read(&cloud, Side::Cloud);
            assert_eq!(table.info.detection.kind, source, "{format:?}");
            assert_eq!(table.headers, header, "{format:?}");
            assert_eq!(cloud.starts_with(b"\xEF\xBB\xBF"), format != CloudFormat::MgUser);
        }
    }

    #[test]
    fn ascii_export_loses_letters_as_powershell_does() {
        let spec = SampleSpec { onprem_format: OnPremFormat::Ps51Ascii, ..SampleSpec::showcase() };
        let (onprem, _, _) = generate(&spec);
        assert!(onprem.is_ascii());
        let text = String::from_utf8(onprem.clone()).unwrap();
        assert!(text.starts_with("#TYPE ") && text.contains("Ren? "), "{}", &text[..300]);
        let table = read(&onprem, Side::OnPrem);
        assert!(table.warnings.iter().any(|w| w.kind == WarningKind::QuestionMarks));
    }

    #[test]
    fn every_line_is_crlf_and_every_field_quoted() {
        let spec =
            SampleSpec { users: 50, anomalies: Anomalies::showcase(), ..SampleSpec::default() };
        let (onprem, cloud, _) = generate(&spec);
        for bytes in [&onprem[3..], &cloud[..]] {
            let text = std::str::from_utf8(bytes).unwrap();
            assert!(text.ends_with("\r\n"));
            assert!(!text.replace("\r\n", "").contains('\n'));
            for line in text.split_terminator("\r\n").filter(|l| !l.starts_with("#TYPE")) {
                assert!(line.starts_with('"') && line.ends_with('"'), "{line}");
            }
        }
    }

    #[test]
    fn showcase_has_the_realistic_details() {
        let spec = SampleSpec { anomalies: Anomalies::showcase(), ..SampleSpec::default() };
        let (onprem, cloud, _) = generate(&spec);
        let onprem = String::from_utf8(onprem).unwrap();
        let cloud = String::from_utf8(cloud).unwrap();
        for needle in ["<script>", "@contoso.local\"", "\"\"", ", ", "\\,"] {
            assert!(onprem.contains(needle), "{needle}");
        }
        assert!(onprem.chars().any(|c| matches!(c, 'é' | 'ø' | 'ß')));
        assert!(cloud.contains("\"breakglass@contoso.onmicrosoft.com\""));
        assert!(cloud.contains("\"00u"));
        assert!(cloud.contains("@fabrikam.com"));
    }

    #[test]
    fn anomalies_fit_the_accounts_there_are() {
        let fitted = Anomalies::showcase().fit(3);
        assert_eq!((fitted.okta_id, fitted.upn_as_anchor, fitted.big_endian), (3, 0, 0));
        assert_eq!((fitted.orphan, fitted.cloud_only), (3, 2));
        let fitted = Anomalies { duplicate_anchor_pairs: 2, ..Anomalies::default() }.fit(3);
        assert_eq!(fitted.duplicate_anchor_pairs, 1);
    }
}
