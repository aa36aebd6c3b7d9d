//! The SQL shared by the SQLite and PostgreSQL stores.
//!
//! Everything the contract asks of a SQL backend is written here once, as
//! engine-neutral [`Statement`]s (SQL text with `?N` placeholders, and
//! typed parameters):
//!
//! * [`effects::statements`] — one `match` over [`Effect`](crate::store::Effect);
//! * [`preconditions::check`] — one `match` over
//!   [`Precondition`](crate::store::Precondition);
//! * [`queries::lookup`] — one `match` over [`Query`](crate::store::Query),
//!   with the decoder for the record it returns ([`rows`]);
//! * [`purge::statements`] — what [`Purged`] deletes;
//! * [`MIGRATIONS_SQLITE`] / [`MIGRATIONS_POSTGRES`] — the versioned schema;
//! * [`locks`] — what PostgreSQL locks before any row, and the one lock order;
//! * [`episodes`] — failure episodes reported to the host's [`StoreEvents`].
//!
//! The engines only execute these: SQLite binds `?N` as is, PostgreSQL
//! rewrites it to `$N` (and appends `FOR UPDATE` to precondition checks).
//! See `README.md` in this folder for adding a record, query, effect or
//! precondition.

pub(crate) mod columns;
pub(crate) mod effects;
pub(crate) mod episodes;
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) mod locks;
pub(crate) mod preconditions;
pub(crate) mod purge;
pub(crate) mod queries;
pub(crate) mod rows;

use std::error::Error;
use std::fmt;

pub use episodes::{StoreEvent, StoreEvents, StoreOperation};
pub use purge::Purged;

/// One schema migration: the version it brings the database to, and its SQL.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) sql: &'static str,
}

/// The SQLite schema, oldest first; the last is the version this build writes.
#[cfg(feature = "sqlite")]
pub(crate) const MIGRATIONS_SQLITE: &[Migration] = &[
    Migration { version: 1, sql: include_str!("sqlite_v1.sql") },
    Migration { version: 2, sql: include_str!("sqlite_v2.sql") },
    Migration { version: 3, sql: include_str!("sqlite_v3.sql") },
    Migration { version: 4, sql: include_str!("sqlite_v4.sql") },
];

/// The PostgreSQL schema, oldest first, version for version the same as SQLite's.
#[cfg(feature = "postgres")]
pub(crate) const MIGRATIONS_POSTGRES: &[Migration] = &[
    Migration { version: 1, sql: include_str!("postgres_v1.sql") },
    Migration { version: 2, sql: include_str!("postgres_v2.sql") },
    Migration { version: 3, sql: include_str!("postgres_v3.sql") },
    Migration { version: 4, sql: include_str!("postgres_v4.sql") },
];

/// The migrations to run on a database at `current`, or an error if the
/// database is newer than this build.
pub(crate) fn pending(
    migrations: &'static [Migration],
    current: i64,
) -> Result<&'static [Migration], SchemaTooNew> {
    let supported = migrations.last().map_or(0, |m| m.version);
    if current > supported {
        return Err(SchemaTooNew { found: current, supported });
    }
    Ok(&migrations[migrations.iter().take_while(|m| m.version <= current).count()..])
}

/// A typed SQL parameter. Nulls carry their type, which PostgreSQL needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// `INTEGER` / `BIGINT` (times, counts).
    Int(Option<i64>),
    /// `TEXT`.
    Text(Option<String>),
    /// `BLOB` / `BYTEA` (hashes, family ids).
    Blob(Option<Vec<u8>>),
    /// `INTEGER` 0/1 in SQLite, `BOOLEAN` in PostgreSQL.
    Bool(bool),
}

/// SQL text with `?N` placeholders and its parameters, `?1` first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Statement {
    pub(crate) sql: &'static str,
    pub(crate) params: Vec<Value>,
}

impl Statement {
    pub(crate) fn new(sql: &'static str, params: Vec<Value>) -> Self {
        Self { sql, params }
    }
}

/// The store found a database written by a newer qscope and refuses to
/// open it, rather than read or write a schema it does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaTooNew {
    /// The schema version recorded in the database.
    pub found: i64,
    /// The newest schema version this build knows.
    pub supported: i64,
}

impl fmt::Display for SchemaTooNew {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "database schema version {} is newer than the newest this qscope knows ({})",
            self.found, self.supported
        )
    }
}

impl Error for SchemaTooNew {}

/// A stored value that does not decode (corrupt or foreign data).
#[derive(Debug)]
pub(crate) struct Malformed(pub(crate) String);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed stored value: {}", self.0)
    }
}

impl Error for Malformed {}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATIONS: &[Migration] = &[
        Migration { version: 1, sql: "CREATE TABLE a (x INTEGER)" },
        Migration { version: 2, sql: "CREATE TABLE b (x INTEGER)" },
    ];

    #[test]
    fn pending_migrations_skip_applied_and_refuse_newer() {
        let versions = |current| {
            pending(MIGRATIONS, current).map(|p| p.iter().map(|m| m.version).collect::<Vec<_>>())
        };
        assert_eq!(versions(0), Ok(vec![1, 2]));
        assert_eq!(versions(1), Ok(vec![2]));
        assert_eq!(versions(2), Ok(vec![]));
        assert_eq!(versions(3), Err(SchemaTooNew { found: 3, supported: 2 }));
    }

    #[cfg(all(feature = "sqlite", feature = "postgres"))]
    #[test]
    fn both_dialects_have_the_same_versions() {
        let versions = |m: &[Migration]| m.iter().map(|m| m.version).collect::<Vec<_>>();
        assert_eq!(versions(MIGRATIONS_SQLITE), versions(MIGRATIONS_POSTGRES));
    }
}
