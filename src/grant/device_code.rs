//! Polling for tokens with a device code (RFC 8628 §3.4, §3.5).
//!
//! Every poll that does not end in tokens is recorded by a commit (its time,
//! and the interval, which grows by 5 seconds with each `slow_down`), so
//! the next poll is judged against the stored interval. Tokens are issued
//! under [`Precondition::DeviceStatusIs`] `Approved` together with the
//! grant's consumption: of two racing polls, exactly one receives tokens
//! and the other `invalid_grant`.

use crate::error::OAuthError;
use crate::form::Form;
use crate::secret::TokenHash;
use crate::store::{
    ClientRecord, DeviceGrantRecord, DeviceStatus, Effect, GrantType, Precondition, Transaction,
};
use crate::{Config, Context};
use crate::{ErrorCode, Seconds};

use super::issue::{Grant, issue};
use super::{
    Decision, access_resources, issued_to_another_client, parse_resources, refresh_allowed,
    still_allowed,
};

/// RFC 8628 §3.5: "the interval MUST be increased by 5 seconds for this
/// and all subsequent requests".
const SLOW_DOWN_STEP: u64 = 5;

/// `grant_type=urn:ietf:params:oauth:grant-type:device_code` parameters.
#[derive(Debug)]
pub(crate) struct Request {
    pub(super) hash: TokenHash,
    resources: Vec<String>,
}

impl Request {
    pub(super) fn parse(form: &Form<'_>) -> Result<Self, OAuthError> {
        let code = form
            .get("device_code")
            .ok_or_else(|| OAuthError::new(ErrorCode::InvalidRequest, "device_code is required"))?;
        Ok(Self { hash: TokenHash::of(code), resources: parse_resources(form) })
    }

    pub(super) fn decide(
        &self,
        config: &Config,
        ctx: &Context,
        client: &ClientRecord,
        grant: Option<DeviceGrantRecord>,
    ) -> Decision {
        let refuse =
            |code, description: &'static str| Decision::Refuse(OAuthError::new(code, description));
        let Some(grant) = grant else {
            return refuse(ErrorCode::InvalidGrant, "device code is invalid");
        };
        if grant.client_id != client.client_id {
            return issued_to_another_client(
                grant.family,
                "device code was issued to another client",
            );
        }
        let now = ctx.now;
        match grant.status {
            DeviceStatus::Consumed => {
                refuse(ErrorCode::InvalidGrant, "device code was already used")
            }
            _ if now >= grant.expires_at => refuse(ErrorCode::ExpiredToken, "device code expired"),
            DeviceStatus::Denied => {
                refuse(ErrorCode::AccessDenied, "the resource owner denied the request")
            }
            DeviceStatus::Pending => {
                let too_soon = grant
                    .last_poll_at
                    .is_some_and(|last| now.since(last) < Seconds::new(grant.interval));
                let (interval, error) = if too_soon {
                    let interval = grant.interval.saturating_add(SLOW_DOWN_STEP);
                    let why = format!("polling too fast; wait at least {interval} seconds");
                    (interval, OAuthError::new(ErrorCode::SlowDown, why))
                } else {
                    let why = "the user has not yet approved the request";
                    (grant.interval, OAuthError::new(ErrorCode::AuthorizationPending, why))
                };
                let transaction = Transaction::unconditional(vec![Effect::RecordDevicePoll {
                    hash: grant.device_code_hash,
                    at: now,
                    interval,
                }]);
                Decision::RefuseAfter { transaction, error }
            }
            DeviceStatus::Approved => {
                let hash = grant.device_code_hash;
                let transaction = Transaction {
                    preconditions: vec![Precondition::DeviceStatusIs {
                        hash,
                        status: DeviceStatus::Approved,
                    }],
                    effects: vec![Effect::ConsumeDevice { hash }],
                };
                let granted = grant.granted_scopes.unwrap_or(grant.scopes);
                let scopes = match still_allowed(&granted, client) {
                    Ok(scopes) => scopes,
                    Err(err) => return Decision::Refuse(err),
                };
                let audience = match access_resources(config, &grant.resources, &self.resources) {
                    Ok(audience) => audience,
                    Err(err) => return Decision::Refuse(err),
                };
                let issued = Grant {
                    client,
                    grant_type: GrantType::DeviceCode,
                    subject: grant.subject,
                    access_scopes: scopes.clone(),
                    scopes,
                    family: grant.family,
                    rotated_from: None,
                    refresh: refresh_allowed(config, client),
                    resources: grant.resources,
                    access_resources: audience,
                };
                issue(config, ctx, issued, transaction)
            }
        }
    }
}
