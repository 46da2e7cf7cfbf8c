//! The shapes IdFix checks values against: RFC 2822 addresses (its `Rfc2822Regex`: a dot-atom,
//! `@`, dot-separated host labels) and the characters each attribute may not hold.

/// The top-level label of `address` when it is plainly valid: letters, digits, `.`, `-`, `_`,
/// `'` and `+` only, one `@`, a dot-atom before it, host labels after it of letters, digits and
/// inner hyphens, and a last label of two or more letters. One pass over the bytes, for the
/// users (nearly all) whose values need no rule: `None` sends a value to the full checks.
pub(super) fn plain_address_tld(address: &str) -> Option<&str> {
    let bytes = address.as_bytes();
    let at = memchr::memrchr(b'@', bytes)?;
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    // Whole-slice class tests first (they vectorise), then the few structural ones.
    let in_class =
        |s: &[u8], class: &[bool; 256]| s.iter().fold(true, |ok, &b| ok & class[b as usize]);
    if local.is_empty()
        || !in_class(local, &PLAIN_LOCAL)
        || local[0] == b'.'
        || local[local.len() - 1] == b'.'
        || memchr::memmem::find(local, b"..").is_some()
        || !in_class(domain, &HOST)
    {
        return None;
    }
    let mut labels = domain.split(|&b| b == b'.');
    let tld = labels.next_back()?;
    let label_ok =
        |l: &[u8]| !l.is_empty() && l.len() <= 63 && l[0] != b'-' && l[l.len() - 1] != b'-';
    let mut hosts = 0;
    for label in labels {
        if !label_ok(label) {
            return None;
        }
        hosts += 1;
    }
    (hosts > 0 && tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic))
        .then(|| &address[address.len() - tld.len()..])
}

/// A byte class as a lookup table.
const fn class(extra: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
}

/// What [`plain_address_tld`] lets through before the `@`.
const PLAIN_LOCAL: [bool; 256] = class(b".-_'+");
/// Host names: letters, digits, hyphens and dots.
const HOST: [bool; 256] = class(b".-");

/// RFC 2822 `atext`: what a dot-atom's parts are made of.
fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b)
}

/// Where `address` breaks RFC 2822's `local@domain` form, if it does: a dot-atom local part,
/// host labels of letters, digits and inner hyphens, and a top-level label of letters (or an
/// `xn--` A-label).
pub(super) fn rfc2822_problem(address: &str) -> Option<&'static str> {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Some("it has no @");
    };
    let dot_atom =
        |s: &str| !s.is_empty() && s.split('.').all(|p| !p.is_empty() && p.bytes().all(is_atext));
    if !dot_atom(local) {
        return Some("the part before the @ is not a dot-atom (empty, a leading, trailing or double dot, or a character RFC 2822 does not allow)");
    }
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && l.len() <= 63
            && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    if !domain.contains('.') || !domain.split('.').all(label_ok) {
        return Some("the domain is not a routable host name (labels of letters, digits and inner hyphens, with at least one dot)");
    }
    let tld = domain.rsplit('.').next().unwrap_or_default();
    let tld_ok = (tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic()))
        || tld.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--"));
    (!tld_ok).then_some("the top-level label is not letters")
}

/// IdFix's userPrincipalName characters: whitespace `\ % & * + / = ? { } | < > ( ) ; : , [ ] "`
/// and umlauts. Any character outside ASCII counts: Entra's UPNs are ASCII. The apostrophe,
/// which IdFix's own pattern also refused, is allowed (o'brien@…).
pub(super) fn is_invalid_upn_char(c: char) -> bool {
    c.is_whitespace()
        || !c.is_ascii()
        || c.is_ascii_control()
        || "\\%&*+/=?{}|<>();:,[]\"".contains(c)
}

/// IdFix's SMTP proxyAddresses characters: whitespace `< > ( ) ; , [ ] "`. The apostrophe is
/// allowed: RFC 2822 permits it, and IdFix's refusing it was a false positive.
pub(super) fn is_invalid_smtp_char(c: char) -> bool {
    c.is_whitespace() || c.is_control() || "<>();,[]\"".contains(c)
}

/// Characters no proxyAddresses value of another type (X500, X400, SIP…) may hold: controls
/// only. IdFix also refused parentheses and apostrophes there, and flagged valid X500
/// addresses (microsoft/idfix#16, #79).
pub(super) fn is_invalid_other_proxy_char(c: char) -> bool {
    c.is_control()
}

/// IdFix's sAMAccountName characters: `[ \ " | , / : < > + = ; ? * ]`.
pub(super) fn is_invalid_sam_char(c: char) -> bool {
    "[]\\\"|,/:<>+=;?*".contains(c)
}

/// `value` with the characters `invalid` refuses taken out, and Latin letters with diacritics
/// (IdFix's umlauts) written as their base letters: the suggested fix.
pub(super) fn without(value: &str, invalid: impl Fn(char) -> bool) -> String {
    let mut fixed = String::with_capacity(value.len());
    for c in value.chars() {
        match base_letters(c) {
            Some(base) if invalid(c) => fixed.push_str(base),
            _ if invalid(c) => {}
            _ => fixed.push(c),
        }
    }
    fixed
}

/// The base letters of a Latin-1 letter with a diacritic. Hand-written rather than a Unicode
/// normalisation crate: the suggestion needs only these, and the tables would weigh on the
/// single-file page.
fn base_letters(c: char) -> Option<&'static str> {
    Some(match c {
        'À'..='Å' => "A",
        'Æ' => "AE",
        'Ç' => "C",
        'È'..='Ë' => "E",
        'Ì'..='Ï' => "I",
        'Ð' => "D",
        'Ñ' => "N",
        'Ò'..='Ö' | 'Ø' => "O",
        'Ù'..='Ü' => "U",
        'Ý' => "Y",
        'Þ' => "TH",
        'ß' => "ss",
        'à'..='å' => "a",
        'æ' => "ae",
        'ç' => "c",
        'è'..='ë' => "e",
        'ì'..='ï' => "i",
        'ð' => "d",
        'ñ' => "n",
        'ò'..='ö' | 'ø' => "o",
        'ù'..='ü' => "u",
        'ý' | 'ÿ' => "y",
        'þ' => "th",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2822_addresses() {
        for ok in
            ["ada@contoso.com", "o'brien@contoso.co.uk", "a.b-c+d@x-y.example", "a@b.xn--p1ai"]
        {
            assert_eq!(rfc2822_problem(ok), None, "{ok}");
        }
        for bad in [
            "ada",
            "ada@",
            "@contoso.com",
            ".ada@contoso.com",
            "a..b@contoso.com",
            "ada.@contoso.com",
            "ada@contoso",
            "ada@-contoso.com",
            "ada@contoso..com",
            "ada@contoso.c0m",
            "a b@contoso.com",
            "ada@contoso.c",
        ] {
            assert!(rfc2822_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn suggestions_drop_what_is_refused_and_keep_base_letters() {
        assert_eq!(
            without("Jürgen Weiß@contoso.com", is_invalid_upn_char),
            "JurgenWeiss@contoso.com"
        );
        assert_eq!(without("o'brien@contoso.com", is_invalid_upn_char), "o'brien@contoso.com");
        assert_eq!(without("smtp:a(b)@contoso.com", is_invalid_smtp_char), "smtp:ab@contoso.com");
        assert!(!"X500:/o=Contoso (EU)/ou=O'Neil".chars().any(is_invalid_other_proxy_char));
    }
}
