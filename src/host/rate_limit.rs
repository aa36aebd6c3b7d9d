//! Rate limits, in memory: token buckets (GCRA, from `governor`) keyed by
//! client address before the core runs (see `host::route`), and by
//! authenticated client after it (`client_limit`).
//!
//! A bucket holds twice the rate per second; one request takes one token.
//! Buckets that have filled up again are forgotten (`forget_idle`, every
//! minute, and at once whenever more keys are tracked than the last sweep
//! left, doubled, with at least [`SWEEP_ABOVE`]), so memory follows the
//! number of recently active addresses.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{NotUntil, Quota, RateLimiter};

/// Tracking more keys than this makes a request sweep full buckets first.
const SWEEP_ABOVE: usize = 100_000;

/// What a client address is limited by: an IPv4 address, or the /64 an
/// IPv6 address belongs to (a single host usually holds a whole /64, RFC
/// 4291 §2.5.4). An IPv4-mapped IPv6 address counts as its IPv4 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum AddressKey {
    /// An IPv4 address.
    V4(u32),
    /// The first 64 bits of an IPv6 address.
    V6Prefix(u64),
}

impl AddressKey {
    /// The key of `ip`.
    pub(crate) fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::V4(u32::from(v4)),
                None => Self::V6Prefix((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

type Buckets<K, C> = RateLimiter<K, HashMapStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// A token bucket per key: `per_second` tokens a second, up to twice that
/// in a burst; `0` allows everything.
pub(crate) struct Limiter<K: Hash + Eq + Clone, C: Clock = DefaultClock> {
    buckets: Option<Buckets<K, C>>,
    clock: C,
    sweep_above: AtomicUsize,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// `per_second` requests a second per key, on the monotonic clock.
    pub(crate) fn new(per_second: u32) -> Self {
        Self::with_clock(per_second, DefaultClock::default())
    }
}

impl<K: Hash + Eq + Clone, C: Clock + Clone> Limiter<K, C> {
    /// The same on `clock` (tests advance a fake one).
    pub(crate) fn with_clock(per_second: u32, clock: C) -> Self {
        let buckets = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(per_second.saturating_mul(2)).unwrap_or(rate);
            RateLimiter::hashmap_with_clock(
                Quota::per_second(rate).allow_burst(burst),
                clock.clone(),
            )
        });
        Self { buckets, clock, sweep_above: AtomicUsize::new(SWEEP_ABOVE) }
    }

    /// Takes one token for `key`, or says when one will be there.
    pub(crate) fn take(&self, key: &K) -> Result<(), NotUntil<C::Instant>> {
        let Some(buckets) = &self.buckets else {
            return Ok(());
        };
        if buckets.len() > self.sweep_above.load(Ordering::Relaxed) {
            self.forget_idle();
        }
        buckets.check_key(key)
    }

    /// [`take`](Self::take), with the wait in whole seconds (at least
    /// one), for `Retry-After`.
    pub(crate) fn check(&self, key: &K) -> Result<(), u64> {
        self.take(key).map_err(|not_until| self.retry_after(&not_until))
    }

    /// Whole seconds (at least one) until `not_until`.
    pub(crate) fn retry_after(&self, not_until: &NotUntil<C::Instant>) -> u64 {
        whole_seconds(not_until.wait_time_from(self.clock.now()))
    }

    /// The current reading of this limiter's clock.
    pub(crate) fn now(&self) -> C::Instant {
        self.clock.now()
    }

    /// Forgets every bucket that is full again.
    pub(crate) fn forget_idle(&self) {
        if let Some(buckets) = &self.buckets {
            buckets.retain_recent();
            buckets.shrink_to_fit();
            let left = buckets.len();
            self.sweep_above.store(SWEEP_ABOVE.max(left.saturating_mul(2)), Ordering::Relaxed);
        }
    }

    /// How many keys are tracked.
    pub(crate) fn tracked(&self) -> usize {
        self.buckets.as_ref().map_or(0, RateLimiter::len)
    }
}

/// `wait` rounded up to whole seconds, at least one (`Retry-After` takes
/// whole seconds, and zero would invite an immediate retry).
pub(crate) fn whole_seconds(wait: std::time::Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The per-address limiter of the host.
pub(crate) type AddressLimiter = Limiter<AddressKey>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use governor::clock::FakeRelativeClock;

    use super::*;

    fn key(ip: &str) -> AddressKey {
        AddressKey::of(ip.parse().unwrap())
    }

    #[test]
    fn buckets_refill_and_say_when() {
        let clock = FakeRelativeClock::default();
        let limiter = Limiter::with_clock(2, clock.clone());
        let (ip, other) = (key("192.0.2.1"), key("192.0.2.2"));
        for _ in 0..4 {
            assert_eq!(limiter.check(&ip), Ok(()), "a burst of twice the rate");
        }
        assert_eq!(limiter.check(&ip), Err(1));
        assert_eq!(limiter.check(&other), Ok(()), "buckets are per key");
        clock.advance(Duration::from_millis(500));
        assert_eq!(limiter.check(&ip), Ok(()));
        assert_eq!(limiter.check(&ip), Err(1));
        assert_eq!(Limiter::<AddressKey>::new(0).check(&ip), Ok(()), "0 disables");
    }

    #[test]
    fn slow_refills_give_a_retry_after_in_whole_seconds() {
        let clock = FakeRelativeClock::default();
        let limiter = Limiter::with_clock(1, clock.clone());
        let ip = key("192.0.2.1");
        assert_eq!((limiter.check(&ip), limiter.check(&ip)), (Ok(()), Ok(())));
        assert_eq!(limiter.check(&ip), Err(1));
        clock.advance(Duration::from_millis(100));
        assert_eq!(limiter.check(&ip), Err(1), "0.9 s rounds up to 1");
    }

    #[test]
    fn ipv6_addresses_share_their_64_and_mapped_ipv4_is_ipv4() {
        let limiter = Limiter::with_clock(1, FakeRelativeClock::default());
        assert_eq!(limiter.check(&key("2001:db8:1:2::1")), Ok(()));
        assert_eq!(limiter.check(&key("2001:db8:1:2:ffff::9")), Ok(()));
        assert_eq!(limiter.check(&key("2001:db8:1:2:abcd::3")), Err(1), "one /64, one bucket");
        assert_eq!(limiter.check(&key("2001:db8:1:3::1")), Ok(()), "the next /64 is another");
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_ne!(key("192.0.2.7"), key("192.0.2.8"));
    }

    #[test]
    fn full_buckets_are_forgotten() {
        let clock = FakeRelativeClock::default();
        let limiter = Limiter::with_clock(10, clock.clone());
        for i in 0..50u32 {
            assert_eq!(limiter.check(&AddressKey::V4(i)), Ok(()));
        }
        assert_eq!(limiter.tracked(), 50);
        limiter.forget_idle();
        assert_eq!(limiter.tracked(), 50, "not yet full again");
        clock.advance(Duration::from_secs(1));
        limiter.forget_idle();
        assert_eq!(limiter.tracked(), 0);
    }
}
