//! The host: routes each request to the demo's own pages (`/login`,
//! `/consent`, `/device`) or to the core, applies the request deadline and
//! the rate limits (per address on every path before anything else, per
//! authenticated client at the endpoints where clients authenticate),
//! keeps the authorization endpoint's interactions in the browser's
//! session, and logs one line per request.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use crate::Reply;
use crate::adapter::kit::{
    Arrival, CatchPanic, REQUEST_ID_HEADER, entropy_unavailable, unreadable_body,
};
use crate::adapter::tower::collect_body;
use http::header::CONNECTION;
use http::{HeaderValue, Request};
use http_body::Body;

use crate::host::client_address::client_address;
use crate::host::client_limit::{self, AUTHENTICATING};
use crate::host::clock::monotonic_now;
use crate::host::deadline::DeadlineBody;
use crate::host::form;
use crate::host::operations;
use crate::host::rate_limit::AddressKey;
use crate::host::slow_down;
use crate::host::web::{Answer, App, Incoming, busy, full, redirect, server_error, with_cookie};

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
    let client = client_address(peer.ip(), request.headers(), &app.limits.trusted_proxies);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let timeout = app.limits.request_timeout;
    let deadline = started + timeout;
    // A panic while answering (a bug) is a 500 for this request only.
    let guarded = CatchPanic::new(Box::pin(route(&app, request, client, deadline)));
    let answered = tokio::time::timeout(timeout * 2, guarded);
    let mut response = match answered.await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path = %path, "no answer within twice the request timeout");
            slow_down::gave_up(&app.pages, &path)
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
    app.metrics.request(&path, response.status().as_u16());
    // The path only: queries may carry user codes and other secrets.
    tracing::info!(
        %method,
        path = %path,
        status = response.status().as_u16(),
        latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        request_id = %request_id,
        peer = %client,
        "request"
    );
    response
}

async fn route<B>(app: &Arc<App>, request: Request<B>, peer: IpAddr, deadline: Instant) -> Answer
where
    B: Body + Send + 'static,
    B::Data: Send,
{
    let path = request.uri().path().to_owned();
    if let Err(wait) = app.limiter.check(&AddressKey::of(peer)) {
        tracing::debug!(peer = %peer, path, "rate limited");
        return slow_down::rate_limited(
            &app.pages,
            &path,
            wait,
            "too many requests from this address",
        );
    }
    let request = request.map(|body| DeadlineBody::new(body, deadline));
    let Ok(arrival) = Arrival::of(request.headers(), Some(peer)) else {
        return full(entropy_unavailable());
    };
    let incoming = Incoming { request, ctx: arrival.context().clone(), deadline };
    let response = match path.as_str() {
        "/healthz" => operations::healthz(),
        "/readyz" => operations::readyz(app).await,
        "/metrics" if app.limits.metrics => operations::metrics(app),
        "/" => crate::host::home::answer(app, incoming).await,
        "/login" => crate::host::login::answer(app, incoming).await,
        "/logout" => crate::host::logout::answer(app, incoming).await,
        "/consent" => crate::host::consent::answer(app, incoming).await,
        "/device" => crate::host::device::answer(app, incoming).await,
        "/account" => crate::host::account::answer(app, incoming).await,
        _ => match app.pages.asset(&path) {
            Some(asset) => asset,
            None => core(app, incoming).await,
        },
    };
    arrival.tag(response)
}

/// Every path but the host's pages: the core answers. A client over its
/// own rate limit is refused first; a success to a request that presented
/// a client secret is charged to that client. A valid authorization
/// request waits in the browser's session while the user signs in and
/// consents.
async fn core<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    let Incoming { request, ctx, deadline, .. } = incoming;
    let now = ctx.now;
    let (parts, body) = request.into_parts();
    let Some(body) = collect_body(body, app.server.config().max_body_bytes()).await else {
        if monotonic_now() >= deadline {
            return slow_down::too_slow(&app.pages, parts.uri.path());
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
        return slow_down::rate_limited(
            &app.pages,
            &path,
            wait,
            "this client is over its rate limit",
        );
    }
    let mut parts = parts;
    let browser = crate::host::browser_errors::take_over(&path, &mut parts.headers);
    let headers = parts.headers.clone();
    let request = Request::from_parts(parts, body);
    let interaction = match app.driver.run(&app.server, request, ctx).await {
        Reply::Interaction(interaction) => interaction,
        Reply::Http(response) => {
            // 2xx at these endpoints comes only after the secret was checked.
            if response.status().is_success()
                && let Some(named) = named.filter(|named| named.with_secret)
            {
                app.client_limits.charge(&named.client_id);
            }
            return crate::host::browser_errors::answer(&app.pages, browser, response);
        }
        _ => {
            // Not the value: a reply may carry secrets.
            tracing::error!("the core gave an unexpected reply");
            return server_error(&app.pages);
        }
    };
    let waiting = match app.sessions.find(&headers, now).await {
        Some((id, _)) => match app.sessions.add_pending(&id, &interaction, now).await {
            Ok(Some((key, signed_in))) => Ok((id, key, signed_in)),
            Ok(None) => {
                app.sessions.create_with(&interaction, now).await.map(|(id, key)| (id, key, false))
            }
            Err(error) => Err(error),
        },
        None => app.sessions.create_with(&interaction, now).await.map(|(id, key)| (id, key, false)),
    };
    let (id, key, signed_in) = match waiting {
        Ok(waiting) => waiting,
        Err(error) => {
            tracing::warn!(%error, "could not keep an authorization request in a session");
            return busy(&app.pages);
        }
    };
    let consent = format!("/consent?request={}", form::encode(&key));
    let location =
        if signed_in { consent } else { format!("/login?next={}", form::encode(&consent)) };
    with_cookie(app, &id, redirect(&location))
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
