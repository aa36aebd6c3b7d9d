//! The host: routes each request to the demo's own pages (`/login`,
//! `/consent`, `/device`) or to the core, applies the request deadline and
//! the rate limits (per address on every path before anything else, per
//! authenticated client at the endpoints where clients authenticate),
//! keeps the authorization endpoint's interactions in the browser's
//! session, and logs one line per request.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::adapter::context::{REQUEST_ID_HEADER, context_for, response_request_id};
use crate::adapter::tower::{collect_body, unreadable_body};
use crate::{Context, Reply, Server};
use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_TYPE, LOCATION, SET_COOKIE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::Full;

use crate::host::client_limit::{self, AUTHENTICATING, ClientLimits};
use crate::host::deadline::DeadlineBody;
use crate::host::drive::Driver;
use crate::host::form;
use crate::host::pages;
use crate::host::rate_limit::{AddressKey, AddressLimiter};
use crate::host::session::{Session, SessionId, Sessions};
use crate::host::slow_down;
use crate::host::users::PasswordChecks;

/// Every answer of the demo.
pub(crate) type Answer = Response<Full<Bytes>>;

/// Everything a request may need; shared by all connections.
pub(crate) struct App {
    /// The core.
    pub(crate) server: Server,
    /// Drives the core's exchanges on the store.
    pub(crate) driver: Driver,
    /// Browser sessions.
    pub(crate) sessions: Sessions,
    /// Who can sign in, and how many passwords are checked at once.
    pub(crate) passwords: PasswordChecks,
    /// Per-address limits, on every path.
    pub(crate) limiter: AddressLimiter,
    /// Per-client limits, where clients authenticate.
    pub(crate) client_limits: ClientLimits,
    /// The request deadline.
    pub(crate) limits: Limits,
}

/// How long requests may take.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// For the headers to arrive, and then again for the body; the answer
    /// is given up on after twice this.
    pub(crate) request_timeout: Duration,
}

/// The largest form a page accepts.
const MAX_FORM_BYTES: usize = 8 * 1024;

/// The wall clock's monotonic twin, for sessions, limits and latency.
#[allow(clippy::disallowed_methods, reason = "the demo is the host: it reads the clock")]
pub(crate) fn monotonic_now() -> Instant {
    Instant::now()
}

/// What a page handler gets: the request, its context, its arrival.
pub(crate) struct Incoming<B> {
    /// The request.
    pub(crate) request: Request<B>,
    /// Its context (time, entropy, request id), for calls into the core.
    pub(crate) ctx: Context,
    /// When it arrived.
    pub(crate) now: Instant,
    /// When its body must have arrived (its body fails after that).
    pub(crate) deadline: Instant,
}

/// Answers one request and logs it. The body must arrive within the
/// request timeout (after the headers, which hyper bounds with the same
/// timeout); an answer not ready within twice that is given up with a 503.
/// Either way the connection is closed.
pub(crate) async fn handle<B>(app: Arc<App>, request: Request<B>, peer: SocketAddr) -> Answer
where
    B: Body + Send + 'static,
    B::Data: Send,
{
    let started = monotonic_now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let timeout = app.limits.request_timeout;
    let deadline = started + timeout;
    let answered = tokio::time::timeout(timeout * 2, route(&app, request, peer, started, deadline));
    let mut response = match answered.await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path = %path, "no answer within twice the request timeout");
            slow_down::gave_up(&path)
        }
    };
    if monotonic_now() >= deadline {
        response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    }
    let request_id = response
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|id| id.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    // The path only: queries may carry user codes and other secrets.
    tracing::info!(
        %method,
        path = %path,
        status = response.status().as_u16(),
        latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        request_id = %request_id,
        peer = %peer.ip(),
        "request"
    );
    response
}

async fn route<B>(
    app: &Arc<App>,
    request: Request<B>,
    peer: SocketAddr,
    now: Instant,
    deadline: Instant,
) -> Answer
where
    B: Body + Send + 'static,
    B::Data: Send,
{
    let path = request.uri().path().to_owned();
    if let Err(wait) = app.limiter.check(&AddressKey::of(peer.ip())) {
        tracing::debug!(peer = %peer.ip(), path, "rate limited");
        return slow_down::rate_limited(&path, wait, "too many requests from this address");
    }
    let request = request.map(|body| DeadlineBody::new(body, deadline));
    let incoming_id = request.headers().get(REQUEST_ID_HEADER).cloned();
    let Ok(ctx) = context_for(Some(peer.ip()), incoming_id.as_ref()) else {
        return json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the server cannot draw randomness; retry later",
        )
        .map(|body| Full::new(Bytes::from(body)));
    };
    let request_id = response_request_id(incoming_id.as_ref(), &ctx);
    let incoming = Incoming { request, ctx, now, deadline };
    let mut response = match path.as_str() {
        "/login" => crate::host::login::answer(app, incoming).await,
        "/consent" => crate::host::consent::answer(app, incoming).await,
        "/device" => crate::host::device::answer(app, incoming).await,
        _ => core(app, incoming).await,
    };
    response.headers_mut().insert(REQUEST_ID_HEADER, request_id);
    response
}

/// Every path but the host's pages: the core answers. A client over its
/// own rate limit is refused first; a success to a request that presented
/// a client secret is charged to that client. A valid authorization
/// request waits in the browser's session while the user signs in and
/// consents.
async fn core<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    let Incoming { request, ctx, now, deadline } = incoming;
    let (parts, body) = request.into_parts();
    let Some(body) = collect_body(body, app.server.config().max_body_bytes()).await else {
        if monotonic_now() >= deadline {
            return slow_down::too_slow(parts.uri.path());
        }
        return full(unreadable_body());
    };
    let path = parts.uri.path().to_owned();
    let named = AUTHENTICATING
        .contains(&path.as_str())
        .then(|| client_limit::presented(&parts.headers, &body))
        .flatten();
    if let Some(named) = &named
        && let Err(wait) = app.client_limits.check(&named.client_id)
    {
        tracing::debug!(client_id = ?named.client_id, path = %path, "client rate limited");
        return slow_down::rate_limited(&path, wait, "this client is over its rate limit");
    }
    let headers = parts.headers.clone();
    let step = app.server.begin(Request::from_parts(parts, body), ctx);
    let interaction = match app.driver.run(step).await {
        Reply::Interaction(interaction) => interaction,
        Reply::Http(response) => {
            // 2xx at these endpoints comes only after the secret was checked.
            if response.status().is_success()
                && let Some(named) = named.filter(|named| named.with_secret)
            {
                app.client_limits.charge(&named.client_id);
            }
            return full(response);
        }
        _ => {
            // Not the value: a reply may carry secrets.
            tracing::error!("the core gave an unexpected reply");
            return server_error();
        }
    };
    let session = app.sessions.find(&headers, now).or_else(|| app.sessions.create(now));
    let Some((id, _)) = session else {
        return busy();
    };
    let waiting =
        app.sessions.update(&id, |live| (live.add_pending(interaction), live.user.is_some()));
    let Some((key, signed_in)) = waiting else {
        return busy();
    };
    let consent = format!("/consent?request={}", form::encode(&key));
    let location =
        if signed_in { consent } else { format!("/login?next={}", form::encode(&consent)) };
    with_cookie(app, &id, redirect(&location))
}

/// An RFC 6749 §5.2 style JSON error (`error`, `error_description`),
/// `Cache-Control: no-store`.
pub(crate) fn json_error(status: StatusCode, code: &str, description: &str) -> Response<Vec<u8>> {
    let body = serde_json::json!({ "error": code, "error_description": description });
    let mut response = Response::new(body.to_string().into_bytes());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The pairs of a form post: `application/x-www-form-urlencoded`, at most
/// [`MAX_FORM_BYTES`]; otherwise the page to answer.
pub(crate) async fn read_form<B: Body>(
    request: Request<B>,
) -> Result<Vec<(String, String)>, Answer> {
    let urlencoded = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            media.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !urlencoded {
        return Err(pages::message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported form",
            "Forms are posted as application/x-www-form-urlencoded.",
        ));
    }
    let Some(bytes) = collect_body(request.into_body(), MAX_FORM_BYTES).await else {
        return Err(pages::message(
            StatusCode::BAD_REQUEST,
            "Bad form",
            "The form did not arrive.",
        ));
    };
    if bytes.len() > MAX_FORM_BYTES {
        return Err(pages::message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Form too large",
            "The form is too large.",
        ));
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Err(pages::message(StatusCode::BAD_REQUEST, "Bad form", "The form is not UTF-8."));
    };
    Ok(form::parse(text))
}

/// The query pairs of a request.
pub(crate) fn query<B>(request: &Request<B>) -> Vec<(String, String)> {
    request.uri().query().map(form::parse).unwrap_or_default()
}

/// Whether a form's `csrf` field is the session's token (answer
/// [`forbidden`] when it is not).
pub(crate) fn csrf_ok(session: &Session, fields: &[(String, String)]) -> bool {
    form::single(fields, "csrf").is_some_and(|token| session.csrf_matches(token))
}

/// A decision form posted by a signed-in user: its session, user, fields
/// and whether it approves.
pub(crate) struct DecisionForm {
    pub(crate) id: SessionId,
    pub(crate) user: String,
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) approve: bool,
}

/// Reads the consent or device page's form: a live session, a valid CSRF
/// token, a signed-in user and `decision` = `approve` or `deny`; any
/// failure is the page to answer.
pub(crate) async fn decision_form<B: Body>(
    app: &App,
    request: Request<B>,
    now: Instant,
) -> Result<DecisionForm, Answer> {
    let Some((id, session)) = app.sessions.find(request.headers(), now) else {
        return Err(forbidden());
    };
    let fields = read_form(request).await?;
    if !csrf_ok(&session, &fields) {
        return Err(forbidden());
    }
    let Some(user) = session.user else {
        return Err(forbidden());
    };
    let approve = match form::single(&fields, "decision") {
        Some("approve") => true,
        Some("deny") => false,
        _ => return Err(bad_decision()),
    };
    Ok(DecisionForm { id, user, fields, approve })
}

/// The 400 page for a `decision` other than `approve` or `deny`.
pub(crate) fn bad_decision() -> Answer {
    pages::message(StatusCode::BAD_REQUEST, "Bad decision", "Choose Allow or Deny.")
}

/// The 403 page for a form without a valid CSRF token or session.
pub(crate) fn forbidden() -> Answer {
    pages::message(
        StatusCode::FORBIDDEN,
        "Request refused",
        "This form has expired or was not sent from this site. Go back, reload the page and try again.",
    )
}

/// The answer to a method a page does not take.
pub(crate) fn method_not_allowed(allow: &'static str) -> Answer {
    let mut response = pages::message(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        "Use the form on the page.",
    );
    response.headers_mut().insert(http::header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// A 303 to a path on this server.
pub(crate) fn redirect(location: &str) -> Answer {
    let mut response = Response::new(Full::default());
    *response.status_mut() = StatusCode::SEE_OTHER;
    let headers = response.headers_mut();
    pages::secure_headers(headers);
    match HeaderValue::from_str(location) {
        Ok(value) => {
            headers.insert(LOCATION, value);
            response
        }
        Err(_) => server_error(),
    }
}

/// `response` with the session cookie for `id` (refreshing its lifetime).
pub(crate) fn with_cookie(app: &App, id: &SessionId, mut response: Answer) -> Answer {
    response.headers_mut().insert(SET_COOKIE, app.sessions.cookie(id));
    response
}

/// A core response as this server's body type.
pub(crate) fn full(response: Response<Vec<u8>>) -> Answer {
    response.map(|body| Full::new(Bytes::from(body)))
}

/// The page for a state the server did not expect.
pub(crate) fn server_error() -> Answer {
    pages::message(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "Please try again.")
}

/// The page when the server holds too many sessions.
pub(crate) fn busy() -> Answer {
    pages::message(StatusCode::SERVICE_UNAVAILABLE, "Busy", "Too many sessions; try again later.")
}

/// A `next` target that stays on this server: an absolute path (not
/// `//host` nor `/\host`) of printable ASCII.
pub(crate) fn safe_next(next: &str) -> Option<&str> {
    let bytes = next.as_bytes();
    let local = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && next.len() <= 1024
        && bytes.iter().all(|b| (0x21..=0x7e).contains(b) && *b != b'\\');
    local.then_some(next)
}

/// A service function for hyper: every request answered by [`handle`].
pub(crate) async fn serve<B>(
    app: Arc<App>,
    request: Request<B>,
    peer: SocketAddr,
) -> Result<Answer, Infallible>
where
    B: Body + Send + 'static,
    B::Data: Send,
{
    Ok(handle(app, request, peer).await)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_targets_stay_on_this_server() {
        assert_eq!(safe_next("/consent?request=abc"), Some("/consent?request=abc"));
        assert_eq!(safe_next("/device?user_code=WDJB-MJHT"), Some("/device?user_code=WDJB-MJHT"));
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/a\tb",
            "/a b",
            "",
            "consent",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
