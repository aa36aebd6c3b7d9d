//! Every statement the store runs uses an index: no full table scans, and
//! FIFO trimming reads only live tokens.

use rusqlite::params_from_iter;

use super::pool::{Settings, Target, open};
use crate::adapter::sql::{Statement, effects, preconditions, purge, queries};
use crate::store::contract::{code, pending, token};
use crate::store::{
    DeviceGrantRecord, DeviceStatus, Effect, FamilyId, PendingKind, Precondition, Query, TokenHash,
    TokenKind, TokenOwner,
};
use crate::{Scopes, UnixTime};

fn statements() -> Vec<Statement> {
    let at = UnixTime::from_secs(1);
    let hash = TokenHash::of("x");
    let family = FamilyId::from_bytes([1; 16]);
    let owners = [
        TokenOwner::Client { client_id: "c".into() },
        TokenOwner::ClientSubject { client_id: "c".into(), subject: Some("s".into()) },
        TokenOwner::ClientSubject { client_id: "c".into(), subject: None },
        TokenOwner::Family { family },
    ];
    let mut effects_ = vec![
        Effect::PutClient(crate::store::ClientRecord::public("c").with_scopes(Scopes::new())),
        Effect::DeleteClient { client_id: "c".into(), at },
        Effect::PutCode(code("c", 1)),
        Effect::ConsumeCode { hash, at },
        Effect::PutToken(token("t", TokenKind::Access, "c", 1, 0)),
        Effect::RotateToken { hash, at },
        Effect::RevokeToken { hash, at },
        Effect::RevokeFamily { family, at },
        Effect::RevokeDescendants { parent: hash, at },
        Effect::PutPending(pending("p", PendingKind::Interaction)),
        Effect::TakePending { hash },
        Effect::PutDeviceGrant(DeviceGrantRecord {
            device_code_hash: hash,
            user_code_hash: hash,
            client_id: "c".into(),
            scopes: Scopes::new(),
            status: DeviceStatus::Pending,
            subject: None,
            granted_scopes: None,
            interval: 5,
            last_poll_at: None,
            issued_at: at,
            expires_at: at,
            family,
            resources: Vec::new(),
        }),
        Effect::DecideDevice {
            hash,
            status: DeviceStatus::Denied,
            subject: None,
            granted_scopes: None,
        },
        Effect::RecordDevicePoll { hash, at, interval: 10 },
        Effect::ConsumeDevice { hash },
    ];
    effects_.extend(owners.into_iter().map(|owner| Effect::RevokeOldest {
        kind: TokenKind::Refresh,
        owner,
        keep: 1,
        at,
    }));
    let mut all: Vec<Statement> =
        effects_.iter().flat_map(|e| effects::statements(e).expect("statements")).collect();
    all.extend(
        [
            Precondition::CodeUnconsumed { hash },
            Precondition::TokenActive { hash },
            Precondition::TokenNotRevoked { hash },
            Precondition::PendingExists { hash },
            Precondition::UserCodeAvailable { hash, at },
            Precondition::DeviceStatusIs { hash, status: DeviceStatus::Approved },
            Precondition::ClientAbsent { client_id: "c".into() },
            Precondition::ClientRevision { client_id: "c".into(), revision: 3 },
        ]
        .iter()
        .map(|p| preconditions::check(p).expect("check").statement),
    );
    all.extend(
        [
            Query::Client { client_id: "c".into() },
            Query::Code { hash },
            Query::Token { hash },
            Query::Pending { hash },
            Query::DeviceCode { hash },
            Query::UserCode { hash },
            Query::ClientByRegistrationToken { hash },
            Query::Clients { after: None, limit: 10 },
            Query::Clients { after: Some("c".into()), limit: 10 },
        ]
        .iter()
        .filter_map(|q| queries::lookup(q).map(|l| l.statement)),
    );
    all.extend(purge::statements(at).expect("purge").into_iter().map(|(s, _)| s));
    all
}

#[test]
fn no_statement_scans_a_whole_table() {
    let settings = Settings {
        busy_timeout: std::time::Duration::from_secs(1),
        synchronous_full: false,
        max_connections: 1,
    };
    let mut conn = open(&Target::Memory, &settings).expect("open");
    super::migrate::migrate(&mut conn).expect("migrate");
    for statement in statements() {
        let mut explain =
            conn.prepare(&format!("EXPLAIN QUERY PLAN {}", statement.sql)).expect("explain");
        let plan: Vec<String> = explain
            .query_map(params_from_iter(&statement.params), |row| row.get(3))
            .and_then(|rows| rows.collect())
            .expect("plan");
        eprintln!("{}\n  {plan:?}", statement.sql);
        if statement.sql.contains("ROW_NUMBER") {
            assert!(
                plan.iter().any(|step| step.contains("USING INDEX tokens_live_by_")),
                "FIFO must rank from a live-token index: {plan:?}"
            );
        }
        for step in &plan {
            for table in ["clients", "codes", "tokens", "pending_authorizations", "device_grants"] {
                // An index walked in order under a LIMIT (client pages) is fine.
                let scan = format!("SCAN {table}");
                assert!(
                    !step.starts_with(&scan) || step.starts_with(&format!("{scan} USING INDEX")),
                    "full scan of {table} in {}: {plan:?}",
                    statement.sql
                );
            }
        }
    }
}
