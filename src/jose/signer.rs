//! Where a signature comes from: a key in the process, or one outside it
//! (a KMS or HSM) that the host asks, as it answers a `Read` or a `Commit`.
//!
//! ```text
//! step = signer.begin(typ, payload, rng)?
//! Signed(jws)    -> done: an in-process key signed at once (CPU, no I/O)
//! Sign(request)  -> signature = kms.sign(request.kid(), request.algorithm(),
//!                                        request.signing_input())
//!                   jws = request.resume(&signature)?   // checked against the public key
//! ```
//!
//! The core never blocks on a signature: an external key turns into a
//! [`SignRequest`] value, and a future core step (`Step::Sign`) will carry
//! it to the host exactly like a read, to be resumed with the answer.

use rand_core::CryptoRng;

use super::jws::{assemble, signing_input};
use super::{Algorithm, JoseError, PublicJwk, SigningKey};

/// A signing key as the core holds it.
#[derive(Debug)]
pub enum Signer {
    /// The private key is in the process: the core signs with it directly.
    InProcess(SigningKey),
    /// The private key is elsewhere (a KMS, an HSM); the core knows its
    /// public half, with the `kid` and algorithm, and asks the host to sign.
    External(PublicJwk),
}

impl Signer {
    /// The key's `kid`, when it has one.
    pub fn kid(&self) -> Option<&str> {
        match self {
            Self::InProcess(key) => key.kid(),
            Self::External(key) => key.kid(),
        }
    }

    /// The one algorithm the key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::InProcess(key) => key.algorithm(),
            Self::External(key) => key.algorithm(),
        }
    }

    /// The public half, as published in the JWKS.
    pub fn public_jwk(&self) -> PublicJwk {
        match self {
            Self::InProcess(key) => key.public_jwk(),
            Self::External(key) => key.clone(),
        }
    }

    /// Starts a compact JWS of `payload` with header `alg`, `typ` (when
    /// given) and `kid`: signed at once by an in-process key, or a
    /// [`SignRequest`] for an external one (`rng` is then not used).
    pub fn begin<R: CryptoRng + ?Sized>(
        &self,
        typ: Option<&str>,
        payload: &[u8],
        rng: &mut R,
    ) -> Result<SignStep, JoseError> {
        let input = signing_input(self.algorithm(), self.kid(), typ, payload);
        match self {
            Self::InProcess(key) => {
                let signature = key.sign_input(input.as_bytes(), rng)?;
                Ok(SignStep::Signed(assemble(input, &signature)))
            }
            Self::External(key) => {
                Ok(SignStep::Sign(SignRequest { input, key: Box::new(key.clone()) }))
            }
        }
    }
}

/// The outcome of starting a signature.
#[must_use = "a signature request must be answered by the host"]
#[derive(Debug)]
pub enum SignStep {
    /// The compact JWS, signed in-process.
    Signed(String),
    /// The host must have the external key sign, then
    /// [`resume`](SignRequest::resume).
    Sign(SignRequest),
}

/// A pause for an external signature: the signing input, and which key
/// must sign it with which algorithm.
#[must_use = "a signature request must be resumed with the host's signature"]
#[derive(Debug)]
pub struct SignRequest {
    input: String,
    // Boxed: a key is large beside the `Signed` arm's `String`.
    key: Box<PublicJwk>,
}

impl SignRequest {
    /// The `kid` of the key that must sign.
    pub fn kid(&self) -> Option<&str> {
        self.key.kid()
    }

    /// The algorithm to sign with.
    pub fn algorithm(&self) -> Algorithm {
        self.key.algorithm()
    }

    /// The octets to sign: the JWS Signing Input (RFC 7515 §5.1 step 4),
    /// not a digest of it (a KMS asked for a digest hashes it with SHA-256
    /// first; Ed25519 signs the message itself).
    pub fn signing_input(&self) -> &[u8] {
        self.input.as_bytes()
    }

    /// Completes the JWS with the host's signature, in the JWS form: `R ||
    /// S` (64 octets) for ES256, not the DER a KMS may return; the raw
    /// 64 octets for EdDSA; the modulus-length octets for RS256 and PS256.
    /// A signature that does not verify under the key's public half is
    /// [`JoseError::BadSignature`], so a wrong key or a wrong encoding is
    /// caught here rather than by every resource server.
    pub fn resume(self, signature: &[u8]) -> Result<String, JoseError> {
        self.key.verify(self.input.as_bytes(), signature)?;
        Ok(assemble(self.input, signature))
    }
}
