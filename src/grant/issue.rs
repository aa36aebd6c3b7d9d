//! Minting tokens: fresh secrets from the request's entropy, records by
//! hash, FIFO trimming and the audit event, all in one transaction.

use std::fmt;
use std::io::Write as _;

use crate::audience;
use crate::response::push_json_string;
use crate::secret::{TokenHash, encode_secret};
use crate::store::{
    AuditAction, AuditEvent, ClientRecord, Effect, FamilyId, GrantType, Precondition, TokenKind,
    TokenOwner, TokenRecord, Transaction,
};
use crate::{Config, Context, Scopes, TokenFormat};

use super::Decision;

/// What is being granted.
pub(super) struct Grant<'a> {
    pub(super) client: &'a ClientRecord,
    pub(super) grant_type: GrantType,
    pub(super) subject: Option<String>,
    /// The scopes of the grant, carried by its refresh token.
    pub(super) scopes: Scopes,
    /// The scopes of the access token: the grant's, or fewer (RFC 6749 §6).
    pub(super) access_scopes: Scopes,
    pub(super) family: FamilyId,
    /// The refresh token the new refresh token was rotated from.
    pub(super) rotated_from: Option<TokenHash>,
    /// Whether to issue a refresh token too.
    pub(super) refresh: bool,
    /// The resources of the grant (RFC 8707), carried by its refresh token.
    pub(super) resources: Vec<String>,
    /// The audience of the access token: the grant's resources, or fewer.
    pub(super) access_resources: Vec<String>,
}

/// The tokens to answer once the issuing commit is applied (RFC 6749 §5.1).
pub(crate) struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: u64,
    scope: Scopes,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "<redacted>"))
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
}

impl TokenResponse {
    /// The RFC 6749 §5.1 JSON body, written directly: every value is a
    /// base64url token, an integer or scope tokens, and the writer escapes
    /// anyway.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(200);
        out.extend_from_slice(b"{\"access_token\":");
        push_json_string(&mut out, &self.access_token);
        out.extend_from_slice(b",\"token_type\":\"Bearer\",\"expires_in\":");
        // Writing to a `Vec` cannot fail.
        let _ = write!(out, "{}", self.expires_in);
        if let Some(refresh) = &self.refresh_token {
            out.extend_from_slice(b",\"refresh_token\":");
            push_json_string(&mut out, refresh);
        }
        if !self.scope.is_empty() {
            out.extend_from_slice(b",\"scope\":");
            push_json_string(&mut out, self.scope.as_str());
        }
        out.push(b'}');
        out
    }
}

/// A fresh family id for a grant that starts a new family.
pub(super) fn new_family(ctx: &Context) -> FamilyId {
    FamilyId::from_entropy(ctx.entropy.derive(b"family"))
}

/// Appends the token effects to `transaction` (after whatever consumption
/// or rotation it already holds) and decides to issue.
pub(super) fn issue(
    config: &Config,
    ctx: &Context,
    grant: Grant<'_>,
    mut transaction: Transaction,
) -> Decision {
    let now = ctx.now;
    let client_id = &grant.client.client_id;
    let shape = match audience::shape(config, &grant.access_resources, grant.access_scopes.clone())
    {
        Ok(shape) => shape,
        Err(err) => return Decision::Refuse(err),
    };
    let access_expires = now.after(shape.lifetime);
    let access_token = match access_token(config, ctx, &grant, &shape, access_expires) {
        Ok(token) => token,
        Err(err) => return Decision::Refuse(err),
    };
    let fifo = config.fifo();
    // Room for what is appended below (two tokens, three FIFO trims, the
    // audit event), so the vectors grow once, not on every push.
    transaction.preconditions.reserve(1);
    transaction.effects.reserve(6);
    // The client must still be as authenticated: a deletion, a secret
    // rotation or a grant change that commits between this request's read
    // and its commit wins, and no token is issued to what no longer exists.
    transaction.preconditions.push(Precondition::ClientRevision {
        client_id: client_id.clone(),
        revision: grant.client.revision,
    });
    let effects = &mut transaction.effects;

    let mut refresh_token = None;
    let mut access_parent = None;
    if grant.refresh {
        let token = encode_secret(&ctx.entropy.derive(b"refresh-token"));
        let hash = TokenHash::of(&token);
        effects.push(Effect::PutToken(TokenRecord {
            hash,
            kind: TokenKind::Refresh,
            client_id: client_id.clone(),
            subject: grant.subject.clone(),
            scopes: grant.scopes.clone(),
            family: grant.family,
            parent: grant.rotated_from,
            issued_at: now,
            expires_at: now.after(config.refresh_token_lifetime()),
            rotated_at: None,
            revoked_at: None,
            resources: grant.resources.clone(),
        }));
        access_parent = Some(hash);
        refresh_token = Some(token);
    }
    effects.push(Effect::PutToken(TokenRecord {
        hash: TokenHash::of(&access_token),
        kind: TokenKind::Access,
        client_id: client_id.clone(),
        subject: grant.subject.clone(),
        scopes: shape.scopes.clone(),
        family: grant.family,
        parent: access_parent,
        issued_at: now,
        expires_at: access_expires,
        rotated_at: None,
        revoked_at: None,
        resources: grant.access_resources,
    }));
    if grant.refresh {
        let trims = [
            (
                fifo.refresh_per_client,
                TokenKind::Refresh,
                TokenOwner::Client { client_id: client_id.clone() },
            ),
            (
                fifo.refresh_per_client_subject,
                TokenKind::Refresh,
                TokenOwner::ClientSubject {
                    client_id: client_id.clone(),
                    subject: grant.subject.clone(),
                },
            ),
            (
                fifo.access_per_refresh,
                TokenKind::Access,
                TokenOwner::Family { family: grant.family },
            ),
        ];
        for (limit, kind, owner) in trims {
            if let Some(keep) = limit {
                effects.push(Effect::RevokeOldest { kind, owner, keep, at: now });
            }
        }
    }
    let mut event = AuditEvent::new(AuditAction::TokenIssued, ctx);
    event.client_id = Some(client_id.clone());
    event.subject = grant.subject;
    event.grant_type = Some(grant.grant_type);
    event.family = Some(grant.family);
    effects.push(Effect::AppendAudit(event));

    let tokens = TokenResponse {
        access_token,
        refresh_token,
        expires_in: shape.lifetime.get(),
        scope: shape.scopes,
    };
    Decision::Issue { transaction, tokens }
}

/// The access token: a random string, or for a JWT resource an RFC 9068
/// JWT (stored by hash all the same).
fn access_token(
    config: &Config,
    ctx: &Context,
    grant: &Grant<'_>,
    shape: &audience::Shape,
    expires_at: crate::UnixTime,
) -> Result<String, crate::error::OAuthError> {
    match shape.format {
        #[cfg(feature = "jwt")]
        TokenFormat::Jwt => {
            let claims = super::jwt::Claims {
                client_id: &grant.client.client_id,
                subject: grant.subject.as_deref(),
                resources: &grant.access_resources,
                scopes: &shape.scopes,
                expires_at,
            };
            super::jwt::mint(config, ctx, &claims)
        }
        _ => {
            let _ = (config, grant, expires_at);
            Ok(encode_secret(&ctx.entropy.derive(b"access-token")))
        }
    }
}

/// Decides to revoke `family` (a replayed code, a reused refresh token)
/// and then refuse with `invalid_grant`.
pub(super) fn revoke_family(
    ctx: &Context,
    client: &ClientRecord,
    grant_type: GrantType,
    family: FamilyId,
    action: AuditAction,
    description: &'static str,
) -> Decision {
    let error = crate::error::OAuthError::new(crate::ErrorCode::InvalidGrant, description);
    let mut event = AuditEvent::new(action, ctx);
    event.client_id = Some(client.client_id.clone());
    event.grant_type = Some(grant_type);
    event.family = Some(family);
    event.error = Some(error.code);
    let transaction = Transaction::unconditional(vec![
        Effect::RevokeFamily { family, at: ctx.now },
        Effect::AppendAudit(event),
    ]);
    Decision::RefuseAfter { transaction, error }
}
