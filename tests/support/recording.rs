//! The store as the driver sees it in tests: a `MemoryStore` whose
//! commits are recorded and whose exchanges are held to the step bound.
//! Shared by the harness (`support/mod.rs`) and the RFC vectors.

#![allow(unreachable_pub, reason = "a test module shared by two test crates")]

use std::cell::{Cell, RefCell};

use qscope::MAX_STEPS;
use qscope::store::{Answers, MemoryStore, Outcome, Query, Store, StoreError, Transaction};

/// A memory store as the driver sees it: every read and commit goes to
/// the memory store, each commit is recorded, and an exchange taking more
/// than [`MAX_STEPS`] steps (its respond included) panics.
pub struct Recording<'s> {
    store: &'s MemoryStore,
    /// Every transaction committed, in order.
    pub commits: RefCell<Vec<Transaction>>,
    steps: Cell<usize>,
}

impl<'s> Recording<'s> {
    pub fn new(store: &'s MemoryStore) -> Self {
        Self { store, commits: RefCell::default(), steps: Cell::new(0) }
    }

    fn step(&self) {
        self.steps.set(self.steps.get() + 1);
        assert!(self.steps.get() < MAX_STEPS, "exchange exceeded MAX_STEPS");
    }
}

impl Store for Recording<'_> {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        self.step();
        Ok(self.store.read(queries).expect("memory read"))
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        self.step();
        let outcome = self.store.apply(transaction).expect("memory apply");
        self.commits.borrow_mut().push(transaction.clone());
        Ok(outcome)
    }
}
