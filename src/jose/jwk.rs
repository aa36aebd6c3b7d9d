//! Public JWKs (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2) and their RFC 7638
//! thumbprints.

use rsa::traits::PublicKeyParts as _;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::public_key::PublicKey;
use super::{Algorithm, JoseError, MAX_JWK_SET_BYTES, base64url};

/// A public signing key as a JWK: its key material, its one algorithm and
/// its `kid`. What the JWKS publishes and what a verifier selects by `kid`.
///
/// The key decides the algorithm: an EC P-256 key is ES256, an OKP
/// Ed25519 key is EdDSA, and an RSA key is whatever its `alg` member says
/// (RS256 or PS256), so an RSA JWK without `alg` is refused.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicJwk {
    kid: Option<String>,
    key: PublicKey,
}

/// A JWK as JSON. Every member qscope names is listed, so a repeated one is
/// refused; private members are read only to refuse them.
#[derive(Deserialize)]
pub(crate) struct RawJwk {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    n: Option<String>,
    e: Option<String>,
    alg: Option<String>,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    d: Option<IgnoredAny>,
    p: Option<IgnoredAny>,
    q: Option<IgnoredAny>,
    dp: Option<IgnoredAny>,
    dq: Option<IgnoredAny>,
    qi: Option<IgnoredAny>,
    oth: Option<IgnoredAny>,
    k: Option<IgnoredAny>,
}

impl RawJwk {
    /// The first private member present (RFC 7518 §6.2.2, §6.3.2, §6.4;
    /// RFC 8037 §2), if any.
    fn private_member(&self) -> Option<&'static str> {
        let members = [
            ("d", self.d.is_some()),
            ("p", self.p.is_some()),
            ("q", self.q.is_some()),
            ("dp", self.dp.is_some()),
            ("dq", self.dq.is_some()),
            ("qi", self.qi.is_some()),
            ("oth", self.oth.is_some()),
            ("k", self.k.is_some()),
        ];
        members.iter().find(|(_, present)| *present).map(|(name, _)| *name)
    }
}

/// A base64url member's octets, or why there are none.
fn octets(
    value: Option<&String>,
    missing: &'static str,
    invalid: &'static str,
) -> Result<Vec<u8>, JoseError> {
    let value = value.ok_or(JoseError::InvalidKey(missing))?;
    base64url::decode(value).ok_or(JoseError::InvalidKey(invalid))
}

impl PublicJwk {
    pub(crate) fn new(kid: Option<String>, key: PublicKey) -> Self {
        Self { kid, key }
    }

    /// Reads one public JWK. Refused: private members
    /// ([`JoseError::PrivateKeyMember`]); a `kty`/`crv` other than EC P-256,
    /// OKP Ed25519 and RSA; coordinates of the wrong size or off the curve;
    /// RSA moduli below 2048 bits; an `alg` that does not fit the key; a
    /// `use` other than `sig`; `key_ops` without `verify`; a document
    /// larger than [`MAX_JWK_SET_BYTES`].
    pub fn parse(json: &str) -> Result<Self, JoseError> {
        if json.len() > MAX_JWK_SET_BYTES {
            return Err(JoseError::JwkSetTooLarge { limit: MAX_JWK_SET_BYTES });
        }
        let raw: RawJwk =
            serde_json::from_str(json).map_err(|_| JoseError::InvalidKey("not a JWK object"))?;
        Self::from_raw(&raw)
    }

    /// Reads one member of a JWK Set's `keys` array.
    pub(crate) fn from_value(value: Value) -> Result<Self, JoseError> {
        let raw: RawJwk =
            serde_json::from_value(value).map_err(|_| JoseError::InvalidKey("not a JWK object"))?;
        Self::from_raw(&raw)
    }

    /// Reads the public key a JWS header carries in `jwk` (a DPoP proof,
    /// RFC 9449 §4.2), for a JWS whose header names `header_alg`. The same
    /// rules as [`parse`](Self::parse), except that an RSA key without
    /// `alg` takes the header's algorithm when that is RS256 or PS256 (a
    /// proof's key is the client's, used only for that proof, and both
    /// algorithms are RSA signatures under it). An RSA key under any other
    /// header `alg` is taken as RS256, so the JWS is then refused with
    /// [`JoseError::AlgorithmMismatch`].
    pub(crate) fn from_header(raw: &RawJwk, header_alg: Algorithm) -> Result<Self, JoseError> {
        let rsa_alg = match header_alg {
            Algorithm::Rs256 | Algorithm::Ps256 => header_alg,
            Algorithm::Es256 | Algorithm::EdDsa => Algorithm::Rs256,
        };
        Self::from_raw_inner(raw, Some(rsa_alg))
    }

    fn from_raw(raw: &RawJwk) -> Result<Self, JoseError> {
        Self::from_raw_inner(raw, None)
    }

    /// Reads a raw JWK; an RSA key without `alg` takes `rsa_default`, if any.
    fn from_raw_inner(raw: &RawJwk, rsa_default: Option<Algorithm>) -> Result<Self, JoseError> {
        if let Some(name) = raw.private_member() {
            return Err(JoseError::PrivateKeyMember(name));
        }
        if raw.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err(JoseError::InvalidKey("\"use\" is not \"sig\""));
        }
        if raw.key_ops.as_ref().is_some_and(|ops| !ops.iter().any(|op| op == "verify")) {
            return Err(JoseError::InvalidKey("\"key_ops\" does not include \"verify\""));
        }
        let alg = raw.alg.as_deref().map(Algorithm::parse).transpose()?;
        let key = match (raw.kty.as_deref(), raw.crv.as_deref()) {
            (Some("EC"), Some("P-256")) => PublicKey::p256(
                &octets(raw.x.as_ref(), "no \"x\"", "\"x\" is not base64url")?,
                &octets(raw.y.as_ref(), "no \"y\"", "\"y\" is not base64url")?,
            )?,
            (Some("OKP"), Some("Ed25519")) => {
                PublicKey::ed25519(&octets(raw.x.as_ref(), "no \"x\"", "\"x\" is not base64url")?)?
            }
            (Some("RSA"), _) => PublicKey::rsa(
                alg.or(rsa_default).ok_or(JoseError::InvalidKey("an RSA JWK needs \"alg\""))?,
                &octets(raw.n.as_ref(), "no \"n\"", "\"n\" is not base64url")?,
                &octets(raw.e.as_ref(), "no \"e\"", "\"e\" is not base64url")?,
            )?,
            (Some("EC" | "OKP"), _) => return Err(JoseError::InvalidKey("unsupported curve")),
            (Some(_), _) => return Err(JoseError::InvalidKey("unsupported key type")),
            (None, _) => return Err(JoseError::InvalidKey("no \"kty\"")),
        };
        if alg.is_some_and(|alg| alg != key.algorithm()) {
            return Err(JoseError::InvalidKey("\"alg\" does not fit the key"));
        }
        Ok(Self { kid: raw.kid.clone(), key })
    }

    /// The `kid`, when the key has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The same key under another `kid`.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.key.algorithm()
    }

    /// The required members (RFC 7638 §3.2), as (name, value) pairs in
    /// lexicographic order of the names.
    fn required_members(&self) -> Vec<(&'static str, String)> {
        match &self.key {
            PublicKey::Es256(key) => {
                let point = key.to_sec1_point(false);
                let bytes = point.as_bytes();
                vec![
                    ("crv", "P-256".into()),
                    ("kty", "EC".into()),
                    ("x", base64url::encode(bytes.get(1..33).unwrap_or_default())),
                    ("y", base64url::encode(bytes.get(33..65).unwrap_or_default())),
                ]
            }
            PublicKey::EdDsa(key) => vec![
                ("crv", "Ed25519".into()),
                ("kty", "OKP".into()),
                ("x", base64url::encode(key.as_bytes())),
            ],
            PublicKey::Rs256(key) => rsa_members(key.as_ref()),
            PublicKey::Ps256(key) => rsa_members(key.as_ref()),
        }
    }

    /// The RFC 7638 SHA-256 thumbprint, base64url: the hash of the required
    /// members in lexicographic order, without whitespace.
    pub fn thumbprint(&self) -> String {
        let mut canonical = String::from("{");
        for (i, (name, value)) in self.required_members().iter().enumerate() {
            if i > 0 {
                canonical.push(',');
            }
            // Names and values are ASCII without `"` or `\`: no escaping.
            canonical.push('"');
            canonical.push_str(name);
            canonical.push_str("\":\"");
            canonical.push_str(value);
            canonical.push('"');
        }
        canonical.push('}');
        base64url::encode(Sha256::digest(canonical.as_bytes()))
    }

    /// The JWK as a JSON object: the required members, then `alg`, `use`
    /// (`sig`) and `kid` when present. Never a private member.
    pub fn to_value(&self) -> Value {
        let mut object = Map::new();
        for (name, value) in self.required_members() {
            object.insert(name.into(), Value::String(value));
        }
        object.insert("alg".into(), Value::String(self.algorithm().as_str().into()));
        object.insert("use".into(), Value::String("sig".into()));
        if let Some(kid) = &self.kid {
            object.insert("kid".into(), Value::String(kid.clone()));
        }
        Value::Object(object)
    }

    /// [`to_value`](Self::to_value) as compact JSON.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    /// Checks a signature made with this key over `input`.
    pub(crate) fn verify(&self, input: &[u8], signature: &[u8]) -> Result<(), JoseError> {
        self.key.verify(input, signature)
    }
}

fn rsa_members(key: &rsa::PublicKey) -> Vec<(&'static str, String)> {
    vec![
        ("e", base64url::encode(key.e_bytes())),
        ("kty", "RSA".into()),
        ("n", base64url::encode(key.n_bytes())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str =
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
    const P256: &str = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;

    #[test]
    fn the_key_type_decides_the_algorithm() {
        assert_eq!(PublicJwk::parse(ED25519).unwrap().algorithm(), Algorithm::EdDsa);
        let extended = ED25519.replace("\"kty\"", "\"x5t\":\"ignored\",\"ext\":true,\"kty\"");
        assert_eq!(
            PublicJwk::parse(&extended),
            PublicJwk::parse(ED25519),
            "unknown members ignored"
        );
        let no_curve = P256.replace("\"crv\":\"P-256\",", "");
        assert_eq!(PublicJwk::parse(&no_curve), Err(JoseError::InvalidKey("unsupported curve")));
        assert_eq!(PublicJwk::parse(P256).unwrap().algorithm(), Algorithm::Es256);
        let mislabelled = ED25519.replace("\"kty\"", "\"alg\":\"ES256\",\"kty\"");
        assert_eq!(
            PublicJwk::parse(&mislabelled),
            Err(JoseError::InvalidKey("\"alg\" does not fit the key"))
        );
    }

    #[test]
    fn rfc8037_a3_thumbprint_and_round_trip() {
        let key = PublicJwk::parse(ED25519).unwrap();
        assert_eq!(key.thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        let again = PublicJwk::parse(&key.clone().with_kid("k1").to_json()).unwrap();
        assert_eq!(again.kid(), Some("k1"));
        assert_eq!(again.thumbprint(), key.thumbprint());
    }

    #[test]
    fn private_members_wrong_sizes_and_curves_are_refused() {
        let private =
            ED25519.replace("\"x\"", "\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\",\"x\"");
        assert_eq!(PublicJwk::parse(&private), Err(JoseError::PrivateKeyMember("d")));
        let short = ED25519.replace(
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcH",
        );
        assert!(matches!(PublicJwk::parse(&short), Err(JoseError::InvalidKey(_))));
        let off_curve = P256.replace("x_FEzRu9", "x_FEzRu8");
        assert_eq!(
            PublicJwk::parse(&off_curve),
            Err(JoseError::InvalidKey("the point is not on P-256"))
        );
        let p384 = P256.replace("P-256", "P-384");
        assert_eq!(PublicJwk::parse(&p384), Err(JoseError::InvalidKey("unsupported curve")));
        let enc = P256.replace("\"kty\"", "\"use\":\"enc\",\"kty\"");
        assert_eq!(PublicJwk::parse(&enc), Err(JoseError::InvalidKey("\"use\" is not \"sig\"")));
        let twice = P256.replace("\"kty\":\"EC\"", "\"kty\":\"EC\",\"kty\":\"OKP\"");
        assert_eq!(PublicJwk::parse(&twice), Err(JoseError::InvalidKey("not a JWK object")));
        let oct = r#"{"kty":"oct","k":"c2VjcmV0"}"#;
        assert_eq!(PublicJwk::parse(oct), Err(JoseError::PrivateKeyMember("k")));
        let small_order = ED25519.replace(
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        );
        assert_eq!(
            PublicJwk::parse(&small_order),
            Err(JoseError::InvalidKey("an Ed25519 point of small order"))
        );
    }
}
