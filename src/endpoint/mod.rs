//! One module per endpoint: request parsing, the exchange's states, and
//! the answers.

pub(crate) mod client_management;
pub(crate) mod register;
pub(crate) mod token;
