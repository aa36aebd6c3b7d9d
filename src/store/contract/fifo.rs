//! Contract check for FIFO limits under concurrency: issues for one owner
//! that commit at the same moment must not leave more live tokens than the
//! limit. Each trim has to see the tokens the others inserted, which a SQL
//! backend at READ COMMITTED does not get for free.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{T0, apply, race, revoked, token};
use crate::store::{Effect, Store, TokenKind, TokenOwner};

/// `threads` threads each insert a refresh token for one client and trim
/// its live refresh tokens to two, all at once, over several rounds: every
/// transaction applies, and exactly two tokens stay live.
pub fn concurrent_issues_keep_the_fifo_limit<S: Store + Send + Sync + 'static>(
    store: Arc<S>,
    threads: usize,
) {
    const KEEP: u32 = 2;
    for round in 0..5 {
        let client = format!("fifo-race-{round}");
        let next = Arc::new(AtomicUsize::new(0));
        let attempt = {
            let client = client.clone();
            move |store: &S| {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let issued = token(&format!("{client}-{i}"), TokenKind::Refresh, &client, 30, 1);
                let owner = TokenOwner::Client { client_id: client.clone() };
                let trim =
                    Effect::RevokeOldest { kind: TokenKind::Refresh, owner, keep: KEEP, at: T0 };
                apply(store, vec![], vec![Effect::PutToken(issued), trim])
            }
        };
        let wins = race(&store, threads, attempt);
        assert_eq!(wins, threads, "contract: issues without preconditions all apply");
        let live = (0..threads).filter(|i| !revoked(&*store, &format!("{client}-{i}"))).count();
        assert_eq!(
            live, KEEP as usize,
            "contract: concurrent issues for one owner leave exactly the FIFO limit live"
        );
    }
}
