//! `Server`: the immutable entry point that starts exchanges.

use std::sync::Arc;

use http::Request;

use crate::endpoint::token;
use crate::endpoint::{client_management, register};
use crate::exchange::Exchange;
use crate::{Config, Context, Step, response};

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
        let registration = self.config.endpoints().registration.as_str();
        if path == self.config.endpoints().token {
            token::begin(exchange, &request)
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
}
