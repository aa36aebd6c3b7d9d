//! For resource servers: what they publish about themselves (RFC 9728
//! protected resource metadata, [`ProtectedResource`]) and, behind feature
//! `jwt`, the offline verifier of RFC 9068 JWT access tokens
//! ([`JwtAccessVerifier`]).
//!
//! Both are sans-IO like the rest of the crate: the metadata is a document
//! and a response built from configuration, the verifier a pure function
//! of a JWKS snapshot, the request and `now`. The tower layer that serves
//! them in front of an API is [`adapter::protect`](crate::adapter) (feature
//! `tower`); the manual chapter is
//! [`manual::resource_servers`](crate::manual::resource_servers).

#[cfg(feature = "jwt")]
mod dpop;
#[cfg(feature = "jwt")]
mod error;
mod metadata;
#[cfg(feature = "jwt")]
mod verifier;

#[cfg(feature = "jwt")]
pub use error::JwtAccessError;
pub use metadata::{METADATA_PATH, ProtectedResource, ResourceError};
#[cfg(feature = "jwt")]
pub use verifier::JwtAccessVerifier;
