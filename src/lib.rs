//! # qscope — a sans-IO OAuth 2.1 authorization server core
//!
//! qscope is a protocol state machine. An [`http::Request`] goes in; what
//! comes out is a sequence of [`Step`]s: reads the core needs answered,
//! commits that must be made durable, and finally the reply. The core
//! never opens a socket, touches a database, reads the clock or draws
//! randomness: time and entropy arrive in a [`Context`], records arrive as
//! answers. The same core therefore runs under tokio, under a blocking
//! server, inside another framework, under a fuzzer and against RFC test
//! vectors, byte for byte.
//!
//! ## The driving loop
//!
//! ```
//! use qscope::store::{ClientAuthMethod, ClientRecord, GrantType, MemoryStore, Store};
//! use qscope::{ClientSecret, Config, Context, Entropy, Scopes, Server, Step, UnixTime};
//!
//! let server = Server::new(
//!     Config::builder("https://as.example.com")
//!         .scope("reports", "Read reports", false)
//!         .build()?,
//! );
//! let store = MemoryStore::new();
//! let secret = ClientSecret::new("a-long-random-secret-from-ClientSecret-generate");
//! store.insert_client(
//!     ClientRecord::confidential("reporter", secret.hash(), ClientAuthMethod::ClientSecretPost)
//!         .with_grants([GrantType::ClientCredentials])
//!         .with_scopes(Scopes::from_names(["reports"])),
//! );
//!
//! let request = http::Request::post("/token")
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .body(format!(
//!         "grant_type=client_credentials&scope=reports&client_id=reporter&client_secret={}",
//!         secret.expose()
//!     ))?;
//! // The host supplies the time and 32 fresh bytes from its CSPRNG.
//! let ctx = Context::new(UnixTime::from_secs(1_700_000_000), Entropy::from_bytes([7; 32]));
//!
//! let mut step = server.begin(&request, ctx);
//! let response = loop {
//!     step = match step {
//!         Step::Read(read) => {
//!             let answers = store.read(read.queries())?;
//!             read.resume(answers)?
//!         }
//!         Step::Commit(commit) => {
//!             let outcome = store.apply(commit.transaction())?;
//!             commit.resume(outcome)?
//!         }
//!         Step::Respond(respond) => {
//!             // Effects whose failure must not change the answer.
//!             let _ = store.apply(&qscope::store::Transaction::unconditional(respond.best_effort));
//!             // The token endpoint always answers over HTTP; the authorization
//!             // endpoint may end in an `Interaction` for the host instead.
//!             break respond.reply.into_http().ok_or("expected an HTTP reply")?;
//!         }
//!     };
//! };
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers()["cache-control"], "no-store");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`drive`] and [`drive_async`] are this loop, written once, over the
//! [`store::Store`] and [`store::AsyncStore`] traits
//! ([`drive_deferred`] and [`drive_deferred_async`] stop at the
//! [`Respond`] for hosts that write best-effort effects later). Every
//! [`Input`] starts the same way: an HTTP request (`&request`), a
//! [`Decision`], a device prompt or decision, or a bearer check
//! ([`Input::bearer`]), which ends in [`Reply::Access`] or the denial.
//!
//! ## Login and consent
//!
//! The core never renders a page. A valid authorization request ends in a
//! [`Reply::Interaction`]: the host shows its login and consent page from
//! it, and reports the user's [`Decision`] as the [`Input`] of a second
//! exchange, driven like any request, which ends in the redirect to the
//! client.
//!
//! ```
//! use qscope::store::{ClientRecord, GrantType, MemoryStore};
//! use qscope::{Config, Context, Decision, Entropy, Reply, Scopes, Server, UnixTime};
//!
//! let server = Server::new(
//!     Config::builder("https://as.example.com").scope("profile", "See your profile", true).build()?,
//! );
//! let store = MemoryStore::new();
//! store.insert_client(
//!     ClientRecord::public("app")
//!         .with_grants([GrantType::AuthorizationCode])
//!         .with_scopes(Scopes::from_names(["profile"]))
//!         .with_redirect_uris(["https://app.example/cb"]),
//! );
//! let now = UnixTime::from_secs(1_700_000_000);
//! let request = http::Request::get(
//!     "/authorize?response_type=code&client_id=app&state=xyz\
//!      &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
//! )
//! .body(Vec::new())?;
//! let ctx = Context::new(now, Entropy::from_bytes([1; 32]));
//! let Reply::Interaction(interaction) = qscope::drive(&server, &store, &request, ctx) else {
//!     panic!("a valid request asks the host for a decision");
//! };
//! assert_eq!(interaction.scopes[0].description.as_deref(), Some("See your profile"));
//!
//! // ... the host authenticates the user and asks for consent ...
//! let decision = Decision::approve(interaction.handle, "alice", Scopes::from_names(["profile"]));
//! let ctx = Context::new(now, Entropy::from_bytes([2; 32]));
//! let reply = qscope::drive(&server, &store, decision, ctx);
//! let response = reply.into_http().ok_or("a decision ends in HTTP")?;
//! assert_eq!(response.status(), 303);
//! let location = response.headers()["location"].to_str()?;
//! assert!(location.starts_with("https://app.example/cb?code="));
//! assert!(location.ends_with("&state=xyz&iss=https%3A%2F%2Fas.example.com"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Rules of the loop
//!
//! * Every [`Step`] is an owned continuation: `resume` consumes it, so a
//!   step is answered exactly once.
//! * A [`Read`] lists every record it needs at once; the answers must echo
//!   the queries in order, or `resume` returns [`ApiMisuse`].
//! * A [`Commit`]'s [`store::Transaction`] is applied atomically, under its
//!   preconditions, or not at all ([`store::Outcome::Conflict`]). The core
//!   never answers with a token whose commit was not reported applied.
//! * Protocol errors are responses, never a Rust `Err`; [`ApiMisuse`] means
//!   the adapter broke the contract, and carries the 500 to send;
//!   [`ConfigError`] comes only from [`ConfigBuilder::build`].
//! * No exchange takes more than [`MAX_STEPS`] steps.
//!
//! The [`manual`] module holds the longer chapters: the driving and
//! atomicity contracts, embedding in axum / hyper / a blocking server
//! ([`manual::embedding`]), the threat model and the RFC coverage map.
//!
//! ## Features
//!
//! The core has none. `kit` is the adapter prelude
//! (`adapter::kit`: request context, request ids, fallback answers,
//! panic guard); `tower` (`adapter::tower`, with an interaction hook for
//! the login page) and `blocking` (`adapter::blocking`) are the runtime
//! adapters built on it; `sqlite` and `postgres` the SQL stores;
//! `contract-tests` the storage contract suite; `jwt` the JOSE layer and
//! JWT access tokens; `demo` what the demo server uses. A module that
//! needs a feature says so at its top.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod adapter;
pub mod admin;
mod audience;
mod authorization;
mod bearer;
mod client_auth;
mod config;
mod context;
pub mod device;
mod driver;
mod endpoint;
mod error;
mod exchange;
mod form;
mod grant;
#[cfg(feature = "server")]
pub mod host;
pub mod html;
mod input;
#[cfg(feature = "jwt")]
pub mod jose;
pub mod manual;
mod misuse;
mod pkce;
pub mod registration;
mod reply;
pub mod resource;
pub mod response;
mod scope;
mod secret;
mod server;
mod shown_text;
pub mod store;
mod time;

pub use authorization::{Decision, Interaction, InteractionHandle, RequestedScope};
pub use config::{
    BearerPolicy, Config, ConfigBuilder, DEFAULT_JWT_LIFETIME, Endpoints, FifoLimits,
    MAX_CODE_LIFETIME, PkcePolicy, RefreshRotation, ResourceDefinition, ScopeDefinition,
    TokenFormat,
};
pub use config::{DEFAULT_REGISTRATION_GRANTS, RegistrationPolicy};
pub use context::{Context, Entropy, RequestId};
pub use driver::{drive, drive_async, drive_deferred, drive_deferred_async};
pub use error::{ConfigError, ErrorCode};
pub use exchange::{Commit, MAX_STEPS, Read, Step};
pub use input::{HttpRequest, Input};
pub use misuse::{ApiMisuse, MisuseKind};
pub use reply::{Access, Reply, Respond};
pub use scope::{InvalidScope, Scopes};
pub use secret::{ClientSecret, SecretHash, TokenHash};
pub use server::Server;
pub use time::{Seconds, UnixTime};
