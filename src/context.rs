//! The per-request inputs the host supplies: time, entropy, identity.

use std::fmt;
use std::net::IpAddr;

use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

use crate::UnixTime;

/// Everything the core needs from the outside world for one exchange.
///
/// The host fills it for each request; the core derives every token, code
/// and identifier it mints from [`Entropy`], and every expiry from `now`.
#[derive(Clone, Debug)]
pub struct Context {
    /// The current wall-clock time.
    pub now: UnixTime,
    /// Fresh secret randomness for this request, never reused.
    pub entropy: Entropy,
    /// Correlates the request with its audit events and the host's logs.
    pub request_id: RequestId,
    /// The peer address, recorded in audit events when known.
    pub peer: Option<IpAddr>,
}

impl Context {
    /// A context at `now` with the given entropy, request id 0 and no peer.
    pub fn new(now: UnixTime, entropy: Entropy) -> Self {
        Self { now, entropy, request_id: RequestId(0), peer: None }
    }

    /// A context at `now` whose entropy is drawn from a cryptographic RNG.
    pub fn from_rng<R: RngCore + CryptoRng>(now: UnixTime, rng: &mut R) -> Self {
        Self::new(now, Entropy::from_rng(rng))
    }

    /// The same context with `request_id` set.
    #[must_use]
    pub fn with_request_id(mut self, request_id: RequestId) -> Self {
        self.request_id = request_id;
        self
    }

    /// The same context with `peer` set.
    #[must_use]
    pub fn with_peer(mut self, peer: IpAddr) -> Self {
        self.peer = Some(peer);
        self
    }
}

/// 256 bits of fresh randomness from the host's CSPRNG, for one request.
///
/// Every secret the core mints during the exchange (tokens, codes, handles,
/// family ids) is derived from it with a domain-separated SHA-256, so one
/// draw per request suffices and a fixed value gives a reproducible run.
#[derive(Clone, PartialEq, Eq)]
pub struct Entropy([u8; 32]);

impl Entropy {
    /// Entropy from 32 bytes the host drew from a CSPRNG.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Entropy drawn from a cryptographic RNG.
    pub fn from_rng<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// 32 bytes for one purpose, independent of every other `label`.
    ///
    /// Labels of at most 18 bytes keep the input within one SHA-256 block.
    pub(crate) fn derive(&self, label: &[u8]) -> [u8; 32] {
        debug_assert!(label.len() <= 18, "derivation labels fit one SHA-256 block");
        let mut hasher = Sha256::new();
        hasher.update(b"qs1.");
        hasher.update(label);
        hasher.update([0u8]);
        hasher.update(self.0);
        hasher.finalize().into()
    }
}

impl fmt::Debug for Entropy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Entropy(<redacted>)")
    }
}

/// The host's identifier for one request, echoed into audit events.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RequestId(pub u128);

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({self})")
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}
