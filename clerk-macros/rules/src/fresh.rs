//! `fresh = "..."`: Clerk's reverification presets and `10m`/`1h`/`1d` ages.

/// The factor a freshness requirement looks at (Clerk's `level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The second factor (Clerk's `second_factor`).
    SecondFactor,
    /// Both factors (Clerk's `multi_factor`).
    MultiFactor,
}

/// A parsed `fresh` value: `level` verified less than `after_minutes` ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fresh {
    /// Which factor must be fresh.
    pub level: Level,
    /// How long ago, at most, in minutes.
    pub after_minutes: u32,
}

/// Clerk's reverification presets by name, as Clerk's `reverification()` defines them.
pub const PRESETS: [(&str, Fresh); 4] = [
    (
        "strict_mfa",
        Fresh {
            level: Level::MultiFactor,
            after_minutes: 10,
        },
    ),
    (
        "strict",
        Fresh {
            level: Level::SecondFactor,
            after_minutes: 10,
        },
    ),
    (
        "moderate",
        Fresh {
            level: Level::SecondFactor,
            after_minutes: 60,
        },
    ),
    (
        "lax",
        Fresh {
            level: Level::SecondFactor,
            after_minutes: 1440,
        },
    ),
];

/// The preset called `name`, if Clerk has one.
pub fn preset(name: &str) -> Option<Fresh> {
    PRESETS
        .iter()
        .find(|(preset, _)| *preset == name)
        .map(|&(_, fresh)| fresh)
}

const ACCEPTED: &str = "a preset (\"strict_mfa\", \"strict\", \"moderate\", \"lax\") \
                        or an age in minutes, hours or days (\"10m\", \"1h\", \"1d\")";

/// Parses a `fresh = "..."` value: a preset, or an age (`10m`, `2h`, `1d`)
/// at the second factor, as Clerk's custom reverification uses. The error
/// says what to write instead.
pub fn parse_fresh(value: &str) -> Result<Fresh, String> {
    if let Some(fresh) = preset(value) {
        return Ok(fresh);
    }
    let lower = value.to_ascii_lowercase();
    if lower != value && parse_fresh(&lower).is_ok() {
        return Err(format!(
            "invalid fresh value \"{value}\": write \"{lower}\""
        ));
    }
    let digits_end = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(digits_end);
    if number.is_empty() {
        return Err(format!("invalid fresh value \"{value}\": write {ACCEPTED}"));
    }
    let minutes_per_unit: u64 = match unit {
        "m" => 1,
        "h" => 60,
        "d" => 1440,
        "s" => {
            return Err(format!(
                "invalid fresh value \"{value}\": Clerk counts factor ages in whole minutes \
                 (the `fva` claim), so the shortest age is \"1m\""
            ));
        }
        _ => return Err(format!("invalid fresh value \"{value}\": write {ACCEPTED}")),
    };
    let minutes = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(minutes_per_unit))
        .and_then(|n| u32::try_from(n).ok());
    match minutes {
        Some(0) => Err(format!(
            "invalid fresh value \"{value}\": an age of zero can never be met; the shortest age is \"1m\""
        )),
        Some(after_minutes) => Ok(Fresh {
            level: Level::SecondFactor,
            after_minutes,
        }),
        None => Err(format!(
            "invalid fresh value \"{value}\": the age is too large"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_match_clerk() {
        assert_eq!(
            parse_fresh("strict_mfa"),
            Ok(Fresh {
                level: Level::MultiFactor,
                after_minutes: 10
            })
        );
        assert_eq!(
            parse_fresh("strict"),
            Ok(Fresh {
                level: Level::SecondFactor,
                after_minutes: 10
            })
        );
        assert_eq!(
            parse_fresh("moderate"),
            Ok(Fresh {
                level: Level::SecondFactor,
                after_minutes: 60
            })
        );
        assert_eq!(
            parse_fresh("lax"),
            Ok(Fresh {
                level: Level::SecondFactor,
                after_minutes: 1440
            })
        );
    }

    #[test]
    fn durations_convert_to_minutes_at_second_factor() {
        assert_eq!(parse_fresh("10m").map(|f| f.after_minutes), Ok(10));
        assert_eq!(parse_fresh("2h").map(|f| f.after_minutes), Ok(120));
        assert_eq!(
            parse_fresh("1d"),
            Ok(Fresh {
                level: Level::SecondFactor,
                after_minutes: 1440
            })
        );
    }

    #[test]
    fn seconds_are_rejected_because_fva_counts_minutes() {
        assert!(parse_fresh("30s").unwrap_err().contains("whole minutes"));
    }

    #[test]
    fn zero_age_is_rejected() {
        assert!(parse_fresh("0m").unwrap_err().contains("zero"));
    }

    #[test]
    fn wrong_case_preset_suggests_lowercase() {
        assert!(
            parse_fresh("Strict")
                .unwrap_err()
                .contains("write \"strict\"")
        );
    }

    #[test]
    fn prose_is_rejected_with_the_accepted_forms() {
        let message = parse_fresh("10 minutes").unwrap_err();
        assert!(
            message.contains("\"strict_mfa\"") && message.contains("\"1h\""),
            "{message}"
        );
    }

    #[test]
    fn overflowing_age_is_rejected() {
        assert!(parse_fresh("99999999999d").is_err());
    }
}
