//! IdFix's rules, run on the on-prem rows beside the join. IdFix (microsoft/idfix) was the
//! on-prem hygiene tool for directory sync until its deprecation on 30 June 2026; each rule here
//! is one line of its `docs/Errors supported by the IdFix tool.md` (multi-tenant errors, and
//! the dedicated ones for mail), without its known false positives: apostrophes in addresses,
//! parentheses and apostrophes in X500 addresses (idfix#16, #79), a stale TLD list (#5).
//!
//! The per-value rules are here; duplicates across the whole set are in [`duplicates`].

mod address;
pub mod duplicates;
mod tlds;

use serde::{Deserialize, Serialize};

use crate::engine::report::{Finding, Severity};
use crate::engine::users::OnPremUser;

use tlds::has_known_tld;

/// One rule of IdFix's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdFixRule {
    /// A character the UPN may not hold.
    UpnCharacters,
    /// The UPN is not an RFC 2822 `local@domain`.
    UpnFormat,
    /// The UPN is over 113 characters.
    UpnLength,
    /// 64 or more characters before the `@`.
    UpnLocalPartLength,
    /// 48 or more characters after the `@`.
    UpnDomainLength,
    /// The UPN's top-level domain is not one.
    UpnTopLevelDomain,
    /// mail is not an RFC 2822 address.
    MailFormat,
    /// mail is over 256 characters.
    MailLength,
    /// mail's top-level domain is not one.
    MailTopLevelDomain,
    /// A proxyAddresses value holds a character it may not.
    ProxyAddressCharacters,
    /// An SMTP proxyAddresses value is not an RFC 2822 address.
    ProxyAddressFormat,
    /// A proxyAddresses value is over 256 characters.
    ProxyAddressLength,
    /// An SMTP proxyAddresses value's top-level domain is not one.
    ProxyAddressTopLevelDomain,
    /// mailNickname begins or ends with a period.
    MailNicknamePeriod,
    /// mailNickname holds whitespace.
    MailNicknameCharacters,
    /// mailNickname is 64 characters or more.
    MailNicknameLength,
    /// A character sAMAccountName may not hold (checked without a UPN).
    SamAccountNameCharacters,
    /// sAMAccountName is over 20 characters (checked without a UPN).
    SamAccountNameLength,
}

/// userPrincipalName: "maximum number of characters: 113".
const UPN_MAX: usize = 113;
/// userPrincipalName: "less than 64 before @".
const UPN_LOCAL_LIMIT: usize = 64;
/// userPrincipalName: "less than 48 after @".
const UPN_DOMAIN_LIMIT: usize = 48;
/// proxyAddresses: "single value maximum number of characters: 256"; mail: the same bound.
const ADDRESS_MAX: usize = 256;
/// mailNickname (dedicated): "less than 64".
const NICKNAME_LIMIT: usize = 64;
/// sAMAccountName: "maximum number of characters: 20".
const SAM_MAX: usize = 20;

impl IdFixRule {
    /// The attribute it checks, as AD names it.
    pub fn attribute(self) -> &'static str {
        use IdFixRule::*;
        match self {
            UpnCharacters | UpnFormat | UpnLength | UpnLocalPartLength | UpnDomainLength
            | UpnTopLevelDomain => "userPrincipalName",
            MailFormat | MailLength | MailTopLevelDomain => "mail",
            ProxyAddressCharacters
            | ProxyAddressFormat
            | ProxyAddressLength
            | ProxyAddressTopLevelDomain => "proxyAddresses",
            MailNicknamePeriod | MailNicknameCharacters | MailNicknameLength => "mailNickname",
            SamAccountNameCharacters | SamAccountNameLength => "sAMAccountName",
        }
    }

    /// The rule in IdFix's words (its list of supported errors).
    pub fn rule(self) -> &'static str {
        use IdFixRule::*;
        match self {
            UpnCharacters => {
                "invalid chars whitespace \\ % & * + / = ? { } | < > ( ) ; : , [ ] \" and umlaut"
            }
            UpnFormat | MailFormat | ProxyAddressFormat => "rfc2822 & routable namespace format",
            UpnLength => "maximum number of characters: 113",
            UpnLocalPartLength => "less than 64 before @",
            UpnDomainLength => "less than 48 after @",
            UpnTopLevelDomain | MailTopLevelDomain | ProxyAddressTopLevelDomain => {
                "routable namespace (a top-level domain)"
            }
            MailLength | ProxyAddressLength => "single value maximum number of characters: 256",
            ProxyAddressCharacters => "invalid chars whitespace < > ( ) ; , [ ] \"",
            MailNicknamePeriod => "may not begin or end with a period",
            MailNicknameCharacters => "no whitespace",
            MailNicknameLength => "less than 64",
            SamAccountNameCharacters => {
                "invalid chars [ \\ \" | , / : < > + = ; ? * ] (only if no userPrincipalName value)"
            }
            SamAccountNameLength => {
                "maximum number of characters: 20 (only if no userPrincipalName value)"
            }
        }
    }

    /// How much it matters: an unknown top-level domain may be one newer than the list, a
    /// mailNickname breaks only Exchange's address generation; the rest fail the export.
    pub fn severity(self) -> Severity {
        use IdFixRule::*;
        match self {
            UpnTopLevelDomain | MailTopLevelDomain | ProxyAddressTopLevelDomain => {
                Severity::Warning
            }
            MailNicknamePeriod | MailNicknameCharacters | MailNicknameLength => Severity::Warning,
            _ => Severity::Problem,
        }
    }

    /// What is wrong with `value` by this rule, in a sentence's second half.
    pub fn explain(self, value: &str) -> String {
        use IdFixRule::*;
        let chars = value.chars().count();
        match self {
            UpnFormat | MailFormat => address::rfc2822_problem(value).unwrap_or("").to_string(),
            ProxyAddressFormat => {
                address::rfc2822_problem(proxy_address(value).1).unwrap_or("").to_string()
            }
            UpnLength | MailLength | ProxyAddressLength | MailNicknameLength
            | SamAccountNameLength => format!("it is {chars} characters long"),
            UpnLocalPartLength => format!(
                "the part before the @ is {} characters long",
                value.rsplit_once('@').map_or(chars, |(l, _)| l.chars().count())
            ),
            UpnDomainLength => format!(
                "the part after the @ is {} characters long",
                value.rsplit_once('@').map_or(0, |(_, d)| d.chars().count())
            ),
            UpnTopLevelDomain | MailTopLevelDomain | ProxyAddressTopLevelDomain => format!(
                ".{} is not a top-level domain (Public Suffix List, {})",
                value.rsplit('.').next().unwrap_or_default(),
                tlds::list_version()
            ),
            UpnCharacters => refused(value, address::is_invalid_upn_char),
            ProxyAddressCharacters => match proxy_address(value) {
                (kind, address) if kind.eq_ignore_ascii_case("smtp") => {
                    refused(address, address::is_invalid_smtp_char)
                }
                _ => refused(value, address::is_invalid_other_proxy_char),
            },
            MailNicknameCharacters => refused(value, char::is_whitespace),
            SamAccountNameCharacters => refused(value, address::is_invalid_sam_char),
            MailNicknamePeriod => "it begins or ends with a period".to_string(),
        }
    }
}

/// "it holds a space, “ü” and “ß”": the characters of `value` that `invalid` refuses, each once.
fn refused(value: &str, invalid: impl Fn(char) -> bool) -> String {
    let mut seen: Vec<char> = Vec::new();
    for c in value.chars().filter(|&c| invalid(c)) {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    let named: Vec<String> = seen
        .iter()
        .map(|&c| match c {
            ' ' => "a space".to_string(),
            '\t' => "a tab".to_string(),
            c if c.is_whitespace() || c.is_control() => format!("U+{:04X}", u32::from(c)),
            c => format!("\u{201c}{c}\u{201d}"),
        })
        .collect();
    match named.as_slice() {
        [] => "it holds characters the rule refuses".to_string(),
        [one] => format!("it holds {one}"),
        [first @ .., last] => format!("it holds {} and {last}", first.join(", ")),
    }
}

/// A proxyAddresses value's type prefix (`smtp`, `X500`…; empty without one) and address.
fn proxy_address(value: &str) -> (&str, &str) {
    value.split_once(':').unwrap_or(("", value))
}

/// Objects IdFix never checks: built-in and system accounts, by sAMAccountName prefix
/// ("Well known exclusions"), computer-like names ending in `$`, and conflict objects.
fn is_excluded(p: OnPremUser<'_>) -> bool {
    const PREFIXES: [&str; 15] = [
        "admini",
        "cas_{",
        "discoverysearchmailbox",
        "federatedemail",
        "guest",
        "httpconnector",
        "krbtgt",
        "iusr_",
        "iwam",
        "msol",
        "support_",
        "systemmailbox",
        "wwioadmini",
        "healthmailbox",
        "exchange online-applicationaccount",
    ];
    let sam = p.sam_account_name();
    let starts =
        |prefix: &str| sam.get(..prefix.len()).is_some_and(|s| s.eq_ignore_ascii_case(prefix));
    sam.ends_with('$')
        || PREFIXES.iter().any(|prefix| starts(prefix))
        || p.distinguished_name().contains("\\0ACNF:")
}

/// The finding of `rule` on `value`, with the suggested value where one can be made.
fn finding(rule: IdFixRule, value: &str, suggested: Option<String>) -> Finding {
    let suggested = suggested.filter(|s| !s.is_empty() && s != value);
    Finding::IdFix { rule, value: value.to_string(), suggested }
}

/// Runs IdFix's rules over the on-prem users in file order, remembering the last top-level
/// domain found good: users of one domain come in runs.
#[derive(Default)]
pub struct IdFixChecker {
    last_good_tld: String,
}

impl IdFixChecker {
    /// Whether the plainly valid `address` ends in a top-level domain.
    fn plain_and_routable(&mut self, address: &str) -> bool {
        match address::plain_address_tld(address) {
            Some(tld) if tld == self.last_good_tld => true,
            Some(tld) if has_known_tld(tld) => {
                self.last_good_tld.clear();
                self.last_good_tld.push_str(tld);
                true
            }
            _ => false,
        }
    }

    /// IdFix's findings on `p`'s values. `upn_suffix_reported`: its UPN suffix already has a
    /// finding (non-routable or not verified), so the top-level domain is not told again.
    pub fn check(&mut self, p: OnPremUser<'_>, upn_suffix_reported: bool, out: &mut Vec<Finding>) {
        let upn = p.upn();
        let nickname = p.mail_nickname();
        // Nearly every user is clean: cheap sufficient conditions say so before any rule runs.
        let upn_ok = upn.is_empty()
            || (upn.len() < UPN_DOMAIN_LIMIT
                && !upn.contains('+') // plain for an address, refused in a UPN
                && (if upn_suffix_reported {
                    address::plain_address_tld(upn).is_some()
                } else {
                    self.plain_and_routable(upn)
                }));
        // Mail and the primary SMTP address are most often the UPN again: told good already.
        let mail = p.mail().unwrap_or_default();
        let seen = |a: &str| a.len() < UPN_DOMAIN_LIMIT && (a == upn && upn_ok || a == mail);
        let clean = upn_ok
            && (mail.is_empty()
                || mail == upn
                || (mail.len() <= ADDRESS_MAX && self.plain_and_routable(mail)))
            && (nickname.is_empty()
                || (nickname.len() < NICKNAME_LIMIT
                    && nickname.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))))
            && (!upn.is_empty()
                || p.sam_account_name().bytes().all(|b| b.is_ascii_alphanumeric())
                    && p.sam_account_name().len() <= SAM_MAX)
            && p.proxy_addresses().all(|value| {
                value.len() <= ADDRESS_MAX
                    && match proxy_address(value) {
                        (kind, address) if kind.eq_ignore_ascii_case("smtp") => {
                            seen(address) || self.plain_and_routable(address)
                        }
                        _ => !value.chars().any(address::is_invalid_other_proxy_char),
                    }
            });
        if !clean {
            check_slowly(p, upn_suffix_reported, out);
        }
    }
}

/// Every rule on `p`, for a user the fast path could not pass.
fn check_slowly(p: OnPremUser<'_>, upn_suffix_reported: bool, out: &mut Vec<Finding>) {
    let upn = p.upn();
    let nickname = p.mail_nickname();
    let sam = p.sam_account_name();
    if is_excluded(p) {
        return;
    }
    check_upn(p, upn_suffix_reported, out);
    if let Some(mail) = p.mail().filter(|m| !m.is_empty()) {
        check_address(
            mail,
            (IdFixRule::MailFormat, IdFixRule::MailLength, IdFixRule::MailTopLevelDomain),
            out,
        );
    }
    for value in p.proxy_addresses() {
        check_proxy_address(value, out);
    }
    if !nickname.is_empty() {
        if nickname.starts_with('.') || nickname.ends_with('.') {
            out.push(finding(
                IdFixRule::MailNicknamePeriod,
                nickname,
                Some(address::without(nickname.trim_matches('.'), char::is_whitespace)),
            ));
        }
        if nickname.chars().any(char::is_whitespace) {
            out.push(finding(
                IdFixRule::MailNicknameCharacters,
                nickname,
                Some(address::without(nickname, char::is_whitespace)),
            ));
        }
        if nickname.chars().count() >= NICKNAME_LIMIT {
            out.push(finding(IdFixRule::MailNicknameLength, nickname, None));
        }
    }
    if upn.is_empty() {
        if sam.chars().any(address::is_invalid_sam_char) {
            out.push(finding(
                IdFixRule::SamAccountNameCharacters,
                sam,
                Some(address::without(sam, address::is_invalid_sam_char)),
            ));
        }
        if sam.chars().count() > SAM_MAX {
            out.push(finding(
                IdFixRule::SamAccountNameLength,
                sam,
                Some(sam.chars().take(SAM_MAX).collect()),
            ));
        }
    }
}

fn check_upn(p: OnPremUser<'_>, suffix_reported: bool, out: &mut Vec<Finding>) {
    let upn = p.upn();
    if upn.is_empty() {
        return;
    }
    let invalid = upn.chars().any(address::is_invalid_upn_char);
    if invalid {
        out.push(finding(
            IdFixRule::UpnCharacters,
            upn,
            Some(address::without(upn, address::is_invalid_upn_char)),
        ));
    } else if address::rfc2822_problem(upn).is_some() {
        out.push(finding(IdFixRule::UpnFormat, upn, suggest_dots(upn)));
    } else if !suffix_reported && !has_known_tld(upn) {
        out.push(finding(IdFixRule::UpnTopLevelDomain, upn, None));
    }
    if upn.chars().count() > UPN_MAX {
        out.push(finding(IdFixRule::UpnLength, upn, None));
    }
    let (local, domain) = upn.rsplit_once('@').unwrap_or((upn, ""));
    if local.chars().count() >= UPN_LOCAL_LIMIT {
        out.push(finding(IdFixRule::UpnLocalPartLength, upn, None));
    }
    if domain.chars().count() >= UPN_DOMAIN_LIMIT {
        out.push(finding(IdFixRule::UpnDomainLength, upn, None));
    }
}

/// For an address whose only fault is its dots (leading, trailing, doubled in the local
/// part), the address with them tidied.
fn suggest_dots(address: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    let local: Vec<&str> = local.split('.').filter(|p| !p.is_empty()).collect();
    let fixed = format!("{}@{domain}", local.join("."));
    address::rfc2822_problem(&fixed).is_none().then_some(fixed)
}

/// The format, length and top-level domain rules of an SMTP address.
fn check_address(
    address: &str,
    (format, length, tld): (IdFixRule, IdFixRule, IdFixRule),
    out: &mut Vec<Finding>,
) {
    if address::rfc2822_problem(address).is_some() {
        out.push(finding(format, address, suggest_dots(address)));
    } else if !has_known_tld(address) {
        out.push(finding(tld, address, None));
    }
    if address.chars().count() > ADDRESS_MAX {
        out.push(finding(length, address, None));
    }
}

fn check_proxy_address(value: &str, out: &mut Vec<Finding>) {
    let (kind, address) = proxy_address(value);
    if kind.eq_ignore_ascii_case("smtp") {
        if address.chars().any(address::is_invalid_smtp_char) {
            let fixed = address::without(value, address::is_invalid_smtp_char);
            out.push(finding(IdFixRule::ProxyAddressCharacters, value, Some(fixed)));
        } else if address::rfc2822_problem(address).is_some() {
            let fixed = suggest_dots(address).map(|a| format!("{kind}:{a}"));
            out.push(finding(IdFixRule::ProxyAddressFormat, value, fixed));
        } else if !has_known_tld(address) {
            out.push(finding(IdFixRule::ProxyAddressTopLevelDomain, value, None));
        }
    } else if value.chars().any(address::is_invalid_other_proxy_char) {
        let fixed = address::without(value, address::is_invalid_other_proxy_char);
        out.push(finding(IdFixRule::ProxyAddressCharacters, value, Some(fixed)));
    }
    if value.chars().count() > ADDRESS_MAX {
        out.push(finding(IdFixRule::ProxyAddressLength, value, None));
    }
}

#[cfg(test)]
mod tests {
    use rustc_hash::FxHashMap as HashMap;

    use super::*;
    use crate::engine::users::test_users::{onprem_table, TestOnPremUser};

    fn rules_of(user: TestOnPremUser) -> Vec<(IdFixRule, String, Option<String>)> {
        let table = onprem_table(&[user]);
        let mut out = Vec::new();
        IdFixChecker::default().check(table.get(0), false, &mut out);
        out.into_iter()
            .map(|f| match f {
                Finding::IdFix { rule, value, suggested } => (rule, value, suggested),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn upn(upn: &str) -> TestOnPremUser {
        TestOnPremUser { upn: upn.into(), sam_account_name: "user".into(), ..Default::default() }
    }

    #[test]
    fn upn_lengths_are_idfix_bounds() {
        let local = |n: usize| format!("{}@contoso.com", "a".repeat(n));
        assert_eq!(rules_of(upn(&local(63))), []);
        assert_eq!(rules_of(upn(&local(64)))[0].0, IdFixRule::UpnLocalPartLength);
        let domain = |n: usize| format!("ada@{}.com", "d".repeat(n - 4));
        assert_eq!(rules_of(upn(&domain(47))), []);
        assert_eq!(rules_of(upn(&domain(48)))[0].0, IdFixRule::UpnDomainLength);
        // 113 in all (63 + @ + 49) breaks only the domain bound; 114 both.
        let total = format!("{}@{}.com", "a".repeat(63), "d".repeat(45));
        let found: Vec<IdFixRule> = rules_of(upn(&total)).into_iter().map(|r| r.0).collect();
        assert_eq!(found, [IdFixRule::UpnDomainLength]);
        let over = format!("{}@{}.com", "a".repeat(63), "d".repeat(46));
        let found: Vec<IdFixRule> = rules_of(upn(&over)).into_iter().map(|r| r.0).collect();
        assert_eq!(found, [IdFixRule::UpnLength, IdFixRule::UpnDomainLength]);
    }

    #[test]
    fn each_refused_upn_character_is_found_and_dropped_in_the_suggestion() {
        for c in [
            " ", "\\", "%", "&", "*", "+", "/", "=", "?", "{", "}", "|", "<", ">", "(", ")", ";",
            ":", ",", "[", "]", "\"",
        ] {
            let value = format!("ada{c}l@contoso.com");
            let found = rules_of(upn(&value));
            assert_eq!(
                found,
                [(IdFixRule::UpnCharacters, value.clone(), Some("adal@contoso.com".into()))],
                "{c:?}"
            );
        }
        assert_eq!(rules_of(upn("o'brien@contoso.com")), []);
        assert_eq!(
            rules_of(upn("ada@contoso.local")),
            [(IdFixRule::UpnTopLevelDomain, "ada@contoso.local".into(), None)]
        );
    }

    #[test]
    fn mail_and_proxy_addresses() {
        let user = TestOnPremUser {
            upn: "ada@contoso.com".into(),
            mail: Some(format!("{}@contoso.com", "m".repeat(250))),
            proxy_addresses: vec![
                "SMTP:ada@contoso.com".into(),
                "smtp:ada(old)@contoso.com".into(),
                "smtp:.ada@contoso.com".into(),
                "X400:c=US;a= ;p=Contoso;o=Exchange;s=Lovelace;g=Ada;".into(),
                "X500:/o=Contoso (EU)/ou=O'Neil/cn=Recipients/cn=ada".into(),
                format!("sip:{}", "s".repeat(260)),
            ],
            ..Default::default()
        };
        let found = rules_of(user);
        assert_eq!(
            found,
            [
                (IdFixRule::MailLength, format!("{}@contoso.com", "m".repeat(250)), None),
                (
                    IdFixRule::ProxyAddressCharacters,
                    "smtp:ada(old)@contoso.com".into(),
                    Some("smtp:adaold@contoso.com".into())
                ),
                (
                    IdFixRule::ProxyAddressFormat,
                    "smtp:.ada@contoso.com".into(),
                    Some("smtp:ada@contoso.com".into())
                ),
                (IdFixRule::ProxyAddressLength, format!("sip:{}", "s".repeat(260)), None),
            ]
        );
    }

    #[test]
    fn sam_account_name_only_without_a_upn_and_exclusions_skip_all() {
        let sam = |sam: &str| TestOnPremUser { sam_account_name: sam.into(), ..Default::default() };
        assert_eq!(
            rules_of(sam("a/b")),
            [(IdFixRule::SamAccountNameCharacters, "a/b".into(), Some("ab".into()))]
        );
        assert_eq!(rules_of(sam(&"s".repeat(21)))[0].0, IdFixRule::SamAccountNameLength);
        assert_eq!(rules_of(TestOnPremUser { upn: "a@contoso.com".into(), ..sam("a/b") }), []);
        for excluded in ["krbtgt", "HealthMailbox01", "WS01$", "Administrator"] {
            assert_eq!(
                rules_of(TestOnPremUser { upn: "bad upn".into(), ..sam(excluded) }),
                [],
                "{excluded}"
            );
        }
    }

    #[test]
    fn a_shared_primary_is_left_to_the_join_and_a_shared_secondary_is_told() {
        let user = |upn: &str, proxies: &[&str]| TestOnPremUser {
            upn: upn.into(),
            proxy_addresses: proxies.iter().map(|p| p.to_string()).collect(),
            ..Default::default()
        };
        let table = onprem_table(&[
            user("a@contoso.com", &["SMTP:shared@contoso.com", "smtp:a@contoso.com"]),
            user("b@contoso.com", &["SMTP:shared@contoso.com", "smtp:b@contoso.com"]),
            user("c@contoso.com", &["SMTP:c@contoso.com", "smtp:A@Contoso.com"]),
        ]);
        let mut found = HashMap::default();
        duplicates::shared_values(&table, &mut found);
        let addresses = |i: u32| -> Vec<String> {
            found
                .get(&i)
                .into_iter()
                .flatten()
                .map(|f| match f {
                    Finding::DuplicateProxyAddress { address, .. } => address.clone(),
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        assert_eq!(addresses(0), ["smtp:a@contoso.com"]);
        assert!(addresses(1).is_empty());
        assert_eq!(addresses(2), ["smtp:A@Contoso.com"]);
    }
}
