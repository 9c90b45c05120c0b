//! Decimal feature-permission masks (`fpm`) of any length, without a bigint.
//!
//! Clerk's masks can exceed 2^53 and 2^64, so they are read digit by digit:
//! halving the decimal string yields one bit per round, least significant first.

/// Positions of the set bits of `mask` below `limit`, ascending.
///
/// A mask that is empty or has any non-digit character has no bits, as in
/// Clerk's parser. Only the low `limit` bits are computed, so a huge mask
/// costs `limit` halvings, not one per bit.
pub(crate) fn set_bits_below(mask: &str, limit: usize) -> Bits {
    if mask.is_empty() || !mask.bytes().all(|b| b.is_ascii_digit()) {
        return Bits::Small {
            value: 0,
            limit: 0,
            next: 0,
        };
    }
    // Fast path, without allocating: nearly every real mask fits in 64 bits
    // (one bit per action).
    if let Ok(value) = mask.parse::<u64>() {
        return Bits::Small {
            value,
            limit: limit.min(64),
            next: 0,
        };
    }
    let mut digits: Vec<u8> = mask
        .bytes()
        .map(|b| b - b'0')
        .skip_while(|&d| d == 0)
        .collect();
    let mut bits = Vec::new();
    let mut position = 0;
    while !digits.is_empty() && position < limit {
        if halve(&mut digits) == 1 {
            bits.push(position);
        }
        position += 1;
    }
    Bits::Big(bits.into_iter())
}

/// The set bits [`set_bits_below`] found, ascending.
pub(crate) enum Bits {
    /// A mask that fits in a `u64`: bits `next..limit` of `value`.
    Small {
        value: u64,
        limit: usize,
        next: usize,
    },
    /// A longer one, decoded digit by digit.
    Big(std::vec::IntoIter<usize>),
}

impl Iterator for Bits {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        match self {
            Bits::Small { value, limit, next } => {
                while *next < *limit {
                    let bit = *next;
                    *next += 1;
                    if *value >> bit & 1 == 1 {
                        return Some(bit);
                    }
                }
                None
            }
            Bits::Big(bits) => bits.next(),
        }
    }
}

/// Divides the big-endian decimal `digits` by two in place (dropping a
/// leading zero) and returns the remainder.
fn halve(digits: &mut Vec<u8>) -> u8 {
    let mut remainder = 0;
    for digit in digits.iter_mut() {
        let value = remainder * 10 + *digit;
        *digit = value / 2;
        remainder = value % 2;
    }
    if digits.first() == Some(&0) {
        digits.remove(0);
    }
    remainder
}

#[cfg(test)]
mod tests {
    fn set_bits_below(mask: &str, limit: usize) -> Vec<usize> {
        super::set_bits_below(mask, limit).collect()
    }

    #[test]
    fn small_mask_yields_its_set_bits() {
        assert_eq!(set_bits_below("5", 8), vec![0, 2]);
    }

    #[test]
    fn zero_and_leading_zeros_are_read_as_decimal() {
        assert_eq!(set_bits_below("0", 8), Vec::<usize>::new());
        assert_eq!(set_bits_below("0006", 8), vec![1, 2]);
    }

    #[test]
    fn bits_at_or_above_the_limit_are_ignored() {
        assert_eq!(set_bits_below("255", 3), vec![0, 1, 2]);
    }

    #[test]
    fn non_digit_masks_have_no_bits() {
        for mask in ["", "-1", "1.0", "0x3", "3 ", "+3", "12a", "٣"] {
            assert_eq!(set_bits_below(mask, 64), Vec::<usize>::new(), "{mask:?}");
        }
    }

    #[test]
    fn mask_above_two_to_the_64_keeps_high_bits() {
        // 2^64 + 2^65 + 1
        let mask = "55340232221128654849";
        assert_eq!(set_bits_below(mask, 70), vec![0, 64, 65]);
    }

    #[test]
    fn mask_above_two_to_the_53_is_not_rounded() {
        // 2^53 + 1: a float parser rounds this to 2^53 and loses bit 0.
        assert_eq!(set_bits_below("9007199254740993", 60), vec![0, 53]);
    }
}
