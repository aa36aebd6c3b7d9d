#!/usr/bin/env bash
# Runs fuzz targets: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Each target runs for SECONDS (default 60) over fuzz/corpus/<target>, or
# until FUZZ_RUNS executions if that is set (whichever comes first), with
# FUZZ_JOBS targets at a time (default 1). One summary line per target:
# seconds taken and executions. Stops with an error when a target crashed;
# the input is in fuzz/artifacts/<target>/ — copy it to
# fuzz/regressions/<target>/ (replayed by `cargo test --test fuzz_corpus`)
# and fix the cause.
#
# The full round of the fuzzing bar: FUZZ_JOBS=2 FUZZ_RUNS=10000000 fuzz/run.sh 1800
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
# Build once up front, so parallel runs do not race to build.
cargo +nightly fuzz build

runs=()
if [ -n "${FUZZ_RUNS:-}" ]; then
    runs=("-runs=$FUZZ_RUNS")
fi

run_one() {
    local target=$1 log start
    mkdir -p "corpus/$target" logs
    log="logs/$target.log"
    start=$(date +%s)
    if cargo +nightly fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$seconds" "${runs[@]}" -print_final_stats=1 >"$log" 2>&1; then
        echo "$target: $(($(date +%s) - start)) s, $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") executions"
    else
        echo "$target: CRASHED after $(($(date +%s) - start)) s; see fuzz/$log and fuzz/artifacts/$target/" >&2
        return 1
    fi
}
export -f run_one
export seconds
export runs_flag="${runs[*]:-}"

printf '%s\n' "${targets[@]}" |
    xargs -P "${FUZZ_JOBS:-1}" -I{} bash -c 'runs=($runs_flag); run_one "$1"' _ {}
