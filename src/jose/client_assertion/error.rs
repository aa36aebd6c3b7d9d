//! Why a client assertion is refused.

use crate::jose::{ClaimsError, JoseError};

/// Why [`ClientAssertionVerifier::verify`](super::ClientAssertionVerifier::verify)
/// refused an assertion. Every variant is answered `invalid_client` (RFC
/// 7521 §4.2.1, RFC 7523 §3.2), and none may tell the client more than
/// any other failed client authentication does; the variant is for the
/// audit trail.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientAssertionError {
    /// The JWS failed (RFC 7523 §3 item 9): malformed, too large, `alg`
    /// not allowed or not the key's, a `kid` of no key of the client (or
    /// none, and the client has several keys), a key reference or `crit`
    /// in the header, a bad signature.
    #[error(transparent)]
    Jose(#[from] JoseError),
    /// `typ` names another kind of JWT (an access token, a DPoP proof):
    /// only none, `JWT` and `client-authentication+jwt` are accepted
    /// (RFC 8725 §3.12).
    #[error("the typ is not that of a client assertion")]
    WrongType,
    /// A required claim is absent, repeated or of the wrong type
    /// (RFC 7523 §3 items 1–4, 10).
    #[error(transparent)]
    Claims(#[from] ClaimsError),
    /// `iss` is not the client's `client_id` (RFC 7523 §3 item 1, §2.2).
    #[error("the iss is not the client_id")]
    WrongIssuer,
    /// `sub` is not the client's `client_id` (RFC 7523 §3 item 2.B).
    #[error("the sub is not the client_id")]
    WrongSubject,
    /// `aud` names neither the issuer identifier nor (when accepted) the
    /// token endpoint URL (RFC 7523 §3 item 3).
    #[error("the aud does not name this authorization server")]
    WrongAudience,
    /// `now` is not before `exp` plus the leeway (RFC 7523 §3 item 4).
    #[error("the assertion expired")]
    Expired,
    /// `exp` is further in the future than the verifier's maximum lifetime
    /// (RFC 7523 §3 item 4: "unreasonably far in the future").
    #[error("the assertion's exp is too far in the future")]
    LifetimeTooLong,
    /// `nbf` is later than `now` plus the leeway (RFC 7523 §3 item 5).
    #[error("the assertion is not valid yet")]
    NotYetValid,
    /// `iat` is later than `now` plus the leeway (RFC 7523 §3 item 6).
    #[error("the assertion was issued in the future")]
    IssuedInFuture,
    /// `jti` is empty or longer than
    /// [`MAX_JTI_BYTES`](crate::jose::MAX_JTI_BYTES).
    #[error("the jti is empty or too long")]
    InvalidJti,
}
