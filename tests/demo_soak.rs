//! Memory of the demo server (`examples/server`) under anonymous traffic
//! and a flood of failed sign-ins, read from this process's VmRSS: a test
//! binary of its own, its tests one at a time, so nothing else moves the
//! figure. Bounded: a few thousand requests each.

// Each test binary includes every module of the server; not each uses
// every item of them.
#![allow(dead_code)]

mod demo_support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use demo_support::{Demo, authorize_path, cookie_pair, get, hidden, rss_kib, send};
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Held by each test: one at a time, or the other's memory would count.
static ALONE: Mutex<()> = Mutex::const_new(());

/// Requests per round of the soak.
const ROUND: usize = 5_000;
/// Concurrent connections sending them (each keep-alive).
const WORKERS: usize = 8;

/// `count` anonymous requests over `WORKERS` keep-alive connections: a
/// valid authorization request (a pending sign-in), the sign-in page, the
/// device page and the metadata, in turn, none with a cookie.
async fn anonymous_round(addr: SocketAddr, count: usize) {
    let next = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let next = Arc::clone(&next);
            tokio::spawn(async move {
                let stream = TcpStream::connect(addr).await.unwrap();
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
                tokio::spawn(connection);
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= count as u64 {
                        return;
                    }
                    let path = match n % 4 {
                        0 => authorize_path(&n.to_string()),
                        1 => "/login".to_owned(),
                        2 => "/device".to_owned(),
                        _ => "/.well-known/oauth-authorization-server".to_owned(),
                    };
                    let response = sender.send_request(get(&path)).await.unwrap();
                    assert!(response.status().as_u16() < 400, "{path}: {}", response.status());
                    response.into_body().collect().await.unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
}

/// Waits (at most 10 s) for the timer to remove every session.
async fn sessions_drain(demo: &Demo) {
    let until = Instant::now() + Duration::from_secs(10);
    while demo.session_count() > 0 {
        let left = demo.session_count();
        assert!(Instant::now() < until, "{left} sessions are still held");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_traffic_leaves_sessions_and_memory_flat() {
    let _alone = ALONE.lock().await;
    let demo =
        Demo::start(&["--rate-limit", "0", "--sqlite-sync", "normal", "--sign-in-timeout", "1"])
            .await;
    let addr = demo.addr();
    // A first round grows the allocator's pools to their working size.
    anonymous_round(addr, ROUND).await;
    sessions_drain(&demo).await;
    let settled = rss_kib();
    // Then more rounds of the same must not grow them: nothing stays.
    for _ in 0..2 {
        anonymous_round(addr, ROUND).await;
        assert!(demo.session_count() <= ROUND / 4, "at most the pending sign-ins");
        sessions_drain(&demo).await;
    }
    let grown = rss_kib().saturating_sub(settled);
    eprintln!("soak: RSS {settled} KiB after the first round, grown by {grown} KiB after two more");
    // Measured on a 2-core machine: +1.7 MiB (SQLite's page caches grow
    // with the stored pending authorizations); keeping the 2 × 1,250
    // pending sign-ins instead (a 600 s sign-in timeout) gave +5.8 MiB, and
    // sessions for mere page views would add more.
    assert!(grown < 3 * 1024, "RSS grew by {grown} KiB over two rounds of {ROUND} requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_failed_sign_ins_takes_only_the_capped_memory() {
    let _alone = ALONE.lock().await;
    let demo = Demo::start(&["--rate-limit", "0", "--max-password-checks", "2"]).await;
    let addr = demo.addr();
    let page = send(addr, get("/login")).await;
    let (cookie, csrf) = (cookie_pair(&page).unwrap(), hidden(page.body(), "csrf"));
    let before = rss_kib();
    let peak = Arc::new(AtomicU64::new(before));
    let sampling = {
        let peak = Arc::clone(&peak);
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let fields = format!("csrf={csrf}&next=&username=alice&password=queen");
    let attempts: Vec<_> = (0..48)
        .map(|_| {
            let request = Request::post("/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", &cookie)
                .body(Full::new(Bytes::from(fields.clone())))
                .unwrap();
            tokio::spawn(send(addr, request))
        })
        .collect();
    for attempt in attempts {
        let status = attempt.await.unwrap().status();
        assert!(status == 401 || status == 503, "{status}");
    }
    sampling.abort();
    let grown = peak.load(Ordering::Relaxed).saturating_sub(before);
    eprintln!("sign-in flood: RSS {before} KiB before, peak {grown} KiB above");
    // argon2 takes 19 MiB per check: two at a time is ~38 MiB; 48 at once
    // would be ~900 MiB.
    assert!(grown < 80 * 1024, "RSS peaked {grown} KiB above where it was");
}
