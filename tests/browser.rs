//! The server's pages in a real browser: headless Chromium (Debian's
//! `chromium` and `chromium-driver`) signs in (after a failed attempt),
//! allows a subset of the scopes on the consent page, denies, removes an
//! application's access on `/account`, signs out, approves and denies
//! devices, and meets every error page; it must arrive at the client's
//! redirect URI on another origin (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 `iss`;
//! RFC 8252 §7.3 loopback port; RFC 8628 §3.3). The client is a small HTTP
//! listener on its own 127.0.0.1 port.
//!
//! Every page is run through axe-core (no serious or critical violation)
//! and photographed at 375 px and 1,280 px wide into
//! `target/browser-screenshots/NAME-375.png` and `NAME-1280.png`.
//!
//! Without Chromium, chromedriver or axe-core the test prints `skipped:
//! ...` and passes, unless `QSCOPE_REQUIRE_BROWSER=1` (as `.ci/run` sets),
//! which makes their absence a failure.

mod chromium;
mod demo_support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chromium::Chromium;
use chromium::axe::Axe;
use demo_support::{Demo, VERIFIER, authorize_path_to, basic, get, query_value, send, token};
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
fn tools_or_skip() -> Option<(chromium::Tools, Axe)> {
    match chromium::find().and_then(|tools| Ok((tools, Axe::find()?))) {
        Ok(found) => Some(found),
        Err(why) if std::env::var("QSCOPE_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("QSCOPE_REQUIRE_BROWSER=1 but {why}")
        }
        Err(why) => {
            println!("skipped: {why}");
            None
        }
    }
}

/// The configuration the test serves with: `write` is optional on the
/// consent page, and the pages carry a name and a support link.
const CONFIG: &str = r##"
[scopes.read]
description = "Read your data"
default = true

[scopes.write]
description = "Change your data"
optional = true

[branding]
name = "Example Sign-in"
primary_color = "#2454c5"
support_url = "mailto:help@example.com"
"##;

/// The browser, the server, the client and axe, as every flow gets them.
struct World {
    browser: Arc<Chromium>,
    demo: Arc<Demo>,
    callback: Arc<Callback>,
    axe: Axe,
}

impl World {
    /// Opens an authorization request of the demo client with `state`;
    /// the browser, signed in, arrives at the consent page.
    async fn consent_page(&self, state: &str) {
        let client = self.demo.demo_client();
        let path = authorize_path_to(&client.0, &self.callback.redirect_uri(), state);
        self.browser.open(&format!("{}{path}", base(&self.demo))).await;
        self.browser.arrive(&format!("{}/consent?request=", base(&self.demo))).await;
    }

    /// Checks the page the browser shows with axe and photographs it.
    async fn look(&self, name: &str) {
        self.axe.audit(&self.browser, name).await;
        self.browser.screenshots(name).await;
    }
}

/// The flows, in the order a person would meet them.
async fn flows(world: World) {
    home(&world).await;
    readme_walkthrough(&world).await;
    allow_a_subset(&world).await;
    deny(&world).await;
    remove_access(&world).await;
    error_pages(&world).await;
    sign_out(&world).await;
    device(&world).await;
    ipv6_loopback(&world).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_completes_the_consent_and_device_flows() {
    let Some((tools, axe)) = tools_or_skip() else {
        return;
    };
    let config = std::env::temp_dir().join(format!("qscope-browser-{}.toml", std::process::id()));
    std::fs::write(&config, CONFIG).unwrap();
    let demo = Arc::new(Demo::start(&["--config", config.to_str().unwrap()]).await);
    let callback = Arc::new(Callback::start("127.0.0.1:0").await.expect("127.0.0.1"));
    let browser = Arc::new(Chromium::launch(&tools).await);
    // The flows run on a task of their own so that the browser is shut
    // down whatever happens in them; a failure is raised again afterwards.
    let world = World { browser: Arc::clone(&browser), demo, callback, axe };
    let outcome = tokio::spawn(flows(world)).await;
    if let Ok(browser) = Arc::try_unwrap(browser) {
        browser.quit().await;
    }
    let _ = std::fs::remove_file(&config);
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// The demo's address as a browser types it.
fn base(demo: &Demo) -> String {
    format!("http://{}", demo.addr())
}

/// The page at `/`, signed out: what the service is, with a favicon.
async fn home(world: &World) {
    let (browser, demo) = (&world.browser, &world.demo);
    browser.open(&format!("{}/", base(demo))).await;
    browser.shows("Welcome").await;
    assert!(browser.text("header").await.contains("Example Sign-in"));
    assert!(browser.text("footer").await.contains("Get help"));
    world.look("home").await;
    let favicon = send(demo.addr(), get("/favicon.ico")).await;
    assert_eq!(favicon.status(), 200);
    assert_eq!(favicon.headers()["content-type"], "image/svg+xml");
}

/// Signs in as alice on the login page the browser shows.
async fn sign_in(browser: &Chromium) {
    browser.fill("#username", "alice").await;
    browser.fill("#password", "wonderland").await;
    browser.click("button[type=submit]").await;
}

/// The README's browser walk-through, with its very URL (on the test's
/// port): a wrong password first (the page keeps the user name and says
/// nothing of which was wrong), then sign in, Allow, and the browser is at
/// `http://127.0.0.1/callback?code=...` (where nothing need listen); the
/// code is good for tokens with the README's verifier.
async fn readme_walkthrough(world: &World) {
    let (browser, demo) = (&world.browser, &world.demo);
    let readme = include_str!("../README.md");
    let written = readme
        .lines()
        .find(|line| line.starts_with("http://127.0.0.1:8080/authorize?"))
        .expect("the README's authorization URL");
    let url = written.replacen("http://127.0.0.1:8080", &base(demo), 1);
    browser.open(&url).await;
    browser.arrive(&format!("{}/login?next=", base(demo))).await;
    assert!(browser.text("main").await.contains("to continue to qscope demo client"));
    world.look("login").await;
    browser.fill("#username", "alice").await;
    browser.fill("#password", "not-her-password").await;
    browser.click("button[type=submit]").await;
    browser.shows("Sign in").await;
    assert_eq!(browser.text("[role=alert]").await, "Unknown user name or wrong password.");
    let kept = browser.client.find(fantoccini::Locator::Css("#username")).await.unwrap();
    assert_eq!(kept.prop("value").await.unwrap().as_deref(), Some("alice"));
    world.look("login-failed").await;
    browser.fill("#password", "wonderland").await;
    browser.click("button[type=submit]").await;
    browser.arrive(&format!("{}/consent?request=", base(demo))).await;
    browser.click("button[value=approve]").await;
    let landed = browser.arrive("http://127.0.0.1/callback?code=").await;
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
/// origin), asking for `read write`: the consent card names the client, the
/// user and where the browser goes; the user clears the optional `write`,
/// Allows, and the browser lands on the redirect URI with `code`, `state`
/// and `iss`; the tokens carry `read` only.
async fn allow_a_subset(world: &World) {
    let (browser, demo, callback) = (&world.browser, &world.demo, &world.callback);
    let client = demo.demo_client();
    let redirect_uri = callback.redirect_uri();
    // Signed in by the walk-through: straight to consent.
    world.consent_page("xyz").await;
    let card = browser.text("main").await;
    assert!(card.contains("qscope demo client"), "{card}");
    assert!(card.contains("Signed in as alice"), "{card}");
    assert!(card.contains("Not you?"), "{card}");
    assert_eq!(browser.text(".origin").await, format!("http://{}", callback.addr));
    world.look("consent").await;
    browser.click("input[name=scope][value=write]").await;
    browser.screenshots("consent-write-cleared").await;
    browser.click("button[value=approve]").await;

    let landed = browser.arrive(&format!("{redirect_uri}?")).await;
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
    assert_eq!(tokens["scope"], "read", "only what the user kept");
}

/// Deny: the browser (still signed in) lands on the redirect URI with
/// `error=access_denied`, `state` and `iss`.
async fn deny(world: &World) {
    let (browser, demo, callback) = (&world.browser, &world.demo, &world.callback);
    let redirect_uri = callback.redirect_uri();
    world.consent_page("s2").await;
    browser.click("button[value=deny]").await;
    let landed = browser.arrive(&format!("{redirect_uri}?")).await;
    assert_eq!(query_value(&landed, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_value(&landed, "state").as_deref(), Some("s2"));
    assert_eq!(query_value(&landed, "iss").as_deref(), Some(demo.running().issuer.as_str()));
    assert_eq!(query_value(&landed, "code"), None);
}

/// `/account` lists the demo client with its scopes; "Remove access"
/// revokes the grant, and the client's refresh token stops working
/// (`invalid_grant`, RFC 6749 §5.2).
async fn remove_access(world: &World) {
    let (browser, demo, callback) = (&world.browser, &world.demo, &world.callback);
    let client = demo.demo_client();
    let redirect_uri = callback.redirect_uri();
    world.consent_page("s3").await;
    browser.click("button[value=approve]").await;
    let landed = browser.arrive(&format!("{redirect_uri}?")).await;
    let code = query_value(&landed, "code").expect("a code");
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = token(demo.addr(), &client, &pairs).await;
    assert_eq!(status, 200, "{tokens}");
    let refresh = tokens["refresh_token"].as_str().expect("a refresh token").to_owned();

    browser.open(&format!("{}/account", base(demo))).await;
    browser.shows("Your applications").await;
    let listed = browser.text(".grants").await;
    assert!(listed.contains("qscope demo client"), "{listed}");
    assert!(listed.contains("read") && listed.contains("write"), "{listed}");
    assert!(listed.contains("UTC"), "{listed}");
    world.look("account").await;
    browser.click(".grants button").await;
    browser.arrive_exactly(&format!("{}/account?removed=1", base(demo))).await;
    assert!(browser.text("main").await.contains("Access removed"));
    assert!(browser.text("main").await.contains("You have not allowed any application yet."));
    world.look("account-removed").await;

    let pairs = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
    let (status, answer) = token(demo.addr(), &client, &pairs).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"], "invalid_grant");
}

/// Every error page a person can meet, each a page of the server's own.
async fn error_pages(world: &World) {
    let (browser, demo, callback) = (&world.browser, &world.demo, &world.callback);
    let at = |path: &str| format!("{}{path}", base(demo));
    let redirect_uri = callback.redirect_uri();

    browser.open(&at(&authorize_path_to("no-such-client", &redirect_uri, "e1"))).await;
    browser.shows("Unknown application").await;
    world.look("error-unknown-client").await;

    let client = demo.demo_client();
    let elsewhere = "https://evil.example/callback";
    browser.open(&at(&authorize_path_to(&client.0, elsewhere, "e2"))).await;
    browser.shows("This link is not valid").await;
    assert!(
        browser.url().await.starts_with(&at("/authorize?")),
        "never sent to an unregistered URI"
    );
    world.look("error-bad-redirect-uri").await;

    let expired = format!(
        "/authorize?client_id={}&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Agone",
        client.0
    );
    browser.open(&at(&expired)).await;
    browser.shows("This link has expired").await;
    world.look("error-expired-request").await;

    browser.open(&at("/consent?request=not-a-request")).await;
    browser.shows("Request not found").await;
    world.look("error-unknown-request").await;

    // A program asking the same gets the core's JSON.
    let request = Request::get(authorize_path_to("no-such-client", &redirect_uri, "e3"))
        .header("accept", "application/json")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let answer = send(demo.addr(), request).await;
    assert!(answer.headers()["content-type"].to_str().unwrap().starts_with("application/json"));

    // Over the address limit: 429 with when to try again.
    let limited = Demo::start(&["--set", "rate_limits.per_address=1"]).await;
    for _ in 0..20 {
        browser.open(&format!("{}/login", base(&limited))).await;
        if browser.text("h1").await == "Too many requests" {
            break;
        }
    }
    browser.shows("Too many requests").await;
    assert!(browser.text("main").await.contains("You can try again in"));
    world.look("error-rate-limited").await;
}

/// `GET /logout` asks; its button signs out (POST with the CSRF token), and
/// `/account` then asks for a sign-in.
async fn sign_out(world: &World) {
    let (browser, demo) = (&world.browser, &world.demo);
    browser.open(&format!("{}/logout", base(demo))).await;
    browser.shows("Sign out?").await;
    world.look("logout").await;
    browser.click("button.primary").await;
    browser.shows("Signed out").await;
    world.look("signed-out").await;
    browser.open(&format!("{}/account", base(demo))).await;
    browser.arrive(&format!("{}/login?next=%2Faccount", base(demo))).await;
}

/// A device authorization for `read`, over HTTP.
async fn device_grant(demo: &Demo) -> Value {
    let client = demo.demo_client();
    let request = Request::post("/device_authorization")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", basic(&client.0, &client.1))
        .body(Full::new(Bytes::from("scope=read")))
        .unwrap();
    let response = send(demo.addr(), request).await;
    assert_eq!(response.status(), 200, "{}", response.body());
    serde_json::from_str(response.body()).unwrap()
}

/// Device flow: the browser (signed out) opens `/device`, signs in, types
/// the code in lower case without its dash, sees the consent card with
/// the warning, allows; the device's poll gets tokens; the code used again
/// says so. A second device is denied.
async fn device(world: &World) {
    let (browser, demo) = (&world.browser, &world.demo);
    let client = demo.demo_client();
    let grant = device_grant(demo).await;
    let user_code = grant["user_code"].as_str().unwrap().to_owned();

    browser.client.delete_all_cookies().await.unwrap();
    browser.open(&format!("{}/device", base(demo))).await;
    browser.arrive(&format!("{}/login?next=", base(demo))).await;
    assert!(browser.text("main").await.contains("to continue to connect a device"));
    sign_in(browser).await;
    browser.arrive_exactly(&format!("{}/device", base(demo))).await;
    world.look("device-entry").await;
    browser.fill("#user_code", "BCDF-GHJK").await;
    browser.click("button[type=submit]").await;
    browser.shows("Connect a device").await;
    assert!(browser.text("[role=alert]").await.contains("No device is waiting with that code"));
    world.look("device-unknown-code").await;

    let sloppy = user_code.replace('-', "").to_lowercase();
    let field = browser.client.find(fantoccini::Locator::Css("#user_code")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(&sloppy).await.unwrap();
    browser.click("button[type=submit]").await;
    browser.shows("Connect a device?").await;
    let card = browser.text("main").await;
    assert!(card.contains(&user_code), "{card}");
    assert!(card.contains("Only allow a device you started this on yourself."), "{card}");
    world.look("device-confirm").await;
    browser.click("button[value=approve]").await;
    // The approval is answered on this server: form-action 'self' suffices.
    browser.shows("Device connected").await;
    world.look("device-done").await;

    let (status, tokens) = device_token(demo, &client, &grant).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "read");

    browser.open(grant["verification_uri_complete"].as_str().unwrap()).await;
    browser.shows("This code was already used").await;
    world.look("device-used-code").await;

    let second = device_grant(demo).await;
    browser.open(second["verification_uri_complete"].as_str().unwrap()).await;
    browser.shows("Connect a device?").await;
    browser.click("button[value=deny]").await;
    browser.shows("Device not connected").await;
    world.look("device-denied").await;
    let (status, answer) = device_token(demo, &client, &second).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"], "access_denied");
}

/// The token endpoint's answer to polling with `grant`'s device code.
async fn device_token(demo: &Demo, client: &(String, String), grant: &Value) -> (u16, Value) {
    let pairs = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", grant["device_code"].as_str().unwrap()),
    ];
    token(demo.addr(), client, &pairs).await
}

/// A native client on the IPv6 loopback (`http://[::1]/callback`, any
/// port): CSP cannot name `http://[::1]:port` in form-action, so Allow
/// answers with a link, and following it the browser arrives with the code.
async fn ipv6_loopback(world: &World) {
    let (browser, demo) = (&world.browser, &world.demo);
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
    world.look("link-ipv6").await;
    browser.click(".card a").await;
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
