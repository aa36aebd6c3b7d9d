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
//! 6. No `cnf` on a bearer token: a token bound to a key is refused when
//!    sent as `Bearer` (RFC 9449 §7.2). With
//!    [`with_dpop`](JwtAccessVerifier::with_dpop), a token sent as
//!    `Authorization: DPoP` needs a valid `DPoP` proof for the request
//!    whose key is the token's `cnf.jkt` (see [`super::dpop`]).
//! 7. The token's `scope` contains every required scope, else
//!    `insufficient_scope`.

use http::StatusCode;
use http::header::WWW_AUTHENTICATE;

use crate::bearer::{Failure, challenge, presented_token};
use crate::input::HttpRequest;
use crate::jose::dpop::{DpopNonces, DpopProof, DpopRequest, DpopVerifier, proof_header};
use crate::jose::{
    ACCESS_TOKEN_TYP, AccessTokenClaims, Algorithm, JwkSet, typ_is, verify_with_set,
};
use crate::{Access, BearerPolicy, ErrorCode, Reply, Scopes, Seconds, UnixTime};

use super::JwtAccessError;
use super::dpop::{self, DpopBinding};

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
    dpop: Option<DpopBinding>,
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
            dpop: None,
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

    /// Also accepts DPoP-bound tokens (RFC 9449 §7): `Authorization: DPoP
    /// <token>` with a `DPoP` proof that `proofs` accepts for the request
    /// (`origin`, e.g. `https://api.example.com`, and the request's path:
    /// the URI clients address), carrying the token's hash (`ath`) and
    /// made with the key of the token's `cnf.jkt`. With `nonces`, proofs
    /// must carry a current nonce (§9). Every 401 then also offers the
    /// `DPoP` scheme with its `algs`.
    #[must_use]
    pub fn with_dpop(
        mut self,
        proofs: DpopVerifier,
        origin: impl Into<String>,
        nonces: Option<DpopNonces>,
    ) -> Self {
        self.dpop = Some(DpopBinding { proofs, origin: origin.into(), nonces });
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
        self.check(token, required, now, None)
    }

    /// Verifies a DPoP-bound `token` with its `proof` (the `DPoP` header)
    /// for a `method` request to `path` at `now` (RFC 9449 §7.1): the
    /// proof, its `ath` and nonce, then the token as [`verify`](Self::verify)
    /// does, bound to the proof's key. Returns the proof too, for a host
    /// that keeps its `jti` against replays.
    pub fn verify_dpop(
        &self,
        token: &str,
        proof: &str,
        method: &http::Method,
        path: &str,
        required: &Scopes,
        now: UnixTime,
    ) -> Result<(Access, DpopProof), JwtAccessError> {
        let binding = self.dpop.as_ref().ok_or(JwtAccessError::DpopNotAccepted)?;
        let uri = binding.target(path);
        let accepted = binding.nonces.as_ref().map(|nonces| nonces.accepted(now));
        let accepted: Option<Vec<&str>> =
            accepted.as_ref().map(|list| list.iter().map(String::as_str).collect());
        let mut request = DpopRequest::new(method, &uri).with_access_token(token);
        if let Some(accepted) = &accepted {
            request = request.requiring_nonce(accepted);
        }
        let proof = binding.proofs.verify(proof, &request, now).map_err(JwtAccessError::Proof)?;
        let access = self.check(token, required, now, Some(&proof.jkt))?;
        Ok((access, proof))
    }

    /// The checks of [`verify`](Self::verify); `bound_to` is the proof
    /// key's thumbprint when the token came with the `DPoP` scheme.
    fn check(
        &self,
        token: &str,
        required: &Scopes,
        now: UnixTime,
        bound_to: Option<&str>,
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
        match (&claims.cnf, bound_to) {
            (Some(_), None) => return Err(JwtAccessError::SenderConstrained),
            (None, Some(_)) => return Err(JwtAccessError::NotKeyBound),
            (Some(cnf), Some(jkt)) if cnf.jkt != jkt => return Err(JwtAccessError::KeyMismatch),
            _ => {}
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
        let request = request.into();
        if let Some(binding) = &self.dpop {
            match dpop::scheme_token(request.headers()) {
                Err(description) => return Reply::Http(dpop::malformed(binding, description)),
                Ok(Some(token)) => {
                    let verified = match proof_header(request.headers()) {
                        Ok(Some(proof)) => self
                            .verify_dpop(
                                token,
                                proof,
                                request.method(),
                                request.uri().path(),
                                required,
                                now,
                            )
                            .map(|(access, _)| access),
                        Ok(None) => Err(JwtAccessError::MissingProof),
                        Err(error) => Err(JwtAccessError::Proof(error)),
                    };
                    return match verified {
                        Ok(access) => Reply::Access(access),
                        Err(error) => Reply::Http(binding.denial(&error, required, now)),
                    };
                }
                Ok(None) => {}
            }
        }
        let mut reply = self.verify_bearer(request, required, now);
        // A 401 to a resource that accepts DPoP offers both schemes
        // (RFC 9449 §7.2, RFC 9110 §11.6.1).
        if let (Some(binding), Reply::Http(response)) = (&self.dpop, &mut reply)
            && response.status() == StatusCode::UNAUTHORIZED
        {
            response.headers_mut().append(WWW_AUTHENTICATE, binding.challenge(None));
        }
        reply
    }

    /// [`verify_request`](Self::verify_request) for the `Bearer` scheme.
    fn verify_bearer(&self, request: HttpRequest<'_>, required: &Scopes, now: UnixTime) -> Reply {
        let token = match presented_token(&self.policy, request) {
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
