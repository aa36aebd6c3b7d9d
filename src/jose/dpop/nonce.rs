//! Server-provided DPoP nonces (RFC 9449 §8, §9) that need no server
//! state: a nonce is the index of a time bucket with a MAC over it, so any
//! node holding the same key issues and accepts the same nonces, and a
//! nonce expires by itself when its bucket is two buckets old.
//!
//! A nonce is 32 base64url characters: the bucket index (8 bytes,
//! big-endian) and the first 16 bytes of HMAC-SHA-256 under the key over a
//! domain label and the index. The key is the host's (the core draws no
//! randomness): 32 random bytes shared by every node, e.g. from the
//! configuration's secret store.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::jose::base64url;
use crate::{Seconds, UnixTime};

const LABEL: &[u8] = b"qscope.dpop-nonce.v1\0";
const TAG_BYTES: usize = 16;

/// Issues and accepts time-bucketed DPoP nonces. The nonce of the current
/// bucket is the one to send in `DPoP-Nonce`; proofs are accepted with it
/// or the previous bucket's, so a nonce lives between one and two
/// buckets.
#[derive(Clone)]
pub struct DpopNonces {
    key: [u8; 32],
    previous_key: Option<[u8; 32]>,
    bucket: u64,
}

impl std::fmt::Debug for DpopNonces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopNonces")
            .field("key", &"<redacted>")
            .field("previous_key", &self.previous_key.map(|_| "<redacted>"))
            .field("bucket", &self.bucket)
            .finish()
    }
}

impl DpopNonces {
    /// Nonces under `key`, each bucket `bucket` long (at least a second;
    /// RFC 9449 leaves the lifetime to the server, a few minutes is usual).
    pub fn new(key: [u8; 32], bucket: Seconds) -> Self {
        Self { key, previous_key: None, bucket: bucket.get().max(1) }
    }

    /// Also accepts the nonces of `previous` (not issued any more), so the
    /// key can be replaced on every node without refusing the nonces
    /// clients hold.
    #[must_use]
    pub fn with_previous_key(mut self, previous: [u8; 32]) -> Self {
        self.previous_key = Some(previous);
        self
    }

    /// The nonce to send in `DPoP-Nonce` at `now`.
    pub fn current(&self, now: UnixTime) -> String {
        nonce(&self.key, self.index(now))
    }

    /// The nonces a proof may carry at `now`: this bucket's and the
    /// previous one's, under the key and the previous key. Pass them to
    /// [`DpopRequest::requiring_nonce`](super::DpopRequest::requiring_nonce).
    pub fn accepted(&self, now: UnixTime) -> Vec<String> {
        let index = self.index(now);
        let mut accepted = vec![nonce(&self.key, index)];
        if let Some(before) = index.checked_sub(1) {
            accepted.push(nonce(&self.key, before));
        }
        if let Some(previous) = &self.previous_key {
            accepted.push(nonce(previous, index));
            if let Some(before) = index.checked_sub(1) {
                accepted.push(nonce(previous, before));
            }
        }
        accepted
    }

    fn index(&self, now: UnixTime) -> u64 {
        now.as_secs() / self.bucket
    }
}

fn nonce(key: &[u8; 32], index: u64) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(LABEL);
    mac.update(&index.to_be_bytes());
    let tag = mac.finalize().into_bytes();
    let mut raw = [0u8; 8 + TAG_BYTES];
    raw[..8].copy_from_slice(&index.to_be_bytes());
    raw[8..].copy_from_slice(&tag[..TAG_BYTES]);
    base64url::encode(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const MINUTE: Seconds = Seconds::new(60);

    fn at(secs: u64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    #[test]
    fn a_nonce_is_accepted_in_its_bucket_and_the_next_then_expires() {
        let nonces = DpopNonces::new(KEY, MINUTE);
        let issued = nonces.current(at(6_000));
        assert_eq!(issued.len(), 32);
        assert_eq!(nonces.current(at(6_059)), issued, "one nonce per bucket");
        assert!(nonces.accepted(at(6_059)).contains(&issued));
        assert!(nonces.accepted(at(6_119)).contains(&issued), "and through the next bucket");
        assert!(!nonces.accepted(at(6_120)).contains(&issued), "then it has expired");
        assert_ne!(nonces.current(at(6_060)), issued);
    }

    #[test]
    fn nodes_with_one_key_agree_and_other_keys_do_not() {
        let node_a = DpopNonces::new(KEY, MINUTE);
        let node_b = DpopNonces::new(KEY, MINUTE);
        assert_eq!(node_a.current(at(90_000)), node_b.current(at(90_000)));
        let other = DpopNonces::new([8; 32], MINUTE);
        assert!(!other.accepted(at(90_000)).contains(&node_a.current(at(90_000))));
    }

    #[test]
    fn a_replaced_key_keeps_its_nonces_acceptable_but_issues_no_more() {
        let old = DpopNonces::new(KEY, MINUTE);
        let held = old.current(at(1_000));
        let rotated = DpopNonces::new([9; 32], MINUTE).with_previous_key(KEY);
        assert!(rotated.accepted(at(1_000)).contains(&held));
        assert_ne!(rotated.current(at(1_000)), held);
    }

    #[test]
    fn a_forged_bucket_index_does_not_pass() {
        let nonces = DpopNonces::new(KEY, MINUTE);
        let genuine = base64url::decode(nonces.current(at(600)).as_bytes()).unwrap();
        let mut forged = genuine;
        forged[7] ^= 1; // another bucket, the same tag
        let forged = base64url::encode(&forged);
        assert!(!nonces.accepted(at(600)).contains(&forged));
        assert!(!nonces.accepted(at(660)).contains(&forged));
    }

    #[test]
    fn the_key_is_not_in_debug_output() {
        let shown = format!("{:?}", DpopNonces::new(KEY, MINUTE).with_previous_key([1; 32]));
        assert!(!shown.contains("7, 7") && shown.contains("<redacted>"), "{shown}");
    }
}
