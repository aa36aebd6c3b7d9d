//! Per-IP token buckets, in memory, for the endpoints worth guessing at
//! or flooding (see `host::LIMITED`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most this many addresses are tracked; beyond it, full buckets are
/// forgotten first, and if none is full every address starts afresh.
const MAX_TRACKED: usize = 100_000;

/// A token bucket per client IP: `per_second` tokens a second, up to
/// twice that in a burst.
pub(crate) struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `per_second` requests a second per IP; `0` allows everything.
    pub(crate) fn new(per_second: u32) -> Self {
        let per_second = f64::from(per_second);
        Self { per_second, burst: per_second * 2.0, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `ip` at `now`, or says how long to wait before
    /// the next one (whole seconds, at least one, for `Retry-After`).
    pub(crate) fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_second == 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&ip) {
            self.forget_full(&mut buckets, now);
        }
        let bucket = buckets.entry(ip).or_insert(Bucket { tokens: self.burst, updated: now });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second);
            Err(wait.as_secs_f64().ceil().max(1.0) as u64)
        }
    }

    fn forget_full(&self, buckets: &mut HashMap<IpAddr, Bucket>, now: Instant) {
        let (per_second, burst) = (self.per_second, self.burst);
        buckets.retain(|_, bucket| {
            let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
            bucket.tokens + elapsed * per_second < burst
        });
        if buckets.len() >= MAX_TRACKED {
            buckets.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_and_say_when() {
        let limiter = RateLimiter::new(2);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let start = crate::host::monotonic_now();
        for _ in 0..4 {
            assert_eq!(limiter.check(ip, start), Ok(()), "a burst of twice the rate");
        }
        assert_eq!(limiter.check(ip, start), Err(1));
        assert_eq!(limiter.check(other, start), Ok(()), "buckets are per IP");
        assert_eq!(limiter.check(ip, start + Duration::from_millis(500)), Ok(()));
        assert_eq!(limiter.check(ip, start + Duration::from_millis(500)), Err(1));
        assert_eq!(RateLimiter::new(0).check(ip, start), Ok(()), "0 disables");
    }
}
