//! What both sides share: the client, the PKCE pair, the request bodies and
//! the check of a token response. Nothing here belongs to either
//! implementation.

use std::fmt;

/// The confidential client both stores register.
pub(crate) const CLIENT_ID: &str = "bench";
/// Its secret; each side stores only a SHA-256 hash of it.
pub(crate) const CLIENT_SECRET: &str = "bench-secret";
/// `Authorization` for `bench:bench-secret` (RFC 7617 Basic, base64).
pub(crate) const BASIC: &str = "Basic YmVuY2g6YmVuY2gtc2VjcmV0";
/// `Authorization` for `bench:bench-secreu`, a wrong secret: each side must
/// refuse it, which shows it checks the client secret.
pub(crate) const WRONG_BASIC: &str = "Basic YmVuY2g6YmVuY2gtc2VjcmV1";
/// The client's one registered redirect URI.
pub(crate) const REDIRECT_URI: &str = "https://client.example.com/cb";
/// The scope the client may use; also what the bearer check requires.
pub(crate) const SCOPE: &str = "read";
/// The resource owner the authorization codes were issued to.
pub(crate) const OWNER: &str = "alice";
/// RFC 7636 Appendix B: the code verifier.
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// A well-formed verifier that does not match [`CHALLENGE`] (the last
/// character of [`VERIFIER`] changed): each side must refuse it, which shows
/// it checks PKCE.
pub(crate) const WRONG_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl";
/// RFC 7636 Appendix B: the S256 challenge of [`VERIFIER`].
pub(crate) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// The form media type of every token request.
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

/// The token request body that redeems `code` with `verifier`.
pub(crate) fn code_exchange_body(code: &str, verifier: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("code_verifier", verifier)
        .finish()
}

/// The token request body that rotates `refresh_token`.
pub(crate) fn refresh_body(refresh_token: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", refresh_token)
        .finish()
}

/// The token request body of the client credentials grant.
pub(crate) fn client_credentials_body() -> String {
    "grant_type=client_credentials".to_owned()
}

/// The `Authorization` value that presents `access_token`.
pub(crate) fn bearer(access_token: &str) -> String {
    format!("Bearer {access_token}")
}

/// What one answer came to, once checked.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// `200` with a token response.
    Tokens {
        /// The `access_token` member.
        access: String,
        /// The `refresh_token` member, when there is one.
        refresh: Option<String>,
    },
    /// The bearer check allowed the request.
    Allowed,
}

/// Why an answer is not the success the benchmark must time.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a token endpoint answer: status 200 and a JSON body with a
/// non-empty `access_token` (and the `refresh_token`, if any).
pub(crate) fn token_outcome(status: u16, body: &[u8]) -> Result<Outcome, Failure> {
    let text = String::from_utf8_lossy(body);
    if status != 200 {
        return Err(Failure(format!("status {status}: {text}")));
    }
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| Failure(format!("not JSON ({e}): {text}")))?;
    let member = |name: &str| json.get(name).and_then(serde_json::Value::as_str);
    let access = match member("access_token") {
        Some(token) if !token.is_empty() => token.to_owned(),
        _ => return Err(Failure(format!("no access_token: {text}"))),
    };
    Ok(Outcome::Tokens { access, refresh: member("refresh_token").map(str::to_owned) })
}
