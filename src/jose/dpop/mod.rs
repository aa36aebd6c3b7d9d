//! DPoP proofs (RFC 9449 §4): the `DPoP` header a client sends to prove it
//! holds the key a token is (or is to be) bound to, checked without I/O.
//!
//! [`DpopVerifier::verify`] makes every check of RFC 9449 §4.3 that needs
//! no state and returns the key's RFC 7638 thumbprint (`jkt`, the value a
//! token binds to in `cnf.jkt`, §6.1), the `jti` and the `iat`. What it
//! cannot decide alone is left to the caller, which states it in the
//! [`DpopRequest`]: the request's method and target URI, the access token
//! presented with the proof (then `ath` is checked), and the nonces the
//! server accepts now (then `nonce` is required). The replay check — this
//! `jti` not seen within the window — needs shared state: the caller makes
//! it a store precondition of the commit that acts on the proof, keyed by
//! [`DpopProof::jti`] (at most [`MAX_JTI_BYTES`]).
//!
//! The proof's key comes from its own header (`jwk`), so a verified proof
//! says only that the sender holds that key; it authenticates nobody.
//! Tokens are never verified this way: the access-token path still
//! refuses a header `jwk`
//! ([`JoseError::KeyReferenceInHeader`](super::JoseError::KeyReferenceInHeader)).

mod claims;
mod error;
mod htu;
mod nonce;

use http::HeaderMap;
use subtle::ConstantTimeEq as _;

pub use claims::{DpopClaims, access_token_hash};
pub use error::DpopError;
pub use nonce::DpopNonces;

use super::{Algorithm, ClaimsError, MAX_JTI_BYTES, jws, typ_is};
use crate::{Seconds, UnixTime};

/// The `typ` of a DPoP proof (RFC 9449 §4.2).
pub const DPOP_TYP: &str = "dpop+jwt";
/// How old a proof may be by default (its `iat` before `now`): one minute.
pub const DEFAULT_MAX_AGE: Seconds = Seconds::new(60);
/// How far in the future a proof's `iat` may be by default (client clock
/// skew): five seconds.
pub const DEFAULT_MAX_SKEW: Seconds = Seconds::new(5);

/// The request a proof came with, as the caller knows it.
#[derive(Clone, Copy, Debug)]
pub struct DpopRequest<'a> {
    method: &'a str,
    uri: &'a str,
    access_token: Option<&'a str>,
    nonces: Option<&'a [&'a str]>,
}

impl<'a> DpopRequest<'a> {
    /// A request with this method and absolute target URI (scheme, host
    /// and path as the client addressed them, e.g. the issuer's origin and
    /// the endpoint path; a query or fragment is ignored).
    pub fn new(method: &'a http::Method, uri: &'a str) -> Self {
        Self { method: method.as_str(), uri, access_token: None, nonces: None }
    }

    /// The access token presented with the proof (`Authorization: DPoP
    /// <token>`): the proof must carry its hash in `ath` (RFC 9449 §7).
    #[must_use]
    pub fn with_access_token(mut self, access_token: &'a str) -> Self {
        self.access_token = Some(access_token);
        self
    }

    /// The server requires a nonce (RFC 9449 §8, §9) and accepts these
    /// now (for time-bucketed nonces, typically the current and the
    /// previous bucket's). An empty list accepts none.
    #[must_use]
    pub fn requiring_nonce(mut self, accepted: &'a [&'a str]) -> Self {
        self.nonces = Some(accepted);
        self
    }
}

/// A proof that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DpopProof {
    /// The RFC 7638 SHA-256 thumbprint of the proof's key, base64url: what
    /// a bound token carries in `cnf.jkt` (RFC 9449 §6.1).
    pub jkt: String,
    /// The proof's `jti`, for the replay check (RFC 9449 §11.1).
    pub jti: String,
    /// The proof's `iat`.
    pub iat: UnixTime,
    /// The algorithm the proof was signed with.
    pub algorithm: Algorithm,
    /// The proof's `nonce`, when it had one.
    pub nonce: Option<String>,
}

/// Checks DPoP proofs (RFC 9449 §4.3) under an algorithm allow-list and an
/// `iat` window. Holds no state and reads no clock.
#[derive(Clone, Debug)]
pub struct DpopVerifier {
    algorithms: Vec<Algorithm>,
    max_age: Seconds,
    max_skew: Seconds,
}

impl Default for DpopVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl DpopVerifier {
    /// A verifier allowing all four algorithms (every one asymmetric),
    /// proofs up to [`DEFAULT_MAX_AGE`] old and [`DEFAULT_MAX_SKEW`] ahead.
    pub fn new() -> Self {
        Self {
            algorithms: Algorithm::ALL.to_vec(),
            max_age: DEFAULT_MAX_AGE,
            max_skew: DEFAULT_MAX_SKEW,
        }
    }

    /// Allows only these algorithms (RFC 9449 §4.3 step 5: "acceptable per
    /// local policy"); what the metadata lists as
    /// `dpop_signing_alg_values_supported`.
    #[must_use]
    pub fn with_algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// Accepts proofs whose `iat` is at most `max_age` before `now` and at
    /// most `max_skew` after it (RFC 9449 §4.3 step 11, §11.1).
    #[must_use]
    pub fn with_iat_window(mut self, max_age: Seconds, max_skew: Seconds) -> Self {
        self.max_age = max_age;
        self.max_skew = max_skew;
        self
    }

    /// The allowed algorithms, in order (for `algs` in a `DPoP` challenge,
    /// RFC 9449 §7.1, and the metadata, §5.1).
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// Verifies `proof` (the `DPoP` header's value) for `request` at `now`
    /// (RFC 9449 §4.3 steps 2–12, the binding of step 12 excepted: the
    /// caller compares [`DpopProof::jkt`] with the token's `cnf.jkt`).
    pub fn verify(
        &self,
        proof: &str,
        request: &DpopRequest<'_>,
        now: UnixTime,
    ) -> Result<DpopProof, DpopError> {
        let expected_uri = htu::normalize(request.uri).ok_or(DpopError::RequestUri)?;
        let (verified, key) = jws::verify_with_embedded_key(proof, &self.algorithms)?;
        if !verified.header.typ.as_deref().is_some_and(|typ| typ_is(typ, DPOP_TYP)) {
            return Err(DpopError::WrongType);
        }
        let claims = DpopClaims::from_json(&verified.payload)?;
        if claims.jti.is_empty() {
            return Err(DpopError::Claims(ClaimsError::Invalid("jti")));
        }
        if claims.jti.len() > MAX_JTI_BYTES {
            return Err(DpopError::JtiTooLong { limit: MAX_JTI_BYTES });
        }
        if claims.htm != request.method {
            return Err(DpopError::WrongMethod);
        }
        if htu::normalize(&claims.htu).ok_or(DpopError::WrongUri)? != expected_uri {
            return Err(DpopError::WrongUri);
        }
        if claims.iat.after(self.max_age) < now {
            return Err(DpopError::Stale);
        }
        if claims.iat > now.after(self.max_skew) {
            return Err(DpopError::IssuedInFuture);
        }
        if let Some(access_token) = request.access_token {
            let ath = claims.ath.as_deref().ok_or(DpopError::MissingAth)?;
            let expected = access_token_hash(access_token);
            if !bool::from(ath.as_bytes().ct_eq(expected.as_bytes())) {
                return Err(DpopError::WrongAth);
            }
        }
        if let Some(accepted) = request.nonces {
            let nonce = claims.nonce.as_deref().ok_or(DpopError::MissingNonce)?;
            // Every candidate is compared, so the time says nothing of which matched.
            let matched = accepted.iter().fold(false, |found, candidate| {
                found | bool::from(nonce.as_bytes().ct_eq(candidate.as_bytes()))
            });
            if !matched {
                return Err(DpopError::WrongNonce);
            }
        }
        Ok(DpopProof {
            jkt: key.thumbprint(),
            jti: claims.jti,
            iat: claims.iat,
            algorithm: verified.header.alg,
            nonce: claims.nonce,
        })
    }
}

/// The one `DPoP` header of a request (RFC 9449 §4.3 step 1): `None` when
/// there is none, [`DpopError::RepeatedHeader`] for several,
/// [`DpopError::MalformedHeader`] for a value that is not a token68 (§4.1).
pub fn proof_header(headers: &HeaderMap) -> Result<Option<&str>, DpopError> {
    let mut values = headers.get_all("dpop").iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(DpopError::RepeatedHeader);
    }
    let text = value.to_str().map_err(|_| DpopError::MalformedHeader)?;
    if !is_token68(text) {
        return Err(DpopError::MalformedHeader);
    }
    Ok(Some(text))
}

/// `token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` (RFC 9110 §11.2).
fn is_token68(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}
