//! NumericDate claims (RFC 7519 §2), read strictly.

use serde::{Deserialize, Deserializer};

use crate::UnixTime;

/// Reads a NumericDate: non-negative seconds, possibly fractional (the
/// fraction is dropped). For `#[serde(default, deserialize_with = …)]` on
/// an `Option<UnixTime>` claim.
pub(crate) fn numeric_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<UnixTime>, D::Error> {
    let seconds = f64::deserialize(d)?;
    // Excludes NaN, infinities, negatives and values past `u64::MAX`.
    if !(0.0..18_446_744_073_709_551_615.0).contains(&seconds) {
        return Err(serde::de::Error::custom("a NumericDate is a non-negative number of seconds"));
    }
    // In range and finite, so the conversion saturates nowhere.
    Ok(Some(UnixTime::from_secs(seconds as u64)))
}
