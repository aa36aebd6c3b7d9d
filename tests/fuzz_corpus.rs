//! Replays every fuzz target's corpus (`fuzz/corpus/<target>/`) and every
//! crash regression (`fuzz/regressions/<target>/`) under plain `cargo test`,
//! so stable CI covers what the fuzzer found.

#[path = "fuzz_logic/mod.rs"]
mod fuzz_logic;

use std::path::Path;

fn replay(dir: &Path, target: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut count = 0;
    for entry in entries {
        let path = entry.expect("corpus entry").path();
        if path.is_file() {
            let data = std::fs::read(&path).expect("corpus file");
            fuzz_logic::run(target, &data);
            count += 1;
        }
    }
    count
}

#[test]
fn corpora_and_regressions_replay_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for target in fuzz_logic::TARGETS {
        let corpus = replay(&root.join("corpus").join(target), target);
        let regressions = replay(&root.join("regressions").join(target), target);
        assert!(corpus > 0, "fuzz/corpus/{target} is empty");
        println!("{target}: {corpus} corpus inputs, {regressions} regressions");
    }
}

#[test]
fn random_inputs_run_clean() {
    // A cheap stand-in for the fuzzer on stable: deterministic pseudo-random
    // byte strings of many lengths through every target.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for target in fuzz_logic::TARGETS {
        for len in 0..400 {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            fuzz_logic::run(target, &data);
        }
    }
}
