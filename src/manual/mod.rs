//! The qscope manual: the contracts and reasoning behind the API.
//!
//! * [`driving`] — how a host drives an exchange, step by step.
//! * [`atomicity`] — what a storage backend must guarantee.

pub mod atomicity;
pub mod driving;
