//! The tables.

use crate::harness::{Clock, Summary, Timing, show_summary};
use crate::peer::Operation;

/// The target for every row of the side-by-side table.
const TARGET_RATIO: f64 = 0.25;

/// The side-by-side table by `clock` (nothing if the clock did not read
/// every batch): per operation, each side's summary and the ratio of the
/// medians, qscope / oxide-auth.
pub(crate) fn side_by_side(clock: Clock, caption: &str, samples: &[[Vec<Timing>; 2]; 4]) {
    let rows: Option<Vec<_>> = Operation::ALL
        .iter()
        .zip(samples)
        .map(|(operation, [ours, theirs])| {
            Some((operation, Summary::of(ours, clock)?, Summary::of(theirs, clock)?))
        })
        .collect();
    let Some(rows) = rows else { return };
    println!();
    println!("qscope vs oxide-auth 0.6.1, {}: {caption}", clock.label());
    println!(
        "{:<22} {:<28} {:<28} {:>14}   target",
        "operation", "qscope", "oxide-auth", "qscope / oxide"
    );
    for (operation, ours, theirs) in rows {
        let ratio = ours.median.as_secs_f64() / theirs.median.as_secs_f64();
        println!(
            "{:<22} {:<28} {:<28} {:>14.2}   ≤ {TARGET_RATIO}",
            operation.label(),
            show_summary(ours),
            show_summary(theirs),
            ratio
        );
    }
}

/// A qscope-only table by `clock` (nothing if the clock did not read every
/// batch).
pub(crate) fn qscope_only(clock: Clock, caption: &str, samples: &[Vec<Timing>; 4]) {
    let rows: Option<Vec<_>> = Operation::ALL
        .iter()
        .zip(samples)
        .map(|(operation, ours)| Some((operation, Summary::of(ours, clock)?)))
        .collect();
    let Some(rows) = rows else { return };
    println!();
    println!("{caption}, {}", clock.label());
    println!("{:<22} qscope", "operation");
    for (operation, ours) in rows {
        println!("{:<22} {}", operation.label(), show_summary(ours));
    }
}

/// Heap allocations per request, each side's median batch (nothing unless
/// the feature `allocations` counted them). The times of such a run
/// include the counting.
pub(crate) fn allocations(samples: &[[Vec<Timing>; 2]; 4]) {
    let median = |batches: &[Timing]| {
        let mut counts = batches.iter().map(|t| t.allocations).collect::<Option<Vec<f64>>>()?;
        counts.sort_unstable_by(f64::total_cmp);
        counts.get(counts.len() / 2).copied()
    };
    let rows: Option<Vec<_>> = Operation::ALL
        .iter()
        .zip(samples)
        .map(|(operation, [ours, theirs])| Some((operation, median(ours)?, median(theirs)?)))
        .collect();
    let Some(rows) = rows else { return };
    println!();
    println!(
        "heap allocations per request (median batch; feature `allocations`: the times above \
         include the counting)"
    );
    println!("{:<22} {:>8} {:>11}", "operation", "qscope", "oxide-auth");
    for (operation, ours, theirs) in rows {
        println!("{:<22} {ours:>8.1} {theirs:>11.1}", operation.label());
    }
}
