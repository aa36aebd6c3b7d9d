//! What the server's page handlers share: the application state
//! ([`App`]), a request as a handler gets it ([`Incoming`]), the answer
//! type, and the helpers for forms, redirects, cookies and error pages.
//! Routing is in `app`, which calls the handlers; the handlers call this.

use std::time::{Duration, Instant};

use crate::Server;
use crate::adapter::tower::collect_body;
use crate::{Context, UnixTime};
use bytes::Bytes;
use http::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::Full;

use crate::host::client_limit::ClientLimits;
use crate::host::drive::Driver;
use crate::host::form;
use crate::host::pages::{self, Pages};
use crate::host::rate_limit::AddressLimiter;
use crate::host::session::{Session, SessionId, Sessions};

/// Every answer of the server.
pub(crate) use crate::host::pages::Answer;

/// Everything a request may need; shared by all connections.
pub(crate) struct App {
    /// The core.
    pub(crate) server: Server,
    /// Drives the core's exchanges on the store.
    pub(crate) driver: Driver,
    /// Browser sessions.
    pub(crate) sessions: Sessions,
    /// Per-address limits, on every path.
    pub(crate) limiter: AddressLimiter,
    /// Per-client limits, where clients authenticate.
    pub(crate) client_limits: ClientLimits,
    /// The request deadline.
    pub(crate) limits: Limits,
    /// The counters and histograms of `/metrics`.
    pub(crate) metrics: std::sync::Arc<crate::host::metrics::Metrics>,
    /// The pages' look, optional scopes and assets.
    pub(crate) pages: Pages,
}

/// How long requests may take.
#[derive(Clone, Debug)]
pub(crate) struct Limits {
    /// For the headers to arrive, and then again for the body; the answer
    /// is given up on after twice this.
    pub(crate) request_timeout: Duration,
    /// Proxies whose forwarding headers are believed.
    pub(crate) trusted_proxies: Vec<ipnet::IpNet>,
    /// Whether `/metrics` is served.
    pub(crate) metrics: bool,
}

/// The largest form a page accepts.
const MAX_FORM_BYTES: usize = 8 * 1024;

/// What a page handler gets: the request, its context, its arrival.
pub(crate) struct Incoming<B> {
    /// The request.
    pub(crate) request: Request<B>,
    /// Its context (time, entropy, request id), for calls into the core.
    pub(crate) ctx: Context,
    /// When its body must have arrived (its body fails after that).
    pub(crate) deadline: Instant,
}

/// The pairs of a form post: `application/x-www-form-urlencoded`, at most
/// [`MAX_FORM_BYTES`]; otherwise the page to answer.
pub(crate) async fn read_form<B: Body>(
    pages: &Pages,
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
        return Err(pages.message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported form",
            "Forms are posted as application/x-www-form-urlencoded.",
        ));
    }
    let Some(bytes) = collect_body(request.into_body(), MAX_FORM_BYTES).await else {
        return Err(pages.message(StatusCode::BAD_REQUEST, "Bad form", "The form did not arrive."));
    };
    if bytes.len() > MAX_FORM_BYTES {
        return Err(pages.message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Form too large",
            "The form is too large.",
        ));
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Err(pages.message(StatusCode::BAD_REQUEST, "Bad form", "The form is not UTF-8."));
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
    now: UnixTime,
) -> Result<DecisionForm, Answer> {
    let Some((id, session)) = app.sessions.find(request.headers(), now).await else {
        return Err(forbidden(&app.pages));
    };
    let fields = read_form(&app.pages, request).await?;
    if !csrf_ok(&session, &fields) {
        return Err(forbidden(&app.pages));
    }
    let Some(user) = session.user().map(str::to_owned) else {
        return Err(forbidden(&app.pages));
    };
    let approve = match form::single(&fields, "decision") {
        Some("approve") => true,
        Some("deny") => false,
        _ => return Err(bad_decision(&app.pages)),
    };
    Ok(DecisionForm { id, user, fields, approve })
}

/// The 400 page for a `decision` other than `approve` or `deny`.
pub(crate) fn bad_decision(pages: &Pages) -> Answer {
    pages.message(StatusCode::BAD_REQUEST, "Bad decision", "Choose Allow or Deny.")
}

/// The 403 page for a form without a valid CSRF token or session.
pub(crate) fn forbidden(pages: &Pages) -> Answer {
    pages.message(
        StatusCode::FORBIDDEN,
        "Request refused",
        "This form has expired or was not sent from this site. Go back, reload the page and try again.",
    )
}

/// The answer to a method a page does not take.
pub(crate) fn method_not_allowed(pages: &Pages, allow: &'static str) -> Answer {
    let mut response = pages.message(
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
        Err(_) => {
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response.headers_mut().remove(LOCATION);
            response
        }
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
pub(crate) fn server_error(pages: &Pages) -> Answer {
    pages.message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The server could not finish this. Please try again; if it keeps happening, tell the \
         service's support.",
    )
}

/// The page when the server holds too many sessions.
pub(crate) fn busy(pages: &Pages) -> Answer {
    pages.retry_later(
        StatusCode::SERVICE_UNAVAILABLE,
        "Busy",
        "The server is busy with too many sign-ins at this moment.",
        1,
    )
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
