//! The client information response (RFC 7591 §3.2.1, RFC 7592 §3): a
//! client's registered metadata, plus whatever credentials were minted by
//! the request being answered.

use serde::Serialize;

use crate::Config;
use crate::secret::ClientSecret;
use crate::store::ClientRecord;

use super::validate::response_types;

/// Credentials minted by the request being answered, shown this once.
#[derive(Default)]
pub(crate) struct Minted<'a> {
    pub(crate) secret: Option<&'a ClientSecret>,
    pub(crate) registration_token: Option<&'a str>,
}

#[derive(Serialize)]
struct Information<'a> {
    client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
    client_id_issued_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret_expires_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    registration_access_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    registration_client_uri: Option<String>,
    redirect_uris: &'a [String],
    token_endpoint_auth_method: &'static str,
    grant_types: Vec<&'static str>,
    response_types: &'static [&'static str],
    #[serde(skip_serializing_if = "str::is_empty")]
    scope: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_uri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo_uri: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    contacts: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    software_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    software_version: Option<&'a str>,
}

/// The JSON body for `client`.
///
/// `client_secret` and `registration_access_token` appear only when this
/// request minted them: both are stored as hashes, so a later read cannot
/// show them. `client_secret_expires_at` is `0` (secrets do not expire) for
/// every confidential client. `registration_client_uri` appears for clients
/// that hold a registration access token.
pub(crate) fn client_information(
    config: &Config,
    client: &ClientRecord,
    minted: &Minted<'_>,
) -> Vec<u8> {
    let information = Information {
        client_id: &client.client_id,
        client_secret: minted.secret.map(ClientSecret::expose),
        client_id_issued_at: client.created_at.as_secs(),
        client_secret_expires_at: (!client.is_public()).then_some(0),
        registration_access_token: minted.registration_token,
        registration_client_uri: client
            .registration_token_hash
            .is_some()
            .then(|| config.registration_client_uri(&client.client_id)),
        redirect_uris: &client.redirect_uris,
        token_endpoint_auth_method: client.auth_method.as_str(),
        grant_types: client.grant_types.iter().map(|g| g.as_str()).collect(),
        response_types: response_types(&client.grant_types),
        scope: client.scopes.as_str(),
        client_name: client.name.as_deref(),
        client_uri: client.uri.as_deref(),
        logo_uri: client.logo_uri.as_deref(),
        contacts: &client.contacts,
        software_id: client.software_id.as_deref(),
        software_version: client.software_version.as_deref(),
    };
    // A struct of strings, integers and lists of strings always serializes.
    serde_json::to_vec(&information).unwrap_or_default()
}
