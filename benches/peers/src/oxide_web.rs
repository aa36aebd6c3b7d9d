//! The adapter a host writes to put oxide-auth 0.6.1 to work: a request
//! type for its `WebRequest` trait (the form body arrives unparsed and is
//! parsed on first use, as qscope parses its own), a response type for its
//! `WebResponse` trait that builds the same `http::Response` qscope builds,
//! and a SHA-256 client-secret policy in place of its default Argon2.

use std::borrow::Cow;

use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, PRAGMA, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};
use oxide_auth::endpoint::{NormalizedParameter, QueryParameter, WebRequest, WebResponse};
use oxide_auth::primitives::registrar::{PasswordPolicy, RegistrarError};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use url::Url;

use crate::fixture::FORM;

/// A request as it comes off the wire: the headers oxide-auth asks for
/// and the raw body.
pub(crate) struct FormRequest {
    content_type: Option<&'static str>,
    authorization: Option<String>,
    body: Vec<u8>,
    /// The body's parameters, parsed on the first `urlbody` call.
    parsed: Option<NormalizedParameter>,
}

impl FormRequest {
    /// A token endpoint request with HTTP Basic client authentication.
    pub(crate) fn token(body: String, authorization: &str) -> Self {
        Self {
            content_type: Some(FORM),
            authorization: Some(authorization.to_owned()),
            body: body.into_bytes(),
            parsed: None,
        }
    }

    /// A resource request presenting `authorization` (a bearer token).
    pub(crate) fn resource(authorization: String) -> Self {
        Self {
            content_type: None,
            authorization: Some(authorization),
            body: Vec::new(),
            parsed: None,
        }
    }
}

/// The one way [`FormRequest`] fails: its body is not a form.
#[derive(Debug)]
pub(crate) struct NotAForm;

impl WebRequest for FormRequest {
    type Error = NotAForm;
    type Response = FormResponse;

    fn query(&mut self) -> Result<Cow<'_, dyn QueryParameter + 'static>, NotAForm> {
        // No flow measured here reads the query; the requests have none.
        Ok(Cow::Owned(NormalizedParameter::new()))
    }

    fn urlbody(&mut self) -> Result<Cow<'_, dyn QueryParameter + 'static>, NotAForm> {
        let is_form = self.content_type.is_some_and(|value| {
            value.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case(FORM))
        });
        if !is_form {
            return Err(NotAForm);
        }
        let body = &self.body;
        let parsed =
            self.parsed.get_or_insert_with(|| form_urlencoded::parse(body).into_owned().collect());
        Ok(Cow::Borrowed(parsed))
    }

    fn authheader(&mut self) -> Result<Option<Cow<'_, str>>, NotAForm> {
        Ok(self.authorization.as_deref().map(Cow::Borrowed))
    }
}

/// The `http::Response` oxide-auth's flows fill in. A token response gets
/// the headers RFC 6749 §5.1 requires (`Cache-Control: no-store`,
/// `Pragma: no-cache`), which oxide-auth leaves to its host; qscope's
/// responses carry the same three headers.
#[derive(Debug)]
pub(crate) struct FormResponse(pub(crate) Response<Vec<u8>>);

impl Default for FormResponse {
    /// `200 OK` with no body: the token flows fill the body of a success
    /// without setting its status.
    fn default() -> Self {
        Self(Response::new(Vec::new()))
    }
}

impl FormResponse {
    fn set_status(&mut self, status: StatusCode) {
        *self.0.status_mut() = status;
    }
}

impl WebResponse for FormResponse {
    type Error = NotAForm;

    fn ok(&mut self) -> Result<(), NotAForm> {
        self.set_status(StatusCode::OK);
        Ok(())
    }

    fn redirect(&mut self, url: Url) -> Result<(), NotAForm> {
        self.set_status(StatusCode::FOUND);
        let location = HeaderValue::try_from(url.as_str()).map_err(|_| NotAForm)?;
        self.0.headers_mut().insert(LOCATION, location);
        Ok(())
    }

    fn client_error(&mut self) -> Result<(), NotAForm> {
        self.set_status(StatusCode::BAD_REQUEST);
        Ok(())
    }

    fn unauthorized(&mut self, header_value: &str) -> Result<(), NotAForm> {
        self.set_status(StatusCode::UNAUTHORIZED);
        let challenge = HeaderValue::try_from(header_value).map_err(|_| NotAForm)?;
        self.0.headers_mut().insert(WWW_AUTHENTICATE, challenge);
        Ok(())
    }

    fn body_text(&mut self, text: &str) -> Result<(), NotAForm> {
        self.0.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        text.as_bytes().clone_into(self.0.body_mut());
        Ok(())
    }

    fn body_json(&mut self, data: &str) -> Result<(), NotAForm> {
        let headers = self.0.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
        data.as_bytes().clone_into(self.0.body_mut());
        Ok(())
    }
}

/// Client secrets stored as one SHA-256 over a fixed prefix and the
/// secret, compared in constant time: the cost qscope pays for a client
/// secret, in place of oxide-auth's default Argon2 (deliberately slow, it
/// would swamp the protocol cost this benchmark compares).
pub(crate) struct Sha256Policy;

impl Sha256Policy {
    fn digest(passphrase: &[u8]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"peers.client-secret.v1\0");
        hasher.update(passphrase);
        hasher.finalize().into()
    }
}

impl PasswordPolicy for Sha256Policy {
    fn store(&self, _client_id: &str, passphrase: &[u8]) -> Vec<u8> {
        Self::digest(passphrase).to_vec()
    }

    fn check(
        &self,
        _client_id: &str,
        passphrase: &[u8],
        stored: &[u8],
    ) -> Result<(), RegistrarError> {
        if bool::from(Self::digest(passphrase).as_slice().ct_eq(stored)) {
            Ok(())
        } else {
            Err(RegistrarError::Unspecified)
        }
    }
}
