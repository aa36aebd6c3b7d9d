//! The qscope manual: the contracts and reasoning behind the API.
//!
//! * [`driving`] — how a host drives an exchange, step by step.
//! * [`atomicity`] — what a storage backend must guarantee.
//! * [`threat_model`] — the attacks RFC 9700 lists, and the defence against each.
//! * [`coverage`] — what each RFC is implemented to, what is not offered, and the full map.
//! * `jose` (feature `jwt`) — JWT access tokens, JWKs, signing keys and their rotation.

pub mod atomicity;
pub mod coverage;
pub mod driving;
#[cfg(feature = "jwt")]
pub mod jose;
pub mod threat_model;
