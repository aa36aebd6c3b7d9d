//! `MemoryStore`: the reference backend, thread-safe, atomic by a mutex.
//!
//! Its write path costs the same on a store of millions of records as on
//! an empty one: tokens and audit events go into arenas that never move
//! what they hold, and the token indexes are lists threaded through the
//! tokens' own slots (`tokens.rs`), so no vector is copied as it grows and
//! nothing is allocated per family, parent or client.

mod arena;
mod digest_map;
mod tokens;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use crate::UnixTime;
use crate::secret::TokenHash;

use super::account::AccountRecord;
use super::audit::AuditEvent;
use super::consent::ConsentRecord;
use super::effect::{Effect, Outcome, Precondition, TokenOwner, Transaction};
use super::query::{Answers, Query};
use super::record::{
    ClientRecord, CodeRecord, DeviceGrantRecord, DeviceStatus, PendingAuthorizationRecord, Record,
    RecordRef, TokenKind, TokenRecord, UserRecord,
};
use super::session::SessionRecord;
use super::{AsyncStore, Store, StoreError};
use crate::secret::SecretHash;
use arena::Arena;
use digest_map::DigestMap;
use tokens::Tokens;

/// An in-memory store that honours the whole contract: every transaction
/// runs under one lock, preconditions are checked before any effect, and
/// FIFO trimming orders by issue time, then insertion.
///
/// It is the reference the contract tests are written against and the
/// store of the walkthrough, the benchmarks and the fuzzer. Nothing is
/// persisted.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    clients: HashMap<String, ClientRecord>,
    codes: DigestMap<TokenHash, CodeRecord>,
    tokens: Tokens,
    pending: DigestMap<TokenHash, PendingAuthorizationRecord>,
    devices: DigestMap<TokenHash, DeviceGrantRecord>,
    /// user code hash → device code hash.
    user_codes: DigestMap<TokenHash, TokenHash>,
    by_registration_token: DigestMap<TokenHash, String>,
    audit: Arena<AuditEvent>,
    /// username → (password hash, subject), for the password grant.
    users: HashMap<String, (SecretHash, String)>,
    /// The host's user accounts, by username.
    accounts: BTreeMap<String, AccountRecord>,
    /// The host's browser sessions, by id hash.
    sessions: DigestMap<TokenHash, SessionRecord>,
    /// Consents, by id.
    consents: BTreeMap<String, ConsentRecord>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied
        // transaction (effects are applied only after every check), so the
        // state behind a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds or replaces a client (a convenience for set-up).
    pub fn insert_client(&self, client: ClientRecord) {
        self.lock().put_client(client);
    }

    /// Adds or replaces an authorization code (a convenience for set-up;
    /// [`Effect::PutCode`] itself never overwrites).
    pub fn insert_code(&self, code: CodeRecord) {
        self.lock().codes.insert(code.hash, code);
    }

    /// Adds or replaces a token (a convenience for set-up;
    /// [`Effect::PutToken`] itself never overwrites).
    pub fn insert_token(&self, token: TokenRecord) {
        self.lock().tokens.put(token);
    }

    /// Adds a resource owner for the password grant. The password is kept
    /// as a SHA-256 hash: adequate for tests and demos; a real host answers
    /// [`Query::User`] with a slow password hash such as Argon2.
    pub fn insert_user(&self, username: &str, password: &str, subject: &str) {
        self.lock()
            .users
            .insert(username.to_owned(), (SecretHash::of(password), subject.to_owned()));
    }

    /// The client with this id.
    pub fn client(&self, client_id: &str) -> Option<ClientRecord> {
        self.lock().clients.get(client_id).cloned()
    }

    /// The code with this hash.
    pub fn code(&self, hash: &TokenHash) -> Option<CodeRecord> {
        self.lock().codes.get(hash).cloned()
    }

    /// The token with this hash.
    pub fn token(&self, hash: &TokenHash) -> Option<TokenRecord> {
        self.lock().tokens.get(hash).cloned()
    }

    /// Every token, in insertion order.
    pub fn tokens(&self) -> Vec<TokenRecord> {
        self.lock().tokens.iter().cloned().collect()
    }

    /// Adds a pending authorization (a convenience for set-up).
    pub fn insert_pending(&self, pending: PendingAuthorizationRecord) {
        self.lock().pending.insert(pending.hash, pending);
    }

    /// The pending authorization with this handle hash.
    pub fn pending(&self, hash: &TokenHash) -> Option<PendingAuthorizationRecord> {
        self.lock().pending.get(hash).cloned()
    }

    /// Every pending authorization, in no particular order.
    pub fn pendings(&self) -> Vec<PendingAuthorizationRecord> {
        self.lock().pending.values().cloned().collect()
    }

    /// Every client, ordered by `client_id`.
    pub fn clients(&self) -> Vec<ClientRecord> {
        let state = self.lock();
        let mut all: Vec<ClientRecord> = state.clients.values().cloned().collect();
        all.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        all
    }

    /// The audit trail, oldest first.
    pub fn audit_events(&self) -> Vec<AuditEvent> {
        self.lock().audit.iter().cloned().collect()
    }
}

impl State {
    /// The record answering `query`.
    fn record(&self, query: &Query) -> Option<Record> {
        match query {
            Query::User { username, password } => {
                let (hash, subject) = self.users.get(username)?;
                hash.verify(password.expose()).then(|| {
                    Record::User(UserRecord {
                        username: username.clone(),
                        subject: subject.clone(),
                    })
                })
            }
            Query::Clients { after, limit } => {
                let mut page: Vec<&ClientRecord> = self
                    .clients
                    .values()
                    .filter(|c| after.as_ref().is_none_or(|after| c.client_id > *after))
                    .collect();
                page.sort_by(|a, b| a.client_id.cmp(&b.client_id));
                page.truncate(*limit as usize);
                Some(Record::Clients(page.into_iter().cloned().collect()))
            }
            Query::Accounts { after, limit } => Some(Record::Accounts(
                self.accounts
                    .values()
                    .filter(|a| after.as_ref().is_none_or(|after| a.username > *after))
                    .take(*limit as usize)
                    .cloned()
                    .collect(),
            )),
            Query::Consents { subject, client_id, after, limit } => Some(Record::Consents(
                self.consents
                    .values()
                    .filter(|c| after.as_ref().is_none_or(|after| c.id > *after))
                    .filter(|c| subject.as_ref().is_none_or(|s| c.subject == *s))
                    .filter(|c| client_id.as_ref().is_none_or(|id| c.client_id == *id))
                    .take(*limit as usize)
                    .cloned()
                    .collect(),
            )),
            _ => self.stored(query).map(RecordRef::to_record),
        }
    }

    /// The stored record under the key of `query`, borrowed. A user or a
    /// page of clients is computed, not stored under a key, so neither is
    /// found here (no precondition is about one).
    fn stored(&self, query: &Query) -> Option<RecordRef<'_>> {
        match query {
            Query::Client { client_id } => self.clients.get(client_id).map(RecordRef::Client),
            Query::Code { hash } => self.codes.get(hash).map(RecordRef::Code),
            Query::Token { hash } => self.tokens.get(hash).map(RecordRef::Token),
            Query::Pending { hash } => self.pending.get(hash).map(RecordRef::Pending),
            Query::DeviceCode { hash } => self.devices.get(hash).map(RecordRef::Device),
            Query::UserCode { hash } => self
                .user_codes
                .get(hash)
                .and_then(|device| self.devices.get(device))
                .map(RecordRef::Device),
            Query::ClientByRegistrationToken { hash } => self
                .by_registration_token
                .get(hash)
                .and_then(|id| self.clients.get(id))
                .map(RecordRef::Client),
            Query::Account { username } => self.accounts.get(username).map(RecordRef::Account),
            Query::Session { hash } => self.sessions.get(hash).map(RecordRef::Session),
            Query::Consent { id } => self.consents.get(id).map(RecordRef::Consent),
            Query::User { .. }
            | Query::Clients { .. }
            | Query::Accounts { .. }
            | Query::Consents { .. } => None,
        }
    }

    /// The stored record `precondition` is checked against: the record
    /// under [`Precondition::subject`], a client found by its id as it is
    /// (no query built, so no copy of the id for every issue's
    /// `ClientRevision`).
    fn checked_by(&self, precondition: &Precondition) -> Option<RecordRef<'_>> {
        match precondition {
            Precondition::ClientAbsent { client_id }
            | Precondition::ClientRevision { client_id, .. } => {
                self.clients.get(client_id).map(RecordRef::Client)
            }
            _ => self.stored(&precondition.subject()),
        }
    }

    fn put_client(&mut self, client: ClientRecord) {
        self.remove_client(&client.client_id);
        if let Some(hash) = client.registration_token_hash {
            self.by_registration_token.insert(hash, client.client_id.clone());
        }
        self.clients.insert(client.client_id.clone(), client);
    }

    fn remove_client(&mut self, client_id: &str) {
        if let Some(old) = self.clients.remove(client_id)
            && let Some(hash) = old.registration_token_hash
        {
            self.by_registration_token.remove(&hash);
        }
    }

    /// The kind of the first record that `effects` would insert over a
    /// stored one, or over an earlier insert of the same transaction: a
    /// code, a token or a device code is never replaced.
    fn reinserted(&self, effects: &[Effect]) -> Option<&'static str> {
        let key = |effect: &Effect| match effect {
            Effect::PutCode(code) => Some(("code", code.hash)),
            Effect::PutToken(token) => Some(("token", token.hash)),
            Effect::PutDeviceGrant(grant) => Some(("device code", grant.device_code_hash)),
            _ => None,
        };
        effects.iter().enumerate().find_map(|(i, effect)| {
            let (kind, hash) = key(effect)?;
            let stored = match effect {
                Effect::PutCode(_) => self.codes.contains_key(&hash),
                Effect::PutToken(_) => self.tokens.position(&hash).is_some(),
                _ => self.devices.contains_key(&hash),
            };
            let repeated = effects[..i].iter().any(|earlier| key(earlier) == Some((kind, hash)));
            (stored || repeated).then_some(kind)
        })
    }

    /// Revokes the token at `position` (a first revocation stays).
    fn revoke_at(&mut self, position: usize, at: UnixTime) {
        if let Some(token) = self.tokens.at_mut(position) {
            token.revoked_at.get_or_insert(at);
        }
    }

    fn apply(&mut self, effect: &Effect) {
        match effect {
            Effect::PutClient(client) => self.put_client(client.clone()),
            Effect::DeleteClient { client_id, at } => {
                self.remove_client(client_id);
                for position in self.tokens.of_client(client_id) {
                    self.revoke_at(position, *at);
                }
            }
            Effect::PutCode(code) => {
                self.codes.insert(code.hash, code.clone());
            }
            Effect::ConsumeCode { hash, at } => {
                if let Some(code) = self.codes.get_mut(hash) {
                    code.consumed_at.get_or_insert(*at);
                }
            }
            Effect::PutToken(token) => self.tokens.put(token.clone()),
            Effect::RotateToken { hash, at } => {
                if let Some(token) = self.tokens.get_mut(hash) {
                    token.rotated_at.get_or_insert(*at);
                }
            }
            Effect::RevokeToken { hash, at } => {
                if let Some(position) = self.tokens.position(hash) {
                    self.revoke_at(position, *at);
                }
            }
            Effect::RevokeFamily { family, at } => {
                for position in self.tokens.family(family) {
                    self.revoke_at(position, *at);
                }
            }
            Effect::RevokeDescendants { parent, at } => {
                let mut pending = self.tokens.children(parent);
                while let Some(position) = pending.pop() {
                    let Some(record) = self.tokens.at_mut(position) else { continue };
                    if record.revoked_at.is_none() {
                        record.revoked_at = Some(*at);
                        if record.kind == TokenKind::Refresh {
                            record.rotated_at.get_or_insert(*at);
                        }
                    }
                    let hash = record.hash;
                    pending.extend(self.tokens.children(&hash));
                }
            }
            Effect::RevokeOldest { kind, owner, keep, at } => {
                let candidates = match owner {
                    TokenOwner::Family { family } => self.tokens.family(family),
                    TokenOwner::Client { client_id }
                    | TokenOwner::ClientSubject { client_id, .. } => {
                        self.tokens.of_client(client_id)
                    }
                };
                // Age is the issue time, ties broken by insertion order
                // (the position).
                let mut live: Vec<(UnixTime, usize)> = candidates
                    .into_iter()
                    .filter_map(|position| Some((self.tokens.at(position)?, position)))
                    .filter(|(t, _)| t.kind == *kind && owner.owns(t) && t.is_active(*at))
                    .map(|(t, position)| (t.issued_at, position))
                    .collect();
                live.sort_unstable();
                let excess = live.len().saturating_sub(*keep as usize);
                for (_, position) in live.into_iter().take(excess) {
                    self.revoke_at(position, *at);
                }
            }
            Effect::AppendAudit(event) => {
                self.audit.push(event.clone());
            }
            Effect::PutPending(pending) => {
                self.pending.insert(pending.hash, pending.clone());
            }
            Effect::TakePending { hash } => {
                self.pending.remove(hash);
            }
            Effect::PutDeviceGrant(grant) => {
                // The device code is new (`reinserted`); a grant under the
                // same user code is replaced, by both of its keys.
                if let Some(previous) =
                    self.user_codes.insert(grant.user_code_hash, grant.device_code_hash)
                {
                    self.devices.remove(&previous);
                }
                self.devices.insert(grant.device_code_hash, grant.clone());
            }
            Effect::DecideDevice { hash, status, subject, granted_scopes } => {
                if let Some(grant) = self.devices.get_mut(hash) {
                    grant.status = *status;
                    grant.subject.clone_from(subject);
                    grant.granted_scopes.clone_from(granted_scopes);
                }
            }
            Effect::RecordDevicePoll { hash, at, interval } => {
                if let Some(grant) = self.devices.get_mut(hash) {
                    grant.last_poll_at = Some(*at);
                    grant.interval = *interval;
                }
            }
            Effect::ConsumeDevice { hash } => {
                if let Some(grant) = self.devices.get_mut(hash) {
                    grant.status = DeviceStatus::Consumed;
                }
            }
            Effect::PutAccount(account) => {
                self.accounts.insert(account.username.clone(), account.clone());
            }
            Effect::DeleteAccount { username } => {
                self.accounts.remove(username);
            }
            Effect::PutSession(session) => {
                self.sessions.insert(session.hash, session.clone());
            }
            Effect::TouchSession { hash, expires_at } => {
                if let Some(session) = self.sessions.get_mut(hash) {
                    session.expires_at = session.expires_at.max(*expires_at);
                }
            }
            Effect::DeleteSession { hash } => {
                self.sessions.remove(hash);
            }
            Effect::PutConsent(consent) => {
                let granted_at = self.consents.get(&consent.id).map(|c| c.granted_at);
                let mut stored = consent.clone();
                stored.granted_at = granted_at.unwrap_or(consent.granted_at);
                self.consents.insert(consent.id.clone(), stored);
            }
            Effect::DeleteConsent { id } => {
                self.consents.remove(id);
            }
            Effect::RevokeGrant { client_id, subject, at } => {
                for position in self.tokens.of_client(client_id) {
                    if let Some(token) = self.tokens.at_mut(position)
                        && token.subject.as_deref() == Some(subject.as_str())
                    {
                        token.revoked_at.get_or_insert(*at);
                    }
                }
                for code in self.codes.values_mut() {
                    if code.client_id == *client_id && code.subject == *subject {
                        code.consumed_at.get_or_insert(*at);
                    }
                }
                for grant in self.devices.values_mut() {
                    if grant.client_id == *client_id
                        && grant.subject.as_deref() == Some(subject.as_str())
                        && grant.status == DeviceStatus::Approved
                    {
                        grant.status = DeviceStatus::Denied;
                    }
                }
            }
        }
    }

    /// Whether `effects` would give two accounts one subject (the contract
    /// makes that a permanent failure of the whole transaction).
    fn subject_taken(&self, effects: &[Effect]) -> bool {
        if !effects.iter().any(|effect| matches!(effect, Effect::PutAccount(_))) {
            return false;
        }
        let mut accounts = self.accounts.clone();
        for effect in effects {
            match effect {
                Effect::PutAccount(account) => {
                    let taken = accounts.values().any(|other| {
                        other.subject == account.subject && other.username != account.username
                    });
                    if taken {
                        return true;
                    }
                    accounts.insert(account.username.clone(), account.clone());
                }
                Effect::DeleteAccount { username } => {
                    accounts.remove(username);
                }
                _ => {}
            }
        }
        false
    }
}

impl Store for MemoryStore {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        let state = self.lock();
        let mut answers = Answers::with_capacity(queries.len());
        for query in queries {
            answers.push(query.clone(), state.record(query));
        }
        Ok(answers)
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        let mut state = self.lock();
        for precondition in &transaction.preconditions {
            let found = state.checked_by(precondition);
            if !precondition.holds_for(found) {
                let found = found.map(RecordRef::to_record);
                return Ok(Outcome::Conflict { failed: precondition.clone(), found });
            }
        }
        if let Some(kind) = state.reinserted(&transaction.effects) {
            return Err(StoreError::permanent(format!(
                "a {kind} with this hash is already stored"
            )));
        }
        if state.subject_taken(&transaction.effects) {
            return Err(StoreError::permanent("another account has this subject"));
        }
        for effect in &transaction.effects {
            state.apply(effect);
        }
        Ok(Outcome::Applied)
    }
}

/// The same store for async drivers: every call completes at once (the
/// lock is held only while the answer is computed, never across an await).
impl AsyncStore for MemoryStore {
    fn read(&self, queries: &[Query]) -> impl Future<Output = Result<Answers, StoreError>> + Send {
        std::future::ready(Store::read(self, queries))
    }

    fn apply(
        &self,
        transaction: &Transaction,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send {
        std::future::ready(Store::apply(self, transaction))
    }
}
