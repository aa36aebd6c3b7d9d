//! Password hashing for the server's accounts: argon2id in the PHC string
//! format with the configured cost, verification against a stored hash
//! (or a decoy, so that an unknown or disabled user takes as long as a
//! known one), whether a hash must be redone because the configured cost
//! changed, and the cap on how many checks run at once.

use std::sync::Arc;

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::host::config::PasswordCost;
use crate::store::{AccountRecord, PasswordHash};

/// Hashes and checks passwords with one argon2id cost, at most a fixed
/// number at once. Each check holds the configured memory (19 MiB by
/// default) on a blocking thread, so without a cap a burst of sign-ins
/// from many addresses, each within its rate limit, could take gigabytes;
/// a check beyond the cap is refused at once ([`Busy`]), not queued.
pub(crate) struct Passwords {
    argon2: Argon2<'static>,
    cost: PasswordCost,
    /// Checked for unknown and disabled users.
    decoy: PasswordHash,
    permits: Arc<Semaphore>,
}

/// Every permitted check is running; try again in a moment.
#[derive(Debug)]
pub(crate) struct Busy;

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("every password check is busy; retry in a second")
    }
}

impl std::error::Error for Busy {}

/// What a check found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Checked {
    /// Not this user's password, or the user is unknown or disabled.
    Refused,
    /// The password is right; `rehash` when the stored hash was made with
    /// another cost (or algorithm) than the configured one.
    Accepted {
        /// Whether to store a new hash made with the configured cost.
        rehash: bool,
    },
}

/// Why a password cannot be hashed.
#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub(crate) struct HashError(String);

impl Passwords {
    /// Hashing with `cost` (already validated), at most `max_checks`
    /// checks at once (at least one). Makes the decoy hash: one hashing.
    pub(crate) fn new(cost: PasswordCost, max_checks: usize) -> Result<Self, HashError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|error| HashError(error.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut passwords = Self {
            argon2,
            cost,
            decoy: PasswordHash::new(String::new()),
            permits: Arc::new(Semaphore::new(max_checks.max(1))),
        };
        passwords.decoy = passwords.hash(&crate::host::random::token())?;
        Ok(passwords)
    }

    /// A new hash of `password`, with a random salt and the configured cost.
    pub(crate) fn hash(&self, password: &str) -> Result<PasswordHash, HashError> {
        let salt = SaltString::encode_b64(&crate::host::random::bytes::<16>())
            .map_err(|error| HashError(error.to_string()))?;
        let hash = self
            .argon2
            .hash_password(password.as_bytes(), &salt)
            .map_err(|error| HashError(error.to_string()))?;
        Ok(PasswordHash::new(hash.to_string()))
    }

    /// Whether `password` signs `account` in: one argon2 verification
    /// whether or not the account exists or is enabled. Blocking (run it
    /// off the async executor); [`Busy`] when the cap is reached.
    pub(crate) fn check(
        &self,
        account: Option<&AccountRecord>,
        password: &str,
    ) -> Result<Checked, Busy> {
        let _permit = self.permits.try_acquire().map_err(|_| Busy)?;
        let usable = account.filter(|account| !account.disabled);
        let stored = usable.map_or(&self.decoy, |account| &account.password_hash);
        let Ok(parsed) = argon2::PasswordHash::new(stored.as_str()) else {
            return Ok(Checked::Refused);
        };
        // The stored hash's own algorithm and parameters verify it.
        let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        if !(matches && usable.is_some()) {
            return Ok(Checked::Refused);
        }
        Ok(Checked::Accepted { rehash: !self.is_current(&parsed) })
    }

    /// Whether `hash` is argon2id made with the configured cost.
    fn is_current(&self, hash: &argon2::PasswordHash<'_>) -> bool {
        let algorithm = Algorithm::try_from(hash.algorithm).ok();
        let params = Params::try_from(hash).ok();
        algorithm == Some(Algorithm::Argon2id)
            && hash.version == Some(Version::V0x13.into())
            && params.is_some_and(|params| {
                params.m_cost() == self.cost.memory_kib
                    && params.t_cost() == self.cost.iterations
                    && params.p_cost() == self.cost.parallelism
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnixTime;

    const CHEAP: PasswordCost = PasswordCost { memory_kib: 64, iterations: 1, parallelism: 1 };

    fn account(hash: PasswordHash, disabled: bool) -> AccountRecord {
        AccountRecord {
            username: "ann".into(),
            subject: "ann".into(),
            password_hash: hash,
            disabled,
            created_at: UnixTime::from_secs(1),
            updated_at: UnixTime::from_secs(1),
            revision: 1,
        }
    }

    #[test]
    fn the_right_password_of_an_enabled_account_signs_in() {
        let passwords = Passwords::new(CHEAP, 1).unwrap();
        let hash = passwords.hash("correct horse").unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{}", hash.as_str());
        let enabled = account(hash.clone(), false);
        assert_eq!(
            passwords.check(Some(&enabled), "correct horse").unwrap(),
            Checked::Accepted { rehash: false }
        );
        assert_eq!(passwords.check(Some(&enabled), "wrong").unwrap(), Checked::Refused);
        assert_eq!(passwords.check(None, "correct horse").unwrap(), Checked::Refused);
        let disabled = account(hash, true);
        assert_eq!(passwords.check(Some(&disabled), "correct horse").unwrap(), Checked::Refused);
    }

    #[test]
    fn a_hash_made_with_another_cost_is_redone() {
        let old = Passwords::new(CHEAP, 1).unwrap();
        let stored = account(old.hash("pw").unwrap(), false);
        let new =
            Passwords::new(PasswordCost { memory_kib: 128, iterations: 2, parallelism: 1 }, 1)
                .unwrap();
        assert_eq!(new.check(Some(&stored), "pw").unwrap(), Checked::Accepted { rehash: true });
        assert_eq!(new.check(Some(&stored), "no").unwrap(), Checked::Refused);
        let redone = account(new.hash("pw").unwrap(), false);
        assert_eq!(new.check(Some(&redone), "pw").unwrap(), Checked::Accepted { rehash: false });
    }

    #[test]
    fn a_check_beyond_the_cap_is_busy() {
        let passwords = Passwords::new(CHEAP, 1).unwrap();
        let _held = passwords.permits.try_acquire().unwrap();
        assert!(matches!(passwords.check(None, "pw"), Err(Busy)));
    }
}
