//! What starts an exchange: an [`Input`], handed to
//! [`Server::begin`](crate::Server::begin) or to a driver.

use std::fmt;

use http::{HeaderMap, Method, Request, Uri};

use crate::Scopes;
use crate::authorization::Decision;
use crate::device::DeviceDecision;

/// Everything the core is asked, one kind per variant. Each starts one
/// exchange, stepped and driven the same way.
///
/// The input is borrowed only while the exchange begins: the first
/// [`Step`](crate::Step) owns everything it needs, so the host keeps (and,
/// for a bearer check, goes on serving) its request.
#[non_exhaustive]
pub enum Input<'a> {
    /// An HTTP request to one of the server's endpoints; the path picks
    /// the endpoint ([`Endpoints`](crate::Endpoints)), an unknown path is
    /// answered `404`.
    Http(HttpRequest<'a>),
    /// The host's login and consent result for an
    /// [`Interaction`](crate::Interaction); ends in the redirect to the
    /// client.
    Decision(Decision),
    /// The user code a user typed on the host's device verification page
    /// (RFC 8628 §3.3); ends in [`Reply::Device`](crate::Reply::Device)
    /// with the prompt to show, or why the code cannot be used.
    DevicePrompt(&'a str),
    /// The user's decision on a device authorization; ends in
    /// [`Reply::Device`](crate::Reply::Device).
    DeviceDecision(DeviceDecision),
    /// A resource server's check of the bearer token of `request`, which
    /// must carry every scope in `required` (RFC 6750). Ends in
    /// [`Reply::Access`](crate::Reply::Access) when the token is valid,
    /// otherwise in [`Reply::Http`](crate::Reply::Http) with the denial to
    /// send. The check reads one record and writes nothing; the context's
    /// entropy is not used.
    Bearer {
        /// The request to the protected resource.
        request: HttpRequest<'a>,
        /// The scopes the resource needs.
        required: &'a Scopes,
        /// The resource indicator of the resource server (RFC 8707), when it
        /// states one: the token must then name it among its resources
        /// (its audience; RFC 6750 §5.3, RFC 9700 §2.3). A token without
        /// resources is refused too.
        audience: Option<&'a str>,
    },
}

impl<'a> Input<'a> {
    /// The bearer check of `request` for `required` ([`Input::Bearer`]).
    pub fn bearer<B: AsRef<[u8]>>(request: &'a Request<B>, required: &'a Scopes) -> Self {
        Self::Bearer { request: request.into(), required, audience: None }
    }

    /// The bearer check of `request` for `required` by the resource server
    /// whose resource indicator is `audience` ([`Input::Bearer`]): a token
    /// issued for another resource, or for none, is `invalid_token`.
    pub fn bearer_for<B: AsRef<[u8]>>(
        request: &'a Request<B>,
        required: &'a Scopes,
        audience: &'a str,
    ) -> Self {
        Self::Bearer { request: request.into(), required, audience: Some(audience) }
    }

    /// The user code typed on the device page ([`Input::DevicePrompt`]).
    pub fn device_prompt(user_code: &'a str) -> Self {
        Self::DevicePrompt(user_code)
    }
}

impl<'a, B: AsRef<[u8]>> From<&'a Request<B>> for Input<'a> {
    fn from(request: &'a Request<B>) -> Self {
        Self::Http(request.into())
    }
}

impl<'a> From<HttpRequest<'a>> for Input<'a> {
    fn from(request: HttpRequest<'a>) -> Self {
        Self::Http(request)
    }
}

impl From<Decision> for Input<'static> {
    fn from(decision: Decision) -> Self {
        Self::Decision(decision)
    }
}

impl From<DeviceDecision> for Input<'static> {
    fn from(decision: DeviceDecision) -> Self {
        Self::DeviceDecision(decision)
    }
}

/// Shows the kind of input and nothing secret: no body, no user code.
impl fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http(request) => f.debug_tuple("Http").field(request).finish(),
            Self::Decision(decision) => f.debug_tuple("Decision").field(decision).finish(),
            Self::DevicePrompt(_) => f.write_str("DevicePrompt(<redacted>)"),
            Self::DeviceDecision(decision) => {
                f.debug_tuple("DeviceDecision").field(decision).finish()
            }
            Self::Bearer { request, required, audience } => f
                .debug_struct("Bearer")
                .field("request", request)
                .field("required", required)
                .field("audience", audience)
                .finish(),
        }
    }
}

/// An HTTP request, borrowed: its method, URI, headers and body.
#[derive(Clone, Copy)]
pub struct HttpRequest<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

impl<'a> HttpRequest<'a> {
    /// A request of these parts, for a host that does not hold an
    /// [`http::Request`].
    pub fn new(method: &'a Method, uri: &'a Uri, headers: &'a HeaderMap, body: &'a [u8]) -> Self {
        Self { method, uri, headers, body }
    }

    /// The method.
    pub fn method(&self) -> &'a Method {
        self.method
    }

    /// The request target.
    pub fn uri(&self) -> &'a Uri {
        self.uri
    }

    /// The headers.
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// The whole body.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }
}

impl<'a, B: AsRef<[u8]>> From<&'a Request<B>> for HttpRequest<'a> {
    fn from(request: &'a Request<B>) -> Self {
        Self::new(request.method(), request.uri(), request.headers(), request.body().as_ref())
    }
}

/// Shows the method, the path and the body's length: the query, headers
/// and body may carry credentials.
impl fmt::Debug for HttpRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", self.method)
            .field("path", &self.uri.path())
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}
