//! RFC 9068 JWT access tokens: the claims, encoded and signed.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use super::numeric_date::numeric_date;
use super::{JoseError, KeySet, KeySetError, SignStep, SigningKey, jws};
use crate::{Scopes, UnixTime};

/// The `typ` of a JWT access token (RFC 9068 §2.1: `application/at+jwt`
/// without the `application/` prefix, as recommended).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// The `aud` claim: one audience or several (RFC 7519 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single resource indicator, written as a string.
    One(String),
    /// Several resource indicators, written as an array.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `resource` is one of the audiences.
    pub fn contains(&self, resource: &str) -> bool {
        match self {
            Self::One(aud) => aud == resource,
            Self::Many(auds) => auds.iter().any(|aud| aud == resource),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Self::One(aud) => aud.is_empty(),
            Self::Many(auds) => auds.is_empty() || auds.iter().any(String::is_empty),
        }
    }
}

/// The `cnf` claim with a JWK thumbprint (RFC 7800 §3.1, RFC 9449 §6.1),
/// for sender-constrained tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// `jkt`: the RFC 7638 thumbprint of the client's DPoP key.
    pub jkt: String,
}

/// The claims of a JWT access token (RFC 9068 §2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessTokenClaims {
    /// `iss`: the issuer identifier, exactly as in the metadata.
    pub iss: String,
    /// `sub`: the resource owner, or for a grant without one (client
    /// credentials) the `client_id` (RFC 9068 §2.2). A verifier reads a
    /// `sub` equal to `client_id` as "no resource owner", so no user's
    /// subject may equal a client identifier (RFC 9068 §5).
    pub sub: String,
    /// `aud`: the resource indicators the token is for.
    pub aud: Audience,
    /// `client_id`: the client the token was issued to.
    pub client_id: String,
    /// `iat`: when the token was issued.
    pub iat: UnixTime,
    /// `exp`: when it expires.
    pub exp: UnixTime,
    /// `jti`: a unique identifier.
    pub jti: String,
    /// `scope`: the granted scopes, omitted when empty.
    pub scope: Scopes,
    /// `auth_time`: when the resource owner authenticated, where known.
    pub auth_time: Option<UnixTime>,
    /// `nbf`: not valid before, when present.
    pub nbf: Option<UnixTime>,
    /// `cnf`: the key the token is bound to, for sender-constrained tokens.
    pub cnf: Option<Confirmation>,
}

/// Why a JWT's claims are refused: not those of an access token, a DPoP
/// proof or a client assertion.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    /// The payload is not a JSON object of claims, or repeats a claim.
    #[error("the claims are not a JSON object: {0}")]
    NotJson(String),
    /// A required claim is absent (RFC 9068 §2.2).
    #[error("the claim \"{0}\" is required")]
    Missing(&'static str),
    /// A claim has an unusable value.
    #[error("the claim \"{0}\" is invalid")]
    Invalid(&'static str),
}

/// The claims as written, in the order of RFC 9068 §3's example.
#[derive(Serialize)]
struct WireClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a Audience,
    exp: u64,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<u64>,
    jti: &'a str,
    client_id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    scope: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cnf: Option<&'a Confirmation>,
}

/// The claims as read: every claim qscope names, so a repeated one is refused.
#[derive(Deserialize)]
struct RawClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    client_id: Option<String>,
    #[serde(default, deserialize_with = "numeric_date")]
    iat: Option<UnixTime>,
    #[serde(default, deserialize_with = "numeric_date")]
    exp: Option<UnixTime>,
    #[serde(default, deserialize_with = "numeric_date")]
    nbf: Option<UnixTime>,
    #[serde(default, deserialize_with = "numeric_date")]
    auth_time: Option<UnixTime>,
    jti: Option<String>,
    scope: Option<String>,
    cnf: Option<Confirmation>,
}

impl AccessTokenClaims {
    /// The claims as compact JSON (the JWT Claims Set).
    pub fn to_json(&self) -> String {
        let wire = WireClaims {
            iss: &self.iss,
            sub: &self.sub,
            aud: &self.aud,
            exp: self.exp.as_secs(),
            iat: self.iat.as_secs(),
            nbf: self.nbf.map(UnixTime::as_secs),
            jti: &self.jti,
            client_id: &self.client_id,
            scope: self.scope.as_str(),
            auth_time: self.auth_time.map(UnixTime::as_secs),
            cnf: self.cnf.as_ref(),
        };
        // Strings, numbers and a map of strings always serialize.
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// Reads a JWT Claims Set. The claims RFC 9068 §2.2 requires (`iss`,
    /// `exp`, `aud`, `sub`, `client_id`, `iat`, `jti`) must be present;
    /// `scope` must be a valid scope list; `aud` must not be empty.
    pub fn from_json(json: &[u8]) -> Result<Self, ClaimsError> {
        let raw: RawClaims =
            serde_json::from_slice(json).map_err(|e| ClaimsError::NotJson(e.to_string()))?;
        let aud = raw.aud.ok_or(ClaimsError::Missing("aud"))?;
        if aud.is_empty() {
            return Err(ClaimsError::Invalid("aud"));
        }
        let scope = match raw.scope {
            Some(scope) => Scopes::parse(&scope).map_err(|_| ClaimsError::Invalid("scope"))?,
            None => Scopes::new(),
        };
        Ok(Self {
            iss: raw.iss.ok_or(ClaimsError::Missing("iss"))?,
            sub: raw.sub.ok_or(ClaimsError::Missing("sub"))?,
            aud,
            client_id: raw.client_id.ok_or(ClaimsError::Missing("client_id"))?,
            iat: raw.iat.ok_or(ClaimsError::Missing("iat"))?,
            exp: raw.exp.ok_or(ClaimsError::Missing("exp"))?,
            jti: raw.jti.ok_or(ClaimsError::Missing("jti"))?,
            scope,
            auth_time: raw.auth_time,
            nbf: raw.nbf,
            cnf: raw.cnf,
        })
    }

    /// The signed JWT access token, header `typ: at+jwt`, with an
    /// in-process key.
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        key: &SigningKey,
        rng: &mut R,
    ) -> Result<String, JoseError> {
        jws::sign(Some(ACCESS_TOKEN_TYP), self.to_json().as_bytes(), key, rng)
    }

    /// Starts the JWT access token with the key of `keys` active at `now`:
    /// signed at once, or a request for the host's external signer.
    pub fn begin_sign<R: CryptoRng + ?Sized>(
        &self,
        keys: &KeySet,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<SignStep, KeySetError> {
        keys.begin_sign(Some(ACCESS_TOKEN_TYP), self.to_json().as_bytes(), now, rng)
    }
}
