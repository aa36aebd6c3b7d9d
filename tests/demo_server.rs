//! The demo server (`examples/server`) in-process on 127.0.0.1:0 over a
//! temporary SQLite file, driven over real sockets by a hyper client the
//! way a browser and an OAuth client would: the browser flow with PKCE,
//! the device flow, CSRF refusals, escaping, rate limits, seeding,
//! cookies and graceful shutdown; and the admin tool's commands against
//! the running server's database.

use qscope::host::{database as store, form};

mod demo_support;

use std::net::SocketAddr;

use bytes::Bytes;
use demo_support::{
    Demo, VERIFIER, access_token, authorize_path_to, basic, challenge, command, form_body, get,
    post_form, query_value, send, token,
};
use http::{Request, Response};
use http_body_util::Full;
use qscope::adapter::kit::context_for;
use qscope::admin::{Admin, ClientSpec};
use qscope::store::{AsyncStore, Outcome};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A browser: one cookie jar entry (the session), forms posted as
/// browsers post them.
struct Browser {
    addr: SocketAddr,
    cookie: Option<String>,
}

impl Browser {
    fn new(addr: SocketAddr) -> Self {
        Self { addr, cookie: None }
    }

    async fn go(&mut self, request: http::request::Builder, body: String) -> Response<String> {
        let request = match &self.cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        };
        let response = send(self.addr, request.body(Full::new(Bytes::from(body))).unwrap()).await;
        if let Some(set) = response.headers().get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = Some(pair);
        }
        response
    }

    async fn get(&mut self, path: &str) -> Response<String> {
        self.go(Request::get(path), String::new()).await
    }

    async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Response<String> {
        let request =
            Request::post(path).header("content-type", "application/x-www-form-urlencoded");
        self.go(request, form_body(pairs)).await
    }
}

fn location(response: &Response<String>) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The value of the hidden field `name` on a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start =
        page.find(&marker).unwrap_or_else(|| panic!("no field {name} in {page}")) + marker.len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end].replace("&#38;", "&")
}

/// The policy of every page but consent: forms post to this server only.
const FORMS_TO_SELF: &str = "form-action 'self'";

fn assert_page_headers(response: &Response<String>, form_action: &str) {
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        headers["content-security-policy"],
        format!(
            "default-src 'none'; style-src 'self'; img-src 'self'; {form_action}; \
             frame-ancestors 'none'; base-uri 'none'"
        )
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-request-id"].len(), 32);
}

/// Signs `browser` in as alice from the login page at `login` (a
/// `/login?next=...` path); returns where the server sends it next.
async fn sign_in(browser: &mut Browser, login: &str) -> String {
    let page = browser.get(login).await;
    assert_eq!(page.status(), 200);
    assert_page_headers(&page, FORMS_TO_SELF);
    let (csrf, next) = (hidden(page.body(), "csrf"), hidden(page.body(), "next"));
    let before = browser.cookie.clone();
    let response = browser
        .post(
            "/login",
            &[("csrf", &csrf), ("next", &next), ("username", "alice"), ("password", "wonderland")],
        )
        .await;
    assert_eq!(response.status(), 303, "{}", response.body());
    assert_ne!(browser.cookie, before, "signing in issues a new session id");
    location(&response)
}

fn authorize_path(client_id: &str, state: &str) -> String {
    authorize_path_to(client_id, store::DEMO_REDIRECT_URI, state)
}

#[tokio::test]
async fn the_browser_flow_ends_in_tokens_with_pkce() {
    let demo = Demo::start(&[]).await;
    assert_eq!(demo.running().store.describe(), "SQLite");
    let client = demo.demo_client();
    let mut browser = Browser::new(demo.addr());

    // The authorization request waits in a new session; the browser is
    // sent to sign in first.
    let response = browser.get(&authorize_path(&client.0, "xyz")).await;
    assert_eq!(response.status(), 303);
    let login = location(&response);
    assert!(login.starts_with("/login?next=%2Fconsent%3Frequest%3D"), "{login}");
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("qscope-session="));
    assert!(cookie.ends_with("; HttpOnly; SameSite=Lax; Path=/; Max-Age=1800"), "{cookie}");
    let first_session = browser.cookie.clone();

    // A wrong password is refused on the same form.
    let page = browser.get(&login).await;
    assert!(page.body().contains("<label for=\"username\">"));
    assert!(page.body().contains("<label for=\"password\">"));
    let (csrf, next) = (hidden(page.body(), "csrf"), hidden(page.body(), "next"));
    let refused = browser
        .post(
            "/login",
            &[("csrf", &csrf), ("next", &next), ("username", "alice"), ("password", "queen")],
        )
        .await;
    assert_eq!(refused.status(), 401);
    assert!(refused.body().contains("Unknown user name or wrong password."));
    let unknown = browser
        .post(
            "/login",
            &[("csrf", &csrf), ("next", &next), ("username", "bob"), ("password", "queen")],
        )
        .await;
    assert_eq!(unknown.status(), 401);

    let consent_path = sign_in(&mut browser, &login).await;
    assert!(consent_path.starts_with("/consent?request="));

    // The old session id is worthless after sign-in.
    let mut planted = Browser { addr: demo.addr(), cookie: first_session };
    assert_eq!(planted.get(&consent_path).await.status(), 400);

    let consent = browser.get(&consent_path).await;
    assert_eq!(consent.status(), 200);
    // Allow and Deny end in a 303 to the redirect URI's origin, which
    // browsers check against form-action as well.
    assert_page_headers(&consent, "form-action 'self' http://127.0.0.1");
    let body = consent.body();
    assert!(body.contains("<title>Allow access? · qscope</title>"), "{body}");
    assert!(body.contains("<span class=\"name\"><bdi>qscope demo client</bdi></span>"), "{body}");
    assert!(body.contains("<span class=\"origin\"><bdi>http://127.0.0.1</bdi></span>"), "{body}");
    assert!(body.contains("<bdi>http://127.0.0.1/callback</bdi>"), "{body}");
    assert!(body.contains("Read your data</span> <code>read</code>"), "{body}");
    assert!(body.contains("Change your data</span> <code>write</code>"), "{body}");
    assert!(body.contains("<strong>alice</strong>"));
    assert!(body.contains("name=\"decision\" value=\"approve\""));
    assert!(body.contains("name=\"decision\" value=\"deny\""));
    let (csrf, key) = (hidden(body, "csrf"), hidden(body, "request"));

    let approved = browser
        .post("/consent", &[("csrf", &csrf), ("request", &key), ("decision", "approve")])
        .await;
    assert_eq!(approved.status(), 303);
    let redirect = location(&approved);
    assert!(redirect.starts_with("http://127.0.0.1/callback?code="), "{redirect}");
    assert_eq!(query_value(&redirect, "state").as_deref(), Some("xyz"));
    assert_eq!(query_value(&redirect, "iss").unwrap(), demo.running().issuer);
    let code = query_value(&redirect, "code").unwrap();

    // A decision is taken once.
    let again = browser
        .post("/consent", &[("csrf", &csrf), ("request", &key), ("decision", "approve")])
        .await;
    assert_eq!(again.status(), 400);
    assert!(again.body().contains("unknown, was already answered or has expired"));

    // The code needs the PKCE verifier.
    let addr = demo.addr();
    let exchange = |verifier: &'static str| redeem(addr, &client, code.clone(), verifier);
    let (status, body) = exchange("wrong-verifier-wrong-verifier-wrong-verifier-00").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    let (status, tokens) = exchange(VERIFIER).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "read write");
    let refresh = tokens["refresh_token"].as_str().expect("a refresh token").to_owned();
    let (status, refreshed) = token(
        demo.addr(),
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_ne!(refreshed["refresh_token"].as_str().unwrap(), refresh);
    let (status, body) = exchange(VERIFIER).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "codes work once");

    // Signed in, the next request goes straight to consent.
    assert!(!approve_again(&mut browser, &client.0).await.is_empty());
}

/// Redeems `code` with PKCE `verifier`.
async fn redeem(
    addr: SocketAddr,
    client: &(String, String),
    code: String,
    verifier: &str,
) -> (u16, Value) {
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", store::DEMO_REDIRECT_URI),
        ("code_verifier", verifier),
    ];
    token(addr, client, &pairs).await
}

/// A second authorization for the signed-in `browser`, approved; its code.
async fn approve_again(browser: &mut Browser, client_id: &str) -> String {
    let response = browser.get(&authorize_path(client_id, "second")).await;
    assert_eq!(response.status(), 303);
    let consent_path = location(&response);
    assert!(consent_path.starts_with("/consent?request="), "signed in: straight to consent");
    let page = browser.get(&consent_path).await;
    let (csrf, key) = (hidden(page.body(), "csrf"), hidden(page.body(), "request"));
    let approved = browser
        .post("/consent", &[("csrf", &csrf), ("request", &key), ("decision", "approve")])
        .await;
    assert_eq!(approved.status(), 303);
    query_value(&location(&approved), "code").unwrap()
}

#[tokio::test]
async fn denial_sends_access_denied_to_the_client() {
    let demo = Demo::start(&[]).await;
    let client = demo.demo_client();
    let mut browser = Browser::new(demo.addr());
    let response = browser.get(&authorize_path(&client.0, "s1")).await;
    let consent_path = sign_in(&mut browser, &location(&response)).await;
    let page = browser.get(&consent_path).await;
    let (csrf, key) = (hidden(page.body(), "csrf"), hidden(page.body(), "request"));
    let odd = browser
        .post("/consent", &[("csrf", &csrf), ("request", &key), ("decision", "maybe")])
        .await;
    assert_eq!(odd.status(), 400);
    let denied =
        browser.post("/consent", &[("csrf", &csrf), ("request", &key), ("decision", "deny")]).await;
    assert_eq!(denied.status(), 303);
    let redirect = location(&denied);
    assert!(redirect.starts_with("http://127.0.0.1/callback?error=access_denied"), "{redirect}");
    assert_eq!(query_value(&redirect, "state").as_deref(), Some("s1"));
}

#[tokio::test]
async fn the_device_flow_ends_in_tokens() {
    let demo = Demo::start(&[]).await;
    let client = demo.demo_client();
    let authorize = |scope: &'static str| {
        let client = client.clone();
        let addr = demo.addr();
        async move {
            let request = Request::post("/device_authorization")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("authorization", basic(&client.0, &client.1))
                .body(Full::new(Bytes::from(format!("scope={scope}"))))
                .unwrap();
            let response = send(addr, request).await;
            assert_eq!(response.status(), 200, "{}", response.body());
            serde_json::from_str::<Value>(response.body()).unwrap()
        }
    };
    let grant = authorize("read").await;
    let issuer = &demo.running().issuer;
    assert_eq!(grant["verification_uri"], format!("{issuer}/device"));
    let complete = grant["verification_uri_complete"].as_str().unwrap();
    let path = complete.strip_prefix(issuer.as_str()).unwrap();
    assert!(path.starts_with("/device?user_code="));
    let user_code = grant["user_code"].as_str().unwrap();

    // The verification page asks to sign in first and comes back with the code.
    let mut browser = Browser::new(demo.addr());
    let response = browser.get(path).await;
    assert_eq!(response.status(), 303);
    let back = sign_in(&mut browser, &location(&response)).await;
    assert_eq!(query_value(&back, "user_code").as_deref(), Some(user_code));
    let page = browser.get(&back).await;
    assert_eq!(page.status(), 200);
    assert_page_headers(&page, FORMS_TO_SELF);
    assert!(page.body().contains("qscope demo client"));
    assert!(page.body().contains("Read your data</span> <code>read</code>"));
    assert!(!page.body().contains("<code>write</code>"), "only what the device asked for");
    let csrf = hidden(page.body(), "csrf");
    assert_eq!(hidden(page.body(), "user_code").replace('-', ""), user_code.replace('-', ""));

    let approved = browser
        .post("/device", &[("csrf", &csrf), ("user_code", user_code), ("decision", "approve")])
        .await;
    assert_eq!(approved.status(), 200);
    assert!(approved.body().contains("Device connected"));
    let device_code = grant["device_code"].as_str().unwrap();
    let (status, tokens) = token(
        demo.addr(),
        &client,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", device_code),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "read");

    // A used code cannot be decided again; a mistyped one is explained.
    let used = browser
        .post("/device", &[("csrf", &csrf), ("user_code", user_code), ("decision", "approve")])
        .await;
    assert_eq!(used.status(), 400);
    assert!(used.body().contains("This code was already used"), "{}", used.body());
    let typo = browser.get("/device?user_code=BCDF-GHJK").await;
    assert_eq!(typo.status(), 400);
    assert!(typo.body().contains("No device is waiting with that code."));
    let entry = browser.get("/device").await;
    assert!(entry.body().contains("<label for=\"user_code\">Code <span class=\"hint\">"));

    // A denial reaches the polling device as access_denied.
    let second = authorize("read").await;
    let code = second["user_code"].as_str().unwrap();
    let denied = browser
        .post("/device", &[("csrf", &csrf), ("user_code", code), ("decision", "deny")])
        .await;
    assert_eq!(denied.status(), 200);
    assert!(denied.body().contains("Device not connected"));
    let (status, body) = token(
        demo.addr(),
        &client,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", second["device_code"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("access_denied")));
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused() {
    let demo = Demo::start(&[]).await;
    let client = demo.demo_client();
    let mut browser = Browser::new(demo.addr());
    let response = browser.get(&authorize_path(&client.0, "c")).await;
    let login = location(&response);
    let page = browser.get(&login).await;
    let next = hidden(page.body(), "next");
    let credentials = [("username", "alice"), ("password", "wonderland")];

    // Sign-in: no token, a wrong token, no session at all.
    let mut fields = vec![("next", next.as_str())];
    fields.extend(credentials);
    assert_eq!(browser.post("/login", &fields).await.status(), 403);
    let mut wrong = fields.clone();
    wrong.push(("csrf", "not-the-token"));
    let refused = browser.post("/login", &wrong).await;
    assert_eq!(refused.status(), 403);
    assert_page_headers(&refused, FORMS_TO_SELF);
    let csrf = hidden(page.body(), "csrf");
    let mut stranger = Browser::new(demo.addr());
    let mut right = fields.clone();
    right.push(("csrf", &csrf));
    assert_eq!(stranger.post("/login", &right).await.status(), 403, "no session cookie");

    // Consent: a wrong token changes nothing; the right one still works.
    let consent_path = sign_in(&mut browser, &login).await;
    let page = browser.get(&consent_path).await;
    let (csrf, key) = (hidden(page.body(), "csrf"), hidden(page.body(), "request"));
    let forged = browser
        .post("/consent", &[("csrf", "forged"), ("request", &key), ("decision", "approve")])
        .await;
    assert_eq!(forged.status(), 403);
    let missing = browser.post("/consent", &[("request", &key), ("decision", "approve")]).await;
    assert_eq!(missing.status(), 403);
    let mut other = Browser::new(demo.addr());
    let cross = other
        .post("/consent", &[("csrf", &csrf), ("request", &key), ("decision", "approve")])
        .await;
    assert_eq!(cross.status(), 403, "the token is worthless without its session");
    let approved = browser
        .post("/consent", &[("csrf", &csrf), ("request", &key), ("decision", "approve")])
        .await;
    assert_eq!(approved.status(), 303);

    // Device page.
    let forged = browser
        .post("/device", &[("csrf", "forged"), ("user_code", "BCDF-GHJK"), ("decision", "approve")])
        .await;
    assert_eq!(forged.status(), 403);

    // Pages take forms only as forms.
    let request = Request::post("/login").header("content-type", "application/json");
    assert_eq!(browser.go(request, "{}".into()).await.status(), 415);
    assert_eq!(browser.go(Request::put("/consent"), String::new()).await.status(), 405);
}

#[tokio::test]
async fn client_names_are_escaped() {
    let demo = Demo::start(&[]).await;
    let server = demo.running().server();
    let mut spec = ClientSpec::default();
    spec.client_id = Some("evil".into());
    spec.metadata.client_name = Some("<script>alert(\"x\")</script> & co".into());
    spec.metadata.redirect_uris = Some(vec![store::DEMO_REDIRECT_URI.into()]);
    spec.metadata.grant_types = Some(vec!["authorization_code".into()]);
    spec.metadata.scope = Some("read".into());
    let change =
        Admin::new(server).create_client(&spec, &context_for(None, None).unwrap()).unwrap();
    let store = &demo.running().store;
    assert_eq!(AsyncStore::apply(store, &change.transaction).await.unwrap(), Outcome::Applied);

    let mut browser = Browser::new(demo.addr());
    let path = format!(
        "/authorize?response_type=code&client_id=evil&redirect_uri={}&code_challenge={}\
         &code_challenge_method=S256",
        form::encode(store::DEMO_REDIRECT_URI),
        challenge(VERIFIER)
    );
    let response = browser.get(&path).await;
    let consent_path = sign_in(&mut browser, &location(&response)).await;
    let page = browser.get(&consent_path).await;
    assert_eq!(page.status(), 200);
    let body = page.body();
    assert!(
        body.contains("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; co"),
        "{body}"
    );
    assert!(!body.contains("<script>"));
}

#[tokio::test]
async fn client_text_is_isolated_and_kept_out_of_the_title() {
    use qscope::store::{ClientRecord, Effect, GrantType, Transaction};

    let demo = Demo::start(&[]).await;
    // Stored as it is, the way a record from before the registration rule
    // against bidirectional controls (or from another tool) would be: the
    // name shows "Your Bank" with a right-to-left override reversing
    // what follows it.
    let spoof = "Your Bank \u{202E}lacigol\u{202C} \u{2067}x\u{2069}\u{200F}";
    let mut record = ClientRecord::public("bidi\u{202E}id")
        .with_redirect_uris([store::DEMO_REDIRECT_URI])
        .with_grants([GrantType::AuthorizationCode])
        .with_scopes(qscope::Scopes::from_names(["read"]));
    record.name = Some(spoof.into());
    let put = Transaction::unconditional(vec![Effect::PutClient(record)]);
    let store = &demo.running().store;
    assert_eq!(AsyncStore::apply(store, &put).await.unwrap(), Outcome::Applied);

    let mut browser = Browser::new(demo.addr());
    let path = format!(
        "/authorize?response_type=code&client_id={}&redirect_uri={}&code_challenge={}\
         &code_challenge_method=S256",
        form::encode("bidi\u{202E}id"),
        form::encode(store::DEMO_REDIRECT_URI),
        challenge(VERIFIER)
    );
    let response = browser.get(&path).await;
    assert_eq!(response.status(), 303, "{}", response.body());
    let consent_path = sign_in(&mut browser, &location(&response)).await;
    let page = browser.get(&consent_path).await;
    assert_eq!(page.status(), 200);
    let body = page.body();
    assert!(body.contains("<title>Allow access? · qscope</title>"), "{body}");
    assert!(body.contains("<h1>Allow access?</h1>"), "{body}");
    assert!(body.contains("<span class=\"name\"><bdi>Your Bank lacigol x</bdi></span>"), "{body}");
    assert!(body.contains("Client ID <code><bdi>bidiid</bdi></code>"), "{body}");
    let controls = [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}',
    ];
    assert!(!body.contains(controls), "no bidirectional control reaches the page: {body:?}");
}

#[tokio::test]
async fn an_ipv6_loopback_redirect_is_a_link_since_form_action_cannot_name_it() {
    let demo = Demo::start(&[]).await;
    let client = demo.add_client("native", "http://[::1]/cb").await;
    let mut browser = Browser::new(demo.addr());
    let redirect_uri = "http://[::1]:4567/cb";
    let response = browser.get(&authorize_path_to(&client.0, redirect_uri, "v6")).await;
    assert_eq!(response.status(), 303, "{}", response.body());
    let consent_path = sign_in(&mut browser, &location(&response)).await;
    let page = browser.get(&consent_path).await;
    assert_eq!(page.status(), 200);
    // CSP source expressions have no IPv6 literals: forms stay on this server.
    assert_page_headers(&page, FORMS_TO_SELF);
    let (csrf, key) = (hidden(page.body(), "csrf"), hidden(page.body(), "request"));
    let approved = browser
        .post("/consent", &[("csrf", &csrf), ("request", &key), ("decision", "approve")])
        .await;
    // Not a 303 that Chromium would block, but a link the user follows.
    assert_eq!(approved.status(), 200, "{}", approved.body());
    assert_page_headers(&approved, FORMS_TO_SELF);
    assert!(approved.headers().get("location").is_none());
    let body = approved.body();
    assert!(body.contains("<title>Return to the application · qscope</title>"), "{body}");
    let marker = "<a class=\"button primary\" href=\"";
    let start = body.find(marker).expect("a link") + marker.len();
    let href = body[start..start + body[start..].find('"').unwrap()].replace("&#38;", "&");
    assert!(href.starts_with("http://[::1]:4567/cb?code="), "{href}");
    assert_eq!(query_value(&href, "state").as_deref(), Some("v6"));
    assert_eq!(query_value(&href, "iss").unwrap(), demo.running().issuer);
    let code = query_value(&href, "code").unwrap();
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = token(demo.addr(), &client, &pairs).await;
    assert_eq!(status, 200, "{tokens}");
}

#[tokio::test]
async fn token_and_page_endpoints_are_rate_limited_per_ip() {
    let demo = Demo::start(&["--rate-limit", "1"]).await;
    let client = demo.demo_client();
    let metadata = Browser::new(demo.addr()).get("/.well-known/oauth-authorization-server").await;
    assert_eq!(metadata.status(), 200);
    let metadata: Value = serde_json::from_str(metadata.body()).unwrap();
    assert_eq!(
        metadata["device_authorization_endpoint"],
        format!("{}/device_authorization", demo.running().issuer)
    );
    let pairs = [("grant_type", "client_credentials")];
    assert_eq!(token(demo.addr(), &client, &pairs).await.0, 200, "a burst of two");
    let request = Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", basic(&client.0, &client.1))
        .body(Full::new(Bytes::from("grant_type=client_credentials")))
        .unwrap();
    let limited = send(demo.addr(), request).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "1");
    assert_eq!(limited.headers()["cache-control"], "no-store");
    let body: Value = serde_json::from_str(limited.body()).unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    // The same address is limited on the pages and everywhere else
    // (tests/demo_faults.rs has every endpoint).
    assert_eq!(Browser::new(demo.addr()).get("/login").await.status(), 429);
    assert_eq!(Browser::new(demo.addr()).get("/device").await.status(), 429);
    let authorize = Browser::new(demo.addr()).get(&authorize_path(&client.0, "x")).await;
    assert_eq!(authorize.status(), 429);
    let metadata = Browser::new(demo.addr()).get("/.well-known/oauth-authorization-server").await;
    assert_eq!(metadata.status(), 429);
}

#[tokio::test]
async fn the_demo_client_is_created_once_and_registration_follows_the_flag() {
    let mut first = Demo::start(&[]).await;
    first.owns_db = false;
    let db = first.db.clone();
    let closed = send(first.addr(), register_request()).await;
    assert_eq!(closed.status(), 403, "{}", closed.body());
    first.stop().await;
    // The second start reuses the file (and removes it).
    let second = Demo::start_on(db.clone(), &["--open-registration"]).await;
    assert!(second.running().seeded.is_none(), "the database already has clients");
    let open = send(second.addr(), register_request()).await;
    assert_eq!(open.status(), 201, "{}", open.body());
    let registered: Value = serde_json::from_str(open.body()).unwrap();
    assert!(registered["client_secret"].as_str().unwrap().len() >= 43);
}

fn register_request() -> Request<Full<Bytes>> {
    let body = serde_json::json!({
        "redirect_uris": ["http://127.0.0.1/cb"],
        "client_name": "registered",
    });
    Request::post("/register")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

#[tokio::test]
async fn an_https_issuer_gets_secure_host_cookies() {
    let demo = Demo::start(&["--issuer", "https://as.example"]).await;
    let mut browser = Browser::new(demo.addr());
    let page = browser.get("/login").await;
    let cookie = page.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-qscope-login="), "{cookie}");
    assert!(cookie.ends_with("; HttpOnly; SameSite=Lax; Path=/; Max-Age=1800; Secure"), "{cookie}");
    // The browser sends it back and the form's token is the same.
    let again = browser.get("/login").await;
    assert!(again.headers().get("set-cookie").is_some());
    let csrf = hidden(page.body(), "csrf");
    assert_eq!(hidden(again.body(), "csrf"), csrf);
    // Signing in makes the session, its cookie as strict.
    let fields =
        [("csrf", csrf.as_str()), ("next", ""), ("username", "alice"), ("password", "wonderland")];
    let signed_in = browser.post("/login", &fields).await;
    assert_eq!(signed_in.status(), 303);
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-qscope-session="), "{cookie}");
    assert!(cookie.ends_with("; HttpOnly; SameSite=Lax; Path=/; Max-Age=1800; Secure"), "{cookie}");
}

#[tokio::test]
async fn shutdown_finishes_requests_in_flight_then_closes() {
    let mut demo = Demo::start(&[]).await;
    let addr = demo.addr();
    // A request whose body is still arriving when shutdown begins.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let body = "grant_type=client_credentials";
    let head = format!(
        "POST /token HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..5]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let running = demo.running.take().unwrap();
    let stopping = tokio::spawn(running.shutdown());
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(TcpStream::connect(addr).await.is_err(), "no longer accepting");
    assert!(!stopping.is_finished(), "waits for the request in flight");
    stream.write_all(&body.as_bytes()[5..]).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");
    assert!(answer.contains("invalid_client"));
    tokio::time::timeout(std::time::Duration::from_secs(5), stopping).await.unwrap().unwrap();
    demo.stop().await;
}

/// Runs `qscope --db DB ARGV...` on `demo`'s database.
async fn admin(demo: &Demo, argv: &[&str]) -> Result<String, String> {
    let mut full = vec!["qscope", "--db", demo.db.to_str().unwrap()];
    full.extend_from_slice(argv);
    command(full).await
}

/// `NAME=value` from the admin tool's output.
fn assignment(out: &str, name: &str) -> String {
    let prefix = format!("{name}=");
    out.lines().find_map(|line| line.strip_prefix(&prefix)).unwrap().to_owned()
}

#[tokio::test]
async fn the_admin_tool_manages_the_clients_of_a_running_server() {
    let demo = Demo::start(&[]).await;
    let addr = demo.addr();
    let create = [
        "client",
        "create",
        "--id",
        "reporter",
        "--grant",
        "client_credentials",
        "--scope",
        "read",
    ];
    let out = admin(&demo, &create).await.unwrap();
    let client = (assignment(&out, "CLIENT_ID"), assignment(&out, "CLIENT_SECRET"));
    assert_eq!(client.0, "reporter");
    let (status, body) = token(addr, &client, &[("grant_type", "client_credentials")]).await;
    assert_eq!((status, body["scope"].as_str()), (200, Some("read")), "{body}");
    let write = [("grant_type", "client_credentials"), ("scope", "write")];
    assert_eq!(token(addr, &client, &write).await.1["error"], "invalid_scope");
    assert_eq!(admin(&demo, &create).await.unwrap_err(), "a client with this id exists");

    let out =
        admin(&demo, &["client", "update", "reporter", "--scope", "read", "--scope", "write"])
            .await
            .unwrap();
    assert!(out.contains("scope:           read write\n"), "{out}");
    assert_eq!(token(addr, &client, &write).await.0, 200);

    let out = admin(&demo, &["client", "rotate-secret", "reporter"]).await.unwrap();
    let rotated = (client.0.clone(), assignment(&out, "CLIENT_SECRET"));
    assert_ne!(rotated.1, client.1);
    let pairs = [("grant_type", "client_credentials")];
    assert_eq!(token(addr, &client, &pairs).await.1["error"], "invalid_client");
    assert_eq!(token(addr, &rotated, &pairs).await.0, 200);

    let list = admin(&demo, &["client", "list"]).await.unwrap();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(lines[0].starts_with("demo\tconfidential\tgrants=authorization_code,"), "{list}");
    assert_eq!(lines[1], "reporter\tconfidential\tgrants=client_credentials\tscope=read write\t");
    let scopes = admin(&demo, &["scope", "list"]).await.unwrap();
    assert_eq!(scopes, "read\tRead your data (default)\nwrite\tChange your data\n");
    let shown = admin(&demo, &["client", "show", "demo"]).await.unwrap();
    assert!(shown.contains("name:            qscope demo client\n"), "{shown}");
    assert!(shown.contains(&format!("redirect URIs:   {}\n", store::DEMO_REDIRECT_URI)));

    assert_eq!(
        admin(&demo, &["client", "delete", "reporter"]).await.unwrap(),
        "deleted reporter\n"
    );
    assert_eq!(token(addr, &rotated, &pairs).await.1["error"], "invalid_client");
    assert_eq!(
        admin(&demo, &["client", "show", "reporter"]).await.unwrap_err(),
        "no client reporter"
    );
    let bad = admin(&demo, &["client", "create", "--grant", "bogus"]).await.unwrap_err();
    assert_eq!(bad, "invalid_client_metadata: grant_types: bogus is not supported by this server");
    let public =
        admin(&demo, &["client", "create", "--public", "--redirect-uri", "http://127.0.0.1/cb"])
            .await;
    let public = public.unwrap();
    assert!(public.starts_with("CLIENT_ID=") && !public.contains("CLIENT_SECRET"), "{public}");
}

#[tokio::test]
async fn best_effort_audit_events_are_written_in_the_background() {
    use qscope::adapter::sqlite::SqliteStore;
    use qscope::store::AuditAction;

    let mut demo = Demo::start(&[]).await;
    let client = demo.demo_client();
    let wrong = (client.0.clone(), "not-the-secret".to_owned());
    let pairs = [("grant_type", "client_credentials")];
    for _ in 0..3 {
        assert_eq!(token(demo.addr(), &wrong, &pairs).await.0, 401);
    }
    // Shutdown writes whatever is still queued.
    demo.stop().await;
    let store = SqliteStore::open(&demo.db).unwrap();
    let refused: Vec<_> = store
        .audit_events()
        .unwrap()
        .into_iter()
        .filter(|event| event.action == AuditAction::TokenRefused)
        .collect();
    assert_eq!(refused.len(), 3);
    assert!(refused.iter().all(|event| event.peer == Some("127.0.0.1".parse().unwrap())));
}

/// Sessions live in the store: a browser signs in on one server and
/// consents on another server on the same database, with a sign-out that
/// ends the session everywhere.
#[tokio::test]
async fn a_sign_in_on_one_node_and_the_consent_on_another_share_the_session() {
    let node_a = Demo::start(&[]).await;
    let mut node_b = Demo::start_on(node_a.db.clone(), &[]).await;
    node_b.owns_db = false;
    let client = node_a.demo_client();
    let mut browser = Browser::new(node_a.addr());
    let response = browser.get(&authorize_path(&client.0, "two-nodes")).await;
    assert_eq!(response.status(), 303);
    let consent_path = sign_in(&mut browser, &location(&response)).await;

    browser.addr = node_b.addr();
    let consent = browser.get(&consent_path).await;
    assert_eq!(consent.status(), 200, "{}", consent.body());
    assert!(consent.body().contains("<strong>alice</strong>"));
    let (csrf, key) = (hidden(consent.body(), "csrf"), hidden(consent.body(), "request"));
    let approved = browser
        .post("/consent", &[("csrf", &csrf), ("request", &key), ("decision", "approve")])
        .await;
    assert_eq!(approved.status(), 303, "{}", approved.body());
    let code = query_value(&location(&approved), "code").unwrap();
    let (status, tokens) = token(
        node_a.addr(),
        &client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", store::DEMO_REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let introspect = |addr| {
        let client = client.clone();
        let access = access.clone();
        async move {
            let request = Request::post("/introspect")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("authorization", basic(&client.0, &client.1))
                .body(Full::new(Bytes::from(form_body(&[("token", &access)]))))
                .unwrap();
            let response = send(addr, request).await;
            serde_json::from_str::<Value>(response.body()).unwrap()["active"].clone()
        }
    };
    assert_eq!(introspect(node_b.addr()).await, true);

    // The consent is listed, and revoking it ends its tokens.
    let db = node_a.db.to_str().unwrap().to_owned();
    let listed = command(vec!["qscope", "--db", &db, "grant", "list", "--user", "alice"]).await;
    let listed = listed.unwrap();
    let line = listed.lines().next().unwrap_or_default().to_owned();
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields[1..4], ["alice", "demo", "read write"], "{listed}");
    assert_eq!(listed.lines().count(), 1, "{listed}");
    let none = command(vec!["qscope", "--db", &db, "grant", "list", "--client", "other"]).await;
    assert_eq!(none.unwrap(), "");
    let revoked = command(vec!["qscope", "--db", &db, "grant", "revoke", fields[0]]).await;
    assert!(revoked.unwrap().starts_with(&format!("revoked grant {}", fields[0])));
    assert_eq!(introspect(node_a.addr()).await, false, "the access token is inactive");
    let (status, body) = token(
        node_b.addr(),
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    let again = command(vec!["qscope", "--db", &db, "grant", "revoke", fields[0]]).await;
    assert_eq!(again.unwrap_err(), format!("no grant {}", fields[0]));

    // Signing out on node A ends the session on node B too.
    browser.addr = node_a.addr();
    let page = browser.get("/logout").await;
    assert!(page.body().contains("action=\"/logout\""), "{}", page.body());
    let csrf = hidden(page.body(), "csrf");
    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status(), 200);
    browser.addr = node_b.addr();
    let page = browser.get("/login").await;
    assert!(page.body().contains("<label for=\"password\">"), "signed out: {}", page.body());
}

/// The value of the sample `name` (with its labels, as printed) in a
/// Prometheus text exposition; every line must be a comment or a sample.
fn sample(exposition: &str, name: &str) -> Option<f64> {
    let mut found = None;
    for line in exposition.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (key, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("a sample: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
        if key == name {
            found = Some(value);
        }
    }
    found
}

/// The peer of the latest `token_issued` audit event in the database.
fn last_issue_peer(db: &std::path::Path) -> Option<std::net::IpAddr> {
    let store = qscope::adapter::sqlite::SqliteStore::open(db).unwrap();
    let events = store.audit_events().unwrap();
    events.iter().rev().find(|e| e.action == qscope::store::AuditAction::TokenIssued)?.peer
}

#[tokio::test]
async fn health_readiness_and_metrics_move_with_traffic() {
    let demo = Demo::start(&[]).await;
    let addr = demo.addr();
    let health = send(addr, get("/healthz")).await;
    assert_eq!((health.status().as_u16(), health.body().as_str()), (200, "ok\n"));
    let ready = send(addr, get("/readyz")).await;
    assert_eq!((ready.status().as_u16(), ready.body().as_str()), (200, "ready\n"));

    let metrics = || async { send(addr, get("/metrics")).await.body().clone() };
    let issued = "qscope_tokens_issued_total{grant=\"client_credentials\"}";
    let refused = "qscope_refusals_total{error=\"invalid_client\"}";
    let token_200 = "qscope_http_requests_total{endpoint=\"token\",status=\"200\"}";
    let before = metrics().await;
    assert_eq!(sample(&before, issued), None);
    let client = demo.demo_client();
    access_token(addr, &client).await;
    access_token(addr, &client).await;
    let wrong = (client.0.clone(), "wrong".to_owned());
    let refusal =
        send(addr, post_form("/token", "grant_type=client_credentials", Some(&wrong))).await;
    assert_eq!(refusal.status(), 401);
    let after = metrics().await;
    assert_eq!(sample(&after, issued), Some(2.0), "{after}");
    assert_eq!(sample(&after, token_200), Some(2.0), "{after}");
    assert_eq!(sample(&after, refused), Some(1.0), "{after}");
    assert!(after.contains("qscope_store_seconds_bucket{"), "{after}");
    assert!(after.contains("# TYPE qscope_group_commit_batch_size histogram"), "{after}");
    // Every commit went through SQLite's writer: at least the two issues.
    let sqlite_commits = "qscope_group_commit_batch_size_count{writer=\"sqlite\"}";
    assert!(sample(&after, sqlite_commits).is_some_and(|count| count >= 2.0), "{after}");
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let spoofed = || {
        let mut request = post_form("/token", "grant_type=client_credentials", None);
        request.headers_mut().insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        request
    };
    for (extra, expected) in
        [(&[][..], "127.0.0.1"), (&["--trusted-proxy", "127.0.0.1/32"][..], "203.0.113.9")]
    {
        let demo = Demo::start(extra).await;
        let client = demo.demo_client();
        let mut request = spoofed();
        request.headers_mut().insert("authorization", basic(&client.0, &client.1).parse().unwrap());
        let response = send(demo.addr(), request).await;
        assert_eq!(response.status(), 200, "{}", response.body());
        let peer = last_issue_peer(&demo.db).map(|peer| peer.to_string());
        assert_eq!(peer.as_deref(), Some(expected), "with {extra:?}");
    }
}

/// Approves the consent page at `consent_path`; the code.
async fn approve(browser: &mut Browser, consent_path: &str) -> String {
    let consent = browser.get(consent_path).await;
    assert_eq!(consent.status(), 200, "{}", consent.body());
    let (csrf, key) = (hidden(consent.body(), "csrf"), hidden(consent.body(), "request"));
    let approved = browser
        .post("/consent", &[("csrf", &csrf), ("request", &key), ("decision", "approve")])
        .await;
    assert_eq!(approved.status(), 303, "{}", approved.body());
    query_value(&location(&approved), "code").unwrap()
}

/// Disabling a user ends their sessions at once (a signed-in browser is
/// sent to sign in again, and a consent page it still holds approves
/// nothing) and revokes their grants; deleting does the same; each change
/// is in the audit trail.
#[tokio::test]
async fn disabling_or_deleting_a_user_ends_their_sessions_and_revokes_their_grants() {
    use qscope::adapter::sqlite::SqliteStore;
    use qscope::store::AuditAction;

    let mut demo = Demo::start(&[]).await;
    let db = demo.db.to_str().unwrap().to_owned();
    let client = demo.demo_client();
    let mut browser = Browser::new(demo.addr());
    let response = browser.get(&authorize_path(&client.0, "one")).await;
    let consent_path = sign_in(&mut browser, &location(&response)).await;
    let code = approve(&mut browser, &consent_path).await;
    let redeem = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", store::DEMO_REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = token(demo.addr(), &client, &redeem).await;
    assert_eq!(status, 200, "{tokens}");
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    // A second authorization goes straight to consent: alice is signed in.
    let response = browser.get(&authorize_path(&client.0, "two")).await;
    let held = location(&response);
    assert!(held.starts_with("/consent?request="), "{held}");
    let held_page = browser.get(&held).await;
    assert_eq!(held_page.status(), 200);

    let out = command(vec!["qscope", "--db", &db, "user", "disable", "alice"]).await;
    assert_eq!(out.unwrap(), "disabled user alice; revoked 1 grant\n");

    // The consent page the browser still holds approves nothing now.
    let (csrf, key) = (hidden(held_page.body(), "csrf"), hidden(held_page.body(), "request"));
    let late = browser
        .post("/consent", &[("csrf", &csrf), ("request", &key), ("decision", "approve")])
        .await;
    let sent_to = late.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    assert!(
        !sent_to.as_deref().unwrap_or_default().contains("code="),
        "a disabled user's session approved: {} {sent_to:?}",
        late.status()
    );
    let response = browser.get(&authorize_path(&client.0, "three")).await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/login?"), "{}", location(&response));
    let refreshed = token(
        demo.addr(),
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!((refreshed.0, refreshed.1["error"].as_str()), (400, Some("invalid_grant")));
    let listed = command(vec!["qscope", "--db", &db, "grant", "list", "--user", "alice"]).await;
    assert_eq!(listed.unwrap(), "");

    let out = command(vec!["qscope", "--db", &db, "user", "enable", "alice"]).await;
    assert_eq!(out.unwrap(), "enabled user alice\n");
    let response = browser.get(&authorize_path(&client.0, "four")).await;
    let consent_path = sign_in(&mut browser, &location(&response)).await;
    approve(&mut browser, &consent_path).await;
    let out = command(vec!["qscope", "--db", &db, "user", "delete", "alice"]).await;
    assert_eq!(out.unwrap(), "deleted user alice; revoked 1 grant\n");
    let response = browser.get(&authorize_path(&client.0, "five")).await;
    assert!(location(&response).starts_with("/login?"), "{}", location(&response));

    demo.stop().await;
    let store = SqliteStore::open(&demo.db).unwrap();
    let actions: Vec<AuditAction> = store
        .audit_events()
        .unwrap()
        .into_iter()
        .filter(|event| event.subject.as_deref() == Some("alice"))
        .map(|event| event.action)
        .filter(|action| {
            action.as_str().starts_with("user_") || *action == AuditAction::GrantRevoked
        })
        .collect();
    assert_eq!(
        actions,
        [
            AuditAction::UserDisabled,
            AuditAction::GrantRevoked,
            AuditAction::UserEnabled,
            AuditAction::UserDeleted,
            AuditAction::GrantRevoked,
        ]
    );
}
