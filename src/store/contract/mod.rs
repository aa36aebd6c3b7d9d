//! The storage contract as tests: every backend runs the same suite.
//!
//! Call [`run_all`] from a test with a function that makes an empty store:
//!
//! ```
//! # #[cfg(feature = "contract-tests")] {
//! qscope::store::contract::run_all(qscope::store::MemoryStore::new);
//! # }
//! ```
//!
//! A backend that implements only [`AsyncStore`](super::AsyncStore) calls
//! [`run_all_async`] instead (or [`run_all_async_on`] with its runtime's
//! [`Executor`] when its futures need that runtime).
//!
//! Each check panics with a message naming the rule it found broken.
//! Available with the `contract-tests` feature.

pub mod accounts;
mod async_store;
pub mod claims;
pub mod device;
pub mod fifo;
pub mod fifo_mix;
pub mod marks;
pub mod puts;

pub use async_store::{CallingThread, Executor, run_all_async, run_all_async_on};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{
    ClientAuthMethod, ClientRecord, CodeRecord, Effect, FamilyId, Outcome,
    PendingAuthorizationRecord, PendingKind, PkceChallenge, PkceMethod, Precondition, Query,
    Record, Store, TokenKind, TokenOwner, TokenRecord, Transaction,
};
use crate::secret::{SecretHash, TokenHash};
use crate::{Scopes, UnixTime};

pub(super) const T0: UnixTime = UnixTime::from_secs(1_700_000_000);

/// Runs every contract check, each on a fresh store from `make`.
pub fn run_all<S, F>(make: F)
where
    S: Store + Send + Sync + 'static,
    F: Fn() -> S,
{
    reads_echo_queries(&make());
    put_and_read_each_record(&make());
    puts::puts_never_overwrite_codes_or_tokens(&make());
    puts::device_grant_puts(&make());
    puts::client_and_pending_puts_replace(&make());
    marks::marks_keep_their_first_time(&make());
    code_consumes_once(&make());
    failed_precondition_applies_nothing(&make());
    missing_record_fails_precondition(&make());
    rotation_and_revocation_preconditions(&make());
    family_revocation_touches_one_family(&make());
    descendants_are_revoked_recursively(&make());
    fifo_keeps_the_newest(&make());
    fifo_breaks_ties_by_insertion_order(&make());
    fifo_counts_only_live_tokens_of_the_owner(&make());
    deleting_a_client_revokes_its_tokens(&make());
    client_preconditions(&make());
    client_found_by_registration_token(&make());
    clients_are_listed_in_pages(&make());
    concurrent_consumption_has_one_winner(Arc::new(make()), 8);
    concurrent_rotation_has_one_winner(Arc::new(make()), 8);
    pending_is_taken_once(&make());
    concurrent_take_pending_has_one_winner(Arc::new(make()), 8);
    device::device_grant_lifecycle(&make());
    device::user_codes_are_unique_among_live_grants(&make());
    device::concurrent_device_decisions_have_one_winner(Arc::new(make()), 8);
    claims::concurrent_user_code_claims_have_one_winner(Arc::new(make()), 8);
    claims::concurrent_client_creations_have_one_winner(Arc::new(make()), 8);
    fifo::concurrent_issues_keep_the_fifo_limit(Arc::new(make()), 8);
    fifo_mix::fifo_limits_meet_concurrent_rotation(Arc::new(make()), 4);
    accounts::accounts_are_kept_and_listed(&make());
    accounts::account_subjects_are_unique(&make());
    accounts::sessions_are_kept_touched_and_deleted(&make());
    accounts::consents_keep_their_first_grant(&make());
    accounts::revoking_a_grant_ends_its_tokens(&make());
}

/// A token record for tests: `name` is hashed to form its key.
pub fn token(name: &str, kind: TokenKind, client: &str, family: u8, issued: u64) -> TokenRecord {
    TokenRecord {
        hash: TokenHash::of(name),
        kind,
        client_id: client.into(),
        subject: Some("alice".into()),
        scopes: Scopes::from_names(["read"]),
        family: FamilyId::from_bytes([family; 16]),
        parent: None,
        issued_at: T0.after(crate::Seconds::new(issued)),
        expires_at: T0.after(crate::Seconds::hours(1)),
        rotated_at: None,
        revoked_at: None,
        resources: vec!["https://api.example.com/".into()],
    }
}

/// A code record for tests: `name` is hashed to form its key.
pub fn code(name: &str, family: u8) -> CodeRecord {
    CodeRecord {
        hash: TokenHash::of(name),
        client_id: "client".into(),
        subject: "alice".into(),
        redirect_uri: Some("https://client.example.com/cb".into()),
        scopes: Scopes::from_names(["read"]),
        challenge: None,
        issued_at: T0,
        expires_at: T0.after(crate::Seconds::new(60)),
        family: FamilyId::from_bytes([family; 16]),
        consumed_at: None,
        resources: vec!["https://api.example.com/".into(), "urn:example:ledger".into()],
    }
}

/// A pending authorization record for tests: `name` is hashed to form its key.
pub fn pending(name: &str, kind: PendingKind) -> PendingAuthorizationRecord {
    PendingAuthorizationRecord {
        hash: TokenHash::of(name),
        kind,
        client_id: "client".into(),
        redirect_uri: None,
        resolved_redirect_uri: "https://client.example.com/cb?x=1".into(),
        scopes: Scopes::from_names(["read"]),
        state: Some("xyz".into()),
        challenge: Some(PkceChallenge {
            method: PkceMethod::S256,
            challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        }),
        created_at: T0,
        expires_at: T0.after(crate::Seconds::new(600)),
        resources: vec!["urn:example:ledger".into()],
    }
}

pub(super) fn apply<S: Store + ?Sized>(
    store: &S,
    preconditions: Vec<Precondition>,
    effects: Vec<Effect>,
) -> Outcome {
    store
        .apply(&Transaction { preconditions, effects })
        .expect("store failed to apply a transaction")
}

/// Applies unconditional effects, which must always apply.
pub(super) fn put<S: Store + ?Sized>(store: &S, effects: Vec<Effect>) {
    assert_eq!(
        apply(store, vec![], effects),
        Outcome::Applied,
        "contract: a transaction without preconditions applies"
    );
}

pub(super) fn read_one<S: Store + ?Sized>(store: &S, query: Query) -> Option<Record> {
    let answers = store.read(std::slice::from_ref(&query)).expect("store failed to read");
    let [answer] = answers.as_slice() else {
        panic!("contract: one query must get exactly one answer");
    };
    assert_eq!(answer.query, query, "contract: an answer must echo its query");
    answer.record.clone()
}

fn read_token<S: Store + ?Sized>(store: &S, name: &str) -> TokenRecord {
    match read_one(store, Query::Token { hash: TokenHash::of(name) }) {
        Some(Record::Token(t)) => t,
        other => panic!("contract: token {name} should exist, found {other:?}"),
    }
}

pub(super) fn revoked<S: Store + ?Sized>(store: &S, name: &str) -> bool {
    read_token(store, name).revoked_at.is_some()
}

/// Answers echo their queries, in order, with `None` for missing records.
pub fn reads_echo_queries<S: Store + ?Sized>(store: &S) {
    let queries = vec![
        Query::Client { client_id: "nobody".into() },
        Query::Code { hash: TokenHash::of("nothing") },
        Query::Token { hash: TokenHash::of("nothing") },
        Query::Pending { hash: TokenHash::of("nothing") },
        Query::ClientByRegistrationToken { hash: TokenHash::of("nothing") },
        Query::DeviceCode { hash: TokenHash::of("nothing") },
        Query::UserCode { hash: TokenHash::of("nothing") },
    ];
    let answers = store.read(&queries).expect("read");
    assert_eq!(answers.as_slice().len(), queries.len(), "contract: one answer per query");
    for (answer, query) in answers.as_slice().iter().zip(&queries) {
        assert_eq!(&answer.query, query, "contract: answers echo queries in order");
        assert_eq!(answer.record, None, "contract: missing records answer None");
    }
}

/// Every record put is read back unchanged.
pub fn put_and_read_each_record<S: Store + ?Sized>(store: &S) {
    let client = ClientRecord::confidential(
        "client",
        SecretHash::of("s"),
        ClientAuthMethod::ClientSecretBasic,
    )
    .with_redirect_uris(["https://client.example.com/cb"])
    .with_scopes(Scopes::from_names(["read", "write"]));
    let client = ClientRecord {
        name: Some("Example".into()),
        uri: Some("https://client.example.com/".into()),
        resource_server: true,
        created_at: T0,
        logo_uri: Some("https://client.example.com/logo.png".into()),
        contacts: vec!["ops@example.com".into(), "dev@example.com".into()],
        software_id: Some("4NRB1-0XZABZI9E6-5SM3R".into()),
        software_version: Some("2.1".into()),
        registration_token_hash: Some(TokenHash::of("reg-token")),
        revision: 7,
        ..client
    };
    let code = code("code-1", 1);
    let mut refresh = token("rt-1", TokenKind::Refresh, "client", 1, 0);
    refresh.parent = Some(TokenHash::of("rt-0"));
    let mut pushed = pending("pending-1", PendingKind::PushedRequest);
    pushed.redirect_uri = Some("https://client.example.com/cb?x=1".into());
    pushed.state = None;
    pushed.challenge = None;
    let interaction = pending("pending-2", PendingKind::PushedInteraction);
    let outcome = apply(
        store,
        vec![],
        vec![
            Effect::PutClient(client.clone().with_require_par(true)),
            Effect::PutCode(code.clone()),
            Effect::PutToken(refresh.clone()),
            Effect::PutPending(pushed.clone()),
            Effect::PutPending(interaction.clone()),
        ],
    );
    assert_eq!(outcome, Outcome::Applied);
    assert_eq!(
        read_one(store, Query::Client { client_id: "client".into() }),
        Some(Record::Client(client.with_require_par(true)))
    );
    for record in [pushed, interaction] {
        assert_eq!(
            read_one(store, Query::Pending { hash: record.hash }),
            Some(Record::Pending(record)),
            "contract: a pending authorization reads back unchanged"
        );
    }
    assert_eq!(read_one(store, Query::Code { hash: code.hash }), Some(Record::Code(code)));
    assert_eq!(read_token(store, "rt-1"), refresh);
}

/// `CodeUnconsumed` lets exactly one consumption through; the record stays
/// and the conflict carries it.
pub fn code_consumes_once<S: Store + ?Sized>(store: &S) {
    let code = code("code-2", 2);
    assert_eq!(apply(store, vec![], vec![Effect::PutCode(code.clone())]), Outcome::Applied);
    let consume = || {
        apply(
            store,
            vec![Precondition::CodeUnconsumed { hash: code.hash }],
            vec![Effect::ConsumeCode { hash: code.hash, at: T0 }],
        )
    };
    assert_eq!(consume(), Outcome::Applied, "contract: first consumption applies");
    let mut consumed = code.clone();
    consumed.consumed_at = Some(T0);
    assert_eq!(
        consume(),
        Outcome::Conflict {
            failed: Precondition::CodeUnconsumed { hash: code.hash },
            found: Some(Record::Code(consumed)),
        },
        "contract: second consumption conflicts and reports the consumed record"
    );
}

/// A transaction whose second precondition fails applies none of its effects.
pub fn failed_precondition_applies_nothing<S: Store + ?Sized>(store: &S) {
    let code = code("code-3", 3);
    put(store, vec![Effect::PutCode(code.clone())]);
    let outcome = apply(
        store,
        vec![
            Precondition::CodeUnconsumed { hash: code.hash },
            Precondition::TokenActive { hash: TokenHash::of("absent") },
        ],
        vec![
            Effect::ConsumeCode { hash: code.hash, at: T0 },
            Effect::PutToken(token("at-3", TokenKind::Access, "client", 3, 0)),
        ],
    );
    assert!(matches!(
        outcome,
        Outcome::Conflict { failed: Precondition::TokenActive { .. }, found: None }
    ));
    assert_eq!(
        read_one(store, Query::Code { hash: code.hash }),
        Some(Record::Code(code)),
        "contract: nothing applied"
    );
    assert_eq!(
        read_one(store, Query::Token { hash: TokenHash::of("at-3") }),
        None,
        "contract: nothing applied"
    );
}

/// Preconditions on records that do not exist fail.
pub fn missing_record_fails_precondition<S: Store + ?Sized>(store: &S) {
    for precondition in [
        Precondition::CodeUnconsumed { hash: TokenHash::of("x") },
        Precondition::TokenActive { hash: TokenHash::of("x") },
        Precondition::TokenNotRevoked { hash: TokenHash::of("x") },
        Precondition::PendingExists { hash: TokenHash::of("x") },
    ] {
        let outcome = apply(store, vec![precondition.clone()], vec![]);
        assert_eq!(outcome, Outcome::Conflict { failed: precondition, found: None });
    }
}

/// `TokenActive` fails once rotated; `TokenNotRevoked` holds after rotation
/// and fails after revocation.
pub fn rotation_and_revocation_preconditions<S: Store + ?Sized>(store: &S) {
    let rt = token("rt-4", TokenKind::Refresh, "client", 4, 0);
    let hash = rt.hash;
    put(store, vec![Effect::PutToken(rt)]);
    let active = Precondition::TokenActive { hash };
    let not_revoked = Precondition::TokenNotRevoked { hash };
    assert_eq!(
        apply(store, vec![active.clone()], vec![Effect::RotateToken { hash, at: T0 }]),
        Outcome::Applied
    );
    assert!(
        matches!(apply(store, vec![active], vec![]), Outcome::Conflict { .. }),
        "contract: rotated is not active"
    );
    assert_eq!(
        apply(store, vec![not_revoked.clone()], vec![]),
        Outcome::Applied,
        "contract: rotated is not revoked"
    );
    put(store, vec![Effect::RevokeToken { hash, at: T0 }]);
    assert!(matches!(apply(store, vec![not_revoked], vec![]), Outcome::Conflict { .. }));
    let stored = read_token(store, "rt-4");
    assert_eq!((stored.rotated_at, stored.revoked_at), (Some(T0), Some(T0)));
}

/// `RevokeFamily` revokes every token of the family and no other.
pub fn family_revocation_touches_one_family<S: Store + ?Sized>(store: &S) {
    put(
        store,
        vec![
            Effect::PutToken(token("f5-a", TokenKind::Access, "client", 5, 0)),
            Effect::PutToken(token("f5-r", TokenKind::Refresh, "client", 5, 0)),
            Effect::PutToken(token("f6-a", TokenKind::Access, "client", 6, 0)),
        ],
    );
    put(store, vec![Effect::RevokeFamily { family: FamilyId::from_bytes([5; 16]), at: T0 }]);
    assert!(revoked(store, "f5-a") && revoked(store, "f5-r"), "contract: whole family revoked");
    assert!(!revoked(store, "f6-a"), "contract: other families untouched");
}

/// `RevokeDescendants` revokes children and grandchildren, not the parent,
/// and marks the refresh tokens it revokes rotated (replaced); tokens
/// revoked before keep their record as it was.
pub fn descendants_are_revoked_recursively<S: Store + ?Sized>(store: &S) {
    let root = token("d-root", TokenKind::Refresh, "client", 7, 0);
    let mut child = token("d-child", TokenKind::Refresh, "client", 7, 1);
    child.parent = Some(root.hash);
    let mut grandchild = token("d-grandchild", TokenKind::Access, "client", 7, 2);
    grandchild.parent = Some(child.hash);
    let mut rotated_child = token("d-rotated", TokenKind::Refresh, "client", 7, 1);
    rotated_child.parent = Some(root.hash);
    rotated_child.rotated_at = Some(T0.after(crate::Seconds::new(1)));
    let mut revoked_child = token("d-revoked", TokenKind::Refresh, "client", 7, 1);
    revoked_child.parent = Some(root.hash);
    revoked_child.revoked_at = Some(T0.after(crate::Seconds::new(2)));
    let sibling = token("d-other", TokenKind::Access, "client", 7, 2);
    put(
        store,
        vec![
            Effect::PutToken(root.clone()),
            Effect::PutToken(child),
            Effect::PutToken(grandchild),
            Effect::PutToken(rotated_child),
            Effect::PutToken(revoked_child.clone()),
            Effect::PutToken(sibling),
        ],
    );
    let at = T0.after(crate::Seconds::new(5));
    put(store, vec![Effect::RevokeDescendants { parent: root.hash, at }]);
    assert!(!revoked(store, "d-root"), "contract: the parent itself stays");
    assert!(
        revoked(store, "d-child") && revoked(store, "d-grandchild"),
        "contract: descendants revoked"
    );
    assert!(!revoked(store, "d-other"), "contract: unrelated tokens stay");
    let times = |name: &str| {
        let stored = read_token(store, name);
        (stored.rotated_at, stored.revoked_at)
    };
    assert_eq!(times("d-child"), (Some(at), Some(at)), "contract: a replaced refresh token");
    assert_eq!(times("d-grandchild"), (None, Some(at)), "contract: access tokens only revoked");
    assert_eq!(
        times("d-rotated"),
        (Some(T0.after(crate::Seconds::new(1))), Some(at)),
        "contract: an earlier rotation time stays"
    );
    assert_eq!(
        read_token(store, "d-revoked"),
        revoked_child,
        "contract: a token revoked before is left as it was"
    );
}

/// FIFO: the oldest by issue time go first, ties by insertion order.
pub fn fifo_keeps_the_newest<S: Store + ?Sized>(store: &S) {
    // Inserted out of time order; two share a timestamp.
    let names = [("q-2", 2), ("q-0", 0), ("q-1a", 1), ("q-1b", 1), ("q-3", 3)];
    for (name, issued) in names {
        put(store, vec![Effect::PutToken(token(name, TokenKind::Refresh, "fifo", 8, issued))]);
    }
    let owner = TokenOwner::Client { client_id: "fifo".into() };
    put(store, vec![Effect::RevokeOldest { kind: TokenKind::Refresh, owner, keep: 2, at: T0 }]);
    for (name, expect_revoked) in
        [("q-0", true), ("q-1a", true), ("q-1b", true), ("q-2", false), ("q-3", false)]
    {
        assert_eq!(revoked(store, name), expect_revoked, "contract: FIFO order for {name}");
    }
    let owner = TokenOwner::Client { client_id: "fifo".into() };
    put(store, vec![Effect::RevokeOldest { kind: TokenKind::Refresh, owner, keep: 1, at: T0 }]);
    assert!(
        revoked(store, "q-2") && !revoked(store, "q-3"),
        "contract: ties and order hold on repeat"
    );
}

/// FIFO: among tokens issued in the same second, the first inserted goes
/// first.
pub fn fifo_breaks_ties_by_insertion_order<S: Store + ?Sized>(store: &S) {
    for name in ["tie-1", "tie-2", "tie-3"] {
        put(store, vec![Effect::PutToken(token(name, TokenKind::Refresh, "ties", 13, 1))]);
    }
    let owner = TokenOwner::Client { client_id: "ties".into() };
    put(store, vec![Effect::RevokeOldest { kind: TokenKind::Refresh, owner, keep: 2, at: T0 }]);
    for (name, expect_revoked) in [("tie-1", true), ("tie-2", false), ("tie-3", false)] {
        assert_eq!(revoked(store, name), expect_revoked, "contract: FIFO tie order for {name}");
    }
}

/// FIFO counts only live tokens of the given kind and owner.
pub fn fifo_counts_only_live_tokens_of_the_owner<S: Store + ?Sized>(store: &S) {
    let mut expired = token("l-expired", TokenKind::Refresh, "live", 9, 0);
    expired.expires_at = T0;
    let mut rotated = token("l-rotated", TokenKind::Refresh, "live", 9, 1);
    rotated.rotated_at = Some(T0);
    let other_subject = {
        let mut t = token("l-bob", TokenKind::Refresh, "live", 9, 2);
        t.subject = Some("bob".into());
        t
    };
    put(
        store,
        vec![
            Effect::PutToken(expired),
            Effect::PutToken(rotated),
            Effect::PutToken(other_subject),
            Effect::PutToken(token("l-access", TokenKind::Access, "live", 9, 3)),
            Effect::PutToken(token("l-a1", TokenKind::Refresh, "live", 9, 4)),
            Effect::PutToken(token("l-a2", TokenKind::Refresh, "live", 9, 5)),
        ],
    );
    let owner =
        TokenOwner::ClientSubject { client_id: "live".into(), subject: Some("alice".into()) };
    put(store, vec![Effect::RevokeOldest { kind: TokenKind::Refresh, owner, keep: 1, at: T0 }]);
    assert!(
        revoked(store, "l-a1") && !revoked(store, "l-a2"),
        "contract: oldest live token of the owner revoked"
    );
    for name in ["l-expired", "l-rotated", "l-bob", "l-access"] {
        assert!(!revoked(store, name), "contract: {name} is not counted and not touched");
    }
    let owner = TokenOwner::Family { family: FamilyId::from_bytes([9; 16]) };
    put(store, vec![Effect::RevokeOldest { kind: TokenKind::Access, owner, keep: 1, at: T0 }]);
    assert!(!revoked(store, "l-access"), "contract: keep counts the newest");
}

/// `DeleteClient` removes the client and revokes all its tokens.
pub fn deleting_a_client_revokes_its_tokens<S: Store + ?Sized>(store: &S) {
    put(
        store,
        vec![
            Effect::PutClient(ClientRecord::public("gone")),
            Effect::PutToken(token("g-1", TokenKind::Access, "gone", 10, 0)),
            Effect::PutToken(token("g-2", TokenKind::Access, "kept", 10, 0)),
        ],
    );
    put(store, vec![Effect::DeleteClient { client_id: "gone".into(), at: T0 }]);
    assert_eq!(read_one(store, Query::Client { client_id: "gone".into() }), None);
    assert!(revoked(store, "g-1") && !revoked(store, "g-2"));
}

fn client(client_id: &str, revision: u64, registration_token: Option<&str>) -> ClientRecord {
    ClientRecord {
        revision,
        registration_token_hash: registration_token.map(TokenHash::of),
        ..ClientRecord::public(client_id)
    }
}

/// `ClientAbsent` holds only while no client has the id; `ClientRevision`
/// holds only for the stored revision of an existing client. Conflicts
/// carry the client found (or `None`).
pub fn client_preconditions<S: Store + ?Sized>(store: &S) {
    let absent = Precondition::ClientAbsent { client_id: "c-new".into() };
    assert_eq!(
        apply(store, vec![absent.clone()], vec![Effect::PutClient(client("c-new", 0, None))]),
        Outcome::Applied,
        "contract: ClientAbsent holds for an unknown id"
    );
    assert_eq!(
        apply(store, vec![absent.clone()], vec![Effect::PutClient(client("c-new", 5, None))]),
        Outcome::Conflict { failed: absent, found: Some(Record::Client(client("c-new", 0, None))) },
        "contract: ClientAbsent fails for an existing id and applies nothing"
    );
    let at = |revision| Precondition::ClientRevision { client_id: "c-new".into(), revision };
    assert_eq!(
        apply(store, vec![at(0)], vec![Effect::PutClient(client("c-new", 1, None))]),
        Outcome::Applied,
        "contract: ClientRevision holds for the stored revision"
    );
    assert_eq!(
        apply(store, vec![at(0)], vec![Effect::PutClient(client("c-new", 9, None))]),
        Outcome::Conflict { failed: at(0), found: Some(Record::Client(client("c-new", 1, None))) },
        "contract: ClientRevision fails for a stale revision"
    );
    put(store, vec![Effect::DeleteClient { client_id: "c-new".into(), at: T0 }]);
    assert_eq!(
        apply(store, vec![at(1)], vec![]),
        Outcome::Conflict { failed: at(1), found: None },
        "contract: ClientRevision fails for a deleted client"
    );
}

/// `ClientByRegistrationToken` finds the client holding the hash, and
/// nothing once the hash was replaced or the client deleted.
pub fn client_found_by_registration_token<S: Store + ?Sized>(store: &S) {
    let by = |token: &str| {
        read_one(store, Query::ClientByRegistrationToken { hash: TokenHash::of(token) })
    };
    put(
        store,
        vec![
            Effect::PutClient(client("r-1", 0, Some("rat-1"))),
            Effect::PutClient(client("r-2", 0, Some("rat-2"))),
            Effect::PutClient(client("r-3", 0, None)),
        ],
    );
    assert_eq!(by("rat-1"), Some(Record::Client(client("r-1", 0, Some("rat-1")))));
    assert_eq!(by("rat-2"), Some(Record::Client(client("r-2", 0, Some("rat-2")))));
    put(store, vec![Effect::PutClient(client("r-1", 1, Some("rat-1b")))]);
    assert_eq!(by("rat-1"), None, "contract: a replaced registration token finds nothing");
    assert_eq!(by("rat-1b"), Some(Record::Client(client("r-1", 1, Some("rat-1b")))));
    put(store, vec![Effect::DeleteClient { client_id: "r-2".into(), at: T0 }]);
    assert_eq!(by("rat-2"), None, "contract: a deleted client's token finds nothing");
}

/// `Clients` pages through clients in ascending `client_id` order.
pub fn clients_are_listed_in_pages<S: Store + ?Sized>(store: &S) {
    let page = |after: Option<&str>, limit| match read_one(
        store,
        Query::Clients { after: after.map(str::to_owned), limit },
    ) {
        Some(Record::Clients(page)) => page.into_iter().map(|c| c.client_id).collect::<Vec<_>>(),
        other => panic!("contract: Clients is answered with a page, found {other:?}"),
    };
    assert_eq!(page(None, 10), Vec::<String>::new(), "contract: an empty store lists nothing");
    put(
        store,
        ["p-b", "p-d", "p-a", "p-c", "p-e"]
            .into_iter()
            .map(|id| Effect::PutClient(ClientRecord::public(id)))
            .collect(),
    );
    assert_eq!(page(None, 2), ["p-a", "p-b"], "contract: first page, ordered by id");
    assert_eq!(page(Some("p-b"), 2), ["p-c", "p-d"], "contract: after is exclusive");
    assert_eq!(page(Some("p-d"), 2), ["p-e"], "contract: a short last page");
    assert_eq!(page(Some("p-e"), 2), Vec::<String>::new(), "contract: past the end");
    assert_eq!(page(Some("p-bb"), 1), ["p-c"], "contract: after need not be an existing id");
    assert_eq!(page(None, 0), Vec::<String>::new(), "contract: limit 0 lists nothing");
}

/// `threads` threads consume one code at once: exactly one applies.
pub fn concurrent_consumption_has_one_winner<S: Store + Send + Sync + 'static>(
    store: Arc<S>,
    threads: usize,
) {
    let code = code("race-code", 11);
    put(&*store, vec![Effect::PutCode(code.clone())]);
    let wins = race(&store, threads, move |store| {
        apply(
            store,
            vec![Precondition::CodeUnconsumed { hash: code.hash }],
            vec![
                Effect::ConsumeCode { hash: code.hash, at: T0 },
                Effect::PutToken(token(
                    &format!("race-at-{:?}", std::thread::current().id()),
                    TokenKind::Access,
                    "client",
                    11,
                    0,
                )),
            ],
        )
    });
    assert_eq!(wins, 1, "contract: exactly one concurrent consumption wins");
}

/// `threads` threads rotate one refresh token at once: exactly one applies.
pub fn concurrent_rotation_has_one_winner<S: Store + Send + Sync + 'static>(
    store: Arc<S>,
    threads: usize,
) {
    let rt = token("race-rt", TokenKind::Refresh, "client", 12, 0);
    let hash = rt.hash;
    put(&*store, vec![Effect::PutToken(rt)]);
    let wins = race(&store, threads, move |store| {
        apply(
            store,
            vec![Precondition::TokenActive { hash }],
            vec![Effect::RotateToken { hash, at: T0 }],
        )
    });
    assert_eq!(wins, 1, "contract: exactly one concurrent rotation wins");
}

/// `PendingExists` lets exactly one take through: the first take deletes
/// the record, the second conflicts with nothing found, and an expired
/// record still satisfies the precondition (expiry is the core's check).
/// A take without precondition of a missing record is a no-op.
pub fn pending_is_taken_once<S: Store + ?Sized>(store: &S) {
    let mut record = pending("pending-3", PendingKind::Interaction);
    record.expires_at = T0;
    let other = pending("pending-4", PendingKind::Interaction);
    put(store, vec![Effect::PutPending(record.clone()), Effect::PutPending(other.clone())]);
    let hash = record.hash;
    let take = || {
        apply(
            store,
            vec![Precondition::PendingExists { hash }],
            vec![
                Effect::TakePending { hash },
                Effect::PutCode(code(&format!("pending-code-{}", hash.to_text()), 13)),
            ],
        )
    };
    assert_eq!(take(), Outcome::Applied, "contract: the first take applies, even if expired");
    assert_eq!(read_one(store, Query::Pending { hash }), None, "contract: a take deletes");
    assert_eq!(
        take(),
        Outcome::Conflict { failed: Precondition::PendingExists { hash }, found: None },
        "contract: the second take conflicts and finds nothing"
    );
    put(store, vec![Effect::TakePending { hash }]);
    assert_eq!(
        read_one(store, Query::Pending { hash: other.hash }),
        Some(Record::Pending(other)),
        "contract: a take touches only its own record"
    );
}

/// `threads` threads take one pending authorization at once: exactly one applies.
pub fn concurrent_take_pending_has_one_winner<S: Store + Send + Sync + 'static>(
    store: Arc<S>,
    threads: usize,
) {
    let record = pending("race-pending", PendingKind::Interaction);
    let hash = record.hash;
    put(&*store, vec![Effect::PutPending(record)]);
    let wins = race(&store, threads, move |store| {
        apply(
            store,
            vec![Precondition::PendingExists { hash }],
            vec![
                Effect::TakePending { hash },
                Effect::PutCode(code(
                    &format!("race-pending-code-{:?}", std::thread::current().id()),
                    14,
                )),
            ],
        )
    });
    assert_eq!(wins, 1, "contract: exactly one concurrent take wins");
}

pub(super) fn race<S, F>(store: &Arc<S>, threads: usize, attempt: F) -> usize
where
    S: Store + Send + Sync + 'static,
    F: Fn(&S) -> Outcome + Send + Sync + Clone + 'static,
{
    let wins = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(std::sync::Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (store, wins, barrier, attempt) =
                (Arc::clone(store), Arc::clone(&wins), Arc::clone(&barrier), attempt.clone());
            std::thread::spawn(move || {
                barrier.wait();
                if attempt(&store) == Outcome::Applied {
                    wins.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("racing thread panicked");
    }
    wins.load(Ordering::SeqCst)
}
