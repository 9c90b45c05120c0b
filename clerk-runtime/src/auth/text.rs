//! The strings of one session in one buffer: decoding a token allocates
//! once for its ids, role, permissions and entitlements, not once per
//! string (a cold request allocated 53 times against the floor's 32,
//! issue 19's profile).

/// Where one string sits in a session's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

/// Every string a session's claims decoded to, end to end; the session
/// holds [`Span`]s of it.
#[derive(Default)]
pub(crate) struct Text(String);

impl Text {
    /// Room for `capacity` bytes before the buffer grows.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self(String::with_capacity(capacity))
    }

    /// Appends `parts` as one string.
    pub(crate) fn push(&mut self, parts: &[&str]) -> Span {
        let start = self.0.len();
        for part in parts {
            self.0.push_str(part);
        }
        // A session's text is its token's strings and at most
        // `MAX_ORG_PERMISSION_BYTES` of permissions: far below 4 GiB.
        Span {
            start: start as u32,
            end: self.0.len() as u32,
        }
    }

    /// The string at `span`.
    pub(crate) fn get(&self, span: Span) -> &str {
        &self.0[span.start as usize..span.end as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::Text;

    #[test]
    fn spans_read_back_what_was_pushed() {
        let mut text = Text::with_capacity(4);
        let a = text.push(&["org:", "admin"]);
        let empty = text.push(&[]);
        let b = text.push(&["é"]);
        assert_eq!(
            (text.get(a), text.get(empty), text.get(b)),
            ("org:admin", "", "é")
        );
    }
}
