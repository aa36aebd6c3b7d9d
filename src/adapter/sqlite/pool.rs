//! A small pool of SQLite connections to one database.
//!
//! In WAL mode readers run concurrently with each other and with the one
//! writer, so each thread gets its own connection; writers serialize on
//! `BEGIN IMMEDIATE` (waiting up to the busy timeout).

use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;

use super::run::error;
use crate::store::StoreError;

/// Where connections go.
#[derive(Debug)]
pub(super) enum Target {
    /// A database file (WAL mode).
    File(PathBuf),
    /// A private in-memory database: one connection, so the pool holds one.
    Memory,
}

#[derive(Debug)]
pub(super) struct Settings {
    pub(super) busy_timeout: Duration,
    pub(super) synchronous_full: bool,
    pub(super) max_connections: usize,
}

#[derive(Debug)]
pub(super) struct Pool {
    target: Target,
    settings: Settings,
    state: Mutex<State>,
    returned: Condvar,
}

#[derive(Debug, Default)]
struct State {
    idle: Vec<Connection>,
    open: usize,
}

/// A connection on loan; it goes back to the pool when dropped.
pub(super) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Connection>,
}

impl Pooled<'_> {
    pub(super) fn conn(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .unwrap_or_else(|| unreachable!("a pooled connection is present until drop"))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.lock().idle.push(conn);
            self.pool.returned.notify_one();
        }
    }
}

impl Pool {
    /// A pool holding `first`, an already opened and migrated connection.
    pub(super) fn new(target: Target, mut settings: Settings, first: Connection) -> Self {
        if matches!(target, Target::Memory) {
            settings.max_connections = 1;
        }
        settings.max_connections = settings.max_connections.max(1);
        Self {
            target,
            settings,
            state: Mutex::new(State { idle: vec![first], open: 1 }),
            returned: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a list and a count, consistent at every unlock.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// An idle connection, a new one while under the limit, or the next one
    /// returned; waits at most the busy timeout.
    pub(super) fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Pooled { pool: self, conn: Some(conn) });
            }
            if state.open < self.settings.max_connections {
                state.open += 1;
                drop(state);
                return match open(&self.target, &self.settings) {
                    Ok(conn) => Ok(Pooled { pool: self, conn: Some(conn) }),
                    Err(err) => {
                        self.lock().open -= 1;
                        self.returned.notify_one();
                        Err(err)
                    }
                };
            }
            let (next, timeout) = self
                .returned
                .wait_timeout(state, self.settings.busy_timeout)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            state = next;
            if timeout.timed_out() && state.idle.is_empty() {
                return Err(StoreError::transient(
                    "no SQLite connection free within the busy timeout",
                ));
            }
        }
    }
}

/// Opens a connection with the store's settings: busy timeout, WAL for
/// files, the chosen `synchronous` level.
pub(super) fn open(target: &Target, settings: &Settings) -> Result<Connection, StoreError> {
    let conn = match target {
        Target::File(path) => Connection::open(path),
        Target::Memory => Connection::open_in_memory(),
    }
    .map_err(error)?;
    conn.busy_timeout(settings.busy_timeout).map_err(error)?;
    // Room for every statement of the shared SQL (about 25), so none is
    // re-prepared.
    conn.set_prepared_statement_cache_capacity(64);
    if let Target::File(_) = target {
        let mode: String =
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::permanent(format!("SQLite refused WAL mode (got {mode})")));
        }
    }
    let level = if settings.synchronous_full { "FULL" } else { "NORMAL" };
    conn.pragma_update(None, "synchronous", level).map_err(error)?;
    Ok(conn)
}
