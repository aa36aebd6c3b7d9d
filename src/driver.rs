//! The generic drivers: the whole driving loop over a [`Store`] or an
//! [`AsyncStore`], written once for every endpoint.

use http::Request;

use crate::store::{AsyncStore, Store, Transaction};
use crate::{BearerStep, BearerVerdict, Context, Reply, Respond, Scopes, Server, Step, UnixTime};

/// Drives one request to its reply over a blocking store.
///
/// Store failures become `server_error` / `temporarily_unavailable`
/// answers; an adapter bug (answers that do not echo their queries) becomes
/// a 500. Best-effort effects are applied after the reply is decided and
/// their failure is ignored.
pub fn drive<S, B>(server: &Server, store: &S, request: Request<B>, ctx: Context) -> Reply
where
    S: Store + ?Sized,
    B: AsRef<[u8]>,
{
    drive_step(store, server.begin(request, ctx))
}

/// Drives an exchange from any `step` to its reply over a blocking store;
/// the same loop as [`drive`]. Use it for the step that
/// [`Server::decide`] returns:
/// `drive_step(&store, server.decide(decision, ctx))`.
pub fn drive_step<S>(store: &S, step: Step) -> Reply
where
    S: Store + ?Sized,
{
    let respond = drive_to_respond(store, step);
    if !respond.best_effort.is_empty() {
        // Best effort by definition: a failure cannot change the reply.
        let _ = store.apply(&Transaction::unconditional(respond.best_effort));
    }
    respond.reply
}

/// Drives an exchange from any `step` until it responds, and hands back the
/// [`Respond`] with its best-effort effects unapplied — for hosts that
/// write those later (in a batch, off the request path).
pub fn drive_to_respond<S>(store: &S, mut step: Step) -> Respond
where
    S: Store + ?Sized,
{
    loop {
        let next = match step {
            Step::Read(read) => match store.read(read.queries()) {
                Ok(answers) => read.resume(answers),
                Err(error) => Ok(Step::Respond(read.fail(&error))),
            },
            Step::Commit(commit) => match store.apply(commit.transaction()) {
                Ok(outcome) => commit.resume(outcome),
                Err(error) => Ok(Step::Respond(commit.fail(&error))),
            },
            Step::Respond(respond) => return respond,
        };
        step = next.unwrap_or_else(|misuse| Step::Respond(Respond::for_misuse(&misuse)));
    }
}

/// Drives one request to its reply over an asynchronous store; the same
/// loop as [`drive`].
pub async fn drive_async<S, B>(
    server: &Server,
    store: &S,
    request: Request<B>,
    ctx: Context,
) -> Reply
where
    S: AsyncStore + ?Sized,
    B: AsRef<[u8]>,
{
    drive_step_async(store, server.begin(request, ctx)).await
}

/// Drives an exchange from any `step` to its reply over an asynchronous
/// store; the same loop as [`drive_step`].
pub async fn drive_step_async<S>(store: &S, step: Step) -> Reply
where
    S: AsyncStore + ?Sized,
{
    let respond = drive_to_respond_async(store, step).await;
    if !respond.best_effort.is_empty() {
        let _ = store.apply(&Transaction::unconditional(respond.best_effort)).await;
    }
    respond.reply
}

/// [`drive_to_respond`] over an asynchronous store.
pub async fn drive_to_respond_async<S>(store: &S, mut step: Step) -> Respond
where
    S: AsyncStore + ?Sized,
{
    loop {
        let next = match step {
            Step::Read(read) => match store.read(read.queries()).await {
                Ok(answers) => read.resume(answers),
                Err(error) => Ok(Step::Respond(read.fail(&error))),
            },
            Step::Commit(commit) => match store.apply(commit.transaction()).await {
                Ok(outcome) => commit.resume(outcome),
                Err(error) => Ok(Step::Respond(commit.fail(&error))),
            },
            Step::Respond(respond) => return respond,
        };
        step = next.unwrap_or_else(|misuse| Step::Respond(Respond::for_misuse(&misuse)));
    }
}

/// Verifies the bearer token of a resource request over a blocking store:
/// [`Server::verify_bearer`] driven to its verdict.
///
/// A store failure is denied with `503 temporarily_unavailable` or `500
/// server_error`; an answer that does not echo the query (a store bug)
/// with a 500 that reveals nothing.
pub fn verify_bearer<S, B>(
    server: &Server,
    store: &S,
    request: &Request<B>,
    required: &Scopes,
    now: UnixTime,
) -> BearerVerdict
where
    S: Store + ?Sized,
    B: AsRef<[u8]>,
{
    let verdict = match server.verify_bearer(request, required, now) {
        BearerStep::Read(read) => match store.read(read.queries()) {
            Ok(answers) => read.resume(answers),
            Err(error) => return BearerVerdict::Denied(read.fail(&error)),
        },
        BearerStep::Denied(response) => return BearerVerdict::Denied(response),
    };
    bearer_verdict(verdict)
}

/// Verifies the bearer token of a resource request over an asynchronous
/// store; the same as [`verify_bearer`].
pub async fn verify_bearer_async<S, B>(
    server: &Server,
    store: &S,
    request: &Request<B>,
    required: &Scopes,
    now: UnixTime,
) -> BearerVerdict
where
    S: AsyncStore + ?Sized,
    B: AsRef<[u8]>,
{
    let verdict = match server.verify_bearer(request, required, now) {
        BearerStep::Read(read) => match store.read(read.queries()).await {
            Ok(answers) => read.resume(answers),
            Err(error) => return BearerVerdict::Denied(read.fail(&error)),
        },
        BearerStep::Denied(response) => return BearerVerdict::Denied(response),
    };
    bearer_verdict(verdict)
}

/// The verdict of a bearer read, or the 500 of a misuse.
fn bearer_verdict(verdict: Result<BearerVerdict, crate::ApiMisuse>) -> BearerVerdict {
    verdict.unwrap_or_else(|misuse| BearerVerdict::for_misuse(&misuse))
}
