//! Fuzzes the DPoP proof and client assertion verifiers (RFC 9449, RFC 7523).
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod fuzz_logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_logic::run("proofs", data));
