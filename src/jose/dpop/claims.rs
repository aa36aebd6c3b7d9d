//! The claims of a DPoP proof (RFC 9449 §4.2), written and read strictly.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::DPOP_TYP;
use crate::UnixTime;
use crate::jose::numeric_date::numeric_date;
use crate::jose::{ClaimsError, JoseError, SigningKey, base64url, jws};

/// The claims of a DPoP proof JWT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DpopClaims {
    /// `jti`: a unique identifier of the proof (at least 96 random bits).
    pub jti: String,
    /// `htm`: the HTTP method of the request the proof is sent with.
    pub htm: String,
    /// `htu`: the HTTP target URI of that request, without query and fragment.
    pub htu: String,
    /// `iat`: when the proof was made.
    pub iat: UnixTime,
    /// `ath`: the hash of the access token presented with the proof
    /// ([`access_token_hash`]), at a protected resource.
    pub ath: Option<String>,
    /// `nonce`: the server's latest `DPoP-Nonce`, when it asked for one.
    pub nonce: Option<String>,
}

/// The claims as written.
#[derive(Serialize)]
struct WireClaims<'a> {
    jti: &'a str,
    htm: &'a str,
    htu: &'a str,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

/// The claims as read: every claim named, so a repeated one is refused.
#[derive(Deserialize)]
struct RawClaims {
    jti: Option<String>,
    htm: Option<String>,
    htu: Option<String>,
    #[serde(default, deserialize_with = "numeric_date")]
    iat: Option<UnixTime>,
    ath: Option<String>,
    nonce: Option<String>,
}

/// `ath` for `access_token` (RFC 9449 §4.2): the base64url SHA-256 hash of
/// the token's ASCII octets.
pub fn access_token_hash(access_token: &str) -> String {
    base64url::encode(Sha256::digest(access_token.as_bytes()))
}

impl DpopClaims {
    /// The claims as compact JSON.
    pub fn to_json(&self) -> String {
        let wire = WireClaims {
            jti: &self.jti,
            htm: &self.htm,
            htu: &self.htu,
            iat: self.iat.as_secs(),
            ath: self.ath.as_deref(),
            nonce: self.nonce.as_deref(),
        };
        // Strings and a number always serialize.
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// Reads a proof's claims: `jti`, `htm`, `htu` and `iat` are required
    /// (RFC 9449 §4.2, §4.3 step 3); other claims are ignored.
    pub fn from_json(json: &[u8]) -> Result<Self, ClaimsError> {
        let raw: RawClaims =
            serde_json::from_slice(json).map_err(|e| ClaimsError::NotJson(e.to_string()))?;
        Ok(Self {
            jti: raw.jti.ok_or(ClaimsError::Missing("jti"))?,
            htm: raw.htm.ok_or(ClaimsError::Missing("htm"))?,
            htu: raw.htu.ok_or(ClaimsError::Missing("htu"))?,
            iat: raw.iat.ok_or(ClaimsError::Missing("iat"))?,
            ath: raw.ath,
            nonce: raw.nonce,
        })
    }

    /// The DPoP proof a client sends in the `DPoP` header: these claims
    /// signed with `key`, the header `typ: dpop+jwt`, the key's `alg` and
    /// its public `jwk` (the RFC 7638 required members and `alg`; no `kid`,
    /// no private member).
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        key: &SigningKey,
        rng: &mut R,
    ) -> Result<String, JoseError> {
        let mut jwk = Map::new();
        if let Value::Object(public) = key.public_jwk().to_value() {
            for (name, value) in public {
                if !matches!(name.as_str(), "kid" | "use") {
                    jwk.insert(name, value);
                }
            }
        }
        let header = serde_json::json!({
            "typ": DPOP_TYP,
            "alg": key.algorithm().as_str(),
            "jwk": jwk,
        });
        jws::sign_with_header(&header.to_string(), self.to_json().as_bytes(), key, rng)
    }
}
