//! `MemoryStore`: the reference backend, thread-safe, atomic by a mutex.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, MutexGuard};

use crate::UnixTime;
use crate::secret::TokenHash;

use super::account::AccountRecord;
use super::audit::AuditEvent;
use super::consent::ConsentRecord;
use super::effect::{Effect, Outcome, TokenOwner, Transaction};
use super::query::{Answers, Query};
use super::record::{
    ClientRecord, CodeRecord, DeviceGrantRecord, DeviceStatus, FamilyId,
    PendingAuthorizationRecord, Record, TokenKind, TokenRecord, UserRecord,
};
use super::session::SessionRecord;
use super::{AsyncStore, Store, StoreError};
use crate::secret::SecretHash;

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

/// Maps keyed by SHA-256 outputs or random family ids: their first bytes are
/// already uniformly distributed and not chosen by an attacker, so a keyed
/// hash would only cost time.
type DigestMap<K, V> = HashMap<K, V, BuildHasherDefault<PrefixHasher>>;

#[derive(Debug, Default)]
struct State {
    clients: HashMap<String, ClientRecord>,
    codes: DigestMap<TokenHash, CodeRecord>,
    tokens: DigestMap<TokenHash, StoredToken>,
    pending: DigestMap<TokenHash, PendingAuthorizationRecord>,
    devices: DigestMap<TokenHash, DeviceGrantRecord>,
    /// user code hash → device code hash.
    user_codes: DigestMap<TokenHash, TokenHash>,
    by_family: DigestMap<FamilyId, Vec<TokenHash>>,
    by_parent: DigestMap<TokenHash, Vec<TokenHash>>,
    by_client: HashMap<String, Vec<TokenHash>>,
    by_registration_token: DigestMap<TokenHash, String>,
    audit: Vec<AuditEvent>,
    /// username → (password hash, subject), for the password grant.
    users: HashMap<String, (SecretHash, String)>,
    /// The host's user accounts, by username.
    accounts: BTreeMap<String, AccountRecord>,
    /// The host's browser sessions, by id hash.
    sessions: DigestMap<TokenHash, SessionRecord>,
    /// Consents, by id.
    consents: BTreeMap<String, ConsentRecord>,
    next_seq: u64,
}

/// Hashes a digest key by its first eight bytes (see [`DigestMap`]).
#[derive(Default)]
struct PrefixHasher(u64);

impl Hasher for PrefixHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut prefix = [0u8; 8];
        let n = bytes.len().min(8);
        prefix[..n].copy_from_slice(&bytes[..n]);
        self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(prefix);
    }

    fn write_usize(&mut self, _length_prefix: usize) {}
}

#[derive(Debug)]
struct StoredToken {
    seq: u64,
    record: TokenRecord,
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
        self.lock().put_token(token);
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
        self.lock().tokens.get(hash).map(|t| t.record.clone())
    }

    /// Every token, in insertion order.
    pub fn tokens(&self) -> Vec<TokenRecord> {
        let state = self.lock();
        let mut all: Vec<&StoredToken> = state.tokens.values().collect();
        all.sort_by_key(|t| t.seq);
        all.into_iter().map(|t| t.record.clone()).collect()
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
        self.lock().audit.clone()
    }
}

impl State {
    fn record(&self, query: &Query) -> Option<Record> {
        match query {
            Query::Client { client_id } => self.clients.get(client_id).cloned().map(Record::Client),
            Query::Code { hash } => self.codes.get(hash).cloned().map(Record::Code),
            Query::Token { hash } => self.tokens.get(hash).map(|t| Record::Token(t.record.clone())),
            Query::Pending { hash } => self.pending.get(hash).cloned().map(Record::Pending),
            Query::DeviceCode { hash } => self.devices.get(hash).cloned().map(Record::Device),
            Query::UserCode { hash } => self
                .user_codes
                .get(hash)
                .and_then(|device| self.devices.get(device))
                .cloned()
                .map(Record::Device),
            Query::User { username, password } => {
                let (hash, subject) = self.users.get(username)?;
                hash.verify(password.expose()).then(|| {
                    Record::User(UserRecord {
                        username: username.clone(),
                        subject: subject.clone(),
                    })
                })
            }
            Query::ClientByRegistrationToken { hash } => self
                .by_registration_token
                .get(hash)
                .and_then(|id| self.clients.get(id))
                .cloned()
                .map(Record::Client),
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
            Query::Account { username } => {
                self.accounts.get(username).cloned().map(Record::Account)
            }
            Query::Accounts { after, limit } => Some(Record::Accounts(
                self.accounts
                    .values()
                    .filter(|a| after.as_ref().is_none_or(|after| a.username > *after))
                    .take(*limit as usize)
                    .cloned()
                    .collect(),
            )),
            Query::Session { hash } => self.sessions.get(hash).cloned().map(Record::Session),
            Query::Consent { id } => self.consents.get(id).cloned().map(Record::Consent),
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
                Effect::PutToken(_) => self.tokens.contains_key(&hash),
                _ => self.devices.contains_key(&hash),
            };
            let repeated = effects[..i].iter().any(|earlier| key(earlier) == Some((kind, hash)));
            (stored || repeated).then_some(kind)
        })
    }

    fn put_token(&mut self, record: TokenRecord) {
        // Replacing a token keeps its insertion order and its index entries.
        if let Some(existing) = self.tokens.get_mut(&record.hash) {
            existing.record = record;
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let hash = record.hash;
        self.by_family.entry(record.family).or_default().push(hash);
        if let Some(parent) = record.parent {
            self.by_parent.entry(parent).or_default().push(hash);
        }
        match self.by_client.get_mut(&record.client_id) {
            Some(list) => list.push(hash),
            None => {
                self.by_client.insert(record.client_id.clone(), vec![hash]);
            }
        }
        self.tokens.insert(hash, StoredToken { seq, record });
    }

    fn revoke(&mut self, hash: &TokenHash, at: UnixTime) {
        if let Some(token) = self.tokens.get_mut(hash) {
            token.record.revoked_at.get_or_insert(at);
        }
    }

    fn apply(&mut self, effect: &Effect) {
        match effect {
            Effect::PutClient(client) => self.put_client(client.clone()),
            Effect::DeleteClient { client_id, at } => {
                self.remove_client(client_id);
                for hash in self.by_client.get(client_id).cloned().unwrap_or_default() {
                    self.revoke(&hash, *at);
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
            Effect::PutToken(token) => self.put_token(token.clone()),
            Effect::RotateToken { hash, at } => {
                if let Some(token) = self.tokens.get_mut(hash) {
                    token.record.rotated_at.get_or_insert(*at);
                }
            }
            Effect::RevokeToken { hash, at } => self.revoke(hash, *at),
            Effect::RevokeFamily { family, at } => {
                for hash in self.by_family.get(family).cloned().unwrap_or_default() {
                    self.revoke(&hash, *at);
                }
            }
            Effect::RevokeDescendants { parent, at } => {
                let mut pending = self.by_parent.get(parent).cloned().unwrap_or_default();
                while let Some(hash) = pending.pop() {
                    if let Some(token) = self.tokens.get_mut(&hash) {
                        let record = &mut token.record;
                        if record.revoked_at.is_none() {
                            record.revoked_at = Some(*at);
                            if record.kind == TokenKind::Refresh {
                                record.rotated_at.get_or_insert(*at);
                            }
                        }
                    }
                    pending.extend(self.by_parent.get(&hash).into_iter().flatten().copied());
                }
            }
            Effect::RevokeOldest { kind, owner, keep, at } => {
                let candidates: Vec<TokenHash> = match owner {
                    TokenOwner::Family { family } => {
                        self.by_family.get(family).cloned().unwrap_or_default()
                    }
                    TokenOwner::Client { client_id }
                    | TokenOwner::ClientSubject { client_id, .. } => {
                        self.by_client.get(client_id).cloned().unwrap_or_default()
                    }
                };
                let mut live: Vec<(UnixTime, u64, TokenHash)> = candidates
                    .iter()
                    .filter_map(|hash| self.tokens.get(hash))
                    .filter(|t| {
                        t.record.kind == *kind && owner.owns(&t.record) && t.record.is_active(*at)
                    })
                    .map(|t| (t.record.issued_at, t.seq, t.record.hash))
                    .collect();
                live.sort_unstable();
                let excess = live.len().saturating_sub(*keep as usize);
                for (_, _, hash) in live.into_iter().take(excess) {
                    self.revoke(&hash, *at);
                }
            }
            Effect::AppendAudit(event) => self.audit.push(event.clone()),
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
                for hash in self.by_client.get(client_id).cloned().unwrap_or_default() {
                    if let Some(token) = self.tokens.get_mut(&hash)
                        && token.record.subject.as_deref() == Some(subject.as_str())
                    {
                        token.record.revoked_at.get_or_insert(*at);
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
            let found = state.record(&precondition.subject());
            if !precondition.holds(found.as_ref()) {
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
