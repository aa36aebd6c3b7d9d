//! `Server`: the immutable entry point that starts exchanges.

use std::sync::Arc;

use crate::input::Input;
use crate::{Config, Context, Step, exchange};

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

    /// Starts the exchange for `input`: an HTTP request (`&request`), the
    /// host's [`Decision`](crate::Decision) on an interaction, the device
    /// page's [`Input::device_prompt`] or
    /// [`DeviceDecision`](crate::device::DeviceDecision), or a resource
    /// server's [`Input::bearer`] check. Drive the returned [`Step`] until
    /// it is a [`Step::Respond`] ([`drive`](crate::drive) does).
    ///
    /// The input is only borrowed: the step owns what it needs.
    pub fn begin<'a>(&self, input: impl Into<Input<'a>>, ctx: Context) -> Step {
        exchange::begin(Arc::clone(&self.config), input.into(), ctx)
    }
}
