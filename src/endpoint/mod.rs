//! One module per endpoint: request parsing, the exchange's states, and
//! the answers.

pub(crate) mod authorize;
pub(crate) mod client_post;
pub(crate) mod decide;
pub(crate) mod introspect;
pub(crate) mod metadata;
pub(crate) mod par;
pub(crate) mod revoke;
pub(crate) mod token;
