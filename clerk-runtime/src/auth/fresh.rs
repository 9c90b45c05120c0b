//! Session freshness (Clerk's reverification, the `fva` claim): a
//! requirement as data, checked by [`Auth::has`](super::Auth::has) with
//! [`Check::Reverification`](super::Check::Reverification).

use std::fmt;

use serde::Serialize;

/// Which factor a reverification requirement looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorLevel {
    /// The first factor (password, code, ...).
    FirstFactor,
    /// The second factor, or the first when no second factor is enrolled.
    SecondFactor,
    /// Both factors, each within the age.
    MultiFactor,
}

/// A session-freshness requirement, as Clerk's `reverification` (`fva` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Reverification {
    /// Which factor must be fresh.
    pub level: FactorLevel,
    /// The factor must have been verified less than this many minutes ago.
    pub after_minutes: u32,
}

impl Reverification {
    /// Clerk's `strict_mfa`: both factors within 10 minutes.
    pub const STRICT_MFA: Self = Self::new(FactorLevel::MultiFactor, 10);
    /// Clerk's `strict`: the second factor within 10 minutes.
    pub const STRICT: Self = Self::new(FactorLevel::SecondFactor, 10);
    /// Clerk's `moderate`: the second factor within an hour.
    pub const MODERATE: Self = Self::new(FactorLevel::SecondFactor, 60);
    /// Clerk's `lax`: the second factor within a day.
    pub const LAX: Self = Self::new(FactorLevel::SecondFactor, 1_440);

    const PRESETS: [(&'static str, Self); 4] = [
        ("strict_mfa", Self::STRICT_MFA),
        ("strict", Self::STRICT),
        ("moderate", Self::MODERATE),
        ("lax", Self::LAX),
    ];

    /// A custom requirement: `level` verified less than `after_minutes` ago.
    /// Zero minutes can never be met.
    pub const fn new(level: FactorLevel, after_minutes: u32) -> Self {
        Self {
            level,
            after_minutes,
        }
    }

    /// A preset by Clerk's name (`strict_mfa`, `strict`, `moderate`, `lax`).
    pub fn preset(name: &str) -> Option<Self> {
        Self::PRESETS
            .iter()
            .find(|(preset, _)| *preset == name)
            .map(|&(_, r)| r)
    }

    /// The preset name when this requirement equals one.
    pub fn preset_name(&self) -> Option<&'static str> {
        Self::PRESETS
            .iter()
            .find(|(_, r)| r == self)
            .map(|&(name, _)| name)
    }
}

impl FactorLevel {
    /// Clerk's name: `first_factor`, `second_factor` or `multi_factor`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::FirstFactor => "first_factor",
            Self::SecondFactor => "second_factor",
            Self::MultiFactor => "multi_factor",
        }
    }
}

impl fmt::Display for FactorLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Reverification {
    /// `strict` for a preset, else `second_factor < 30m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.preset_name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{} < {}m", self.level, self.after_minutes),
        }
    }
}
