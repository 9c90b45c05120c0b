//! Safe path segments for ids and template names.

use super::BackendError;

/// Longest id or template name we put in a path. Clerk ids are ~30 chars;
/// the cap keeps a caller's garbage from producing huge URLs.
const MAX_SEGMENT_LEN: usize = 256;

/// Percent-encodes `value` as one path segment, so `/`, `?`, `#` or `..` in a
/// caller-supplied id can never reach another endpoint.
pub(crate) fn segment(what: &str, value: &str) -> Result<String, BackendError> {
    if value.trim().is_empty() {
        return Err(BackendError::InvalidArgument(format!("{what} is empty")));
    }
    if value.len() > MAX_SEGMENT_LEN {
        return Err(BackendError::InvalidArgument(format!(
            "{what} is longer than {MAX_SEGMENT_LEN} bytes"
        )));
    }
    if value == "." || value == ".." {
        return Err(BackendError::InvalidArgument(format!(
            "{what} must not be `.` or `..`"
        )));
    }
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clerk_ids_pass_unchanged() {
        assert_eq!(segment("id", "sess_2abcXYZ").unwrap(), "sess_2abcXYZ");
    }

    #[test]
    fn slashes_and_query_characters_are_encoded() {
        assert_eq!(segment("id", "a/../b?c#d").unwrap(), "a%2F..%2Fb%3Fc%23d");
    }

    #[test]
    fn empty_and_dot_segments_are_rejected() {
        for bad in ["", "  ", ".", ".."] {
            assert!(matches!(
                segment("id", bad),
                Err(BackendError::InvalidArgument(_))
            ));
        }
    }
}
