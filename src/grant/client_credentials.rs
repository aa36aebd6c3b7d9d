//! The client credentials grant (RFC 6749 §4.4).

use crate::error::OAuthError;
use crate::form::Form;
use crate::store::{ClientRecord, GrantType, Transaction};
use crate::{Config, Context};
use crate::{ErrorCode, Scopes};

use super::issue::{Grant, issue, new_family};
use super::{Decision, granted_scopes, parse_resources, parse_scope, refresh_allowed};
use crate::audience;

/// `grant_type=client_credentials` parameters.
#[derive(Debug)]
pub(crate) struct Request {
    scope: Option<Scopes>,
    resources: Vec<String>,
}

impl Request {
    pub(super) fn parse(form: &Form<'_>) -> Result<Self, OAuthError> {
        Ok(Self { scope: parse_scope(form)?, resources: parse_resources(form) })
    }

    pub(super) fn decide(&self, config: &Config, ctx: &Context, client: &ClientRecord) -> Decision {
        // RFC 6749 §4.4: "The client credentials grant type MUST only be
        // used by confidential clients."
        if client.is_public() {
            return Decision::Refuse(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "public clients cannot use the client_credentials grant",
            ));
        }
        let scopes = match granted_scopes(config, self.scope.as_ref(), client) {
            Ok(scopes) => scopes,
            Err(err) => return Decision::Refuse(err),
        };
        let resources = match audience::known(config, self.resources.iter().map(String::as_str)) {
            Ok(resources) => resources,
            Err(err) => return Decision::Refuse(err),
        };
        let grant = Grant {
            client,
            grant_type: GrantType::ClientCredentials,
            subject: None,
            access_scopes: scopes.clone(),
            scopes,
            family: new_family(ctx),
            rotated_from: None,
            refresh: config.refresh_for_client_credentials() && refresh_allowed(config, client),
            access_resources: resources.clone(),
            resources,
        };
        issue(config, ctx, grant, Transaction::default())
    }
}
