//! Contract checks for inserts: which puts replace a stored record and
//! which fail the transaction, also when the same key is put twice in one
//! transaction.
//!
//! | effect | key | a stored key, or an earlier put of it in the transaction |
//! |---|---|---|
//! | `PutCode` | hash | permanent error, nothing applied |
//! | `PutToken` | hash | permanent error, nothing applied |
//! | `PutDeviceGrant` | device code hash | permanent error, nothing applied |
//! | `PutDeviceGrant` | user code hash | replaces that grant, whatever its state |
//! | `PutClient` | client id | replaces it |
//! | `PutPending` | handle hash | replaces it |

use super::device::device_grant;
use super::{T0, apply, code, pending, put, read_one, revoked, token};
use crate::secret::TokenHash;
use crate::store::{
    ClientRecord, Effect, Outcome, PendingKind, Query, Record, Store, TokenKind, Transaction,
};

/// Applies `effects` after revoking a bystander token, expecting the
/// transaction to fail permanently and leave the bystander as it was.
fn fails_whole<S: Store + ?Sized>(store: &S, what: &str, effects: Vec<Effect>) {
    let bystander = Effect::RevokeToken { hash: TokenHash::of("dup-bystander"), at: T0 };
    let transaction = Transaction::unconditional([vec![bystander], effects].concat());
    let Err(err) = store.apply(&transaction) else {
        panic!("contract: {what} must fail the transaction");
    };
    assert!(!err.is_transient(), "contract: {what} is a permanent failure");
    assert!(!revoked(store, "dup-bystander"), "contract: a failed transaction applies nothing");
}

/// A put never overwrites a code or a token: a stored hash, or one put
/// earlier in the same transaction, fails the whole transaction with a
/// permanent error, and nothing in it is applied.
pub fn puts_never_overwrite_codes_or_tokens<S: Store + ?Sized>(store: &S) {
    let first = token("dup-token", TokenKind::Access, "client", 20, 0);
    let stored_code = code("dup-code", 21);
    put(
        store,
        vec![
            Effect::PutToken(first.clone()),
            Effect::PutToken(token("dup-bystander", TokenKind::Access, "client", 22, 0)),
            Effect::PutCode(stored_code.clone()),
        ],
    );
    let other_token = || token("dup-token", TokenKind::Refresh, "other", 23, 5);
    fails_whole(store, "a put of a stored token hash", vec![Effect::PutToken(other_token())]);
    fails_whole(store, "a put of a stored code hash", vec![Effect::PutCode(code("dup-code", 24))]);
    assert_eq!(
        read_one(store, Query::Token { hash: first.hash }),
        Some(Record::Token(first)),
        "contract: the stored token is unchanged"
    );
    let found = read_one(store, Query::Code { hash: TokenHash::of("dup-code") });
    assert_eq!(found, Some(Record::Code(stored_code)), "contract: the stored code is unchanged");

    let new_token = || token("dup-twice-token", TokenKind::Access, "client", 25, 0);
    fails_whole(
        store,
        "two puts of one token hash in one transaction",
        vec![Effect::PutToken(new_token()), Effect::PutToken(new_token())],
    );
    fails_whole(
        store,
        "two puts of one code hash in one transaction",
        vec![
            Effect::PutCode(code("dup-twice-code", 26)),
            Effect::PutCode(code("dup-twice-code", 27)),
        ],
    );
    assert_eq!(
        read_one(store, Query::Token { hash: TokenHash::of("dup-twice-token") }),
        None,
        "contract: neither put of a repeated token applied"
    );
    assert_eq!(
        read_one(store, Query::Code { hash: TokenHash::of("dup-twice-code") }),
        None,
        "contract: neither put of a repeated code applied"
    );
}

fn device<S: Store + ?Sized>(store: &S, query: Query) -> Option<TokenHash> {
    match read_one(store, query) {
        Some(Record::Device(d)) => Some(d.device_code_hash),
        None => None,
        other => panic!("contract: a device query answers a device grant, got {other:?}"),
    }
}

/// `PutDeviceGrant` never replaces a grant under its device code (a fresh
/// 256-bit secret, like a code): a stored device code, or one put earlier
/// in the same transaction, fails the transaction permanently. Under its
/// user code it replaces the stored grant whatever that grant's state (the
/// `UserCodeAvailable` precondition is what keeps a live grant from being
/// replaced), and the replaced grant is gone by its device code too.
pub fn device_grant_puts<S: Store + ?Sized>(store: &S) {
    put(
        store,
        vec![
            Effect::PutToken(token("dup-bystander", TokenKind::Access, "client", 28, 0)),
            Effect::PutDeviceGrant(device_grant("put-dev-1", "PUTUSER1")),
        ],
    );
    let by_device = |name: &str| device(store, Query::DeviceCode { hash: TokenHash::of(name) });
    let by_user = |name: &str| device(store, Query::UserCode { hash: TokenHash::of(name) });
    fails_whole(
        store,
        "a put of a stored device code",
        vec![Effect::PutDeviceGrant(device_grant("put-dev-1", "PUTUSER2"))],
    );
    assert_eq!(by_user("PUTUSER2"), None, "contract: the refused grant is not stored");
    assert_eq!(by_user("PUTUSER1"), Some(TokenHash::of("put-dev-1")), "contract: grant unchanged");
    fails_whole(
        store,
        "two puts of one device code in one transaction",
        vec![
            Effect::PutDeviceGrant(device_grant("put-dev-2", "PUTUSER3")),
            Effect::PutDeviceGrant(device_grant("put-dev-2", "PUTUSER4")),
        ],
    );
    assert_eq!(by_device("put-dev-2"), None, "contract: neither put of the device code applied");

    put(store, vec![Effect::PutDeviceGrant(device_grant("put-dev-3", "PUTUSER1"))]);
    assert_eq!(
        by_user("PUTUSER1"),
        Some(TokenHash::of("put-dev-3")),
        "contract: a put under a stored user code replaces that grant"
    );
    assert_eq!(by_device("put-dev-1"), None, "contract: the replaced grant is gone");
    put(
        store,
        vec![
            Effect::PutDeviceGrant(device_grant("put-dev-4", "PUTUSER5")),
            Effect::PutDeviceGrant(device_grant("put-dev-5", "PUTUSER5")),
        ],
    );
    assert_eq!(
        by_user("PUTUSER5"),
        Some(TokenHash::of("put-dev-5")),
        "contract: effects apply in order: the later put under a user code replaces the earlier"
    );
    assert_eq!(by_device("put-dev-4"), None, "contract: the earlier grant is gone");
}

/// `PutClient` and `PutPending` replace what is stored under their key,
/// also a record put earlier in the same transaction.
pub fn client_and_pending_puts_replace<S: Store + ?Sized>(store: &S) {
    let named =
        |name: &str| ClientRecord { name: Some(name.into()), ..ClientRecord::public("put-c") };
    let with_state = |state: &str| {
        let mut record = pending("put-pending", PendingKind::Interaction);
        record.state = Some(state.into());
        record
    };
    put(store, vec![Effect::PutClient(named("one")), Effect::PutPending(with_state("one"))]);
    let outcome = apply(
        store,
        vec![],
        vec![
            Effect::PutClient(named("two")),
            Effect::PutClient(named("three")),
            Effect::PutPending(with_state("two")),
            Effect::PutPending(with_state("three")),
        ],
    );
    assert_eq!(outcome, Outcome::Applied, "contract: repeated client and pending puts apply");
    assert_eq!(
        read_one(store, Query::Client { client_id: "put-c".into() }),
        Some(Record::Client(named("three"))),
        "contract: the last PutClient of a client id wins"
    );
    assert_eq!(
        read_one(store, Query::Pending { hash: TokenHash::of("put-pending") }),
        Some(Record::Pending(with_state("three"))),
        "contract: the last PutPending of a handle wins"
    );
}
