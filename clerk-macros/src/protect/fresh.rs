//! `fresh = "..."`: Clerk's reverification presets and `10m`/`1h`/`1d` ages.

/// The factor a freshness requirement looks at (Clerk's `level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    SecondFactor,
    MultiFactor,
}

/// A parsed `fresh` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fresh {
    pub(crate) level: Level,
    pub(crate) after_minutes: u32,
}

const ACCEPTED: &str = "a preset (\"strict_mfa\", \"strict\", \"moderate\", \"lax\") \
                        or an age in minutes, hours or days (\"10m\", \"1h\", \"1d\")";

/// Clerk's presets; a custom age uses the second factor, as they do.
pub(crate) fn parse_fresh(value: &str) -> Result<Fresh, String> {
    let preset = |level, after_minutes| {
        Ok(Fresh {
            level,
            after_minutes,
        })
    };
    match value {
        "strict_mfa" => return preset(Level::MultiFactor, 10),
        "strict" => return preset(Level::SecondFactor, 10),
        "moderate" => return preset(Level::SecondFactor, 60),
        "lax" => return preset(Level::SecondFactor, 1440),
        _ => {}
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
