//! The storage contract suite against the reference `MemoryStore`.

#![cfg(feature = "contract-tests")]

use qscope::store::MemoryStore;

#[test]
fn memory_store_honours_the_contract() {
    qscope::store::contract::run_all(MemoryStore::new);
}
