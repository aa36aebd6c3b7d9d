//! The token table of `MemoryStore`: records in an [`Arena`], found by
//! hash, and linked into their family, their parent's children and their
//! client's tokens through positions kept in the records' own slots.
//!
//! An insert is one arena slot, one small map entry per key and three
//! list heads updated in place: nothing is allocated per family, parent or
//! client, and no list is copied as it grows.

use std::collections::HashMap;

use crate::secret::TokenHash;

use super::arena::Arena;
use super::digest_map::DigestMap;
use crate::store::record::{FamilyId, TokenRecord};

/// A stored token and the next-older token of each list it is on.
#[derive(Debug)]
pub(super) struct Slot {
    /// The record.
    pub(super) record: TokenRecord,
    next_in_family: Option<usize>,
    next_sibling: Option<usize>,
    next_of_client: Option<usize>,
}

/// Every token, by hash and by position (insertion order).
#[derive(Debug, Default)]
pub(super) struct Tokens {
    slots: Arena<Slot>,
    by_hash: DigestMap<TokenHash, usize>,
    /// The newest token of each family.
    family_heads: DigestMap<FamilyId, usize>,
    /// The newest child of each parent.
    child_heads: DigestMap<TokenHash, usize>,
    /// The newest token of each client.
    client_heads: HashMap<String, usize>,
}

impl Tokens {
    /// The position of the token with this hash.
    pub(super) fn position(&self, hash: &TokenHash) -> Option<usize> {
        self.by_hash.get(hash).copied()
    }

    /// The token with this hash.
    pub(super) fn get(&self, hash: &TokenHash) -> Option<&TokenRecord> {
        self.slots.get(self.position(hash)?).map(|slot| &slot.record)
    }

    /// The token with this hash, to change it.
    pub(super) fn get_mut(&mut self, hash: &TokenHash) -> Option<&mut TokenRecord> {
        let position = self.position(hash)?;
        self.at_mut(position)
    }

    /// The token at `position`, to change it.
    pub(super) fn at_mut(&mut self, position: usize) -> Option<&mut TokenRecord> {
        self.slots.get_mut(position).map(|slot| &mut slot.record)
    }

    /// The token at `position`.
    pub(super) fn at(&self, position: usize) -> Option<&TokenRecord> {
        self.slots.get(position).map(|slot| &slot.record)
    }

    /// Every token, in insertion order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &TokenRecord> {
        self.slots.iter().map(|slot| &slot.record)
    }

    /// Stores `record`; one with the same hash is replaced in place,
    /// keeping its position and its lists.
    pub(super) fn put(&mut self, record: TokenRecord) {
        if let Some(stored) = self.get_mut(&record.hash) {
            *stored = record;
            return;
        }
        let position = self.slots.len();
        // Each list's head moves to the new token, which links to the old head.
        let next_in_family = self.family_heads.insert(record.family, position);
        let next_sibling =
            record.parent.and_then(|parent| self.child_heads.insert(parent, position));
        let next_of_client = match self.client_heads.get_mut(record.client_id.as_str()) {
            Some(head) => Some(std::mem::replace(head, position)),
            None => {
                self.client_heads.insert(record.client_id.clone(), position);
                None
            }
        };
        self.by_hash.insert(record.hash, position);
        let pushed = self.slots.push(Slot { record, next_in_family, next_sibling, next_of_client });
        debug_assert_eq!(pushed, position, "the next position is the arena's length");
    }

    /// The positions of `family`'s tokens, newest first.
    pub(super) fn family(&self, family: &FamilyId) -> Vec<usize> {
        self.walk(self.family_heads.get(family).copied(), |slot| slot.next_in_family)
    }

    /// The positions of the tokens whose parent is `parent`, newest first.
    pub(super) fn children(&self, parent: &TokenHash) -> Vec<usize> {
        self.walk(self.child_heads.get(parent).copied(), |slot| slot.next_sibling)
    }

    /// The positions of `client_id`'s tokens, newest first.
    pub(super) fn of_client(&self, client_id: &str) -> Vec<usize> {
        self.walk(self.client_heads.get(client_id).copied(), |slot| slot.next_of_client)
    }

    fn walk(&self, head: Option<usize>, next: impl Fn(&Slot) -> Option<usize>) -> Vec<usize> {
        let mut positions = Vec::new();
        let mut at = head;
        while let Some(position) = at {
            positions.push(position);
            at = self.slots.get(position).and_then(&next);
        }
        positions
    }
}
