//! Wall-clock time as the core sees it: a number handed in by the host.

use std::fmt;

/// Seconds since the Unix epoch, as supplied by the host with each request.
///
/// The core never reads a clock; every instant it reasons about arrives as a
/// `UnixTime` in a [`Context`](crate::Context), so a run with fixed inputs is
/// reproducible.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct UnixTime(u64);

impl UnixTime {
    /// The instant `secs` seconds after the epoch.
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the epoch.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// This instant moved `by` later, saturating at the end of time.
    #[must_use]
    pub const fn after(self, by: Seconds) -> Self {
        Self(self.0.saturating_add(by.0))
    }

    /// Seconds from `earlier` to `self`, zero if `earlier` is later.
    pub const fn since(self, earlier: Self) -> Seconds {
        Seconds(self.0.saturating_sub(earlier.0))
    }
}

impl fmt::Debug for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UnixTime({})", self.0)
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A span of whole seconds (lifetimes, grace windows, intervals).
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Debug,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Seconds(u64);

impl Seconds {
    /// A span of `secs` seconds.
    pub const fn new(secs: u64) -> Self {
        Self(secs)
    }

    /// A span of `mins` minutes.
    pub const fn minutes(mins: u64) -> Self {
        Self(mins.saturating_mul(60))
    }

    /// A span of `hours` hours.
    pub const fn hours(hours: u64) -> Self {
        Self(hours.saturating_mul(3600))
    }

    /// A span of `days` days.
    pub const fn days(days: u64) -> Self {
        Self(days.saturating_mul(86_400))
    }

    /// The span in seconds.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0)
    }
}
