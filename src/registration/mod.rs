//! Client registration (RFC 7591) and management (RFC 7592): metadata
//! parsing and validation, credentials, and the client information
//! response. The endpoints live in `endpoint::register` and
//! `endpoint::client_management`; the administrator's API in [`crate::admin`].
//!
//! # Decisions
//!
//! * **Credentials are shown once.** The client secret and the registration
//!   access token carry 256 bits from the request's entropy and are stored
//!   only as hashes. The response that mints one shows it; a later read
//!   (RFC 7592 §2.1) cannot, so it omits `client_secret` and
//!   `registration_access_token` — a deliberate departure from RFC 7592
//!   §3 and Appendix A.1, which assume the server can show the current
//!   ones. The registration access token is not rotated on read or update
//!   (RFC 7592 §5 makes rotation optional), so a lost response never locks
//!   a client out of its registration; an administrator can rotate it.
//! * **Secrets do not expire**: `client_secret_expires_at` is `0`. An update
//!   keeps the secret; it issues one (shown in the response) when a public
//!   client becomes confidential and drops it when a confidential client
//!   becomes public. A client may send its current `client_secret` in an
//!   update but never choose a new one (RFC 7592 §2.2).
//! * **Defaults** (RFC 7591 §2): `token_endpoint_auth_method`
//!   `client_secret_basic`, `grant_types` `["authorization_code"]`,
//!   `response_types` implied by the grant types (only `code` exists; the
//!   implicit grant is not offered), `scope` the configured default scopes
//!   among those registration may grant. `null`, `""` and `[]` count as
//!   absent, so an update that omits a member resets it to its default.
//! * **Ignored members**: everything not listed in [`ClientMetadata`],
//!   including localized variants (`client_name#fr`), `tos_uri`,
//!   `policy_uri`, `jwks`/`jwks_uri` (refused together, RFC 7591 §2) and
//!   `software_statement` (RFC 7591 §3.1.1 allows ignoring it). A
//!   registration request cannot choose its `client_id` or `client_secret`
//!   (RFC 7591 §6); those members are ignored too.
//! * **Pages shown at consent** (`client_uri`, `logo_uri`) are https URLs
//!   and, when a client registers or updates itself, live on the host of
//!   *every* one of its https redirect URIs (RFC 7591 §5), so a registration
//!   cannot borrow another site's name or logo, not even by listing one
//!   redirect URI on that site as a decoy next to its own: a client that
//!   shows display URIs receives its codes on one web host. A native app
//!   whose redirect URIs are all loopback or private-use has no web host to
//!   compare with; an administrator is trusted to point elsewhere (a CDN,
//!   say).
//! * **Shown text** (`client_name`, `contacts`, `software_id`,
//!   `software_version`, and every other member of a JSON request) may hold
//!   neither control characters nor the bidirectional-text controls
//!   (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which would let
//!   a consent page show another name than the one registered; the same
//!   holds for an administrator's metadata.

mod information;
mod metadata;
mod uri;
mod validate;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, StatusCode};

use crate::error::OAuthError;
use crate::secret::{ClientSecret, Redacted, TokenHash, encode_secret};
use crate::store::{ClientRecord, Registrant};
use crate::{Context, Entropy, ErrorCode};

pub(crate) use information::{Minted, client_information};
pub(crate) use metadata::UpdateRequest;
pub use metadata::{ClientMetadata, MetadataError};
pub(crate) use validate::{Allowance, Settings};

/// A fresh client identifier: 128 bits, base64url (22 characters).
pub(crate) fn new_client_id(entropy: &Entropy) -> String {
    URL_SAFE_NO_PAD.encode(&entropy.derive(b"client-id")[..16])
}

/// A fresh client secret with 256 bits.
pub(crate) fn new_client_secret(entropy: &Entropy) -> ClientSecret {
    ClientSecret::from_entropy(&entropy.derive(b"client-secret"))
}

/// A fresh registration access token with 256 bits (RFC 7592 §5).
pub(crate) fn new_registration_token(entropy: &Entropy) -> String {
    encode_secret(&entropy.derive(b"registration-token"))
}

/// A new client and the credentials minted for it, in clear this once
/// (never printed by `Debug`).
#[derive(Debug)]
pub(crate) struct NewClient {
    pub(crate) record: ClientRecord,
    pub(crate) secret: Option<ClientSecret>,
    pub(crate) registration_token: Option<Redacted>,
}

/// Builds the record of a new client registered at `ctx.now` by
/// `registrant`: a secret for confidential clients, and a registration
/// access token when `manageable`.
pub(crate) fn new_client(
    client_id: String,
    settings: Settings,
    ctx: &Context,
    registrant: Registrant,
    manageable: bool,
) -> NewClient {
    let mut record = ClientRecord::public(client_id);
    record.created_at = ctx.now;
    record.registrant = registrant;
    settings.apply_to(&mut record);
    let secret = (!record.is_public()).then(|| new_client_secret(&ctx.entropy));
    record.secret_hash = secret.as_ref().map(ClientSecret::hash);
    let registration_token = manageable.then(|| Redacted(new_registration_token(&ctx.entropy)));
    record.registration_token_hash = registration_token.as_ref().map(|t| TokenHash::of(&t.0));
    NewClient { record, secret, registration_token }
}

/// `current` with its metadata replaced by `settings` and its revision
/// advanced. The secret is kept, issued (shown once, returned here) when a
/// public client becomes confidential, or dropped when it becomes public.
pub(crate) fn replaced(
    current: &ClientRecord,
    settings: Settings,
    ctx: &Context,
) -> (ClientRecord, Option<ClientSecret>) {
    let mut record = current.clone();
    settings.apply_to(&mut record);
    record.revision = current.revision.wrapping_add(1);
    let mut issued = None;
    if record.is_public() {
        record.secret_hash = None;
    } else if record.secret_hash.is_none() {
        let secret = new_client_secret(&ctx.entropy);
        record.secret_hash = Some(secret.hash());
        issued = Some(secret);
    }
    (record, issued)
}

/// The body of a JSON request (RFC 7591 §3, RFC 7592 §2.2): the media type
/// must be `application/json` (parameters allowed) and the body within the
/// configured limit; otherwise the refusal and its status.
pub(crate) fn json_body<'b>(
    headers: &HeaderMap,
    body: &'b [u8],
    max_bytes: usize,
) -> Result<&'b [u8], (OAuthError, StatusCode)> {
    let mut values = headers.get_all(CONTENT_TYPE).iter();
    let json = match (values.next(), values.next()) {
        (Some(value), None) => value
            .to_str()
            .ok()
            .and_then(|v| v.split(';').next())
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json")),
        _ => false,
    };
    if !json {
        let err =
            OAuthError::new(ErrorCode::InvalidRequest, "Content-Type must be application/json");
        return Err((err, StatusCode::BAD_REQUEST));
    }
    if body.len() > max_bytes {
        let err = OAuthError::new(
            ErrorCode::InvalidRequest,
            format!("request body exceeds {max_bytes} bytes"),
        );
        return Err((err, StatusCode::PAYLOAD_TOO_LARGE));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ClientAuthMethod, GrantType};
    use crate::{Scopes, UnixTime};

    fn settings(auth_method: ClientAuthMethod) -> Settings {
        Settings {
            auth_method,
            redirect_uris: vec!["https://client.example.org/cb".into()],
            grant_types: vec![GrantType::AuthorizationCode],
            scopes: Scopes::from_names(["read"]),
            name: Some("Client".into()),
            uri: None,
            logo_uri: None,
            contacts: Vec::new(),
            software_id: None,
            software_version: None,
        }
    }

    const ADMIN: Registrant = Registrant::Administrator;

    fn ctx(byte: u8) -> Context {
        Context::new(UnixTime::from_secs(1_700_000_000), Entropy::from_bytes([byte; 32]))
    }

    #[test]
    fn credentials_are_long_distinct_and_deterministic() {
        let e = Entropy::from_bytes([3; 32]);
        let id = new_client_id(&e);
        let secret = new_client_secret(&e);
        let token = new_registration_token(&e);
        assert_eq!(id.len(), 22);
        assert_eq!(secret.expose().len(), 43);
        assert_eq!(token.len(), 43);
        assert_ne!(secret.expose(), token);
        assert_eq!(new_client_id(&e), id);
        assert_ne!(new_client_id(&Entropy::from_bytes([4; 32])), id);
    }

    #[test]
    fn new_clients_get_credentials_by_type() {
        let confidential = new_client(
            "c1".into(),
            settings(ClientAuthMethod::ClientSecretPost),
            &ctx(1),
            ADMIN,
            true,
        );
        let printed = format!("{confidential:?}");
        let secret = confidential.secret.expect("confidential clients get a secret");
        assert_eq!(confidential.record.secret_hash, Some(secret.hash()));
        let token = confidential.registration_token.expect("manageable").0;
        assert_eq!(confidential.record.registration_token_hash, Some(TokenHash::of(&token)));
        assert!(!printed.contains(&token) && !printed.contains(secret.expose()), "{printed}");
        assert_eq!(confidential.record.created_at, UnixTime::from_secs(1_700_000_000));
        let public =
            new_client("c2".into(), settings(ClientAuthMethod::None), &ctx(1), ADMIN, false);
        assert!(public.secret.is_none() && public.record.secret_hash.is_none());
        assert!(public.registration_token.is_none());
        assert!(public.record.registration_token_hash.is_none());
    }

    #[test]
    fn replacing_keeps_issues_or_drops_the_secret() {
        let made = new_client(
            "c".into(),
            settings(ClientAuthMethod::ClientSecretBasic),
            &ctx(1),
            ADMIN,
            true,
        );
        let (kept, issued) =
            replaced(&made.record, settings(ClientAuthMethod::ClientSecretPost), &ctx(2));
        assert!(issued.is_none());
        assert_eq!(kept.secret_hash, made.record.secret_hash);
        assert_eq!(kept.revision, 1);
        assert_eq!(kept.registration_token_hash, made.record.registration_token_hash);
        let (public, issued) = replaced(&kept, settings(ClientAuthMethod::None), &ctx(3));
        assert!(issued.is_none() && public.secret_hash.is_none());
        let (confidential, issued) =
            replaced(&public, settings(ClientAuthMethod::ClientSecretBasic), &ctx(4));
        let issued = issued.expect("a public client turning confidential gets a secret");
        assert_eq!(confidential.secret_hash, Some(issued.hash()));
        assert_eq!(confidential.revision, 3);
    }
}
