//! The store a fuzzed exchange is driven over: the seeded memory store,
//! with failures or a racing writer as the input asks, checking every
//! commit's preconditions and the step bound.

use std::cell::Cell;

use arbitrary::Arbitrary;
use qscope::MAX_STEPS;
use qscope::UnixTime;
use qscope::store::{
    Answers, MemoryStore, Outcome, Query, Store, StoreError, TokenHash, Transaction,
};

/// How the store behaves.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum StoreMode {
    Normal,
    FailReads {
        transient: bool,
    },
    FailCommits {
        transient: bool,
    },
    /// Something else consumes the code / rotates the token between the
    /// core's read and its commit.
    Race,
}

/// The memory store as the fuzzed exchange sees it: reads or commits fail
/// as `mode` says, or a concurrent exchange wins the race for the record a
/// commit guards; every commit's preconditions are checked, and an
/// exchange of more than [`MAX_STEPS`] steps (its respond included) panics.
pub struct FuzzStore<'s> {
    store: &'s MemoryStore,
    mode: StoreMode,
    now: UnixTime,
    steps: Cell<usize>,
    /// Whether a commit was applied.
    pub applied_commit: Cell<bool>,
}

impl<'s> FuzzStore<'s> {
    pub fn new(store: &'s MemoryStore, mode: StoreMode, now: UnixTime) -> Self {
        Self { store, mode, now, steps: Cell::new(0), applied_commit: Cell::new(false) }
    }

    fn step(&self) {
        self.steps.set(self.steps.get() + 1);
        assert!(self.steps.get() < MAX_STEPS, "exchange exceeded MAX_STEPS");
    }
}

impl Store for FuzzStore<'_> {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        self.step();
        match self.mode {
            StoreMode::FailReads { transient } => Err(failure(transient)),
            _ => Ok(self.store.read(queries).expect("memory read")),
        }
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        self.step();
        for precondition in &transaction.preconditions {
            assert!(precondition_is_consistent(transaction, precondition));
        }
        match self.mode {
            StoreMode::FailCommits { transient } => Err(failure(transient)),
            mode => {
                if matches!(mode, StoreMode::Race) {
                    interfere(self.store, transaction, self.now);
                }
                let outcome = self.store.apply(transaction).expect("memory apply");
                self.applied_commit.set(self.applied_commit.get() || outcome == Outcome::Applied);
                Ok(outcome)
            }
        }
    }
}

/// Every consumption or rotation is guarded by its precondition.
fn precondition_is_consistent(
    transaction: &Transaction,
    precondition: &qscope::store::Precondition,
) -> bool {
    use qscope::store::{Effect, Precondition};
    let guarded = |hash: &TokenHash| {
        transaction.preconditions.iter().any(|p| match p {
            Precondition::CodeUnconsumed { hash: h }
            | Precondition::TokenActive { hash: h }
            | Precondition::TokenNotRevoked { hash: h }
            | Precondition::PendingExists { hash: h }
            | Precondition::UserCodeAvailable { hash: h, .. }
            | Precondition::DeviceStatusIs { hash: h, .. } => h == hash,
            // The host's records: the core never guards by them.
            Precondition::ClientAbsent { .. }
            | Precondition::ClientRevision { .. }
            | Precondition::AccountAbsent { .. }
            | Precondition::AccountRevision { .. }
            | Precondition::SessionRevision { .. } => false,
        })
    };
    transaction.effects.iter().all(|effect| match effect {
        Effect::ConsumeCode { hash, .. }
        | Effect::RotateToken { hash, .. }
        | Effect::TakePending { hash }
        | Effect::ConsumeDevice { hash }
        | Effect::DecideDevice { hash, .. } => guarded(hash),
        Effect::PutDeviceGrant(grant) => guarded(&grant.user_code_hash),
        _ => true,
    }) && !matches!(precondition, Precondition::CodeUnconsumed { .. } if !transaction.effects.iter().any(|e| matches!(e, Effect::ConsumeCode { .. })))
}

/// Simulates a concurrent exchange that wins the race for the same record.
fn interfere(store: &MemoryStore, transaction: &Transaction, now: UnixTime) {
    use qscope::store::{Effect, Precondition};
    let effects: Vec<Effect> = transaction
        .preconditions
        .iter()
        .filter_map(|p| match p {
            Precondition::CodeUnconsumed { hash } => {
                Some(Effect::ConsumeCode { hash: *hash, at: now })
            }
            Precondition::TokenActive { hash } => {
                Some(Effect::RotateToken { hash: *hash, at: now })
            }
            Precondition::TokenNotRevoked { hash } => {
                Some(Effect::RevokeToken { hash: *hash, at: now })
            }
            Precondition::PendingExists { hash } => Some(Effect::TakePending { hash: *hash }),
            // Another live grant takes the same user code first.
            Precondition::UserCodeAvailable { hash, .. } => {
                transaction.effects.iter().find_map(|e| match e {
                    Effect::PutDeviceGrant(grant) if grant.user_code_hash == *hash => {
                        let mut rival = grant.clone();
                        rival.device_code_hash = TokenHash::of("rival-device-code");
                        Some(Effect::PutDeviceGrant(rival))
                    }
                    _ => None,
                })
            }
            Precondition::DeviceStatusIs { hash, .. } => Some(Effect::DecideDevice {
                hash: *hash,
                status: qscope::store::DeviceStatus::Denied,
                subject: None,
                granted_scopes: None,
            }),
            // Someone else deletes the client being changed.
            Precondition::ClientAbsent { .. } => None,
            Precondition::ClientRevision { client_id, .. } => {
                Some(Effect::DeleteClient { client_id: client_id.clone(), at: now })
            }
            // The host's records, which the core never commits under.
            Precondition::AccountAbsent { .. }
            | Precondition::AccountRevision { .. }
            | Precondition::SessionRevision { .. } => None,
        })
        .collect();
    let _ = store.apply(&Transaction::unconditional(effects));
}
fn failure(transient: bool) -> StoreError {
    let cause = std::io::Error::other("injected");
    if transient { StoreError::transient(cause) } else { StoreError::permanent(cause) }
}

/// The core accepts echoing answers and conflicts that name the
/// transaction's preconditions: the 500 of an [`ApiMisuse`](qscope::ApiMisuse)
/// never comes from this store.
pub fn not_misuse(response: &http::Response<Vec<u8>>) {
    if response.status() == 500 {
        let body: serde_json::Value = serde_json::from_slice(response.body()).expect("a JSON 500");
        assert_ne!(body["error_description"], "internal error", "the core refused its answers");
    }
}
