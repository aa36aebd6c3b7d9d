//! The exchange: one [`Input`] driven through `Read`, `Commit` and
//! `Respond` steps until it is answered.
//!
//! Each step is an owned continuation: `resume` consumes it, so a step can
//! be answered once and never skipped. The core decides every response
//! only after the commits it depends on were reported applied. This file
//! is the protocol only: which endpoint runs, and how it continues, is the
//! dispatch's business (`endpoint::route`, `endpoint::Paused`).

use std::sync::Arc;

use crate::endpoint::flow::{Env, Next, Resumed};
use crate::endpoint::{Paused, route};
use crate::input::Input;
use crate::misuse::{ApiMisuse, MisuseKind};
use crate::reply::Respond;
use crate::store::{Answers, Outcome, Query, StoreError, Transaction};
use crate::{Config, Context};

/// No exchange takes more steps than this (reads, commits and the final
/// respond together). Drivers, tests and the fuzzer assert it.
pub const MAX_STEPS: usize = 8;

/// What the host must do next for an exchange.
#[must_use = "a step must be driven until the exchange responds"]
#[derive(Debug)]
pub enum Step {
    /// Read records from the store and [`Read::resume`] with the answers.
    Read(Read),
    /// Apply a transaction atomically and [`Commit::resume`] with the outcome.
    Commit(Commit),
    /// Send the reply; the exchange is over.
    Respond(Respond),
}

/// A pause for records the core needs: answer every query, in order.
#[must_use = "a read must be resumed with the store's answers"]
#[derive(Debug)]
pub struct Read {
    queries: Vec<Query>,
    paused: Paused,
    exchange: Exchange,
    unanswered: DropWarner,
}

/// A pause for a transaction that must be made durable before the
/// exchange can continue.
#[must_use = "a commit must be applied and resumed with its outcome"]
#[derive(Debug)]
pub struct Commit {
    transaction: Transaction,
    paused: Paused,
    exchange: Exchange,
    unanswered: DropWarner,
}

/// What every step of one exchange carries: the policy and context, and
/// the step count.
#[derive(Debug)]
struct Exchange {
    env: Env,
    steps: usize,
}

/// Starts the exchange for `input` under `config`.
pub(crate) fn begin(config: Arc<Config>, input: Input<'_>, ctx: Context) -> Step {
    let env = Env { config, ctx };
    let next = route(&env, input);
    Exchange { env, steps: 0 }.step(next)
}

impl Exchange {
    /// The step for what the endpoint asked next.
    fn step(mut self, next: Next<Paused>) -> Step {
        match next {
            Next::Read { queries, state } => {
                self.steps += 1;
                let unanswered = DropWarner::new("Read");
                Step::Read(Read { queries, paused: state, exchange: self, unanswered })
            }
            Next::Commit { transaction, state } => {
                self.steps += 1;
                let unanswered = DropWarner::new("Commit");
                Step::Commit(Commit { transaction, paused: state, exchange: self, unanswered })
            }
            Next::Respond(respond) => Step::Respond(respond),
        }
    }

    /// Continues `paused` with `resumed`, within the step bound.
    fn resume(self, paused: Paused, resumed: Resumed) -> Result<Step, ApiMisuse> {
        if self.steps >= MAX_STEPS {
            return Err(ApiMisuse::new(MisuseKind::StepBound));
        }
        let next = paused.resume(&self.env, resumed);
        Ok(self.step(next))
    }
}

impl Read {
    /// The records needed, all in one batch.
    pub fn queries(&self) -> &[Query] {
        &self.queries
    }

    /// Continues with the store's answers, which must echo the queries in
    /// order; anything else is [`ApiMisuse`], which ends the exchange.
    pub fn resume(self, answers: Answers) -> Result<Step, ApiMisuse> {
        let Self { queries, paused, exchange, unanswered } = self;
        unanswered.dismiss();
        let given = answers.as_slice();
        if given.len() != queries.len() {
            let kind = MisuseKind::AnswerCount { expected: queries.len(), got: given.len() };
            return Err(ApiMisuse::new(kind));
        }
        for (index, (answer, query)) in given.iter().zip(&queries).enumerate() {
            if answer.query != *query {
                return Err(ApiMisuse::new(MisuseKind::AnswerKey { index }));
            }
            if answer.record.as_ref().is_some_and(|record| !query.matches(record)) {
                return Err(ApiMisuse::new(MisuseKind::AnswerRecord { index }));
            }
        }
        exchange.resume(paused, Resumed::Read(answers.into_records()))
    }

    /// Ends the exchange because the store could not answer.
    pub fn fail(self, error: &StoreError) -> Respond {
        let Self { paused, exchange, unanswered, .. } = self;
        unanswered.dismiss();
        paused.fail(&exchange.env, error)
    }
}

impl Commit {
    /// The transaction to apply atomically.
    pub fn transaction(&self) -> &Transaction {
        &self.transaction
    }

    /// Continues with the outcome of applying the transaction. A conflict
    /// must name one of the transaction's own preconditions; anything else
    /// is [`ApiMisuse`], which ends the exchange.
    pub fn resume(self, outcome: Outcome) -> Result<Step, ApiMisuse> {
        let Self { transaction, paused, exchange, unanswered } = self;
        unanswered.dismiss();
        if let Outcome::Conflict { failed, .. } = &outcome
            && !transaction.preconditions.contains(failed)
        {
            return Err(ApiMisuse::new(MisuseKind::UnknownPrecondition));
        }
        exchange.resume(paused, Resumed::Commit(outcome))
    }

    /// Ends the exchange because the store could not apply the transaction;
    /// it is treated as not applied, so nothing it would have issued is
    /// revealed. Where the redirect URI is already verified (authorization
    /// requests and decisions), the client is told by redirect (RFC 6749
    /// §4.1.2.1 `temporarily_unavailable` / `server_error`).
    pub fn fail(self, error: &StoreError) -> Respond {
        let Self { paused, exchange, unanswered, .. } = self;
        unanswered.dismiss();
        paused.fail(&exchange.env, error)
    }
}

/// Warns, in debug builds, when a [`Read`] or [`Commit`] is dropped
/// without being resumed or failed: the exchange then never answered, and
/// for a commit the host cannot tell whether the transaction was meant to
/// be applied. Release builds carry nothing. (The same guard as
/// quinn-proto's `IncomingImproperDropWarner`.)
#[derive(Debug)]
struct DropWarner {
    #[cfg(debug_assertions)]
    step: &'static str,
}

impl DropWarner {
    #[cfg_attr(not(debug_assertions), expect(unused_variables, reason = "debug builds only"))]
    fn new(step: &'static str) -> Self {
        Self {
            #[cfg(debug_assertions)]
            step,
        }
    }

    /// The step was answered: no warning.
    fn dismiss(self) {
        std::mem::forget(self);
    }
}

#[cfg(debug_assertions)]
impl Drop for DropWarner {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        #[cfg(test)]
        dropped::note();
        eprintln!(
            "qscope: a {} step was dropped without resume or fail; the exchange never answered",
            self.step
        );
    }
}

/// Counts the warnings of this thread, for the tests below.
#[cfg(all(test, debug_assertions))]
mod dropped {
    use std::cell::Cell;

    thread_local! {
        static WARNINGS: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn note() {
        WARNINGS.with(|count| count.set(count.get() + 1));
    }

    pub(super) fn count() -> usize {
        WARNINGS.with(Cell::get)
    }
}

#[cfg(all(test, debug_assertions))]
mod tests {
    use super::*;
    use crate::store::{MemoryStore, Store};
    use crate::{Entropy, UnixTime};

    fn token_request() -> http::Request<Vec<u8>> {
        http::Request::post("/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"grant_type=client_credentials&client_id=c&client_secret=a-long-random-secret-from-ClientSecret-generate".to_vec())
            .expect("request")
    }

    fn first_step() -> Step {
        let config = Config::builder("https://as.example.com").build().expect("config");
        let ctx = Context::new(UnixTime::from_secs(1_700_000_000), Entropy::from_bytes([1; 32]));
        begin(Arc::new(config), Input::from(&token_request()), ctx)
    }

    #[test]
    fn a_dropped_read_warns_once() {
        let before = dropped::count();
        let Step::Read(read) = first_step() else { panic!("a token request reads first") };
        drop(read);
        assert_eq!(dropped::count(), before + 1);
    }

    #[test]
    fn an_answered_read_does_not_warn() {
        let before = dropped::count();
        let Step::Read(read) = first_step() else { panic!("a token request reads first") };
        let answers = MemoryStore::new().read(read.queries()).expect("memory read");
        let Ok(Step::Respond(_)) = read.resume(answers) else {
            panic!("an unknown client is refused at once")
        };
        let Step::Read(read) = first_step() else { panic!("a token request reads first") };
        let _ = read.fail(&StoreError::transient("down"));
        assert_eq!(dropped::count(), before);
    }

    #[test]
    fn a_dropped_commit_warns_once() {
        use crate::ClientSecret;
        use crate::store::{ClientAuthMethod, ClientRecord, GrantType};

        let store = MemoryStore::new();
        let secret = ClientSecret::new("a-long-random-secret-from-ClientSecret-generate");
        store.insert_client(
            ClientRecord::confidential("c", secret.hash(), ClientAuthMethod::ClientSecretPost)
                .with_grants([GrantType::ClientCredentials]),
        );
        let Step::Read(read) = first_step() else { panic!("a token request reads first") };
        let answers = store.read(read.queries()).expect("memory read");
        let Ok(Step::Commit(commit)) = read.resume(answers) else {
            panic!("a valid client credentials request commits its tokens")
        };
        let before = dropped::count();
        drop(commit);
        assert_eq!(dropped::count(), before + 1);
    }
}
