//! One module per grant type: parsing its parameters and deciding, from
//! the records read, whether to issue tokens and under which preconditions.
//!
//! Decisions are pure: they look at the request, the client, one record
//! and the context, and return what to commit and what to answer.

mod authorization_code;
mod client_credentials;
mod device_code;
mod issue;
#[cfg(feature = "jwt")]
mod jwt;
mod password;
mod refresh_token;

use crate::audience;
use crate::error::OAuthError;
use crate::form::Form;
use crate::scope::{parse_scope_text, resolve_scopes};
use crate::store::{
    ClientRecord, FamilyId, GrantType, Query, Record, Transaction, as_code, as_device, as_token,
    as_user,
};
use crate::{Config, Context, ErrorCode, Scopes};

pub(crate) use issue::TokenResponse;

/// A parsed, syntactically valid token request for one grant type.
#[derive(Debug)]
pub(crate) enum GrantRequest {
    AuthorizationCode(authorization_code::Request),
    ClientCredentials(client_credentials::Request),
    RefreshToken(refresh_token::Request),
    Password(password::Request),
    DeviceCode(device_code::Request),
}

/// What the grant decided.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Commit `transaction` (preconditions included), then answer `tokens`.
    Issue { transaction: Transaction, tokens: TokenResponse },
    /// Commit `transaction` (a family revocation, a record of the poll) with
    /// its audit event, then answer `error`.
    RefuseAfter { transaction: Transaction, error: OAuthError },
    /// Answer the error; nothing to make durable.
    Refuse(OAuthError),
    /// Answer `invalid_grant`: a code, refresh token or device code of
    /// `family` was presented by a client it was not issued to. Nothing of
    /// the grant is touched; the audit event names the family and
    /// [`AuditReason::IssuedToAnotherClient`](crate::store::AuditReason).
    RefuseForeign { error: OAuthError, family: FamilyId },
}

impl GrantRequest {
    /// Parses the parameters of `grant` (already known to be enabled).
    pub(crate) fn parse(grant: GrantType, form: &Form<'_>) -> Result<Self, OAuthError> {
        match grant {
            GrantType::AuthorizationCode => {
                authorization_code::Request::parse(form).map(Self::AuthorizationCode)
            }
            GrantType::ClientCredentials => {
                client_credentials::Request::parse(form).map(Self::ClientCredentials)
            }
            GrantType::RefreshToken => refresh_token::Request::parse(form).map(Self::RefreshToken),
            GrantType::Password => password::Request::parse(form).map(Self::Password),
            GrantType::DeviceCode => device_code::Request::parse(form).map(Self::DeviceCode),
        }
    }

    /// The grant type.
    pub(crate) fn grant_type(&self) -> GrantType {
        match self {
            Self::AuthorizationCode(_) => GrantType::AuthorizationCode,
            Self::ClientCredentials(_) => GrantType::ClientCredentials,
            Self::RefreshToken(_) => GrantType::RefreshToken,
            Self::Password(_) => GrantType::Password,
            Self::DeviceCode(_) => GrantType::DeviceCode,
        }
    }

    /// The record the grant needs besides the client, if any.
    pub(crate) fn query(&self) -> Option<Query> {
        match self {
            Self::AuthorizationCode(r) => Some(Query::Code { hash: r.hash }),
            Self::ClientCredentials(_) => None,
            Self::RefreshToken(r) => Some(Query::Token { hash: r.hash }),
            Self::Password(_) => None,
            Self::DeviceCode(r) => Some(Query::DeviceCode { hash: r.hash }),
        }
    }

    /// A second read, made only after the client authenticated: the
    /// password grant's user check.
    pub(crate) fn authenticated_query(&self) -> Option<Query> {
        match self {
            Self::Password(r) => Some(r.user_query()),
            _ => None,
        }
    }

    /// Decides the request for an authenticated `client` that may use this
    /// grant, given the grant's record as currently stored.
    pub(crate) fn decide(
        &self,
        config: &Config,
        ctx: &Context,
        client: &ClientRecord,
        record: Option<Record>,
    ) -> Decision {
        match self {
            Self::AuthorizationCode(r) => r.decide(config, ctx, client, as_code(record)),
            Self::ClientCredentials(r) => r.decide(config, ctx, client),
            Self::RefreshToken(r) => r.decide(config, ctx, client, as_token(record)),
            Self::Password(r) => r.decide(config, ctx, client, as_user(record)),
            Self::DeviceCode(r) => r.decide(config, ctx, client, as_device(record)),
        }
    }
}

/// The `resource` values of a token request, as sent; checked against the
/// configuration when the request is decided (after the client
/// authenticated).
fn parse_resources(form: &Form<'_>) -> Vec<String> {
    form.get_all("resource").map(str::to_owned).collect()
}

/// The audience of an access token issued from a grant of `granted`
/// resources for a token request naming `requested` (RFC 8707 §2.2): the
/// grant's, or those named, which must be among them. A grant resource no
/// longer defined is `invalid_target`.
fn access_resources(
    config: &Config,
    granted: &[String],
    requested: &[String],
) -> Result<Vec<String>, OAuthError> {
    audience::known(config, granted.iter().map(String::as_str))?;
    let requested = audience::known(config, requested.iter().map(String::as_str))?;
    audience::narrow(granted, requested)
}

/// Parses the optional `scope` parameter (RFC 6749 §3.3).
fn parse_scope(form: &Form<'_>) -> Result<Option<Scopes>, OAuthError> {
    parse_scope_text(form.get("scope"))
}

/// The scopes to grant for a request of `requested` scopes by `client`
/// (see [`resolve_scopes`]).
fn granted_scopes(
    config: &Config,
    requested: Option<&Scopes>,
    client: &ClientRecord,
) -> Result<Scopes, OAuthError> {
    resolve_scopes(config.default_scopes(), requested, &client.scopes)
}

/// The scopes a grant may still issue: those of `granted` that `client` is
/// still allowed, since an administrator may have narrowed the client after
/// the grant (a refresh token outlives any such change). When none is left
/// of a grant that had some, `invalid_grant`: the grant can no longer be
/// used, and a token for nothing is not issued. Nothing is revoked, so the
/// grant works again if the scopes are given back.
pub(crate) fn still_allowed(granted: &Scopes, client: &ClientRecord) -> Result<Scopes, OAuthError> {
    let scopes = granted.intersection(&client.scopes);
    if scopes.is_empty() && !granted.is_empty() {
        return Err(OAuthError::new(
            ErrorCode::InvalidGrant,
            "no scope of this grant is still allowed for this client",
        ));
    }
    Ok(scopes)
}

/// Refuses a grant record of `family` presented by a client it was not
/// issued to (RFC 6749 §4.1.3, §6; RFC 8628 §3.4), before anything else is
/// looked at: a replay or reuse by another client must not revoke the
/// grant of the client it belongs to.
fn issued_to_another_client(family: FamilyId, description: &'static str) -> Decision {
    Decision::RefuseForeign { error: OAuthError::new(ErrorCode::InvalidGrant, description), family }
}

/// Whether the client should receive a refresh token with its grant.
fn refresh_allowed(config: &Config, client: &ClientRecord) -> bool {
    config.grant_enabled(GrantType::RefreshToken) && client.may_use(GrantType::RefreshToken)
}
