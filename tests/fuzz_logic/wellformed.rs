//! What every answer must look like, whatever the input.

use http::Response;
use serde_json::Value;

/// Error codes registered for the endpoints the core serves.
pub const REGISTERED_ERRORS: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "access_denied",
    "unsupported_response_type",
    "server_error",
    "temporarily_unavailable",
    "invalid_token",
    "insufficient_scope",
    "unsupported_token_type",
    "authorization_pending",
    "slow_down",
    "expired_token",
    "invalid_redirect_uri",
    "invalid_client_metadata",
    "invalid_request_uri",
];

/// The statuses an endpoint may answer with.
pub const STATUSES: &[u16] =
    &[200, 201, 204, 302, 303, 400, 401, 403, 404, 405, 413, 414, 500, 503];

/// Panics unless `response` is a well-formed answer; `secrets` must never
/// appear in it.
pub fn check(response: &Response<Vec<u8>>, secrets: &[&str]) {
    let status = response.status().as_u16();
    assert!(STATUSES.contains(&status), "unexpected status {status}");
    let body = response.body();
    let text = String::from_utf8_lossy(body);
    for secret in secrets {
        assert!(!text.contains(secret), "response leaks a secret");
        for value in response.headers().values() {
            assert!(
                !String::from_utf8_lossy(value.as_bytes()).contains(secret),
                "header leaks a secret"
            );
        }
    }
    let is_json = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        let json: Value = serde_json::from_slice(body).expect("a JSON content type carries JSON");
        if status >= 400 {
            let code = json["error"].as_str().expect("an error body names its error");
            assert!(REGISTERED_ERRORS.contains(&code), "unregistered error code {code}");
        }
        if json.get("access_token").is_some() || json.get("refresh_token").is_some() {
            assert_eq!(response.headers()["cache-control"], "no-store", "tokens need no-store");
        }
    }
    if status == 405 {
        assert!(response.headers().contains_key("allow"), "405 names the allowed methods");
    }
}
