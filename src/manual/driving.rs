//! # Driving an exchange
//!
//! Everything the core is asked is one [`Input`](crate::Input): an HTTP
//! request, the host's [`Decision`](crate::Decision) on an interaction, a
//! device prompt or decision, or a resource server's bearer check.
//! [`Server::begin`](crate::Server::begin) turns it into a
//! [`Step`](crate::Step), and the host loops:
//!
//! | step | the host does | then |
//! |---|---|---|
//! | [`Read`](crate::Read) | fetches every [`Query`](crate::store::Query) in one round trip | [`Read::resume`](crate::Read::resume) with [`Answers`](crate::store::Answers) echoing the queries in order |
//! | [`Commit`](crate::Commit) | applies the [`Transaction`](crate::store::Transaction) atomically | [`Commit::resume`](crate::Commit::resume) with the [`Outcome`](crate::store::Outcome) |
//! | [`Respond`](crate::Respond) | sends the reply, then applies `best_effort` ignoring failures | done |
//!
//! If the store fails, the host calls `fail` on the pending step instead
//! of `resume`; the core answers `temporarily_unavailable` (503, with
//! `Retry-After: 1`) for a transient failure and `server_error` (500)
//! otherwise (or, where the redirect URI is verified, tells the client by
//! redirect), and treats the transaction as not applied. The SQL stores
//! classify lock timeouts, deadlocks, lost connections, a full disk and
//! I/O errors as transient, and report an episode of them once to the
//! host's `StoreEvents` hook rather than once per request. If `resume` returns an
//! [`ApiMisuse`](crate::ApiMisuse) (answers that do not echo the queries,
//! a conflict on a precondition the transaction did not contain), the
//! exchange is over and the misuse carries the 500 to send:
//! [`ApiMisuse::into_respond`](crate::ApiMisuse::into_respond).
//!
//! In debug builds, a [`Read`](crate::Read) or [`Commit`](crate::Commit)
//! dropped without `resume` or `fail` prints a warning to stderr: the
//! exchange never answered.
//!
//! ## The drivers
//!
//! The loop is written once, in two drivers, over the
//! [`Store`](crate::store::Store) and [`AsyncStore`](crate::store::AsyncStore)
//! traits:
//!
//! * [`drive`](crate::drive) and [`drive_async`](crate::drive_async): the
//!   input to its [`Reply`](crate::Reply), best-effort effects applied;
//! * [`drive_deferred`](crate::drive_deferred) and
//!   [`drive_deferred_async`](crate::drive_deferred_async), the one variant:
//!   the [`Respond`](crate::Respond) with its best-effort effects left to a
//!   host that writes them later (in a batch, off the request path).
//!
//! To watch or shape what the driver does (record transactions, inject
//! failures, let another writer win a race), wrap the store: the tests,
//! the fuzzer and `examples/walkthrough.rs` do, rather than loop by hand.
//!
//! ## Inputs
//!
//! The [`Context`](crate::Context) carries `now`, 32 bytes of fresh
//! entropy from a CSPRNG, a request id and the peer address. Given the same
//! request, context and answers, the core produces the same steps and the
//! same bytes: tests, vectors and the fuzzer rely on it. Never reuse
//! entropy across requests: every token is derived from it.
//!
//! ## Bounds
//!
//! Every exchange ends within [`MAX_STEPS`](crate::MAX_STEPS) steps. The
//! token endpoint takes at most: one read, an issuing commit, on conflict a
//! second decision (a grace retry or a clean-up commit), and the reply.
//! The authorization endpoint, the PAR endpoint and a decision take at
//! most three: one read, one commit, and the reply.
//! The revocation endpoint takes one read, at most one commit (the
//! revocation and its audit event, without preconditions) and the reply;
//! the introspection endpoint one read and the reply.
//!
//! ## Interactions
//!
//! A valid authorization request ends in
//! [`Reply::Interaction`](crate::Reply::Interaction) instead of an HTTP
//! response: the host renders its login and consent page, then starts a
//! second exchange with the [`Decision`](crate::Decision) as its input
//! and drives it like the first (`drive(&server, &store, decision, ctx)`).
//! The
//! [`InteractionHandle`](crate::InteractionHandle) is the only thing the
//! host must carry between the two; keep it bound to the user's session.
//!
//! The decision's answer is a 303 to
//! [`Interaction::redirect_uri`](crate::Interaction::redirect_uri), the
//! resolved URI (a loopback one with the port the request named), on the
//! client's origin. Browsers check a page's `Content-Security-Policy:
//! form-action` against the redirect that answers its form too (Chromium
//! blocks it otherwise), so a consent page with such a policy names that
//! origin as well, as the demo server does (`src/host/csp.rs`):
//! `form-action 'self' https://client.example` for a web client, the
//! scheme source `com.example.app:` for a private-use scheme. CSP has no
//! source expression for an IPv6 literal such as `http://[::1]:8080`; the
//! demo answers those decisions with a link to the URI instead.
//!
//! ## Resource servers
//!
//! A bearer check is an ordinary exchange: its input is
//! [`Input::bearer`](crate::Input::bearer) (the request and the scopes the
//! resource needs), it reads the token by hash once, writes nothing, and
//! ends in [`Reply::Access`](crate::Reply::Access) (serve the request as
//! that subject and client) or [`Reply::Http`](crate::Reply::Http) (the
//! RFC 6750 §3 denial to send). A denial decided from the request alone (no
//! or malformed credentials) needs no read. The context's entropy is not
//! used.
//!
//! ```
//! use qscope::store::MemoryStore;
//! use qscope::{Config, Context, Entropy, Input, Reply, Scopes, Server, UnixTime};
//!
//! let server = Server::new(Config::builder("https://as.example.com").build()?);
//! let store = MemoryStore::new();
//! let request = http::Request::get("/api/reports").body(Vec::new())?;
//! let required = Scopes::from_names(["reports"]);
//! let ctx = Context::new(UnixTime::from_secs(1_700_000_000), Entropy::from_bytes([0; 32]));
//! let Reply::Http(denial) = qscope::drive(&server, &store, Input::bearer(&request, &required), ctx)
//! else {
//!     panic!("a request without credentials is denied");
//! };
//! assert_eq!(denial.status(), 401);
//! assert_eq!(denial.headers()["www-authenticate"], "Bearer realm=\"qscope\"");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
