//! Secrets and their hashes: tokens, codes and client secrets exist in
//! clear only on the wire; at rest and in every effect they are SHA-256
//! hashes, compared in constant time.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Encodes 32 random bytes as an opaque, URL-safe secret (43 characters,
/// base64url without padding, 256 bits of entropy).
pub(crate) fn encode_secret(bytes: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The storage key of a bearer secret: SHA-256 of its exact characters.
///
/// Authorization codes, access and refresh tokens, and every other handle
/// the core mints are looked up and stored only by this hash, so a leaked
/// database does not leak usable credentials. Because the secrets carry
/// 256 bits of entropy, a fast hash is sufficient.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The hash of a presented secret.
    pub fn of(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    /// A hash from its raw bytes (as read back from storage).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw hash bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The hash as base64url text (43 characters), the form used in SQL.
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Parses the text form produced by [`TokenHash::to_text`].
    pub fn from_text(text: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        match URL_SAFE_NO_PAD.decode_slice(text, &mut out) {
            Ok(32) => Some(Self(out)),
            _ => None,
        }
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A prefix identifies the record in logs without printing the key.
        write!(f, "TokenHash({}…)", &self.to_text()[..8])
    }
}

impl Serialize for TokenHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_text())
    }
}

impl<'de> Deserialize<'de> for TokenHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_text(&text).ok_or_else(|| serde::de::Error::custom("invalid token hash"))
    }
}

/// A client secret in clear, as generated for a confidential client.
///
/// It is shown to the client's owner once and then only its
/// [`SecretHash`] is stored. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// A new secret with 256 bits from a cryptographic RNG.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(encode_secret(&bytes))
    }

    /// A secret from 32 bytes of fresh entropy.
    pub fn from_entropy(bytes: &[u8; 32]) -> Self {
        Self(encode_secret(bytes))
    }

    /// Wraps an existing secret (for tests and imports).
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret in clear, to hand to the client's owner once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash to store.
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

/// The stored hash of a client secret; compared in constant time.
#[derive(Clone, Copy, Eq)]
pub struct SecretHash([u8; 32]);

impl SecretHash {
    /// The hash of a presented secret.
    pub fn of(secret: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"qscope.client-secret.v1\0");
        hasher.update(secret.as_bytes());
        Self(hasher.finalize().into())
    }

    /// A hash from its raw bytes (as read back from storage).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw hash bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Whether `presented` hashes to this value, in constant time.
    pub fn verify(&self, presented: &str) -> bool {
        Self::of(presented) == *self
    }
}

impl PartialEq for SecretHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(<redacted>)")
    }
}

impl Serialize for SecretHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for SecretHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let mut out = [0u8; 32];
        match URL_SAFE_NO_PAD.decode_slice(&text, &mut out) {
            Ok(32) => Ok(Self(out)),
            _ => Err(serde::de::Error::custom("invalid secret hash")),
        }
    }
}

/// A string that is a secret (a presented code, token, verifier or client
/// secret): usable, but never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Redacted(pub(crate) String);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hash_text_round_trips() {
        let hash = TokenHash::of("SplxlOBeZQQYbYS6WxSbIA");
        assert_eq!(TokenHash::from_text(&hash.to_text()), Some(hash));
        assert_eq!(hash.to_text().len(), 43);
        assert_eq!(TokenHash::from_text("short"), None);
    }

    #[test]
    fn secrets_never_print() {
        let secret = ClientSecret::new("7Fjfp0ZBr1KtDRbnfVdmIw");
        assert!(!format!("{secret:?}").contains("7Fjf"));
        assert!(!format!("{:?}", secret.hash()).contains("7Fjf"));
        assert!(!format!("{:?}", Redacted("abc".into())).contains("abc"));
    }

    #[test]
    fn secret_hash_verifies_only_the_same_secret() {
        let hash = ClientSecret::new("7Fjfp0ZBr1KtDRbnfVdmIw").hash();
        assert!(hash.verify("7Fjfp0ZBr1KtDRbnfVdmIw"));
        assert!(!hash.verify("7Fjfp0ZBr1KtDRbnfVdmIx"));
        assert!(!hash.verify(""));
    }

    #[test]
    fn encoded_secret_is_43_url_safe_chars() {
        let text = encode_secret(&[0xfb; 32]);
        assert_eq!(text.len(), 43);
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
}
