//! The oxide-auth 0.6.1 side: its own in-memory primitives (`ClientMap`,
//! `AuthMap` and `TokenMap` with its `RandomGenerator`) behind its `Generic`
//! endpoint, and its flows (`AccessTokenFlow` with the `Pkce` extension in
//! required mode, `RefreshFlow`, `ClientCredentialsFlow`, `ResourceFlow`),
//! one flow prepared per request as its frontends do.

use std::borrow::Cow;

use chrono::{Duration, Utc};
use oxide_auth::endpoint::{
    AccessTokenFlow, ClientCredentialsFlow, OwnerConsent, RefreshFlow, ResourceFlow, Solicitation,
};
use oxide_auth::frontends::simple::endpoint::{Error, FnSolicitor, Generic, Vacant};
use oxide_auth::frontends::simple::extensions::{AddonList, Extended, Pkce};
use oxide_auth::primitives::authorizer::{AuthMap, Authorizer};
use oxide_auth::primitives::generator::RandomGenerator;
use oxide_auth::primitives::grant::{Extensions, Grant, Value};
use oxide_auth::primitives::issuer::TokenMap;
use oxide_auth::primitives::registrar::{Client, ClientMap, ExactUrl, RegisteredUrl};
use oxide_auth::primitives::scope::Scope;
use url::Url;

use crate::fixture::{
    BASIC, CHALLENGE, CLIENT_ID, CLIENT_SECRET, Failure, OWNER, Outcome, REDIRECT_URI, SCOPE,
    bearer, client_credentials_body, code_exchange_body, refresh_body, token_outcome,
};
use crate::oxide_web::{FormRequest, FormResponse, NotAForm, Sha256Policy};
use crate::peer::{Operation, Peer};

/// Random bytes per code and token: qscope's 256 bits.
const SECRET_BYTES: usize = 32;

/// oxide-auth with its in-memory primitives.
pub(crate) struct Oxide {
    registrar: ClientMap,
    authorizer: AuthMap<RandomGenerator>,
    issuer: TokenMap<RandomGenerator>,
    /// The access-token flow's extensions: PKCE, required.
    addons: AddonList,
    /// What the bearer check requires.
    required: Vec<Scope>,
    /// The extension whose data a stored code carries.
    pkce: Pkce,
    /// That data for the RFC 7636 S256 challenge, as `Pkce` encodes it.
    challenge: Value,
    scope: Scope,
    redirect_uri: Url,
}

/// A flow's result, kept until the batch is timed.
pub(crate) enum OxideAnswer {
    /// A token flow's response.
    Token(Result<FormResponse, Error<FormRequest>>),
    /// The resource flow's grant, or its refusal.
    Bearer(Result<Grant, Result<FormResponse, Error<FormRequest>>>),
}

impl Oxide {
    /// The primitives, holding only the confidential client.
    pub(crate) fn new() -> Self {
        let scope: Scope = SCOPE.parse().expect("a valid scope");
        let mut registrar = ClientMap::new();
        // Before registering: the client's secret is encoded with it.
        registrar.set_password_policy(Sha256Policy);
        registrar.register_client(Client::confidential(
            CLIENT_ID,
            RegisteredUrl::Exact(ExactUrl::new(REDIRECT_URI.into()).expect("a valid URI")),
            scope.clone(),
            CLIENT_SECRET.as_bytes(),
        ));
        let mut issuer = TokenMap::new(RandomGenerator::new(SECRET_BYTES));
        issuer.valid_for(Duration::hours(1));
        let mut addons = AddonList::new();
        addons.push_access_token(Pkce::required());
        let pkce = Pkce::required();
        let challenge = pkce
            .challenge(Some(Cow::Borrowed("S256")), Some(Cow::Borrowed(CHALLENGE)))
            .ok()
            .flatten()
            .expect("Pkce accepts the RFC 7636 S256 challenge");
        Self {
            registrar,
            authorizer: AuthMap::new(RandomGenerator::new(SECRET_BYTES)),
            issuer,
            addons,
            required: vec![scope.clone()],
            pkce,
            challenge,
            scope,
            redirect_uri: REDIRECT_URI.parse().expect("a valid URI"),
        }
    }
}

/// The owner of a client credentials grant is the client itself.
fn client_is_owner(
    _: &mut FormRequest,
    solicitation: Solicitation<'_>,
) -> OwnerConsent<FormResponse> {
    OwnerConsent::Authorized(solicitation.pre_grant().client_id.clone())
}

/// What went wrong in a flow, for the failure message.
fn failure(error: &Error<FormRequest>) -> Failure {
    match error {
        Error::Web(NotAForm) => Failure("the request body is not a form".into()),
        Error::OAuth(error) => Failure(format!("oxide-auth: {error:?}")),
    }
}

impl Peer for Oxide {
    type Request = FormRequest;
    type Answer = OxideAnswer;

    const NAME: &'static str = "oxide-auth";

    fn prepare_code_exchanges(&mut self, n: usize, verifier: &str) -> Vec<Self::Request> {
        let until = Utc::now() + Duration::minutes(10);
        (0..n)
            .map(|_| {
                let mut extensions = Extensions::new();
                extensions.set(&self.pkce, self.challenge.clone());
                let code = self
                    .authorizer
                    .authorize(Grant {
                        owner_id: OWNER.into(),
                        client_id: CLIENT_ID.into(),
                        scope: self.scope.clone(),
                        redirect_uri: self.redirect_uri.clone(),
                        until,
                        extensions,
                    })
                    .expect("AuthMap stores a code");
                FormRequest::token(code_exchange_body(&code, verifier), BASIC)
            })
            .collect()
    }

    fn prepare_refresh_rotations(&mut self, refresh_tokens: &[String]) -> Vec<Self::Request> {
        refresh_tokens.iter().map(|token| FormRequest::token(refresh_body(token), BASIC)).collect()
    }

    fn prepare_client_credentials(&mut self, n: usize, authorization: &str) -> Vec<Self::Request> {
        (0..n).map(|_| FormRequest::token(client_credentials_body(), authorization)).collect()
    }

    fn prepare_bearer_checks(&mut self, access_tokens: &[String]) -> Vec<Self::Request> {
        access_tokens.iter().map(|token| FormRequest::resource(bearer(token))).collect()
    }

    #[expect(
        clippy::result_large_err,
        reason = "oxide-auth's flows return these results; boxing them would time an allocation"
    )]
    fn handle(&mut self, operation: Operation, request: Self::Request) -> Self::Answer {
        match operation {
            Operation::CodeExchange => {
                let endpoint = Generic {
                    registrar: &self.registrar,
                    authorizer: &mut self.authorizer,
                    issuer: &mut self.issuer,
                    solicitor: Vacant,
                    scopes: Vacant,
                    response: Vacant,
                };
                let endpoint = Extended::extend_with(endpoint, &mut self.addons);
                OxideAnswer::Token(
                    AccessTokenFlow::prepare(endpoint).and_then(|mut flow| flow.execute(request)),
                )
            }
            Operation::RefreshRotation => {
                let endpoint = Generic {
                    registrar: &self.registrar,
                    authorizer: Vacant,
                    issuer: &mut self.issuer,
                    solicitor: Vacant,
                    scopes: Vacant,
                    response: Vacant,
                };
                OxideAnswer::Token(
                    RefreshFlow::prepare(endpoint).and_then(|mut flow| flow.execute(request)),
                )
            }
            Operation::ClientCredentials => {
                let endpoint = Generic {
                    registrar: &self.registrar,
                    authorizer: Vacant,
                    issuer: &mut self.issuer,
                    solicitor: FnSolicitor(client_is_owner),
                    scopes: Vacant,
                    response: Vacant,
                };
                OxideAnswer::Token(
                    ClientCredentialsFlow::prepare(endpoint)
                        .and_then(|mut flow| flow.execute(request)),
                )
            }
            Operation::BearerCheck => {
                let endpoint = Generic {
                    registrar: Vacant,
                    authorizer: Vacant,
                    issuer: &mut self.issuer,
                    solicitor: Vacant,
                    scopes: self.required.as_slice(),
                    response: Vacant,
                };
                OxideAnswer::Bearer(
                    ResourceFlow::prepare(endpoint)
                        .map_err(Err)
                        .and_then(|mut flow| flow.execute(request)),
                )
            }
        }
    }

    fn outcome(&self, _operation: Operation, answer: &Self::Answer) -> Result<Outcome, Failure> {
        match answer {
            OxideAnswer::Token(Ok(FormResponse(response))) => {
                token_outcome(response.status().as_u16(), response.body())
            }
            OxideAnswer::Token(Err(error)) | OxideAnswer::Bearer(Err(Err(error))) => {
                Err(failure(error))
            }
            OxideAnswer::Bearer(Ok(_grant)) => Ok(Outcome::Allowed),
            OxideAnswer::Bearer(Err(Ok(FormResponse(response)))) => {
                Err(Failure(format!("bearer denied with {}", response.status())))
            }
        }
    }
}
