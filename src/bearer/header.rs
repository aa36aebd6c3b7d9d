//! Bearer tokens in the `Authorization` header (RFC 6750 §2.1), read the
//! same way by resource-server verification (the parent module) and by the
//! endpoints protected by one: registration with an initial access token
//! (RFC 7591 §3) and the registration client URI (RFC 7592 §2); and the
//! `WWW-Authenticate: Bearer` answers of those endpoints (RFC 6750 §3).

use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use crate::error::OAuthError;
use crate::response;
use crate::secret::Redacted;

/// Why no bearer token could be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BearerError {
    /// No `Authorization` header, or one with another scheme: RFC 6750 §3.1
    /// says to answer without an error code.
    Missing,
    /// A `Bearer` header that is not `b64token` syntax, or a repeated header:
    /// `invalid_request`.
    Malformed(&'static str),
}

/// The token of `Authorization: Bearer <b64token>`.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<Redacted, BearerError> {
    header_token(headers).map(|token| Redacted(token.to_owned()))
}

/// The token of `Authorization: Bearer <b64token>`, borrowed from the
/// header (the resource-server hot path hashes it without copying).
pub(crate) fn header_token(headers: &HeaderMap) -> Result<&str, BearerError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(BearerError::Missing);
    };
    if values.next().is_some() {
        return Err(BearerError::Malformed("Authorization header is repeated"));
    }
    let Ok(value) = value.to_str() else {
        return Err(BearerError::Malformed("Authorization header is not valid Bearer credentials"));
    };
    let Some((scheme, token)) = value.split_once(' ') else {
        return if value.eq_ignore_ascii_case("bearer") {
            Err(BearerError::Malformed("Authorization header carries no Bearer token"))
        } else {
            Err(BearerError::Missing)
        };
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::Missing);
    }
    let token = token.trim_start_matches(' ');
    if !is_b64token(token) {
        return Err(BearerError::Malformed("Authorization header is not valid Bearer credentials"));
    }
    Ok(token)
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
pub(super) fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

/// 401 with a `WWW-Authenticate: Bearer realm="…"` challenge and no
/// error information (RFC 6750 §3.1: the request carried no credentials;
/// §3: the scheme "MUST be followed by one or more auth-param values").
/// The realm is validated at configuration (printable, no `"` or `\`).
pub(crate) fn missing(realm: &str) -> Response<Vec<u8>> {
    let mut response = response::json(StatusCode::UNAUTHORIZED, Vec::new());
    response.headers_mut().remove(http::header::CONTENT_TYPE);
    let challenge = HeaderValue::from_str(&format!("Bearer realm=\"{realm}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer realm=\"qscope\""));
    response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
    response
}

/// The RFC 6750 §3 error answer: the JSON error body and a
/// `WWW-Authenticate: Bearer` challenge carrying the realm and the same
/// code and description (descriptions are ASCII without quotes or
/// backslashes).
pub(crate) fn error(realm: &str, err: &OAuthError) -> Response<Vec<u8>> {
    let mut response = response::error(err);
    let challenge = format!(
        "Bearer realm=\"{realm}\", error=\"{}\", error_description=\"{}\"",
        err.code.as_str(),
        err.description
    );
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Result<String, BearerError> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        bearer_token(&headers).map(|t| t.0)
    }

    #[test]
    fn rfc_examples_parse() {
        assert_eq!(
            parse(&["Bearer reg-23410913-abewfq.123483"]),
            Ok("reg-23410913-abewfq.123483".into())
        );
        assert_eq!(
            parse(&["bearer ey23f2.adfj230.af32-developer321"]),
            Ok("ey23f2.adfj230.af32-developer321".into())
        );
        assert_eq!(parse(&["Bearer mF_9.B5f-4.1JqM=="]), Ok("mF_9.B5f-4.1JqM==".into()));
    }

    #[test]
    fn other_schemes_count_as_missing() {
        assert_eq!(parse(&[]), Err(BearerError::Missing));
        assert_eq!(
            parse(&["Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"]),
            Err(BearerError::Missing)
        );
        assert_eq!(parse(&["Negotiate"]), Err(BearerError::Missing));
    }

    #[test]
    fn malformed_bearer_is_invalid_request() {
        for bad in ["Bearer", "Bearer ", "Bearer a b", "Bearer a\"b", "Bearer =abc", "Bearer ==="] {
            assert!(matches!(parse(&[bad]), Err(BearerError::Malformed(_))), "{bad}");
        }
        assert_eq!(
            parse(&["Bearer a", "Bearer b"]),
            Err(BearerError::Malformed("Authorization header is repeated"))
        );
    }
}
