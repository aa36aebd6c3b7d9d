//! The operational endpoints: `GET /healthz` (the process answers),
//! `GET /readyz` (the database answers a cheap read: `503` while it does
//! not) and `GET /metrics` (Prometheus text, see [`metrics`]).
//!
//! [`metrics`]: crate::host::metrics

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::host::web::{Answer, App};
use crate::store::{AsyncStore, Query};

fn text(status: StatusCode, content_type: &'static str, body: String) -> Answer {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `200 ok`: the process is up.
pub(crate) fn healthz() -> Answer {
    text(StatusCode::OK, "text/plain; charset=utf-8", "ok\n".to_owned())
}

/// `200 ready` when the database answers one primary-key read, else `503`.
pub(crate) async fn readyz(app: &App) -> Answer {
    let probe = Query::Client { client_id: "qscope-readiness-probe".to_owned() };
    match app.driver.store().read(&[probe]).await {
        Ok(_) => text(StatusCode::OK, "text/plain; charset=utf-8", "ready\n".to_owned()),
        Err(error) => {
            tracing::warn!(%error, "not ready: the database does not answer");
            let body = "not ready: the database does not answer\n".to_owned();
            text(StatusCode::SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", body)
        }
    }
}

/// Every metric, in the Prometheus text format.
pub(crate) fn metrics(app: &App) -> Answer {
    text(StatusCode::OK, crate::host::metrics::CONTENT_TYPE, app.metrics.encode())
}
