//! Unit tests of configuration building and validation.

use super::*;
use crate::error::ConfigError;

#[test]
fn defaults_build() {
    let config = Config::builder("https://as.example.com").build().unwrap();
    assert!(config.grant_enabled(GrantType::AuthorizationCode));
    assert!(!config.grant_enabled(GrantType::Password));
    assert_eq!(config.code_lifetime(), Seconds::new(60));
    assert_eq!(config.rotation(), RefreshRotation::Strict);
}

#[test]
fn issuer_rules() {
    for good in [
        "https://as.example.com",
        "https://as.example.com/tenant1",
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
    ] {
        assert!(Config::builder(good).build().is_ok(), "{good}");
    }
    for bad in [
        "http://as.example.com",
        "https://as.example.com?x=1",
        "https://as.example.com#f",
        "https://",
        "as.example.com",
        "https://as.example.com/",
    ] {
        assert_eq!(
            Config::builder(bad).build().unwrap_err(),
            ConfigError::Issuer(bad.into()),
            "{bad}"
        );
    }
}

#[test]
fn invalid_settings_fail_at_build() {
    let b = || Config::builder("https://as.example.com");
    assert!(matches!(
        b().code_lifetime(Seconds::minutes(11)).build(),
        Err(ConfigError::Lifetime { .. })
    ));
    assert!(matches!(
        b().access_token_lifetime(Seconds::new(0)).build(),
        Err(ConfigError::Lifetime { .. })
    ));
    assert_eq!(b().grants([]).build().unwrap_err(), ConfigError::NoGrant);
    assert_eq!(b().scope("a b", "", false).build().unwrap_err(), ConfigError::Scope("a b".into()));
    assert_eq!(
        b().scope("a", "", false).scope("a", "", true).build().unwrap_err(),
        ConfigError::Scope("a".into())
    );
    // Consent pages show scope descriptions: no text controls in them.
    for description in ["Read \u{202E}sliam", "Read\nmail"] {
        assert_eq!(
            b().scope("mail", description, false).build().unwrap_err(),
            ConfigError::ScopeDescription("mail".into())
        );
    }
    let fifo = FifoLimits { refresh_per_client: Some(0), ..FifoLimits::default() };
    assert_eq!(b().fifo(fifo).build().unwrap_err(), ConfigError::FifoLimit("refresh_per_client"));
    assert_eq!(b().max_body_bytes(10).build().unwrap_err(), ConfigError::BodyLimit);
    assert!(matches!(
        b().rotation(RefreshRotation::Grace(Seconds::hours(1))).build(),
        Err(ConfigError::Lifetime { .. })
    ));
    let endpoints = Endpoints { token: "token".into(), ..Endpoints::default() };
    assert!(matches!(b().endpoints(endpoints).build(), Err(ConfigError::EndpointPath(_))));
}

#[test]
fn endpoint_paths_are_validated() {
    let b = || Config::builder("https://as.example.com");
    let bad = |endpoints: Endpoints, path: &str| {
        assert_eq!(
            b().endpoints(endpoints).build().unwrap_err(),
            ConfigError::EndpointPath(path.into())
        );
    };
    bad(Endpoints { authorization: "/token".into(), ..Endpoints::default() }, "/token");
    bad(Endpoints { par: Some("/authorize".into()), ..Endpoints::default() }, "/authorize");
    bad(Endpoints { par: Some("/par?x".into()), ..Endpoints::default() }, "/par?x");
    bad(Endpoints { authorization: "/a b".into(), ..Endpoints::default() }, "/a b");
    bad(
        Endpoints {
            token: "/.well-known/oauth-authorization-server".into(),
            ..Endpoints::default()
        },
        "/.well-known/oauth-authorization-server",
    );
    let custom = Endpoints {
        token: "/oauth/token".into(),
        authorization: "/oauth/authorize".into(),
        par: None,
        revocation: "/oauth/revoke".into(),
        introspection: "/oauth/introspect".into(),
        ..Endpoints::default()
    };
    let config = b().endpoints(custom.clone()).build().unwrap();
    assert_eq!(config.endpoints(), &custom);
    assert_eq!(config.par_path(), None);
}

#[test]
fn endpoint_paths_start_with_a_slash_and_differ() {
    let b = || Config::builder("https://as.example.com");
    let config = b().build().unwrap();
    assert_eq!(config.endpoints().revocation, "/revoke");
    assert_eq!(config.endpoints().introspection, "/introspect");
    let relative = Endpoints { introspection: "introspect".into(), ..Endpoints::default() };
    assert_eq!(
        b().endpoints(relative).build().unwrap_err(),
        ConfigError::EndpointPath("introspect".into())
    );
    let shared = Endpoints { revocation: "/token".into(), ..Endpoints::default() };
    assert_eq!(
        b().endpoints(shared).build().unwrap_err(),
        ConfigError::EndpointPath("/token".into())
    );
}

#[test]
fn bearer_realm_must_be_quotable() {
    let b = || Config::builder("https://as.example.com");
    assert_eq!(b().build().unwrap().bearer().realm, "qscope");
    for bad in ["", "a\"b", "a\\b", "é", "a\nb"] {
        let policy = BearerPolicy { realm: bad.into(), ..BearerPolicy::default() };
        assert_eq!(b().bearer(policy).build().unwrap_err(), ConfigError::Realm(bad.into()));
    }
    let policy = BearerPolicy {
        realm: "api.example.com resources".into(),
        accept_form_body: true,
        ..BearerPolicy::default()
    };
    assert!(b().bearer(policy).build().unwrap().bearer().accept_form_body);
}

#[test]
fn bearer_resource_metadata_must_be_a_quotable_https_url() {
    let b = || Config::builder("https://as.example.com");
    let with =
        |url: &str| BearerPolicy { resource_metadata: Some(url.into()), ..BearerPolicy::default() };
    for bad in [
        "http://rs.example.com/.well-known/oauth-protected-resource",
        "https://rs.example.com/\"x",
        "https://rs.example.com/a b",
        "https://rs.example.com/\u{e9}",
    ] {
        assert_eq!(
            b().bearer(with(bad)).build().unwrap_err(),
            ConfigError::ResourceMetadata(bad.into()),
            "{bad}"
        );
    }
    let good = "https://rs.example.com/.well-known/oauth-protected-resource/api";
    assert_eq!(
        b().bearer(with(good)).build().unwrap().bearer().resource_metadata.as_deref(),
        Some(good)
    );
}

#[test]
fn metadata_path_follows_rfc8414_3_1() {
    let config = Config::builder("https://example.com").build().unwrap();
    assert_eq!(config.metadata_path(), "/.well-known/oauth-authorization-server");
    assert_eq!(config.endpoint_url("/token"), "https://example.com/token");
    let config = Config::builder("https://example.com/issuer1").build().unwrap();
    assert_eq!(config.metadata_path(), "/.well-known/oauth-authorization-server/issuer1");
    assert_eq!(config.endpoint_url("/issuer1/token"), "https://example.com/issuer1/token");
    let config = Config::builder("http://[::1]:8080/a/b").build().unwrap();
    assert_eq!(config.metadata_path(), "/.well-known/oauth-authorization-server/a/b");
    assert_eq!(config.endpoint_url("/t"), "http://[::1]:8080/t");
}

#[test]
fn par_and_interaction_settings() {
    let b = || Config::builder("https://as.example.com");
    let config = b().build().unwrap();
    assert_eq!(config.interaction_lifetime(), Seconds::minutes(10));
    assert_eq!(config.par_lifetime(), Seconds::new(60));
    assert!(!config.require_par());
    assert_eq!(config.par_path(), Some("/par"));
    assert!(matches!(
        b().par_lifetime(Seconds::minutes(11)).build(),
        Err(ConfigError::Lifetime { what: "PAR request_uri lifetime", max: 600 })
    ));
    assert!(matches!(
        b().interaction_lifetime(Seconds::new(0)).build(),
        Err(ConfigError::Lifetime { what: "interaction lifetime", max: 3600 })
    ));
    let no_par = Endpoints { par: None, ..Endpoints::default() };
    assert_eq!(
        b().endpoints(no_par).require_par(true).build().unwrap_err(),
        ConfigError::ParDisabled
    );
    assert!(b().require_par(true).build().unwrap().require_par());
    // Without the code grant there is no authorization endpoint, hence no PAR.
    let config = b().grants([GrantType::ClientCredentials]).build().unwrap();
    assert!(!config.authorization_enabled());
    assert_eq!(config.par_path(), None);
}

#[test]
fn registration_settings_resolve_at_build() {
    let b = || {
        Config::builder("https://as.example.com").scope("read", "Read", true).scope(
            "admin",
            "Administer",
            false,
        )
    };
    let config = b().build().unwrap();
    assert_eq!(*config.registration_policy(), RegistrationPolicy::Closed);
    assert_eq!(config.registration_scopes().as_str(), "admin read");
    assert_eq!(config.registration_grants(), DEFAULT_REGISTRATION_GRANTS);
    let config = b()
        .registration_scopes(["read"])
        .grants([GrantType::AuthorizationCode, GrantType::ClientCredentials])
        .registration_grants([GrantType::ClientCredentials, GrantType::RefreshToken])
        .build()
        .unwrap();
    assert_eq!(config.registration_scopes().as_str(), "read");
    assert_eq!(config.registration_grants(), [GrantType::ClientCredentials]);
    assert_eq!(
        config.registration_client_uri("s6BhdRkqt3"),
        "https://as.example.com/register/s6BhdRkqt3"
    );
    assert_eq!(
        config.registration_client_uri("a b/é"),
        "https://as.example.com/register/a%20b%2F%C3%A9"
    );
}

#[test]
fn invalid_registration_settings_fail_at_build() {
    let b = || Config::builder("https://as.example.com").scope("read", "Read", true);
    assert_eq!(
        b().registration_scopes(["write"]).build().unwrap_err(),
        ConfigError::Scope("write".into())
    );
    assert!(matches!(
        b().grants([GrantType::Password, GrantType::AuthorizationCode])
            .registration_grants([GrantType::Password])
            .build(),
        Err(ConfigError::Registration(_))
    ));
    assert!(matches!(
        b().registration(RegistrationPolicy::InitialAccessToken(Vec::new())).build(),
        Err(ConfigError::Registration(_))
    ));
    for path in ["register", "/register/", "/token"] {
        let endpoints = Endpoints { registration: path.into(), ..Endpoints::default() };
        assert_eq!(
            b().endpoints(endpoints).build().unwrap_err(),
            ConfigError::EndpointPath(path.into()),
            "{path}"
        );
    }
}

#[test]
fn default_scopes_come_from_definitions() {
    let config = Config::builder("https://as.example.com")
        .scope("read", "Read your data", true)
        .scope("write", "Change your data", false)
        .build()
        .unwrap();
    assert_eq!(config.default_scopes().to_string(), "read");
}

#[test]
fn resources_are_validated_with_the_reason() {
    use crate::{ResourceDefinition, TokenFormat};
    let build = |resource: ResourceDefinition| {
        Config::builder("https://as.example")
            .scope("read", "Read", false)
            .resource(resource)
            .build()
    };
    let reason = |result: Result<Config, ConfigError>| match result {
        Err(ConfigError::Resource { reason, .. }) => reason,
        other => panic!("expected a resource error, got {other:?}"),
    };
    assert_eq!(
        reason(build(ResourceDefinition::new("https://api.example/#top"))),
        "has a fragment"
    );
    assert_eq!(
        reason(build(ResourceDefinition::new("api.example"))),
        "is not an absolute URI (no scheme)"
    );
    assert_eq!(reason(build(ResourceDefinition::new("1http:x"))), "is not an absolute URI");
    assert_eq!(
        reason(build(ResourceDefinition::new("https://api.example/ x"))),
        "holds a space, a control or a non-ASCII character"
    );
    assert_eq!(
        reason(build(ResourceDefinition::new("urn:x").with_scopes(Scopes::from_names(["admin"])))),
        "allows a scope that is not declared"
    );
    assert_eq!(
        reason(build(ResourceDefinition::new("urn:x").with_lifetime(Seconds::days(2)))),
        "access_token_lifetime must be between 1 and 86400 seconds"
    );
    assert_eq!(
        reason(build(ResourceDefinition::new("urn:x").with_format(TokenFormat::Jwt))),
        "issues JWT access tokens but no signing keys are configured"
    );
    // RFC 9068 §5: distinct resources get distinct audiences, so one
    // indicator is defined once.
    let twice = Config::builder("https://as.example")
        .resource(ResourceDefinition::new("urn:x"))
        .resource(ResourceDefinition::new("urn:x"))
        .build();
    assert_eq!(reason(twice), "is defined twice");
    let ok = build(ResourceDefinition::new("urn:example:ledger?tenant=1")).unwrap();
    assert!(ok.resource("urn:example:ledger?tenant=1").is_some());
}
