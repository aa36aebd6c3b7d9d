//! The authorization code grant at the token endpoint (RFC 6749 §4.1.3,
//! RFC 7636 §4.5–4.6, OAuth 2.1 §4.1.3).

use crate::ErrorCode;
use crate::error::OAuthError;
use crate::form::Form;
use crate::pkce;
use crate::secret::{Redacted, TokenHash};
use crate::store::{
    AuditAction, ClientRecord, CodeRecord, Effect, GrantType, Precondition, Transaction,
};
use crate::{Config, Context};

use super::issue::{Grant, issue, revoke_family};
use super::{
    Decision, access_resources, issued_to_another_client, parse_resources, refresh_allowed,
    still_allowed,
};

/// `grant_type=authorization_code` parameters.
#[derive(Debug)]
pub(crate) struct Request {
    pub(super) hash: TokenHash,
    redirect_uri: Option<String>,
    verifier: Option<Redacted>,
    resources: Vec<String>,
}

impl Request {
    pub(super) fn parse(form: &Form<'_>) -> Result<Self, OAuthError> {
        let code = form
            .get("code")
            .ok_or_else(|| OAuthError::new(ErrorCode::InvalidRequest, "code is required"))?;
        let verifier = form.get("code_verifier");
        if verifier.is_some_and(|v| !pkce::is_valid_verifier(v)) {
            return Err(OAuthError::new(
                ErrorCode::InvalidRequest,
                "code_verifier must be 43 to 128 unreserved characters",
            ));
        }
        Ok(Self {
            hash: TokenHash::of(code),
            redirect_uri: form.get("redirect_uri").map(str::to_owned),
            verifier: verifier.map(|v| Redacted(v.to_owned())),
            resources: parse_resources(form),
        })
    }

    pub(super) fn decide(
        &self,
        config: &Config,
        ctx: &Context,
        client: &ClientRecord,
        code: Option<CodeRecord>,
    ) -> Decision {
        let invalid = |description: &'static str| {
            Decision::Refuse(OAuthError::new(ErrorCode::InvalidGrant, description))
        };
        let Some(code) = code else {
            return invalid("authorization code is invalid");
        };
        // First the binding to the client (RFC 6749 §4.1.3): another
        // client's code is refused and changes nothing, used or not.
        if code.client_id != client.client_id {
            return issued_to_another_client(
                code.family,
                "authorization code was issued to another client",
            );
        }
        // RFC 6749 §4.1.2: a code used twice is refused and the tokens
        // already issued from it are revoked. This holds whether the
        // replay is seen at read time or lost in a race at commit time.
        if code.consumed_at.is_some() {
            return revoke_family(
                ctx,
                client,
                GrantType::AuthorizationCode,
                code.family,
                AuditAction::CodeReplayed,
                "authorization code was already used",
            );
        }
        if ctx.now >= code.expires_at {
            return invalid("authorization code expired");
        }
        if code.redirect_uri.is_some() && code.redirect_uri != self.redirect_uri {
            return invalid("redirect_uri does not match the authorization request");
        }
        match (&code.challenge, &self.verifier) {
            (Some(challenge), Some(verifier)) => {
                if !pkce::verify(challenge, &verifier.0) {
                    return invalid("code_verifier does not match the code_challenge");
                }
            }
            (Some(_), None) => return invalid("code_verifier is required"),
            // OAuth 2.1 §3.2.4 names this case `invalid_request`.
            (None, Some(_)) => {
                return Decision::Refuse(OAuthError::new(
                    ErrorCode::InvalidRequest,
                    "code_verifier was sent but the authorization request had no code_challenge",
                ));
            }
            (None, None) => {
                if client.is_public() || config.pkce().required_for_confidential {
                    return invalid(
                        "authorization code was issued without PKCE, which this client requires",
                    );
                }
            }
        }
        let scopes = match still_allowed(&code.scopes, client) {
            Ok(scopes) => scopes,
            Err(err) => return Decision::Refuse(err),
        };
        let audience = match access_resources(config, &code.resources, &self.resources) {
            Ok(audience) => audience,
            Err(err) => return Decision::Refuse(err),
        };
        let transaction = Transaction {
            preconditions: vec![Precondition::CodeUnconsumed { hash: code.hash }],
            effects: vec![Effect::ConsumeCode { hash: code.hash, at: ctx.now }],
        };
        let grant = Grant {
            client,
            grant_type: GrantType::AuthorizationCode,
            subject: Some(code.subject),
            access_scopes: scopes.clone(),
            scopes,
            family: code.family,
            rotated_from: None,
            refresh: refresh_allowed(config, client),
            resources: code.resources,
            access_resources: audience,
        };
        issue(config, ctx, grant, transaction)
    }
}
