//! The authorization endpoint's two kinds of answer: a redirect to the
//! client (RFC 6749 §4.1.2, §4.1.2.1 with `iss`, RFC 9207 §2), and a direct
//! error to the user agent when there is no verified redirect URI to use.

use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, PRAGMA};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use crate::error::OAuthError;
use crate::form::encode_into;
use crate::{Config, ErrorCode, html, response};

/// What the user agent last sent, which fixes the redirect's status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Leg {
    /// The authorization request itself: 302 Found (RFC 6749 §4.1.2).
    Request,
    /// The host's decision, typically a POSTed login or consent form that may
    /// carry the user's credentials: 303 See Other, the one status that makes
    /// every user agent switch to GET and drop the body (RFC 9700 §4.12).
    Decision,
}

impl Leg {
    fn status(self) -> StatusCode {
        match self {
            Self::Request => StatusCode::FOUND,
            Self::Decision => StatusCode::SEE_OTHER,
        }
    }
}

/// Where an authorization response goes: the verified redirect URI and the
/// client's `state`.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
}

impl Target {
    /// 303 to the client with the code (RFC 6749 §4.1.2, RFC 9207 §2): a
    /// code is only ever issued by a decision.
    pub(crate) fn code(&self, config: &Config, code: &str) -> Response<Vec<u8>> {
        self.redirect(config, Leg::Decision, &[("code", code)])
    }

    /// A redirect to the client with the error (RFC 6749 §4.1.2.1, RFC 9207 §2).
    pub(crate) fn error(&self, config: &Config, leg: Leg, err: &OAuthError) -> Response<Vec<u8>> {
        let description = error_text(&err.description);
        let mut params = vec![("error", err.code.as_str())];
        if !description.is_empty() {
            params.push(("error_description", &description));
        }
        self.redirect(config, leg, &params)
    }

    /// `Location: <redirect_uri>?<params>&state=…&iss=…`. A query already
    /// in the registered URI is kept (RFC 6749 §3.1.2).
    fn redirect(&self, config: &Config, leg: Leg, params: &[(&str, &str)]) -> Response<Vec<u8>> {
        let mut location = self.redirect_uri.clone();
        if !location.contains('?') {
            location.push('?');
        } else if !location.ends_with(['?', '&']) {
            location.push('&');
        }
        let state = self.state.as_deref().map(|state| ("state", state));
        let iss = ("iss", config.issuer());
        for (i, (name, value)) in params.iter().copied().chain(state).chain([iss]).enumerate() {
            if i > 0 {
                location.push('&');
            }
            location.push_str(name);
            location.push('=');
            encode_into(&mut location, value);
        }
        let Ok(location) = HeaderValue::try_from(location) else {
            // Redirect URIs are checked to be visible ASCII before they are
            // trusted, and the rest is percent-encoded; this is unreachable.
            return response::error(&OAuthError::new(ErrorCode::ServerError, "invalid redirect"));
        };
        let mut response = Response::new(Vec::new());
        *response.status_mut() = leg.status();
        let headers = response.headers_mut();
        headers.insert(LOCATION, location);
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}

/// `error_description` may hold only %x20-21 / %x23-5B / %x5D-7E
/// (RFC 6749 §4.1.2.1); anything else is dropped.
fn error_text(description: &str) -> String {
    description
        .chars()
        .filter(|&c| matches!(c, '\u{20}'..='\u{21}' | '\u{23}'..='\u{5b}' | '\u{5d}'..='\u{7e}'))
        .collect()
}

/// How a direct error is shown: JSON for programs, a minimal HTML page for
/// browsers (chosen by the request's `Accept`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Html,
}

impl Format {
    /// HTML when `Accept` rates `text/html` above `application/json`
    /// (counting `*/*` and `type/*` for both); JSON otherwise.
    pub(crate) fn from_accept(headers: &HeaderMap) -> Self {
        let (mut html, mut json) = (0u16, 0u16);
        for value in headers.get_all(http::header::ACCEPT) {
            let Ok(value) = value.to_str() else { continue };
            for range in value.split(',') {
                let mut parts = range.split(';');
                let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let q = parts
                    .filter_map(|p| {
                        let p = p.trim();
                        p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="))
                    })
                    .find_map(parse_q)
                    .unwrap_or(1000);
                let (for_html, for_json) = match media.as_str() {
                    "text/html" => (true, false),
                    "application/json" => (false, true),
                    "text/*" => (true, false),
                    "application/*" => (false, true),
                    "*/*" => (true, true),
                    _ => (false, false),
                };
                if for_html {
                    html = html.max(q);
                }
                if for_json {
                    json = json.max(q);
                }
            }
        }
        if html > json { Self::Html } else { Self::Json }
    }
}

/// A quality value in thousandths (RFC 9110 §12.4.2).
fn parse_q(text: &str) -> Option<u16> {
    let value: f32 = text.trim().parse().ok()?;
    (0.0..=1.0).contains(&value).then(|| (value * 1000.0).round() as u16)
}

/// A direct error: the request's client or redirect URI cannot be trusted,
/// so the user agent is told, never redirected (RFC 6749 §4.1.2.1).
pub(crate) fn direct_error(
    format: Format,
    err: &OAuthError,
    status: StatusCode,
) -> Response<Vec<u8>> {
    let mut response = match format {
        Format::Json => response::error(err),
        Format::Html => html_error(err),
    };
    *response.status_mut() = status;
    response
}

fn html_error(err: &OAuthError) -> Response<Vec<u8>> {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Authorization error</title></head>\n<body><h1>Authorization error</h1>\n\
         <p>{}: {}</p></body></html>\n",
        err.code.as_str(),
        html::escape(&err.description)
    );
    let mut response = Response::new(page.into_bytes());
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(
        http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    headers.insert(http::header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Format {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::ACCEPT, HeaderValue::from_str(value).unwrap());
        Format::from_accept(&headers)
    }

    #[test]
    fn accept_negotiation() {
        assert_eq!(Format::from_accept(&HeaderMap::new()), Format::Json);
        assert_eq!(
            accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Format::Html
        );
        assert_eq!(accept("*/*"), Format::Json);
        assert_eq!(accept("application/json"), Format::Json);
        assert_eq!(accept("text/html;q=0.5, application/json"), Format::Json);
        assert_eq!(accept("application/json;q=0.1, text/*"), Format::Html);
        assert_eq!(accept("TEXT/HTML"), Format::Html);
        assert_eq!(accept("text/html;q=abc"), Format::Html);
    }

    #[test]
    fn html_is_escaped() {
        let err = OAuthError::new(ErrorCode::InvalidRequest, "<script>\"&'</script>");
        let response = direct_error(Format::Html, &err, StatusCode::BAD_REQUEST);
        let body = String::from_utf8(response.into_body()).unwrap();
        assert!(body.contains("invalid_request: &lt;script&gt;&quot;&amp;&#39;&lt;/script&gt;"));
        assert!(!body.contains("<script>"));
    }

    #[test]
    fn descriptions_keep_only_the_allowed_characters() {
        assert_eq!(error_text("parameter a\"b\\c is repeated é"), "parameter abc is repeated ");
    }
}
