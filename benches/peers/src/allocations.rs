//! Heap allocations per request, counted by a global allocator when the
//! feature `allocations` is on (and not counted, at no cost, when it is
//! off): the harness reads the running total before and after each batch.

/// Counts every allocation of the process while the profiler runs.
#[cfg(feature = "allocations")]
#[global_allocator]
static COUNTING: dhat::Alloc = dhat::Alloc;

/// The counting session: counts are read only while it lives.
pub(crate) struct Counting {
    #[cfg(feature = "allocations")]
    _profiler: dhat::Profiler,
}

/// Starts counting (with the feature), for the rest of the run.
pub(crate) fn start() -> Counting {
    Counting {
        #[cfg(feature = "allocations")]
        _profiler: dhat::Profiler::builder().testing().build(),
    }
}

/// Allocations made so far in the process; `None` without the feature.
pub(crate) fn total() -> Option<u64> {
    #[cfg(feature = "allocations")]
    {
        Some(dhat::HeapStats::get().total_blocks)
    }
    #[cfg(not(feature = "allocations"))]
    {
        None
    }
}
