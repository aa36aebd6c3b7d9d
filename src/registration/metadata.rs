//! Client metadata as JSON (RFC 7591 §2): the members qscope understands,
//! each checked for its JSON type, size and characters, and named in the
//! error when it is wrong. Unknown members are ignored (RFC 7591 §2: "The
//! authorization server MUST ignore any client metadata sent by the client
//! that it does not understand").
//!
//! `null`, `""` and `[]` all mean "not given" (RFC 7592 §2.2 treats omitted,
//! null and empty values alike), so the defaults of RFC 7591 §2 apply.

use serde_json::{Map, Value};

use crate::ErrorCode;
use crate::error::OAuthError;
use crate::secret::Redacted;
use crate::shown_text::unshowable;

use super::uri::MAX_URI_BYTES;

/// The longest name, identifier, version, contact or method accepted.
pub(crate) const MAX_TEXT_BYTES: usize = 256;
/// The most entries accepted in one list member.
pub(crate) const MAX_LIST_LEN: usize = 32;

/// Client metadata as requested (RFC 7591 §2), before validation against
/// the server's policy. Values are the wire strings; `None` means the
/// member was absent, `null` or empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientMetadata {
    /// `redirect_uris`.
    pub redirect_uris: Option<Vec<String>>,
    /// `token_endpoint_auth_method` (default `client_secret_basic`).
    pub token_endpoint_auth_method: Option<String>,
    /// `grant_types` (default `["authorization_code"]`).
    pub grant_types: Option<Vec<String>>,
    /// `response_types` (default: `["code"]` when the grant types include
    /// `authorization_code`, else none).
    pub response_types: Option<Vec<String>>,
    /// `scope`, space-delimited.
    pub scope: Option<String>,
    /// `client_name`.
    pub client_name: Option<String>,
    /// `client_uri`.
    pub client_uri: Option<String>,
    /// `logo_uri`.
    pub logo_uri: Option<String>,
    /// `contacts`.
    pub contacts: Option<Vec<String>>,
    /// `software_id`.
    pub software_id: Option<String>,
    /// `software_version`.
    pub software_version: Option<String>,
}

/// Client metadata that cannot be registered: the RFC 7591 §3.2.2 error
/// code (`invalid_redirect_uri` or `invalid_client_metadata`) and a
/// description naming the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct MetadataError {
    code: ErrorCode,
    description: String,
}

impl MetadataError {
    /// `invalid_client_metadata` with `description`.
    pub(crate) fn metadata(description: impl Into<String>) -> Self {
        Self { code: ErrorCode::InvalidClientMetadata, description: description.into() }
    }

    /// `invalid_redirect_uri` with `description`.
    pub(crate) fn redirect_uri(description: impl Into<String>) -> Self {
        Self { code: ErrorCode::InvalidRedirectUri, description: description.into() }
    }

    /// The error code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// What is wrong, naming the field.
    pub fn description(&self) -> &str {
        &self.description
    }

    pub(crate) fn into_oauth(self) -> OAuthError {
        OAuthError::new(self.code, self.description)
    }
}

/// An RFC 7592 §2.2 update request: the metadata plus the members the
/// update rules look at.
#[derive(Debug)]
pub(crate) struct UpdateRequest {
    pub(crate) metadata: ClientMetadata,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<Redacted>,
}

/// Members an update request MUST NOT include (RFC 7592 §2.2).
const NOT_IN_UPDATES: [&str; 4] = [
    "registration_access_token",
    "registration_client_uri",
    "client_secret_expires_at",
    "client_id_issued_at",
];

impl ClientMetadata {
    /// Parses a registration request body: a JSON object whose members are
    /// client metadata.
    pub fn from_json(body: &[u8]) -> Result<Self, MetadataError> {
        Self::from_object(&object(body)?)
    }

    fn from_object(object: &Map<String, Value>) -> Result<Self, MetadataError> {
        let given = |name: &str| object.get(name).is_some_and(|v| !v.is_null());
        if given("jwks") && given("jwks_uri") {
            return Err(MetadataError::metadata("jwks and jwks_uri must not both be present"));
        }
        Ok(Self {
            redirect_uris: list(object, "redirect_uris", MAX_URI_BYTES)?,
            token_endpoint_auth_method: text(object, "token_endpoint_auth_method", MAX_TEXT_BYTES)?,
            grant_types: list(object, "grant_types", MAX_TEXT_BYTES)?,
            response_types: list(object, "response_types", MAX_TEXT_BYTES)?,
            scope: text(object, "scope", MAX_URI_BYTES)?,
            client_name: text(object, "client_name", MAX_TEXT_BYTES)?,
            client_uri: text(object, "client_uri", MAX_URI_BYTES)?,
            logo_uri: text(object, "logo_uri", MAX_URI_BYTES)?,
            contacts: list(object, "contacts", MAX_TEXT_BYTES)?,
            software_id: text(object, "software_id", MAX_TEXT_BYTES)?,
            software_version: text(object, "software_version", MAX_TEXT_BYTES)?,
        })
    }
}

impl UpdateRequest {
    /// Parses an update request body, refusing the members RFC 7592 §2.2
    /// forbids.
    pub(crate) fn from_json(body: &[u8]) -> Result<Self, MetadataError> {
        let object = object(body)?;
        if let Some(name) = NOT_IN_UPDATES.iter().find(|n| object.contains_key(**n)) {
            return Err(MetadataError::metadata(format!(
                "{name} must not be sent in an update request"
            )));
        }
        Ok(Self {
            metadata: ClientMetadata::from_object(&object)?,
            client_id: text(&object, "client_id", MAX_TEXT_BYTES)?,
            client_secret: text(&object, "client_secret", MAX_TEXT_BYTES)?.map(Redacted),
        })
    }
}

fn object(body: &[u8]) -> Result<Map<String, Value>, MetadataError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(MetadataError::metadata("the request body must be a JSON object")),
    }
}

/// An optional string member: absent, `null` and `""` are `None`.
fn text(
    object: &Map<String, Value>,
    name: &str,
    max: usize,
) -> Result<Option<String>, MetadataError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => checked(s, name, max).map(Some),
        Some(_) => Err(MetadataError::metadata(format!("{name} must be a string"))),
    }
}

/// An optional array-of-strings member: absent, `null` and `[]` are `None`;
/// repeated entries collapse, keeping the first.
fn list(
    object: &Map<String, Value>,
    name: &str,
    max: usize,
) -> Result<Option<Vec<String>>, MetadataError> {
    let items = match object.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) if items.is_empty() => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(MetadataError::metadata(format!("{name} must be an array of strings")));
        }
    };
    if items.len() > MAX_LIST_LEN {
        return Err(MetadataError::metadata(format!(
            "{name} has more than {MAX_LIST_LEN} entries"
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("{name}[{i}]");
        let Value::String(s) = item else {
            return Err(MetadataError::metadata(format!("{field} must be a string")));
        };
        if s.is_empty() {
            return Err(MetadataError::metadata(format!("{field} must not be empty")));
        }
        let s = checked(s, &field, max)?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(Some(out))
}

fn checked(value: &str, field: &str, max: usize) -> Result<String, MetadataError> {
    if value.len() > max {
        return Err(MetadataError::metadata(format!("{field} is longer than {max} bytes")));
    }
    check_shown_text(value, field)?;
    Ok(value.to_owned())
}

/// Refuses the characters that change how a value is shown rather than what
/// it says ([`unshowable`]). Every member of a JSON request goes through
/// it, and validation checks the human-readable members of any
/// [`ClientMetadata`] again, so the administrator's (built in code, never
/// parsed) too.
pub(crate) fn check_shown_text(value: &str, field: &str) -> Result<(), MetadataError> {
    match unshowable(value) {
        Some(why) => Err(MetadataError::metadata(format!("{field} {}", why.description()))),
        None => Ok(()),
    }
}

/// `value` fit to quote in an `error_description` (RFC 6749 §5.2 allows
/// only %x20-21 / %x23-5B / %x5D-7E): other characters dropped, at most 64
/// kept.
pub(crate) fn shown(value: &str) -> String {
    let mut out: String = value
        .chars()
        .filter(|c| matches!(*c, ' ' | '!' | '#'..='[' | ']'..='~'))
        .take(64)
        .collect();
    if value.chars().count() > 64 {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<ClientMetadata, MetadataError> {
        ClientMetadata::from_json(json.as_bytes())
    }

    fn error(json: &str) -> (ErrorCode, String) {
        let err = parse(json).unwrap_err();
        (err.code(), err.description().to_owned())
    }

    #[test]
    fn rfc7591_example_parses_and_ignores_unknown_members() {
        let metadata = parse(
            r#"{
              "redirect_uris": ["https://client.example.org/callback",
                                "https://client.example.org/callback2"],
              "client_name": "My Example Client",
              "client_name#ja-Jpan-JP": "\u30AF\u30E9\u30A4\u30A2\u30F3\u30C8\u540D",
              "token_endpoint_auth_method": "client_secret_basic",
              "logo_uri": "https://client.example.org/logo.png",
              "jwks_uri": "https://client.example.org/my_public_keys.jwks",
              "example_extension_parameter": "example_value"
            }"#,
        )
        .unwrap();
        let expected = ClientMetadata {
            redirect_uris: Some(vec![
                "https://client.example.org/callback".into(),
                "https://client.example.org/callback2".into(),
            ]),
            client_name: Some("My Example Client".into()),
            token_endpoint_auth_method: Some("client_secret_basic".into()),
            logo_uri: Some("https://client.example.org/logo.png".into()),
            ..ClientMetadata::default()
        };
        assert_eq!(metadata, expected);
    }

    #[test]
    fn null_empty_and_absent_are_the_same() {
        let metadata =
            parse(r#"{"client_name": null, "scope": "", "contacts": [], "redirect_uris": null}"#)
                .unwrap();
        assert_eq!(metadata, ClientMetadata::default());
    }

    #[test]
    fn repeated_list_entries_collapse() {
        let metadata = parse(
            r#"{"grant_types": ["authorization_code", "refresh_token", "authorization_code"]}"#,
        )
        .unwrap();
        assert_eq!(
            metadata.grant_types,
            Some(vec!["authorization_code".into(), "refresh_token".into()])
        );
    }

    #[test]
    fn wrong_types_name_the_field() {
        let metadata = |d: &str| (ErrorCode::InvalidClientMetadata, d.to_owned());
        for (json, expected) in [
            (r#"{"client_name": 7}"#, metadata("client_name must be a string")),
            (r#"{"scope": ["read"]}"#, metadata("scope must be a string")),
            (r#"{"logo_uri": {}}"#, metadata("logo_uri must be a string")),
            (r#"{"software_id": true}"#, metadata("software_id must be a string")),
            (r#"{"software_version": 2}"#, metadata("software_version must be a string")),
            (r#"{"client_uri": 1}"#, metadata("client_uri must be a string")),
            (
                r#"{"token_endpoint_auth_method": 1}"#,
                metadata("token_endpoint_auth_method must be a string"),
            ),
            (
                r#"{"redirect_uris": "https://a.example/cb"}"#,
                metadata("redirect_uris must be an array of strings"),
            ),
            (
                r#"{"grant_types": "authorization_code"}"#,
                metadata("grant_types must be an array of strings"),
            ),
            (r#"{"response_types": ["code", 1]}"#, metadata("response_types[1] must be a string")),
            (r#"{"contacts": [null]}"#, metadata("contacts[0] must be a string")),
            (r#"{"contacts": [""]}"#, metadata("contacts[0] must not be empty")),
            (
                r#"{"client_name": "a\u0007b"}"#,
                metadata("client_name must not contain control characters"),
            ),
            (
                r#"{"client_name": "a\u202Eb"}"#,
                metadata("client_name must not contain bidirectional text controls"),
            ),
            (
                r#"{"software_id": "\u2066x"}"#,
                metadata("software_id must not contain bidirectional text controls"),
            ),
            (
                r#"{"jwks": {"keys": []}, "jwks_uri": "https://a.example/jwks"}"#,
                metadata("jwks and jwks_uri must not both be present"),
            ),
            (r#"[]"#, metadata("the request body must be a JSON object")),
            (r#"{"a": "#, metadata("the request body must be a JSON object")),
        ] {
            assert_eq!(error(json), expected, "{json}");
        }
    }

    #[test]
    fn sizes_are_bounded() {
        let name = "n".repeat(MAX_TEXT_BYTES + 1);
        assert_eq!(
            error(&format!(r#"{{"client_name": "{name}"}}"#)).1,
            "client_name is longer than 256 bytes"
        );
        let many: Vec<String> = (0..=MAX_LIST_LEN).map(|i| format!("\"c{i}\"")).collect();
        assert_eq!(
            error(&format!(r#"{{"contacts": [{}]}}"#, many.join(","))).1,
            "contacts has more than 32 entries"
        );
    }

    #[test]
    fn update_requests_refuse_server_members() {
        for name in NOT_IN_UPDATES {
            let err =
                UpdateRequest::from_json(format!(r#"{{"{name}": 1}}"#).as_bytes()).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidClientMetadata);
            assert_eq!(err.description(), format!("{name} must not be sent in an update request"));
        }
        let update = UpdateRequest::from_json(
            br#"{"client_id": "s6BhdRkqt3", "client_secret": "cf136dc3c1fc93f31185e5885805d"}"#,
        )
        .unwrap();
        assert_eq!(update.client_id.as_deref(), Some("s6BhdRkqt3"));
        assert_eq!(
            update.client_secret.map(|s| s.0).as_deref(),
            Some("cf136dc3c1fc93f31185e5885805d")
        );
    }

    #[test]
    fn shown_values_fit_error_descriptions() {
        assert_eq!(shown("implicit"), "implicit");
        assert_eq!(shown("a\"b\\c\u{e9}d"), "abcd");
        assert_eq!(shown(&"x".repeat(70)), format!("{}...", "x".repeat(64)));
    }
}
