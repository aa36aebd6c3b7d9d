//! Each [`Effect`] as the SQL statements that apply it, in order.
//!
//! One arm per effect and no catch-all: a new effect does not compile
//! until it is given its SQL here. Every statement is idempotent in the
//! way the contract asks ("no effect if already revoked" is
//! `revoked_at IS NULL` in the `WHERE` clause).

use super::columns::{
    count, family, int, json_list, kind, opt_family, opt_scopes, opt_text, opt_time,
    opt_token_hash, scopes, secret_hash, text, time, token_hash,
};
use super::{Statement, Value};
use crate::store::{DeviceStatus, Effect, StoreError, TokenOwner};

/// Insert or replace a client, keyed by `client_id`.
const PUT_CLIENT: &str = "INSERT INTO clients (client_id, secret_hash, auth_method, \
     redirect_uris, grant_types, scopes, name, uri, resource_server, require_par, created_at, \
     logo_uri, contacts, software_id, software_version, registration_token_hash, revision, \
     registrant) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) \
     ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, \
     auth_method = excluded.auth_method, redirect_uris = excluded.redirect_uris, \
     grant_types = excluded.grant_types, scopes = excluded.scopes, name = excluded.name, \
     uri = excluded.uri, resource_server = excluded.resource_server, \
     require_par = excluded.require_par, created_at = excluded.created_at, \
     logo_uri = excluded.logo_uri, contacts = excluded.contacts, \
     software_id = excluded.software_id, software_version = excluded.software_version, \
     registration_token_hash = excluded.registration_token_hash, revision = excluded.revision, \
     registrant = excluded.registrant";

const DELETE_CLIENT: &str = "DELETE FROM clients WHERE client_id = ?1";

const REVOKE_CLIENT_TOKENS: &str =
    "UPDATE tokens SET revoked_at = ?2 WHERE client_id = ?1 AND revoked_at IS NULL";

/// A code's hash is 256 bits of fresh entropy: a duplicate is a broken
/// entropy source, and failing the transaction is the safe answer.
const PUT_CODE: &str = "INSERT INTO codes (hash, client_id, subject, redirect_uri, scopes, \
     challenge_method, challenge, issued_at, expires_at, family, consumed_at, resources) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

const CONSUME_CODE: &str =
    "UPDATE codes SET consumed_at = ?2 WHERE hash = ?1 AND consumed_at IS NULL";

/// As for codes, a duplicate token hash fails the transaction.
const PUT_TOKEN: &str = "INSERT INTO tokens (hash, kind, client_id, subject, scopes, family, \
     parent, issued_at, expires_at, rotated_at, revoked_at, resources) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

const ROTATE_TOKEN: &str =
    "UPDATE tokens SET rotated_at = ?2 WHERE hash = ?1 AND rotated_at IS NULL";

const REVOKE_TOKEN: &str =
    "UPDATE tokens SET revoked_at = ?2 WHERE hash = ?1 AND revoked_at IS NULL";

const REVOKE_FAMILY: &str =
    "UPDATE tokens SET revoked_at = ?2 WHERE family = ?1 AND revoked_at IS NULL";

/// The tokens whose `parent` chain leads to `?1`, found by a recursive CTE
/// over the `tokens_parent` index; `UNION` (not `UNION ALL`) stops on
/// cycles. The refresh tokens among those it revokes are marked rotated
/// too (unless they already were): they were replaced.
const REVOKE_DESCENDANTS: &str = "WITH RECURSIVE descendants (hash) AS ( \
     SELECT hash FROM tokens WHERE parent = ?1 \
     UNION SELECT tokens.hash FROM tokens JOIN descendants ON tokens.parent = descendants.hash) \
     UPDATE tokens SET revoked_at = ?2, rotated_at = CASE \
     WHEN kind = 'refresh_token' AND rotated_at IS NULL THEN ?2 ELSE rotated_at END \
     WHERE revoked_at IS NULL AND hash IN (SELECT hash FROM descendants)";

/// FIFO trimming in one statement: rank the owner's live tokens of one
/// kind newest first (`issued_at`, then insertion order `seq`) and revoke
/// every one ranked after `keep`. `?1` is `at`, `?2` the kind, `?3` keep,
/// `?4`/`?5` the owner's key.
macro_rules! revoke_oldest {
    ($owner:literal) => {
        concat!(
            "UPDATE tokens SET revoked_at = ?1 WHERE seq IN (SELECT seq FROM (",
            "SELECT seq, ROW_NUMBER() OVER (ORDER BY issued_at DESC, seq DESC) AS newer ",
            "FROM tokens WHERE kind = ?2 AND revoked_at IS NULL AND rotated_at IS NULL ",
            "AND expires_at > ?1 AND ",
            $owner,
            ") AS ranked WHERE newer > ?3)"
        )
    };
}

const REVOKE_OLDEST_OF_CLIENT: &str = revoke_oldest!("client_id = ?4");
const REVOKE_OLDEST_OF_SUBJECT: &str = revoke_oldest!("client_id = ?4 AND subject = ?5");
const REVOKE_OLDEST_WITHOUT_SUBJECT: &str = revoke_oldest!("client_id = ?4 AND subject IS NULL");
const REVOKE_OLDEST_OF_FAMILY: &str = revoke_oldest!("family = ?4");

const APPEND_AUDIT: &str = "INSERT INTO audit_events (at, request_id, peer, action, client_id, \
     subject, grant_type, family, error, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// Insert or replace a pending authorization, keyed by its handle hash.
const PUT_PENDING: &str = "INSERT INTO pending_authorizations (hash, kind, client_id, \
     redirect_uri, resolved_redirect_uri, scopes, state, challenge_method, challenge, \
     created_at, expires_at, resources) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
     ON CONFLICT (hash) DO UPDATE SET kind = excluded.kind, client_id = excluded.client_id, \
     redirect_uri = excluded.redirect_uri, \
     resolved_redirect_uri = excluded.resolved_redirect_uri, scopes = excluded.scopes, \
     state = excluded.state, challenge_method = excluded.challenge_method, \
     challenge = excluded.challenge, created_at = excluded.created_at, \
     expires_at = excluded.expires_at, resources = excluded.resources";

const TAKE_PENDING: &str = "DELETE FROM pending_authorizations WHERE hash = ?1";

/// A device grant replaces the grant under its user code (an expired one:
/// `UserCodeAvailable` guards it), never one under its device code: the
/// insert that follows fails on a stored device code, as for codes.
const REPLACE_DEVICE_GRANT: &str =
    "DELETE FROM device_grants WHERE user_code_hash = ?1 AND device_code_hash <> ?2";

const PUT_DEVICE_GRANT: &str = "INSERT INTO device_grants (device_code_hash, user_code_hash, \
     client_id, scopes, status, subject, granted_scopes, poll_interval, last_poll_at, \
     issued_at, expires_at, family, resources) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

const DECIDE_DEVICE: &str = "UPDATE device_grants SET status = ?2, subject = ?3, \
     granted_scopes = ?4 WHERE device_code_hash = ?1";

const RECORD_DEVICE_POLL: &str =
    "UPDATE device_grants SET last_poll_at = ?2, poll_interval = ?3 WHERE device_code_hash = ?1";

const CONSUME_DEVICE: &str = "UPDATE device_grants SET status = ?2 WHERE device_code_hash = ?1";

/// Insert or replace an account, keyed by `username`.
const PUT_ACCOUNT: &str = "INSERT INTO accounts (username, subject, password_hash, disabled, \
     created_at, updated_at, revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
     ON CONFLICT (username) DO UPDATE SET subject = excluded.subject, \
     password_hash = excluded.password_hash, disabled = excluded.disabled, \
     created_at = excluded.created_at, updated_at = excluded.updated_at, \
     revision = excluded.revision";

const DELETE_ACCOUNT: &str = "DELETE FROM accounts WHERE username = ?1";

/// Insert or replace a session, keyed by its id hash.
const PUT_SESSION: &str = "INSERT INTO sessions (hash, username, subject, pending, created_at, \
     expires_at, revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
     ON CONFLICT (hash) DO UPDATE SET username = excluded.username, \
     subject = excluded.subject, pending = excluded.pending, created_at = excluded.created_at, \
     expires_at = excluded.expires_at, revision = excluded.revision";

const TOUCH_SESSION: &str =
    "UPDATE sessions SET expires_at = ?2 WHERE hash = ?1 AND expires_at < ?2";

const DELETE_SESSION: &str = "DELETE FROM sessions WHERE hash = ?1";

/// Insert a consent, or renew it: the scopes and last use change, the
/// first grant's time stays.
const PUT_CONSENT: &str = "INSERT INTO consents (id, subject, client_id, scopes, granted_at, \
     last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
     ON CONFLICT (id) DO UPDATE SET scopes = excluded.scopes, \
     last_used_at = excluded.last_used_at";

const DELETE_CONSENT: &str = "DELETE FROM consents WHERE id = ?1";

/// `RevokeGrant`, in three statements: the tokens, the unredeemed codes,
/// the approved device grants no poll has redeemed.
const REVOKE_GRANT_TOKENS: &str = "UPDATE tokens SET revoked_at = ?3 \
     WHERE client_id = ?1 AND subject = ?2 AND revoked_at IS NULL";
const REVOKE_GRANT_CODES: &str = "UPDATE codes SET consumed_at = ?3 \
     WHERE client_id = ?1 AND subject = ?2 AND consumed_at IS NULL";
const REVOKE_GRANT_DEVICES: &str = "UPDATE device_grants SET status = ?3 \
     WHERE client_id = ?1 AND subject = ?2 AND status = ?4";

/// The statements that apply `effect`, to run in order inside the
/// transaction. Fails only on values SQL cannot hold (see [`time`]).
pub(crate) fn statements(effect: &Effect) -> Result<Vec<Statement>, StoreError> {
    let one = |sql, params| Ok(vec![Statement::new(sql, params)]);
    match effect {
        Effect::PutClient(c) => one(
            PUT_CLIENT,
            vec![
                text(&c.client_id),
                secret_hash(c.secret_hash.as_ref()),
                text(c.auth_method.as_str()),
                json_list(&c.redirect_uris)?,
                json_list(&c.grant_types)?,
                scopes(&c.scopes),
                opt_text(c.name.as_deref()),
                opt_text(c.uri.as_deref()),
                Value::Bool(c.resource_server),
                Value::Bool(c.require_par),
                time(c.created_at)?,
                opt_text(c.logo_uri.as_deref()),
                json_list(&c.contacts)?,
                opt_text(c.software_id.as_deref()),
                opt_text(c.software_version.as_deref()),
                opt_token_hash(c.registration_token_hash.as_ref()),
                count(c.revision, "revision")?,
                text(c.registrant.as_str()),
            ],
        ),
        Effect::DeleteClient { client_id, at } => Ok(vec![
            Statement::new(DELETE_CLIENT, vec![text(client_id)]),
            Statement::new(REVOKE_CLIENT_TOKENS, vec![text(client_id), time(*at)?]),
        ]),
        Effect::PutCode(c) => one(
            PUT_CODE,
            vec![
                token_hash(&c.hash),
                text(&c.client_id),
                text(&c.subject),
                opt_text(c.redirect_uri.as_deref()),
                scopes(&c.scopes),
                opt_text(c.challenge.as_ref().map(|p| p.method.as_str())),
                opt_text(c.challenge.as_ref().map(|p| p.challenge.as_str())),
                time(c.issued_at)?,
                time(c.expires_at)?,
                family(&c.family),
                opt_time(c.consumed_at)?,
                json_list(&c.resources)?,
            ],
        ),
        Effect::ConsumeCode { hash, at } => one(CONSUME_CODE, vec![token_hash(hash), time(*at)?]),
        Effect::PutToken(t) => one(
            PUT_TOKEN,
            vec![
                token_hash(&t.hash),
                kind(t.kind),
                text(&t.client_id),
                opt_text(t.subject.as_deref()),
                scopes(&t.scopes),
                family(&t.family),
                opt_token_hash(t.parent.as_ref()),
                time(t.issued_at)?,
                time(t.expires_at)?,
                opt_time(t.rotated_at)?,
                opt_time(t.revoked_at)?,
                json_list(&t.resources)?,
            ],
        ),
        Effect::RotateToken { hash, at } => one(ROTATE_TOKEN, vec![token_hash(hash), time(*at)?]),
        Effect::RevokeToken { hash, at } => one(REVOKE_TOKEN, vec![token_hash(hash), time(*at)?]),
        Effect::RevokeFamily { family: f, at } => one(REVOKE_FAMILY, vec![family(f), time(*at)?]),
        Effect::RevokeDescendants { parent, at } => {
            one(REVOKE_DESCENDANTS, vec![token_hash(parent), time(*at)?])
        }
        Effect::RevokeOldest { kind: k, owner, keep, at } => {
            let mut params = vec![time(*at)?, kind(*k), int(i64::from(*keep))];
            let sql = match owner {
                TokenOwner::Client { client_id } => {
                    params.push(text(client_id));
                    REVOKE_OLDEST_OF_CLIENT
                }
                TokenOwner::ClientSubject { client_id, subject: Some(subject) } => {
                    params.extend([text(client_id), text(subject)]);
                    REVOKE_OLDEST_OF_SUBJECT
                }
                TokenOwner::ClientSubject { client_id, subject: None } => {
                    params.push(text(client_id));
                    REVOKE_OLDEST_WITHOUT_SUBJECT
                }
                TokenOwner::Family { family: f } => {
                    params.push(family(f));
                    REVOKE_OLDEST_OF_FAMILY
                }
            };
            one(sql, params)
        }
        Effect::AppendAudit(e) => one(
            APPEND_AUDIT,
            vec![
                time(e.at)?,
                text(e.request_id.to_string()),
                opt_text(e.peer.map(|p| p.to_string())),
                text(e.action.as_str()),
                opt_text(e.client_id.as_deref()),
                opt_text(e.subject.as_deref()),
                opt_text(e.grant_type.map(|g| g.as_str())),
                opt_family(e.family.as_ref()),
                opt_text(e.error.map(|c| c.as_str())),
                opt_text(e.reason.map(|r| r.as_str())),
            ],
        ),
        Effect::PutPending(p) => one(
            PUT_PENDING,
            vec![
                token_hash(&p.hash),
                text(p.kind.as_str()),
                text(&p.client_id),
                opt_text(p.redirect_uri.as_deref()),
                text(&p.resolved_redirect_uri),
                scopes(&p.scopes),
                opt_text(p.state.as_deref()),
                opt_text(p.challenge.as_ref().map(|c| c.method.as_str())),
                opt_text(p.challenge.as_ref().map(|c| c.challenge.as_str())),
                time(p.created_at)?,
                time(p.expires_at)?,
                json_list(&p.resources)?,
            ],
        ),
        Effect::TakePending { hash } => one(TAKE_PENDING, vec![token_hash(hash)]),
        Effect::PutDeviceGrant(d) => Ok(vec![
            Statement::new(
                REPLACE_DEVICE_GRANT,
                vec![token_hash(&d.user_code_hash), token_hash(&d.device_code_hash)],
            ),
            Statement::new(
                PUT_DEVICE_GRANT,
                vec![
                    token_hash(&d.device_code_hash),
                    token_hash(&d.user_code_hash),
                    text(&d.client_id),
                    scopes(&d.scopes),
                    text(d.status.as_str()),
                    opt_text(d.subject.as_deref()),
                    opt_scopes(d.granted_scopes.as_ref()),
                    count(d.interval, "interval")?,
                    opt_time(d.last_poll_at)?,
                    time(d.issued_at)?,
                    time(d.expires_at)?,
                    family(&d.family),
                    json_list(&d.resources)?,
                ],
            ),
        ]),
        Effect::DecideDevice { hash, status, subject, granted_scopes } => one(
            DECIDE_DEVICE,
            vec![
                token_hash(hash),
                text(status.as_str()),
                opt_text(subject.as_deref()),
                opt_scopes(granted_scopes.as_ref()),
            ],
        ),
        Effect::RecordDevicePoll { hash, at, interval } => one(
            RECORD_DEVICE_POLL,
            vec![token_hash(hash), time(*at)?, count(*interval, "interval")?],
        ),
        Effect::ConsumeDevice { hash } => {
            one(CONSUME_DEVICE, vec![token_hash(hash), text(DeviceStatus::Consumed.as_str())])
        }
        Effect::PutAccount(a) => one(
            PUT_ACCOUNT,
            vec![
                text(&a.username),
                text(&a.subject),
                text(a.password_hash.as_str()),
                Value::Bool(a.disabled),
                time(a.created_at)?,
                time(a.updated_at)?,
                count(a.revision, "revision")?,
            ],
        ),
        Effect::DeleteAccount { username } => one(DELETE_ACCOUNT, vec![text(username)]),
        Effect::PutSession(s) => one(
            PUT_SESSION,
            vec![
                token_hash(&s.hash),
                opt_text(s.username.as_deref()),
                opt_text(s.subject.as_deref()),
                json_list(&s.pending)?,
                time(s.created_at)?,
                time(s.expires_at)?,
                count(s.revision, "revision")?,
            ],
        ),
        Effect::TouchSession { hash, expires_at } => {
            one(TOUCH_SESSION, vec![token_hash(hash), time(*expires_at)?])
        }
        Effect::DeleteSession { hash } => one(DELETE_SESSION, vec![token_hash(hash)]),
        Effect::PutConsent(c) => one(
            PUT_CONSENT,
            vec![
                text(&c.id),
                text(&c.subject),
                text(&c.client_id),
                scopes(&c.scopes),
                time(c.granted_at)?,
                time(c.last_used_at)?,
            ],
        ),
        Effect::DeleteConsent { id } => one(DELETE_CONSENT, vec![text(id)]),
        Effect::RevokeGrant { client_id, subject, at } => {
            let params = vec![text(client_id), text(subject), time(*at)?];
            let devices = vec![
                text(client_id),
                text(subject),
                text(DeviceStatus::Denied.as_str()),
                text(DeviceStatus::Approved.as_str()),
            ];
            Ok(vec![
                Statement::new(REVOKE_GRANT_TOKENS, params.clone()),
                Statement::new(REVOKE_GRANT_CODES, params),
                Statement::new(REVOKE_GRANT_DEVICES, devices),
            ])
        }
    }
}
