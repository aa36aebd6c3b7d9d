//! Fuzzes the JOSE layer and the JWT access-token verifier: hostile tokens, JWKs, JWK Sets and claims.
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod fuzz_logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_logic::run("jose", data));
