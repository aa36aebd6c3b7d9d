//! The refresh token grant with rotation and reuse detection (RFC 6749
//! §6, OAuth 2.1 §4.3, RFC 9700 §4.14.2).
//!
//! Scopes: a refresh issues at most the grant's scopes that the client is
//! still allowed (`still_allowed`). Without a `scope` parameter that is
//! the intersection, and the rotated refresh token carries it too, so a
//! narrowing by an administrator sticks; a requested scope the client lost
//! is `invalid_scope` naming it; with nothing left, `invalid_grant`.

use crate::error::OAuthError;
use crate::form::Form;
use crate::secret::TokenHash;
use crate::store::{
    AuditAction, AuditEvent, ClientRecord, Effect, GrantType, Precondition, TokenKind, TokenRecord,
    Transaction,
};
use crate::{Config, Context};
use crate::{ErrorCode, RefreshRotation, Scopes};

use super::issue::{Grant, issue, revoke_family};
use super::{
    Decision, access_resources, issued_to_another_client, parse_resources, parse_scope,
    still_allowed,
};

/// `grant_type=refresh_token` parameters.
#[derive(Debug)]
pub(crate) struct Request {
    pub(super) hash: TokenHash,
    scope: Option<Scopes>,
    resources: Vec<String>,
}

impl Request {
    pub(super) fn parse(form: &Form<'_>) -> Result<Self, OAuthError> {
        let token = form.get("refresh_token").ok_or_else(|| {
            OAuthError::new(ErrorCode::InvalidRequest, "refresh_token is required")
        })?;
        Ok(Self {
            hash: TokenHash::of(token),
            scope: parse_scope(form)?,
            resources: parse_resources(form),
        })
    }

    pub(super) fn decide(
        &self,
        config: &Config,
        ctx: &Context,
        client: &ClientRecord,
        token: Option<TokenRecord>,
    ) -> Decision {
        let invalid = |description: &'static str| {
            Decision::Refuse(OAuthError::new(ErrorCode::InvalidGrant, description))
        };
        let Some(token) = token.filter(|t| t.kind == TokenKind::Refresh) else {
            return invalid("refresh token is invalid");
        };
        if token.client_id != client.client_id {
            return issued_to_another_client(
                token.family,
                "refresh token was issued to another client",
            );
        }
        // Revoked without having been replaced (RFC 7009, a FIFO limit, its
        // family's revocation): refused, nothing more to clean up.
        if token.revoked_at.is_some() && token.rotated_at.is_none() {
            return invalid("refresh token was revoked");
        }
        if ctx.now >= token.expires_at {
            return invalid("refresh token expired");
        }
        let transaction = match (token.rotated_at, token.revoked_at) {
            (None, _) => Transaction {
                preconditions: vec![Precondition::TokenActive { hash: token.hash }],
                effects: vec![Effect::RotateToken { hash: token.hash, at: ctx.now }],
            },
            (Some(rotated_at), None) if within_grace(config, ctx, rotated_at) => {
                // A retry inside the grace window: replace the successor
                // issued earlier, so at most one stays live. The replaced
                // successors are marked rotated as well as revoked, so
                // presenting one later is reuse (below).
                let mut event = AuditEvent::new(AuditAction::RefreshRetried, ctx);
                event.client_id = Some(client.client_id.clone());
                event.subject = token.subject.clone();
                event.family = Some(token.family);
                Transaction {
                    preconditions: vec![Precondition::TokenNotRevoked { hash: token.hash }],
                    effects: vec![
                        Effect::RevokeDescendants { parent: token.hash, at: ctx.now },
                        Effect::AppendAudit(event),
                    ],
                }
            }
            // RFC 9700 §4.14.2: a token that was already replaced — rotated
            // outside the grace window, or superseded by a retry of its
            // parent — is presented again. One of its holders is not the
            // client; which one cannot be known, so the whole family goes.
            (Some(_), _) => {
                return revoke_family(
                    ctx,
                    client,
                    GrantType::RefreshToken,
                    token.family,
                    AuditAction::RefreshReused,
                    "refresh token was already used",
                );
            }
        };
        // RFC 6749 §6: the new scope may only narrow the original grant, and
        // only to what the client is still allowed.
        let scopes = match still_allowed(&token.scopes, client) {
            Ok(scopes) => scopes,
            Err(err) => return Decision::Refuse(err),
        };
        let access_scopes = match &self.scope {
            Some(requested) if !requested.is_subset(&token.scopes) => {
                return Decision::Refuse(OAuthError::new(
                    ErrorCode::InvalidScope,
                    "scope exceeds the scope originally granted",
                ));
            }
            Some(requested) => match requested.iter().find(|s| !client.scopes.contains(s)) {
                Some(lost) => {
                    return Decision::Refuse(OAuthError::new(
                        ErrorCode::InvalidScope,
                        format!("scope {lost} is no longer allowed for this client"),
                    ));
                }
                None => requested.clone(),
            },
            None => scopes.clone(),
        };
        // RFC 8707 §2.2: the new access token may be for fewer resources;
        // the rotated refresh token keeps the grant's.
        let audience = match access_resources(config, &token.resources, &self.resources) {
            Ok(audience) => audience,
            Err(err) => return Decision::Refuse(err),
        };
        let grant = Grant {
            client,
            grant_type: GrantType::RefreshToken,
            subject: token.subject,
            scopes,
            access_scopes,
            family: token.family,
            rotated_from: Some(token.hash),
            refresh: true,
            resources: token.resources,
            access_resources: audience,
        };
        issue(config, ctx, grant, transaction)
    }
}

fn within_grace(config: &Config, ctx: &Context, rotated_at: crate::UnixTime) -> bool {
    match config.rotation() {
        RefreshRotation::Strict => false,
        RefreshRotation::Grace(window) => ctx.now.since(rotated_at) <= window,
    }
}
