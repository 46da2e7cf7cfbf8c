//! The top-level domains a routable address may end in, from `tlds.txt` (kept in the source
//! with its version; `make_tlds.py` refreshes it). IdFix read a list of its own that went
//! stale (microsoft/idfix#5).

use std::sync::OnceLock;

use rustc_hash::FxHashSet as HashSet;

const LIST: &str = include_str!("tlds.txt");

/// The list's version line, for messages: "version 2026-10-22_08-36-41_UTC".
pub(super) fn list_version() -> &'static str {
    LIST.lines()
        .find_map(|l| l.strip_prefix("# version "))
        .and_then(|l| l.split(',').next())
        .unwrap_or("unknown")
}

fn list() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| LIST.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect())
}

/// Whether `domain`'s last label is a top-level domain, in any letter case.
pub(super) fn has_known_tld(domain: &str) -> bool {
    let tld = domain.rsplit('.').next().unwrap_or_default();
    if tld.bytes().all(|b| b.is_ascii_lowercase()) {
        list().contains(tld)
    } else {
        list().contains(tld.to_lowercase().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_knows_old_new_and_internationalised_tlds() {
        for domain in ["contoso.com", "Contoso.CO.UK", "fabrikam.museum", "x.travelersinsurance"] {
            assert!(has_known_tld(domain), "{domain}");
        }
        assert!(has_known_tld("пример.рф") && has_known_tld("example.xn--p1ai"));
        for domain in ["contoso.local", "corp", "contoso.lan", "x.onion", "contoso.con"] {
            assert!(!has_known_tld(domain), "{domain}");
        }
        assert!(list_version().starts_with("20"), "{}", list_version());
    }
}
