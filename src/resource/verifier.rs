//! The offline verifier of JWT access tokens for resource servers
//! (feature `jwt`; RFC 9068 §4).
//!
//! A [`JwtAccessVerifier`] holds a JWKS snapshot, the issuer and the
//! resource's own identifier; it reads no clock and fetches nothing.
//! [`verify`](JwtAccessVerifier::verify) answers with the same
//! [`Access`] as the store-backed check ([`Input::bearer`](crate::Input::bearer),
//! ending in [`Reply::Access`](crate::Reply::Access)), and
//! [`verify_request`](JwtAccessVerifier::verify_request) with the same
//! [`Reply`] and RFC 6750 challenges.
//!
//! The checks, in order:
//!
//! 1. The JWS (RFC 7515 §5.2): at most 8 KiB, compact, a `kid` in the
//!    snapshot, `alg` in the allow-list and equal to that key's algorithm
//!    (never `none`), the signature valid.
//! 2. `typ` is `at+jwt` or `application/at+jwt`, compared as media types
//!    (case-insensitively; RFC 7515 §4.1.9).
//! 3. The claims RFC 9068 §2.2 requires are present.
//! 4. `iss` equals the issuer exactly; `aud` contains the resource.
//! 5. `now < exp + leeway`; `nbf` and `iat` are not after `now + leeway`.
//! 6. No `cnf`: sender-constrained tokens need a proof this verifier does
//!    not check.
//! 7. The token's `scope` contains every required scope, else
//!    `insufficient_scope`.

use http::StatusCode;

use crate::bearer::{Failure, challenge, presented_token};
use crate::input::HttpRequest;
use crate::jose::{
    ACCESS_TOKEN_TYP, AccessTokenClaims, Algorithm, JwkSet, typ_is, verify_with_set,
};
use crate::{Access, BearerPolicy, ErrorCode, Reply, Scopes, Seconds, UnixTime};

use super::JwtAccessError;

/// Verifies RFC 9068 JWT access tokens for one resource against one
/// issuer's keys.
#[derive(Clone, Debug)]
pub struct JwtAccessVerifier {
    keys: JwkSet,
    issuer: String,
    audience: String,
    algorithms: Vec<Algorithm>,
    leeway: Seconds,
    policy: BearerPolicy,
}

impl JwtAccessVerifier {
    /// A verifier trusting `keys` (the issuer's JWKS, as fetched from its
    /// `jwks_uri`) for tokens from `issuer` to the resource `audience`.
    /// Every algorithm is allowed, the leeway is zero, and requests are
    /// read as [`BearerPolicy::default`] says.
    pub fn new(keys: JwkSet, issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            keys,
            issuer: issuer.into(),
            audience: audience.into(),
            algorithms: Algorithm::ALL.to_vec(),
            leeway: Seconds::new(0),
            policy: BearerPolicy::default(),
        }
    }

    /// Allows only these algorithms (RFC 8725 §3.1).
    #[must_use]
    pub fn with_algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// Tolerates this much clock skew on `exp`, `nbf` and `iat` (RFC 9068
    /// §4: "usually no more than a few minutes").
    #[must_use]
    pub fn with_leeway(mut self, leeway: Seconds) -> Self {
        self.leeway = leeway;
        self
    }

    /// Reads requests and writes challenges under this policy (realm, form body).
    #[must_use]
    pub fn with_bearer_policy(mut self, policy: BearerPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Replaces the JWKS snapshot (after the host refetched `jwks_uri`).
    pub fn set_keys(&mut self, keys: JwkSet) {
        self.keys = keys;
    }

    /// Verifies `token` at `now` and checks that it carries every
    /// `required` scope. A `sub` equal to `client_id` is a token without a
    /// resource owner (`subject: None`), as for client credentials.
    pub fn verify(
        &self,
        token: &str,
        required: &Scopes,
        now: UnixTime,
    ) -> Result<Access, JwtAccessError> {
        let verified = verify_with_set(token, &self.keys, &self.algorithms)?;
        if !verified.header.typ.as_deref().is_some_and(|typ| typ_is(typ, ACCESS_TOKEN_TYP)) {
            return Err(JwtAccessError::WrongType);
        }
        let claims = AccessTokenClaims::from_json(&verified.payload)?;
        if claims.iss != self.issuer {
            return Err(JwtAccessError::WrongIssuer);
        }
        if !claims.aud.contains(&self.audience) {
            return Err(JwtAccessError::WrongAudience);
        }
        if now >= claims.exp.after(self.leeway) {
            return Err(JwtAccessError::Expired);
        }
        if claims.nbf.is_some_and(|nbf| nbf > now.after(self.leeway)) {
            return Err(JwtAccessError::NotYetValid);
        }
        if claims.iat > now.after(self.leeway) {
            return Err(JwtAccessError::IssuedInFuture);
        }
        if claims.cnf.is_some() {
            return Err(JwtAccessError::SenderConstrained);
        }
        if !required.is_subset(&claims.scope) {
            return Err(JwtAccessError::InsufficientScope);
        }
        let subject = (claims.sub != claims.client_id).then_some(claims.sub);
        Ok(Access { subject, client_id: claims.client_id, scopes: claims.scope })
    }

    /// Verifies the bearer token of `request` (RFC 6750 §2.1, and §2.2
    /// when the policy allows it) and answers exactly as
    /// the store-backed check does, so a resource server handles both the
    /// same way: [`Reply::Access`], or [`Reply::Http`] with the denial to
    /// send — 401 without error for a request with no token, 400
    /// `invalid_request` for malformed credentials, 401 `invalid_token`, or
    /// 403 `insufficient_scope` with the required scope.
    pub fn verify_request<'r>(
        &self,
        request: impl Into<HttpRequest<'r>>,
        required: &Scopes,
        now: UnixTime,
    ) -> Reply {
        let token = match presented_token(&self.policy, request.into()) {
            Ok(Some(token)) => token,
            Ok(None) => {
                return Reply::Http(challenge(&self.policy, StatusCode::UNAUTHORIZED, None));
            }
            Err(description) => {
                let failure = Failure { code: ErrorCode::InvalidRequest, description, scope: None };
                return Reply::Http(challenge(
                    &self.policy,
                    StatusCode::BAD_REQUEST,
                    Some(failure),
                ));
            }
        };
        match self.verify(&token, required, now) {
            Ok(access) => Reply::Access(access),
            Err(error) => {
                let insufficient = error == JwtAccessError::InsufficientScope;
                let failure = Failure {
                    code: error.error_code(),
                    description: error.description(),
                    scope: insufficient.then_some(required),
                };
                let status =
                    if insufficient { StatusCode::FORBIDDEN } else { StatusCode::UNAUTHORIZED };
                Reply::Http(challenge(&self.policy, status, Some(failure)))
            }
        }
    }
}
