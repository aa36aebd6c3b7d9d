#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod allocations;
mod cpu_clock;
mod fixture;
mod harness;
mod oxide_side;
mod oxide_web;
mod peer;
mod qscope_side;
mod report;
mod rounds;

use std::process::ExitCode;

use fixture::Failure;
use harness::{Clock, Timing};
use oxide_side::Oxide;
use peer::Operation;
use qscope_side::{FRESH_STORE_TOKENS, Qscope, fresh_store_batch};

/// Batches per operation and implementation; the tables print their median.
const BATCHES: usize = 7;
/// Requests per batch in the side-by-side run (`--iterations N` changes it).
const DEFAULT_ITERATIONS: usize = 4_000;
/// Requests per batch on a fresh store: a tenth of its tokens (a request
/// adds at most three codes and tokens, the seeded refresh token included).
const FRESH_ITERATIONS: usize = FRESH_STORE_TOKENS / 10;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("peers: {failure}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Failure> {
    let iterations = iterations_from_args()?;
    let _counting = allocations::start();
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at start: {}", load.trim());
    }
    let mut qscope = Qscope::new();
    let mut oxide = Oxide::new();
    rounds::check_once(&mut qscope)?;
    rounds::check_once(&mut oxide)?;

    let side_by_side = rounds::side_by_side(&mut qscope, &mut oxide, BATCHES, iterations)?;
    let mut fresh: [Vec<Timing>; 4] = Default::default();
    for (samples, operation) in fresh.iter_mut().zip(Operation::ALL) {
        for _ in 0..BATCHES {
            samples.push(fresh_store_batch(operation, FRESH_ITERATIONS)?);
        }
    }

    for clock in Clock::ALL {
        report::side_by_side(
            clock,
            &format!(
                "median (fastest–slowest) of {BATCHES} batches of {iterations} requests, \
                 one thread, interleaved, each store growing with the run"
            ),
            &side_by_side,
        );
    }
    report::allocations(&side_by_side);
    for clock in Clock::ALL {
        report::qscope_only(
            clock,
            &format!(
                "qscope on a fresh {FRESH_STORE_TOKENS}-token store: median (fastest–slowest) \
                 of {BATCHES} batches of {FRESH_ITERATIONS} requests, each on a new store"
            ),
            &fresh,
        );
    }
    Ok(())
}

/// `--iterations N`, or the default.
fn iterations_from_args() -> Result<usize, Failure> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next(), args.next()) {
        (None, _, _) => Ok(DEFAULT_ITERATIONS),
        (Some("--iterations"), Some(n), None) => match n.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(Failure(format!("--iterations wants a positive number, not {n:?}"))),
        },
        _ => Err(Failure("usage: qscope-peers [--iterations N]".into())),
    }
}
