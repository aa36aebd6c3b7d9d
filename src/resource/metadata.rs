//! RFC 9728 protected resource metadata: the document a resource server
//! publishes so that a client that knows only the resource's URL finds
//! the authorization servers, scopes and bearer methods it accepts.

use http::header::CONTENT_TYPE;
use http::{HeaderValue, Response, StatusCode};
use serde::Serialize;

use crate::registration::uri::check_web_uri;
use crate::{BearerPolicy, Scopes};

/// The well-known path suffix of the metadata (RFC 9728 §3), the one this
/// crate publishes at.
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// Why a value cannot be used in a [`ProtectedResource`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// The resource identifier is not an `https` URL with a host and no
    /// user information or fragment (RFC 9728 §1.2, RFC 8707 §2).
    #[error("the resource identifier {uri:?} {reason}")]
    Resource {
        /// The refused value.
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An authorization server's issuer identifier is not an `https` URL
    /// with a host and no query or fragment (RFC 8414 §2).
    #[error("the issuer identifier {uri:?} {reason}")]
    Issuer {
        /// The refused value.
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A documentation, policy or terms URL is not an `https` URL with a
    /// host.
    #[error("the page URL {uri:?} {reason}")]
    Page {
        /// The refused value.
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The name is empty or has control characters.
    #[error("the resource name is empty or has control characters")]
    Name,
}

/// A protected resource as it describes itself (RFC 9728 §2): its resource
/// identifier, the authorization servers whose tokens it accepts, its
/// scopes, how it reads bearer tokens, and pages for people.
///
/// The resource identifier decides where the document lives
/// ([`metadata_path`](Self::metadata_path), RFC 9728 §3) and the
/// `resource_metadata` URL of the challenges
/// ([`bearer_policy`](Self::bearer_policy), RFC 9728 §5.1).
///
/// ```
/// use qscope::resource::ProtectedResource;
/// use qscope::Scopes;
///
/// let api = ProtectedResource::new("https://api.example.com/reports")?
///     .with_authorization_server("https://as.example.com")?
///     .with_scopes(Scopes::from_names(["reports:read"]))
///     .with_name("Reports API")?;
/// assert_eq!(api.metadata_path(), "/.well-known/oauth-protected-resource/reports");
/// assert_eq!(
///     api.metadata_url(),
///     "https://api.example.com/.well-known/oauth-protected-resource/reports"
/// );
/// let response = api.metadata_response();
/// assert_eq!(response.status(), 200);
/// let document: serde_json::Value = serde_json::from_slice(response.body())?;
/// assert_eq!(document["resource"], "https://api.example.com/reports");
/// assert_eq!(document["bearer_methods_supported"], serde_json::json!(["header"]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtectedResource {
    resource: String,
    /// Where the host part of `resource` ends.
    origin_len: usize,
    authorization_servers: Vec<String>,
    scopes: Scopes,
    policy: BearerPolicy,
    name: Option<String>,
    documentation: Option<String>,
    policy_uri: Option<String>,
    tos_uri: Option<String>,
}

impl ProtectedResource {
    /// The resource `resource`: an `https` URL with a host, no user
    /// information and no fragment (RFC 9728 §1.2). A query is allowed
    /// (RFC 8707 §2 says SHOULD NOT, RFC 9728 recognizes it). Its bearer
    /// policy is [`BearerPolicy::default`], no scopes, no servers.
    pub fn new(resource: impl Into<String>) -> Result<Self, ResourceError> {
        let resource = resource.into();
        let refuse = |reason| ResourceError::Resource { uri: resource.clone(), reason };
        check_web_uri(&resource).map_err(refuse)?;
        if resource.contains('#') {
            return Err(refuse("has a fragment"));
        }
        let after_scheme = "https://".len();
        let origin_len =
            resource[after_scheme..].find(['/', '?']).map_or(resource.len(), |i| after_scheme + i);
        Ok(Self {
            resource,
            origin_len,
            authorization_servers: Vec::new(),
            scopes: Scopes::new(),
            policy: BearerPolicy::default(),
            name: None,
            documentation: None,
            policy_uri: None,
            tos_uri: None,
        })
    }

    /// Adds an authorization server whose tokens the resource accepts, by
    /// its issuer identifier (RFC 8414 §2: `https`, no query or fragment).
    pub fn with_authorization_server(
        mut self,
        issuer: impl Into<String>,
    ) -> Result<Self, ResourceError> {
        let issuer = issuer.into();
        let refuse = |reason| ResourceError::Issuer { uri: issuer.clone(), reason };
        check_web_uri(&issuer).map_err(refuse)?;
        if issuer.contains(['?', '#']) {
            return Err(refuse("has a query or fragment"));
        }
        if !self.authorization_servers.contains(&issuer) {
            self.authorization_servers.push(issuer);
        }
        Ok(self)
    }

    /// The scopes clients request to access the resource
    /// (`scopes_supported`, RECOMMENDED).
    #[must_use]
    pub fn with_scopes(mut self, scopes: Scopes) -> Self {
        self.scopes = scopes;
        self
    }

    /// How the resource reads bearer tokens: the realm, and whether a
    /// form body is read (`bearer_methods_supported` says `header`, and
    /// `body` when it is). Its `resource_metadata` is replaced by this
    /// resource's.
    #[must_use]
    pub fn with_bearer_policy(mut self, policy: BearerPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The name shown to people (`resource_name`, RECOMMENDED).
    pub fn with_name(mut self, name: impl Into<String>) -> Result<Self, ResourceError> {
        let name = name.into();
        if name.trim().is_empty() || name.chars().any(char::is_control) {
            return Err(ResourceError::Name);
        }
        self.name = Some(name);
        Ok(self)
    }

    /// A page for developers (`resource_documentation`).
    pub fn with_documentation(mut self, url: impl Into<String>) -> Result<Self, ResourceError> {
        self.documentation = Some(page(url.into())?);
        Ok(self)
    }

    /// The page on how clients may use the data (`resource_policy_uri`).
    pub fn with_policy_uri(mut self, url: impl Into<String>) -> Result<Self, ResourceError> {
        self.policy_uri = Some(page(url.into())?);
        Ok(self)
    }

    /// The terms of service (`resource_tos_uri`).
    pub fn with_tos_uri(mut self, url: impl Into<String>) -> Result<Self, ResourceError> {
        self.tos_uri = Some(page(url.into())?);
        Ok(self)
    }

    /// The resource identifier, exactly as given: the `resource` member
    /// of the document, which clients compare byte for byte (RFC 9728
    /// §3.3).
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The path (and query, if the identifier has one) the document is
    /// served at on the resource's host: [`METADATA_PATH`] inserted between
    /// the host and the identifier's path, a lone `/` after the host
    /// dropped (RFC 9728 §3.1).
    pub fn metadata_path(&self) -> String {
        let rest = &self.resource[self.origin_len..];
        let rest = match rest.strip_prefix('/') {
            Some(after) if after.is_empty() || after.starts_with('?') => after,
            _ => rest,
        };
        format!("{METADATA_PATH}{rest}")
    }

    /// The absolute URL of the document, the `resource_metadata` of the
    /// challenges (RFC 9728 §5.1).
    pub fn metadata_url(&self) -> String {
        format!("{}{}", &self.resource[..self.origin_len], self.metadata_path())
    }

    /// The bearer policy for the check in front of this resource: the one
    /// given, with `resource_metadata` set to [`metadata_url`](Self::metadata_url)
    /// so every challenge tells a client where to start. Give it to the
    /// store-backed check ([`ConfigBuilder::bearer`](crate::ConfigBuilder::bearer))
    /// or the offline verifier.
    pub fn bearer_policy(&self) -> BearerPolicy {
        BearerPolicy { resource_metadata: Some(self.metadata_url()), ..self.policy.clone() }
    }

    /// The JSON document (RFC 9728 §2, §3.2): members without a value are
    /// omitted.
    pub fn document(&self) -> Vec<u8> {
        let scopes: Vec<&str> = self.scopes.iter().collect();
        let methods: &[&str] =
            if self.policy.accept_form_body { &["header", "body"] } else { &["header"] };
        let document = Document {
            resource: &self.resource,
            authorization_servers: &self.authorization_servers,
            scopes_supported: &scopes,
            bearer_methods_supported: methods,
            resource_name: self.name.as_deref(),
            resource_documentation: self.documentation.as_deref(),
            resource_policy_uri: self.policy_uri.as_deref(),
            resource_tos_uri: self.tos_uri.as_deref(),
        };
        // A struct of strings and string lists always serializes.
        serde_json::to_vec(&document).unwrap_or_default()
    }

    /// The answer to `GET` [`metadata_path`](Self::metadata_path): `200`,
    /// `application/json`, the [`document`](Self::document) (RFC 9728
    /// §3.2). Public and the same for everyone, so it may be cached.
    pub fn metadata_response(&self) -> Response<Vec<u8>> {
        let mut response = Response::new(self.document());
        *response.status_mut() = StatusCode::OK;
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

/// A page URL: `https`, a host, no user information.
fn page(url: String) -> Result<String, ResourceError> {
    match check_web_uri(&url) {
        Ok(_) => Ok(url),
        Err(reason) => Err(ResourceError::Page { uri: url, reason }),
    }
}

#[derive(Serialize)]
struct Document<'a> {
    resource: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    authorization_servers: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    scopes_supported: &'a [&'a str],
    bearer_methods_supported: &'a [&'a str],
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_documentation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_policy_uri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_tos_uri: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_well_known_path_goes_between_the_host_and_the_path() {
        // RFC 9728 §3.1's two examples, and a query.
        let at = |resource: &str| ProtectedResource::new(resource).unwrap();
        assert_eq!(at("https://resource.example.com").metadata_path(), METADATA_PATH);
        assert_eq!(at("https://resource.example.com/").metadata_path(), METADATA_PATH);
        assert_eq!(
            at("https://resource.example.com/resource1").metadata_url(),
            "https://resource.example.com/.well-known/oauth-protected-resource/resource1"
        );
        assert_eq!(
            at("https://r.example.com:8443/a/b?tenant=1").metadata_url(),
            "https://r.example.com:8443/.well-known/oauth-protected-resource/a/b?tenant=1"
        );
        for resource in ["https://r.example.com?tenant=1", "https://r.example.com/?tenant=1"] {
            assert_eq!(
                at(resource).metadata_path(),
                "/.well-known/oauth-protected-resource?tenant=1",
                "{resource}"
            );
        }
    }

    #[test]
    fn identifiers_that_are_not_https_urls_without_fragment_are_refused() {
        for bad in [
            "http://resource.example.com",
            "https://",
            "https://user@resource.example.com",
            "https://resource.example.com/#top",
            "resource.example.com",
            "urn:example:resource",
        ] {
            assert!(
                matches!(ProtectedResource::new(bad), Err(ResourceError::Resource { .. })),
                "{bad}"
            );
        }
        let api = ProtectedResource::new("https://api.example.com").unwrap();
        for bad in
            ["https://as.example.com?x=1", "https://as.example.com#f", "http://as.example.com"]
        {
            assert!(
                matches!(
                    api.clone().with_authorization_server(bad),
                    Err(ResourceError::Issuer { .. })
                ),
                "{bad}"
            );
        }
        assert_eq!(api.clone().with_name(" ").unwrap_err(), ResourceError::Name);
        assert!(matches!(api.with_documentation("ftp://x"), Err(ResourceError::Page { .. })));
    }
}
