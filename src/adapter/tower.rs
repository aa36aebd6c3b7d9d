//! A [`tower_service::Service`] that answers HTTP requests with the core,
//! over any [`AsyncStore`]: mount it in axum, serve it with hyper, wrap it
//! in tower layers.
//!
//! [`OAuthService`] accepts `http::Request<B>` for any [`http_body::Body`]
//! and answers `http::Response<Full<Bytes>>`. It never fails (its error
//! type is [`Infallible`]): every outcome, including a store failure or a
//! panic, is an HTTP response. It brings no runtime and no server; a
//! complete hyper server is in `examples/tower_server.rs`.
//!
//! What it does per request:
//!
//! * **Body limit.** The body is collected up to
//!   [`Config::max_body_bytes`](crate::Config::max_body_bytes). A body that
//!   declares a larger size (its `size_hint`, which hyper takes from
//!   `Content-Length`) is not read at all; a body that streams past the
//!   limit is read no further than the frame that crossed it. Either way
//!   the core gets a stand-in body one byte over its limit and answers as
//!   it always does: 405 for a wrong method, 400 for a wrong content
//!   type, otherwise **413** with `invalid_request`.
//! * **Request ids.** An incoming `x-request-id` of up to 32 hex digits or
//!   a hyphenated UUID is used (and echoed as sent); otherwise a random
//!   128-bit id is generated. Either way it goes into the
//!   [`Context`], hence into audit events, and into the
//!   response's `x-request-id` header.
//! * **Peer address.** Taken from a [`std::net::SocketAddr`] in the
//!   request's extensions. hyper users insert it when they accept the
//!   connection (see the example). axum's `ConnectInfo<SocketAddr>` is an
//!   axum type this crate cannot see: copy it into a plain `SocketAddr`
//!   extension with a `map_request` middleware, or go without (the audit
//!   events then carry no peer).
//! * **Failures.** Store errors are already answers (`server_error` 500,
//!   `temporarily_unavailable` 503) from the driver. A panic while driving
//!   the exchange (a store bug) is caught at the response future and
//!   answered with a 500 `server_error`; the service stays usable, but a
//!   store must then itself cope with whatever state the panic left (the
//!   [`MemoryStore`](crate::store::MemoryStore) does). A body that fails to
//!   arrive (broken chunked encoding, a dropped connection) is a 400.
//! * **Time-outs** belong to the server: configure hyper's
//!   `header_read_timeout`, or a timeout layer, for slow clients.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use bytes::{Buf, Bytes};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use tower_service::Service;

use super::context::{REQUEST_ID_HEADER, context_for, response_request_id};
use super::fallback;
use crate::store::AsyncStore;
use crate::{Context, Server, drive_async};

/// An OAuth 2.1 authorization server as a tower service: the core's
/// [`Server`] over an [`AsyncStore`]. Cheap to clone (one `Arc`).
pub struct OAuthService<S> {
    shared: Arc<Shared<S>>,
}

struct Shared<S> {
    server: Server,
    store: S,
}

impl<S> OAuthService<S> {
    /// A service answering with `server` over `store`.
    pub fn new(server: Server, store: S) -> Self {
        Self { shared: Arc::new(Shared { server, store }) }
    }

    /// The core it drives.
    pub fn server(&self) -> &Server {
        &self.shared.server
    }

    /// The store it drives the core over.
    pub fn store(&self) -> &S {
        &self.shared.store
    }
}

impl<S> Clone for OAuthService<S> {
    fn clone(&self) -> Self {
        Self { shared: Arc::clone(&self.shared) }
    }
}

impl<S> std::fmt::Debug for OAuthService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthService").field("server", &self.shared.server).finish_non_exhaustive()
    }
}

impl<S, B> Service<Request<B>> for OAuthService<S>
where
    S: AsyncStore + Send + Sync + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> ResponseFuture {
        let incoming = request.headers().get(REQUEST_ID_HEADER).cloned();
        let peer = request.extensions().get::<SocketAddr>().map(SocketAddr::ip);
        let (answer, request_id): (Pin<Box<dyn Future<Output = _> + Send>>, _) =
            match context_for(peer, incoming.as_ref()) {
                Ok(ctx) => {
                    let request_id = response_request_id(incoming.as_ref(), &ctx);
                    let shared = Arc::clone(&self.shared);
                    (Box::pin(answer(shared, request, ctx)), request_id)
                }
                Err(_) => {
                    let response = fallback::entropy_unavailable();
                    (Box::pin(std::future::ready(response)), HeaderValue::from_static("0"))
                }
            };
        ResponseFuture { answer, request_id }
    }
}

/// Collects the body within the limit, drives the exchange, returns the
/// core's response.
async fn answer<S, B>(
    shared: Arc<Shared<S>>,
    request: Request<B>,
    ctx: Context,
) -> Response<Vec<u8>>
where
    S: AsyncStore + Send + Sync,
    B: Body,
{
    let (parts, body) = request.into_parts();
    let limit = shared.server.config().max_body_bytes();
    let Some(body) = collect_body(body, limit).await else {
        return unreadable_body();
    };
    let request = Request::from_parts(parts, body);
    fallback::reply_into_http(drive_async(&shared.server, &shared.store, &request, ctx).await)
}

/// A request body collected for the core the way [`OAuthService`] does it,
/// for a host that drives an exchange itself (to render the
/// [`Interaction`](crate::Interaction) of an authorization request, say).
///
/// The whole body when it is at most `limit` bytes (pass
/// [`Config::max_body_bytes`](crate::Config::max_body_bytes)). A longer
/// body is read no further than described in the module docs and replaced
/// by a stand-in one byte over the limit, so the core answers it exactly
/// as [`OAuthService`] would (405, 400, or 413 `invalid_request`). `None`
/// when the body fails to arrive: answer [`unreadable_body`].
pub async fn collect_body<B: Body>(body: B, limit: usize) -> Option<Vec<u8>> {
    match collect_within(body, limit).await {
        Ok(Some(bytes)) => Some(bytes),
        Ok(None) => Some(fallback::over_limit_body(limit)),
        Err(()) => None,
    }
}

/// The 400 `invalid_request` that [`OAuthService`] answers when a request
/// body fails to arrive (broken chunked encoding, a dropped connection).
pub fn unreadable_body() -> Response<Vec<u8>> {
    let description = "the request body could not be read";
    crate::response::json_error(
        StatusCode::BAD_REQUEST,
        crate::ErrorCode::InvalidRequest,
        description,
    )
}

/// The whole body if it is at most `limit` bytes; `None` as soon as it is
/// known to be longer (from its size hint, before reading anything, or
/// from the frame that crosses the limit); `Err` if it fails to arrive.
async fn collect_within<B: Body>(body: B, limit: usize) -> Result<Option<Vec<u8>>, ()> {
    let hint = body.size_hint();
    if usize::try_from(hint.lower()).map_or(true, |lower| lower > limit) {
        return Ok(None);
    }
    let capacity = usize::try_from(hint.lower()).unwrap_or(0);
    let mut collected = Vec::with_capacity(capacity);
    let mut body = std::pin::pin!(body);
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| ())?.into_data() else {
            continue; // trailers carry nothing the core reads
        };
        let mut data = data;
        if collected.len().saturating_add(data.remaining()) > limit {
            return Ok(None);
        }
        while data.has_remaining() {
            let chunk = data.chunk();
            collected.extend_from_slice(chunk);
            let read = chunk.len();
            data.advance(read);
        }
    }
    Ok(Some(collected))
}

/// The response future of [`OAuthService`]. It always resolves to a
/// response: a panic while driving the exchange becomes a 500.
pub struct ResponseFuture {
    answer: Pin<Box<dyn Future<Output = Response<Vec<u8>>> + Send>>,
    request_id: HeaderValue,
}

impl std::fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

impl Future for ResponseFuture {
    type Output = Result<Response<Full<Bytes>>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // After a panic the inner future is never polled again: this
        // future is ready, and a ready future must not be polled.
        let response = match catch_unwind(AssertUnwindSafe(|| this.answer.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(response)) => response,
            Err(_panic) => fallback::panicked(),
        };
        let mut response = response.map(|body| Full::new(Bytes::from(body)));
        response.headers_mut().insert(REQUEST_ID_HEADER, this.request_id.clone());
        Poll::Ready(Ok(response))
    }
}
