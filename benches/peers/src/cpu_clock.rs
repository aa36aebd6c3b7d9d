//! The calling thread's CPU time, where the platform gives it (Linux).

use std::time::Duration;

/// CPU time the calling thread has run so far (`CLOCK_THREAD_CPUTIME_ID`).
#[cfg(target_os = "linux")]
pub(crate) fn thread_cpu_time() -> Option<Duration> {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Some(Duration::new(u64::try_from(now.tv_sec).ok()?, u32::try_from(now.tv_nsec).ok()?))
}

/// No thread CPU clock on this platform: the tables give wall time only.
#[cfg(not(target_os = "linux"))]
pub(crate) fn thread_cpu_time() -> Option<Duration> {
    None
}
