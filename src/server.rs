//! `Server`: the immutable entry point that starts exchanges.

use std::sync::Arc;

use http::Request;

use crate::endpoint::{introspect, revoke, token};
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
        if path == self.config.endpoints().token {
            token::begin(exchange, &request)
        } else if path == self.config.endpoints().revocation {
            revoke::begin(exchange, &request)
        } else if path == self.config.endpoints().introspection {
            introspect::begin(exchange, &request)
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
}
