//! One module per endpoint: request parsing, the exchange's states, and
//! the answers.

pub(crate) mod token;
