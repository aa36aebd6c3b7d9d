//! The checks [`ConfigBuilder::build`](super::ConfigBuilder::build) runs.

use super::*;
use crate::error::ConfigError;

/// RFC 6750 §3 auth-param values as a quoted string without escapes:
/// non-empty, %x20-21 / %x23-5B / %x5D-7E.
pub(super) fn is_realm(realm: &str) -> bool {
    !realm.is_empty() && realm.bytes().all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// An endpoint path: starts with `/`, and holds only visible ASCII
/// without `?` or `#` (a path, not a URL).
pub(super) fn is_endpoint_path(path: &str) -> bool {
    path.starts_with('/') && path.bytes().all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#')
}

/// Splits a validated issuer into its `scheme://authority` and its path
/// (empty or starting with `/`).
pub(super) fn split_issuer(issuer: &str) -> (&str, &str) {
    let after_scheme = issuer.find("://").map_or(0, |i| i + 3);
    match issuer[after_scheme..].find('/') {
        Some(i) => issuer.split_at(after_scheme + i),
        None => (issuer, ""),
    }
}

/// Resolves and checks the registration settings: the registration path,
/// the self-registrable scopes (declared ones only) and grants (enabled
/// ones, never `password`), and a non-empty initial access token list.
pub(super) fn validate_registration(config: &mut Config) -> Result<(), ConfigError> {
    let path = &config.endpoints.registration;
    if !path.starts_with('/') || path.ends_with('/') || *path == config.endpoints.token {
        return Err(ConfigError::EndpointPath(path.clone()));
    }
    if let RegistrationPolicy::InitialAccessToken(tokens) = &config.registration
        && tokens.is_empty()
    {
        return Err(ConfigError::Registration("the initial access token list is empty"));
    }
    let known = || config.scopes.iter().map(|s| s.name.as_str());
    config.registration_scopes = match &config.registration_scope_names {
        None => Scopes::from_names(known()),
        Some(names) => {
            if let Some(unknown) = names.iter().find(|n| !known().any(|k| k == n.as_str())) {
                return Err(ConfigError::Scope(unknown.clone()));
            }
            Scopes::from_names(names)
        }
    };
    if config.registration_grants.contains(&GrantType::Password) {
        return Err(ConfigError::Registration("the password grant may not be self-registered"));
    }
    let mut grants: Vec<GrantType> = Vec::new();
    for grant in &config.registration_grants {
        if config.grants.contains(grant) && !grants.contains(grant) {
            grants.push(*grant);
        }
    }
    config.registration_grants = grants;
    Ok(())
}

pub(super) fn check_lifetime(
    what: &'static str,
    value: Seconds,
    max: Seconds,
) -> Result<(), ConfigError> {
    if value.get() == 0 || value > max {
        return Err(ConfigError::Lifetime { what, max: max.get() });
    }
    Ok(())
}

/// RFC 8414 §2: the issuer is an `https` URL with no query or fragment.
/// Plain `http` is allowed for loopback hosts so a local demo works.
pub(super) fn validate_issuer(issuer: &str) -> Result<(), ConfigError> {
    let bad = || ConfigError::Issuer(issuer.to_owned());
    let rest = if let Some(rest) = issuer.strip_prefix("https://") {
        rest
    } else if let Some(rest) = issuer.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        let host = if rest.starts_with('[') { rest.split(']').next().unwrap_or("") } else { host };
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1") {
            return Err(bad());
        }
        rest
    } else {
        return Err(bad());
    };
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty()
        || issuer.contains(['?', '#'])
        || issuer.ends_with('/')
        || issuer.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad());
    }
    Ok(())
}

/// Why `uri` cannot be a resource indicator (RFC 8707 §2: "an absolute URI,
/// as specified by Section 4.3 of [RFC3986]. The URI MUST NOT include a
/// fragment component"), or `None` when it can: a scheme, a colon and a
/// non-empty rest, visible ASCII only, no `#`, at most 2048 bytes.
pub(crate) fn resource_indicator_problem(uri: &str) -> Option<&'static str> {
    if uri.len() > 2048 {
        return Some("is longer than 2048 bytes");
    }
    if !uri.bytes().all(|b| b.is_ascii_graphic()) {
        return Some("holds a space, a control or a non-ASCII character");
    }
    if uri.contains('#') {
        return Some("has a fragment");
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Some("is not an absolute URI (no scheme)");
    };
    let mut chars = scheme.bytes();
    let scheme_ok = chars.next().is_some_and(|b| b.is_ascii_alphabetic())
        && chars.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok || rest.is_empty() {
        return Some("is not an absolute URI");
    }
    None
}

/// Checks the resource definitions: valid, distinct indicators, lifetimes
/// within the access-token bound, declared scopes only.
pub(super) fn validate_resources(config: &Config) -> Result<(), ConfigError> {
    let mut seen: Vec<&str> = Vec::new();
    for resource in &config.resources {
        let fail = |reason| Err(ConfigError::Resource { uri: resource.uri.clone(), reason });
        if let Some(reason) = resource_indicator_problem(&resource.uri) {
            return fail(reason);
        }
        if seen.contains(&resource.uri.as_str()) {
            return fail("is defined twice");
        }
        seen.push(&resource.uri);
        if let Some(lifetime) = resource.access_token_lifetime
            && (lifetime.get() == 0 || lifetime > Seconds::days(1))
        {
            return fail("access_token_lifetime must be between 1 and 86400 seconds");
        }
        if let Some(scopes) = &resource.scopes
            && scopes.iter().any(|s| !config.scopes.iter().any(|d| d.name == s))
        {
            return fail("allows a scope that is not declared");
        }
        #[cfg(feature = "jwt")]
        if resource.format == TokenFormat::Jwt && config.signing_keys.is_none() {
            return fail("issues JWT access tokens but no signing keys are configured");
        }
        #[cfg(not(feature = "jwt"))]
        if resource.format == TokenFormat::Jwt {
            return fail("issues JWT access tokens, which need the jwt feature");
        }
    }
    Ok(())
}
