//! What the core hands the host for its login and consent page, and what
//! the host hands back: the [`Interaction`] and the [`Decision`].

use std::fmt;

use crate::scope::is_scope_token;
use crate::secret::TokenHash;
use crate::store::{ClientRecord, PendingAuthorizationRecord, PendingKind, Registrant};
use crate::{Config, Scopes, UnixTime};

/// A validated authorization request waiting for the resource owner: the
/// reply of the authorization endpoint when the request is good.
///
/// Render a login and consent page from it, authenticate the user however
/// the host likes, then drive a [`Decision`] on the [`handle`](Self::handle)
/// as the input of a second exchange ([`drive`](crate::drive)). The
/// request is already stored (as a pending authorization that expires at
/// [`expires_at`](Self::expires_at)); nothing in here needs to be trusted
/// from the user agent later except the handle.
///
/// The handle is a bearer secret for this one request. Keep it on the
/// server side of the user's session (or bind it to the session with a
/// CSRF token) so that only the user agent that started the request can
/// submit its decision; RFC 6749 §10.12 requires that protection.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Interaction {
    /// The secret handle that names this request in the [`Decision`].
    pub handle: InteractionHandle,
    /// The requesting client's identifier.
    pub client_id: String,
    /// The client's display name, if registered.
    pub client_name: Option<String>,
    /// The client's home page, if registered.
    pub client_uri: Option<String>,
    /// The client's logo, if registered: an `https` URL that, for a
    /// self-registered client, is on the host of its redirect URIs (RFC
    /// 7591 §5, checked at registration).
    pub logo_uri: Option<String>,
    /// Who registered the client. The name, home page and redirect URI of a
    /// [`Registrant::SelfRegistered`] client are its own claims: a consent
    /// page should say so.
    pub registrant: Registrant,
    /// The requested scopes, each with its configured description.
    pub scopes: Vec<RequestedScope>,
    /// Where the user agent will be sent with the result.
    pub redirect_uri: String,
    /// Whether the request arrived as a pushed authorization request
    /// (RFC 9126), so the client was authenticated before any interaction.
    pub pushed: bool,
    /// When the handle stops working.
    pub expires_at: UnixTime,
}

impl Interaction {
    /// Describes `pending` (which waits for a decision) for the host.
    pub(crate) fn new(
        handle: InteractionHandle,
        pending: &PendingAuthorizationRecord,
        client: &ClientRecord,
        config: &Config,
    ) -> Self {
        let scopes = RequestedScope::describe(&pending.scopes, config);
        Self {
            handle,
            client_id: client.client_id.clone(),
            client_name: client.name.clone(),
            client_uri: client.uri.clone(),
            logo_uri: client.logo_uri.clone(),
            registrant: client.registrant,
            scopes,
            redirect_uri: pending.resolved_redirect_uri.clone(),
            pushed: pending.kind == PendingKind::PushedInteraction,
            expires_at: pending.expires_at,
        }
    }

    /// The requested scopes as a set: grant them all with
    /// `Decision::approve(handle, subject, interaction.requested_scopes())`.
    pub fn requested_scopes(&self) -> Scopes {
        // The names came from a validated request; the filter only guards
        // against a host that edited them, since `from_names` panics on an
        // invalid scope token.
        Scopes::from_names(
            self.scopes.iter().map(|s| s.name.clone()).filter(|name| is_scope_token(name)),
        )
    }
}

/// One requested scope, as a consent page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestedScope {
    /// The scope token.
    pub name: String,
    /// Its description from [`Config::scopes`], when the scope is declared there.
    pub description: Option<String>,
}

impl RequestedScope {
    /// Each of `scopes` with its description from [`Config::scopes`], for a
    /// consent or device verification page.
    pub(crate) fn describe(scopes: &Scopes, config: &Config) -> Vec<Self> {
        scopes
            .iter()
            .map(|name| Self {
                name: name.to_owned(),
                description: config
                    .scopes()
                    .iter()
                    .find(|s| s.name == name)
                    .map(|s| s.description.clone()),
            })
            .collect()
    }
}

/// The secret that names one pending authorization between the core and
/// the host. `Debug` never prints it.
#[derive(Clone)]
pub struct InteractionHandle(String);

impl InteractionHandle {
    /// Wraps a handle the host kept (for example in its session store).
    pub fn new(handle: impl Into<String>) -> Self {
        Self(handle.into())
    }

    /// The handle in clear, for the host to keep until the decision.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key the pending authorization is stored under.
    pub(crate) fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl fmt::Debug for InteractionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InteractionHandle(<redacted>)")
    }
}

/// The resource owner's answer to an [`Interaction`], reported by the host
/// as the input of an exchange ([`Input::Decision`](crate::Input::Decision)).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Decision {
    /// The user authenticated as `subject` and granted `scopes` (all of
    /// them among the requested ones; granting fewer is allowed). The core
    /// issues an authorization code and redirects to the client with it.
    Approve {
        /// The interaction's handle.
        handle: InteractionHandle,
        /// The authenticated resource owner's stable identifier.
        subject: String,
        /// The scopes granted: a subset of the requested ones.
        scopes: Scopes,
    },
    /// The user (or the host's policy) refused. The core redirects to the
    /// client with `access_denied`.
    Deny {
        /// The interaction's handle.
        handle: InteractionHandle,
    },
}

impl Decision {
    /// Approval by `subject` of `scopes`.
    pub fn approve(handle: InteractionHandle, subject: impl Into<String>, scopes: Scopes) -> Self {
        Self::Approve { handle, subject: subject.into(), scopes }
    }

    /// Denial.
    pub fn deny(handle: InteractionHandle) -> Self {
        Self::Deny { handle }
    }

    /// The handle the decision is about.
    pub fn handle(&self) -> &InteractionHandle {
        match self {
            Self::Approve { handle, .. } | Self::Deny { handle } => handle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_never_print() {
        let handle = InteractionHandle::new("very-secret-handle");
        assert!(!format!("{handle:?}").contains("very-secret"));
        let decision = Decision::approve(handle.clone(), "alice", Scopes::new());
        assert!(!format!("{decision:?}").contains("very-secret"));
        assert_eq!(decision.handle().expose(), "very-secret-handle");
        assert_eq!(Decision::deny(handle).handle().hash(), TokenHash::of("very-secret-handle"));
    }
}
