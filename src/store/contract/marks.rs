//! Contract check: a mark, once set, keeps its first time. A code consumed,
//! a token rotated or revoked is marked with when it happened, and every
//! later effect that would mark it again leaves that time as it was (the
//! SQL stores' `… WHERE consumed_at IS NULL`). The first time is what an
//! audit of a replay or a revocation reads.

use super::{T0, code, put, read_one, token};
use crate::Seconds;
use crate::secret::TokenHash;
use crate::store::{
    ClientRecord, Effect, FamilyId, Query, Record, Store, TokenKind, TokenOwner, TokenRecord,
};

const CLIENT: &str = "marks";
const FAMILY: u8 = 40;

fn stored<S: Store + ?Sized>(store: &S, name: &str) -> TokenRecord {
    match read_one(store, Query::Token { hash: TokenHash::of(name) }) {
        Some(Record::Token(t)) => t,
        other => panic!("contract: token {name} should exist, found {other:?}"),
    }
}

/// A second `ConsumeCode`, `RotateToken` or revocation of any kind
/// (`RevokeToken`, `RevokeFamily`, `RevokeOldest`, `DeleteClient`) leaves
/// the first time in place, while the same effects still mark what was not
/// marked yet.
pub fn marks_keep_their_first_time<S: Store + ?Sized>(store: &S) {
    let later = |seconds| T0.after(Seconds::new(seconds));
    let stamped = code("marks-code", FAMILY);
    let mut revoked_at_put = token("marks-put-revoked", TokenKind::Access, CLIENT, FAMILY, 0);
    revoked_at_put.revoked_at = Some(T0);
    put(
        store,
        vec![
            Effect::PutClient(ClientRecord::public(CLIENT)),
            Effect::PutCode(stamped.clone()),
            Effect::PutToken(token("marks-rotated", TokenKind::Refresh, CLIENT, FAMILY, 0)),
            Effect::PutToken(token("marks-revoked", TokenKind::Refresh, CLIENT, FAMILY, 0)),
            Effect::PutToken(revoked_at_put),
            Effect::PutToken(token("marks-fresh", TokenKind::Access, CLIENT, FAMILY, 1)),
        ],
    );
    let code_hash = stamped.hash;
    let rotated = TokenHash::of("marks-rotated");
    let revoked = TokenHash::of("marks-revoked");
    put(
        store,
        vec![
            Effect::ConsumeCode { hash: code_hash, at: T0 },
            Effect::RotateToken { hash: rotated, at: T0 },
            Effect::RevokeToken { hash: revoked, at: T0 },
        ],
    );

    put(
        store,
        vec![
            Effect::ConsumeCode { hash: code_hash, at: later(1) },
            Effect::RotateToken { hash: rotated, at: later(1) },
            Effect::RevokeToken { hash: revoked, at: later(1) },
            Effect::RevokeToken { hash: TokenHash::of("marks-put-revoked"), at: later(1) },
        ],
    );
    let consumed_at = match read_one(store, Query::Code { hash: code_hash }) {
        Some(Record::Code(c)) => c.consumed_at,
        other => panic!("contract: the code should exist, found {other:?}"),
    };
    assert_eq!(consumed_at, Some(T0), "contract: a second ConsumeCode keeps consumed_at");
    assert_eq!(
        stored(store, "marks-rotated").rotated_at,
        Some(T0),
        "contract: a second RotateToken keeps rotated_at"
    );
    for name in ["marks-revoked", "marks-put-revoked"] {
        assert_eq!(
            stored(store, name).revoked_at,
            Some(T0),
            "contract: a second RevokeToken keeps revoked_at of {name}"
        );
    }

    let family = FamilyId::from_bytes([FAMILY; 16]);
    let owner = TokenOwner::Family { family };
    for (effect, what) in [
        (Effect::RevokeOldest { kind: TokenKind::Refresh, owner, keep: 0, at: later(2) }, "FIFO"),
        (Effect::RevokeFamily { family, at: later(3) }, "family"),
        (Effect::DeleteClient { client_id: CLIENT.into(), at: later(4) }, "client deletion"),
    ] {
        put(store, vec![effect]);
        for name in ["marks-revoked", "marks-put-revoked"] {
            assert_eq!(
                stored(store, name).revoked_at,
                Some(T0),
                "contract: a {what} revocation keeps revoked_at of {name}"
            );
        }
    }
    assert_eq!(
        stored(store, "marks-rotated").revoked_at,
        Some(later(3)),
        "contract: the family revocation marked the rotated token, which was not revoked"
    );
    assert_eq!(
        stored(store, "marks-fresh").revoked_at,
        Some(later(3)),
        "contract: the family revocation marked the live token once; the deletion kept it"
    );
}
