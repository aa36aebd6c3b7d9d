//! # Embedding in axum / hyper / a blocking server
//!
//! The core answers requests; an adapter carries them to it. Pick one:
//!
//! | host | adapter | feature |
//! |---|---|---|
//! | axum, or any tower stack | [`OAuthService`](crate::adapter::tower::OAuthService), a `tower_service::Service` | `tower` |
//! | hyper without a framework | the same service under `hyper::service::service_fn` (`examples/tower_server.rs`) | `tower` |
//! | no async runtime | [`HttpServer`](crate::adapter::blocking::HttpServer), HTTP/1.1 on std threads | `blocking` |
//! | another framework | your own glue from the [`kit`](crate::adapter::kit) and [`drive`](crate::drive) / [`drive_async`](crate::drive_async) | `kit` |
//!
//! All of them make the request's context the same way (the kit's
//! [`Arrival`](crate::adapter::kit::Arrival): the wall clock, 32 bytes from
//! the OS CSPRNG, the `x-request-id`, the peer), answer `x-request-id` on
//! every response, and turn a panic while answering into a 500.
//!
//! ## axum
//!
//! Mount the service as the router's **fallback service**, next to your
//! own routes. `examples/axum.rs` is a complete app (run it with
//! `cargo run --features tower --example axum`), tested by
//! `tests/axum_example.rs`:
//!
//! ```no_run
//! use std::net::SocketAddr;
//! use std::sync::Arc;
//!
//! use axum::extract::{ConnectInfo, Request};
//! use axum::{Router, middleware, routing::get};
//! use qscope::adapter::tower::OAuthService;
//! use qscope::store::{GrantType, MemoryStore};
//! use qscope::{Config, Server};
//!
//! /// axum's `ConnectInfo` is a type qscope cannot see: copy the address.
//! async fn copy_peer(mut request: Request) -> Request {
//!     if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
//!         request.extensions_mut().insert(peer);
//!     }
//!     request
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::builder("https://as.example.com")
//!     // No login page is mounted here: leave the authorization code grant
//!     // off, so the metadata does not list an authorization endpoint.
//!     .grants([GrantType::ClientCredentials])
//!     .build()?;
//! let oauth = OAuthService::new(Server::new(config), Arc::new(MemoryStore::new()));
//! let app = Router::new()
//!     .route("/health", get(|| async { "ok" }))
//!     .fallback_service(oauth)
//!     .layer(middleware::map_request(copy_peer));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! **The service routes by the full path.** The core picks the endpoint
//! from the request's whole path, compared with [`Config::endpoints`]
//! and [`Config::metadata_path`], and the metadata document names the
//! same paths as absolute URLs under the issuer. `fallback_service` (and
//! `route_service` on one exact path) hand the service the path the
//! client sent, so it works. `Router::nest_service("/oauth", oauth)` does
//! not: axum strips `/oauth` before the service sees the request, so a
//! request for `/oauth/token` arrives as `/token`, which either misses the
//! configured `/oauth/token` (404) or, if you configured `/token`, makes
//! the metadata advertise URLs the outer router does not route. To serve
//! under a prefix, put it in [`Endpoints`](crate::Endpoints) (and in the
//! issuer, for a tenant path, which moves the metadata document with it)
//! and still mount with `fallback_service`.
//!
//! **The peer address** reaches the audit events from a plain
//! [`std::net::SocketAddr`] in the request's extensions. axum puts it in
//! `ConnectInfo<SocketAddr>` when served with
//! `into_make_service_with_connect_info::<SocketAddr>()`; the
//! `map_request` above copies it (a layer on the `Router` runs for the
//! fallback too). With hyper, insert the address from `accept` in a
//! `service_fn` (`examples/tower_server.rs`). The blocking server reads it
//! from the socket. Without it, the events carry no peer.
//!
//! **A protected route** checks its bearer token with an ordinary
//! exchange through the same core and store: start it with
//! [`Input::bearer`](crate::Input::bearer) and drive it with
//! [`drive_async`](crate::drive_async); it ends in
//! [`Reply::Access`](crate::Reply::Access) or in
//! [`Reply::Http`](crate::Reply::Http) with the RFC 6750 challenge to
//! send as is. The service's [`server`](crate::adapter::tower::OAuthService::server)
//! and [`store`](crate::adapter::tower::OAuthService::store) make it the
//! natural router state (`reports` in `examples/axum.rs`).
//!
//! ## The login and consent page: the interaction hook
//!
//! A valid authorization request ends in an
//! [`Interaction`](crate::Interaction), which only the host can turn into
//! a page. Give the service an
//! [`InteractionHook`](crate::adapter::tower::InteractionHook) with
//! [`with_interaction`](crate::adapter::tower::OAuthService::with_interaction):
//!
//! 1. `GET /authorize?...` reaches the core, which validates the client,
//!    the redirect URI, PKCE and the scopes, stores the pending request
//!    and replies with the interaction. The service calls the hook's
//!    `render` with it and the request's head (cookies, peer), and sends
//!    the page (with `Cache-Control: no-store` unless the page sets its
//!    own).
//! 2. The page's form posts to a path the hook `owns` (checked before the
//!    core's paths). The service collects the body (413 past
//!    [`Config::max_body_bytes`], 400 if it fails to arrive) and calls
//!    `receive`, which answers the request itself
//!    ([`PageOutcome::Answer`](crate::adapter::tower::PageOutcome::Answer):
//!    a login form, a stale form refused) or reports the user's decision
//!    ([`PageOutcome::Decision`](crate::adapter::tower::PageOutcome::Decision)).
//! 3. The service drives the decision through the core as
//!    [`Input::Decision`](crate::Input::Decision). The core checks the
//!    handle (unknown, used or expired: a direct 400), that the granted
//!    scopes were requested (otherwise `server_error` to the client), and
//!    answers with the 303 to the client carrying `code`, `state` and
//!    `iss`, or `access_denied`. The hook never builds a redirect.
//!
//! The hook's one security duty is to keep the interaction's handle on
//! the server side of the browser's session, so that only the browser
//! that started the request can decide it (RFC 6749 §10.12);
//! `examples/axum.rs` keeps it under a random key in a `SameSite=Strict`
//! cookie. Without a hook ([`NoInteraction`](crate::adapter::tower::NoInteraction)),
//! and in the blocking server, a valid authorization request is answered
//! 501 `server_error` and its pending record expires: disable the
//! authorization code grant there.
//!
//! ## Keeping the metadata to what is mounted
//!
//! The metadata document (RFC 8414, at [`Config::metadata_path`]) is
//! built from the [`Config`] alone. It lists an endpoint exactly when the
//! core serves it:
//!
//! | metadata member | default path | listed when | turn it off with |
//! |---|---|---|---|
//! | `token_endpoint` | `/token` | always | — |
//! | `revocation_endpoint` | `/revoke` | always | — |
//! | `introspection_endpoint` | `/introspect` | always | — |
//! | `authorization_endpoint` | `/authorize` | the authorization code grant is enabled | [`ConfigBuilder::grants`](crate::ConfigBuilder::grants) without `AuthorizationCode` |
//! | `pushed_authorization_request_endpoint` | `/par` | the code grant is enabled and `Endpoints::par` is set | `Endpoints { par: None, .. }` |
//! | `device_authorization_endpoint` | `/device_authorization` | the device code grant is enabled (not by default) | leave `DeviceCode` out of `grants` |
//! | `registration_endpoint` | `/register` | [`RegistrationPolicy`](crate::RegistrationPolicy) is not `Closed` (the default) | `RegistrationPolicy::Closed` |
//! | `jwks_uri` | `/jwks` | the configuration has signing keys (feature `jwt`) | no `ConfigBuilder::signing_keys` |
//!
//! So: mount an interaction hook, or leave the code grant out of
//! `grants`; enable `DeviceCode` only where the host serves the user-code
//! page at `Endpoints::device_verification` (`/device`, which the core
//! names in its answers but never serves: the host's page drives
//! [`Input::device_prompt`](crate::Input::device_prompt) and
//! [`Input::DeviceDecision`](crate::Input::DeviceDecision)). Every path is
//! in [`Endpoints`](crate::Endpoints), with its default.
//!
//! ## Hyper, and a blocking server
//!
//! Under hyper the service is a `service_fn` away; `examples/tower_server.rs`
//! is a complete server and `tests/adapter_tower.rs` serves it over a real
//! socket. The blocking server needs only a store and an address:
//!
//! ```no_run
//! # #[cfg(feature = "blocking")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use qscope::adapter::blocking::HttpServer;
//! use qscope::store::{GrantType, MemoryStore};
//! use qscope::{Config, Server};
//!
//! let config = Config::builder("https://as.example.com")
//!     .grants([GrantType::ClientCredentials]) // it has no login page
//!     .build()?;
//! let running = HttpServer::new(Server::new(config), Arc::new(MemoryStore::new()))
//!     .workers(4)
//!     .bind("127.0.0.1:8081")?;
//! running.wait();
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "blocking"))]
//! # fn main() {}
//! ```
//!
//! ## How it fails
//!
//! Every outcome is an HTTP response with `x-request-id`; the service's
//! error type is `Infallible`.
//!
//! | what happened | answer | from |
//! |---|---|---|
//! | a path no endpoint (nor the hook) serves | 404 | the core |
//! | a body over `max_body_bytes` at an endpoint | 405 / 400 / 413 `invalid_request`, as for the real body, audited | the core, from the kit's stand-in body |
//! | a body over `max_body_bytes` at the hook's page | 413 `invalid_request` | the kit |
//! | a body that fails to arrive | 400 `invalid_request` | the kit |
//! | the OS random generator fails | 503 `temporarily_unavailable`, `x-request-id: 0` | the kit |
//! | a transient store failure (lock timeout, lost connection, full disk) | 503 `temporarily_unavailable`, `Retry-After: 1` | the core |
//! | any other store failure | 500 `server_error` | the core |
//! | a panic in the store, the core or the hook | 500 `server_error` ("internal error"); the service goes on | the kit's panic guard |
//! | a valid authorization request without a hook | 501 `server_error` | the kit |
//! | the blocking server: a bad request head (size, framing, version, time-out) | 400 / 408 / 411 / 431 / 501 / 505 | the blocking adapter |
//!
//! Time-outs for slow clients belong to the server: hyper's
//! `header_read_timeout` or a timeout layer in front of the service; the
//! blocking server's `request_timeout`.
//!
//! [`Config`]: crate::Config
//! [`Config::endpoints`]: crate::Config::endpoints
//! [`Config::metadata_path`]: crate::Config::metadata_path
//! [`Config::max_body_bytes`]: crate::Config::max_body_bytes

// The chapter links the adapters' items, which exist with their features
// (CI builds the docs with `--all-features`).
#![cfg_attr(
    not(all(feature = "tower", feature = "blocking")),
    allow(rustdoc::broken_intra_doc_links, reason = "the adapters it links are feature-gated")
)]
