//! The server's answer to the core's [`Query::User`] ("do these
//! credentials belong to a user?"), for the password grant and the sign-in
//! page alike: a store wrapper that reads the account
//! ([`Query::Account`]) from the database underneath, checks the password
//! against its argon2id hash ([`Passwords`]) and answers
//! [`Record::User`], or nothing for an unknown or disabled user or a
//! wrong password. A hash made with another cost than the configured one
//! is redone on the spot (committed under the account's revision, so a
//! concurrent change wins).
//!
//! Every other query and every transaction pass through unchanged.

use std::sync::Arc;

use crate::store::{
    AccountRecord, Answers, AsyncStore, Effect, Outcome, Password, Precondition, Query, Record,
    Store, StoreError, Transaction, UserRecord,
};

use crate::host::passwords::{Checked, Passwords};

/// A store whose [`Query::User`] answers come from its accounts.
#[derive(Clone)]
pub(crate) struct WithAccounts<S> {
    inner: S,
    passwords: Arc<Passwords>,
}

impl<S> WithAccounts<S> {
    /// `inner`, with passwords checked by `passwords`.
    pub(crate) fn new(inner: S, passwords: Arc<Passwords>) -> Self {
        Self { inner, passwords }
    }
}

/// `queries` with each [`Query::User`] replaced by the account it names,
/// or `None` when there is none to replace.
fn account_queries(queries: &[Query]) -> Option<Vec<Query>> {
    queries.iter().any(|q| matches!(q, Query::User { .. })).then(|| {
        queries
            .iter()
            .map(|query| match query {
                Query::User { username, .. } => Query::Account { username: username.clone() },
                other => other.clone(),
            })
            .collect()
    })
}

/// One password to check: the account read (if any) and what was typed.
struct Pending {
    account: Option<AccountRecord>,
    password: Password,
}

/// The checks the user queries among `queries` need, in order, from the
/// answers to [`account_queries`].
fn pending_checks(queries: &[Query], answers: &Answers) -> Vec<Pending> {
    queries
        .iter()
        .zip(answers.as_slice())
        .filter_map(|(query, answer)| match query {
            Query::User { password, .. } => Some(Pending {
                account: match &answer.record {
                    Some(Record::Account(account)) => Some(account.clone()),
                    _ => None,
                },
                password: password.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// The result of one check: the user to answer, and the account with a
/// fresh hash to store.
struct Outcomes {
    user: Option<UserRecord>,
    rehashed: Option<Transaction>,
}

/// Checks `pending` (blocking).
fn run_check(passwords: &Passwords, pending: &Pending) -> Result<Outcomes, StoreError> {
    let checked = passwords
        .check(pending.account.as_ref(), pending.password.expose())
        .map_err(StoreError::transient)?;
    let (Checked::Accepted { rehash }, Some(account)) = (checked, &pending.account) else {
        return Ok(Outcomes { user: None, rehashed: None });
    };
    let user = UserRecord { username: account.username.clone(), subject: account.subject.clone() };
    let rehashed = if rehash {
        passwords.hash(pending.password.expose()).ok().map(|hash| {
            let mut updated = account.clone();
            updated.password_hash = hash;
            updated.updated_at = crate::adapter::kit::now();
            updated.revision += 1;
            Transaction {
                preconditions: vec![Precondition::AccountRevision {
                    username: account.username.clone(),
                    revision: account.revision,
                }],
                effects: vec![Effect::PutAccount(updated)],
            }
        })
    } else {
        None
    };
    Ok(Outcomes { user: Some(user), rehashed })
}

/// The answers to `queries`: `answers` to the account queries, with each
/// user query answered by the next of `users`.
fn merged(queries: &[Query], answers: Answers, users: Vec<Option<UserRecord>>) -> Answers {
    let mut users = users.into_iter();
    queries
        .iter()
        .zip(answers.as_slice())
        .map(|(query, answer)| {
            let record = match query {
                Query::User { .. } => users.next().flatten().map(Record::User),
                _ => answer.record.clone(),
            };
            crate::store::Answer { query: query.clone(), record }
        })
        .collect()
}

/// Logs a rehash that could not be stored (the password still signed in).
fn log_rehash(outcome: Result<Outcome, StoreError>) {
    match outcome {
        Ok(Outcome::Applied) => tracing::info!("password rehashed with the configured cost"),
        Ok(Outcome::Conflict { .. }) => {}
        Err(error) => tracing::warn!(%error, "could not store the rehashed password"),
    }
}

impl<S: Store> Store for WithAccounts<S> {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        let Some(reads) = account_queries(queries) else {
            return self.inner.read(queries);
        };
        let answers = self.inner.read(&reads)?;
        let mut users = Vec::new();
        for pending in pending_checks(queries, &answers) {
            let outcome = run_check(&self.passwords, &pending)?;
            if let Some(transaction) = outcome.rehashed {
                log_rehash(self.inner.apply(&transaction));
            }
            users.push(outcome.user);
        }
        Ok(merged(queries, answers, users))
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        self.inner.apply(transaction)
    }
}

impl<S: AsyncStore + Sync> AsyncStore for WithAccounts<S> {
    async fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        let Some(reads) = account_queries(queries) else {
            return self.inner.read(queries).await;
        };
        let answers = self.inner.read(&reads).await?;
        let mut users = Vec::new();
        for pending in pending_checks(queries, &answers) {
            let passwords = Arc::clone(&self.passwords);
            let outcome = tokio::task::spawn_blocking(move || run_check(&passwords, &pending))
                .await
                .map_err(StoreError::permanent)??;
            if let Some(transaction) = outcome.rehashed {
                log_rehash(self.inner.apply(&transaction).await);
            }
            users.push(outcome.user);
        }
        Ok(merged(queries, answers, users))
    }

    async fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        self.inner.apply(transaction).await
    }
}
