//! Client assertions for `private_key_jwt` client authentication (RFC 7523
//! §2.2, §3; RFC 7521 §4.2): a JWT the client signs with its own key,
//! checked against the client's JWK Set without I/O.
//!
//! The caller finds the client first — [`claimed_client_id`] reads the
//! (unverified) `sub` to know whose keys to load, from the client record
//! or its `jwks_uri` — then [`ClientAssertionVerifier::verify`] checks the
//! signature with the key of that set the `kid` names (the key decides the
//! algorithm), `iss` = `sub` = the `client_id`, `aud` naming the issuer
//! identifier (the token endpoint URL only when the verifier accepts it),
//! `exp` present, not passed and not too far ahead, `nbf` and `iat` not in
//! the future, and a `jti`. The replay check — this `jti` not seen before
//! the assertion's `exp` — needs shared state: the caller makes it a store
//! precondition of the commit, keyed by [`ClientAssertion::jti`].
//!
//! `client_secret_jwt` (an HMAC under the client secret) cannot be offered:
//! qscope stores client secrets only as hashes, and HMAC algorithms cannot
//! even be named in the JOSE layer.

mod claims;
mod error;

pub use claims::ClientAssertionClaims;
pub use error::ClientAssertionError;

use super::{Algorithm, ClaimsError, JwkSet, MAX_JTI_BYTES, jws, typ_is};
use crate::{Seconds, UnixTime};

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const CLIENT_ASSERTION_TYPE_JWT: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The longest an assertion may live by default: `exp` at most five
/// minutes after `now`.
pub const DEFAULT_MAX_LIFETIME: Seconds = Seconds::minutes(5);
/// The clock skew tolerated by default on `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Seconds = Seconds::new(5);

/// An assertion that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAssertion {
    /// The authenticated client (`iss` and `sub`).
    pub client_id: String,
    /// The `jti`, for the replay check.
    pub jti: String,
    /// The `exp`: how long the `jti` must be remembered.
    pub exp: UnixTime,
    /// The `kid` of the key that signed, when the header named one.
    pub kid: Option<String>,
    /// The algorithm (the key's).
    pub algorithm: Algorithm,
}

/// Checks client assertions for one authorization server.
#[derive(Clone, Debug)]
pub struct ClientAssertionVerifier {
    issuer: String,
    token_endpoint: Option<String>,
    algorithms: Vec<Algorithm>,
    max_lifetime: Seconds,
    leeway: Seconds,
}

impl ClientAssertionVerifier {
    /// A verifier for the authorization server `issuer` (its issuer
    /// identifier, the only `aud` accepted), every algorithm allowed,
    /// lifetimes up to [`DEFAULT_MAX_LIFETIME`], [`DEFAULT_LEEWAY`].
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            token_endpoint: None,
            algorithms: Algorithm::ALL.to_vec(),
            max_lifetime: DEFAULT_MAX_LIFETIME,
            leeway: DEFAULT_LEEWAY,
        }
    }

    /// Also accepts the token endpoint URL as `aud` (RFC 7523 §3 item 3
    /// allows it; the issuer identifier alone is safer, as it cannot name
    /// another server's endpoint).
    #[must_use]
    pub fn accepting_token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.token_endpoint = Some(url.into());
        self
    }

    /// Allows only these algorithms (`token_endpoint_auth_signing_alg_values_supported`).
    #[must_use]
    pub fn with_algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// Refuses assertions whose `exp` is more than `max_lifetime` after `now`.
    #[must_use]
    pub fn with_max_lifetime(mut self, max_lifetime: Seconds) -> Self {
        self.max_lifetime = max_lifetime;
        self
    }

    /// Tolerates this much clock skew on `exp`, `nbf` and `iat`.
    #[must_use]
    pub fn with_leeway(mut self, leeway: Seconds) -> Self {
        self.leeway = leeway;
        self
    }

    /// The allowed algorithms, in order.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// Verifies `assertion` as client authentication of `client_id` (the
    /// client whose JWK Set `keys` is) at `now`.
    pub fn verify(
        &self,
        assertion: &str,
        client_id: &str,
        keys: &JwkSet,
        now: UnixTime,
    ) -> Result<ClientAssertion, ClientAssertionError> {
        let verified = jws::verify_with_kid_or_only_key(assertion, keys, &self.algorithms)?;
        if verified.header.typ.as_deref().is_some_and(|typ| !is_assertion_type(typ)) {
            return Err(ClientAssertionError::WrongType);
        }
        let claims = ClientAssertionClaims::from_json(&verified.payload)?;
        if claims.iss != client_id {
            return Err(ClientAssertionError::WrongIssuer);
        }
        if claims.sub != client_id {
            return Err(ClientAssertionError::WrongSubject);
        }
        let endpoint = self.token_endpoint.as_deref();
        if !claims.aud.contains(&self.issuer)
            && !endpoint.is_some_and(|url| claims.aud.contains(url))
        {
            return Err(ClientAssertionError::WrongAudience);
        }
        if now >= claims.exp.after(self.leeway) {
            return Err(ClientAssertionError::Expired);
        }
        if claims.exp > now.after(self.max_lifetime) {
            return Err(ClientAssertionError::LifetimeTooLong);
        }
        if claims.nbf.is_some_and(|nbf| nbf > now.after(self.leeway)) {
            return Err(ClientAssertionError::NotYetValid);
        }
        if claims.iat.is_some_and(|iat| iat > now.after(self.leeway)) {
            return Err(ClientAssertionError::IssuedInFuture);
        }
        if claims.jti.is_empty() || claims.jti.len() > MAX_JTI_BYTES {
            return Err(ClientAssertionError::InvalidJti);
        }
        Ok(ClientAssertion {
            client_id: claims.sub,
            jti: claims.jti,
            exp: claims.exp,
            kid: verified.header.kid,
            algorithm: verified.header.alg,
        })
    }
}

/// The `client_id` an assertion claims in `sub`, read *without verifying
/// anything*: only to choose whose keys [`ClientAssertionVerifier::verify`]
/// then checks it with.
pub fn claimed_client_id(assertion: &str) -> Result<String, ClientAssertionError> {
    #[derive(serde::Deserialize)]
    struct Subject {
        sub: Option<String>,
    }
    let payload = jws::unverified_payload(assertion)?;
    let subject: Subject = serde_json::from_slice(&payload)
        .map_err(|e| ClientAssertionError::Claims(ClaimsError::NotJson(e.to_string())))?;
    subject.sub.ok_or(ClientAssertionError::Claims(ClaimsError::Missing("sub")))
}

/// Whether a `typ` is one a client assertion may carry: `JWT` (RFC 7519
/// §5.1) or `client-authentication+jwt` (the explicit type of the RFC 7523
/// update, draft-ietf-oauth-rfc7523bis). Any other names another kind of
/// JWT, whose rules differ (RFC 8725 §3.12).
fn is_assertion_type(typ: &str) -> bool {
    typ_is(typ, "jwt") || typ_is(typ, "client-authentication+jwt")
}
