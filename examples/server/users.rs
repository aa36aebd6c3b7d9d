//! The demo's users: names and argon2 password hashes, in memory.

use std::collections::HashMap;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::cli::DemoUser;

/// Users who can sign in. The user name is the token subject.
pub(crate) struct Users {
    hashes: HashMap<String, String>,
    /// Checked for unknown names, so they take as long as known ones.
    decoy: String,
}

impl Users {
    /// Hashes every password with argon2id (default parameters: 19 MiB,
    /// two passes) and a random salt.
    pub(crate) fn new(users: &[DemoUser]) -> Self {
        let hashes = users.iter().map(|user| (user.name.clone(), hash(&user.password))).collect();
        Self { hashes, decoy: hash(&crate::random::token()) }
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

    /// The user names, for the start-up log.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.hashes.keys().map(String::as_str)
    }
}

fn hash(password: &str) -> String {
    let salt =
        SaltString::encode_b64(&crate::random::bytes::<16>()).expect("16 bytes is a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 accepts any password with default parameters")
        .to_string()
}
