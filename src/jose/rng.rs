//! The host's generator, seen by the RustCrypto crates.
//!
//! qscope's API takes a `rand_core` 0.9 [`CryptoRng`] (the version the
//! core and its hosts use); `p256`, `ed25519-dalek` and `rsa` take the 0.10
//! traits. The adapter forwards every call, so the host's generator is the
//! only randomness the JOSE layer ever draws (never the operating system's).

use std::convert::Infallible;

use rand_core::CryptoRng;

/// A `rand_core` 0.9 generator as a `rand_core` 0.10 one.
pub(crate) struct Rng010<'a, R: ?Sized>(pub(crate) &'a mut R);

impl<R: CryptoRng + ?Sized> rand_core_010::TryRng for Rng010<'_, R> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.0.next_u32())
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.0.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.fill_bytes(dst);
        Ok(())
    }
}

impl<R: CryptoRng + ?Sized> rand_core_010::TryCryptoRng for Rng010<'_, R> {}
