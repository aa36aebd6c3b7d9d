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
