//! JWK Sets (RFC 7517 §5): the JWKS document a verifier trusts.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{JoseError, MAX_JWK_SET_BYTES, MAX_JWK_SET_KEYS, PublicJwk};

/// A set of public keys, each selected by its `kid`, no two sharing one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JwkSet {
    keys: Vec<PublicJwk>,
    skipped: usize,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<Value>,
}

impl JwkSet {
    /// A set of these keys; [`JoseError::DuplicateKid`] when two share a `kid`.
    pub fn new(keys: Vec<PublicJwk>) -> Result<Self, JoseError> {
        if keys.len() > MAX_JWK_SET_KEYS {
            return Err(JoseError::TooManyKeys { limit: MAX_JWK_SET_KEYS });
        }
        for (i, key) in keys.iter().enumerate() {
            if key.kid().is_some() && keys[..i].iter().any(|other| other.kid() == key.kid()) {
                return Err(JoseError::DuplicateKid);
            }
        }
        Ok(Self { keys, skipped: 0 })
    }

    /// Reads a JWKS document (`{"keys":[…]}`). Keys this verifier cannot
    /// use — another `kty` or curve, `use: enc`, a weak RSA modulus, a
    /// malformed member — are skipped and counted, as RFC 7517 §5 advises.
    /// Refused outright: a document over [`MAX_JWK_SET_BYTES`] or with more
    /// than [`MAX_JWK_SET_KEYS`] keys, a key with private members (the
    /// publisher leaked a secret), and two keys sharing a `kid`.
    pub fn parse(json: &str) -> Result<Self, JoseError> {
        if json.len() > MAX_JWK_SET_BYTES {
            return Err(JoseError::JwkSetTooLarge { limit: MAX_JWK_SET_BYTES });
        }
        let raw: RawSet = serde_json::from_str(json)
            .map_err(|_| JoseError::InvalidKey("not a JWK Set: no \"keys\" array"))?;
        if raw.keys.len() > MAX_JWK_SET_KEYS {
            return Err(JoseError::TooManyKeys { limit: MAX_JWK_SET_KEYS });
        }
        let mut keys = Vec::with_capacity(raw.keys.len());
        let mut skipped = 0;
        for value in raw.keys {
            match PublicJwk::from_value(value) {
                Ok(key) => keys.push(key),
                Err(error @ JoseError::PrivateKeyMember(_)) => return Err(error),
                Err(_) => skipped += 1,
            }
        }
        let mut set = Self::new(keys)?;
        set.skipped = skipped;
        Ok(set)
    }

    /// The usable keys.
    pub fn keys(&self) -> &[PublicJwk] {
        &self.keys
    }

    /// How many keys of the parsed document were skipped as unusable.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The key with this `kid`.
    pub fn find(&self, kid: &str) -> Option<&PublicJwk> {
        self.keys.iter().find(|key| key.kid() == Some(kid))
    }

    /// The JWKS document, `{"keys":[…]}`, public members only.
    pub fn to_json(&self) -> String {
        json!({ "keys": self.keys.iter().map(PublicJwk::to_value).collect::<Vec<_>>() }).to_string()
    }
}
