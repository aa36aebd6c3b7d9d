//! The qscope manual: the contracts and reasoning behind the API.
//!
//! * [`driving`] — how a host drives an exchange, step by step.
//! * [`embedding`] — embedding in axum / hyper / a blocking server: mounting,
//!   routing by full path, the peer address, the interaction hook, keeping
//!   the metadata to what is mounted, and how it fails.
//! * [`atomicity`] — what a storage backend must guarantee.
//! * [`threat_model`] — the attacks RFC 9700 lists, and the defence against each.
//! * [`coverage`] — what each RFC is implemented to, what is not offered, and the full map.
//! * `jose` (feature `jwt`) — JWT access tokens, JWKs, signing keys and their rotation, DPoP
//!   proofs and client assertions.
//! * [`resource_servers`] — checking tokens at an API, and its RFC 9728 metadata.
//! * `server` (feature `server`) — the `qscope` binary: running it, administration, sessions
//!   across nodes, how it fails.

pub mod atomicity;
pub mod coverage;
pub mod driving;
pub mod embedding;
#[cfg(feature = "jwt")]
pub mod jose;
pub mod resource_servers;
#[cfg(feature = "server")]
pub mod server;
pub mod threat_model;
