//! DPoP-bound JWT access tokens at a resource server (RFC 9449 §7), for
//! the offline [`JwtAccessVerifier`](super::JwtAccessVerifier) once it is
//! given [`with_dpop`](super::JwtAccessVerifier::with_dpop).
//!
//! A request with `Authorization: DPoP <token>` must also carry one `DPoP`
//! proof for its method and URI (the resource's origin and the request
//! path) with `ath`, the hash of that token; the token's `cnf.jkt` must be
//! the proof key's thumbprint (§6, §7.1). A token bound to a key and sent
//! as `Bearer` is refused (§7.2). The 401 challenges name the `DPoP`
//! scheme with the accepted `algs`, and a proof refused for its nonce is
//! answered `use_dpop_nonce` with a fresh `DPoP-Nonce` (§9).
//!
//! The verifier keeps no state, so it cannot tell a replayed proof inside
//! its `iat` window (one minute by default) from a fresh one: the same
//! request with the same token and proof, resent within that window,
//! passes again. A host that needs more keeps the proof's `jti`
//! ([`JwtAccessVerifier::verify_dpop`](super::JwtAccessVerifier::verify_dpop)
//! returns it) or requires nonces.

use http::header::WWW_AUTHENTICATE;
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use crate::jose::dpop::{DpopError, DpopNonces, DpopVerifier};
use crate::{Scopes, UnixTime};

use super::JwtAccessError;

/// What a resource server accepting DPoP knows: how proofs are checked,
/// the origin clients address it by, and its nonces if it requires them.
#[derive(Clone, Debug)]
pub(super) struct DpopBinding {
    pub(super) proofs: DpopVerifier,
    pub(super) origin: String,
    pub(super) nonces: Option<DpopNonces>,
}

impl DpopBinding {
    /// The absolute URI of a request for `path` (RFC 9449 §4.3 step 9
    /// compares it without query and fragment).
    pub(super) fn target(&self, path: &str) -> String {
        let mut uri = String::with_capacity(self.origin.len() + path.len());
        uri.push_str(self.origin.trim_end_matches('/'));
        uri.push_str(path);
        uri
    }

    /// `WWW-Authenticate: DPoP …`: the error (when a token was presented
    /// and failed) and `algs`, the proof algorithms accepted (§7.1).
    pub(super) fn challenge(&self, failure: Option<(&str, &str, Option<&Scopes>)>) -> HeaderValue {
        let algs: Vec<&str> = self.proofs.algorithms().iter().map(|a| a.as_str()).collect();
        let mut value = String::from("DPoP");
        let mut separator = " ";
        if let Some((code, description, scope)) = failure {
            value.push_str(" error=\"");
            value.push_str(code);
            value.push_str("\", error_description=\"");
            value.push_str(description);
            value.push('"');
            if let Some(scope) = scope {
                value.push_str(", scope=\"");
                value.push_str(&scope.to_string());
                value.push('"');
            }
            separator = ", ";
        }
        value.push_str(separator);
        value.push_str("algs=\"");
        value.push_str(&algs.join(" "));
        value.push('"');
        // Codes and descriptions are literals, scope tokens and algorithm
        // names visible ASCII: this cannot fail.
        HeaderValue::try_from(value).unwrap_or_else(|_| HeaderValue::from_static("DPoP"))
    }

    /// The denial of a DPoP request that failed with `error`.
    pub(super) fn denial(
        &self,
        error: &JwtAccessError,
        required: &Scopes,
        now: UnixTime,
    ) -> Response<Vec<u8>> {
        let (status, code, description) = match error {
            JwtAccessError::Proof(proof) => {
                (StatusCode::UNAUTHORIZED, proof.error_code(), proof_description(proof))
            }
            JwtAccessError::MissingProof => {
                (StatusCode::UNAUTHORIZED, "invalid_dpop_proof", error.description())
            }
            JwtAccessError::InsufficientScope => {
                (StatusCode::FORBIDDEN, error.error_code().as_str(), error.description())
            }
            _ => (StatusCode::UNAUTHORIZED, error.error_code().as_str(), error.description()),
        };
        let scope = (*error == JwtAccessError::InsufficientScope).then_some(required);
        let mut response = Response::new(Vec::new());
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(WWW_AUTHENTICATE, self.challenge(Some((code, description, scope))));
        if let (JwtAccessError::Proof(proof), Some(nonces)) = (error, &self.nonces)
            && proof.needs_nonce()
            && let Ok(nonce) = HeaderValue::try_from(nonces.current(now))
        {
            headers.insert("dpop-nonce", nonce);
        }
        response
    }
}

/// The token of `Authorization: DPoP <token>`: `None` for another scheme
/// or none, else the `error_description` of malformed DPoP credentials.
pub(super) fn scheme_token(headers: &HeaderMap) -> Result<Option<&str>, &'static str> {
    let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
    let Some(value) = values.next() else { return Ok(None) };
    let Ok(value) = value.to_str() else { return Ok(None) };
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("dpop") {
        return Ok(None);
    }
    if values.next().is_some() {
        return Err("Authorization header is repeated");
    }
    let token = token.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
    {
        return Err("Authorization header is not valid DPoP credentials");
    }
    Ok(Some(token))
}

/// A 400 `invalid_request` for malformed DPoP credentials.
pub(super) fn malformed(binding: &DpopBinding, description: &'static str) -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = StatusCode::BAD_REQUEST;
    let challenge = binding.challenge(Some(("invalid_request", description, None)));
    response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
    response
}

/// The `error_description` of a refused proof: visible ASCII, no quotes.
fn proof_description(error: &DpopError) -> &'static str {
    if error.needs_nonce() {
        "The DPoP proof must carry the current nonce"
    } else {
        "The DPoP proof is invalid"
    }
}
