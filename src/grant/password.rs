//! The resource owner password credentials grant (RFC 6749 §4.3). Off
//! unless enabled in [`Config`](crate::Config) and for the client: RFC 9700
//! §2.4 says it MUST NOT be used, and OAuth 2.1 omits it. It exists for
//! migrations from legacy systems.
//!
//! The core never sees a password hash: after the client authenticates it
//! asks the host, through [`Query::User`], whether the credentials belong
//! to a user and which subject.

use crate::error::OAuthError;
use crate::form::Form;
use crate::store::{ClientRecord, GrantType, Password, Query, Transaction, UserRecord};
use crate::{Config, Context};
use crate::{ErrorCode, Scopes};

use super::issue::{Grant, issue, new_family};
use super::{Decision, granted_scopes, parse_resources, parse_scope, refresh_allowed};
use crate::audience;

/// `grant_type=password` parameters.
#[derive(Debug)]
pub(crate) struct Request {
    username: String,
    password: Password,
    scope: Option<Scopes>,
    resources: Vec<String>,
}

impl Request {
    pub(super) fn parse(form: &Form<'_>) -> Result<Self, OAuthError> {
        let required = |name: &'static str| {
            form.get(name).ok_or_else(|| {
                OAuthError::new(ErrorCode::InvalidRequest, format!("{name} is required"))
            })
        };
        Ok(Self {
            username: required("username")?.to_owned(),
            password: Password::new(required("password")?),
            scope: parse_scope(form)?,
            resources: parse_resources(form),
        })
    }

    /// The host's check of the credentials, asked once the client is
    /// authenticated (so an unauthenticated caller cannot use the endpoint
    /// as a password oracle or make the host hash passwords).
    pub(super) fn user_query(&self) -> Query {
        Query::User { username: self.username.clone(), password: self.password.clone() }
    }

    pub(super) fn decide(
        &self,
        config: &Config,
        ctx: &Context,
        client: &ClientRecord,
        user: Option<UserRecord>,
    ) -> Decision {
        let Some(user) = user else {
            return Decision::Refuse(OAuthError::new(
                ErrorCode::InvalidGrant,
                "username or password is invalid",
            ));
        };
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
            grant_type: GrantType::Password,
            subject: Some(user.subject),
            access_scopes: scopes.clone(),
            scopes,
            family: new_family(ctx),
            rotated_from: None,
            refresh: refresh_allowed(config, client),
            access_resources: resources.clone(),
            resources,
        };
        issue(config, ctx, grant, Transaction::default())
    }
}
