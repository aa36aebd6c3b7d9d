//! Random values the host mints for itself: session ids, CSRF tokens,
//! request keys, password salts.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
#[allow(
    clippy::disallowed_types,
    reason = "the demo is the host: it draws its own session secrets"
)]
use rand_core::{OsRng, TryRngCore};

/// `N` bytes from the operating system's CSPRNG.
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    #[allow(
        clippy::disallowed_types,
        reason = "the demo is the host: it draws its own session secrets"
    )]
    OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random number generator failed");
    bytes
}

/// 256 random bits as 43 base64url characters.
pub(crate) fn token() -> String {
    URL_SAFE_NO_PAD.encode(bytes::<32>())
}
