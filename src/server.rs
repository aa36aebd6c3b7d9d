//! `Server`: the immutable entry point that starts exchanges.

use std::sync::Arc;

use http::Request;

use crate::authorization::Decision;
use crate::device::DeviceDecision;
use crate::endpoint::{
    authorize, client_management, decide, device_authorization, device_verification, introspect,
    metadata, par, register, revoke, token,
};
use crate::exchange::Exchange;
use crate::{BearerStep, Config, Context, Scopes, Step, UnixTime, bearer, response};

/// An OAuth 2.1 authorization server core. Cheap to clone, `Send + Sync`;
/// share one per process.
#[derive(Clone, Debug)]
pub struct Server {
    config: Arc<Config>,
}

impl Server {
    /// A server with the given (already validated) policy.
    pub fn new(config: Config) -> Self {
        Self { config: Arc::new(config) }
    }

    /// The policy.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Starts the exchange for one HTTP request. Drive the returned
    /// [`Step`] until it is a [`Step::Respond`].
    pub fn begin<B: AsRef<[u8]>>(&self, request: Request<B>, ctx: Context) -> Step {
        let exchange = Exchange::new(Arc::clone(&self.config), ctx);
        let path = request.uri().path();
        let config = &self.config;
        let registration = config.endpoints().registration.as_str();
        if path == config.endpoints().token {
            token::begin(exchange, &request)
        } else if path == config.endpoints().revocation {
            revoke::begin(exchange, &request)
        } else if path == config.endpoints().introspection {
            introspect::begin(exchange, &request)
        } else if path == config.endpoints().authorization && config.authorization_enabled() {
            authorize::begin(exchange, &request)
        } else if config.par_path() == Some(path) {
            par::begin(exchange, &request)
        } else if config.device_authorization_path() == Some(path) {
            device_authorization::begin(exchange, &request)
        } else if path == config.metadata_path() {
            metadata::begin(exchange, &request)
        } else if path == registration {
            register::begin(exchange, &request)
        } else if let Some(client_id) =
            path.strip_prefix(registration).and_then(|rest| rest.strip_prefix('/'))
        {
            client_management::begin(exchange, &request, client_id)
        } else {
            exchange.respond(response::not_found(), Vec::new())
        }
    }

    /// Starts verifying the bearer token of a request to a protected
    /// resource that needs every scope in `required` (RFC 6750). The
    /// returned [`BearerStep`] is a denial decided from the request alone,
    /// or one read whose [`resume`](crate::BearerRead::resume) gives the
    /// [`BearerVerdict`](crate::BearerVerdict);
    /// [`verify_bearer`](crate::verify_bearer) drives it over a store.
    ///
    /// Verification mints and writes nothing, so it needs only the time,
    /// not a [`Context`]. The request is borrowed: the resource server still
    /// serves it afterwards.
    pub fn verify_bearer<'a, B: AsRef<[u8]>>(
        &'a self,
        request: &Request<B>,
        required: &'a Scopes,
        now: UnixTime,
    ) -> BearerStep<'a> {
        bearer::begin(self.config.bearer(), request, required, now)
    }

    /// Finishes an authorization request with the host's [`Decision`] on
    /// the [`Interaction`](crate::Interaction) the authorization endpoint
    /// replied with. Drive the returned [`Step`] like any other; it ends
    /// in a redirect to the client (with the code, or with
    /// `access_denied`), or in a direct 400 when the handle is unknown,
    /// expired or already used.
    pub fn decide(&self, decision: Decision, ctx: Context) -> Step {
        decide::begin(Exchange::new(Arc::clone(&self.config), ctx), decision)
    }

    /// Looks up the user code a user typed on the host's device
    /// verification page (RFC 8628 §3.3). Drive the returned [`Step`]; it
    /// ends in [`Reply::Device`](crate::Reply::Device) with the prompt to
    /// show, or the reason the code cannot be used.
    pub fn device_prompt(&self, user_code: &str, ctx: Context) -> Step {
        device_verification::prompt(Exchange::new(Arc::clone(&self.config), ctx), user_code)
    }

    /// Records the user's decision on a device authorization. Drive the
    /// returned [`Step`]; it ends in [`Reply::Device`](crate::Reply::Device):
    /// approved, denied, or why the code cannot be decided.
    pub fn decide_device(&self, decision: DeviceDecision, ctx: Context) -> Step {
        device_verification::decide(Exchange::new(Arc::clone(&self.config), ctx), decision)
    }
}
