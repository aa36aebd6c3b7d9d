//! What the harness drives: the four operations, and the trait each
//! implementation under test is adapted to.

use crate::fixture::{Failure, Outcome};

/// The four operations, in the order a batch runs them. Each feeds a later
/// one: the code exchange hands its refresh tokens to the rotation, the
/// client credentials grant its access tokens to the bearer check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation {
    /// Authorization code + PKCE S256 exchange, client authenticated by Basic.
    CodeExchange,
    /// Refresh token rotation, client authenticated by Basic.
    RefreshRotation,
    /// Client credentials grant, client authenticated by Basic.
    ClientCredentials,
    /// A resource checks a bearer access token (scope `read`).
    BearerCheck,
}

impl Operation {
    /// Every operation, in batch order.
    pub(crate) const ALL: [Self; 4] =
        [Self::CodeExchange, Self::RefreshRotation, Self::ClientCredentials, Self::BearerCheck];

    /// The row label (the wording).
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::CodeExchange => "code + PKCE exchange",
            Self::RefreshRotation => "refresh rotation",
            Self::ClientCredentials => "client credentials",
            Self::BearerCheck => "bearer check",
        }
    }
}

/// One implementation under test, driven through its public API.
///
/// The `prepare_*` methods run outside the timed part: they store what the
/// requests need (codes) and build the requests. [`Peer::handle`] is the
/// timed part: one request through the implementation's endpoint, from the
/// unparsed request to the built response. [`Peer::outcome`] checks an
/// answer afterwards.
pub(crate) trait Peer {
    /// A request, ready to hand over (built outside the timed part).
    type Request;
    /// What [`Peer::handle`] returns, kept until the batch is timed.
    type Answer;

    /// The column label.
    const NAME: &'static str;

    /// Stores `n` fresh authorization codes (PKCE S256 with the RFC 7636
    /// challenge) and returns the token requests that redeem them with
    /// `verifier`.
    fn prepare_code_exchanges(&mut self, n: usize, verifier: &str) -> Vec<Self::Request>;

    /// The token requests that rotate these refresh tokens.
    fn prepare_refresh_rotations(&mut self, refresh_tokens: &[String]) -> Vec<Self::Request>;

    /// `n` client credentials token requests that authenticate with
    /// `authorization` (an HTTP Basic value).
    fn prepare_client_credentials(&mut self, n: usize, authorization: &str) -> Vec<Self::Request>;

    /// The resource requests that present these access tokens.
    fn prepare_bearer_checks(&mut self, access_tokens: &[String]) -> Vec<Self::Request>;

    /// The timed part: one request of `operation`, handled.
    fn handle(&mut self, operation: Operation, request: Self::Request) -> Self::Answer;

    /// Whether `answer` is the success `operation` must produce.
    fn outcome(&self, operation: Operation, answer: &Self::Answer) -> Result<Outcome, Failure>;
}
