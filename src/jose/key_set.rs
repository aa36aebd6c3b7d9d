//! Signing keys and their rotation: next → active → retired, decided by
//! time alone, so every node holding the same set agrees at every instant.
//!
//! Each key has two instants: when it is first published in the JWKS
//! (`published_at`) and when it starts signing (`signs_from`). At time `t`
//! the *active* key is the one with the latest `signs_from ≤ t`; keys whose
//! `signs_from` is still ahead are *next*; keys before the active one are
//! *retired* from the moment their successor started signing, and stay
//! published for [`RotationPolicy::retain_retired`] so tokens they signed
//! still verify.
//!
//! [`KeySet::publish`] adds a key that signs only after
//! [`RotationPolicy::publish_ahead`]: long enough for every resource
//! server's cached JWKS to have been refreshed. Nodes need no coordination,
//! only the same stored set (the host persists each key's PEM or external
//! reference with its two instants and restores them with
//! [`KeySet::insert`]) and clocks that agree within the verifiers' leeway.

use rand_core::CryptoRng;

use super::{JoseError, JwkSet, MAX_JWK_SET_KEYS, SignStep, Signer};
use crate::{Seconds, UnixTime};

/// How keys rotate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RotationPolicy {
    /// How long a new key is published before it signs: at least the
    /// longest time a resource server caches the JWKS, plus clock skew.
    pub publish_ahead: Seconds,
    /// How long a retired key stays published: at least the longest
    /// access-token lifetime plus the verifiers' leeway.
    pub retain_retired: Seconds,
}

impl Default for RotationPolicy {
    /// One day ahead, one day retained.
    fn default() -> Self {
        Self { publish_ahead: Seconds::days(1), retain_retired: Seconds::days(1) }
    }
}

/// A key's place in the rotation at some instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    /// Published, not yet signing.
    Next,
    /// The key that signs.
    Active,
    /// Superseded; published while tokens it signed may still be presented.
    Retired,
}

/// Why a key set refused an operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeySetError {
    /// A key without `kid`: in a set, the `kid` is what selects a key.
    #[error("a key in a key set needs a kid")]
    MissingKid,
    /// A key with the `kid` of a key already in the set.
    #[error("a key with this kid is already in the set")]
    DuplicateKid,
    /// Two keys cannot start signing at the same instant, or before being published.
    #[error("the key's signing start collides with another key's or precedes its publication")]
    InvalidSchedule,
    /// The set already holds [`MAX_JWK_SET_KEYS`] keys, the most a JWKS may
    /// publish: prune or revoke first.
    #[error("the key set is full")]
    Full,
    /// No key signs at this instant (the set is empty, or its only keys are next).
    #[error("no key signs at this instant")]
    NoActiveKey,
    /// The signature itself failed.
    #[error(transparent)]
    Jose(#[from] JoseError),
}

/// A key with its schedule.
#[derive(Debug)]
pub struct ManagedKey {
    signer: Signer,
    published_at: UnixTime,
    signs_from: UnixTime,
}

impl ManagedKey {
    /// A key published at `published_at` that signs from `signs_from`.
    pub fn new(signer: Signer, published_at: UnixTime, signs_from: UnixTime) -> Self {
        Self { signer, published_at, signs_from }
    }

    /// The key.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The `kid` (a key in a set always has one).
    pub fn kid(&self) -> &str {
        self.signer.kid().unwrap_or_default()
    }

    /// When the key entered the JWKS.
    pub fn published_at(&self) -> UnixTime {
        self.published_at
    }

    /// When the key starts signing.
    pub fn signs_from(&self) -> UnixTime {
        self.signs_from
    }
}

/// The signing keys of one issuer, ordered by `signs_from`.
#[derive(Debug, Default)]
pub struct KeySet {
    policy: RotationPolicy,
    keys: Vec<ManagedKey>,
}

impl KeySet {
    /// An empty set rotating under `policy`.
    pub fn new(policy: RotationPolicy) -> Self {
        Self { policy, keys: Vec::new() }
    }

    /// The rotation policy.
    pub fn policy(&self) -> RotationPolicy {
        self.policy
    }

    /// Every key, in the order they start signing (what the host persists).
    pub fn keys(&self) -> &[ManagedKey] {
        &self.keys
    }

    /// Adds a key with its stored schedule (restoring a persisted set).
    pub fn insert(&mut self, key: ManagedKey) -> Result<(), KeySetError> {
        self.insert_at(key).map(|_| ())
    }

    /// [`insert`](Self::insert), answering where the key went.
    fn insert_at(&mut self, key: ManagedKey) -> Result<usize, KeySetError> {
        let kid = key.signer.kid().ok_or(KeySetError::MissingKid)?;
        if self.keys.len() >= MAX_JWK_SET_KEYS {
            return Err(KeySetError::Full);
        }
        if self.keys.iter().any(|other| other.kid() == kid) {
            return Err(KeySetError::DuplicateKid);
        }
        if key.signs_from < key.published_at
            || self.keys.iter().any(|other| other.signs_from == key.signs_from)
        {
            return Err(KeySetError::InvalidSchedule);
        }
        let at = self.keys.partition_point(|other| other.signs_from < key.signs_from);
        self.keys.insert(at, key);
        Ok(at)
    }

    /// Publishes a new key at `now`. It signs from `now + publish_ahead` —
    /// or from `now` when the set is empty, since then no verifier holds a
    /// JWKS it could be missing from and no token could be issued without it.
    pub fn publish(&mut self, signer: Signer, now: UnixTime) -> Result<&ManagedKey, KeySetError> {
        let signs_from =
            if self.keys.is_empty() { now } else { now.after(self.policy.publish_ahead) };
        let at = self.insert_at(ManagedKey::new(signer, now, signs_from))?;
        Ok(&self.keys[at])
    }

    /// The index of the active key at `now`.
    fn active_index(&self, now: UnixTime) -> Option<usize> {
        self.keys.partition_point(|key| key.signs_from <= now).checked_sub(1)
    }

    /// The state of the `i`th key at `now`, `None` once it is no longer published.
    fn state_of(&self, i: usize, now: UnixTime) -> Option<KeyState> {
        let key = &self.keys[i];
        match self.active_index(now) {
            Some(active) if i == active => Some(KeyState::Active),
            Some(active) if i < active => {
                let retired_at = self.keys[i + 1].signs_from;
                (now < retired_at.after(self.policy.retain_retired)).then_some(KeyState::Retired)
            }
            _ => (key.published_at <= now).then_some(KeyState::Next),
        }
    }

    /// The state of the key `kid` at `now`; `None` for a key not in the
    /// set, retired beyond retention, or not yet published.
    pub fn state(&self, kid: &str, now: UnixTime) -> Option<KeyState> {
        let i = self.keys.iter().position(|key| key.kid() == kid)?;
        self.state_of(i, now)
    }

    /// The key that signs at `now`.
    pub fn active(&self, now: UnixTime) -> Option<&ManagedKey> {
        self.active_index(now).map(|i| &self.keys[i])
    }

    /// The JWKS at `now`: the public keys of the next, active and retained
    /// retired keys (what `jwks_uri` serves).
    pub fn jwks(&self, now: UnixTime) -> JwkSet {
        let keys = (0..self.keys.len())
            .filter(|&i| self.state_of(i, now).is_some())
            .map(|i| self.keys[i].signer.public_jwk())
            .collect();
        // Kids are unique and the keys at most MAX_JWK_SET_KEYS, both by
        // `insert`, so `new` cannot refuse them.
        JwkSet::new(keys).unwrap_or_default()
    }

    /// Removes the retired keys no longer published at `now`, returning
    /// them (so the host can delete their stored secrets).
    pub fn prune(&mut self, now: UnixTime) -> Vec<ManagedKey> {
        let keep: Vec<bool> = (0..self.keys.len())
            .map(|i| self.state_of(i, now).is_some() || self.keys[i].published_at > now)
            .collect();
        let mut removed = Vec::new();
        let mut kept = Vec::with_capacity(self.keys.len());
        for (key, keep) in self.keys.drain(..).zip(keep) {
            if keep { kept.push(key) } else { removed.push(key) }
        }
        self.keys = kept;
        removed
    }

    /// Removes the key `kid` at once (a compromised key). If it was the
    /// active key, the key before it signs again while it is in the set:
    /// revoke that one too if it must not.
    pub fn revoke(&mut self, kid: &str) -> Option<ManagedKey> {
        let i = self.keys.iter().position(|key| key.kid() == kid)?;
        Some(self.keys.remove(i))
    }

    /// Starts a compact JWS with the key active at `now` (see
    /// [`Signer::begin`]).
    pub fn begin_sign<R: CryptoRng + ?Sized>(
        &self,
        typ: Option<&str>,
        payload: &[u8],
        now: UnixTime,
        rng: &mut R,
    ) -> Result<SignStep, KeySetError> {
        let key = self.active(now).ok_or(KeySetError::NoActiveKey)?;
        Ok(key.signer.begin(typ, payload, rng)?)
    }
}
