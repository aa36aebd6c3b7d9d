//! The demo's users: names and argon2 password hashes, in memory; and the
//! cap on how many sign-in passwords are checked at once.

use std::collections::HashMap;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use tokio::sync::Semaphore;

/// Users who can sign in. The user name is the token subject.
pub(crate) struct Users {
    hashes: HashMap<String, String>,
    /// Checked for unknown names, so they take as long as known ones.
    decoy: String,
}

impl Users {
    /// The demo user `alice` (password `wonderland`) when `demo`, else
    /// nobody; passwords hashed with argon2id and a random salt.
    pub(crate) fn new(demo: bool) -> Self {
        let mut hashes = HashMap::new();
        if demo {
            hashes.insert("alice".to_owned(), hash("wonderland"));
        }
        Self { hashes, decoy: hash(&crate::host::random::token()) }
    }

    /// The subject for `name` when `password` is theirs. Takes one argon2
    /// verification whether or not the user exists; run it off the async
    /// executor.
    pub(crate) fn verify(&self, name: &str, password: &str) -> Option<String> {
        let (stored, known) = match self.hashes.get(name) {
            Some(stored) => (stored, true),
            None => (&self.decoy, false),
        };
        let parsed = PasswordHash::new(stored).ok()?;
        let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        (matches && known).then(|| name.to_owned())
    }
}

/// Sign-in password checks, at most a fixed number at once. Each argon2
/// verification holds 19 MiB on a blocking thread (and the allocator keeps
/// that memory afterwards), so without a cap a burst of failed sign-ins
/// from many addresses, each within its rate limit, could take gigabytes.
/// A check beyond the cap is refused at once, not queued: the page asks to
/// try again.
pub(crate) struct PasswordChecks {
    users: Arc<Users>,
    permits: Arc<Semaphore>,
}

/// Every permitted check is running; try again in a moment.
#[derive(Debug)]
pub(crate) struct Busy;

impl PasswordChecks {
    /// Checks against `users`, at most `max` at once (at least one).
    pub(crate) fn new(users: Users, max: usize) -> Self {
        Self { users: Arc::new(users), permits: Arc::new(Semaphore::new(max.max(1))) }
    }

    /// [`Users::verify`] on a blocking thread, or [`Busy`] when the cap is
    /// reached. The permit is held until the check ends, even if the
    /// request is given up meanwhile.
    pub(crate) async fn verify(
        &self,
        name: String,
        password: String,
    ) -> Result<Option<String>, Busy> {
        let permit = Arc::clone(&self.permits).try_acquire_owned().map_err(|_| Busy)?;
        let users = Arc::clone(&self.users);
        let checked = tokio::task::spawn_blocking(move || {
            let subject = users.verify(&name, &password);
            drop(permit);
            subject
        })
        .await;
        Ok(checked.ok().flatten())
    }
}

fn hash(password: &str) -> String {
    let salt = SaltString::encode_b64(&crate::host::random::bytes::<16>())
        .expect("16 bytes is a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 accepts any password with default parameters")
        .to_string()
}
