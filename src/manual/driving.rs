//! # Driving an exchange
//!
//! [`Server::begin`](crate::Server::begin) turns one HTTP request into a
//! [`Step`](crate::Step). The host loops:
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
//! otherwise, and treats the transaction as not applied. The SQL stores
//! classify lock timeouts, deadlocks, lost connections, a full disk and
//! I/O errors as transient, and report an episode of them once to the
//! host's `StoreEvents` hook rather than once per request.
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
//! second exchange with [`Server::decide`](crate::Server::decide) and
//! drives it like the first ([`drive_step`](crate::drive_step) does). The
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
//! [`Server::verify_bearer`](crate::Server::verify_bearer) is the same loop
//! for a protected resource: a [`BearerStep`](crate::BearerStep) is a
//! denial decided from the request alone or one
//! [`BearerRead`](crate::BearerRead) of the token by hash, whose `resume`
//! gives the [`BearerVerdict`](crate::BearerVerdict). It writes nothing.
//! [`verify_bearer`](crate::verify_bearer) and
//! [`verify_bearer_async`](crate::verify_bearer_async) drive it.
