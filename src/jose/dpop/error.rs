//! Why a DPoP proof is refused.

use crate::jose::{ClaimsError, JoseError};

/// Why [`DpopVerifier::verify`](super::DpopVerifier::verify) or
/// [`proof_header`](super::proof_header) refused a proof. Every variant is
/// an `invalid_dpop_proof` (RFC 9449 §5, §7.1) except the two nonce
/// variants, which are `use_dpop_nonce` (§8, §9): see
/// [`needs_nonce`](Self::needs_nonce).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DpopError {
    /// The request has more than one `DPoP` header field (§4.3 step 1).
    #[error("the request has more than one DPoP header")]
    RepeatedHeader,
    /// The `DPoP` header value is not a token68 (§4.1).
    #[error("the DPoP header is not a token68 value")]
    MalformedHeader,
    /// The JWS failed (§4.3 steps 2, 5–7): too large, not compact, no
    /// `jwk` or one with a private member, `alg` `none`, symmetric, not
    /// allowed or not the key's, a `crit` or another key reference, or a
    /// signature that does not verify with the `jwk`.
    #[error(transparent)]
    Jose(#[from] JoseError),
    /// `typ` is not `dpop+jwt` (§4.3 step 4).
    #[error("the typ is not dpop+jwt")]
    WrongType,
    /// A required claim is absent, repeated or of the wrong type (§4.3 step 3).
    #[error(transparent)]
    Claims(#[from] ClaimsError),
    /// `jti` is longer than [`MAX_JTI_BYTES`](crate::jose::MAX_JTI_BYTES) (§11.1:
    /// "reject DPoP proof JWTs with unnecessarily large jti values").
    #[error("the jti is longer than {limit} bytes")]
    JtiTooLong {
        /// The limit.
        limit: usize,
    },
    /// `htm` is not the request's method (§4.3 step 8).
    #[error("the htm is not the request's method")]
    WrongMethod,
    /// `htu` is not the request's URI, compared without query and fragment
    /// after normalization (§4.3 step 9).
    #[error("the htu is not the request's URI")]
    WrongUri,
    /// The caller's request URI is not an absolute `http` or `https` URI:
    /// a mistake of the host, not of the client.
    #[error("the request URI given to the verifier is not an absolute http(s) URI")]
    RequestUri,
    /// `iat` is older than the verifier's window (§4.3 step 11, §11.1).
    #[error("the proof is too old")]
    Stale,
    /// `iat` is later than `now` plus the verifier's allowance (§11.1).
    #[error("the proof was made in the future")]
    IssuedInFuture,
    /// An access token is presented and the proof has no `ath` (§4.2, §7).
    #[error("the proof has no ath for the presented access token")]
    MissingAth,
    /// `ath` is not the hash of the presented access token (§4.3 step 12).
    #[error("the ath is not the hash of the presented access token")]
    WrongAth,
    /// The server requires a nonce and the proof has none (§8, §9).
    #[error("the proof has no nonce and the server requires one")]
    MissingNonce,
    /// The proof's nonce is not one the server accepts now (§4.3 step 10).
    #[error("the proof's nonce is not a current one")]
    WrongNonce,
}

impl DpopError {
    /// Whether the answer is `use_dpop_nonce` with a fresh `DPoP-Nonce`
    /// header (the nonce was missing or not current; RFC 9449 §8, §9)
    /// rather than `invalid_dpop_proof`.
    pub fn needs_nonce(&self) -> bool {
        matches!(self, Self::MissingNonce | Self::WrongNonce)
    }

    /// The OAuth `error` code of the answer: `use_dpop_nonce` or
    /// `invalid_dpop_proof` (RFC 9449 §12.2 registers both).
    pub fn error_code(&self) -> &'static str {
        if self.needs_nonce() { "use_dpop_nonce" } else { "invalid_dpop_proof" }
    }
}
