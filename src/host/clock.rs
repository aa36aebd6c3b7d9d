//! The host's clock: it reads the time (the core never does).

use std::time::Instant;

/// The wall clock's monotonic twin, for sessions, limits and latency.
#[allow(clippy::disallowed_methods, reason = "the demo is the host: it reads the clock")]
pub(crate) fn monotonic_now() -> Instant {
    Instant::now()
}
