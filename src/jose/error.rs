//! What can go wrong in the JOSE layer, precisely.

use std::fmt;

use super::{Algorithm, AlgorithmRefusal};

/// The part of a compact JWS that failed to decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The first part, the protected header.
    Header,
    /// The second part, the payload.
    Payload,
    /// The third part, the signature.
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "protected header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// A JWS, JWK or key that is refused, or a signing that failed. Nothing in
/// the JOSE layer panics on input; every refusal is one of these.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoseError {
    /// The token is longer than [`MAX_TOKEN_BYTES`](super::MAX_TOKEN_BYTES).
    #[error("the token is longer than {limit} bytes")]
    TokenTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The JWK or JWK Set document is longer than
    /// [`MAX_JWK_SET_BYTES`](super::MAX_JWK_SET_BYTES).
    #[error("the JWK Set document is longer than {limit} bytes")]
    JwkSetTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The JWK Set lists more than [`MAX_JWK_SET_KEYS`](super::MAX_JWK_SET_KEYS) keys.
    #[error("the JWK Set lists more than {limit} keys")]
    TooManyKeys {
        /// The limit.
        limit: usize,
    },
    /// Not three parts separated by dots (a JWE, with five, is one of these).
    #[error("not a JWS in compact serialization: three parts separated by dots")]
    NotCompact,
    /// A part is not base64url without padding.
    #[error("the {0} is not base64url")]
    Base64(Part),
    /// The protected header is not a JSON object of the expected shape
    /// (not UTF-8, not an object, a member of the wrong type, a repeated
    /// member, or no `alg`).
    #[error("the protected header is invalid: {0}")]
    InvalidHeader(String),
    /// `alg` is `none`: unsecured JWSs are never accepted (RFC 9068 §2.1, §4).
    #[error("alg \"none\" is refused")]
    AlgorithmNone,
    /// `alg` names an algorithm qscope does not implement (HMAC among them).
    #[error("the alg is not one of ES256, EdDSA, RS256, PS256")]
    UnsupportedAlgorithm,
    /// `alg` is not in the caller's allow-list (RFC 8725 §3.1).
    #[error("the algorithm {0} is not allowed here")]
    AlgorithmNotAllowed(Algorithm),
    /// `alg` differs from the algorithm of the key the `kid` selects: the
    /// key decides the algorithm, never the header (RFC 8725 §3.1).
    #[error("the header names {header} but the key is for {key}")]
    AlgorithmMismatch {
        /// The header's `alg`.
        header: Algorithm,
        /// The key's algorithm.
        key: Algorithm,
    },
    /// The header has `crit`: qscope understands no extension (RFC 7515 §4.1.11).
    #[error("the header lists critical extensions, none of which is understood")]
    CriticalHeader,
    /// The header points at a key (`jku`, `jwk`, `x5u`, `x5c`); qscope never
    /// follows or trusts one (RFC 8725 §3.10) and refuses the token.
    #[error("the header carries \"{0}\"; keys come only from the verifier's key set")]
    KeyReferenceInHeader(&'static str),
    /// A JWS that must carry its public key in `jwk` (a DPoP proof) has none.
    #[error("the header carries no jwk")]
    MissingJwk,
    /// A key set is used and the header names no `kid`.
    #[error("the header has no kid")]
    MissingKid,
    /// No key of the set (or not the given key) has the header's `kid`.
    #[error("no key has the header's kid")]
    UnknownKid,
    /// The signature does not verify under the key.
    #[error("the signature is invalid")]
    BadSignature,
    /// A JWK is malformed, of an unsupported type or curve, or too weak.
    #[error("invalid JWK: {0}")]
    InvalidKey(&'static str),
    /// A public JWK carries a private member (`d`, `p`, …).
    #[error("a public JWK carries the private member \"{0}\"")]
    PrivateKeyMember(&'static str),
    /// Two keys of one set share a `kid`, so a `kid` would not select one key.
    #[error("two keys share a kid")]
    DuplicateKid,
    /// A private key could not be read or generated.
    #[error("invalid private key: {0}")]
    InvalidPrivateKey(&'static str),
    /// The signature primitive failed.
    #[error("signing failed")]
    SigningFailed,
}

impl From<AlgorithmRefusal> for JoseError {
    fn from(refusal: AlgorithmRefusal) -> Self {
        match refusal {
            AlgorithmRefusal::None => Self::AlgorithmNone,
            AlgorithmRefusal::Unsupported => Self::UnsupportedAlgorithm,
        }
    }
}
