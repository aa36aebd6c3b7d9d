//! A tower layer for the routes of a protected resource (feature `tower`):
//! it checks the bearer token of every request before the route sees it,
//! answers the RFC 6750 challenges itself, and serves the resource's RFC
//! 9728 metadata document.
//!
//! ```text
//! GET <metadata path>         -> 200, the ProtectedResource document
//! a request, token valid      -> the inner service, with the Access in
//!                                the request's extensions
//! a request, token refused    -> 401 / 400 / 403 with WWW-Authenticate
//!                                (resource_metadata included when set)
//! ```
//!
//! The check is a [`CheckAccess`]: [`StoreCheck`] asks the authorization
//! server's store (opaque tokens, revocation seen at once), and, behind
//! feature `jwt`, [`JwtAccessVerifier`](crate::resource::JwtAccessVerifier)
//! verifies RFC 9068 JWT access tokens offline (revocation seen at
//! expiry). Both answer exactly the same challenges.
//!
//! Every answer carries `x-request-id` (the client's, when it sent a
//! usable one; see [`adapter::kit`](super::kit)). The layer reads the token
//! from the `Authorization` header only (RFC
//! 6750 §2.1): a token in a form body (§2.2) would need the body buffered
//! before the route reads it, so give the check a policy with
//! `accept_form_body: false`. The request body is passed on untouched.
//!
//! ```
//! # async fn example() {
//! use qscope::adapter::protect::{ProtectLayer, StoreCheck};
//! use qscope::resource::ProtectedResource;
//! use qscope::store::MemoryStore;
//! use qscope::{Access, Config, Scopes, Server};
//! use tower::ServiceBuilder;
//!
//! let resource = ProtectedResource::new("https://api.example.com/reports")
//!     .unwrap()
//!     .with_authorization_server("https://as.example.com")
//!     .unwrap();
//! let config = Config::builder("https://as.example.com")
//!     .bearer(resource.bearer_policy())
//!     .build()
//!     .unwrap();
//! let check = StoreCheck::new(Server::new(config), MemoryStore::new());
//! let layer = ProtectLayer::new(check, Scopes::from_names(["reports"])).with_metadata(&resource);
//! let route = tower::service_fn(|request: http::Request<String>| async move {
//!     let access = request.extensions().get::<Access>().cloned();
//!     Ok::<_, std::convert::Infallible>(http::Response::new(format!("{:?}", access.map(|a| a.client_id))))
//! });
//! let _service = ServiceBuilder::new().layer(layer).service(route);
//! # }
//! ```

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use http::{HeaderMap, Method, Request, Response, Uri};
use tower_layer::Layer;
use tower_service::Service;

use super::kit::{self, Arrival};
use crate::resource::ProtectedResource;
use crate::store::AsyncStore;
use crate::{Context, HttpRequest, Input, Reply, Scopes, Server, drive_async};

/// A bearer check the layer runs: it ends in [`Reply::Access`] (serve the
/// request) or [`Reply::Http`] (send that denial); any other reply is
/// answered `500`.
pub trait CheckAccess: Send + Sync + 'static {
    /// Checks the credentials of `request` (its method, target and
    /// headers; the body is empty) for every `required` scope.
    fn check<'a>(
        &'a self,
        request: HttpRequest<'a>,
        required: &'a Scopes,
        ctx: Context,
    ) -> impl Future<Output = Reply> + Send + 'a;
}

/// The store-backed check: the token's record read from the
/// authorization server's store ([`Input::Bearer`]), so a revoked token is
/// refused at once. The challenges follow the server's
/// [`Config::bearer`](crate::Config::bearer) policy.
#[derive(Clone, Debug)]
pub struct StoreCheck<S> {
    server: Server,
    store: S,
    audience: Option<String>,
}

impl<S> StoreCheck<S> {
    /// Checks tokens issued by `server` against `store`.
    pub fn new(server: Server, store: S) -> Self {
        Self { server, store, audience: None }
    }

    /// The same check for the resource whose indicator is `resource`
    /// (RFC 8707): only tokens whose audience names it pass
    /// ([`Input::bearer_for`]).
    #[must_use]
    pub fn for_resource(mut self, resource: impl Into<String>) -> Self {
        self.audience = Some(resource.into());
        self
    }
}

impl<S: AsyncStore + Send + Sync + 'static> CheckAccess for StoreCheck<S> {
    fn check<'a>(
        &'a self,
        request: HttpRequest<'a>,
        required: &'a Scopes,
        ctx: Context,
    ) -> impl Future<Output = Reply> + Send + 'a {
        let audience = self.audience.as_deref();
        drive_async(&self.server, &self.store, Input::Bearer { request, required, audience }, ctx)
    }
}

#[cfg(feature = "jwt")]
impl CheckAccess for crate::resource::JwtAccessVerifier {
    fn check<'a>(
        &'a self,
        request: HttpRequest<'a>,
        required: &'a Scopes,
        ctx: Context,
    ) -> impl Future<Output = Reply> + Send + 'a {
        std::future::ready(self.verify_request(request, required, ctx.now))
    }
}

/// The layer: every request through it needs a token carrying `required`.
/// Cheap to clone.
pub struct ProtectLayer<C> {
    shared: Shared<C>,
}

/// What the layer and each of its services hold, shared.
struct Shared<C> {
    check: Arc<C>,
    required: Scopes,
    /// The metadata path and its response, rendered once.
    metadata: Option<Arc<(String, Response<Vec<u8>>)>>,
}

impl<C> Clone for Shared<C> {
    fn clone(&self) -> Self {
        Self {
            check: Arc::clone(&self.check),
            required: self.required.clone(),
            metadata: self.metadata.clone(),
        }
    }
}

impl<C> ProtectLayer<C> {
    /// Requires a token that passes `check` and carries every `required`
    /// scope.
    pub fn new(check: C, required: Scopes) -> Self {
        Self { shared: Shared { check: Arc::new(check), required, metadata: None } }
    }

    /// Also answers `GET` at the resource's
    /// [`metadata_path`](ProtectedResource::metadata_path) with its
    /// document (RFC 9728 §3), without a token.
    #[must_use]
    pub fn with_metadata(mut self, resource: &ProtectedResource) -> Self {
        let rendered = (resource.metadata_path(), resource.metadata_response());
        self.shared.metadata = Some(Arc::new(rendered));
        self
    }
}

impl<C> Clone for ProtectLayer<C> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone() }
    }
}

impl<C> std::fmt::Debug for ProtectLayer<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtectLayer")
            .field("required", &self.shared.required)
            .field("metadata_path", &self.shared.metadata.as_ref().map(|m| &m.0))
            .finish_non_exhaustive()
    }
}

impl<C, I> Layer<I> for ProtectLayer<C> {
    type Service = Protect<C, I>;

    fn layer(&self, inner: I) -> Protect<C, I> {
        Protect { shared: self.shared.clone(), inner }
    }
}

/// The service [`ProtectLayer`] wraps around a route.
pub struct Protect<C, I> {
    shared: Shared<C>,
    inner: I,
}

impl<C, I: Clone> Clone for Protect<C, I> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone(), inner: self.inner.clone() }
    }
}

impl<C, I> std::fmt::Debug for Protect<C, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Protect").field("required", &self.shared.required).finish_non_exhaustive()
    }
}

/// The response future of [`Protect`].
pub type ProtectFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<C, I, B, R> Service<Request<B>> for Protect<C, I>
where
    C: CheckAccess,
    I: Service<Request<B>, Response = Response<R>> + Clone + Send + 'static,
    I::Future: Send,
    I::Error: Send + 'static,
    B: Send + 'static,
    R: From<Vec<u8>> + Send + 'static,
{
    type Response = Response<R>;
    type Error = I::Error;
    type Future = ProtectFuture<Response<R>, I::Error>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), I::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        if let Some(metadata) = &self.shared.metadata
            && request.method() == Method::GET
            && is_metadata_request(request.uri(), &metadata.0)
        {
            let response = metadata.1.clone().map(R::from);
            return Box::pin(std::future::ready(Ok(response)));
        }
        // The clone that was made ready serves this request (tower's
        // readiness contract); the fresh clone waits for the next one.
        let fresh = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, fresh);
        let shared = self.shared.clone();
        Box::pin(async move {
            let peer = request.extensions().get::<SocketAddr>().map(SocketAddr::ip);
            let Ok(arrival) = Arrival::of(request.headers(), peer) else {
                return Ok(kit::entropy_unavailable().map(R::from));
            };
            let (ctx, request_id) = arrival.into_parts();
            let reply = check(&shared, request.method(), request.uri(), request.headers(), ctx);
            match reply.await {
                Reply::Access(access) => {
                    request.extensions_mut().insert(access);
                    Ok(kit::tag(inner.call(request).await?, &request_id))
                }
                Reply::Http(denial) => Ok(kit::tag(denial, &request_id).map(R::from)),
                _ => Ok(kit::tag(crate::response::internal_error(), &request_id).map(R::from)),
            }
        })
    }
}

/// Runs the check on the request's head: the body stays with the request.
fn check<'a, C: CheckAccess>(
    shared: &'a Shared<C>,
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    ctx: Context,
) -> impl Future<Output = Reply> + Send + 'a {
    let request = HttpRequest::new(method, uri, headers, &[]);
    shared.check.check(request, &shared.required, ctx)
}

/// Whether `uri` asks for the metadata at `path` (which carries the
/// resource identifier's query, if it has one).
fn is_metadata_request(uri: &Uri, path: &str) -> bool {
    match path.split_once('?') {
        Some((path, query)) => uri.path() == path && uri.query() == Some(query),
        None => uri.path() == path && uri.query().is_none(),
    }
}
