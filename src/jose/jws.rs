//! JWS Compact Serialization (RFC 7515 §3.1, §5): signing and strict
//! verification.

use rand_core::CryptoRng;

use super::error::Part;
use super::{
    Algorithm, Header, JoseError, JwkSet, MAX_TOKEN_BYTES, PublicJwk, SigningKey, base64url,
};

/// A JWS whose signature verified under a trusted key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The protected header.
    pub header: Header,
    /// The payload octets.
    pub payload: Vec<u8>,
}

/// `BASE64URL(header) '.' BASE64URL(payload)`: the JWS Signing Input
/// (RFC 7515 §5.1 step 4) for a key's `alg` and `kid` and this `typ`.
pub(crate) fn signing_input(
    alg: Algorithm,
    kid: Option<&str>,
    typ: Option<&str>,
    payload: &[u8],
) -> String {
    let header =
        Header { alg, kid: kid.map(str::to_owned), typ: typ.map(str::to_owned), cty: None };
    let mut input = base64url::encode(header.to_json());
    input.push('.');
    base64url::encode_into(payload, &mut input);
    input
}

/// Appends `'.' BASE64URL(signature)` to a signing input: the compact JWS.
pub(crate) fn assemble(mut signing_input: String, signature: &[u8]) -> String {
    signing_input.push('.');
    base64url::encode_into(signature, &mut signing_input);
    signing_input
}

/// Signs `payload` with an in-process key: the header is `alg` (the key's),
/// then `typ` when given, then the key's `kid` when it has one. `rng` is
/// the host's CSPRNG; see [`SigningKey`] for which algorithms draw from it.
pub fn sign<R: CryptoRng + ?Sized>(
    typ: Option<&str>,
    payload: &[u8],
    key: &SigningKey,
    rng: &mut R,
) -> Result<String, JoseError> {
    let input = signing_input(key.algorithm(), key.kid(), typ, payload);
    let signature = key.sign_input(input.as_bytes(), rng)?;
    Ok(assemble(input, &signature))
}

/// The parts of a compact JWS, its header read.
struct Parsed<'t> {
    header: Header,
    signing_input: &'t str,
    payload: &'t str,
    signature: &'t str,
}

/// Splits and reads a compact JWS (RFC 7515 §5.2 steps 1–5), before any
/// key is chosen.
fn parse(token: &str) -> Result<Parsed<'_>, JoseError> {
    let (header_json, parts) = split(token)?;
    Ok(parts.with(Header::parse(&header_json)?))
}

/// The parts of a compact JWS before its header is read.
struct Split<'t> {
    signing_input: &'t str,
    payload: &'t str,
    signature: &'t str,
}

impl<'t> Split<'t> {
    fn with(self, header: Header) -> Parsed<'t> {
        Parsed {
            header,
            signing_input: self.signing_input,
            payload: self.payload,
            signature: self.signature,
        }
    }
}

/// Checks the size, splits a compact JWS into its three parts and decodes
/// the header's octets (RFC 7515 §5.2 steps 1–2).
fn split(token: &str) -> Result<(Vec<u8>, Split<'_>), JoseError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(JoseError::TokenTooLarge { limit: MAX_TOKEN_BYTES });
    }
    let mut parts = token.split('.');
    let (Some(encoded_header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JoseError::NotCompact);
    };
    let header_json = base64url::decode(encoded_header).ok_or(JoseError::Base64(Part::Header))?;
    let signing_input = &token[..encoded_header.len() + 1 + payload.len()];
    Ok((header_json, Split { signing_input, payload, signature }))
}

/// Checks the algorithm against the allow-list and the key, then the
/// signature, then decodes the payload.
fn finish(
    parsed: Parsed<'_>,
    key: &PublicJwk,
    allowed: &[Algorithm],
) -> Result<Verified, JoseError> {
    let alg = parsed.header.alg;
    if !allowed.contains(&alg) {
        return Err(JoseError::AlgorithmNotAllowed(alg));
    }
    if alg != key.algorithm() {
        return Err(JoseError::AlgorithmMismatch { header: alg, key: key.algorithm() });
    }
    let signature =
        base64url::decode(parsed.signature).ok_or(JoseError::Base64(Part::Signature))?;
    key.verify(parsed.signing_input.as_bytes(), &signature)?;
    let payload = base64url::decode(parsed.payload).ok_or(JoseError::Base64(Part::Payload))?;
    Ok(Verified { header: parsed.header, payload })
}

/// Verifies a compact JWS under one key (RFC 7515 §5.2). The header's `alg`
/// must be in `allowed` and equal the key's algorithm; a header `kid`, if
/// any, must equal the key's, if any.
pub fn verify(token: &str, key: &PublicJwk, allowed: &[Algorithm]) -> Result<Verified, JoseError> {
    let parsed = parse(token)?;
    if let (Some(header_kid), Some(key_kid)) = (parsed.header.kid.as_deref(), key.kid())
        && header_kid != key_kid
    {
        return Err(JoseError::UnknownKid);
    }
    finish(parsed, key, allowed)
}

/// Verifies a compact JWS under the key of `keys` its header's `kid`
/// selects; the key then decides the algorithm, as in [`verify`].
pub fn verify_with_set(
    token: &str,
    keys: &JwkSet,
    allowed: &[Algorithm],
) -> Result<Verified, JoseError> {
    let parsed = parse(token)?;
    let kid = parsed.header.kid.as_deref().ok_or(JoseError::MissingKid)?;
    let key = keys.find(kid).ok_or(JoseError::UnknownKid)?;
    finish(parsed, key, allowed)
}

/// Verifies a compact JWS under the public key its own header carries in
/// `jwk` (RFC 7515 §4.1.3), as a DPoP proof is (RFC 9449 §4.3 steps 5–7):
/// the key proves nothing about who signed, only that the signer holds
/// it, so this is for proofs of possession, never for tokens a verifier
/// must trust. `alg` must be in `allowed` and fit the key. Returns the
/// verified JWS and the key.
pub(crate) fn verify_with_embedded_key(
    token: &str,
    allowed: &[Algorithm],
) -> Result<(Verified, PublicJwk), JoseError> {
    let (header_json, parts) = split(token)?;
    let (header, key) = Header::parse_with_jwk(&header_json)?;
    let verified = finish(parts.with(header), &key, allowed)?;
    Ok((verified, key))
}

/// Signs `payload` under a header given as JSON (for headers beyond the
/// fixed members [`sign`] writes, such as a DPoP proof's `jwk`).
pub(crate) fn sign_with_header<R: CryptoRng + ?Sized>(
    header_json: &str,
    payload: &[u8],
    key: &SigningKey,
    rng: &mut R,
) -> Result<String, JoseError> {
    let mut input = base64url::encode(header_json);
    input.push('.');
    base64url::encode_into(payload, &mut input);
    let signature = key.sign_input(input.as_bytes(), rng)?;
    Ok(assemble(input, &signature))
}

/// Verifies a compact JWS under one key of a client's `keys`: the one its
/// header's `kid` selects, or with no `kid` the set's only key (several
/// keys and no `kid` is [`JoseError::MissingKid`]). The key then decides
/// the algorithm, as in [`verify`].
pub(crate) fn verify_with_kid_or_only_key(
    token: &str,
    keys: &JwkSet,
    allowed: &[Algorithm],
) -> Result<Verified, JoseError> {
    let parsed = parse(token)?;
    let key = match (parsed.header.kid.as_deref(), keys.keys()) {
        (Some(kid), _) => keys.find(kid).ok_or(JoseError::UnknownKid)?,
        (None, [only]) => only,
        (None, []) => return Err(JoseError::UnknownKid),
        (None, _) => return Err(JoseError::MissingKid),
    };
    finish(parsed, key, allowed)
}

/// The payload of a compact JWS, *not verified*: only to learn which key
/// to verify it with (a client assertion names its client in `sub`).
pub(crate) fn unverified_payload(token: &str) -> Result<Vec<u8>, JoseError> {
    let (_, parts) = split(token)?;
    base64url::decode(parts.payload).ok_or(JoseError::Base64(Part::Payload))
}
