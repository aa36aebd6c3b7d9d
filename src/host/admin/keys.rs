//! `qscope keys list|generate|rotate|retire`: the signing keys of JWT
//! access tokens, in the key file `signing_keys.file` names (see
//! [`crate::host::key_file`] for why a file). The commands change only the
//! file; every server reads it at start.

use std::path::Path;

use crate::UnixTime;
use crate::host::config::Settings;
use crate::host::key_file::{KeyFile, stored};
use crate::jose::{Algorithm, KeyState, SigningKey};

use super::Failure;

/// `qscope keys ...`.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Lists the keys: kid, algorithm, state now (next, active, retired,
    /// unpublished), when each was published and signs from.
    List,
    /// Creates the first key of an empty key file; it signs at once.
    Generate {
        /// ES256, EdDSA, RS256 or PS256.
        #[arg(long, default_value = "ES256")]
        alg: String,
    },
    /// Adds a new key, published now, that starts signing after
    /// `signing_keys.publish_ahead` (so every resource server's cached JWKS
    /// has it by then); the active key retires at that moment.
    Rotate {
        /// ES256, EdDSA, RS256 or PS256.
        #[arg(long, default_value = "ES256")]
        alg: String,
    },
    /// Removes a key that no longer signs (a retired or compromised one),
    /// so the JWKS stops publishing it after the servers restart. The
    /// active key cannot be removed: rotate first.
    Retire {
        /// The key's id.
        kid: String,
    },
}

/// Runs `command` at `now` with the operating system's generator.
pub fn keys(settings: &Settings, command: KeysCommand) -> Result<String, Failure> {
    run(settings, command, crate::adapter::kit::now())
}

/// Runs `command` at `now`.
pub(crate) fn run(
    settings: &Settings,
    command: KeysCommand,
    now: UnixTime,
) -> Result<String, Failure> {
    let Some(keys) = settings.policy.signing_keys.as_ref() else {
        return Err(Failure::new(
            "no key file is configured: set signing_keys.file (or --set signing_keys.file=PATH)",
        ));
    };
    let (path, policy) = (keys.file.as_path(), keys.rotation);
    let mut file = KeyFile::read(path)?;
    match command {
        KeysCommand::List => {
            let set = file.key_set(path, policy)?;
            let mut out = String::new();
            for key in &file.keys {
                let state = match set.state(&key.kid, now) {
                    Some(KeyState::Next) => "next",
                    Some(KeyState::Active) => "active",
                    Some(KeyState::Retired) => "retired",
                    None => "unpublished",
                };
                out.push_str(&format!(
                    "{}\t{}\t{state}\tpublished_at={}\tsigns_from={}\n",
                    key.kid, key.alg, key.published_at, key.signs_from
                ));
            }
            Ok(out)
        }
        KeysCommand::Generate { alg } => {
            if !file.keys.is_empty() {
                return Err(Failure::new(
                    "the key file already holds keys: use `qscope keys rotate` to add one",
                ));
            }
            let key = new_key(&alg)?;
            let kid = key.kid().unwrap_or_default().to_owned();
            file.keys.push(stored(&key, now, now)?);
            save(&file, path, policy)?;
            Ok(format!("generated {kid} ({alg}), signing from now\n"))
        }
        KeysCommand::Rotate { alg } => {
            if file.keys.is_empty() {
                return Err(Failure::new(
                    "the key file is empty: use `qscope keys generate` first",
                ));
            }
            let key = new_key(&alg)?;
            let kid = key.kid().unwrap_or_default().to_owned();
            let signs_from = now.after(policy.publish_ahead);
            file.keys.push(stored(&key, now, signs_from)?);
            save(&file, path, policy)?;
            Ok(format!(
                "published {kid} ({alg}); it signs from {} (in {} s)\n",
                signs_from.as_secs(),
                policy.publish_ahead.get()
            ))
        }
        KeysCommand::Retire { kid } => {
            let set = file.key_set(path, policy)?;
            if set.active(now).is_some_and(|active| active.kid() == kid) {
                return Err(Failure::new(format!(
                    "{kid} is the active key: rotate first, and retire it once its successor signs"
                )));
            }
            let before = file.keys.len();
            file.keys.retain(|key| key.kid != kid);
            if file.keys.len() == before {
                return Err(Failure::new(format!("no key {kid} in the key file")));
            }
            save(&file, path, policy)?;
            Ok(format!("removed {kid}\n"))
        }
    }
}

/// A fresh key for `alg` from the operating system's generator.
fn new_key(alg: &str) -> Result<SigningKey, Failure> {
    let alg = Algorithm::parse(alg).map_err(|e| Failure::new(e.to_string()))?;
    #[allow(
        clippy::disallowed_types,
        reason = "the host draws its own signing keys from the operating system"
    )]
    let mut rng = rand_core::TryRngCore::unwrap_err(rand_core::OsRng);
    Ok(SigningKey::generate(alg, &mut rng)?)
}

/// Writes `file` after checking that it still loads as a key set.
fn save(file: &KeyFile, path: &Path, policy: crate::jose::RotationPolicy) -> Result<(), Failure> {
    file.key_set(path, policy)?;
    Ok(file.write(path)?)
}
