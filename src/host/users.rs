//! The server's user accounts in the store: reading them, and the
//! transactions that create, change and delete them (each under a
//! precondition, so that two administrators or servers changing one
//! account at once cannot both win). The demo user is made here too.

use crate::UnixTime;
use crate::store::{
    AccountRecord, AsyncStore, Effect, Outcome, PasswordHash, Precondition, Query, Record,
    StoreError, Transaction,
};

/// The demo user's name and password (`serve --demo` only).
pub const DEMO_USER: (&str, &str) = ("alice", "wonderland");

/// Why a user name cannot be used.
pub(crate) fn check_username(username: &str) -> Result<(), String> {
    if username.is_empty() || username.len() > 128 {
        return Err("a user name has 1 to 128 bytes".to_owned());
    }
    if username.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("a user name has no spaces or control characters".to_owned());
    }
    Ok(())
}

/// The account named `username`, if there is one.
pub(crate) async fn find(
    store: &impl AsyncStore,
    username: &str,
) -> Result<Option<AccountRecord>, StoreError> {
    let answers = store.read(&[Query::Account { username: username.to_owned() }]).await?;
    Ok(answers.as_slice().iter().find_map(|answer| match &answer.record {
        Some(Record::Account(account)) => Some(account.clone()),
        _ => None,
    }))
}

/// Whether the account `username` still exists, is enabled and has the
/// subject `subject` (what a signed-in session needs to go on acting).
pub(crate) async fn may_act(
    store: &impl AsyncStore,
    username: &str,
    subject: Option<&str>,
) -> Result<bool, StoreError> {
    Ok(find(store, username)
        .await?
        .is_some_and(|account| !account.disabled && Some(account.subject.as_str()) == subject))
}

/// Up to `limit` accounts after `after`, by name.
pub(crate) async fn page(
    store: &impl AsyncStore,
    after: Option<String>,
    limit: u32,
) -> Result<Vec<AccountRecord>, StoreError> {
    let answers = store.read(&[Query::Accounts { after, limit }]).await?;
    Ok(answers
        .as_slice()
        .iter()
        .find_map(|answer| match &answer.record {
            Some(Record::Accounts(page)) => Some(page.clone()),
            _ => None,
        })
        .unwrap_or_default())
}

/// Creates the account `username` for `subject`, only if the name is free.
pub(crate) fn create(
    username: &str,
    subject: &str,
    password_hash: PasswordHash,
    now: UnixTime,
) -> Transaction {
    let account = AccountRecord {
        username: username.to_owned(),
        subject: subject.to_owned(),
        password_hash,
        disabled: false,
        created_at: now,
        updated_at: now,
        revision: 1,
    };
    Transaction {
        preconditions: vec![Precondition::AccountAbsent { username: username.to_owned() }],
        effects: vec![Effect::PutAccount(account)],
    }
}

/// Replaces `read` by `change(read)`, only if nobody changed it since.
pub(crate) fn change(
    read: &AccountRecord,
    now: UnixTime,
    change: impl FnOnce(&mut AccountRecord),
) -> Transaction {
    let mut updated = read.clone();
    change(&mut updated);
    updated.updated_at = now;
    updated.revision = read.revision + 1;
    Transaction { preconditions: vec![unchanged(read)], effects: vec![Effect::PutAccount(updated)] }
}

/// Deletes `read`, only if nobody changed it since.
pub(crate) fn delete(read: &AccountRecord) -> Transaction {
    Transaction {
        preconditions: vec![unchanged(read)],
        effects: vec![Effect::DeleteAccount { username: read.username.clone() }],
    }
}

fn unchanged(read: &AccountRecord) -> Precondition {
    Precondition::AccountRevision { username: read.username.clone(), revision: read.revision }
}

/// Whether the store has no account at all.
pub(crate) async fn none(store: &impl AsyncStore) -> Result<bool, StoreError> {
    Ok(page(store, None, 1).await?.is_empty())
}

/// With no account in the store, creates the demo user
/// ([`DEMO_USER`]); `true` when this call created it.
pub(crate) async fn seed_demo(
    store: &impl AsyncStore,
    password_hash: PasswordHash,
) -> Result<bool, StoreError> {
    if !none(store).await? {
        return Ok(false);
    }
    let (username, _) = DEMO_USER;
    let now = crate::adapter::kit::now();
    let outcome = store.apply(&create(username, username, password_hash, now)).await?;
    Ok(outcome == Outcome::Applied)
}
