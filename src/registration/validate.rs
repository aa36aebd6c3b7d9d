//! Checking requested client metadata against the server's policy and
//! turning it into the settings a [`ClientRecord`] stores (RFC 7591 §2,
//! §2.1, §5).

use crate::store::{ClientAuthMethod, ClientRecord, GrantType};
use crate::{Config, Scopes};

use super::metadata::{ClientMetadata, MetadataError, check_shown_text, shown};
use super::uri::{check_redirect_uri, check_web_uri};

/// What a request may register: the scopes and grant types on offer, and
/// the scopes granted when the request names none.
#[derive(Clone, Debug)]
pub(crate) struct Allowance {
    pub(crate) scopes: Scopes,
    pub(crate) default_scopes: Scopes,
    pub(crate) grants: Vec<GrantType>,
    /// Whether `client_uri` and `logo_uri` must be on the host of one of
    /// the client's `https` redirect URIs (RFC 7591 §5): true for a client
    /// registering or updating itself, false for a trusted administrator.
    pub(crate) display_on_redirect_host: bool,
}

impl Allowance {
    /// Self-registration (RFC 7591 §3): the configured registration scopes
    /// and grants; without a `scope`, the default scopes among them.
    pub(crate) fn self_registration(config: &Config) -> Self {
        let scopes = config.registration_scopes().clone();
        Self {
            default_scopes: config.default_scopes().intersection(&scopes),
            scopes,
            grants: config.registration_grants().to_vec(),
            display_on_redirect_host: true,
        }
    }

    /// A client updating itself (RFC 7592 §2.2): what self-registration
    /// offers, plus whatever it already holds (an administrator may have
    /// granted more), so an update can keep it.
    pub(crate) fn self_update(config: &Config, current: &ClientRecord) -> Self {
        let mut allowance = Self::self_registration(config);
        allowance.scopes = Scopes::from_names(allowance.scopes.iter().chain(current.scopes.iter()));
        for grant in &current.grant_types {
            if config.grant_enabled(*grant) && !allowance.grants.contains(grant) {
                allowance.grants.push(*grant);
            }
        }
        allowance
    }

    /// An administrator: every declared scope and every enabled grant.
    pub(crate) fn administrator(config: &Config) -> Self {
        Self {
            scopes: Scopes::from_names(config.scopes().iter().map(|s| s.name.as_str())),
            default_scopes: config.default_scopes().clone(),
            grants: config.grants().to_vec(),
            display_on_redirect_host: false,
        }
    }
}

/// Validated client metadata, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) auth_method: ClientAuthMethod,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) grant_types: Vec<GrantType>,
    pub(crate) scopes: Scopes,
    pub(crate) name: Option<String>,
    pub(crate) uri: Option<String>,
    pub(crate) logo_uri: Option<String>,
    pub(crate) contacts: Vec<String>,
    pub(crate) software_id: Option<String>,
    pub(crate) software_version: Option<String>,
}

impl Settings {
    /// Overwrites every metadata field of `record` (RFC 7592 §2.2: values
    /// replace, never augment). Identity, credentials, registration time,
    /// revision and the resource-server flag are left alone.
    pub(crate) fn apply_to(self, record: &mut ClientRecord) {
        record.auth_method = self.auth_method;
        record.redirect_uris = self.redirect_uris;
        record.grant_types = self.grant_types;
        record.scopes = self.scopes;
        record.name = self.name;
        record.uri = self.uri;
        record.logo_uri = self.logo_uri;
        record.contacts = self.contacts;
        record.software_id = self.software_id;
        record.software_version = self.software_version;
    }
}

/// The response types a client's grant types imply (RFC 7591 §2.1): `code`
/// exactly when it may use `authorization_code`.
pub(crate) fn response_types(grants: &[GrantType]) -> &'static [&'static str] {
    if grants.contains(&GrantType::AuthorizationCode) { &["code"] } else { &[] }
}

impl ClientMetadata {
    /// Checks the metadata against `allowance` and the server's enabled
    /// grants, applying the RFC 7591 §2 defaults.
    pub(crate) fn validate(
        &self,
        config: &Config,
        allowance: &Allowance,
    ) -> Result<Settings, MetadataError> {
        self.check_shown_texts()?;
        let auth_method = auth_method(self.token_endpoint_auth_method.as_deref())?;
        let grant_types = grant_types(self.grant_types.as_deref(), config, allowance)?;
        check_grant_combination(&grant_types, auth_method)?;
        check_response_types(self.response_types.as_deref(), &grant_types)?;
        let redirect_uris = self.redirect_uris.clone().unwrap_or_default();
        for (i, uri) in redirect_uris.iter().enumerate() {
            check_redirect_uri(uri)
                .map_err(|why| MetadataError::redirect_uri(format!("redirect_uris[{i}] {why}")))?;
        }
        if redirect_uris.is_empty() && grant_types.contains(&GrantType::AuthorizationCode) {
            return Err(MetadataError::redirect_uri(
                "redirect_uris is required for the authorization_code grant type",
            ));
        }
        let scopes = scopes(self.scope.as_deref(), allowance)?;
        // RFC 7591 §5: the pages a consent screen shows must live where the
        // client receives its codes — on the host of *every* https redirect
        // URI, so that one redirect URI on a victim's host cannot lend its
        // name and logo to a client that also receives codes elsewhere (a
        // decoy). Loopback and private-use redirect URIs (native apps) name
        // no web host to compare with. An administrator is trusted to point
        // elsewhere (a CDN, say).
        let web_hosts: Vec<(usize, &str)> = redirect_uris
            .iter()
            .enumerate()
            .filter_map(|(i, uri)| check_web_uri(uri).ok().map(|host| (i, host)))
            .collect();
        for (name, uri) in [("client_uri", &self.client_uri), ("logo_uri", &self.logo_uri)] {
            let Some(uri) = uri else { continue };
            let host = check_web_uri(uri)
                .map_err(|why| MetadataError::metadata(format!("{name} {why}")))?;
            let elsewhere = web_hosts.iter().find(|(_, web)| !web.eq_ignore_ascii_case(host));
            if let (true, Some((i, _))) = (allowance.display_on_redirect_host, elsewhere) {
                return Err(MetadataError::metadata(format!(
                    "{name} must be on the host of every https redirect URI, and \
                     redirect_uris[{i}] is not"
                )));
            }
        }
        Ok(Settings {
            auth_method,
            redirect_uris,
            grant_types,
            scopes,
            name: self.client_name.clone(),
            uri: self.client_uri.clone(),
            logo_uri: self.logo_uri.clone(),
            contacts: self.contacts.clone().unwrap_or_default(),
            software_id: self.software_id.clone(),
            software_version: self.software_version.clone(),
        })
    }

    /// The text rules of [`check_shown_text`] for the members a consent page
    /// shows, whether the metadata came from JSON (checked there already)
    /// or was built by an administrator's code.
    fn check_shown_texts(&self) -> Result<(), MetadataError> {
        let texts = [
            ("client_name", &self.client_name),
            ("software_id", &self.software_id),
            ("software_version", &self.software_version),
        ];
        for (field, value) in texts {
            if let Some(value) = value {
                check_shown_text(value, field)?;
            }
        }
        for (i, contact) in self.contacts.iter().flatten().enumerate() {
            check_shown_text(contact, &format!("contacts[{i}]"))?;
        }
        Ok(())
    }
}

fn auth_method(requested: Option<&str>) -> Result<ClientAuthMethod, MetadataError> {
    match requested.unwrap_or("client_secret_basic") {
        "client_secret_basic" => Ok(ClientAuthMethod::ClientSecretBasic),
        "client_secret_post" => Ok(ClientAuthMethod::ClientSecretPost),
        "none" => Ok(ClientAuthMethod::None),
        other => Err(MetadataError::metadata(format!(
            "token_endpoint_auth_method {} is not supported; use client_secret_basic, \
             client_secret_post or none",
            shown(other)
        ))),
    }
}

fn grant_types(
    requested: Option<&[String]>,
    config: &Config,
    allowance: &Allowance,
) -> Result<Vec<GrantType>, MetadataError> {
    let default = ["authorization_code".to_owned()];
    let mut grants = Vec::new();
    for name in requested.unwrap_or(&default) {
        let grant =
            GrantType::parse(name).filter(|g| config.grant_enabled(*g)).ok_or_else(|| {
                MetadataError::metadata(format!(
                    "grant_types: {} is not supported by this server",
                    shown(name)
                ))
            })?;
        if !allowance.grants.contains(&grant) {
            return Err(MetadataError::metadata(format!(
                "grant_types: {grant} may not be registered"
            )));
        }
        grants.push(grant);
    }
    Ok(grants)
}

fn check_grant_combination(
    grants: &[GrantType],
    auth_method: ClientAuthMethod,
) -> Result<(), MetadataError> {
    if grants.iter().all(|g| *g == GrantType::RefreshToken) {
        return Err(MetadataError::metadata(
            "grant_types: refresh_token needs a grant type that issues the first refresh token",
        ));
    }
    // RFC 6749 §4.4: client credentials are for confidential clients only.
    if auth_method == ClientAuthMethod::None && grants.contains(&GrantType::ClientCredentials) {
        return Err(MetadataError::metadata(
            "grant_types: client_credentials needs a client secret, but \
             token_endpoint_auth_method none makes a public client",
        ));
    }
    Ok(())
}

/// RFC 7591 §2.1: `code` and `authorization_code` go together; `token`
/// (the implicit grant) is not offered (OAuth 2.1).
fn check_response_types(
    requested: Option<&[String]>,
    grants: &[GrantType],
) -> Result<(), MetadataError> {
    let Some(requested) = requested else {
        return Ok(());
    };
    if let Some(other) = requested.iter().find(|r| *r != "code") {
        return Err(MetadataError::metadata(format!(
            "response_types: {} is not supported; only code is",
            shown(other)
        )));
    }
    let code = !requested.is_empty();
    match (code, grants.contains(&GrantType::AuthorizationCode)) {
        (true, false) => Err(MetadataError::metadata(
            "response_types: code must be registered along with the authorization_code grant type",
        )),
        (false, true) => Err(MetadataError::metadata(
            "grant_types: authorization_code must be registered along with the code response type",
        )),
        _ => Ok(()),
    }
}

fn scopes(requested: Option<&str>, allowance: &Allowance) -> Result<Scopes, MetadataError> {
    let Some(text) = requested else {
        return Ok(allowance.default_scopes.intersection(&allowance.scopes));
    };
    let scopes = Scopes::parse(text).map_err(|_| {
        MetadataError::metadata("scope is not a space-delimited list of scope tokens")
    })?;
    if let Some(scope) = scopes.iter().find(|s| !allowance.scopes.contains(s)) {
        return Err(MetadataError::metadata(format!("scope: {scope} may not be registered")));
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn config() -> Config {
        Config::builder("https://server.example.com")
            .scope("read", "Read", true)
            .scope("write", "Write", false)
            .grants([
                GrantType::AuthorizationCode,
                GrantType::ClientCredentials,
                GrantType::RefreshToken,
                GrantType::Password,
            ])
            .registration_grants([
                GrantType::AuthorizationCode,
                GrantType::ClientCredentials,
                GrantType::RefreshToken,
            ])
            .build()
            .unwrap()
    }

    fn metadata(json: &str) -> ClientMetadata {
        ClientMetadata::from_json(json.as_bytes()).unwrap()
    }

    fn check(json: &str) -> Result<Settings, (ErrorCode, String)> {
        let config = config();
        metadata(json)
            .validate(&config, &Allowance::self_registration(&config))
            .map_err(|e| (e.code(), e.description().to_owned()))
    }

    #[test]
    fn defaults_follow_rfc7591_section_2() {
        let settings = check(r#"{"redirect_uris": ["https://client.example.org/cb"]}"#).unwrap();
        assert_eq!(settings.auth_method, ClientAuthMethod::ClientSecretBasic);
        assert_eq!(settings.grant_types, [GrantType::AuthorizationCode]);
        assert_eq!(settings.scopes.as_str(), "read", "default scopes among the registrable");
        assert_eq!(response_types(&settings.grant_types), ["code"]);
    }

    #[test]
    fn a_full_request_becomes_settings() {
        let settings = check(
            r#"{"redirect_uris": ["com.example.app:/cb", "http://127.0.0.1:8080/cb"],
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"], "scope": "write read",
                "client_name": "App", "client_uri": "https://app.example.com/",
                "logo_uri": "https://app.example.com/logo.png",
                "contacts": ["ops@app.example.com"], "software_id": "app",
                "software_version": "1.0"}"#,
        )
        .unwrap();
        assert_eq!(
            settings,
            Settings {
                auth_method: ClientAuthMethod::None,
                redirect_uris: vec![
                    "com.example.app:/cb".into(),
                    "http://127.0.0.1:8080/cb".into()
                ],
                grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
                scopes: Scopes::from_names(["read", "write"]),
                name: Some("App".into()),
                uri: Some("https://app.example.com/".into()),
                logo_uri: Some("https://app.example.com/logo.png".into()),
                contacts: vec!["ops@app.example.com".into()],
                software_id: Some("app".into()),
                software_version: Some("1.0".into()),
            }
        );
    }

    #[test]
    fn client_credentials_only_needs_no_redirect_uri_or_response_type() {
        let settings = check(r#"{"grant_types": ["client_credentials"]}"#).unwrap();
        assert_eq!(settings.grant_types, [GrantType::ClientCredentials]);
        assert!(response_types(&settings.grant_types).is_empty());
    }

    #[test]
    fn refusals_name_the_field() {
        let cb = r#""redirect_uris": ["https://client.example.org/cb"]"#;
        let meta = |d: &str| Err((ErrorCode::InvalidClientMetadata, d.to_owned()));
        let redirect = |d: &str| Err((ErrorCode::InvalidRedirectUri, d.to_owned()));
        for (json, expected) in [
            (
                format!(r#"{{{cb}, "token_endpoint_auth_method": "private_key_jwt"}}"#),
                meta(
                    "token_endpoint_auth_method private_key_jwt is not supported; use \
                     client_secret_basic, client_secret_post or none",
                ),
            ),
            (
                format!(r#"{{{cb}, "grant_types": ["implicit"]}}"#),
                meta("grant_types: implicit is not supported by this server"),
            ),
            (
                format!(r#"{{{cb}, "grant_types": ["urn:ietf:params:oauth:grant-type:device_code"]}}"#),
                meta(
                    "grant_types: urn:ietf:params:oauth:grant-type:device_code is not supported by this server",
                ),
            ),
            (
                format!(r#"{{{cb}, "grant_types": ["password"]}}"#),
                meta("grant_types: password may not be registered"),
            ),
            (
                r#"{"grant_types": ["refresh_token"]}"#.to_owned(),
                meta("grant_types: refresh_token needs a grant type that issues the first refresh token"),
            ),
            (
                r#"{"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"}"#
                    .to_owned(),
                meta(
                    "grant_types: client_credentials needs a client secret, but \
                     token_endpoint_auth_method none makes a public client",
                ),
            ),
            (
                format!(r#"{{{cb}, "response_types": ["token"]}}"#),
                meta("response_types: token is not supported; only code is"),
            ),
            (
                r#"{"grant_types": ["client_credentials"], "response_types": ["code"]}"#.to_owned(),
                meta("response_types: code must be registered along with the authorization_code grant type"),
            ),
            (
                r#"{"redirect_uris": ["https://client.example.org/cb"], "response_types": ["code"], "grant_types": ["refresh_token", "client_credentials"]}"#.to_owned(),
                meta("response_types: code must be registered along with the authorization_code grant type"),
            ),
            (
                r#"{"grant_types": ["authorization_code"]}"#.to_owned(),
                redirect("redirect_uris is required for the authorization_code grant type"),
            ),
            (
                r#"{"redirect_uris": ["https://client.example.org/cb", "http://sketchy.example.com"]}"#
                    .to_owned(),
                redirect(
                    "redirect_uris[1] must use https (plain http only for the loopback \
                     addresses 127.0.0.1 and [::1])",
                ),
            ),
            (
                format!(r#"{{{cb}, "scope": "read admin"}}"#),
                meta("scope: admin may not be registered"),
            ),
            (
                format!(r#"{{{cb}, "scope": "read  write"}}"#),
                meta("scope is not a space-delimited list of scope tokens"),
            ),
            (
                format!(r#"{{{cb}, "client_uri": "http://client.example.org/"}}"#),
                meta("client_uri must be an https URL"),
            ),
            (
                format!(r#"{{{cb}, "logo_uri": "logo.png"}}"#),
                meta("logo_uri is not an absolute URI"),
            ),
        ] {
            assert_eq!(check(&json), expected, "{json}");
        }
    }

    #[test]
    fn display_uris_live_on_a_web_redirect_host() {
        let web = r#""redirect_uris": ["https://app.example.com/cb", "http://127.0.0.1/cb"]"#;
        let elsewhere = format!(r#"{{{web}, "logo_uri": "https://cdn.example.net/logo.png"}}"#);
        assert_eq!(
            check(&elsewhere).unwrap_err().1,
            "logo_uri must be on the host of every https redirect URI, and redirect_uris[0] is not"
        );
        // Every https redirect URI, not only one of them.
        let decoy = r#"{"redirect_uris": ["https://app.example.com/cb", "https://evil.example/cb"],
                        "client_uri": "https://app.example.com/"}"#;
        assert_eq!(
            check(decoy).unwrap_err().1,
            "client_uri must be on the host of every https redirect URI, and redirect_uris[1] is not"
        );
        // Hosts compare without case and without the port.
        let same = format!(r#"{{{web}, "client_uri": "https://APP.example.com:8443/about"}}"#);
        assert!(check(&same).is_ok());
        // A native app has no web host to compare with.
        let native = r#"{"redirect_uris": ["com.example.app:/cb", "http://[::1]/cb"],
                         "client_uri": "https://www.example.com/"}"#;
        assert!(check(native).is_ok());
        // An administrator is trusted with a logo on a CDN.
        let config = config();
        assert!(metadata(&elsewhere).validate(&config, &Allowance::administrator(&config)).is_ok());
    }

    #[test]
    fn grants_must_be_enabled_and_registrable() {
        let config = Config::builder("https://server.example.com").build().unwrap();
        let allowance = Allowance::self_registration(&config);
        let err = metadata(r#"{"grant_types": ["client_credentials"]}"#)
            .validate(&config, &allowance)
            .unwrap_err();
        assert_eq!(err.description(), "grant_types: client_credentials may not be registered");
        // An administrator may register any enabled grant.
        let settings = metadata(r#"{"grant_types": ["client_credentials"]}"#)
            .validate(&config, &Allowance::administrator(&config))
            .unwrap();
        assert_eq!(settings.grant_types, [GrantType::ClientCredentials]);
    }

    #[test]
    fn updates_may_keep_what_the_client_holds() {
        let config = Config::builder("https://server.example.com")
            .scope("read", "Read", true)
            .scope("admin", "Administer", false)
            .grants([GrantType::AuthorizationCode, GrantType::ClientCredentials])
            .registration_scopes(["read"])
            .build()
            .unwrap();
        let current = ClientRecord::public("c")
            .with_grants([GrantType::ClientCredentials])
            .with_scopes(Scopes::from_names(["admin"]));
        let json = r#"{"grant_types": ["client_credentials"], "scope": "admin read"}"#;
        assert!(metadata(json).validate(&config, &Allowance::self_registration(&config)).is_err());
        let settings =
            metadata(json).validate(&config, &Allowance::self_update(&config, &current)).unwrap();
        assert_eq!(settings.scopes.as_str(), "admin read");
        assert_eq!(settings.grant_types, [GrantType::ClientCredentials]);
    }
}
