//! The JOSE layer (feature `jwt`): compact JWS (RFC 7515) with ES256,
//! EdDSA, RS256 and PS256 (RFC 7518, RFC 8037), public JWKs and JWK Sets
//! (RFC 7517) with RFC 7638 thumbprints, private signing keys, their
//! rotation, RFC 9068 JWT access tokens, DPoP proofs (RFC 9449, [`dpop`])
//! and `private_key_jwt` client assertions (RFC 7523, [`client_assertion`]).
//!
//! The rules it keeps (RFC 8725):
//!
//! * The key decides the algorithm. Every key is bound to one
//!   [`Algorithm`]; a JWS verifies only when its `alg` is in the caller's
//!   allow-list *and* equals the algorithm of the key its `kid` selects.
//!   `none` and HMAC cannot be named at all.
//! * Keys come only from the caller: a header with `jku`, `jwk`, `x5u` or
//!   `x5c` is refused, never followed; `crit` is refused (no extension is
//!   understood). The one exception is a DPoP proof ([`dpop`]), whose
//!   header `jwk` is the key it proves possession of and authenticates
//!   nobody; only that verifier reads it.
//! * Input is bounded: tokens up to [`MAX_TOKEN_BYTES`], JWK Sets up to
//!   [`MAX_JWK_SET_BYTES`] and [`MAX_JWK_SET_KEYS`]; RSA moduli from 2048 to
//!   8192 bits; repeated header, JWK and claim members are refused.
//! * Randomness comes from the host (a `rand_core` [`CryptoRng`]): ES256
//!   uses RFC 6979 deterministic nonces, EdDSA is deterministic, RSA
//!   signing draws only for blinding (RS256) and the PSS salt (PS256).
//!
//! The manual chapter [`crate::manual::jose`] shows it in use.
//!
//! ## The `rsa` crate and RUSTSEC-2023-0071
//!
//! The Marvin attack recovers plaintexts (and in the worst case enables
//! key recovery) from the *timing of RSA private-key operations* on
//! attacker-chosen inputs, chiefly PKCS#1 v1.5 decryption. qscope never
//! decrypts. Verification (RS256, PS256) uses only public data. Signing
//! exponentiates an encoding of a SHA-256 hash the attacker cannot choose,
//! with `rsa` 0.10's constant-time `crypto-bigint` arithmetic and random
//! blinding from the host's generator. Prefer ES256 or EdDSA for new keys,
//! or keep RSA keys in a KMS/HSM ([`Signer::External`]).
//!
//! [`CryptoRng`]: rand_core::CryptoRng

mod access_token;
mod algorithm;
mod base64url;
pub mod client_assertion;
pub mod dpop;
mod error;
mod header;
mod jwk;
mod jwk_set;
mod jws;
mod key_set;
mod numeric_date;
mod public_key;
mod rng;
mod signer;
mod signing_key;

pub use access_token::{ACCESS_TOKEN_TYP, AccessTokenClaims, Audience, ClaimsError, Confirmation};
pub use algorithm::{Algorithm, AlgorithmRefusal};
pub use error::{JoseError, Part};
pub use header::Header;
pub(crate) use header::typ_is;
pub use jwk::PublicJwk;
pub use jwk_set::JwkSet;
pub use jws::{Verified, sign, verify, verify_with_set};
pub use key_set::{KeySet, KeySetError, KeyState, ManagedKey, RotationPolicy};
pub use public_key::{MAX_RSA_BITS, MIN_RSA_BITS};
pub use signer::{SignRequest, SignStep, Signer};
pub use signing_key::{DEFAULT_RSA_BITS, PrivateKeyPem, SigningKey};

/// The longest compact JWS accepted, in bytes (8 KiB): far above any token
/// qscope issues, small enough that parsing costs nothing to speak of.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The longest JWK or JWK Set document accepted, in bytes (64 KiB).
pub const MAX_JWK_SET_BYTES: usize = 64 * 1024;
/// The most keys a JWK Set may list.
pub const MAX_JWK_SET_KEYS: usize = 32;
/// The longest `jti` accepted in a DPoP proof or a client assertion, in
/// bytes: 96 random bits are 16 base64url characters and a UUID 36, so 128
/// bounds what a replay store keeps (RFC 9449 §11.1: "reject DPoP proof
/// JWTs with unnecessarily large jti values").
pub const MAX_JTI_BYTES: usize = 128;
