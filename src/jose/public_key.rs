//! Public keys and signature verification, one arm per algorithm.

use p256::ecdsa::signature::Verifier as _;
use rsa::sha2::Sha256;
use rsa::traits::PublicKeyParts as _;

use super::{Algorithm, JoseError};

/// The smallest RSA modulus accepted, in bits (RFC 7518 §3.3, §3.5: "a key
/// of size 2048 bits or larger MUST be used").
pub const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus accepted, in bits: larger keys only slow
/// verification down (a cost an attacker could choose).
pub const MAX_RSA_BITS: usize = 8192;

/// The public half of a signing key, bound to its one algorithm (RFC 8725
/// §3.1: "each key MUST be used with exactly one algorithm").
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PublicKey {
    /// ES256: a P-256 point, checked to lie on the curve.
    Es256(p256::ecdsa::VerifyingKey),
    /// EdDSA: an Ed25519 point, checked to decompress and not to be of small order.
    EdDsa(ed25519_dalek::VerifyingKey),
    /// RS256: an RSA modulus of 2048 to 8192 bits with a valid exponent.
    Rs256(rsa::pkcs1v15::VerifyingKey<Sha256>),
    /// PS256: the same kind of RSA key, for RSASSA-PSS.
    Ps256(rsa::pss::VerifyingKey<Sha256>),
}

impl PublicKey {
    /// A P-256 key from its coordinates, each exactly 32 octets (RFC 7518 §6.2.1.2, §6.2.1.3).
    pub(crate) fn p256(x: &[u8], y: &[u8]) -> Result<Self, JoseError> {
        if x.len() != 32 || y.len() != 32 {
            return Err(JoseError::InvalidKey("P-256 coordinates are 32 octets each"));
        }
        let mut sec1 = [0u8; 65];
        sec1[0] = 0x04;
        sec1[1..33].copy_from_slice(x);
        sec1[33..].copy_from_slice(y);
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
            .map(Self::Es256)
            .map_err(|_| JoseError::InvalidKey("the point is not on P-256"))
    }

    /// An Ed25519 key from its 32 octets (RFC 8037 §2).
    pub(crate) fn ed25519(x: &[u8]) -> Result<Self, JoseError> {
        let bytes: &[u8; 32] =
            x.try_into().map_err(|_| JoseError::InvalidKey("an Ed25519 key is 32 octets"))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| JoseError::InvalidKey("not an Ed25519 point"))?;
        if key.is_weak() {
            return Err(JoseError::InvalidKey("an Ed25519 point of small order"));
        }
        Ok(Self::EdDsa(key))
    }

    /// An RSA key for `alg` (RS256 or PS256) from its modulus and
    /// exponent, big-endian without leading zero octets (RFC 7518
    /// §6.3.1.1, §6.3.1.2).
    pub(crate) fn rsa(alg: Algorithm, n: &[u8], e: &[u8]) -> Result<Self, JoseError> {
        if n.first() == Some(&0) || e.first() == Some(&0) || e.is_empty() {
            return Err(JoseError::InvalidKey("an RSA n or e with a leading zero octet"));
        }
        // Length first, so no big number is built from an oversized value.
        if n.len() * 8 > MAX_RSA_BITS || e.len() > 8 {
            return Err(JoseError::InvalidKey("an RSA modulus above 8192 bits or a huge exponent"));
        }
        let n = rsa::BoxedUint::from_be_slice_vartime(n);
        let e = rsa::BoxedUint::from_be_slice_vartime(e);
        let key = rsa::PublicKey::new_with_size_limits(n, e, MIN_RSA_BITS..=MAX_RSA_BITS).map_err(
            |error| match error {
                rsa::Error::ModulusTooSmall => {
                    JoseError::InvalidKey("an RSA modulus below 2048 bits")
                }
                _ => JoseError::InvalidKey("an invalid RSA modulus or exponent"),
            },
        )?;
        Self::from_rsa(alg, key)
    }

    /// Binds a checked RSA key to RS256 or PS256.
    pub(crate) fn from_rsa(alg: Algorithm, key: rsa::PublicKey) -> Result<Self, JoseError> {
        match alg {
            Algorithm::Rs256 => Ok(Self::Rs256(key.into())),
            Algorithm::Ps256 => Ok(Self::Ps256(key.into())),
            _ => Err(JoseError::InvalidKey("an RSA key is for RS256 or PS256")),
        }
    }

    /// The one algorithm this key verifies.
    pub(crate) fn algorithm(&self) -> Algorithm {
        match self {
            Self::Es256(_) => Algorithm::Es256,
            Self::EdDsa(_) => Algorithm::EdDsa,
            Self::Rs256(_) => Algorithm::Rs256,
            Self::Ps256(_) => Algorithm::Ps256,
        }
    }

    /// The RSA key, for the RSA algorithms.
    pub(crate) fn rsa_key(&self) -> Option<&rsa::PublicKey> {
        match self {
            Self::Rs256(key) => Some(key.as_ref()),
            Self::Ps256(key) => Some(key.as_ref()),
            Self::Es256(_) | Self::EdDsa(_) => None,
        }
    }

    /// Checks `signature` over `input` with the key's algorithm. Lengths
    /// are exact: 64 octets for ES256 and EdDSA, the modulus length for RSA
    /// (RFC 8017 §8.2.2 step 1, §8.1.2 step 1).
    pub(crate) fn verify(&self, input: &[u8], signature: &[u8]) -> Result<(), JoseError> {
        let bad = |_| JoseError::BadSignature;
        if let Some(key) = self.rsa_key()
            && signature.len() != key.size()
        {
            return Err(JoseError::BadSignature);
        }
        match self {
            Self::Es256(key) => {
                let signature = p256::ecdsa::Signature::from_slice(signature).map_err(bad)?;
                key.verify(input, &signature).map_err(bad)
            }
            Self::EdDsa(key) => {
                let bytes: &[u8; 64] = signature.try_into().map_err(|_| JoseError::BadSignature)?;
                key.verify_strict(input, &ed25519_dalek::Signature::from_bytes(bytes)).map_err(bad)
            }
            Self::Rs256(key) => {
                let signature = rsa::pkcs1v15::Signature::try_from(signature).map_err(bad)?;
                key.verify(input, &signature).map_err(bad)
            }
            Self::Ps256(key) => {
                let signature = rsa::pss::Signature::try_from(signature).map_err(bad)?;
                key.verify(input, &signature).map_err(bad)
            }
        }
    }
}
