//! The signing keys of the server's JWT access tokens, at rest in one file
//! the operator points to (`signing_keys.file`).
//!
//! Why a file and not the database: the private keys are the one secret
//! that lets anybody mint tokens every resource server trusts, so they
//! stay out of the database (its backups, replicas and the admin commands'
//! connections) and in a file only the server's user can read, which the
//! operator backs up, mounts as a secret and shares between nodes the way
//! their platform shares secrets. A key encrypted in the database would
//! need a key from the environment anyway, and one more thing to rotate.
//!
//! The file is JSON: each key's algorithm, PKCS#8 PEM private key and two
//! instants (when it is published in the JWKS, when it starts signing; see
//! [`KeySet`]). It is written whole to a temporary file beside it (mode
//! 0600) and renamed over the old one, so a reader never sees half a file.
//! A running server reads it at start: a key added later signs after a
//! restart of every node, which the rotation's `publish_ahead` leaves time
//! for; the next → active → retired transitions of keys already in the
//! file happen by time alone, without a restart.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::UnixTime;
use crate::jose::{Algorithm, KeySet, ManagedKey, RotationPolicy, Signer, SigningKey};

/// Why the key file cannot be used, as one line.
#[derive(Debug, thiserror::Error)]
pub(crate) enum KeyFileError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The file is not a key file, or one of its keys does not load.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// One stored key.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredKey {
    /// `ES256`, `EdDSA`, `RS256` or `PS256`.
    pub(crate) alg: String,
    /// The RFC 7638 thumbprint the key is published under (checked on load).
    pub(crate) kid: String,
    /// When the key appeared in the JWKS (Unix seconds).
    pub(crate) published_at: u64,
    /// When it starts signing (Unix seconds).
    pub(crate) signs_from: u64,
    /// The private key, PKCS#8 PEM.
    pub(crate) private_key_pem: String,
}

/// Redacts the private key.
impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("published_at", &self.published_at)
            .field("signs_from", &self.signs_from)
            .finish_non_exhaustive()
    }
}

/// The whole file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyFile {
    /// Every key, in the order they were added.
    pub(crate) keys: Vec<StoredKey>,
}

impl KeyFile {
    /// The file at `path`; an absent file is an empty one.
    pub(crate) fn read(path: &Path) -> Result<Self, KeyFileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(source) => return Err(KeyFileError::Io { path: path.to_owned(), source }),
        };
        serde_json::from_str(&text).map_err(|error| invalid(path, error.to_string()))
    }

    /// Writes the file whole: a temporary file beside it (mode 0600 on
    /// Unix), synced, then renamed over `path`.
    pub(crate) fn write(&self, path: &Path) -> Result<(), KeyFileError> {
        let io = |source| KeyFileError::Io { path: path.to_owned(), source };
        let mut text =
            serde_json::to_string_pretty(self).map_err(|e| invalid(path, e.to_string()))?;
        text.push('\n');
        let temporary = path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&temporary, path).map_err(io)
    }

    /// The keys as a [`KeySet`] under `policy`; every key must load and
    /// keep its `kid`.
    pub(crate) fn key_set(
        &self,
        path: &Path,
        policy: RotationPolicy,
    ) -> Result<KeySet, KeyFileError> {
        let mut set = KeySet::new(policy);
        for (i, stored) in self.keys.iter().enumerate() {
            let fail =
                |reason: String| invalid(path, format!("keys[{i}] ({}): {reason}", stored.kid));
            let alg = Algorithm::parse(&stored.alg).map_err(|e| fail(e.to_string()))?;
            let key = SigningKey::from_pkcs8_pem(alg, &stored.private_key_pem)
                .map_err(|e| fail(e.to_string()))?;
            if key.kid() != Some(stored.kid.as_str()) {
                return Err(fail("the kid is not the key's RFC 7638 thumbprint".into()));
            }
            let managed = ManagedKey::new(
                Signer::InProcess(key),
                UnixTime::from_secs(stored.published_at),
                UnixTime::from_secs(stored.signs_from),
            );
            set.insert(managed).map_err(|e| fail(e.to_string()))?;
        }
        Ok(set)
    }
}

/// The stored form of `key`, published at `published_at`, signing from
/// `signs_from`.
pub(crate) fn stored(
    key: &SigningKey,
    published_at: UnixTime,
    signs_from: UnixTime,
) -> Result<StoredKey, crate::jose::JoseError> {
    Ok(StoredKey {
        alg: key.algorithm().as_str().to_owned(),
        kid: key.kid().unwrap_or_default().to_owned(),
        published_at: published_at.as_secs(),
        signs_from: signs_from.as_secs(),
        private_key_pem: key.to_pkcs8_pem()?.expose().to_owned(),
    })
}

fn invalid(path: &Path, reason: String) -> KeyFileError {
    KeyFileError::Invalid { path: path.to_owned(), reason }
}
