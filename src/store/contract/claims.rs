//! Contract checks for claims on keys that do not exist yet: a user code
//! (`UserCodeAvailable`) and a client id (`ClientAbsent`). No row exists
//! to lock, so these races need their own care in a SQL backend.

use std::sync::Arc;

use super::device::device_grant;
use super::{T0, apply, race, read_one};
use crate::store::{ClientRecord, Effect, Outcome, Precondition, Query, Record, Store};

/// `threads` threads register device grants with one user code at once:
/// exactly one applies, every other conflicts (none fails).
pub fn concurrent_user_code_claims_have_one_winner<S: Store + Send + Sync + 'static>(
    store: Arc<S>,
    threads: usize,
) {
    let wins = race(&store, threads, |store| {
        let grant =
            device_grant(&format!("claim-device-{:?}", std::thread::current().id()), "CLAIM001");
        let outcome = apply(
            store,
            vec![Precondition::UserCodeAvailable { hash: grant.user_code_hash, at: T0 }],
            vec![Effect::PutDeviceGrant(grant)],
        );
        assert!(
            matches!(outcome, Outcome::Applied | Outcome::Conflict { found: Some(_), .. }),
            "contract: a losing claim conflicts with the winner's grant, got {outcome:?}"
        );
        outcome
    });
    assert_eq!(wins, 1, "contract: exactly one concurrent user code claim wins");
}

/// `threads` threads create a client with one id at once: exactly one
/// applies, and the stored client is that one (never silently replaced).
pub fn concurrent_client_creations_have_one_winner<S: Store + Send + Sync + 'static>(
    store: Arc<S>,
    threads: usize,
) {
    let wins = race(&store, threads, |store| {
        let mut client = ClientRecord::public("claimed-id");
        client.name = Some(format!("{:?}", std::thread::current().id()));
        let outcome = apply(
            store,
            vec![Precondition::ClientAbsent { client_id: client.client_id.clone() }],
            vec![Effect::PutClient(client.clone())],
        );
        if outcome == Outcome::Applied {
            // Only the winner's record may be stored: later losers must not
            // have replaced it.
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert_eq!(
                read_one(store, Query::Client { client_id: client.client_id.clone() }),
                Some(Record::Client(client)),
                "contract: the winning client is not replaced by a losing one"
            );
        }
        outcome
    });
    assert_eq!(wins, 1, "contract: exactly one concurrent client creation wins");
}
