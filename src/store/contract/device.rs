//! Contract checks for device authorizations (RFC 8628).

use std::sync::Arc;

use super::{T0, apply, put, race, read_one};
use crate::secret::TokenHash;
use crate::store::{
    DeviceGrantRecord, DeviceStatus, Effect, FamilyId, Outcome, Precondition, Query, Record, Store,
};
use crate::{Scopes, Seconds};

/// A pending device grant for tests, keyed by `device` and `user`.
pub fn device_grant(device: &str, user: &str) -> DeviceGrantRecord {
    DeviceGrantRecord {
        device_code_hash: TokenHash::of(device),
        user_code_hash: TokenHash::of(user),
        client_id: "client".into(),
        scopes: Scopes::from_names(["read", "write"]),
        status: DeviceStatus::Pending,
        subject: None,
        granted_scopes: None,
        interval: 5,
        last_poll_at: None,
        issued_at: T0,
        expires_at: T0.after(Seconds::new(600)),
        family: FamilyId::from_bytes([20; 16]),
        resources: vec!["https://api.example.com/".into()],
    }
}

fn by_device<S: Store + ?Sized>(store: &S, device: &str) -> Option<DeviceGrantRecord> {
    match read_one(store, Query::DeviceCode { hash: TokenHash::of(device) }) {
        Some(Record::Device(d)) => Some(d),
        None => None,
        other => panic!("contract: a device query answers a device grant, got {other:?}"),
    }
}

/// A grant is found by both keys; decisions, polls and consumption update
/// it under their status preconditions.
pub fn device_grant_lifecycle<S: Store + ?Sized>(store: &S) {
    let grant = device_grant("dev-1", "USER0001");
    let available = Precondition::UserCodeAvailable { hash: grant.user_code_hash, at: T0 };
    let outcome = apply(store, vec![available], vec![Effect::PutDeviceGrant(grant.clone())]);
    assert_eq!(outcome, Outcome::Applied, "contract: a free user code is available");
    assert_eq!(by_device(store, "dev-1"), Some(grant.clone()));
    assert_eq!(
        read_one(store, Query::UserCode { hash: grant.user_code_hash }),
        Some(Record::Device(grant.clone())),
        "contract: the grant is found by its user code"
    );
    let hash = grant.device_code_hash;
    put(
        store,
        vec![Effect::RecordDevicePoll { hash, at: T0.after(Seconds::new(3)), interval: 10 }],
    );
    let polled = by_device(store, "dev-1").expect("grant");
    assert_eq!((polled.last_poll_at, polled.interval), (Some(T0.after(Seconds::new(3))), 10));

    let approved = Precondition::DeviceStatusIs { hash, status: DeviceStatus::Approved };
    assert!(
        matches!(apply(store, vec![approved.clone()], vec![]), Outcome::Conflict { .. }),
        "contract: a pending grant is not approved"
    );
    let pending = Precondition::DeviceStatusIs { hash, status: DeviceStatus::Pending };
    let decide = Effect::DecideDevice {
        hash,
        status: DeviceStatus::Approved,
        subject: Some("alice".into()),
        granted_scopes: Some(Scopes::from_names(["read"])),
    };
    assert_eq!(apply(store, vec![pending.clone()], vec![decide]), Outcome::Applied);
    let decided = by_device(store, "dev-1").expect("grant");
    assert_eq!(decided.status, DeviceStatus::Approved);
    assert_eq!(decided.subject.as_deref(), Some("alice"));
    assert_eq!(decided.granted_scopes, Some(Scopes::from_names(["read"])));
    assert!(matches!(apply(store, vec![pending], vec![]), Outcome::Conflict { .. }));

    assert_eq!(
        apply(store, vec![approved.clone()], vec![Effect::ConsumeDevice { hash }]),
        Outcome::Applied
    );
    assert_eq!(by_device(store, "dev-1").expect("grant").status, DeviceStatus::Consumed);
    assert!(
        matches!(
            apply(store, vec![approved], vec![]),
            Outcome::Conflict { found: Some(Record::Device(_)), .. }
        ),
        "contract: a consumed grant conflicts and is reported"
    );
}

/// A user code is unavailable while a grant using it lives, and available
/// again (replacing the old grant) once that grant expired.
pub fn user_codes_are_unique_among_live_grants<S: Store + ?Sized>(store: &S) {
    let first = device_grant("dev-a", "USER0002");
    put(store, vec![Effect::PutDeviceGrant(first.clone())]);
    let second = device_grant("dev-b", "USER0002");
    let live = Precondition::UserCodeAvailable { hash: second.user_code_hash, at: T0 };
    let outcome = apply(store, vec![live], vec![Effect::PutDeviceGrant(second.clone())]);
    assert!(
        matches!(outcome, Outcome::Conflict { found: Some(Record::Device(ref d)), .. } if d.device_code_hash == first.device_code_hash),
        "contract: a live grant's user code is taken, and the conflict reports it"
    );
    assert_eq!(by_device(store, "dev-b"), None, "contract: nothing applied");
    let later =
        Precondition::UserCodeAvailable { hash: second.user_code_hash, at: first.expires_at };
    let outcome = apply(store, vec![later], vec![Effect::PutDeviceGrant(second.clone())]);
    assert_eq!(outcome, Outcome::Applied, "contract: an expired grant's user code is free");
    assert_eq!(
        read_one(store, Query::UserCode { hash: second.user_code_hash }),
        Some(Record::Device(second)),
        "contract: the user code now finds the new grant"
    );
}

/// `threads` threads decide one pending grant at once: exactly one applies.
pub fn concurrent_device_decisions_have_one_winner<S: Store + Send + Sync + 'static>(
    store: Arc<S>,
    threads: usize,
) {
    let grant = device_grant("race-device", "USER0003");
    let hash = grant.device_code_hash;
    put(&*store, vec![Effect::PutDeviceGrant(grant)]);
    let wins = race(&store, threads, move |store| {
        apply(
            store,
            vec![Precondition::DeviceStatusIs { hash, status: DeviceStatus::Pending }],
            vec![Effect::DecideDevice {
                hash,
                status: DeviceStatus::Denied,
                subject: None,
                granted_scopes: None,
            }],
        )
    });
    assert_eq!(wins, 1, "contract: exactly one concurrent decision wins");
}
