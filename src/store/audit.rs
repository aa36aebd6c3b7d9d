//! Audit events: an append-only trail of who did what, and how it ended.
//!
//! Events name clients, subjects, grant types, error codes and family ids;
//! they never carry a secret, code, token, verifier or hash of one.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::{Context, ErrorCode, RequestId, UnixTime};

use super::record::{FamilyId, GrantType};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditAction {
    /// The token endpoint issued tokens.
    TokenIssued,
    /// The token endpoint refused a request.
    TokenRefused,
    /// A consumed authorization code was presented again; its family was revoked.
    CodeReplayed,
    /// A rotated refresh token was presented again; its family was revoked.
    RefreshReused,
    /// A rotated refresh token was retried inside the grace window.
    RefreshRetried,
    /// The revocation endpoint revoked a token (an access token alone, or
    /// a refresh token with its whole family); committed with the revocation.
    TokenRevoked,
    /// The revocation endpoint refused a request (client authentication, a
    /// malformed request, or a token issued to another client).
    RevocationRefused,
    /// The introspection endpoint answered; `subject` and `family` are set
    /// only when the answer was `active: true`.
    TokenIntrospected,
    /// The introspection endpoint refused a request (client authentication
    /// or a malformed request).
    IntrospectionRefused,
    /// The authorization endpoint accepted a request and stored it as a
    /// pending authorization waiting for the host's decision.
    AuthorizationRequested,
    /// The resource owner approved a pending authorization; a code was issued.
    AuthorizationApproved,
    /// The resource owner denied a pending authorization.
    AuthorizationDenied,
    /// The authorization endpoint or a decision refused a request.
    AuthorizationRefused,
    /// The PAR endpoint stored a pushed authorization request.
    ParStored,
    /// The PAR endpoint refused a request.
    ParRefused,
    /// The device authorization endpoint issued a device code and user code.
    DeviceAuthorized,
    /// The device authorization endpoint refused a request.
    DeviceRefused,
    /// A user code was entered that matches no device authorization
    /// (RFC 8628 §5.1: count these to throttle guessing, by peer address).
    DeviceCodeMismatch,
    /// The user approved a device authorization.
    DeviceApproved,
    /// The user denied a device authorization.
    DeviceDenied,
    /// A client registered itself at the registration endpoint (RFC 7591).
    ClientRegistered,
    /// An administrator created a client through the admin API.
    ClientCreated,
    /// A client's metadata was replaced (RFC 7592 update, or the admin API).
    ClientUpdated,
    /// A client was deleted and its tokens revoked.
    ClientDeleted,
    /// A confidential client's secret was replaced by a new one.
    ClientSecretRotated,
    /// A client's registration access token was replaced by a new one.
    RegistrationTokenRotated,
    /// The registration endpoint refused a request.
    RegistrationRefused,
    /// A registration client URI (RFC 7592) refused a request.
    ClientManagementRefused,
    /// An administrator created a user account.
    UserCreated,
    /// An administrator set a user's password.
    UserPasswordSet,
    /// An administrator disabled a user: their sign-ins are refused and
    /// their grants revoked.
    UserDisabled,
    /// An administrator let a disabled user sign in again.
    UserEnabled,
    /// An administrator deleted a user and revoked their grants.
    UserDeleted,
    /// A user's consent to a client was ended with every token, code and
    /// device authorization under it ([`Effect::RevokeGrant`]).
    ///
    /// [`Effect::RevokeGrant`]: super::Effect::RevokeGrant
    GrantRevoked,
}

impl AuditAction {
    /// The action's stable name, for storage and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TokenIssued => "token_issued",
            Self::TokenRefused => "token_refused",
            Self::CodeReplayed => "code_replayed",
            Self::RefreshReused => "refresh_reused",
            Self::RefreshRetried => "refresh_retried",
            Self::TokenRevoked => "token_revoked",
            Self::RevocationRefused => "revocation_refused",
            Self::TokenIntrospected => "token_introspected",
            Self::IntrospectionRefused => "introspection_refused",
            Self::AuthorizationRequested => "authorization_requested",
            Self::AuthorizationApproved => "authorization_approved",
            Self::AuthorizationDenied => "authorization_denied",
            Self::AuthorizationRefused => "authorization_refused",
            Self::ParStored => "par_stored",
            Self::ParRefused => "par_refused",
            Self::DeviceAuthorized => "device_authorized",
            Self::DeviceRefused => "device_refused",
            Self::DeviceCodeMismatch => "device_code_mismatch",
            Self::DeviceApproved => "device_approved",
            Self::DeviceDenied => "device_denied",
            Self::ClientRegistered => "client_registered",
            Self::ClientCreated => "client_created",
            Self::ClientUpdated => "client_updated",
            Self::ClientDeleted => "client_deleted",
            Self::ClientSecretRotated => "client_secret_rotated",
            Self::RegistrationTokenRotated => "registration_token_rotated",
            Self::RegistrationRefused => "registration_refused",
            Self::ClientManagementRefused => "client_management_refused",
            Self::UserCreated => "user_created",
            Self::UserPasswordSet => "user_password_set",
            Self::UserDisabled => "user_disabled",
            Self::UserEnabled => "user_enabled",
            Self::UserDeleted => "user_deleted",
            Self::GrantRevoked => "grant_revoked",
        }
    }
}

/// Why a request was refused, where the answer deliberately does not say
/// (a failed client authentication answers the same whatever went wrong,
/// so it cannot tell an outsider whether a client exists or how it
/// authenticates), or where one answer covers refusals worth telling
/// apart. Never a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditReason {
    /// No client has the claimed `client_id`.
    UnknownClient,
    /// The client is registered for another authentication method.
    WrongAuthMethod,
    /// The client secret does not match.
    WrongSecret,
    /// A public client asked for what only a confidential client may do
    /// (introspection).
    PublicClient,
    /// An authorization code, refresh token or device code was presented
    /// by a client it was not issued to; nothing of its grant was touched.
    IssuedToAnotherClient,
}

impl AuditReason {
    /// The reason's stable name, for storage and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UnknownClient => "unknown_client",
            Self::WrongAuthMethod => "wrong_auth_method",
            Self::WrongSecret => "wrong_secret",
            Self::PublicClient => "public_client",
            Self::IssuedToAnotherClient => "issued_to_another_client",
        }
    }
}

/// One audit event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When it happened.
    pub at: UnixTime,
    /// The request it belongs to.
    #[serde(with = "request_id_text")]
    pub request_id: RequestId,
    /// The peer address, when the host supplied it.
    pub peer: Option<IpAddr>,
    /// What happened.
    pub action: AuditAction,
    /// The client involved (as claimed, when authentication failed).
    pub client_id: Option<String>,
    /// The resource owner involved.
    pub subject: Option<String>,
    /// The grant type of a token request.
    pub grant_type: Option<GrantType>,
    /// The family of the tokens involved.
    pub family: Option<FamilyId>,
    /// The OAuth error answered, for refusals.
    pub error: Option<ErrorCode>,
    /// Why, where the answer does not say (see [`AuditReason`]). Absent in
    /// stored data means `None`.
    #[serde(default)]
    pub reason: Option<AuditReason>,
}

impl AuditEvent {
    /// An event of `action`, stamped with the request's time, id and peer;
    /// every other field empty (a host recording its own actions fills in
    /// what applies).
    pub fn new(action: AuditAction, ctx: &Context) -> Self {
        Self {
            at: ctx.now,
            request_id: ctx.request_id,
            peer: ctx.peer,
            action,
            client_id: None,
            subject: None,
            grant_type: None,
            family: None,
            error: None,
            reason: None,
        }
    }
}

mod request_id_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::RequestId;

    pub(super) fn serialize<S: Serializer>(id: &RequestId, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(id)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<RequestId, D::Error> {
        let text = String::deserialize(d)?;
        u128::from_str_radix(&text, 16).map(RequestId).map_err(serde::de::Error::custom)
    }
}
