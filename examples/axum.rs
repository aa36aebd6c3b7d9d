//! qscope in an axum app: the OAuth endpoints through `OAuthService` as
//! the router's fallback service, a protected route checked with
//! `Input::bearer`, and a minimal consent page as the interaction hook.
//! The manual chapter `qscope::manual::embedding` explains each part.
//!
//! ```text
//! cargo run --features tower --example axum -- --addr 127.0.0.1:8083
//! ```
//!
//! It prints a client secret; then
//! `curl -u reporter:SECRET -d grant_type=client_credentials -d scope=reports http://127.0.0.1:8083/token`
//! gives a token for `curl -H 'authorization: Bearer TOKEN' http://127.0.0.1:8083/reports`,
//! and a browser sent to `/authorize?...` (the public client `web-app`)
//! sees the consent page.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use qscope::adapter::kit::{self, Arrival};
use qscope::adapter::tower::{InteractionHook, OAuthService, PageOutcome, collect_body};
use qscope::store::{ClientAuthMethod, ClientRecord, GrantType, MemoryStore};
use qscope::{ClientSecret, Config, Decision, Input, Interaction, Reply, Scopes, Server};
#[allow(
    clippy::disallowed_types,
    reason = "the example is the host: it draws its client secret and page keys"
)]
use rand_core::{OsRng, TryRngCore};

/// The OAuth service this app mounts: the core over the memory store, with
/// the consent page.
pub(crate) type OAuth = OAuthService<Arc<MemoryStore>, ConsentPage>;

/// The scope the protected route needs.
pub(crate) const REPORTS: &str = "reports";

/// The app: `/reports` (protected), the consent page at `/consent`, and
/// every other path answered by the core (its endpoints by full path,
/// 404 for the rest). The router's state is the OAuth service itself, so
/// the protected route drives the same core over the same store.
pub(crate) fn router(server: Server, store: Arc<MemoryStore>) -> Router {
    let oauth = OAuthService::new(server, store).with_interaction(ConsentPage::default());
    Router::new()
        .route("/reports", get(reports))
        .fallback_service(oauth.clone())
        // Runs for the routes and the fallback alike.
        .layer(middleware::map_request(copy_peer))
        .with_state(oauth)
}

/// The server's configuration for the issuer `issuer`: the authorization
/// code flow (this app mounts a consent page, so the metadata may list the
/// authorization endpoint), client credentials and refresh; no device
/// grant and no registration (the defaults), so the metadata lists only
/// endpoints this app serves.
pub(crate) fn config(issuer: &str) -> Result<Config, qscope::ConfigError> {
    Config::builder(issuer)
        .grants([
            GrantType::AuthorizationCode,
            GrantType::ClientCredentials,
            GrantType::RefreshToken,
        ])
        .scope(REPORTS, "Read your reports", true)
        .build()
}

/// The two demo clients: `reporter` (confidential, client credentials,
/// HTTP Basic with `secret`) and `web-app` (public, code flow with PKCE,
/// redirecting to `redirect_uri`).
pub(crate) fn seed(store: &MemoryStore, secret: &ClientSecret, redirect_uri: &str) {
    store.insert_client(
        ClientRecord::confidential("reporter", secret.hash(), ClientAuthMethod::ClientSecretBasic)
            .with_grants([GrantType::ClientCredentials])
            .with_scopes(Scopes::from_names([REPORTS])),
    );
    store.insert_client(
        ClientRecord::public("web-app")
            .with_grants([GrantType::AuthorizationCode, GrantType::RefreshToken])
            .with_scopes(Scopes::from_names([REPORTS]))
            .with_redirect_uris([redirect_uri]),
    );
}

/// axum puts the peer address in a `ConnectInfo<SocketAddr>` extension
/// (with `into_make_service_with_connect_info`); `OAuthService` and the
/// kit read a plain `SocketAddr`: copy it.
async fn copy_peer(mut request: Request) -> Request {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied()
    {
        request.extensions_mut().insert(peer);
    }
    request
}

/// The protected route: the bearer check is an ordinary exchange, driven
/// over the OAuth service's own store; a denial is the core's RFC 6750
/// challenge, sent as is.
async fn reports(State(oauth): State<OAuth>, request: Request) -> Response {
    let peer = request.extensions().get::<SocketAddr>().map(SocketAddr::ip);
    let Ok(arrival) = Arrival::of(request.headers(), peer) else {
        return answer(kit::entropy_unavailable());
    };
    let (parts, body) = request.into_parts();
    // The body only matters to a policy that accepts form-encoded tokens.
    let limit = oauth.server().config().max_body_bytes();
    let Some(body) = collect_body(body, limit).await else {
        return answer(arrival.tag(kit::unreadable_body()));
    };
    let request = http::Request::from_parts(parts, body);
    let required = Scopes::from_names([REPORTS]);
    let check = Input::bearer(&request, &required);
    let reply =
        qscope::drive_async(oauth.server(), oauth.store(), check, arrival.context().clone());
    let response = match reply.await {
        Reply::Access(access) => {
            let text =
                format!("reports for {}\n", access.subject.as_deref().unwrap_or(&access.client_id));
            let mut response = http::Response::new(text.into_bytes());
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            response
        }
        denied => kit::reply_into_http(denied),
    };
    answer(arrival.tag(response))
}

fn answer(response: http::Response<Vec<u8>>) -> Response {
    response.map(Body::from)
}

/// The consent page. It has no login: whoever consents is `demo-user` (a
/// real page authenticates the user first). Each interaction waits under
/// a random key kept in a `SameSite=Strict` cookie, so only the browser
/// that started the request can decide it (RFC 6749 §10.12) and a form
/// posted from another site carries no key.
#[derive(Default)]
pub(crate) struct ConsentPage {
    waiting: Mutex<HashMap<String, Interaction>>,
}

/// The cookie that names the waiting interaction.
const COOKIE_NAME: &str = "consent";

impl ConsentPage {
    fn take(&self, request: &Parts) -> Option<Interaction> {
        let cookies = request.headers.get(COOKIE)?.to_str().ok()?;
        let key = cookies.split(';').find_map(|c| c.trim().strip_prefix("consent="))?;
        self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key)
    }
}

impl InteractionHook for ConsentPage {
    fn owns(&self, request: &Parts) -> bool {
        request.uri.path() == "/consent"
    }

    async fn render(&self, interaction: Interaction, _request: &Parts) -> http::Response<Vec<u8>> {
        let mut key = [0u8; 16];
        #[allow(clippy::disallowed_types, reason = "the host draws its page keys")]
        if OsRng.try_fill_bytes(&mut key).is_err() {
            return kit::entropy_unavailable();
        }
        let key: String = key.iter().map(|b| format!("{b:02x}")).collect();
        let scopes: String = interaction
            .scopes
            .iter()
            .map(|s| {
                let text = s.description.as_deref().unwrap_or(&s.name);
                format!("<li>{}</li>", qscope::html::escape(text))
            })
            .collect();
        let client = interaction.client_name.as_deref().unwrap_or(&interaction.client_id);
        let page = format!(
            "<!doctype html><title>Allow access?</title>\
             <p>{} asks to:</p><ul>{scopes}</ul>\
             <form method=post action=/consent>\
             <button name=decision value=approve>Allow</button> \
             <button name=decision value=deny>Deny</button></form>",
            qscope::html::escape(client),
        );
        let cookie = format!("{COOKIE_NAME}={key}; Path=/consent; HttpOnly; SameSite=Strict");
        self.waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(key, interaction);
        let mut response = http::Response::new(page.into_bytes());
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            headers.insert(SET_COOKIE, cookie);
        }
        response
    }

    async fn receive(&self, request: http::Request<Vec<u8>>) -> PageOutcome {
        let (parts, body) = request.into_parts();
        if parts.method != http::Method::POST {
            return PageOutcome::Answer(page(StatusCode::METHOD_NOT_ALLOWED, "Use the form."));
        }
        let Some(interaction) = self.take(&parts) else {
            return PageOutcome::Answer(page(StatusCode::FORBIDDEN, "No request waits for you."));
        };
        let handle = interaction.handle.clone();
        PageOutcome::Decision(match body.as_slice() {
            b"decision=approve" => {
                Decision::approve(handle, "demo-user", interaction.requested_scopes())
            }
            _ => Decision::deny(handle),
        })
    }
}

/// A one-line page.
fn page(status: StatusCode, text: &str) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(format!("<!doctype html><p>{text}</p>").into_bytes());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = match (args.next().as_deref(), args.next()) {
        (None, _) => String::from("127.0.0.1:8083"),
        (Some("--addr"), Some(addr)) => addr,
        _ => return Err("usage: axum [--addr HOST:PORT]".into()),
    };
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let store = Arc::new(MemoryStore::new());
    let mut seed_bytes = [0u8; 32];
    #[allow(clippy::disallowed_types, reason = "the example mints the client secret")]
    OsRng.try_fill_bytes(&mut seed_bytes)?;
    let secret = ClientSecret::from_entropy(&seed_bytes);
    seed(&store, &secret, &format!("{base}/callback"));
    let app = router(Server::new(config(&base)?), store);
    println!("metadata:       {base}/.well-known/oauth-authorization-server");
    println!("client secret:  reporter:{}", secret.expose());
    println!(
        "try: curl -u reporter:{} -d grant_type=client_credentials -d scope={REPORTS} {base}/token",
        secret.expose()
    );
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
    Ok(())
}
