//! Why a JWT access token is refused, and the RFC 6750 answer for it.

use crate::ErrorCode;
use crate::jose::dpop::DpopError;
use crate::jose::{ClaimsError, JoseError};

/// Why [`JwtAccessVerifier`](super::JwtAccessVerifier) refused a token.
/// Every variant but [`InsufficientScope`](Self::InsufficientScope) is an
/// `invalid_token` (RFC 9068 §4: "in case of any failure in the validation
/// checks ... MUST include the error code invalid_token").
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtAccessError {
    /// The JWS failed: malformed, too large, `alg` not allowed or not the
    /// key's, unknown `kid`, bad signature (RFC 9068 §4 bullet 5).
    #[error(transparent)]
    Jose(#[from] JoseError),
    /// `typ` is not `at+jwt` or `application/at+jwt` (RFC 9068 §4 bullet 1).
    #[error("the typ is not at+jwt")]
    WrongType,
    /// The claims are not those of an access token (RFC 9068 §2.2).
    #[error(transparent)]
    Claims(#[from] ClaimsError),
    /// `iss` is not exactly the expected issuer (RFC 9068 §4 bullet 3).
    #[error("the iss is not the expected issuer")]
    WrongIssuer,
    /// `aud` does not contain this resource (RFC 9068 §4 bullet 4).
    #[error("the aud does not contain this resource")]
    WrongAudience,
    /// `now` is not before `exp` plus the leeway (RFC 9068 §4 bullet 6).
    #[error("the token expired")]
    Expired,
    /// `nbf` is later than `now` plus the leeway (RFC 7519 §4.1.5).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iat` is later than `now` plus the leeway.
    #[error("the token was issued in the future")]
    IssuedInFuture,
    /// The token is bound to a key (`cnf`); this verifier checks no proof
    /// of possession, so accepting it as a bearer token would defeat the
    /// binding (RFC 9449 §7.1).
    #[error("the token is sender-constrained (cnf)")]
    SenderConstrained,
    /// The token is valid but lacks a required scope (RFC 6750 §3.1).
    #[error("the token lacks a required scope")]
    InsufficientScope,
    /// `Authorization: DPoP` came without a `DPoP` proof (RFC 9449 §7.1);
    /// answered `invalid_dpop_proof`.
    #[error("the request has no DPoP proof")]
    MissingProof,
    /// The `DPoP` proof was refused (RFC 9449 §4.3); answered
    /// `invalid_dpop_proof`, or `use_dpop_nonce` for a missing or stale
    /// nonce.
    #[error(transparent)]
    Proof(DpopError),
    /// A token sent with the `DPoP` scheme is not bound to a key (no
    /// `cnf.jkt`).
    #[error("the token is not bound to a DPoP key")]
    NotKeyBound,
    /// The token's `cnf.jkt` is not the thumbprint of the proof's key
    /// (RFC 9449 §6, §7.1).
    #[error("the token is bound to another key than the proof's")]
    KeyMismatch,
    /// The verifier was not set up for DPoP
    /// ([`with_dpop`](super::JwtAccessVerifier::with_dpop)).
    #[error("this verifier does not accept DPoP")]
    DpopNotAccepted,
}

impl JwtAccessError {
    /// The RFC 6750 §3.1 error code: `insufficient_scope` (403) for
    /// [`InsufficientScope`](Self::InsufficientScope), `invalid_token`
    /// (401) for everything else.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::InsufficientScope => ErrorCode::InsufficientScope,
            _ => ErrorCode::InvalidToken,
        }
    }

    /// The `error_description` of the challenge: a sentence in the style of
    /// RFC 6750 §3's example, visible ASCII without quotes.
    pub fn description(&self) -> &'static str {
        match self {
            Self::Jose(JoseError::BadSignature) => "The access token signature is invalid",
            Self::Jose(JoseError::UnknownKid | JoseError::MissingKid) => {
                "The access token is signed by an unknown key"
            }
            Self::Jose(
                JoseError::AlgorithmNone
                | JoseError::UnsupportedAlgorithm
                | JoseError::AlgorithmNotAllowed(_)
                | JoseError::AlgorithmMismatch { .. },
            ) => "The access token algorithm is not accepted",
            Self::Jose(JoseError::CriticalHeader | JoseError::KeyReferenceInHeader(_)) => {
                "The access token header is not accepted"
            }
            Self::Jose(_) => "The access token is malformed",
            Self::WrongType => "The token is not a JWT access token",
            Self::Claims(_) => "The access token claims are invalid",
            Self::WrongIssuer => "The access token is from another issuer",
            Self::WrongAudience => "The access token is not for this resource",
            Self::Expired => "The access token expired",
            Self::NotYetValid => "The access token is not valid yet",
            Self::IssuedInFuture => "The access token was issued in the future",
            Self::SenderConstrained => "The access token is bound to a key",
            Self::InsufficientScope => "The access token lacks a required scope",
            Self::MissingProof => "The request has no DPoP proof",
            Self::Proof(_) => "The DPoP proof is invalid",
            Self::NotKeyBound => "The access token is not bound to a DPoP key",
            Self::KeyMismatch => "Invalid DPoP key binding",
            Self::DpopNotAccepted => "DPoP is not accepted here",
        }
    }
}
