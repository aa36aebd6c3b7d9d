//! One module per endpoint: request parsing, the exchange's states, and
//! the answers.

pub(crate) mod authorize;
pub(crate) mod client_form;
pub(crate) mod client_management;
pub(crate) mod decide;
pub(crate) mod device_authorization;
pub(crate) mod device_verification;
pub(crate) mod introspect;
pub(crate) mod metadata;
pub(crate) mod par;
pub(crate) mod register;
pub(crate) mod revoke;
pub(crate) mod token;
