//! Each [`Precondition`] as a `SELECT` that returns a row exactly when it
//! holds.
//!
//! The engines run it inside the write transaction, before any effect:
//! SQLite under `BEGIN IMMEDIATE` (no other writer can change the row
//! until commit), PostgreSQL with `FOR UPDATE` appended (the row stays
//! locked until commit, and a concurrent writer that changed it first
//! makes the check re-read the new row and return nothing). No row means
//! the transaction is rolled back and reported as a conflict, with the
//! record found under [`Precondition::subject`].

use super::Statement;
use super::columns::token_hash;
use crate::store::Precondition;

const CODE_UNCONSUMED: &str = "SELECT 1 FROM codes WHERE hash = ?1 AND consumed_at IS NULL";

const TOKEN_ACTIVE: &str =
    "SELECT 1 FROM tokens WHERE hash = ?1 AND rotated_at IS NULL AND revoked_at IS NULL";

const TOKEN_NOT_REVOKED: &str = "SELECT 1 FROM tokens WHERE hash = ?1 AND revoked_at IS NULL";

/// The check for `precondition`: it holds iff the statement returns a row.
pub(crate) fn check(precondition: &Precondition) -> Statement {
    match precondition {
        Precondition::CodeUnconsumed { hash } => {
            Statement::new(CODE_UNCONSUMED, vec![token_hash(hash)])
        }
        Precondition::TokenActive { hash } => Statement::new(TOKEN_ACTIVE, vec![token_hash(hash)]),
        Precondition::TokenNotRevoked { hash } => {
            Statement::new(TOKEN_NOT_REVOKED, vec![token_hash(hash)])
        }
    }
}
