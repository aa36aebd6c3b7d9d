//! The drivers: the whole driving loop over a [`Store`] or an
//! [`AsyncStore`], written once for every input.
//!
//! * [`drive`] and [`drive_async`] run an exchange to its [`Reply`] and
//!   apply its best-effort effects (their failure ignored).
//! * [`drive_deferred`] and [`drive_deferred_async`] stop at the
//!   [`Respond`] and leave its best-effort effects to the host, for hosts
//!   that write them later (in a batch, off the request path).
//!
//! A store failure becomes the exchange's own answer to it
//! (`temporarily_unavailable`, `server_error`, or a redirect telling the
//! client); an adapter bug ([`ApiMisuse`](crate::ApiMisuse): answers that
//! do not echo their queries) ends the exchange with the 500 the misuse
//! carries.

use crate::input::Input;
use crate::store::{AsyncStore, Store, Transaction};
use crate::{Context, Reply, Respond, Server, Step};

/// Drives `input` to its reply over a blocking store, then applies the
/// best-effort effects.
///
/// `input` is an HTTP request (`&request`), a [`Decision`](crate::Decision),
/// a device prompt or decision, or a bearer check; see [`Input`].
pub fn drive<'a, S>(server: &Server, store: &S, input: impl Into<Input<'a>>, ctx: Context) -> Reply
where
    S: Store + ?Sized,
{
    let respond = drive_deferred(server, store, input, ctx);
    if !respond.best_effort.is_empty() {
        // Best effort by definition: a failure cannot change the reply.
        let _ = store.apply(&Transaction::unconditional(respond.best_effort));
    }
    respond.reply
}

/// Drives `input` to its reply over an asynchronous store; the same loop
/// as [`drive`].
pub async fn drive_async<'a, S>(
    server: &Server,
    store: &S,
    input: impl Into<Input<'a>>,
    ctx: Context,
) -> Reply
where
    S: AsyncStore + ?Sized,
{
    let respond = drive_deferred_async(server, store, input, ctx).await;
    if !respond.best_effort.is_empty() {
        let _ = store.apply(&Transaction::unconditional(respond.best_effort)).await;
    }
    respond.reply
}

/// Drives `input` until it responds over a blocking store, and hands back
/// the [`Respond`] with its best-effort effects unapplied.
pub fn drive_deferred<'a, S>(
    server: &Server,
    store: &S,
    input: impl Into<Input<'a>>,
    ctx: Context,
) -> Respond
where
    S: Store + ?Sized,
{
    let mut step = server.begin(input, ctx);
    loop {
        let next = match step {
            Step::Read(read) => match store.read(read.queries()) {
                Ok(answers) => read.resume(answers),
                Err(error) => return read.fail(&error),
            },
            Step::Commit(commit) => match store.apply(commit.transaction()) {
                Ok(outcome) => commit.resume(outcome),
                Err(error) => return commit.fail(&error),
            },
            Step::Respond(respond) => return respond,
        };
        step = match next {
            Ok(step) => step,
            Err(misuse) => return misuse.into_respond(),
        };
    }
}

/// [`drive_deferred`] over an asynchronous store.
pub async fn drive_deferred_async<'a, S>(
    server: &Server,
    store: &S,
    input: impl Into<Input<'a>>,
    ctx: Context,
) -> Respond
where
    S: AsyncStore + ?Sized,
{
    let mut step = server.begin(input, ctx);
    loop {
        let next = match step {
            Step::Read(read) => match store.read(read.queries()).await {
                Ok(answers) => read.resume(answers),
                Err(error) => return read.fail(&error),
            },
            Step::Commit(commit) => match store.apply(commit.transaction()).await {
                Ok(outcome) => commit.resume(outcome),
                Err(error) => return commit.fail(&error),
            },
            Step::Respond(respond) => return respond,
        };
        step = match next {
            Ok(step) => step,
            Err(misuse) => return misuse.into_respond(),
        };
    }
}
