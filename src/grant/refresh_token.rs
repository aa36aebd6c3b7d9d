//! The refresh token grant with rotation and reuse detection (RFC 6749
//! §6, OAuth 2.1 §4.3, RFC 9700 §4.14.2).

use crate::error::OAuthError;
use crate::exchange::Exchange;
use crate::form::Form;
use crate::secret::TokenHash;
use crate::store::{
    AuditAction, ClientRecord, Effect, GrantType, Precondition, TokenKind, TokenRecord, Transaction,
};
use crate::{ErrorCode, RefreshRotation, Scopes};

use super::issue::{Grant, issue, revoke_family};
use super::{Decision, parse_scope};

/// `grant_type=refresh_token` parameters.
#[derive(Debug)]
pub(crate) struct Request {
    pub(super) hash: TokenHash,
    scope: Option<Scopes>,
}

impl Request {
    pub(super) fn parse(form: &Form<'_>) -> Result<Self, OAuthError> {
        let token = form.get("refresh_token").ok_or_else(|| {
            OAuthError::new(ErrorCode::InvalidRequest, "refresh_token is required")
        })?;
        Ok(Self { hash: TokenHash::of(token), scope: parse_scope(form)? })
    }

    pub(super) fn decide(
        &self,
        ex: &Exchange,
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
            return invalid("refresh token was issued to another client");
        }
        if token.revoked_at.is_some() {
            return invalid("refresh token was revoked");
        }
        if ex.ctx.now >= token.expires_at {
            return invalid("refresh token expired");
        }
        // RFC 6749 §6: the new scope may only narrow the original grant.
        let access_scopes = match &self.scope {
            Some(requested) if !requested.is_subset(&token.scopes) => {
                return Decision::Refuse(OAuthError::new(
                    ErrorCode::InvalidScope,
                    "scope exceeds the scope originally granted",
                ));
            }
            Some(requested) => requested.clone(),
            None => token.scopes.clone(),
        };
        let transaction = match token.rotated_at {
            None => Transaction {
                preconditions: vec![Precondition::TokenActive { hash: token.hash }],
                effects: vec![Effect::RotateToken { hash: token.hash, at: ex.ctx.now }],
            },
            Some(rotated_at) if within_grace(ex, rotated_at) => {
                // A retry inside the grace window: replace the successor
                // issued earlier, so at most one stays live.
                let mut event = ex.audit(AuditAction::RefreshRetried);
                event.client_id = Some(client.client_id.clone());
                event.subject = token.subject.clone();
                event.family = Some(token.family);
                Transaction {
                    preconditions: vec![Precondition::TokenNotRevoked { hash: token.hash }],
                    effects: vec![
                        Effect::RevokeDescendants { parent: token.hash, at: ex.ctx.now },
                        Effect::AppendAudit(event),
                    ],
                }
            }
            Some(_) => {
                return revoke_family(
                    ex,
                    client,
                    GrantType::RefreshToken,
                    token.family,
                    AuditAction::RefreshReused,
                    "refresh token was already used",
                );
            }
        };
        let grant = Grant {
            client,
            grant_type: GrantType::RefreshToken,
            subject: token.subject,
            scopes: token.scopes,
            access_scopes,
            family: token.family,
            rotated_from: Some(token.hash),
            refresh: true,
        };
        issue(ex, grant, transaction)
    }
}

fn within_grace(ex: &Exchange, rotated_at: crate::UnixTime) -> bool {
    match ex.config.rotation() {
        RefreshRotation::Strict => false,
        RefreshRotation::Grace(window) => ex.ctx.now.since(rotated_at) <= window,
    }
}
