//! The exchange: one request driven through `Read`, `Commit` and `Respond`
//! steps until it is answered.
//!
//! Each step is an owned continuation: `resume` consumes it, so a step can
//! be answered once and never skipped. The core decides every response
//! only after the commits it depends on were reported applied.

use std::sync::Arc;

use http::{Response, StatusCode};

use crate::authorization::Interaction;
use crate::device::DeviceReply;
use crate::endpoint::{
    authorize, client_management, decide, device_authorization, device_verification, introspect,
    par, register, revoke, token,
};
use crate::error::{ApiMisuse, OAuthError};
use crate::store::{
    Answers, AuditAction, AuditEvent, Effect, Outcome, Query, StoreError, Transaction,
};
use crate::{Config, Context, ErrorCode, response};

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
    exchange: Exchange,
    state: ReadState,
}

/// A pause for a transaction that must be made durable before the
/// exchange can continue.
#[must_use = "a commit must be applied and resumed with its outcome"]
#[derive(Debug)]
pub struct Commit {
    transaction: Transaction,
    exchange: Exchange,
    state: CommitState,
}

/// The end of an exchange: the reply, and effects to apply on a best-effort
/// basis (their failure must not change the reply, e.g. the audit event of
/// a refused request).
#[must_use = "the reply must be sent"]
#[derive(Debug)]
pub struct Respond {
    /// What to send back.
    pub reply: Reply,
    /// Effects to apply without preconditions; failures may be logged and
    /// otherwise ignored.
    pub best_effort: Vec<Effect>,
}

/// The final answer of an exchange.
#[derive(Debug)]
#[non_exhaustive]
pub enum Reply {
    /// An HTTP response to send as is.
    Http(Response<Vec<u8>>),
    /// A valid authorization request waiting for the resource owner: the
    /// host renders its login and consent page from it, then reports the
    /// outcome with [`Server::decide`](crate::Server::decide).
    Interaction(Interaction),
    /// The answer to the host's device verification page (RFC 8628 §3.3),
    /// from [`Server::device_prompt`](crate::Server::device_prompt) or
    /// [`Server::decide_device`](crate::Server::decide_device).
    Device(DeviceReply),
}

impl Reply {
    /// The HTTP response, or `None` for an [`Interaction`].
    pub fn into_http(self) -> Option<Response<Vec<u8>>> {
        match self {
            Self::Http(response) => Some(response),
            Self::Interaction(_) | Self::Device(_) => None,
        }
    }

    /// The HTTP response by reference, or `None` for an [`Interaction`].
    pub fn http(&self) -> Option<&Response<Vec<u8>>> {
        match self {
            Self::Http(response) => Some(response),
            Self::Interaction(_) | Self::Device(_) => None,
        }
    }

    /// The interaction, or `None` for an HTTP response.
    pub fn into_interaction(self) -> Option<Interaction> {
        match self {
            Self::Interaction(interaction) => Some(interaction),
            Self::Http(_) | Self::Device(_) => None,
        }
    }

    /// The interaction by reference, or `None` for an HTTP response.
    pub fn interaction(&self) -> Option<&Interaction> {
        match self {
            Self::Interaction(interaction) => Some(interaction),
            Self::Http(_) | Self::Device(_) => None,
        }
    }
}

/// Where a paused exchange resumes after a read.
#[derive(Debug)]
pub(crate) enum ReadState {
    Token(token::ReadState),
    Revoke(revoke::ReadState),
    Introspect(introspect::ReadState),
    Authorize(authorize::ReadState),
    Decide(decide::ReadState),
    Par(par::ReadState),
    TokenUser(token::UserReadState),
    DeviceAuthorization(device_authorization::ReadState),
    DeviceVerification(device_verification::ReadState),
    ClientManagement(client_management::ReadState),
}

/// Where a paused exchange resumes after a commit.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "the token endpoint's state is the hot path; boxing it would cost an allocation per request"
)]
pub(crate) enum CommitState {
    Token(token::CommitState),
    Revoke(revoke::CommitState),
    Authorize(authorize::CommitState),
    Decide(decide::CommitState),
    Par(par::CommitState),
    DeviceAuthorization(device_authorization::CommitState),
    DeviceVerification(device_verification::CommitState),
    Registration(register::CommitState),
    ClientManagement(client_management::CommitState),
}

/// What every step of one exchange carries: the policy, the request's
/// context, and the step count.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) config: Arc<Config>,
    pub(crate) ctx: Context,
    steps: usize,
}

impl Exchange {
    pub(crate) fn new(config: Arc<Config>, ctx: Context) -> Self {
        Self { config, ctx, steps: 0 }
    }

    fn next(mut self) -> Self {
        self.steps += 1;
        self
    }

    /// Pauses for `queries`.
    pub(crate) fn read(self, queries: Vec<Query>, state: ReadState) -> Step {
        Step::Read(Read { queries, exchange: self.next(), state })
    }

    /// Pauses for `transaction`.
    pub(crate) fn commit(self, transaction: Transaction, state: CommitState) -> Step {
        Step::Commit(Commit { transaction, exchange: self.next(), state })
    }

    /// Ends the exchange with `response` and best-effort `effects`.
    pub(crate) fn respond(self, response: Response<Vec<u8>>, best_effort: Vec<Effect>) -> Step {
        Step::Respond(Respond { reply: Reply::Http(response), best_effort })
    }

    /// Ends the exchange with an answer for the host's device page.
    pub(crate) fn reply(self, reply: DeviceReply, best_effort: Vec<Effect>) -> Step {
        Step::Respond(Respond { reply: Reply::Device(reply), best_effort })
    }

    /// Ends the exchange with an interaction for the host.
    pub(crate) fn interact(self, interaction: Interaction) -> Step {
        Step::Respond(Respond { reply: Reply::Interaction(interaction), best_effort: Vec::new() })
    }

    /// An audit event stamped with this request's time, id and peer.
    pub(crate) fn audit(&self, action: AuditAction) -> AuditEvent {
        AuditEvent {
            at: self.ctx.now,
            request_id: self.ctx.request_id,
            peer: self.ctx.peer,
            action,
            client_id: None,
            subject: None,
            grant_type: None,
            family: None,
            error: None,
            reason: None,
        }
    }

    fn check_bound(&self) -> Result<(), ApiMisuse> {
        if self.steps >= MAX_STEPS { Err(ApiMisuse::StepBound) } else { Ok(()) }
    }
}

impl Read {
    /// The records needed, all in one batch.
    pub fn queries(&self) -> &[Query] {
        &self.queries
    }

    /// Continues with the store's answers, which must echo the queries in
    /// order; anything else is [`ApiMisuse`].
    pub fn resume(self, answers: Answers) -> Result<Step, ApiMisuse> {
        self.exchange.check_bound()?;
        let given = answers.as_slice();
        if given.len() != self.queries.len() {
            return Err(ApiMisuse::AnswerCount { expected: self.queries.len(), got: given.len() });
        }
        for (index, (answer, query)) in given.iter().zip(&self.queries).enumerate() {
            if answer.query != *query {
                return Err(ApiMisuse::AnswerKey { index });
            }
            if answer.record.as_ref().is_some_and(|record| !query.matches(record)) {
                return Err(ApiMisuse::AnswerRecord { index });
            }
        }
        Ok(match self.state {
            ReadState::Token(state) => token::on_read(self.exchange, state, answers.into_records()),
            ReadState::Revoke(state) => {
                revoke::on_read(self.exchange, state, answers.into_records())
            }
            ReadState::Introspect(state) => {
                introspect::on_read(self.exchange, state, answers.into_records())
            }
            ReadState::Authorize(state) => {
                authorize::on_read(self.exchange, state, answers.into_records())
            }
            ReadState::Decide(state) => {
                decide::on_read(self.exchange, state, answers.into_records())
            }
            ReadState::Par(state) => par::on_read(self.exchange, state, answers.into_records()),
            ReadState::TokenUser(state) => {
                token::on_user_read(self.exchange, state, answers.into_records())
            }
            ReadState::DeviceAuthorization(state) => {
                device_authorization::on_read(self.exchange, state, answers.into_records())
            }
            ReadState::DeviceVerification(state) => {
                device_verification::on_read(self.exchange, state, answers.into_records())
            }
            ReadState::ClientManagement(state) => {
                client_management::on_read(self.exchange, state, answers.into_records())
            }
        })
    }

    /// Ends the exchange because the store could not answer.
    pub fn fail(self, error: &StoreError) -> Respond {
        match self.state {
            ReadState::Authorize(state) => authorize::on_read_failure(&state, error),
            _ => store_failure(error),
        }
    }
}

impl Commit {
    /// The transaction to apply atomically.
    pub fn transaction(&self) -> &Transaction {
        &self.transaction
    }

    /// Continues with the outcome of applying the transaction. A conflict
    /// must name one of the transaction's own preconditions.
    pub fn resume(self, outcome: Outcome) -> Result<Step, ApiMisuse> {
        self.exchange.check_bound()?;
        if let Outcome::Conflict { failed, .. } = &outcome
            && !self.transaction.preconditions.contains(failed)
        {
            return Err(ApiMisuse::UnknownPrecondition);
        }
        Ok(match self.state {
            CommitState::Token(state) => token::on_commit(self.exchange, state, outcome),
            CommitState::Revoke(state) => revoke::on_commit(self.exchange, state, outcome),
            CommitState::Authorize(state) => authorize::on_commit(self.exchange, state, outcome),
            CommitState::Decide(state) => decide::on_commit(self.exchange, state, outcome),
            CommitState::Par(state) => par::on_commit(self.exchange, state, outcome),
            CommitState::DeviceAuthorization(state) => {
                device_authorization::on_commit(self.exchange, state, outcome)
            }
            CommitState::DeviceVerification(state) => {
                device_verification::on_commit(self.exchange, state, outcome)
            }
            CommitState::Registration(state) => register::on_commit(self.exchange, state, outcome),
            CommitState::ClientManagement(state) => {
                client_management::on_commit(self.exchange, state, outcome)
            }
        })
    }

    /// Ends the exchange because the store could not apply the transaction;
    /// it is treated as not applied, so nothing it would have issued is
    /// revealed. Where the redirect URI is already verified (authorization
    /// requests and decisions), the client is told by redirect (RFC 6749
    /// §4.1.2.1 `temporarily_unavailable` / `server_error`).
    pub fn fail(self, error: &StoreError) -> Respond {
        match self.state {
            CommitState::Authorize(state) => {
                authorize::on_commit_failure(&self.exchange, &state, error)
            }
            CommitState::Decide(state) => decide::on_commit_failure(&self.exchange, &state, error),
            _ => store_failure(error),
        }
    }
}

/// RFC 6749 §5.2 has no store-failure code at the token endpoint; the
/// authorization endpoint's `temporarily_unavailable` (503) and
/// `server_error` (500) say exactly what happened.
fn store_failure(error: &StoreError) -> Respond {
    Respond { reply: Reply::Http(response::error(&store_error(error))), best_effort: Vec::new() }
}

/// The protocol error that reports a store failure.
pub(crate) fn store_error(error: &StoreError) -> OAuthError {
    let code = if error.is_transient() {
        ErrorCode::TemporarilyUnavailable
    } else {
        ErrorCode::ServerError
    };
    let description = if error.is_transient() {
        "storage is temporarily unavailable; retry later"
    } else {
        "storage failed"
    };
    OAuthError::new(code, description)
}

impl Respond {
    /// The answer when an adapter misused the step API: a 500 that reveals
    /// nothing about the request.
    pub fn for_misuse(_misuse: &ApiMisuse) -> Self {
        let err = OAuthError::new(ErrorCode::ServerError, "internal error");
        let mut response = response::error(&err);
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        Self { reply: Reply::Http(response), best_effort: Vec::new() }
    }
}
