//! Private signing keys held in-process: generation from the host's
//! generator, PKCS#8 PEM storage, signing.

use std::fmt;

use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use p256::ecdsa::signature::{RandomizedSigner as _, SignatureEncoding as _, Signer as _};
use rand_core::CryptoRng;
use rsa::Generate as _;
use rsa::pkcs8::LineEnding;
use rsa::sha2::Sha256;
use rsa::traits::PublicKeyParts as _;
use zeroize::Zeroizing;

use super::public_key::{MAX_RSA_BITS, MIN_RSA_BITS, PublicKey};
use super::rng::Rng010;
use super::{Algorithm, JoseError, PublicJwk};

/// The modulus size [`SigningKey::generate`] uses for RS256 and PS256.
pub const DEFAULT_RSA_BITS: usize = 2048;

/// A private key in PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, RFC 5958,
/// RFC 7468), the storage form of a [`SigningKey`]. Zeroed when dropped;
/// its `Debug` shows nothing of it.
pub struct PrivateKeyPem(Zeroizing<String>);

impl PrivateKeyPem {
    /// The PEM text, to write to the host's secret storage.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PrivateKeyPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKeyPem(<redacted>)")
    }
}

/// The private key of one algorithm.
enum Secret {
    Es256(p256::ecdsa::SigningKey),
    EdDsa(ed25519_dalek::SigningKey),
    Rs256(rsa::pkcs1v15::SigningKey<Sha256>),
    Ps256(rsa::pss::SigningKey<Sha256>),
}

/// A private signing key held in the process, bound to one algorithm, with
/// an optional `kid`. Generated and loaded keys take their RFC 7638
/// thumbprint as `kid`. `Debug` shows the `kid` and the algorithm, never
/// the key; the key material is zeroed when dropped.
pub struct SigningKey {
    kid: Option<String>,
    secret: Secret,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.algorithm())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    /// A new key for `alg` from the host's CSPRNG (RSA: 2048 bits). The
    /// core never draws randomness itself; `rng` is the only source.
    pub fn generate<R: CryptoRng + ?Sized>(alg: Algorithm, rng: &mut R) -> Result<Self, JoseError> {
        Self::generate_with_rsa_bits(alg, DEFAULT_RSA_BITS, rng)
    }

    /// Like [`generate`](Self::generate), with an RSA modulus of `bits`
    /// (2048 to 8192); `bits` is ignored for ES256 and EdDSA.
    pub fn generate_with_rsa_bits<R: CryptoRng + ?Sized>(
        alg: Algorithm,
        bits: usize,
        rng: &mut R,
    ) -> Result<Self, JoseError> {
        let mut rng = Rng010(rng);
        let secret = match alg {
            Algorithm::Es256 => Secret::Es256(p256::ecdsa::SigningKey::generate_from_rng(&mut rng)),
            Algorithm::EdDsa => Secret::EdDsa(ed25519_dalek::SigningKey::generate(&mut rng)),
            Algorithm::Rs256 | Algorithm::Ps256 => {
                if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                    return Err(JoseError::InvalidPrivateKey("RSA keys have 2048 to 8192 bits"));
                }
                let key = rsa::PrivateKey::new(&mut rng, bits)
                    .map_err(|_| JoseError::InvalidPrivateKey("RSA key generation failed"))?;
                rsa_secret(alg, key)?
            }
        };
        Ok(Self::with_thumbprint_kid(secret))
    }

    /// Reads a PKCS#8 PEM private key (as [`to_pkcs8_pem`](Self::to_pkcs8_pem)
    /// writes it) for `alg`. The PEM does not say whether an RSA key is for
    /// RS256 or PS256, so the caller does; a key of another type, or an RSA
    /// key outside 2048 to 8192 bits, is refused.
    pub fn from_pkcs8_pem(alg: Algorithm, pem: &str) -> Result<Self, JoseError> {
        let unreadable = |_| JoseError::InvalidPrivateKey("not a PKCS#8 PEM key of that type");
        let secret = match alg {
            Algorithm::Es256 => {
                Secret::Es256(p256::ecdsa::SigningKey::from_pkcs8_pem(pem).map_err(unreadable)?)
            }
            Algorithm::EdDsa => {
                Secret::EdDsa(ed25519_dalek::SigningKey::from_pkcs8_pem(pem).map_err(unreadable)?)
            }
            Algorithm::Rs256 | Algorithm::Ps256 => {
                let key = rsa::PrivateKey::from_pkcs8_pem(pem).map_err(unreadable)?;
                let bits = key.n().bit_width_vartime() as usize;
                if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                    return Err(JoseError::InvalidPrivateKey("RSA keys have 2048 to 8192 bits"));
                }
                rsa_secret(alg, key)?
            }
        };
        Ok(Self::with_thumbprint_kid(secret))
    }

    /// The key as PKCS#8 PEM, for the host's secret storage.
    pub fn to_pkcs8_pem(&self) -> Result<PrivateKeyPem, JoseError> {
        let failed = |_| JoseError::InvalidPrivateKey("PKCS#8 encoding failed");
        let pem = match &self.secret {
            Secret::Es256(key) => key.to_pkcs8_pem(LineEnding::LF).map_err(failed)?,
            Secret::EdDsa(key) => key.to_pkcs8_pem(LineEnding::LF).map_err(failed)?,
            Secret::Rs256(key) => key.as_ref().to_pkcs8_pem(LineEnding::LF).map_err(failed)?,
            Secret::Ps256(key) => key.as_ref().to_pkcs8_pem(LineEnding::LF).map_err(failed)?,
        };
        Ok(PrivateKeyPem(pem))
    }

    fn with_thumbprint_kid(secret: Secret) -> Self {
        let mut key = Self { kid: None, secret };
        key.kid = Some(key.public_jwk().thumbprint());
        key
    }

    /// The same key under another `kid`.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The same key without a `kid`: its JWSs carry none (as in RFC 7515
    /// Appendix A). A [`KeySet`](super::KeySet) refuses such a key.
    pub fn without_kid(mut self) -> Self {
        self.kid = None;
        self
    }

    /// The `kid`, when the key has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The one algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self.secret {
            Secret::Es256(_) => Algorithm::Es256,
            Secret::EdDsa(_) => Algorithm::EdDsa,
            Secret::Rs256(_) => Algorithm::Rs256,
            Secret::Ps256(_) => Algorithm::Ps256,
        }
    }

    /// The public half as a JWK, with this key's `kid`.
    pub fn public_jwk(&self) -> PublicJwk {
        let key = match &self.secret {
            Secret::Es256(key) => PublicKey::Es256(*key.verifying_key()),
            Secret::EdDsa(key) => PublicKey::EdDsa(key.verifying_key()),
            Secret::Rs256(key) => PublicKey::Rs256(key.as_ref().to_public_key().into()),
            Secret::Ps256(key) => PublicKey::Ps256(key.as_ref().to_public_key().into()),
        };
        PublicJwk::new(self.kid.clone(), key)
    }

    /// The JWS signature over `input` (RFC 7515 §5.1 step 5). ES256 uses
    /// RFC 6979 nonces and EdDSA is deterministic, so neither draws from
    /// `rng`; RS256 draws only for blinding (its output is deterministic);
    /// PS256 draws its 32-octet salt and blinding.
    pub(crate) fn sign_input<R: CryptoRng + ?Sized>(
        &self,
        input: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, JoseError> {
        let failed = |_| JoseError::SigningFailed;
        let mut rng = Rng010(rng);
        Ok(match &self.secret {
            Secret::Es256(key) => {
                let signature: p256::ecdsa::Signature = key.try_sign(input).map_err(failed)?;
                signature.to_bytes().to_vec()
            }
            Secret::EdDsa(key) => key.try_sign(input).map_err(failed)?.to_bytes().to_vec(),
            Secret::Rs256(key) => key.try_sign_with_rng(&mut rng, input).map_err(failed)?.to_vec(),
            Secret::Ps256(key) => key.try_sign_with_rng(&mut rng, input).map_err(failed)?.to_vec(),
        })
    }
}

fn rsa_secret(alg: Algorithm, key: rsa::PrivateKey) -> Result<Secret, JoseError> {
    match alg {
        Algorithm::Rs256 => Ok(Secret::Rs256(key.into())),
        Algorithm::Ps256 => Ok(Secret::Ps256(key.into())),
        _ => Err(JoseError::InvalidPrivateKey("an RSA key is for RS256 or PS256")),
    }
}
