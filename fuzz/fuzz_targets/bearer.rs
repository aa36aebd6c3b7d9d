//! Fuzzes bearer-token verification for resource servers (RFC 6750) with structure-aware requests.
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod fuzz_logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_logic::run("bearer", data));
