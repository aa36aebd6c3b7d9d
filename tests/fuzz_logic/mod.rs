//! The logic of every fuzz target, shared by `fuzz/fuzz_targets/*` (run by
//! libFuzzer) and by `tests/fuzz_corpus.rs` (replaying the corpus and every
//! regression under plain `cargo test`).
//!
//! Each target turns bytes into a structured request with `arbitrary`,
//! drives it through the core over a seeded `MemoryStore` (optionally one
//! that fails or answers badly), and checks that the exchange ends within
//! `MAX_STEPS` with a well-formed RFC answer.

#![allow(dead_code, unreachable_pub)]

pub mod jose;
pub mod proofs;
pub mod request;
pub mod stateful;
pub mod store;
pub mod wellformed;

use arbitrary::{Arbitrary, Unstructured};

/// An ES256 and an EdDSA signing key from a fixed seed (the JOSE targets'
/// keys: the same on every run, so a corpus entry replays alike).
pub fn signing_keys(seed: u64) -> Vec<qscope::jose::SigningKey> {
    use rand_chacha::rand_core::SeedableRng as _;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    [qscope::jose::Algorithm::Es256, qscope::jose::Algorithm::EdDsa]
        .into_iter()
        .map(|alg| qscope::jose::SigningKey::generate(alg, &mut rng).expect("key"))
        .collect()
}

/// The fuzz targets, by name (the directory under `fuzz/corpus/`).
pub const TARGETS: &[&str] = &[
    "token",
    "authorize",
    "par",
    "device",
    "register",
    "metadata",
    "revoke",
    "introspect",
    "bearer",
    "stateful",
    "jose",
    "proofs",
];

/// Runs target `name` on raw fuzzer bytes.
pub fn run(name: &str, data: &[u8]) {
    let mut u = Unstructured::new(data);
    match name {
        "token" | "authorize" | "par" | "device" | "register" | "metadata" | "revoke"
        | "introspect" => {
            let endpoint = match name {
                "authorize" => request::Endpoint::Authorize,
                "par" => request::Endpoint::Par,
                "device" => request::Endpoint::DeviceAuthorization,
                "register" => request::Endpoint::Register,
                "metadata" => request::Endpoint::Metadata,
                "revoke" => request::Endpoint::Revoke,
                "introspect" => request::Endpoint::Introspect,
                _ => request::Endpoint::Token,
            };
            if let Ok(input) = request::RequestInput::arbitrary_take_rest(u) {
                request::run(endpoint, &input);
            }
        }
        "bearer" => {
            if let Ok(input) = request::RequestInput::arbitrary_take_rest(u) {
                request::run_bearer(&input);
            }
        }
        "stateful" => {
            if let Ok(ops) = Vec::<stateful::Op>::arbitrary_take_rest(u) {
                stateful::run(&ops);
            }
        }
        "jose" => jose::run(data),
        "proofs" => proofs::run(data),
        other => {
            let _ = &mut u;
            panic!("unknown fuzz target {other}")
        }
    }
}
