//! Authorization server metadata (RFC 8414 §2, §3).
//!
//! `GET /.well-known/oauth-authorization-server[/issuer-path]`, built from
//! the [`Config`] alone, listing only what this server serves. Members with
//! no elements are omitted (§3.2). One line per optional endpoint, below.

use http::header::CONTENT_TYPE;
use http::{HeaderValue, Method, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::endpoint::flow::Env;
use crate::input::HttpRequest;
use crate::reply::Respond;
use crate::store::{ClientAuthMethod, PkceMethod};
use crate::{Config, RegistrationPolicy, response};

/// The answer to a metadata request: built from the policy alone, so the
/// exchange never pauses.
pub(crate) fn answer(env: &Env, request: HttpRequest<'_>) -> Respond {
    if request.method() != Method::GET {
        return Respond::http(response::method_not_allowed("GET"), Vec::new());
    }
    let body = serde_json::to_vec(&document(&env.config)).unwrap_or_default();
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Respond::http(response, Vec::new())
}

/// The metadata document for `config`.
pub(crate) fn document(config: &Config) -> Map<String, Value> {
    let endpoints = config.endpoints();
    let url = |path: &str| Value::String(config.endpoint_url(path));
    let mut doc = Map::new();
    doc.insert("issuer".into(), json!(config.issuer()));
    doc.insert("token_endpoint".into(), url(&endpoints.token));
    doc.insert("token_endpoint_auth_methods_supported".into(), json!(auth_methods()));
    let grants = grant_types(config);
    if !grants.is_empty() {
        doc.insert("grant_types_supported".into(), json!(grants));
    }
    let scopes: Vec<&str> = config.scopes().iter().map(|s| s.name.as_str()).collect();
    if !scopes.is_empty() {
        doc.insert("scopes_supported".into(), json!(scopes));
    }
    if config.authorization_enabled() {
        doc.insert("authorization_endpoint".into(), url(&endpoints.authorization));
        doc.insert("response_types_supported".into(), json!(["code"]));
        doc.insert("response_modes_supported".into(), json!(["query"]));
        doc.insert("code_challenge_methods_supported".into(), json!(pkce_methods(config)));
        doc.insert("authorization_response_iss_parameter_supported".into(), json!(true));
    }
    // Revocation (RFC 7009) takes every token-endpoint method, `none`
    // included (public clients revoke their own tokens); introspection
    // (RFC 7662) only the confidential ones.
    doc.insert("revocation_endpoint".into(), url(&endpoints.revocation));
    doc.insert("revocation_endpoint_auth_methods_supported".into(), json!(auth_methods()));
    doc.insert("introspection_endpoint".into(), url(&endpoints.introspection));
    doc.insert("introspection_endpoint_auth_methods_supported".into(), json!(&auth_methods()[..2]));
    // Optional endpoints, one line each.
    if let Some(par) = config.par_path() {
        doc.insert("pushed_authorization_request_endpoint".into(), url(par));
        doc.insert("require_pushed_authorization_requests".into(), json!(config.require_par()));
    }
    if let Some(device) = config.device_authorization_path() {
        doc.insert("device_authorization_endpoint".into(), url(device));
    }
    if *config.registration_policy() != RegistrationPolicy::Closed {
        doc.insert("registration_endpoint".into(), url(&endpoints.registration));
    }
    doc
}

/// The client authentication methods the token-style endpoints accept.
fn auth_methods() -> Vec<&'static str> {
    [
        ClientAuthMethod::ClientSecretBasic,
        ClientAuthMethod::ClientSecretPost,
        ClientAuthMethod::None,
    ]
    .into_iter()
    .map(ClientAuthMethod::as_str)
    .collect()
}

/// The enabled grant types.
fn grant_types(config: &Config) -> Vec<&'static str> {
    config.grants().iter().map(|g| g.as_str()).collect()
}

/// `S256` always; `plain` only when enabled.
fn pkce_methods(config: &Config) -> Vec<&'static str> {
    let mut methods = vec![PkceMethod::S256.as_str()];
    if config.pkce().allow_plain {
        methods.push(PkceMethod::Plain.as_str());
    }
    methods
}
