//! The qscope manual: the contracts and reasoning behind the API.
//!
//! * [`driving`] — how a host drives an exchange, step by step.
//! * [`atomicity`] — what a storage backend must guarantee.
//! * [`threat_model`] — the attacks RFC 9700 lists, and the defence against each.
//! * [`coverage`] — what each RFC is implemented to, what is not offered, and the full map.

pub mod atomicity;
pub mod coverage;
pub mod driving;
pub mod threat_model;
