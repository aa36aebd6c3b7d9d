//! The timing harness: a batch of one operation through one peer, timed
//! as a whole by two clocks, every answer checked afterwards; medians and
//! ranges.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::allocations;
use crate::cpu_clock::thread_cpu_time;
use crate::fixture::{Failure, Outcome};
use crate::peer::{Operation, Peer};

/// The time per request of one batch, by both clocks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    /// Wall time of the batch divided by its size.
    pub(crate) wall: Duration,
    /// The thread's CPU time over the batch divided by its size, where the
    /// platform has that clock.
    pub(crate) cpu: Option<Duration>,
    /// Heap allocations over the batch divided by its size (feature
    /// `allocations`).
    pub(crate) allocations: Option<f64>,
}

/// Which clock a table reads.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Clock {
    /// Elapsed time (the measure).
    Wall,
    /// The benchmarking thread's CPU time: leaves out time spent waiting
    /// for a core, so it is the steadier figure on a busy machine.
    ThreadCpu,
}

impl Clock {
    /// Both clocks, in the order the tables come.
    pub(crate) const ALL: [Self; 2] = [Self::Wall, Self::ThreadCpu];

    /// How a table names it.
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::Wall => "wall time",
            Self::ThreadCpu => "thread CPU time",
        }
    }

    /// This clock's reading of `timing`.
    pub(crate) const fn read(self, timing: Timing) -> Option<Duration> {
        match self {
            Self::Wall => Some(timing.wall),
            Self::ThreadCpu => timing.cpu,
        }
    }
}

/// What one batch took and produced.
pub(crate) struct Batch {
    /// Time per request.
    pub(crate) timing: Timing,
    /// Refresh tokens the answers carried.
    pub(crate) refresh_tokens: Vec<String>,
    /// Access tokens the answers carried.
    pub(crate) access_tokens: Vec<String>,
}

/// Times `requests` through `peer` as one batch, then checks every answer.
///
/// The answers are kept (not dropped) inside the timed loop on both sides,
/// so neither pays for freeing its responses there.
#[expect(
    clippy::disallowed_methods,
    reason = "the harness measures wall time; qscope's ban on the clock is for its core"
)]
pub(crate) fn time_batch<P: Peer>(
    peer: &mut P,
    operation: Operation,
    requests: Vec<P::Request>,
) -> Result<Batch, Failure> {
    let n = requests.len();
    let mut answers = Vec::with_capacity(n);
    let allocations_start = allocations::total();
    let cpu_start = thread_cpu_time();
    let start = Instant::now();
    for request in requests {
        answers.push(black_box(peer.handle(operation, black_box(request))));
    }
    let wall = start.elapsed();
    let cpu = thread_cpu_time().zip(cpu_start).map(|(end, start)| end.saturating_sub(start));
    let allocations = allocations::total()
        .zip(allocations_start)
        .map(|(end, start)| end.saturating_sub(start) as f64 / n.max(1) as f64);
    let count = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    let mut batch = Batch {
        timing: Timing { wall: wall / count, cpu: cpu.map(|cpu| cpu / count), allocations },
        refresh_tokens: Vec::with_capacity(n),
        access_tokens: Vec::with_capacity(n),
    };
    for answer in &answers {
        match (operation, peer.outcome(operation, answer)?) {
            (Operation::BearerCheck, Outcome::Allowed) => {}
            (Operation::BearerCheck, tokens) => {
                return Err(Failure(format!("{}: a bearer check answered {tokens:?}", P::NAME)));
            }
            (_, Outcome::Tokens { access, refresh }) => {
                batch.access_tokens.push(access);
                batch.refresh_tokens.extend(refresh);
            }
            (_, Outcome::Allowed) => {
                return Err(Failure(format!("{}: {operation:?} answered Allowed", P::NAME)));
            }
        }
    }
    let wants_refresh = matches!(operation, Operation::CodeExchange | Operation::RefreshRotation);
    if wants_refresh && batch.refresh_tokens.len() != n {
        return Err(Failure(format!("{}: {operation:?} did not return a refresh token", P::NAME)));
    }
    Ok(batch)
}

/// The median and the range of a set of batch times.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Summary {
    /// The median batch.
    pub(crate) median: Duration,
    /// The fastest batch.
    pub(crate) min: Duration,
    /// The slowest batch.
    pub(crate) max: Duration,
}

impl Summary {
    /// Summarises `clock`'s reading of `samples` (an odd count gives a
    /// true median); `None` if the clock did not read every one, or there
    /// are none.
    pub(crate) fn of(samples: &[Timing], clock: Clock) -> Option<Self> {
        let mut sorted = samples.iter().map(|t| clock.read(*t)).collect::<Option<Vec<_>>>()?;
        sorted.sort_unstable();
        Some(Self {
            median: *sorted.get(sorted.len() / 2)?,
            min: *sorted.first()?,
            max: *sorted.last()?,
        })
    }
}

/// A duration as the tables print it: ns below a microsecond, else µs.
fn show(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos < 1_000 { format!("{nanos} ns") } else { format!("{:.2} µs", d.as_secs_f64() * 1e6) }
}

/// `median (min–max)`.
pub(crate) fn show_summary(s: Summary) -> String {
    format!("{} ({}–{})", show(s.median), show(s.min), show(s.max))
}
