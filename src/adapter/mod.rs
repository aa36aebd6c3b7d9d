//! Adapters that put the core to work, each behind its own cargo feature.
//!
//! * `sqlite` — [`sqlite::SqliteStore`], the embedded store for one
//!   machine (SQLite in WAL mode), blocking and `async`.
//! * `postgres` — [`postgres::PostgresStore`], the store several server
//!   processes share (PostgreSQL), `async`, with a blocking wrapper.
//!
//! Both implement the same storage contract as
//! [`MemoryStore`](crate::store::MemoryStore) over one documented,
//! versioned schema (`src/adapter/sql/*_v1.sql`), and both pass the
//! contract suite in [`store::contract`](crate::store). Every effect,
//! precondition and query maps to its SQL in one place shared by both
//! engines; `src/adapter/sql/README.md` explains how to add one.

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::{Purged, SchemaTooNew};
