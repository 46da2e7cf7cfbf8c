//! Microsoft Entra's built-in roles that a role export names: their template ids (a built-in
//! role's definition id is its template id) and whether Entra labels them privileged, which is
//! what blocks a hard match since the 2026 hardening.
//!
//! Source: the "All roles" table of MicrosoftDocs/entra-docs
//! `docs/identity/role-based-access-control/permissions-reference.md` (`ms.date: 01/20/2026`,
//! read 2026-12); the label is in preview and its set changes, so a tenant's own
//! `Get-MgBetaRoleManagementDirectoryRoleDefinition -Filter "isPrivileged eq true"` is the last
//! word. Kept as `tests/fixtures/context/privileged-roles.md`.

use uuid::{uuid, Uuid};

/// A built-in role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinRole {
    /// Its display name.
    pub name: &'static str,
    /// Its template id.
    pub template_id: Uuid,
    /// Whether Entra labels it privileged.
    pub privileged: bool,
}

const fn role(name: &'static str, template_id: Uuid, privileged: bool) -> BuiltinRole {
    BuiltinRole { name, template_id, privileged }
}

/// Every role with the privileged label, then the common admin roles without it.
pub const BUILTIN_ROLES: [BuiltinRole; 38] = [
    role("Agent ID Administrator", uuid!("db506228-d27e-4b7d-95e5-295956d6615f"), true),
    role("Application Administrator", uuid!("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"), true),
    role("Application Developer", uuid!("cf1c38e5-3621-4004-a7cb-879624dced7c"), true),
    role(
        "Attribute Provisioning Administrator",
        uuid!("ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe"),
        true,
    ),
    role("Attribute Provisioning Reader", uuid!("422218e4-db15-4ef9-bbe0-8afb41546d79"), true),
    role("Authentication Administrator", uuid!("c4e39bd9-1100-46d3-8c65-fb160da0071f"), true),
    role(
        "Authentication Extensibility Administrator",
        uuid!("25a516ed-2fa0-40ea-a2d0-12923a21473a"),
        true,
    ),
    role("B2C IEF Keyset Administrator", uuid!("aaf43236-0c0d-4d5f-883a-6955382ac081"), true),
    role("Cloud Application Administrator", uuid!("158c047a-c907-4556-b7ef-446551a6b5f7"), true),
    role("Cloud Device Administrator", uuid!("7698a772-787b-4ac8-901f-60d6b08affd2"), true),
    role("Conditional Access Administrator", uuid!("b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"), true),
    role("Directory Writers", uuid!("9360feb5-f418-4baa-8175-e2a00bac4301"), true),
    role("Domain Name Administrator", uuid!("8329153b-31d0-4727-b945-745eb3bc5f31"), true),
    role(
        "External Identity Provider Administrator",
        uuid!("be2f45a1-457d-42af-a067-6ec1fa63bc45"),
        true,
    ),
    role("Global Administrator", uuid!("62e90394-69f5-4237-9190-012177145e10"), true),
    role("Global Reader", uuid!("f2ef992c-3afb-46b9-b7cf-a126ee74c451"), true),
    role("Helpdesk Administrator", uuid!("729827e3-9c14-49f7-bb1b-9608f156bbb8"), true),
    role("Hybrid Identity Administrator", uuid!("8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2"), true),
    role("Intune Administrator", uuid!("3a2c62db-5318-420d-8d74-23affee5d9d5"), true),
    role("Lifecycle Workflows Administrator", uuid!("59d46f88-662b-457b-bceb-5c3809e5908f"), true),
    role("Partner Tier1 Support", uuid!("4ba39ca4-527c-499a-b93d-d9b492c50246"), true),
    role("Partner Tier2 Support", uuid!("e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8"), true),
    role("Password Administrator", uuid!("966707d0-3269-4727-9be2-8c3a10f19b9d"), true),
    role(
        "Privileged Authentication Administrator",
        uuid!("7be44c8a-adaf-4e2a-84d6-ab2649e08a13"),
        true,
    ),
    role("Privileged Role Administrator", uuid!("e8611ab8-c189-46e8-94e1-60213ab1f814"), true),
    role("Security Administrator", uuid!("194ae4cb-b126-40b2-bd5b-6091b380977d"), true),
    role("Security Operator", uuid!("5f2222b1-57c3-48ba-8ad5-d4759f1fde6f"), true),
    role("Security Reader", uuid!("5d6b6bb7-de71-4623-b4af-96380a352509"), true),
    role("User Administrator", uuid!("fe930be7-5e62-47db-91af-98c3a49a38b1"), true),
    // whats-new.md (August 2024) calls it privileged though the table has no label: it is the
    // sync engine's own account, so a hard match to a holder is blocked like the others.
    role("Directory Synchronization Accounts", uuid!("d29b2b05-8046-44ba-8758-1e26182fcf32"), true),
    role("Exchange Administrator", uuid!("29232cdf-9323-42fd-ade2-1d097af3e4de"), false),
    role("SharePoint Administrator", uuid!("f28a1f50-f6e7-4571-818b-6a12f2af6b6c"), false),
    role("Teams Administrator", uuid!("69091246-20e8-4a56-aa4d-066075b2a7a8"), false),
    role("Groups Administrator", uuid!("fdd7a751-b60b-444a-984c-02652fe8fa1c"), false),
    role("Billing Administrator", uuid!("b0f54661-2d74-4c50-afa3-1ec803f12efe"), false),
    role("License Administrator", uuid!("4d6ac14f-3453-41d0-bef9-a3e0c569773a"), false),
    role(
        "Authentication Policy Administrator",
        uuid!("0526716b-113d-4c15-b2c8-68e3c22b9f80"),
        false,
    ),
    role("Directory Readers", uuid!("88d8e3e3-8f55-4a1e-953a-9b9898b8876b"), false),
];

/// The built-in role with this template (or built-in definition) id.
pub fn by_id(id: Uuid) -> Option<&'static BuiltinRole> {
    BUILTIN_ROLES.iter().find(|r| r.template_id == id)
}

/// The built-in role with this display name, in any letter case.
pub fn by_name(name: &str) -> Option<&'static BuiltinRole> {
    let name = name.trim();
    BUILTIN_ROLES.iter().find(|r| r.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_the_fixtures_list() {
        let list = include_str!("../../../tests/fixtures/context/privileged-roles.md");
        let (privileged, rest) = list.split_once("### Notable roles").unwrap();
        for role in BUILTIN_ROLES {
            let id = role.template_id.hyphenated().to_string();
            let row = format!("| {} | {id} |", role.name);
            let in_list = if role.privileged { privileged } else { rest };
            let listed = in_list.lines().any(|l| l.contains(&row) || l.starts_with(&row));
            let sync_account = role.name == "Directory Synchronization Accounts";
            assert!(listed || (sync_account && rest.contains(&row)), "{row}");
        }
        let labelled =
            privileged.lines().filter(|l| l.starts_with("| ") && l.contains('-')).count();
        assert_eq!(labelled, BUILTIN_ROLES.iter().filter(|r| r.privileged).count() - 1);
    }

    #[test]
    fn looks_up_by_id_and_any_case_name() {
        let global = uuid!("62e90394-69f5-4237-9190-012177145e10");
        assert_eq!(by_id(global).map(|r| r.name), Some("Global Administrator"));
        assert!(by_name(" global administrator ").is_some_and(|r| r.privileged));
        assert!(by_name("Exchange Administrator").is_some_and(|r| !r.privileged));
        assert_eq!(by_name("Contoso Helpdesk (custom)"), None);
    }
}
