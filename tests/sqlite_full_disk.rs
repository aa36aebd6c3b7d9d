//! SQLite on a full disk, for real: the database lives on a small tmpfs
//! that is filled to the last byte while client-credentials requests keep
//! coming. Every request the store cannot commit is answered `503
//! temporarily_unavailable` with `Retry-After` (a full disk passes), the
//! store reports the episode once, not per request, and once space is
//! back the next request succeeds. Every token ever answered `200` is
//! stored, and still is after the database is reopened.
//!
//! Needs root (it mounts a tmpfs); elsewhere it says it was skipped.

#![cfg(feature = "sqlite")]

mod sql_support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use qscope::adapter::sqlite::{SqliteOptions, SqliteStore};
use qscope::adapter::{StoreEvent, StoreEvents};
use qscope::store::{
    ClientAuthMethod, ClientRecord, Effect, GrantType, Query, Record, SecretHash, Store, TokenHash,
};
use qscope::{Config, Context, Entropy, Reply, Scopes, Server};
use sql_support::{T0, put};

const SECRET: &str = "full-disk-secret";

/// A tmpfs of its own, unmounted and removed on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` (e.g. `"4m"`), or says why it could not.
    fn mount(size: &str) -> Option<Self> {
        let dir = std::env::temp_dir().join(sql_support::unique_name("qscope-full-disk"));
        std::fs::create_dir_all(&dir).expect("create the mount point");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output();
        match mounted {
            Ok(out) if out.status.success() => Some(Self(dir)),
            Ok(out) => {
                let _ = std::fs::remove_dir(&dir);
                eprintln!(
                    "skipped: cannot mount a tmpfs (needs root): {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                None
            }
            Err(err) => {
                let _ = std::fs::remove_dir(&dir);
                eprintln!("skipped: cannot run mount: {err}");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Writes zeros to `path` until the filesystem is full.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("create the filler");
    let block = vec![0u8; 4096];
    loop {
        if let Err(err) = file.write_all(&block).and_then(|()| file.sync_all()) {
            assert_eq!(err.raw_os_error(), Some(28), "filling stops at ENOSPC: {err}");
            break;
        }
    }
    // The last partial block too.
    while file.write_all(&[0]).and_then(|()| file.sync_all()).is_ok() {}
}

/// Events as text, for assertions.
fn recorder() -> (StoreEvents, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let events = StoreEvents::new(move |event| {
        let line = match event {
            StoreEvent::FailingTransiently { operation, .. } => format!("{operation:?} failing"),
            StoreEvent::Recovered { operation, failures } => {
                format!("{operation:?} recovered after {failures}")
            }
            StoreEvent::FailedPermanently { operation, error } => {
                format!("{operation:?} failed permanently: {error}")
            }
            StoreEvent::Batched { .. } => return, // every batch; not what these tests watch
            other => format!("{other:?}"),
        };
        log.lock().expect("event log").push(line);
    });
    (events, seen)
}

/// Status, body and `Retry-After` of one client-credentials request.
struct Answer {
    status: u16,
    body: serde_json::Value,
    retry_after: Option<String>,
}

fn request_token(server: &Server, store: &SqliteStore, n: u64) -> Answer {
    let basic = STANDARD.encode(format!("svc:{SECRET}"));
    let request = http::Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Basic {basic}"))
        .body(b"grant_type=client_credentials".to_vec())
        .expect("request");
    let mut entropy = [0x3c; 32];
    entropy[..8].copy_from_slice(&n.to_be_bytes());
    let Reply::Http(response) =
        qscope::drive(server, store, &request, Context::new(T0, Entropy::from_bytes(entropy)))
    else {
        panic!("a token request is answered over HTTP");
    };
    Answer {
        status: response.status().as_u16(),
        body: serde_json::from_slice(response.body()).expect("a JSON body"),
        retry_after: response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().expect("ASCII").to_owned()),
    }
}

/// The access token of a 200, after checking the answer is one of the
/// two allowed: 200 with a token, or 503 temporarily_unavailable with
/// Retry-After.
fn judge(answer: &Answer) -> Option<String> {
    match answer.status {
        200 => Some(answer.body["access_token"].as_str().expect("access_token").to_owned()),
        503 => {
            assert_eq!(answer.body["error"], "temporarily_unavailable", "{}", answer.body);
            let wait = answer.retry_after.as_deref().expect("a 503 carries Retry-After");
            assert!(wait.parse::<u64>().is_ok_and(|s| s >= 1), "Retry-After in seconds: {wait}");
            None
        }
        other => panic!("a full disk must give 200 or 503, got {other} {}", answer.body),
    }
}

fn assert_stored(store: &SqliteStore, tokens: &[String]) {
    for token in tokens {
        let found = store.read(&[Query::Token { hash: TokenHash::of(token) }]).expect("read");
        match &found.as_slice()[0].record {
            Some(Record::Token(record)) => {
                assert!(record.is_active(T0), "a token answered 200 is active")
            }
            other => panic!("a token answered 200 must be stored, found {other:?}"),
        }
    }
}

#[test]
fn a_full_disk_answers_503_with_retry_after_and_recovers_with_nothing_lost() {
    let Some(tmpfs) = Tmpfs::mount("4m") else { return };
    let db = tmpfs.path().join("store.db");
    let filler = tmpfs.path().join("filler");
    let (events, seen) = recorder();
    let options = SqliteOptions { events: Some(events), ..SqliteOptions::default() };
    let store = SqliteStore::open_with(&db, options).expect("open on the tmpfs");
    let server = Server::new(
        Config::builder("https://server.example.com")
            .grants([GrantType::ClientCredentials])
            .scope("read", "Read", true)
            .build()
            .expect("config"),
    );
    let client = ClientRecord::confidential(
        "svc",
        SecretHash::of(SECRET),
        ClientAuthMethod::ClientSecretBasic,
    )
    .with_grants([GrantType::ClientCredentials])
    .with_scopes(Scopes::from_names(["read"]));
    put(&store, vec![Effect::PutClient(client)]);

    let next = AtomicU64::new(0);
    let mut answered = Vec::new();
    for _ in 0..5 {
        let answer = request_token(&server, &store, next.fetch_add(1, Ordering::Relaxed));
        assert_eq!(answer.status, 200, "before the disk fills: {}", answer.body);
        answered.extend(judge(&answer));
    }

    // Full: requests keep coming (four at a time, so commits are
    // batched) until twenty in a row could not be committed.
    fill(&filler);
    let (mut refused, mut in_a_row, mut sent) = (0u64, 0, 0);
    while in_a_row < 20 {
        assert!(sent < 4000, "a full disk never failed a commit ({sent} requests)");
        let answers: Vec<Answer> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let (server, store) = (&server, &store);
                    scope.spawn(move || request_token(server, store, n))
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("request thread")).collect()
        });
        for answer in &answers {
            sent += 1;
            match judge(answer) {
                Some(token) => {
                    answered.push(token);
                    in_a_row = 0;
                }
                None => {
                    refused += 1;
                    in_a_row += 1;
                }
            }
        }
    }
    let during = seen.lock().expect("event log").clone();
    assert_eq!(during, ["Write failing"], "one report for the whole episode, not one per request");

    // Space is back: the very next request succeeds.
    std::fs::remove_file(&filler).expect("free the space");
    let answer = request_token(&server, &store, next.fetch_add(1, Ordering::Relaxed));
    assert_eq!(answer.status, 200, "the store recovers as soon as space is back: {}", answer.body);
    answered.extend(judge(&answer));
    let after = seen.lock().expect("event log").clone();
    assert_eq!(after, ["Write failing".to_owned(), format!("Write recovered after {refused}")]);

    // Nothing answered 200 was lost, now or after reopening.
    assert_stored(&store, &answered);
    drop(store);
    let reopened = SqliteStore::open(&db).expect("reopen");
    assert_stored(&reopened, &answered);
    eprintln!(
        "{} tokens answered 200 and stored; {refused} requests answered 503 while the disk was full",
        answered.len()
    );
    drop(reopened);
    drop(tmpfs);
}
