//! RFC 8707 resource indicators: which protected resources a grant and its
//! access tokens are for, shared by the authorization, PAR, device
//! authorization and token endpoints and by the grants.
//!
//! * Every `resource` value must be an absolute URI without a fragment
//!   ([`resource_indicator_problem`]) and a resource defined in the
//!   [`Config`]; otherwise `invalid_target` (RFC 8707 §2). Values repeat
//!   freely; duplicates count once; the order of first appearance is kept.
//! * A token request may name fewer resources than the grant (a subset);
//!   naming one the grant does not hold is `invalid_target`.
//! * An access token's audience is its resources. Its lifetime is the
//!   shortest of theirs, its format JWT when any of them asks for JWTs, and
//!   its scopes are narrowed to those its resources allow.
//! * A JWT is for exactly one resource (RFC 9068 §3: never an ambiguous
//!   authorization): several resources with a JWT one among them are
//!   `invalid_target`, and the client names the one it wants.

use crate::config::{DEFAULT_JWT_LIFETIME, TokenFormat, resource_indicator_problem};
use crate::error::OAuthError;
use crate::form::Form;
use crate::{Config, ErrorCode, Scopes, Seconds};

/// The resources named by the `resource` parameters of `form`, each
/// checked against the configuration.
pub(crate) fn requested(config: &Config, form: &Form<'_>) -> Result<Vec<String>, OAuthError> {
    known(config, form.get_all("resource"))
}

/// `values` as resource indicators: well-formed, defined, without repeats.
pub(crate) fn known<'v>(
    config: &Config,
    values: impl IntoIterator<Item = &'v str>,
) -> Result<Vec<String>, OAuthError> {
    let mut resources: Vec<String> = Vec::new();
    for value in values {
        if let Some(problem) = resource_indicator_problem(value) {
            return Err(invalid_target(format!("resource {problem}")));
        }
        if config.resource(value).is_none() {
            return Err(invalid_target("resource is not known to this server".into()));
        }
        if !resources.iter().any(|r| r == value) {
            resources.push(value.to_owned());
        }
    }
    Ok(resources)
}

/// The resources of a token request against a grant of `granted`: all of
/// them when `requested` is empty, else `requested`, which must be among
/// them (RFC 8707 §2.2).
pub(crate) fn narrow(
    granted: &[String],
    requested: Vec<String>,
) -> Result<Vec<String>, OAuthError> {
    if requested.is_empty() {
        return Ok(granted.to_vec());
    }
    if requested.iter().any(|r| !granted.contains(r)) {
        return Err(invalid_target("resource was not granted".into()));
    }
    Ok(requested)
}

/// How the access token for `resources` is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    /// How long it lives.
    pub(crate) lifetime: Seconds,
    /// Opaque or JWT.
    pub(crate) format: TokenFormat,
    /// Its scopes: `scopes` narrowed to what the resources allow.
    pub(crate) scopes: Scopes,
}

/// The shape of an access token with `scopes` for `resources` (all
/// defined). Without resources: opaque, the server's lifetime, `scopes`.
/// When the resources allow none of a non-empty `scopes`, `invalid_scope`.
pub(crate) fn shape(
    config: &Config,
    resources: &[String],
    scopes: Scopes,
) -> Result<Shape, OAuthError> {
    let server_lifetime = config.access_token_lifetime();
    let mut lifetime = server_lifetime;
    let mut format = TokenFormat::Opaque;
    let mut allowed: Option<Scopes> = None;
    let mut any_unlimited = resources.is_empty();
    for definition in resources.iter().filter_map(|uri| config.resource(uri)) {
        let own = match definition.format {
            TokenFormat::Jwt => {
                format = TokenFormat::Jwt;
                definition.access_token_lifetime.unwrap_or(DEFAULT_JWT_LIFETIME)
            }
            _ => definition.access_token_lifetime.unwrap_or(server_lifetime),
        };
        lifetime = lifetime.min(own);
        match &definition.scopes {
            None => any_unlimited = true,
            Some(these) => {
                allowed = Some(match allowed {
                    None => these.clone(),
                    Some(so_far) => so_far.union(these),
                });
            }
        }
    }
    // RFC 9068 §3: no JWT whose authorization would be ambiguous. With
    // several audiences a scope could not be tied to one of them, so a JWT
    // is for exactly one resource; the client names it with `resource`.
    if format == TokenFormat::Jwt && resources.len() > 1 {
        return Err(invalid_target(
            "a JWT access token is issued for one resource at a time; name one with resource"
                .into(),
        ));
    }
    let narrowed = match allowed {
        Some(allowed) if !any_unlimited => scopes.intersection(&allowed),
        _ => scopes.clone(),
    };
    if narrowed.is_empty() && !scopes.is_empty() {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            "no requested scope is allowed for the requested resource",
        ));
    }
    Ok(Shape { lifetime, format, scopes: narrowed })
}

fn invalid_target(description: String) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidTarget, description)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResourceDefinition;

    fn config() -> Config {
        Config::builder("https://as.example")
            .scope("read", "Read", false)
            .scope("write", "Write", false)
            .resource(ResourceDefinition::new("https://api.example/"))
            .resource(
                ResourceDefinition::new("urn:example:ro")
                    .with_scopes(Scopes::parse("read").unwrap())
                    .with_lifetime(Seconds::new(120)),
            )
            .build()
            .unwrap()
    }

    fn scopes(text: &str) -> Scopes {
        Scopes::parse(text).unwrap()
    }

    #[test]
    fn unknown_malformed_and_fragment_resources_are_invalid_target() {
        let config = config();
        for bad in ["https://other.example/", "api.example", "https://api.example/#x", "a b:c"] {
            let err = known(&config, [bad]).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidTarget, "{bad}");
        }
        let ok = known(&config, ["urn:example:ro", "https://api.example/", "urn:example:ro"]);
        assert_eq!(ok.unwrap(), ["urn:example:ro", "https://api.example/"]);
    }

    #[test]
    fn a_token_request_narrows_but_never_widens() {
        let granted = vec!["https://api.example/".to_owned(), "urn:example:ro".to_owned()];
        assert_eq!(narrow(&granted, Vec::new()).unwrap(), granted);
        assert_eq!(narrow(&granted, vec!["urn:example:ro".into()]).unwrap(), ["urn:example:ro"]);
        let err = narrow(&granted[1..], vec!["https://api.example/".into()]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidTarget);
    }

    #[test]
    fn the_shape_downscopes_and_takes_the_shortest_lifetime() {
        let config = config();
        let ro = vec!["urn:example:ro".to_owned()];
        let shape = shape(&config, &ro, scopes("read write")).unwrap();
        assert_eq!(shape.scopes, scopes("read"));
        assert_eq!(shape.lifetime, Seconds::new(120));
        assert_eq!(shape.format, TokenFormat::Opaque);
        let both = vec!["https://api.example/".to_owned(), "urn:example:ro".to_owned()];
        assert_eq!(super::shape(&config, &both, scopes("write")).unwrap().scopes, scopes("write"));
        let err = super::shape(&config, &ro, scopes("write")).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidScope);
        let none = super::shape(&config, &[], scopes("write")).unwrap();
        assert_eq!(none.lifetime, config.access_token_lifetime());
    }

    #[cfg(feature = "jwt")]
    #[test]
    fn a_jwt_is_for_exactly_one_resource_and_lives_five_minutes_by_default() {
        use crate::jose::{Algorithm, KeySet, RotationPolicy, Signer, SigningKey};
        use rand_chacha::rand_core::SeedableRng as _;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8707);
        let mut keys = KeySet::new(RotationPolicy::default());
        let key = SigningKey::generate(Algorithm::EdDsa, &mut rng).unwrap();
        keys.publish(Signer::InProcess(key), crate::UnixTime::from_secs(0)).unwrap();
        let config = Config::builder("https://as.example")
            .scope("read", "Read", false)
            .signing_keys(keys)
            .resource(ResourceDefinition::new("https://jwt.example/").with_format(TokenFormat::Jwt))
            .resource(ResourceDefinition::new("https://api.example/"))
            .build()
            .unwrap();
        let one = vec!["https://jwt.example/".to_owned()];
        let single = shape(&config, &one, scopes("read")).unwrap();
        assert_eq!((single.format, single.lifetime), (TokenFormat::Jwt, DEFAULT_JWT_LIFETIME));
        let two = vec!["https://jwt.example/".to_owned(), "https://api.example/".to_owned()];
        let err = shape(&config, &two, scopes("read")).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidTarget);
    }
}
