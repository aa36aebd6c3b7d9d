//! The demo server's pages in a real browser: headless Chromium (Debian's
//! `chromium` and `chromium-driver`) signs in, allows and denies on the
//! consent page and approves a device, and must arrive at the client's
//! redirect URI on another origin (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 `iss`;
//! RFC 8252 §7.3 loopback port; RFC 8628 §3.3). The client is a small HTTP
//! listener on its own 127.0.0.1 port.
//!
//! Without Chromium and chromedriver the test prints `skipped: ...` and
//! passes, unless `QSCOPE_REQUIRE_BROWSER=1` (as `.ci/run` sets), which
//! makes their absence a failure. Screenshots of every page land in
//! `target/browser-screenshots/`.

mod chromium;
mod demo_support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chromium::Chromium;
use demo_support::{Demo, VERIFIER, authorize_path_to, basic, query_value, send, token};
use http::{Request, Response};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;

/// "The client": answers every request on its own 127.0.0.1 port with a
/// small page and remembers the request targets it saw.
struct Callback {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Callback {
    /// Listens on `bind` (port 0: one of the system's choosing), or `None`
    /// when that address is not there.
    async fn start(bind: &str) -> Option<Self> {
        let listener = TcpListener::bind(bind).await.ok()?;
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = Arc::clone(&log);
                let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                    log.lock().unwrap().push(request.uri().to_string());
                    let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                                <title>Client callback</title></head><body>\
                                <h1>The client got the answer</h1></body></html>";
                    let response = Response::builder()
                        .header("content-type", "text/html; charset=utf-8")
                        .body(Full::new(Bytes::from_static(page.as_bytes())))
                        .unwrap();
                    async move { Ok::<_, Infallible>(response) }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Some(Self { addr, seen })
    }

    /// `/callback` on this listener: the demo client's redirect URI
    /// (registered as `http://127.0.0.1/callback`) on this port, since the
    /// port of a loopback redirect URI may vary (RFC 8252 §7.3).
    fn redirect_uri(&self) -> String {
        format!("http://{}/callback", self.addr)
    }

    /// Whether the client received a request for `path_and_query`.
    fn received(&self, path_and_query: &str) -> bool {
        self.seen.lock().unwrap().iter().any(|seen| seen == path_and_query)
    }
}

/// The tools, or `None` after printing why the test is skipped; a failure
/// instead when `QSCOPE_REQUIRE_BROWSER=1`.
fn tools_or_skip() -> Option<chromium::Tools> {
    match chromium::find() {
        Ok(tools) => Some(tools),
        Err(why) if std::env::var("QSCOPE_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("QSCOPE_REQUIRE_BROWSER=1 but {why}")
        }
        Err(why) => {
            println!("skipped: {why}");
            None
        }
    }
}

/// The flows, in the order a person would meet them.
async fn flows(browser: Arc<Chromium>, demo: Arc<Demo>, callback: Arc<Callback>) {
    readme_walkthrough(&browser, &demo).await;
    allow(&browser, &demo, &callback).await;
    deny(&browser, &demo, &callback).await;
    device(&browser, &demo).await;
    ipv6_loopback(&browser, &demo).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_completes_the_consent_and_device_flows() {
    let Some(tools) = tools_or_skip() else {
        return;
    };
    let demo = Arc::new(Demo::start(&[]).await);
    let callback = Arc::new(Callback::start("127.0.0.1:0").await.expect("127.0.0.1"));
    let browser = Arc::new(Chromium::launch(&tools).await);
    // The flows run on a task of their own so that the browser is shut
    // down whatever happens in them; a failure is raised again afterwards.
    let outcome = tokio::spawn(flows(Arc::clone(&browser), demo, callback)).await;
    if let Ok(browser) = Arc::try_unwrap(browser) {
        browser.quit().await;
    }
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// The demo's address as a browser types it.
fn base(demo: &Demo) -> String {
    format!("http://{}", demo.addr())
}

/// Signs in as alice on the login page the browser shows.
async fn sign_in(browser: &Chromium, demo: &Demo, screenshot: &str) {
    browser.arrive(&format!("{}/login?next=", base(demo))).await;
    browser.screenshot(screenshot).await;
    browser.fill("#username", "alice").await;
    browser.fill("#password", "wonderland").await;
    browser.click("button[type=submit]").await;
}

/// The README's browser walk-through, with its very URL (on the test's
/// port): sign in, Allow, and the browser is at
/// `http://127.0.0.1/callback?code=...` (where nothing need listen); the
/// code is good for tokens with the README's verifier.
async fn readme_walkthrough(browser: &Chromium, demo: &Demo) {
    let readme = include_str!("../README.md");
    let written = readme
        .lines()
        .find(|line| line.starts_with("http://127.0.0.1:8080/authorize?"))
        .expect("the README's authorization URL");
    let url = written.replacen("http://127.0.0.1:8080", &base(demo), 1);
    browser.open(&url).await;
    sign_in(browser, demo, "login").await;
    browser.arrive(&format!("{}/consent?request=", base(demo))).await;
    browser.click("button[value=approve]").await;
    let landed = browser.arrive("http://127.0.0.1/callback?code=").await;
    browser.screenshot("landing-readme").await;
    assert_eq!(query_value(&landed, "state").as_deref(), Some("xyz"));
    assert_eq!(query_value(&landed, "iss").as_deref(), Some(demo.running().issuer.as_str()));
    let code = query_value(&landed, "code").unwrap();
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1/callback"),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = token(demo.addr(), &demo.demo_client(), &pairs).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "read");
}

/// Authorization code flow to a client listening on another port (another
/// origin): Allow, and the browser lands on its redirect URI with `code`,
/// `state` and `iss`; the code is good for tokens.
async fn allow(browser: &Chromium, demo: &Demo, callback: &Callback) {
    let client = demo.demo_client();
    let redirect_uri = callback.redirect_uri();
    browser
        .open(&format!("{}{}", base(demo), authorize_path_to(&client.0, &redirect_uri, "xyz")))
        .await;
    // Signed in by the walk-through: straight to consent.
    browser.arrive(&format!("{}/consent?request=", base(demo))).await;
    assert!(browser.text("main").await.contains("qscope demo client"));
    browser.screenshot("consent").await;
    browser.click("button[value=approve]").await;

    let landed = browser.arrive(&format!("{redirect_uri}?")).await;
    browser.screenshot("landing-allow").await;
    assert_eq!(browser.text("h1").await, "The client got the answer");
    assert_eq!(query_value(&landed, "state").as_deref(), Some("xyz"));
    assert_eq!(query_value(&landed, "iss").as_deref(), Some(demo.running().issuer.as_str()));
    let code = query_value(&landed, "code").expect("a code");
    assert!(callback.received(landed.strip_prefix(&format!("http://{}", callback.addr)).unwrap()));

    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = token(demo.addr(), &client, &pairs).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "read write");
}

/// Deny: the browser (still signed in) lands on the redirect URI with
/// `error=access_denied`, `state` and `iss`.
async fn deny(browser: &Chromium, demo: &Demo, callback: &Callback) {
    let client = demo.demo_client();
    let redirect_uri = callback.redirect_uri();
    browser
        .open(&format!("{}{}", base(demo), authorize_path_to(&client.0, &redirect_uri, "s2")))
        .await;
    browser.arrive(&format!("{}/consent?request=", base(demo))).await;
    browser.click("button[value=deny]").await;
    let landed = browser.arrive(&format!("{redirect_uri}?")).await;
    browser.screenshot("landing-deny").await;
    assert_eq!(query_value(&landed, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_value(&landed, "state").as_deref(), Some("s2"));
    assert_eq!(query_value(&landed, "iss").as_deref(), Some(demo.running().issuer.as_str()));
    assert_eq!(query_value(&landed, "code"), None);
}

/// Device flow: device authorization over HTTP; the browser (signed out)
/// opens `verification_uri_complete`, signs in and allows on the same
/// origin; the device's poll gets tokens.
async fn device(browser: &Chromium, demo: &Demo) {
    let client = demo.demo_client();
    let request = Request::post("/device_authorization")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", basic(&client.0, &client.1))
        .body(Full::new(Bytes::from("scope=read")))
        .unwrap();
    let response = send(demo.addr(), request).await;
    assert_eq!(response.status(), 200, "{}", response.body());
    let grant: Value = serde_json::from_str(response.body()).unwrap();
    let complete = grant["verification_uri_complete"].as_str().unwrap();

    browser.client.delete_all_cookies().await.unwrap();
    browser.open(complete).await;
    sign_in(browser, demo, "device-login").await;
    browser.arrive(&format!("{}/device?user_code=", base(demo))).await;
    assert!(browser.text("main").await.contains(grant["user_code"].as_str().unwrap()));
    browser.screenshot("device").await;
    browser.click("button[value=approve]").await;
    // The approval is answered on this server: form-action 'self' suffices.
    browser.arrive_exactly(&format!("{}/device", base(demo))).await;
    assert_eq!(browser.text("h1").await, "Device connected");
    browser.screenshot("device-done").await;

    let pairs = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", grant["device_code"].as_str().unwrap()),
    ];
    let (status, tokens) = token(demo.addr(), &client, &pairs).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "read");
}

/// A native client on the IPv6 loopback (`http://[::1]/callback`, any
/// port): CSP cannot name `http://[::1]:port` in form-action, so Allow
/// answers with a link, and following it the browser arrives with the code.
async fn ipv6_loopback(browser: &Chromium, demo: &Demo) {
    let Some(callback) = Callback::start("[::1]:0").await else {
        println!("skipped the IPv6 loopback flow: this machine has no [::1]");
        return;
    };
    let client = demo.add_client("native", "http://[::1]/callback").await;
    let redirect_uri = callback.redirect_uri();
    let path = authorize_path_to(&client.0, &redirect_uri, "v6");
    browser.open(&format!("{}{path}", base(demo))).await;
    browser.arrive(&format!("{}/consent?request=", base(demo))).await;
    browser.click("button[value=approve]").await;
    browser.shows("Return to the application").await;
    browser.screenshot("link-ipv6").await;
    browser.click("a").await;
    let landed = browser.arrive(&format!("{redirect_uri}?")).await;
    assert_eq!(query_value(&landed, "state").as_deref(), Some("v6"));
    assert_eq!(query_value(&landed, "iss").as_deref(), Some(demo.running().issuer.as_str()));
    assert!(callback.received(landed.strip_prefix(&format!("http://{}", callback.addr)).unwrap()));
    let code = query_value(&landed, "code").expect("a code");
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = token(demo.addr(), &client, &pairs).await;
    assert_eq!(status, 200, "{tokens}");
}
