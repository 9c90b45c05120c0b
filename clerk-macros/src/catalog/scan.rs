//! Finds a `catalog! { ... }` invocation in Rust source text.
//!
//! A small lexer rather than `syn::parse_file`: it must give the line of the
//! invocation (for the "declared at src/main.rs:4" note) and keep working
//! while the rest of the file is half-typed in an editor. It only needs to
//! know where comments, strings and character literals are.

/// A `catalog!` found in a file: its line (1-based) and the text between
/// its delimiters.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Found<'a> {
    pub(crate) line: usize,
    pub(crate) body: &'a str,
}

/// The first `catalog!` invocation in `text` outside comments and strings.
pub(crate) fn find_catalog(text: &str) -> Option<Found<'_>> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(next) = skip_literal_or_comment(bytes, i) {
            i = next;
            continue;
        }
        let b = bytes[i];
        if is_ident_start(b) {
            let start = i;
            while i < bytes.len() && is_ident_continue(bytes[i]) {
                i += 1;
            }
            if &text[start..i] == "catalog"
                && let Some((open, close)) = invocation_body(bytes, i)
            {
                let line = text[..start].bytes().filter(|&b| b == b'\n').count() + 1;
                return Some(Found {
                    line,
                    body: &text[open + 1..close],
                });
            }
            continue;
        }
        i += 1;
    }
    None
}

/// After an identifier ending at `i`: `!` and a delimited group, as the
/// byte positions of the opening and the matching closing delimiter.
fn invocation_body(bytes: &[u8], mut i: usize) -> Option<(usize, usize)> {
    i = skip_whitespace(bytes, i);
    if bytes.get(i) != Some(&b'!') {
        return None;
    }
    i = skip_whitespace(bytes, i + 1);
    if !matches!(bytes.get(i), Some(b'{' | b'(' | b'[')) {
        return None;
    }
    let open = i;
    let mut depth = 0usize;
    while i < bytes.len() {
        if let Some(next) = skip_literal_or_comment(bytes, i) {
            i = next;
            continue;
        }
        match bytes[i] {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some((open, i));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// When a comment, string, raw string or character literal starts at `i`,
/// the position just after it.
fn skip_literal_or_comment(bytes: &[u8], i: usize) -> Option<usize> {
    let rest = &bytes[i..];
    let preceded_by_ident = i > 0 && is_ident_continue(bytes[i - 1]);
    if rest.starts_with(b"//") {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        return Some(i + end);
    }
    if rest.starts_with(b"/*") {
        let mut depth = 0usize;
        let mut j = i;
        while j < bytes.len() {
            if bytes[j..].starts_with(b"/*") {
                depth += 1;
                j += 2;
            } else if bytes[j..].starts_with(b"*/") {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return Some(j);
                }
            } else {
                j += 1;
            }
        }
        return Some(bytes.len());
    }
    if !preceded_by_ident {
        let raw_start = if rest.starts_with(b"br") || rest.starts_with(b"cr") {
            Some(2)
        } else if rest.starts_with(b"r") {
            Some(1)
        } else {
            None
        };
        if let Some(offset) = raw_start {
            let hashes = rest[offset..].iter().take_while(|&&b| b == b'#').count();
            if rest.get(offset + hashes) == Some(&b'"') {
                let body = i + offset + hashes + 1;
                let mut closing = vec![b'"'];
                closing.extend(std::iter::repeat_n(b'#', hashes));
                let end = bytes[body..]
                    .windows(closing.len())
                    .position(|w| w == closing.as_slice())
                    .map_or(bytes.len(), |p| body + p + closing.len());
                return Some(end);
            }
        }
    }
    match rest.first() {
        Some(b'"') => {
            let mut j = i + 1;
            while j < bytes.len() {
                match bytes[j] {
                    b'\\' => j += 2,
                    b'"' => return Some(j + 1),
                    _ => j += 1,
                }
            }
            Some(bytes.len())
        }
        Some(b'\'') => {
            if rest.get(1) == Some(&b'\\') {
                let end = rest[2..].iter().position(|&b| b == b'\'')?;
                return Some(i + 2 + end + 1);
            }
            // `'x'` is a character; `'a` (no closing quote) a lifetime.
            // Length of the UTF-8 character after the quote, from its lead byte.
            let ch_len = match rest.get(1) {
                Some(&b) if b >= 0xF0 => 4,
                Some(&b) if b >= 0xE0 => 3,
                Some(&b) if b >= 0x80 => 2,
                _ => 1,
            };
            if rest.get(1 + ch_len) == Some(&b'\'') {
                Some(i + 2 + ch_len)
            } else {
                Some(i + 1)
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_invocation_and_its_line() {
        let text = "use x;\n\ncatalog! {\n    roles: [\"org:admin\"],\n}\nfn main() {}\n";
        let found = find_catalog(text).unwrap();
        assert_eq!(found.line, 3);
        assert_eq!(found.body.trim(), "roles: [\"org:admin\"],");
    }

    #[test]
    fn ignores_catalog_in_comments_and_strings() {
        let text = "// catalog! { roles: [] }\n/* catalog!{} */ let s = \"catalog!{}\";\n\
                    clerk_runtime::catalog!(plans: [\"o:pro\"]);";
        let found = find_catalog(text).unwrap();
        assert_eq!(found.line, 3);
        assert_eq!(found.body, "plans: [\"o:pro\"]");
    }

    #[test]
    fn nested_groups_and_brackets_in_strings_do_not_end_the_body_early() {
        let text = "catalog! { roles: [\"org:a]\"], permissions: [] } x";
        assert_eq!(
            find_catalog(text).unwrap().body,
            " roles: [\"org:a]\"], permissions: [] "
        );
    }

    #[test]
    fn lifetimes_and_chars_are_not_mistaken_for_each_other() {
        let text = "fn f<'a>(x: &'a str) -> char { '}' }\ncatalog!{ roles: [] }";
        assert_eq!(find_catalog(text).unwrap().line, 2);
    }

    #[test]
    fn other_identifiers_ending_in_catalog_do_not_count() {
        assert_eq!(find_catalog("my_catalog! { roles: [] }"), None);
    }
}
