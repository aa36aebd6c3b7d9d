//! Contract checks for the host's records: user accounts, browser
//! sessions and consents, and the revocation of everything a user granted
//! a client ([`Effect::RevokeGrant`]).

use super::device::device_grant;
use super::{T0, apply, code, put, read_one, revoked, token};
use crate::secret::TokenHash;
use crate::store::{
    AccountRecord, ConsentRecord, DeviceStatus, Effect, Outcome, PasswordHash, Precondition, Query,
    Record, SessionEntry, SessionRecord, ShownScope, Store, TokenKind, Transaction,
};
use crate::{Scopes, Seconds};

fn account(username: &str, subject: &str, revision: u64) -> AccountRecord {
    AccountRecord {
        username: username.into(),
        subject: subject.into(),
        password_hash: PasswordHash::new(format!("$argon2id$v=19$m=64,t=1,p=1${username}")),
        disabled: false,
        created_at: T0,
        updated_at: T0.after(Seconds::new(revision)),
        revision,
    }
}

fn usernames<S: Store + ?Sized>(store: &S, after: Option<&str>, limit: u32) -> Vec<String> {
    match read_one(store, Query::Accounts { after: after.map(str::to_owned), limit }) {
        Some(Record::Accounts(page)) => page.into_iter().map(|a| a.username).collect(),
        other => panic!("contract: Accounts is answered with a page, found {other:?}"),
    }
}

/// Accounts are created under `AccountAbsent`, changed and deleted under
/// `AccountRevision`, read back whole, and listed in pages by name.
pub fn accounts_are_kept_and_listed<S: Store + ?Sized>(store: &S) {
    assert_eq!(usernames(store, None, 10), Vec::<String>::new(), "contract: no accounts yet");
    let absent = Precondition::AccountAbsent { username: "ann".into() };
    let created = account("ann", "sub-ann", 1);
    assert_eq!(
        apply(store, vec![absent.clone()], vec![Effect::PutAccount(created.clone())]),
        Outcome::Applied,
        "contract: AccountAbsent holds for an unknown name"
    );
    assert_eq!(
        apply(store, vec![absent.clone()], vec![Effect::PutAccount(account("ann", "x", 7))]),
        Outcome::Conflict { failed: absent, found: Some(Record::Account(created)) },
        "contract: AccountAbsent fails for an existing name and applies nothing"
    );
    let at = |revision| Precondition::AccountRevision { username: "ann".into(), revision };
    let mut disabled = account("ann", "sub-ann", 2);
    disabled.disabled = true;
    assert_eq!(
        apply(store, vec![at(1)], vec![Effect::PutAccount(disabled.clone())]),
        Outcome::Applied,
        "contract: AccountRevision holds for the stored revision"
    );
    assert_eq!(
        read_one(store, Query::Account { username: "ann".into() }),
        Some(Record::Account(disabled.clone())),
        "contract: an account reads back as put"
    );
    assert_eq!(
        apply(store, vec![at(1)], vec![Effect::DeleteAccount { username: "ann".into() }]),
        Outcome::Conflict { failed: at(1), found: Some(Record::Account(disabled)) },
        "contract: AccountRevision fails for a stale revision"
    );
    put(
        store,
        ["bob", "cid", "abe"]
            .into_iter()
            .map(|name| Effect::PutAccount(account(name, &format!("sub-{name}"), 1)))
            .collect(),
    );
    assert_eq!(usernames(store, None, 2), ["abe", "ann"], "contract: first page, by name");
    assert_eq!(usernames(store, Some("ann"), 5), ["bob", "cid"], "contract: after is exclusive");
    assert_eq!(
        apply(store, vec![at(2)], vec![Effect::DeleteAccount { username: "ann".into() }]),
        Outcome::Applied
    );
    assert_eq!(read_one(store, Query::Account { username: "ann".into() }), None);
    assert_eq!(
        apply(store, vec![at(2)], vec![]),
        Outcome::Conflict { failed: at(2), found: None },
        "contract: AccountRevision fails for a deleted account"
    );
}

/// Two accounts never share a subject: such a put fails the whole
/// transaction permanently.
pub fn account_subjects_are_unique<S: Store + ?Sized>(store: &S) {
    put(
        store,
        vec![
            Effect::PutAccount(account("dora", "sub-d", 1)),
            Effect::PutToken(token("subject-bystander", TokenKind::Access, "client", 30, 0)),
        ],
    );
    let transaction = Transaction::unconditional(vec![
        Effect::RevokeToken { hash: TokenHash::of("subject-bystander"), at: T0 },
        Effect::PutAccount(account("dot", "sub-d", 1)),
    ]);
    let Err(err) = store.apply(&transaction) else {
        panic!("contract: a second account with one subject must fail the transaction");
    };
    assert!(!err.is_transient(), "contract: a taken subject is a permanent failure");
    assert!(!revoked(store, "subject-bystander"), "contract: a failed transaction applies nothing");
    assert_eq!(read_one(store, Query::Account { username: "dot".into() }), None);
}

fn session(name: &str, revision: u64) -> SessionRecord {
    SessionRecord {
        hash: TokenHash::of(name),
        username: Some("ann".into()),
        subject: Some("sub-ann".into()),
        pending: vec![SessionEntry {
            key_hash: TokenHash::of("consent key"),
            sealed_handle: "c2VhbGVk".into(),
            client_id: "client".into(),
            client_name: Some("A \"client\"".into()),
            client_uri: Some("https://client.example.com/".into()),
            logo_uri: Some("https://client.example.com/logo.png".into()),
            self_registered: true,
            redirect_uri: "https://client.example.com/cb".into(),
            scopes: vec![
                ShownScope { name: "read".into(), description: Some("Read ✓".into()) },
                ShownScope { name: "write".into(), description: None },
            ],
            pushed: true,
            expires_at: T0.after(Seconds::new(300)),
        }],
        created_at: T0,
        expires_at: T0.after(Seconds::new(1800)),
        revision,
    }
}

/// Sessions read back whole; `TouchSession` only moves the expiry later
/// and keeps the revision; `SessionRevision` guards changes; a deleted
/// session is gone.
pub fn sessions_are_kept_touched_and_deleted<S: Store + ?Sized>(store: &S) {
    let hash = TokenHash::of("sess-1");
    let stored = session("sess-1", 1);
    put(store, vec![Effect::PutSession(stored.clone())]);
    assert_eq!(read_one(store, Query::Session { hash }), Some(Record::Session(stored.clone())));
    let later = T0.after(Seconds::new(3600));
    put(store, vec![Effect::TouchSession { hash, expires_at: later }]);
    put(store, vec![Effect::TouchSession { hash, expires_at: T0 }]);
    let touched = SessionRecord { expires_at: later, ..stored };
    assert_eq!(
        read_one(store, Query::Session { hash }),
        Some(Record::Session(touched.clone())),
        "contract: a touch only moves the expiry later, and keeps the revision"
    );
    let at = |revision| Precondition::SessionRevision { hash, revision };
    let signed_out = SessionRecord { username: None, subject: None, revision: 2, ..touched };
    assert_eq!(
        apply(store, vec![at(1)], vec![Effect::PutSession(signed_out.clone())]),
        Outcome::Applied
    );
    assert_eq!(
        apply(store, vec![at(1)], vec![Effect::DeleteSession { hash }]),
        Outcome::Conflict { failed: at(1), found: Some(Record::Session(signed_out)) },
        "contract: SessionRevision fails for a stale revision"
    );
    put(store, vec![Effect::DeleteSession { hash }]);
    assert_eq!(read_one(store, Query::Session { hash }), None, "contract: deleted");
}

fn consent(subject: &str, client_id: &str, scopes: &[&str], at: u64) -> ConsentRecord {
    ConsentRecord {
        id: ConsentRecord::id_of(subject, client_id),
        subject: subject.into(),
        client_id: client_id.into(),
        scopes: Scopes::from_names(scopes.iter().copied()),
        granted_at: T0.after(Seconds::new(at)),
        last_used_at: T0.after(Seconds::new(at)),
    }
}

fn consents<S: Store + ?Sized>(
    store: &S,
    subject: Option<&str>,
    client_id: Option<&str>,
) -> Vec<ConsentRecord> {
    let query = Query::Consents {
        subject: subject.map(str::to_owned),
        client_id: client_id.map(str::to_owned),
        after: None,
        limit: 100,
    };
    match read_one(store, query) {
        Some(Record::Consents(page)) => page,
        other => panic!("contract: Consents is answered with a page, found {other:?}"),
    }
}

/// A consent put again keeps its first grant time and takes the new
/// scopes and last use; consents are listed by user and by client.
pub fn consents_keep_their_first_grant<S: Store + ?Sized>(store: &S) {
    put(
        store,
        vec![
            Effect::PutConsent(consent("ann", "app", &["read"], 0)),
            Effect::PutConsent(consent("ann", "tool", &["read"], 0)),
            Effect::PutConsent(consent("bob", "app", &["write"], 0)),
        ],
    );
    put(store, vec![Effect::PutConsent(consent("ann", "app", &["read", "write"], 50))]);
    let id = ConsentRecord::id_of("ann", "app");
    let renewed = ConsentRecord { granted_at: T0, ..consent("ann", "app", &["read", "write"], 50) };
    assert_eq!(
        read_one(store, Query::Consent { id: id.clone() }),
        Some(Record::Consent(renewed)),
        "contract: a renewed consent keeps granted_at and takes the rest"
    );
    let clients = |subject| {
        consents(store, Some(subject), None).into_iter().map(|c| c.client_id).collect::<Vec<_>>()
    };
    let mut ann = clients("ann");
    ann.sort();
    assert_eq!(ann, ["app", "tool"], "contract: one user's consents");
    let app = consents(store, None, Some("app"));
    assert_eq!(app.len(), 2, "contract: one client's consents");
    assert!(app.windows(2).all(|w| w[0].id < w[1].id), "contract: listed by id");
    assert_eq!(consents(store, Some("bob"), Some("tool")), vec![], "contract: both filters");
    put(store, vec![Effect::DeleteConsent { id: id.clone() }]);
    assert_eq!(read_one(store, Query::Consent { id }), None, "contract: deleted");
}

/// `RevokeGrant` revokes every token of one client and subject, consumes
/// their unredeemed codes and denies their approved device grants;
/// another subject's or client's are untouched.
pub fn revoking_a_grant_ends_its_tokens<S: Store + ?Sized>(store: &S) {
    let mut bob = token("rg-bob", TokenKind::Access, "client", 41, 0);
    bob.subject = Some("bob".into());
    let mut approved = device_grant("rg-dev", "RGUSER01");
    approved.status = DeviceStatus::Approved;
    approved.subject = Some("alice".into());
    let mut bobs_device = device_grant("rg-dev-bob", "RGUSER02");
    bobs_device.status = DeviceStatus::Approved;
    bobs_device.subject = Some("bob".into());
    put(
        store,
        vec![
            Effect::PutToken(token("rg-access", TokenKind::Access, "client", 40, 0)),
            Effect::PutToken(token("rg-refresh", TokenKind::Refresh, "client", 40, 0)),
            Effect::PutToken(token("rg-other-client", TokenKind::Access, "other", 42, 0)),
            Effect::PutToken(bob),
            Effect::PutCode(code("rg-code", 43)),
            Effect::PutDeviceGrant(approved),
            Effect::PutDeviceGrant(bobs_device),
        ],
    );
    put(
        store,
        vec![Effect::RevokeGrant { client_id: "client".into(), subject: "alice".into(), at: T0 }],
    );
    assert!(revoked(store, "rg-access") && revoked(store, "rg-refresh"), "contract: revoked");
    assert!(!revoked(store, "rg-other-client"), "contract: another client's token stays");
    assert!(!revoked(store, "rg-bob"), "contract: another user's token stays");
    match read_one(store, Query::Code { hash: TokenHash::of("rg-code") }) {
        Some(Record::Code(code)) => {
            assert!(code.consumed_at.is_some(), "contract: an unredeemed code is consumed");
        }
        other => panic!("contract: the code stays, found {other:?}"),
    }
    let status =
        |device: &str| match read_one(store, Query::DeviceCode { hash: TokenHash::of(device) }) {
            Some(Record::Device(grant)) => grant.status,
            other => panic!("contract: the device grant stays, found {other:?}"),
        };
    assert_eq!(status("rg-dev"), DeviceStatus::Denied, "contract: an approved grant is denied");
    assert_eq!(status("rg-dev-bob"), DeviceStatus::Approved, "contract: another user's stays");
}
