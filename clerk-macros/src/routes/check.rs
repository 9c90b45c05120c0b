//! Route checks: methods, axum 0.8 path syntax (`{id}`, `{*rest}`, and
//! `{{`/`}}` for literal braces), duplicates.

/// Methods `routes!` accepts, each with its axum `routing` function.
pub(crate) const METHODS: [(&str, &str); 7] = [
    ("GET", "get"),
    ("POST", "post"),
    ("PUT", "put"),
    ("PATCH", "patch"),
    ("DELETE", "delete"),
    ("HEAD", "head"),
    ("OPTIONS", "options"),
];

/// The axum routing function for `method`, or an error saying what to write.
pub(crate) fn check_method(method: &str) -> Result<&'static str, String> {
    if let Some((_, function)) = METHODS.iter().find(|(name, _)| *name == method) {
        return Ok(function);
    }
    let upper = method.to_ascii_uppercase();
    if METHODS.iter().any(|(name, _)| *name == upper) {
        return Err(format!(
            "HTTP methods are written in uppercase: write {upper}"
        ));
    }
    let accepted: Vec<&str> = METHODS.iter().map(|(name, _)| *name).collect();
    Err(format!(
        "unsupported HTTP method `{method}`: routes! accepts {}",
        accepted.join(", ")
    ))
}

/// Checks a route path against axum 0.8's syntax; `Ok` gives the path with
/// capture names erased, to find routes that differ only in those names.
pub(crate) fn check_path(path: &str) -> Result<String, String> {
    if !path.starts_with('/') {
        return Err(format!("route paths start with `/`: write \"/{path}\""));
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    let mut names: Vec<&str> = Vec::new();
    let mut shape = String::new();
    for (index, segment) in segments.iter().enumerate() {
        shape.push('/');
        let last = index + 1 == segments.len();
        if let Some(name) = segment.strip_prefix(':') {
            return Err(format!(
                "axum 0.8 writes path parameters in braces: write \"{}\" instead of \":{name}\"",
                path.replacen(&format!(":{name}"), &format!("{{{name}}}"), 1)
            ));
        }
        if let Some(name) = segment.strip_prefix('*') {
            return Err(format!(
                "axum 0.8 writes a catch-all in braces: write \"{}\" instead of \"*{name}\"",
                path.replacen(&format!("*{name}"), &format!("{{*{name}}}"), 1)
            ));
        }
        let mut rest = *segment;
        while let Some(open) = rest.find(['{', '}']) {
            // `{{` and `}}` are literal braces in axum 0.8 (matchit).
            if let Some(escaped @ ("{{" | "}}")) = rest.get(open..open + 2) {
                shape.push_str(&rest[..open]);
                shape.push_str(escaped);
                rest = &rest[open + 2..];
                continue;
            }
            if rest.as_bytes()[open] == b'}' {
                return Err(format!(
                    "unmatched `}}` in route path \"{path}\": captures are written {{name}}, \
                     a literal brace is written twice: `{{{{` or `}}}}`"
                ));
            }
            shape.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                return Err(format!(
                    "unclosed `{{` in route path \"{path}\": captures are written {{name}}, \
                     a literal brace is written twice: `{{{{` or `}}}}`"
                ));
            };
            let inner = &rest[open + 1..open + close];
            let (catch_all, name) = match inner.strip_prefix('*') {
                Some(name) => (true, name),
                None => (false, inner),
            };
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!(
                    "invalid capture `{{{inner}}}` in route path \"{path}\": a capture is a name \
                     like {{id}}, or {{*rest}} for the rest of the path"
                ));
            }
            if catch_all && !(last && open == 0 && open + close + 1 == rest.len()) {
                return Err(format!(
                    "the catch-all `{{*{name}}}` must be the whole last segment of the path, \
                     e.g. \"/files/{{*{name}}}\""
                ));
            }
            if names.contains(&name) {
                return Err(format!(
                    "capture `{{{name}}}` appears twice in route path \"{path}\""
                ));
            }
            names.push(name);
            shape.push_str(if catch_all { "{*}" } else { "{}" });
            rest = &rest[open + close + 1..];
        }
        shape.push_str(rest);
    }
    Ok(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uppercase_methods_map_to_axum_functions() {
        assert_eq!(check_method("DELETE"), Ok("delete"));
    }

    #[test]
    fn lowercase_method_suggests_uppercase() {
        assert_eq!(
            check_method("get"),
            Err("HTTP methods are written in uppercase: write GET".to_owned())
        );
    }

    #[test]
    fn unknown_method_lists_accepted() {
        assert!(
            check_method("TRACE")
                .unwrap_err()
                .contains("GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS")
        );
    }

    #[test]
    fn colon_parameter_suggests_braces() {
        let message = check_path("/users/:id/posts").unwrap_err();
        assert!(message.contains("\"/users/{id}/posts\""), "{message}");
    }

    #[test]
    fn star_catch_all_suggests_braces() {
        assert!(
            check_path("/files/*rest")
                .unwrap_err()
                .contains("\"/files/{*rest}\"")
        );
    }

    #[test]
    fn path_must_start_with_slash() {
        assert!(check_path("items").unwrap_err().contains("\"/items\""));
    }

    #[test]
    fn catch_all_must_be_last() {
        assert!(check_path("/{*rest}/x").is_err());
    }

    #[test]
    fn capture_names_are_erased_in_the_shape() {
        assert_eq!(check_path("/a/{id}/b"), check_path("/a/{key}/b"));
        assert_eq!(check_path("/"), Ok("/".to_owned()));
        assert_eq!(check_path("/files/{*rest}"), Ok("/files/{*}".to_owned()));
    }

    #[test]
    fn escaped_braces_are_literal() {
        assert_eq!(check_path("/a/{{x}}"), Ok("/a/{{x}}".to_owned()));
        assert_eq!(check_path("/a/{{{id}}}"), Ok("/a/{{{}}}".to_owned()));
        assert_eq!(check_path("/{{}}/{id}"), Ok("/{{}}/{}".to_owned()));
    }

    #[test]
    fn escaped_braces_differ_from_a_capture() {
        assert_ne!(check_path("/a/{{x}}"), check_path("/a/{x}"));
    }

    #[test]
    fn single_closing_brace_is_still_rejected() {
        assert!(check_path("/a/x}").unwrap_err().contains("unmatched"));
        assert!(check_path("/a/{x}}").unwrap_err().contains("unmatched"));
    }

    #[test]
    fn unclosed_brace_is_rejected() {
        assert!(check_path("/a/{id").unwrap_err().contains("unclosed"));
    }
}
