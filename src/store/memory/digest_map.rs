//! Hash maps keyed by SHA-256 outputs or random family ids.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Maps keyed by SHA-256 outputs or random family ids: their first bytes are
/// already uniformly distributed and not chosen by an attacker, so a keyed
/// hash would only cost time.
pub(super) type DigestMap<K, V> = HashMap<K, V, BuildHasherDefault<PrefixHasher>>;

/// Hashes a digest key by its first eight bytes, spread over the whole
/// word (see [`DigestMap`]).
#[derive(Default)]
pub(super) struct PrefixHasher(u64);

impl Hasher for PrefixHasher {
    fn finish(&self) -> u64 {
        // The table takes its bucket from the low bits and a tag from the
        // top seven; a key whose top bits are all alike (a family id that
        // is a small counter, as set-up and tests make them) would give
        // every entry the same tag and turn each probe into comparisons.
        // One multiply spreads every input bit up, the fold brings them
        // back down.
        let spread = self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        spread ^ (spread >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut prefix = [0u8; 8];
        let n = bytes.len().min(8);
        prefix[..n].copy_from_slice(&bytes[..n]);
        self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(prefix);
    }

    fn write_usize(&mut self, _length_prefix: usize) {}
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn counters_get_distinct_top_bits() {
        let build = BuildHasherDefault::<PrefixHasher>::default();
        let tags: std::collections::HashSet<u64> = (0u64..64)
            .map(|n| {
                let mut key = [0u8; 16];
                key[..8].copy_from_slice(&n.to_le_bytes());
                build.hash_one(key) >> 57
            })
            .collect();
        assert!(tags.len() > 16, "only {} distinct tags", tags.len());
    }
}
