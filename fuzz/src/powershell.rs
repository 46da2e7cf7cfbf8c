//! A small PowerShell tokenizer, just enough to prove that a script's every string literal is a
//! single-quoted literal that PowerShell reads whole, and that nothing else in it is code but
//! what the script's template writes.
//!
//! The rules are PowerShell's (about_Quoting_Rules, about_Comments): a single-quoted string
//! opens and closes with any of `'` U+2018 U+2019 U+201A U+201B, a quote of these doubled stands
//! for one, and nothing in it is expanded; `#` at the start of a token comments to the end of
//! the line (CR or LF); `<#` … `#>` is a block comment. A single-quoted here-string opens with
//! `@'` at the end of a line and closes with `'@` at the start of one; nothing in it is
//! expanded and no quote in it needs doubling.

/// A script split into the code outside literals and comments, and the literals' values.
#[derive(Debug, PartialEq, Eq)]
pub struct Tokens {
    /// The code, each literal replaced by `'…'` (a here-string by `@'…'@`) and each comment by
    /// nothing.
    pub skeleton: String,
    /// The single-quoted literals' values, in order, their doubled quotes undone.
    pub literals: Vec<String>,
}

/// Why a script does not tokenize.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    /// A single-quoted literal opened at this character index never closes.
    UnclosedLiteral(usize),
    /// A block comment opened at this character index never closes.
    UnclosedComment(usize),
    /// A here-string opened at this character index has more on its opening line.
    HereStringNotAtLineEnd(usize),
}

/// PowerShell's single-quote characters.
pub fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

fn is_newline(c: char) -> bool {
    matches!(c, '\r' | '\n')
}

/// Splits `script` into its skeleton and literals.
pub fn tokenize(script: &str) -> Result<Tokens, TokenError> {
    let chars: Vec<char> = script.chars().collect();
    let mut tokens = Tokens { skeleton: String::new(), literals: Vec::new() };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let token_start = i == 0 || chars[i - 1].is_whitespace();
        if c == '<' && chars.get(i + 1) == Some(&'#') {
            let close = (i + 2..chars.len().saturating_sub(1))
                .find(|&j| chars[j] == '#' && chars[j + 1] == '>')
                .ok_or(TokenError::UnclosedComment(i))?;
            i = close + 2;
        } else if c == '#' && token_start {
            while i < chars.len() && !is_newline(chars[i]) {
                i += 1;
            }
        } else if c == '@' && chars.get(i + 1).copied().is_some_and(is_single_quote) {
            let open = i;
            // The rest of the opening line must be blank.
            let mut j = i + 2;
            while chars.get(j).is_some_and(|&c| c == ' ' || c == '\t') {
                j += 1;
            }
            match (chars.get(j), chars.get(j + 1)) {
                (Some('\r'), Some('\n')) => j += 2,
                (Some('\n' | '\r'), _) => j += 1,
                _ => return Err(TokenError::HereStringNotAtLineEnd(open)),
            }
            let start = j;
            let close = (start..chars.len())
                .find(|&k| {
                    (k == start || is_newline(chars[k - 1]))
                        && is_single_quote(chars[k])
                        && chars.get(k + 1) == Some(&'@')
                })
                .ok_or(TokenError::UnclosedLiteral(open))?;
            // The newline before the closing quote is not part of the value.
            let mut end = close;
            if end > start && chars[end - 1] == '\n' {
                end -= 1;
            }
            if end > start && chars[end - 1] == '\r' {
                end -= 1;
            }
            tokens.skeleton.push_str("@'…'@");
            tokens.literals.push(chars[start..end.max(start)].iter().collect());
            i = close + 2;
        } else if is_single_quote(c) {
            let open = i;
            let mut value = String::new();
            i += 1;
            loop {
                let Some(&c) = chars.get(i) else { return Err(TokenError::UnclosedLiteral(open)) };
                if is_single_quote(c) {
                    match chars.get(i + 1) {
                        Some(&next) if is_single_quote(next) => {
                            value.push(next);
                            i += 2;
                        }
                        _ => {
                            i += 1;
                            break;
                        }
                    }
                } else {
                    value.push(c);
                    i += 1;
                }
            }
            tokens.skeleton.push_str("'…'");
            tokens.literals.push(value);
        } else {
            tokens.skeleton.push(c);
            i += 1;
        }
    }
    Ok(tokens)
}

/// The skeleton's non-blank lines, trimmed.
pub fn code_lines(skeleton: &str) -> Vec<&str> {
    skeleton.split(is_newline).map(str::trim).filter(|l| !l.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_comments_and_doubled_quotes() {
        let script =
            "<# a 'b' #>\n# it's a comment\n$x = 'o''brien' + '\u{2019}\u{2019}x'\nf a#b\n";
        let tokens = tokenize(script).unwrap();
        assert_eq!(tokens.literals, ["o'brien", "\u{2019}x"]);
        assert_eq!(code_lines(&tokens.skeleton), ["$x = '…' + '…'", "f a#b"]);
    }

    #[test]
    fn an_unclosed_literal_or_comment_is_an_error() {
        assert_eq!(tokenize("x 'abc''"), Err(TokenError::UnclosedLiteral(2)));
        assert_eq!(tokenize("x 'a\u{2019}\u{2019}"), Err(TokenError::UnclosedLiteral(2)));
        assert_eq!(tokenize("<# x #"), Err(TokenError::UnclosedComment(0)));
    }

    #[test]
    fn here_strings_are_one_literal_each() {
        let script = "$a = @'\r\nx 'y' #z\n '@ no\n'@\n$b = 1\n";
        let tokens = tokenize(script).unwrap();
        assert_eq!(tokens.literals, ["x 'y' #z\n '@ no"]);
        assert_eq!(code_lines(&tokens.skeleton), ["$a = @'…'@", "$b = 1"]);
        assert_eq!(tokenize("$a = @' x\n'@"), Err(TokenError::HereStringNotAtLineEnd(5)));
        assert_eq!(tokenize("$a = @'\nx\n '@"), Err(TokenError::UnclosedLiteral(5)));
    }

    #[test]
    fn a_quote_of_another_kind_closes_a_literal() {
        let tokens = tokenize("'a\u{2018}; Remove-MgUser x'").unwrap_err();
        assert_eq!(tokens, TokenError::UnclosedLiteral(20));
        let tokens = tokenize("'a\u{2018} Remove-Item x").unwrap();
        assert_eq!(code_lines(&tokens.skeleton), ["'…' Remove-Item x"]);
    }
}
