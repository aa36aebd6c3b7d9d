//! The endpoints, one file each, and the dispatch: which endpoint an
//! [`Input`] starts ([`route`]), and where a paused exchange resumes
//! ([`Paused`]). Adding an endpoint means its own file, one variant and
//! one arm in each match below, and its path in
//! [`Endpoints`](crate::Endpoints).
//!
//! Every endpoint has the same shape: `begin` turns its input into a
//! [`Next`] (read, commit or respond) carrying its one `State` enum;
//! `resume` continues from that state with what the store answered;
//! `fail` answers a store failure (most use [`flow::store_failure`]).

pub(crate) mod authorize;
pub(crate) mod bearer;
pub(crate) mod client_form;
pub(crate) mod client_management;
pub(crate) mod decide;
pub(crate) mod device_authorization;
pub(crate) mod device_verification;
pub(crate) mod flow;
pub(crate) mod introspect;
#[cfg(feature = "jwt")]
pub(crate) mod jwks;
pub(crate) mod metadata;
pub(crate) mod par;
pub(crate) mod register;
pub(crate) mod revoke;
pub(crate) mod token;

use flow::{Env, Next, Resumed};

use crate::input::{HttpRequest, Input};
use crate::reply::Respond;
use crate::response;
use crate::store::StoreError;

/// Where a paused exchange resumes: the state of the endpoint it is in.
#[derive(Debug)]
pub(crate) enum Paused {
    /// Boxed: the largest state by far; unboxed, every step of every
    /// exchange (a bearer check's too) would move it.
    Token(Box<token::State>),
    Revoke(revoke::State),
    Introspect(introspect::State),
    Authorize(authorize::State),
    Decide(decide::State),
    Par(par::State),
    DeviceAuthorization(device_authorization::State),
    DeviceVerification(device_verification::State),
    Registration(register::State),
    ClientManagement(client_management::State),
    Bearer(bearer::State),
}

impl Paused {
    fn token(state: token::State) -> Self {
        Self::Token(Box::new(state))
    }

    /// Continues the endpoint's exchange with what the store answered.
    pub(crate) fn resume(self, env: &Env, resumed: Resumed) -> Next<Self> {
        match self {
            Self::Token(state) => token::resume(env, *state, resumed).map(Self::token),
            Self::Revoke(state) => revoke::resume(env, state, resumed).map(Self::Revoke),
            Self::Introspect(state) => {
                introspect::resume(env, state, resumed).map(Self::Introspect)
            }
            Self::Authorize(state) => authorize::resume(env, state, resumed).map(Self::Authorize),
            Self::Decide(state) => decide::resume(env, state, resumed).map(Self::Decide),
            Self::Par(state) => par::resume(env, state, resumed).map(Self::Par),
            Self::DeviceAuthorization(state) => {
                device_authorization::resume(env, state, resumed).map(Self::DeviceAuthorization)
            }
            Self::DeviceVerification(state) => {
                device_verification::resume(env, state, resumed).map(Self::DeviceVerification)
            }
            Self::Registration(state) => {
                register::resume(env, state, resumed).map(Self::Registration)
            }
            Self::ClientManagement(state) => {
                client_management::resume(env, state, resumed).map(Self::ClientManagement)
            }
            Self::Bearer(state) => bearer::resume(env, state, resumed).map(Self::Bearer),
        }
    }

    /// Ends the exchange because the store could not answer; what it
    /// would have written is treated as not applied. Only the endpoints
    /// that answer a store failure their own way have an arm.
    pub(crate) fn fail(self, env: &Env, error: &StoreError) -> Respond {
        match self {
            Self::Authorize(state) => authorize::fail(env, &state, error),
            Self::Decide(state) => decide::fail(env, &state, error),
            // Nothing verified to redirect to, or not a browser endpoint.
            _ => flow::store_failure(error),
        }
    }
}

/// Starts the exchange for `input`: the endpoint its kind (and, for HTTP,
/// its path) names.
pub(crate) fn route(env: &Env, input: Input<'_>) -> Next<Paused> {
    match input {
        Input::Http(request) => route_http(env, request),
        Input::Decision(decision) => decide::begin(env, decision).map(Paused::Decide),
        Input::DevicePrompt(user_code) => {
            device_verification::prompt(env, user_code).map(Paused::DeviceVerification)
        }
        Input::DeviceDecision(decision) => {
            device_verification::decide(env, decision).map(Paused::DeviceVerification)
        }
        Input::Bearer { request, required, audience } => {
            bearer::begin(env, request, required, audience).map(Paused::Bearer)
        }
    }
}

/// The path table (RFC 8414 lists the same paths in the metadata).
fn route_http(env: &Env, request: HttpRequest<'_>) -> Next<Paused> {
    let config = &env.config;
    let endpoints = config.endpoints();
    let path = request.uri().path();
    let registration = endpoints.registration.as_str();
    #[cfg(feature = "jwt")]
    if let Some(keys) = config.signing_keys().filter(|_| path == endpoints.jwks) {
        return Next::Respond(jwks::answer(env, keys, request));
    }
    if path == endpoints.token {
        token::begin(env, request).map(Paused::token)
    } else if path == endpoints.revocation {
        revoke::begin(env, request).map(Paused::Revoke)
    } else if path == endpoints.introspection {
        introspect::begin(env, request).map(Paused::Introspect)
    } else if path == endpoints.authorization && config.authorization_enabled() {
        authorize::begin(env, request).map(Paused::Authorize)
    } else if config.par_path() == Some(path) {
        par::begin(env, request).map(Paused::Par)
    } else if config.device_authorization_path() == Some(path) {
        device_authorization::begin(env, request).map(Paused::DeviceAuthorization)
    } else if path == config.metadata_path() {
        Next::Respond(metadata::answer(env, request))
    } else if path == registration {
        register::begin(env, request).map(Paused::Registration)
    } else if let Some(client_id) =
        path.strip_prefix(registration).and_then(|rest| rest.strip_prefix('/'))
    {
        client_management::begin(env, request, client_id).map(Paused::ClientManagement)
    } else {
        flow::respond(response::not_found(), Vec::new())
    }
}
