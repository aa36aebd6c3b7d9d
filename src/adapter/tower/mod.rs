//! A [`tower_service::Service`] that answers HTTP requests with the core,
//! over any [`AsyncStore`]: mount it in axum, serve it with hyper, wrap it
//! in tower layers. Feature **`tower`** (which includes the
//! [`kit`]); the manual chapter
//! [`embedding`](crate::manual::embedding) shows it in axum.
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
//!   response's `x-request-id` header (the kit's [`Arrival`]).
//! * **Login and consent.** A valid authorization request ends in an
//!   [`Interaction`](crate::Interaction), which the service hands to its
//!   [`InteractionHook`] to render; the hook's own pages report the user's
//!   [`Decision`](crate::Decision), which the service drives through the
//!   core to the redirect. Without a hook ([`NoInteraction`], the default)
//!   such a request is answered 501 `server_error`.
//! * **Peer address.** Taken from a [`std::net::SocketAddr`] in the
//!   request's extensions. hyper users insert it when they accept the
//!   connection (see the example). axum's `ConnectInfo<SocketAddr>` is an
//!   axum type this crate cannot see: copy it into a plain `SocketAddr`
//!   extension with a `map_request` middleware (`examples/axum.rs`), or go
//!   without (the audit events then carry no peer).
//! * **Routing.** The core picks the endpoint by the request's full path
//!   ([`Endpoints`](crate::Endpoints)), so mount the service where it sees
//!   the path the client sent: as axum's `fallback_service`, not under
//!   `nest` (which strips the prefix); see the manual chapter
//!   [`embedding`](crate::manual::embedding).
//! * **Failures.** Store errors are already answers (`server_error` 500,
//!   `temporarily_unavailable` 503) from the driver. A panic while driving
//!   the exchange or in the hook (a store or page bug) is caught at the
//!   response future ([`kit::CatchPanic`]) and answered with a
//!   500 `server_error`; the service stays usable, but a
//!   store must then itself cope with whatever state the panic left (the
//!   [`MemoryStore`](crate::store::MemoryStore) does). A body that fails to
//!   arrive (broken chunked encoding, a dropped connection) is a 400.
//! * **Time-outs** belong to the server: configure hyper's
//!   `header_read_timeout`, or a timeout layer, for slow clients.

mod body;
mod interaction;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http::header::CACHE_CONTROL;
use http::request::Parts;
use http::{HeaderValue, Request, Response};
use http_body::Body;
use http_body_util::Full;
use tower_service::Service;

/// The 400 the service answers for a body that fails to arrive (the kit's,
/// also at this path for hosts that collect bodies with [`collect_body`]).
pub use super::kit::unreadable_body;
pub use body::collect_body;
pub use interaction::{InteractionHook, NoInteraction, PageOutcome};

use super::kit::{self, Arrival, CatchPanic};
use crate::store::AsyncStore;
use crate::{Context, Input, Reply, Server, drive_async};

/// An OAuth 2.1 authorization server as a tower service: the core's
/// [`Server`] over an [`AsyncStore`], with an [`InteractionHook`] for the
/// login and consent page (none by default). Cheap to clone (two `Arc`s).
pub struct OAuthService<S, H = NoInteraction> {
    shared: Arc<Shared<S>>,
    hook: Arc<H>,
}

struct Shared<S> {
    server: Server,
    store: S,
}

impl<S> OAuthService<S> {
    /// A service answering with `server` over `store`, without a login
    /// page: a valid authorization request is answered 501 until
    /// [`with_interaction`](Self::with_interaction) plugs one in.
    pub fn new(server: Server, store: S) -> Self {
        Self { shared: Arc::new(Shared { server, store }), hook: Arc::new(NoInteraction) }
    }
}

impl<S, H> OAuthService<S, H> {
    /// The same service (same core, same store) with `hook` rendering its
    /// interactions and answering the paths it owns.
    pub fn with_interaction<G: InteractionHook>(self, hook: G) -> OAuthService<S, G> {
        OAuthService { shared: self.shared, hook: Arc::new(hook) }
    }

    /// The core it drives.
    pub fn server(&self) -> &Server {
        &self.shared.server
    }

    /// The store it drives the core over.
    pub fn store(&self) -> &S {
        &self.shared.store
    }

    /// Its interaction hook.
    pub fn hook(&self) -> &H {
        &self.hook
    }
}

impl<S, H> Clone for OAuthService<S, H> {
    fn clone(&self) -> Self {
        Self { shared: Arc::clone(&self.shared), hook: Arc::clone(&self.hook) }
    }
}

impl<S, H> std::fmt::Debug for OAuthService<S, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthService").field("server", &self.shared.server).finish_non_exhaustive()
    }
}

impl<S, H, B> Service<Request<B>> for OAuthService<S, H>
where
    S: AsyncStore + Send + Sync + 'static,
    H: InteractionHook,
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
        let peer = request.extensions().get::<SocketAddr>().map(SocketAddr::ip);
        let (answer, request_id): (Pin<Box<Answering>>, _) =
            match Arrival::of(request.headers(), peer) {
                Ok(arrival) => {
                    let (ctx, request_id) = arrival.into_parts();
                    let service = self.clone();
                    (Box::pin(async move { service.answer(request, ctx).await }), request_id)
                }
                Err(_) => (
                    Box::pin(std::future::ready(kit::entropy_unavailable())),
                    HeaderValue::from_static("0"),
                ),
            };
        ResponseFuture { answer: CatchPanic::new(answer), request_id }
    }
}

/// The future of one answer, before the panic guard and the request id.
type Answering = dyn Future<Output = Response<Vec<u8>>> + Send;

impl<S, H> OAuthService<S, H>
where
    S: AsyncStore + Send + Sync,
    H: InteractionHook,
{
    /// The answer to `request`: from the hook for the paths it owns,
    /// otherwise from the core (an interaction rendered by the hook).
    async fn answer<B: Body>(&self, request: Request<B>, ctx: Context) -> Response<Vec<u8>> {
        let (parts, body) = request.into_parts();
        let limit = self.server().config().max_body_bytes();
        if self.hook.owns(&parts) {
            let body = match body::collect_within(body, limit).await {
                Ok(Some(body)) => body,
                Ok(None) => return kit::body_too_large(limit),
                Err(()) => return unreadable_body(),
            };
            return match self.hook.receive(Request::from_parts(parts, body)).await {
                PageOutcome::Answer(page) => not_cached(page),
                PageOutcome::Decision(decision) => self.drive(decision, ctx).await,
            };
        }
        let Some(body) = collect_body(body, limit).await else {
            return unreadable_body();
        };
        let request = Request::from_parts(parts, body);
        match drive_async(self.server(), self.store(), &request, ctx).await {
            Reply::Interaction(interaction) => {
                let (parts, _): (Parts, _) = request.into_parts();
                not_cached(self.hook.render(interaction, &parts).await)
            }
            reply => kit::reply_into_http(reply),
        }
    }

    /// Drives `input` (a decision) through the core; its answer as HTTP.
    async fn drive(&self, input: impl Into<Input<'static>>, ctx: Context) -> Response<Vec<u8>> {
        kit::reply_into_http(drive_async(self.server(), self.store(), input, ctx).await)
    }
}

/// `page` with `Cache-Control: no-store` unless it says otherwise: a
/// login or consent page carries a session's secrets.
fn not_cached(mut page: Response<Vec<u8>>) -> Response<Vec<u8>> {
    if !page.headers().contains_key(CACHE_CONTROL) {
        page.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    page
}

/// The response future of [`OAuthService`]. It always resolves to a
/// response tagged with the request id: a panic while answering becomes
/// a 500.
pub struct ResponseFuture {
    answer: CatchPanic<Answering>,
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
        let Poll::Ready(response) = Pin::new(&mut this.answer).poll(cx) else {
            return Poll::Pending;
        };
        let response = kit::tag(response, &this.request_id);
        Poll::Ready(Ok(response.map(|body| Full::new(Bytes::from(body)))))
    }
}
