//! The adapter kit: the prelude every runtime adapter writes around the
//! core, written once. Feature **`kit`** (the `tower` and `blocking`
//! features turn it on; a hand-written adapter for another framework
//! enables `kit` alone).
//!
//! Per request an adapter
//!
//! 1. makes the request's [`Arrival`]: the [`Context`](crate::Context)
//!    (the wall clock, 32 fresh bytes from the OS CSPRNG, the request id,
//!    the peer address) and the `x-request-id` to answer with. The
//!    incoming [`REQUEST_ID_HEADER`] is honoured when it is 1 to 32 hex
//!    digits or a hyphenated UUID ([`parse_request_id`]), otherwise
//!    replaced by a random 128-bit id, so a client cannot write into logs
//!    or audit records through it;
//! 2. reads the body up to [`Config::max_body_bytes`](crate::Config::max_body_bytes),
//!    handing the core [`over_limit_body`] for a longer one (so the core
//!    answers it, 413 with its audit event) and answering
//!    [`unreadable_body`] (400) for one that fails to arrive;
//! 3. drives the exchange ([`drive`](crate::drive) /
//!    [`drive_async`](crate::drive_async)) inside the panic guard
//!    ([`catch_panic`] / [`CatchPanic`]), so a store bug is a 500 and the
//!    adapter goes on serving;
//! 4. turns the [`Reply`](crate::Reply) into HTTP ([`reply_into_http`] when
//!    it has no login page) and [`tag`]s it with the request id.
//!
//! ```
//! use qscope::adapter::kit::{self, Arrival};
//! use qscope::store::MemoryStore;
//! use qscope::{Config, Server};
//!
//! let server = Server::new(Config::builder("https://as.example.com").build()?);
//! let store = MemoryStore::new();
//! let request = http::Request::get("/.well-known/oauth-authorization-server").body(Vec::new())?;
//! let peer = None; // the socket's peer address, when the adapter knows it
//!
//! let response = match Arrival::of(request.headers(), peer) {
//!     Ok(arrival) => {
//!         let ctx = arrival.context().clone();
//!         let answer = kit::catch_panic(|| {
//!             kit::reply_into_http(qscope::drive(&server, &store, &request, ctx))
//!         });
//!         arrival.tag(answer)
//!     }
//!     Err(_) => kit::tag(kit::entropy_unavailable(), &http::HeaderValue::from_static("0")),
//! };
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers()["x-request-id"].len(), 32);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`tower`](super::tower) (with its interaction hook) and
//! [`blocking`](super::blocking) are built from these pieces.

mod arrival;
mod context;
mod fallback;
mod guard;

pub use arrival::{Arrival, tag};
pub use context::{
    EntropyUnavailable, REQUEST_ID_HEADER, context_for, fresh_request_id, now, parse_request_id,
    response_request_id,
};
pub use fallback::{
    body_too_large, entropy_unavailable, no_login_page, over_limit_body, panicked, reply_into_http,
    unreadable_body,
};
pub use guard::{CatchPanic, catch_panic};
