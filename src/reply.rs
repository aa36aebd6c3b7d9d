//! How an exchange ends: the [`Reply`] to give and the best-effort effects
//! that go with it ([`Respond`]).
//!
//! Apart from the exchange so that every endpoint can build its answer
//! without knowing how exchanges are stepped.

use http::Response;

use crate::Scopes;
use crate::authorization::Interaction;
use crate::device::DeviceReply;
use crate::store::Effect;

/// The end of an exchange: the reply, and effects to apply on a best-effort
/// basis (their failure must not change the reply, e.g. the audit event of
/// a refused request).
#[must_use = "the reply must be sent"]
#[derive(Debug)]
pub struct Respond {
    /// What to send back.
    pub reply: Reply,
    /// Effects to apply without preconditions; failures may be logged and
    /// otherwise ignored.
    pub best_effort: Vec<Effect>,
}

impl Respond {
    /// Ends with `response` and the best-effort `effects`.
    pub(crate) fn http(response: Response<Vec<u8>>, best_effort: Vec<Effect>) -> Self {
        Self { reply: Reply::Http(response), best_effort }
    }
}

/// The final answer of an exchange.
#[derive(Debug)]
#[non_exhaustive]
pub enum Reply {
    /// An HTTP response to send as is.
    Http(Response<Vec<u8>>),
    /// A valid authorization request waiting for the resource owner: the
    /// host renders its login and consent page from it, then reports the
    /// outcome as an [`Input::Decision`](crate::Input::Decision).
    Interaction(Interaction),
    /// The answer to the host's device verification page (RFC 8628 §3.3),
    /// for an [`Input::DevicePrompt`](crate::Input::DevicePrompt) or an
    /// [`Input::DeviceDecision`](crate::Input::DeviceDecision).
    Device(DeviceReply),
    /// A bearer check ([`Input::Bearer`](crate::Input::Bearer)) that
    /// passed: the resource server serves the request as this access.
    /// A check that failed ends in [`Reply::Http`] with the challenge to
    /// send (RFC 6750 §3).
    Access(Access),
}

impl Reply {
    /// The HTTP response, or `None` for any other reply.
    pub fn into_http(self) -> Option<Response<Vec<u8>>> {
        match self {
            Self::Http(response) => Some(response),
            _ => None,
        }
    }

    /// The HTTP response by reference, or `None` for any other reply.
    pub fn http(&self) -> Option<&Response<Vec<u8>>> {
        match self {
            Self::Http(response) => Some(response),
            _ => None,
        }
    }

    /// The interaction, or `None` for any other reply.
    pub fn into_interaction(self) -> Option<Interaction> {
        match self {
            Self::Interaction(interaction) => Some(interaction),
            _ => None,
        }
    }

    /// The interaction by reference, or `None` for any other reply.
    pub fn interaction(&self) -> Option<&Interaction> {
        match self {
            Self::Interaction(interaction) => Some(interaction),
            _ => None,
        }
    }

    /// What a passed bearer check grants, or `None` for any other reply.
    pub fn into_access(self) -> Option<Access> {
        match self {
            Self::Access(access) => Some(access),
            _ => None,
        }
    }
}

/// What a valid bearer token grants: whose it is and what it may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// The resource owner, absent for client-credentials tokens.
    pub subject: Option<String>,
    /// The client the token was issued to.
    pub client_id: String,
    /// Every scope the token carries (a superset of the required ones).
    pub scopes: Scopes,
}
