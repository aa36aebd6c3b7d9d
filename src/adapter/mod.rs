//! Adapters: the code that puts the core to work on a runtime or a
//! database. Each sits behind its own cargo feature and none reaches into
//! another.
//!
//! A runtime adapter knows nothing about OAuth. It turns a transport
//! request into an [`http::Request`], builds a [`Context`](crate::Context)
//! (wall clock, 32 bytes from the OS CSPRNG, a request id, the peer
//! address), drives the exchange with [`drive`](crate::drive) or
//! [`drive_async`](crate::drive_async) and writes the [`http::Response`]
//! back. The pieces of that prelude are the `kit` module (feature `kit`);
//! the runtime adapters built from it:
//!
//! * `tower` (feature `tower`) — `tower::OAuthService`, a
//!   `tower_service::Service` for axum, hyper and tower stacks, with an
//!   interaction hook for the login and consent page.
//! * `blocking` (feature `blocking`) — `blocking::HttpServer`, an HTTP/1.1
//!   server on std threads.
//!
//! The manual chapter [`embedding`](crate::manual::embedding) shows how to
//! mount them.
//!
//! A storage adapter implements the storage contract of
//! [`store`](crate::store) the way [`MemoryStore`](crate::store::MemoryStore)
//! does, and passes the same contract suite:
//!
//! * `sqlite` — `sqlite::SqliteStore`, the embedded store for one machine
//!   (SQLite in WAL mode), blocking and `async`.
//! * `postgres` — `postgres::PostgresStore`, the store several server
//!   processes share (PostgreSQL), `async`, with a blocking wrapper.
//!
//! Both use one documented, versioned schema (`src/adapter/sql/*_v1.sql`),
//! and every effect, precondition and query maps to its SQL in one place
//! shared by both engines; `src/adapter/sql/README.md` explains how to add
//! one.

#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "kit")]
pub mod kit;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "tower")]
pub mod protect;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[cfg(feature = "tower")]
pub mod tower;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::{Purged, SchemaTooNew, StoreEvent, StoreEvents, StoreOperation};
