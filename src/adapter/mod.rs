//! Adapters: the code that puts the core to work on a runtime or a
//! database. Each sits behind its own cargo feature and none reaches into
//! another.
//!
//! A runtime adapter knows nothing about OAuth. It turns a transport
//! request into an [`http::Request`], builds a [`Context`](crate::Context)
//! (wall clock, 32 bytes from the OS CSPRNG, a request id, the peer
//! address; see the `context` module), drives the exchange with
//! [`drive`](crate::drive) or [`drive_async`](crate::drive_async) and
//! writes the [`http::Response`] back.

#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(any(feature = "tower", feature = "blocking"))]
pub mod context;
#[cfg(any(feature = "tower", feature = "blocking"))]
mod fallback;
#[cfg(feature = "tower")]
pub mod tower;
