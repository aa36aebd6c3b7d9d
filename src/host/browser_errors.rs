//! The authorization endpoint's direct errors as pages: when the core
//! answers a browser's `/authorize` with an error it must not redirect
//! (an unknown client, a redirect URI it cannot trust, an expired pushed
//! request, a store failure: RFC 6749 §4.1.2.1), the browser gets one of
//! the server's own pages saying what happened and what to do; a program
//! (whose `Accept` does not rate `text/html` above `application/json`,
//! the core's rule) keeps the core's JSON.
//!
//! The host asks the core for JSON (it sets `Accept`), reads `error` and
//! `error_description` from it, and renders the page; the status and
//! `Cache-Control` stay the core's.

use http::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use http::{HeaderMap, HeaderValue, Response};

use crate::authorization::Format;
use crate::host::pages::{Answer, Pages};
use crate::host::web::full;

/// Whether the request at `path` with `headers` gets pages for errors;
/// if so, its `Accept` becomes `application/json` (the host reads the
/// core's error and renders it itself).
pub(crate) fn take_over(path: &str, headers: &mut HeaderMap) -> bool {
    let browser = path == "/authorize" && Format::from_accept(headers) == Format::Html;
    if browser {
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    }
    browser
}

/// The core's `response`; an error answered directly (no redirect)
/// becomes a page when `browser`.
pub(crate) fn answer(pages: &Pages, browser: bool, response: Response<Vec<u8>>) -> Answer {
    let status = response.status();
    let direct_error = (status.is_client_error() || status.is_server_error())
        && !response.headers().contains_key(LOCATION)
        && response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"));
    if !browser || !direct_error {
        return full(response);
    }
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap_or_default();
    let code = body.get("error").and_then(|v| v.as_str()).unwrap_or("server_error");
    let description = body.get("error_description").and_then(|v| v.as_str()).unwrap_or("");
    let (title, text) = shown(code, description);
    let mut page = pages.message(status, title, &text);
    if let Some(retry) = response.headers().get(http::header::RETRY_AFTER) {
        page.headers_mut().insert(http::header::RETRY_AFTER, retry.clone());
    }
    page
}

/// The title and text of the page for the core's `code`.
fn shown(code: &str, description: &str) -> (&'static str, String) {
    let detail =
        if description.is_empty() { String::new() } else { format!(" (Details: {description}.)") };
    // The core names a missing or unknown client in `invalid_request`.
    let no_client = code == "invalid_request" && description.starts_with("client_id");
    match code {
        "invalid_client" => unknown_application(&detail),
        _ if no_client => unknown_application(&detail),
        "invalid_request_uri" => (
            "This link has expired",
            format!(
                "The sign-in request has expired or was already used. Go back to the \
                 application and start again.{detail}"
            ),
        ),
        "temporarily_unavailable" => {
            ("Busy", "The service is busy at this moment. Wait a little and try again.".to_owned())
        }
        "server_error" => (
            "Something went wrong",
            "The service could not finish this. Go back to the application and try again."
                .to_owned(),
        ),
        _ => (
            "This link is not valid",
            format!(
                "The application sent you here with a request this service cannot accept, so \
                 you were not sent back to it.{detail} Tell the application's developers if \
                 it keeps happening."
            ),
        ),
    }
}

fn unknown_application(detail: &str) -> (&'static str, String) {
    (
        "Unknown application",
        format!(
            "The application that sent you here is not registered with this service, so you \
             cannot sign in to it here.{detail}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_get_pages_and_programs_keep_json() {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("text/html,*/*;q=0.8"));
        assert!(!take_over("/token", &mut headers.clone()));
        assert!(take_over("/authorize", &mut headers));
        assert_eq!(headers[ACCEPT], "application/json");
        let mut program = HeaderMap::new();
        assert!(!take_over("/authorize", &mut program));
        program.insert(ACCEPT, HeaderValue::from_static("application/json, text/html;q=0.5"));
        assert!(!take_over("/authorize", &mut program));
    }

    #[test]
    fn every_code_reads_as_a_sentence() {
        assert_eq!(shown("invalid_client", "").0, "Unknown application");
        assert_eq!(shown("invalid_request", "client_id is unknown").0, "Unknown application");
        assert_eq!(shown("invalid_request_uri", "").0, "This link has expired");
        let (title, text) = shown("invalid_request", "redirect_uri is not registered");
        assert_eq!(title, "This link is not valid");
        assert!(text.contains("(Details: redirect_uri is not registered.)"), "{text}");
        assert!(!shown("server_error", "db down").1.contains("db down"));
    }
}
