//! The few JavaScript conversions Clerk's SDK applies to cookie values, so
//! odd values read the same here: `Number.parseInt(v) || 0` for
//! `__client_uat` and `Number(v) || 0` for `__clerk_redirect_count`
//! (`clerk-handshake.md` §1.4, §1.5).

/// JS white space as `parseInt`/`Number` trim it (StrWhiteSpaceChar).
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{A}' | '\u{B}' | '\u{C}' | '\u{D}' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// `Number.parseInt(text) || 0`, saturating at the `i64` range: leading
/// white space and one sign accepted, digits read up to the first
/// non-digit, nothing readable gives 0.
pub(crate) fn parse_int_or_zero(text: &str) -> i64 {
    let t = text.trim_start_matches(is_js_space);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut value: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        value = value.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if negative { -value } else { value }
}

/// `Number(text) || 0`: decimal (with fraction and exponent), `0x`/`0o`/`0b`
/// integers, `Infinity`, surrounding white space; anything else (NaN) is 0.
pub(crate) fn number_or_zero(text: &str) -> f64 {
    let t = text.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    let radix = |prefix: [&str; 2], radix: u32| {
        let rest = t
            .strip_prefix(prefix[0])
            .or_else(|| t.strip_prefix(prefix[1]))?;
        if rest.is_empty() || !rest.chars().all(|c| c.is_digit(radix)) {
            return Some(f64::NAN);
        }
        // Digit by digit in f64, as JS does (precision is lost past 2^53 either way).
        Some(
            rest.chars()
                .filter_map(|c| c.to_digit(radix))
                .fold(0.0, |acc, d| acc * f64::from(radix) + f64::from(d)),
        )
    };
    let value = radix(["0x", "0X"], 16)
        .or_else(|| radix(["0o", "0O"], 8))
        .or_else(|| radix(["0b", "0B"], 2))
        .unwrap_or_else(|| decimal(t));
    if value.is_nan() { 0.0 } else { value }
}

/// StrDecimalLiteral: optional sign, `Infinity`, or digits with an optional
/// fraction and exponent. Rust's float parser accepts a superset (`inf`,
/// `nan`), so the shape is checked first.
fn decimal(t: &str) -> f64 {
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if unsigned == "Infinity" {
        return if t.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if !(mantissa_ok && exponent_ok) {
        return f64::NAN;
    }
    t.parse().unwrap_or(f64::NAN)
}

/// `String(n)` for the counter values we write (`n + 1`): integers without
/// a fraction, other values as Rust prints them (same digits for the
/// fractions that occur; exotic exponents differ and are harmless).
pub(crate) fn number_to_string(n: f64) -> String {
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if n.fract() == 0.0 && n.abs() < 1e21 {
        // Exact: |n| < 1e21 integers print as their digits in JS too.
        return format!("{n:.0}");
    }
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_reads_leading_digits_like_js() {
        assert_eq!(parse_int_or_zero("12345"), 12345);
        assert_eq!(parse_int_or_zero("  42abc"), 42);
        assert_eq!(parse_int_or_zero("-7"), -7);
        assert_eq!(parse_int_or_zero("+7"), 7);
        assert_eq!(parse_int_or_zero(""), 0);
        assert_eq!(parse_int_or_zero("abc"), 0);
        assert_eq!(parse_int_or_zero("1.9"), 1);
        assert_eq!(parse_int_or_zero("99999999999999999999999"), i64::MAX);
    }

    #[test]
    fn number_follows_js_number_semantics() {
        assert_eq!(number_or_zero("3"), 3.0);
        assert_eq!(number_or_zero(" 3 "), 3.0);
        assert_eq!(number_or_zero("3.0"), 3.0);
        assert_eq!(number_or_zero("0x3"), 3.0);
        assert_eq!(number_or_zero("0b11"), 3.0);
        assert_eq!(number_or_zero("0o3"), 3.0);
        assert_eq!(number_or_zero("3e0"), 3.0);
        assert_eq!(number_or_zero(".5"), 0.5);
        assert_eq!(number_or_zero("abc"), 0.0);
        assert_eq!(number_or_zero("inf"), 0.0);
        assert_eq!(number_or_zero("nan"), 0.0);
        assert_eq!(number_or_zero("0x"), 0.0);
        assert_eq!(number_or_zero("."), 0.0);
        assert_eq!(number_or_zero("1e"), 0.0);
        assert_eq!(number_or_zero("-Infinity"), f64::NEG_INFINITY);
    }

    #[test]
    fn counter_values_print_like_js() {
        assert_eq!(number_to_string(1.0), "1");
        assert_eq!(number_to_string(5.0), "5");
        assert_eq!(number_to_string(4.5), "4.5");
        assert_eq!(number_to_string(-0.5 + 1.0), "0.5");
        assert_eq!(number_to_string(f64::INFINITY), "Infinity");
    }
}
