//! The claims of a client assertion (RFC 7523 §3), written and read strictly.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::UnixTime;
use crate::jose::numeric_date::numeric_date;
use crate::jose::{Audience, ClaimsError, JoseError, SigningKey, jws};

/// The claims of a JWT a client authenticates with (`private_key_jwt`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAssertionClaims {
    /// `iss`: the client's `client_id`.
    pub iss: String,
    /// `sub`: the client's `client_id` again (RFC 7523 §3 item 2.B).
    pub sub: String,
    /// `aud`: the authorization server's issuer identifier.
    pub aud: Audience,
    /// `exp`: when the assertion expires (required).
    pub exp: UnixTime,
    /// `iat`: when it was made.
    pub iat: Option<UnixTime>,
    /// `nbf`: not valid before.
    pub nbf: Option<UnixTime>,
    /// `jti`: a unique identifier, for the replay check.
    pub jti: String,
}

/// The claims as written.
#[derive(Serialize)]
struct WireClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a Audience,
    exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    iat: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<u64>,
    jti: &'a str,
}

/// The claims as read: every claim named, so a repeated one is refused.
#[derive(Deserialize)]
struct RawClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    #[serde(default, deserialize_with = "numeric_date")]
    exp: Option<UnixTime>,
    #[serde(default, deserialize_with = "numeric_date")]
    iat: Option<UnixTime>,
    #[serde(default, deserialize_with = "numeric_date")]
    nbf: Option<UnixTime>,
    jti: Option<String>,
}

impl ClientAssertionClaims {
    /// The claims as compact JSON.
    pub fn to_json(&self) -> String {
        let wire = WireClaims {
            iss: &self.iss,
            sub: &self.sub,
            aud: &self.aud,
            exp: self.exp.as_secs(),
            iat: self.iat.map(UnixTime::as_secs),
            nbf: self.nbf.map(UnixTime::as_secs),
            jti: &self.jti,
        };
        // Strings and numbers always serialize.
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// Reads an assertion's claims: `iss`, `sub`, `aud`, `exp` and `jti`
    /// are required (RFC 7523 §3 items 1–4; `jti` by qscope, for the
    /// replay check); other claims are ignored.
    pub fn from_json(json: &[u8]) -> Result<Self, ClaimsError> {
        let raw: RawClaims =
            serde_json::from_slice(json).map_err(|e| ClaimsError::NotJson(e.to_string()))?;
        Ok(Self {
            iss: raw.iss.ok_or(ClaimsError::Missing("iss"))?,
            sub: raw.sub.ok_or(ClaimsError::Missing("sub"))?,
            aud: raw.aud.ok_or(ClaimsError::Missing("aud"))?,
            exp: raw.exp.ok_or(ClaimsError::Missing("exp"))?,
            iat: raw.iat,
            nbf: raw.nbf,
            jti: raw.jti.ok_or(ClaimsError::Missing("jti"))?,
        })
    }

    /// The `client_assertion` a client sends: these claims signed with its
    /// key, the header `alg`, `typ: JWT` and the key's `kid`.
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        key: &SigningKey,
        rng: &mut R,
    ) -> Result<String, JoseError> {
        jws::sign(Some("JWT"), self.to_json().as_bytes(), key, rng)
    }
}
