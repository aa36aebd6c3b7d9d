//! Keys of the RFC examples for the JOSE tests: private JWKs turned into
//! qscope signing keys (through PKCS#8, qscope's storage form) and signed
//! with directly by the RustCrypto crates, outside qscope's JWS code.

#![allow(dead_code, unreachable_pub)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::EncodePrivateKey as _;
use p256::ecdsa::signature::Signer as _;
use qscope::jose::{Algorithm, SigningKey};
use rsa::BoxedUint;
use rsa::pkcs8::LineEnding;
use rsa::sha2::Sha256;
use serde_json::{Map, Value};

/// The members a public JWK may not carry.
const PRIVATE: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

fn octets(jwk: &Map<String, Value>, name: &str) -> Vec<u8> {
    let text = jwk[name].as_str().unwrap_or_else(|| panic!("JWK member {name}"));
    URL_SAFE_NO_PAD.decode(text).unwrap_or_else(|_| panic!("JWK member {name} is base64url"))
}

fn uint(jwk: &Map<String, Value>, name: &str) -> BoxedUint {
    BoxedUint::from_be_slice_vartime(&octets(jwk, name))
}

/// The public JWK of a (possibly private) JWK, with `alg` when given.
pub fn public_part(jwk: &Map<String, Value>, alg: Option<&str>) -> String {
    let mut public = jwk.clone();
    PRIVATE.iter().for_each(|member| {
        public.remove(*member);
    });
    if let Some(alg) = alg {
        public.insert("alg".into(), Value::String(alg.into()));
    }
    Value::Object(public).to_string()
}

fn rsa_private(jwk: &Map<String, Value>) -> rsa::PrivateKey {
    rsa::PrivateKey::from_components(
        uint(jwk, "n"),
        uint(jwk, "e"),
        uint(jwk, "d"),
        vec![uint(jwk, "p"), uint(jwk, "q")],
    )
    .expect("the RFC's RSA key")
}

fn p256_private(jwk: &Map<String, Value>) -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&octets(jwk, "d")).expect("the RFC's P-256 key")
}

fn ed25519_private(jwk: &Map<String, Value>) -> ed25519_dalek::SigningKey {
    let d: [u8; 32] = octets(jwk, "d").try_into().expect("32 octets");
    ed25519_dalek::SigningKey::from_bytes(&d)
}

/// The private JWK as PKCS#8 PEM, written by the RustCrypto crates.
pub fn pkcs8_pem(jwk: &Map<String, Value>) -> String {
    let pem = match jwk["kty"].as_str() {
        Some("RSA") => {
            rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&rsa_private(jwk), LineEnding::LF)
        }
        Some("EC") => p256_private(jwk).to_pkcs8_pem(LineEnding::LF),
        Some("OKP") => ed25519_private(jwk).to_pkcs8_pem(LineEnding::LF),
        other => panic!("no private key type {other:?}"),
    };
    pem.expect("PKCS#8").to_string()
}

/// The private JWK as a qscope signing key for `alg`, loaded from PKCS#8
/// PEM, without a `kid`.
pub fn signing_key(jwk: &Map<String, Value>, alg: Algorithm) -> SigningKey {
    SigningKey::from_pkcs8_pem(alg, &pkcs8_pem(jwk)).expect("qscope reads the PEM").without_kid()
}

/// A signature over `input` by the private JWK with `alg`, computed by the
/// RustCrypto crates directly (RS256, ES256, EdDSA).
pub fn raw_sign(jwk: &Map<String, Value>, alg: Algorithm, input: &[u8]) -> Vec<u8> {
    match alg {
        Algorithm::Rs256 => {
            let key = rsa::pkcs1v15::SigningKey::<Sha256>::new(rsa_private(jwk));
            let signature: rsa::pkcs1v15::Signature = key.sign(input);
            rsa::signature::SignatureEncoding::to_vec(&signature)
        }
        Algorithm::Es256 => {
            let signature: p256::ecdsa::Signature = p256_private(jwk).sign(input);
            signature.to_bytes().to_vec()
        }
        Algorithm::EdDsa => ed25519_private(jwk).sign(input).to_bytes().to_vec(),
        Algorithm::Ps256 => panic!("the vectors sign no PS256 case directly"),
    }
}

/// `BASE64URL(header) '.' BASE64URL(payload)`.
pub fn signing_input(header: &str, payload: &str) -> String {
    format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload))
}

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}
