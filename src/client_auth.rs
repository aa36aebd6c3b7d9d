//! Client authentication at the token-style endpoints (RFC 6749 §2.3,
//! OAuth 2.1 §2.4): `client_secret_basic`, `client_secret_post`, `none`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use http::header::AUTHORIZATION;

use crate::ErrorCode;
use crate::error::OAuthError;
use crate::form::{Form, decode};
use crate::secret::{Redacted, SecretHash};
use crate::store::{AuditReason, ClientAuthMethod, ClientRecord};

/// The credentials a request presented, before they are checked.
#[derive(Clone, Debug)]
pub(crate) struct Credentials {
    pub(crate) client_id: String,
    pub(crate) presented: Presented,
}

/// How the client tried to authenticate.
#[derive(Clone, Debug)]
pub(crate) enum Presented {
    /// HTTP Basic with a secret.
    Basic(Redacted),
    /// `client_secret` in the body.
    Post(Redacted),
    /// Only `client_id` (a public client).
    IdOnly,
}

/// Why no usable credentials could be extracted.
#[derive(Clone, Debug)]
pub(crate) struct ExtractError {
    pub(crate) error: OAuthError,
    /// Whether the answer must carry `WWW-Authenticate: Basic`.
    pub(crate) challenge: bool,
    /// The client id claimed, for the audit trail.
    pub(crate) claimed: Option<String>,
}

impl Credentials {
    /// Reads credentials from the Authorization header and the form.
    ///
    /// RFC 6749 §2.3: "The client MUST NOT use more than one authentication
    /// method in each request." A `client_id` in the body alongside Basic is
    /// tolerated only when it names the same client.
    pub(crate) fn extract(headers: &HeaderMap, form: &Form<'_>) -> Result<Self, ExtractError> {
        let body_id = form.get("client_id");
        let body_secret = form.get("client_secret");
        let claimed = body_id.map(str::to_owned);
        let mut authorization = headers.get_all(AUTHORIZATION).iter();
        let header = authorization.next();
        if authorization.next().is_some() {
            return Err(invalid_request("Authorization header is repeated", claimed));
        }
        if let Some(header) = header {
            let Some((id, secret)) = header.to_str().ok().and_then(parse_basic) else {
                return Err(ExtractError {
                    error: OAuthError::new(
                        ErrorCode::InvalidClient,
                        "Authorization header is not valid HTTP Basic credentials",
                    ),
                    challenge: true,
                    claimed,
                });
            };
            if body_secret.is_some() {
                return Err(invalid_request(
                    "client authenticated with more than one method",
                    Some(id),
                ));
            }
            if body_id.is_some_and(|body_id| body_id != id) {
                return Err(invalid_request(
                    "client_id does not match the Authorization header",
                    Some(id),
                ));
            }
            return Ok(Self { client_id: id, presented: Presented::Basic(Redacted(secret)) });
        }
        match (body_id, body_secret) {
            (Some(id), Some(secret)) => Ok(Self {
                client_id: id.to_owned(),
                presented: Presented::Post(Redacted(secret.to_owned())),
            }),
            (Some(id), None) => Ok(Self { client_id: id.to_owned(), presented: Presented::IdOnly }),
            (None, _) => Err(ExtractError {
                error: OAuthError::new(
                    ErrorCode::InvalidClient,
                    "client authentication is required",
                ),
                challenge: true,
                claimed: None,
            }),
        }
    }

    /// Whether a failure must be answered with `WWW-Authenticate: Basic`.
    pub(crate) fn used_basic(&self) -> bool {
        matches!(self.presented, Presented::Basic(_))
    }

    /// Checks the credentials against the stored client and returns it
    /// (RFC 6749 §2.3.1, §3.2.1).
    ///
    /// Every failure — an unknown client, the wrong method, a wrong secret —
    /// is the same [`AuthFailure::error`] and costs the same hash, so
    /// neither the answer nor its timing tells an outsider whether the
    /// client exists or how it authenticates; only the audit trail learns
    /// [`AuthFailure::reason`].
    pub(crate) fn authenticate(
        &self,
        client: Option<ClientRecord>,
    ) -> Result<ClientRecord, AuthFailure> {
        let presented_secret = match &self.presented {
            Presented::Basic(secret) | Presented::Post(secret) => Some(secret),
            Presented::IdOnly => None,
        };
        let Some(client) = client else {
            if let Some(secret) = presented_secret {
                let _ = SecretHash::of(&secret.0);
            }
            return Err(AuthFailure { reason: AuditReason::UnknownClient });
        };
        let method = match self.presented {
            Presented::Basic(_) => ClientAuthMethod::ClientSecretBasic,
            Presented::Post(_) => ClientAuthMethod::ClientSecretPost,
            Presented::IdOnly => ClientAuthMethod::None,
        };
        if method != client.auth_method {
            if let Some(secret) = presented_secret {
                let _ = SecretHash::of(&secret.0);
            }
            return Err(AuthFailure { reason: AuditReason::WrongAuthMethod });
        }
        let verified = match (presented_secret, &client.secret_hash) {
            (None, _) => true,
            (Some(secret), Some(hash)) => hash.verify(&secret.0),
            (Some(secret), None) => {
                let _ = SecretHash::of(&secret.0);
                false
            }
        };
        if verified { Ok(client) } else { Err(AuthFailure { reason: AuditReason::WrongSecret }) }
    }
}

/// A failed client authentication: one answer for every cause, and the
/// cause for the audit trail only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AuthFailure {
    /// Why it failed; recorded, never answered.
    pub(crate) reason: AuditReason,
}

impl AuthFailure {
    /// The failure of a client that authenticated but is public where a
    /// confidential client is required: answered like any other failure.
    pub(crate) const PUBLIC_CLIENT: Self = Self { reason: AuditReason::PublicClient };

    /// The one answer (RFC 6749 §5.2 `invalid_client`), whatever the reason.
    pub(crate) fn error(self) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidClient, "client authentication failed")
    }
}

fn invalid_request(description: &'static str, claimed: Option<String>) -> ExtractError {
    ExtractError {
        error: OAuthError::new(ErrorCode::InvalidRequest, description),
        challenge: false,
        claimed,
    }
}

/// Parses `Basic <base64(urlencode(id) ":" urlencode(secret))>`.
///
/// RFC 6749 §2.3.1: the id and secret are encoded with the
/// `application/x-www-form-urlencoded` algorithm before being joined, so
/// both are decoded here.
fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let encoded = encoded.trim_start_matches(' ');
    // Credentials of ordinary length decode on the stack; only longer ones
    // need a buffer of their own.
    let mut stack = [0u8; BASIC_ON_STACK];
    let heap;
    let decoded: &[u8] = if base64::decoded_len_estimate(encoded.len()) <= BASIC_ON_STACK {
        let n = STANDARD.decode_slice(encoded, &mut stack).ok()?;
        &stack[..n]
    } else {
        heap = STANDARD.decode(encoded).ok()?;
        &heap
    };
    let colon = decoded.iter().position(|&b| b == b':')?;
    let id = decode(&decoded[..colon]).ok()?.into_owned();
    let secret = decode(&decoded[colon + 1..]).ok()?.into_owned();
    if id.is_empty() {
        return None;
    }
    Some((id, secret))
}

/// Decoded HTTP Basic credentials up to this length need no allocation.
const BASIC_ON_STACK: usize = 192;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6749_basic_examples_decode() {
        assert_eq!(
            parse_basic("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"),
            Some(("s6BhdRkqt3".into(), "7Fjfp0ZBr1KtDRbnfVdmIw".into()))
        );
        assert_eq!(
            parse_basic("basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"),
            Some(("s6BhdRkqt3".into(), "gX1fBat3bV".into()))
        );
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        // "a%3Ab:c+d%25" → id "a:b", secret "c d%".
        let header = format!("Basic {}", STANDARD.encode("a%3Ab:c+d%25"));
        assert_eq!(parse_basic(&header), Some(("a:b".into(), "c d%".into())));
    }

    #[test]
    fn long_basic_credentials_decode_off_the_stack() {
        for length in [BASIC_ON_STACK - 2, BASIC_ON_STACK, BASIC_ON_STACK + 1, 4 * BASIC_ON_STACK] {
            let secret = "s".repeat(length);
            let header = format!("Basic {}", STANDARD.encode(format!("id:{secret}")));
            assert_eq!(parse_basic(&header), Some(("id".into(), secret)), "{length}");
        }
    }

    #[test]
    fn malformed_basic_is_rejected() {
        for bad in ["Bearer abc", "Basic", "Basic !!!", "Basic bm9jb2xvbg==", "Basic OnNlY3JldA=="]
        {
            assert_eq!(parse_basic(bad), None, "{bad}");
        }
    }
}
