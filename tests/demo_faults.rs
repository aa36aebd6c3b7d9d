//! The demo server (`examples/server`) under load and faults (issue 13),
//! in-process on 127.0.0.1:0 over real sockets: slow clients and the
//! request deadline, the connection cap, rate limits per address and per
//! authenticated client, the cap on password checks, the periodic purge,
//! sessions only for pending sign-ins, and an audit queue that waits
//! rather than drops.

// Each test binary includes every module of the server; not each uses
// every item of them.
#![allow(dead_code)]

mod demo_support;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use demo_support::{
    Demo, access_token, authorize_path, cookie_pair, get, hidden, post_form, send, send_from,
};
use http::{Request, Response};
use http_body_util::Full;
use qscope::adapter::kit::context_for;
use qscope::adapter::sqlite::SqliteStore;
use qscope::admin::{Admin, ClientSpec};
use qscope::store::{
    AsyncStore, AuditAction, Effect, FamilyId, Outcome, Query, TokenHash, TokenKind, TokenRecord,
    Transaction,
};
use qscope::{Scopes, Seconds, UnixTime};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

const METADATA: &str = "/.well-known/oauth-authorization-server";

/// The head of a `POST /revoke` that announces a 100-byte body, which
/// never follows.
const SLOW_HEAD: &[u8] = b"POST /revoke HTTP/1.1\r\nhost: x\r\n\
content-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\n";

async fn slow_connection(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(SLOW_HEAD).await.unwrap();
    stream
}

/// What the server sent before it closed `stream`; fails if it is still
/// open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut answer))
        .await
        .expect("the server closes a connection whose body never comes")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// Whether the server has neither answered nor closed `stream` yet.
fn still_waiting(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(stream.try_read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

#[tokio::test]
async fn slow_bodies_are_cut_off_at_the_deadline_while_others_are_served() {
    let demo = Demo::start(&["--request-timeout", "3", "--rate-limit", "0"]).await;
    let addr = demo.addr();
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..20 {
        slow.push(slow_connection(addr).await);
    }
    // Meanwhile a normal client is served, while the slow ones wait.
    let metadata = send(addr, get(METADATA)).await;
    assert_eq!(metadata.status(), 200);
    assert!(slow.iter().all(still_waiting), "answered before the deadline");
    for stream in &mut slow {
        let answer = closed_within(stream, Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
        assert!(answer.contains("\r\nconnection: close\r\n"), "{answer}");
        assert!(answer.contains("\"error\":\"invalid_request\""), "{answer}");
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(3), "cut off only at the deadline: {elapsed:?}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_a_slot_frees() {
    let demo =
        Demo::start(&["--request-timeout", "2", "--max-connections", "4", "--rate-limit", "0"])
            .await;
    let addr = demo.addr();
    let mut slow = Vec::new();
    for _ in 0..4 {
        slow.push(slow_connection(addr).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let fifth = tokio::spawn(send(addr, get(METADATA)));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!fifth.is_finished(), "the fifth connection waits in the accept queue");
    let served = tokio::time::timeout(Duration::from_secs(10), fifth).await.unwrap().unwrap();
    assert_eq!(served.status(), 200, "served once the deadline freed a slot");
    for stream in &mut slow {
        assert!(closed_within(stream, Duration::from_secs(5)).await.starts_with("HTTP/1.1 408 "));
    }
}

#[tokio::test]
async fn every_endpoint_is_limited_per_address_in_its_own_format() {
    let demo = Demo::start(&["--rate-limit", "1"]).await;
    let (addr, client) = (demo.addr(), demo.demo_client());
    assert_eq!(send(addr, get(METADATA)).await.status(), 200);
    assert_eq!(send(addr, get(METADATA)).await.status(), 200, "a burst of two");
    // All at once, so that no token refills meanwhile.
    let json = [
        (post_form("/par", "response_type=code&client_id=demo", None), 429),
        (post_form("/introspect", "token=abc", Some(&client)), 429),
        (post_form("/token", "grant_type=client_credentials", Some(&client)), 429),
        (post_form("/device_authorization", "scope=read", Some(&client)), 429),
        (post_form("/register", "{}", None), 429),
        (get(METADATA), 429),
        // RFC 7009 §2.2.1: a 503 tells the client the token still exists.
        (post_form("/revoke", "token=abc", Some(&client)), 503),
    ]
    .map(|(request, status)| (tokio::spawn(send(addr, request)), status));
    let pages = ["/login", "/device", "/consent?request=abc", &authorize_path("x")]
        .map(|path| tokio::spawn(send(addr, get(path))));
    for (answer, status) in json {
        let response = answer.await.unwrap();
        assert_eq!(response.status(), status, "{}", response.body());
        assert_eq!(response.headers()["retry-after"], "1");
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = serde_json::from_str(response.body()).unwrap();
        assert_eq!(body["error"], "temporarily_unavailable");
    }
    for answer in pages {
        let page = answer.await.unwrap();
        assert_eq!(page.status(), 429);
        assert_eq!(page.headers()["retry-after"], "1");
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        assert!(page.body().contains("Too many requests"), "{}", page.body());
    }
    let elsewhere: IpAddr = "127.0.0.2".parse().unwrap();
    let other = send_from(elsewhere, addr, get(METADATA)).await;
    assert_eq!(other.status(), 200, "another address has its own bucket");
}

/// Creates the confidential client `id` with the client-credentials grant;
/// its id and secret.
async fn create_client(demo: &Demo, id: &str) -> (String, String) {
    let server = demo.running().server();
    let mut spec = ClientSpec::default();
    spec.client_id = Some(id.into());
    spec.metadata.grant_types = Some(vec!["client_credentials".into()]);
    spec.metadata.scope = Some("read".into());
    let change =
        Admin::new(server).create_client(&spec, &context_for(None, None).unwrap()).unwrap();
    let store = &demo.running().store;
    assert_eq!(AsyncStore::apply(store, &change.transaction).await.unwrap(), Outcome::Applied);
    (id.to_owned(), change.secret.unwrap().expose().to_owned())
}

#[tokio::test]
async fn authenticated_clients_are_limited_and_naming_one_costs_it_nothing() {
    let demo = Demo::start(&["--rate-limit", "0", "--client-rate-limit", "1"]).await;
    let (addr, client) = (demo.addr(), demo.demo_client());
    let wrong = (client.0.clone(), "not-the-secret".to_owned());
    // Anybody may name the client; refusals are not charged to it.
    for _ in 0..5 {
        let guess = post_form("/token", "grant_type=client_credentials", Some(&wrong));
        assert_eq!(send(addr, guess).await.status(), 401);
        let unauthenticated = post_form("/introspect", "token=abc&client_id=demo", None);
        assert_eq!(send(addr, unauthenticated).await.status(), 401);
        let par = "response_type=code&client_id=demo&code_challenge_method=S256";
        assert_eq!(send(addr, post_form("/par", par, None)).await.status(), 401);
    }
    // Its own requests are: a burst of two, and the answer that finds the
    // bucket empty is still sent (it was decided, and stored).
    let token = access_token(addr, &client).await;
    let introspect = |client: Option<&(String, String)>| {
        post_form("/introspect", &format!("token={token}&client_id=demo"), client)
    };
    assert_eq!(send(addr, introspect(Some(&client))).await.status(), 200);
    assert_eq!(send(addr, introspect(Some(&client))).await.status(), 200);
    // Then it is refused before the core runs, in each endpoint's format,
    // whoever names it.
    let [limited, named, revoke] = [
        introspect(Some(&client)),
        post_form("/token", "grant_type=client_credentials&client_id=demo", None),
        post_form("/revoke", &format!("token={token}"), Some(&client)),
    ]
    .map(|request| tokio::spawn(send(addr, request)));
    for (answer, status) in [(limited, 429), (named, 429), (revoke, 503)] {
        let response = answer.await.unwrap();
        assert_eq!(response.status(), status, "{}", response.body());
        assert_eq!(response.headers()["retry-after"], "1");
        let body: Value = serde_json::from_str(response.body()).unwrap();
        assert_eq!(body["error"], "temporarily_unavailable");
    }
    // Another client has a bucket of its own.
    let reporter = create_client(&demo, "reporter").await;
    access_token(addr, &reporter).await;
    // Once the bucket has refilled, the client is served again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(send(addr, introspect(Some(&client))).await.status(), 200);
}

fn login_post(cookie: &str, fields: &str) -> Request<Full<Bytes>> {
    Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Full::new(Bytes::from(fields.to_owned())))
        .unwrap()
}

#[tokio::test]
async fn sign_ins_beyond_the_password_check_cap_are_asked_to_try_again() {
    let demo = Demo::start(&["--rate-limit", "0", "--max-password-checks", "1"]).await;
    let addr = demo.addr();
    let page = send(addr, get("/login")).await;
    let (cookie, csrf) = (cookie_pair(&page).unwrap(), hidden(page.body(), "csrf"));
    let fields = format!("csrf={csrf}&next=&username=alice&password=queen");
    let attempts: Vec<_> =
        (0..8).map(|_| tokio::spawn(send(addr, login_post(&cookie, &fields)))).collect();
    let mut answers = Vec::new();
    for attempt in attempts {
        answers.push(attempt.await.unwrap());
    }
    let (busy, checked): (Vec<Response<String>>, Vec<_>) =
        answers.into_iter().partition(|answer| answer.status() == 503);
    assert!(!busy.is_empty(), "one check at a time: the others are asked to try again");
    assert!(!checked.is_empty());
    assert!(checked.iter().all(|answer| answer.status() == 401));
    for page in busy {
        assert_eq!(page.headers()["retry-after"], "1");
        assert!(page.body().contains("try again"), "{}", page.body());
        assert_eq!(hidden(page.body(), "csrf"), csrf, "the form, ready to send again");
    }
    // When no other check runs, the right password signs in.
    let right = format!("csrf={csrf}&next=&username=alice&password=wonderland");
    assert_eq!(send(addr, login_post(&cookie, &right)).await.status(), 303);
}

fn token_record(name: &str, expires_at: UnixTime) -> TokenRecord {
    TokenRecord {
        hash: TokenHash::of(name),
        kind: TokenKind::Access,
        client_id: "demo".into(),
        subject: None,
        scopes: Scopes::from_names(["read"]),
        family: FamilyId::from_bytes([7; 16]),
        parent: None,
        issued_at: UnixTime::from_secs(expires_at.as_secs() - 60),
        expires_at,
        rotated_at: None,
        revoked_at: None,
        resources: Vec::new(),
    }
}

async fn stored(demo: &Demo, name: &str) -> bool {
    let answers =
        AsyncStore::read(&demo.running().store, &[Query::Token { hash: TokenHash::of(name) }])
            .await
            .unwrap();
    answers.as_slice()[0].record.is_some()
}

#[tokio::test]
async fn expired_records_are_purged_without_any_request() {
    let demo = Demo::start(&["--purge-interval", "1"]).await;
    let now = qscope::adapter::kit::now();
    let expired = token_record("expired", UnixTime::from_secs(now.as_secs() - 3600));
    let live = token_record("live", now.after(Seconds::hours(1)));
    let put = Transaction::unconditional(vec![Effect::PutToken(expired), Effect::PutToken(live)]);
    assert_eq!(AsyncStore::apply(&demo.running().store, &put).await.unwrap(), Outcome::Applied);
    assert!(stored(&demo, "expired").await);
    let until = Instant::now() + Duration::from_secs(5);
    while stored(&demo, "expired").await {
        assert!(Instant::now() < until, "the expired token is still stored after 5 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stored(&demo, "live").await, "what has not expired stays");
}

#[tokio::test]
async fn only_a_waiting_authorization_makes_a_session_and_a_timer_ends_it() {
    let demo = Demo::start(&["--rate-limit", "0", "--sign-in-timeout", "1"]).await;
    let addr = demo.addr();
    let sessions = || demo.session_count();
    let nothing_to_keep = [
        "/login",
        "/login?next=%2Fdevice",
        "/device",
        "/device?user_code=BCDF-GHJK",
        "/consent?request=abc",
        "/authorize?response_type=code&client_id=nobody",
    ];
    for _ in 0..10 {
        for path in nothing_to_keep {
            let response = send(addr, get(path)).await;
            assert!(response.status().as_u16() < 500, "{path}: {}", response.status());
            let cookie = cookie_pair(&response).unwrap_or_default();
            assert!(!cookie.starts_with("qscope-session="), "{path} made a session");
        }
    }
    assert_eq!(sessions(), 0, "nothing to keep, nothing kept");

    // A valid authorization request waits in a session for the sign-in...
    for i in 0..5 {
        let response = send(addr, get(&authorize_path(&i.to_string()))).await;
        assert_eq!(response.status(), 303);
        assert!(cookie_pair(&response).unwrap().starts_with("qscope-session="));
    }
    assert_eq!(sessions(), 5);
    // ...which a timer removes once the sign-in timeout has passed.
    let until = Instant::now() + Duration::from_secs(5);
    while sessions() > 0 {
        assert!(Instant::now() < until, "{} sessions left after 5 s", sessions());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The sign-in form needs no session: its token is the login cookie's.
    let page = send(addr, get("/login")).await;
    let cookie = cookie_pair(&page).unwrap();
    assert!(cookie.starts_with("qscope-login="), "{cookie}");
    let fields =
        format!("csrf={}&next=&username=alice&password=wonderland", hidden(page.body(), "csrf"));
    let forged = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(fields.clone())))
        .unwrap();
    assert_eq!(send(addr, forged).await.status(), 403, "the token without its cookie");
    let signed_in = send(addr, login_post(&cookie, &fields)).await;
    assert_eq!(signed_in.status(), 303);
    assert!(cookie_pair(&signed_in).unwrap().starts_with("qscope-session="));
    assert_eq!(sessions(), 1);
}

/// How many of the audit events in `demo`'s database are `action`.
fn audited(demo: &Demo, action: AuditAction) -> usize {
    let events = SqliteStore::open(&demo.db).unwrap().audit_events().unwrap();
    events.iter().filter(|event| event.action == action).count()
}

#[tokio::test]
async fn required_audit_events_wait_for_room_and_only_allowed_ones_are_shed() {
    let mut demo =
        Demo::start(&["--rate-limit", "0", "--audit-queue", "1", "--audit-shed-introspections"])
            .await;
    let (addr, client) = (demo.addr(), demo.demo_client());
    let token = access_token(addr, &client).await;
    let totals = || demo.running().audit_totals();
    // Another connection holds SQLite's write lock: the audit writer is
    // stuck on its first batch, and the queue fills.
    let lock = rusqlite::Connection::open(&demo.db).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let wrong = (client.0.clone(), "not-the-secret".to_owned());
    let refusals: Vec<_> = (0..10)
        .map(|_| {
            let guess = post_form("/token", "grant_type=client_credentials", Some(&wrong));
            tokio::spawn(send(addr, guess))
        })
        .collect();
    let until = Instant::now() + Duration::from_secs(10);
    while totals().waited == 0 {
        assert!(Instant::now() < until, "the queue never filled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Answered introspections go on meanwhile; their events are shed, as
    // the configuration allows, and counted.
    for _ in 0..10 {
        let introspect = post_form("/introspect", &format!("token={token}"), Some(&client));
        assert_eq!(send(addr, introspect).await.status(), 200);
    }
    assert!(refusals.iter().any(|r| !r.is_finished()), "refusals wait for room for their events");
    lock.execute_batch("COMMIT").unwrap();
    drop(lock);
    for refusal in refusals {
        assert_eq!(refusal.await.unwrap().status(), 401);
    }
    let counted = totals();
    assert_eq!((counted.shed, counted.sampled_out, counted.lost), (10, 0, 0));
    assert!(counted.waited >= 1);
    demo.stop().await;
    assert_eq!(audited(&demo, AuditAction::TokenRefused), 10, "no refusal event was lost");
    assert_eq!(audited(&demo, AuditAction::TokenIntrospected), 0);
}

#[tokio::test]
async fn introspection_events_may_be_sampled_and_refusals_never_are() {
    let mut demo = Demo::start(&["--rate-limit", "0", "--audit-sample-introspections", "3"]).await;
    let (addr, client) = (demo.addr(), demo.demo_client());
    let token = access_token(addr, &client).await;
    let wrong = (client.0.clone(), "not-the-secret".to_owned());
    for _ in 0..9 {
        let introspect = post_form("/introspect", &format!("token={token}"), Some(&client));
        assert_eq!(send(addr, introspect).await.status(), 200);
        let refused = post_form("/introspect", &format!("token={token}"), Some(&wrong));
        assert_eq!(send(addr, refused).await.status(), 401);
    }
    let counted = demo.running().audit_totals();
    assert_eq!((counted.sampled_out, counted.shed, counted.lost), (6, 0, 0));
    demo.stop().await;
    assert_eq!(audited(&demo, AuditAction::TokenIntrospected), 3, "one in three");
    assert_eq!(audited(&demo, AuditAction::IntrospectionRefused), 9, "every refusal");
}
