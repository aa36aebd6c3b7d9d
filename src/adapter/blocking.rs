//! A small HTTP/1.1 server on plain threads, over a blocking [`Store`]: no
//! async runtime.
//!
//! One acceptor thread hands connections to a fixed pool of worker threads
//! through a bounded queue (when it is full, the acceptor waits and the
//! kernel's listen backlog absorbs the rest). A worker reads one request,
//! drives it with [`drive`], writes the answer and closes the connection
//! (`Connection: close`; no keep-alive, so an idle client cannot hold a
//! worker).
//!
//! ```no_run
//! use std::sync::Arc;
//! use qscope::adapter::blocking::HttpServer;
//! use qscope::store::MemoryStore;
//! use qscope::{Config, Server};
//!
//! let server = Server::new(Config::builder("https://as.example.com").build()?);
//! let store = Arc::new(MemoryStore::new());
//! let running = HttpServer::new(server, Arc::clone(&store)).workers(8).bind("127.0.0.1:8081")?;
//! println!("listening on {}", running.local_addr());
//! running.wait(); // or `running.shutdown()` from the thread that owns it
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What it accepts, precisely:
//!
//! * HTTP/1.0 and HTTP/1.1 (others: 505); HTTP/1.1 needs one `Host` (400).
//! * Bodies framed by `Content-Length` only. A chunked body is answered
//!   411 Length Required, another transfer coding 501, `Transfer-Encoding`
//!   together with `Content-Length` 400 (RFC 9112 §6.3). `Expect:
//!   100-continue` is honoured.
//! * A head of at most [`HttpServer::max_head_bytes`] (default 16 KiB) and
//!   64 fields (else 431); a body of at most
//!   [`Config::max_body_bytes`](crate::Config::max_body_bytes). A larger
//!   declared body is not read: the core answers from a stand-in one byte
//!   over its limit (405 / 400 / 413, as for the real body).
//! * The whole request within [`HttpServer::request_timeout`] (default
//!   10 s), however slowly it trickles in; else 408. Each slow client
//!   holds one worker until then (plus up to 1 s spent draining what it
//!   still sends, so that it can read the 408): size the pool for it, or
//!   put a proxy in front of a public server.
//!
//! Every response carries `Date`, `Content-Length`, `Connection: close`
//! and `x-request-id` (see [`context`](super::context)). Store errors are
//! answered by the driver (500 / 503). A panic while driving an exchange
//! (a store bug) is caught in the worker and answered with a 500; the
//! worker lives on.

mod http1;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use std::{fmt, io};

use http::{HeaderValue, Method, Response};

use super::context::{REQUEST_ID_HEADER, context_for, now, response_request_id};
use super::fallback;
use crate::store::Store;
use crate::{Server, drive};

/// How long a worker keeps reading (and discarding) what a client still
/// sends after an answer that left its body unread.
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// A blocking HTTP/1.1 server for the core; configure it, then
/// [`bind`](Self::bind) or [`serve`](Self::serve).
pub struct HttpServer<S> {
    server: Server,
    store: S,
    workers: usize,
    queue: usize,
    request_timeout: Duration,
    max_head_bytes: usize,
}

impl<S> fmt::Debug for HttpServer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpServer")
            .field("workers", &self.workers)
            .field("request_timeout", &self.request_timeout)
            .field("max_head_bytes", &self.max_head_bytes)
            .finish_non_exhaustive()
    }
}

impl<S: Store + Send + Sync + 'static> HttpServer<S> {
    /// A server answering with `server` over `store` (pass an `Arc` to keep
    /// a handle on the store), with 8 workers.
    pub fn new(server: Server, store: S) -> Self {
        Self {
            server,
            store,
            workers: 8,
            queue: 128,
            request_timeout: Duration::from_secs(10),
            max_head_bytes: 16 * 1024,
        }
    }

    /// The number of worker threads (at least 1): at most this many
    /// requests are read and answered at once.
    #[must_use]
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// How many accepted connections may wait for a worker (at least 1).
    #[must_use]
    pub fn queue(mut self, queue: usize) -> Self {
        self.queue = queue.max(1);
        self
    }

    /// The time a client has to send its whole request, and the write
    /// time-out for the answer.
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The largest request head (request line and fields) accepted.
    #[must_use]
    pub fn max_head_bytes(mut self, bytes: usize) -> Self {
        self.max_head_bytes = bytes.max(256);
        self
    }

    /// Binds `addr` and starts serving.
    pub fn bind(self, addr: impl ToSocketAddrs) -> io::Result<ServerHandle> {
        self.serve(TcpListener::bind(addr)?)
    }

    /// Starts serving on `listener`: spawns the workers and the acceptor.
    pub fn serve(self, listener: TcpListener) -> io::Result<ServerHandle> {
        let local_addr = listener.local_addr()?;
        let (sender, receiver) = sync_channel::<TcpStream>(self.queue);
        let receiver = Arc::new(Mutex::new(receiver));
        let shared = Arc::new(Shared {
            server: self.server,
            store: self.store,
            request_timeout: self.request_timeout,
            max_head_bytes: self.max_head_bytes,
        });
        let mut workers = Vec::with_capacity(self.workers);
        for n in 0..self.workers {
            let (shared, receiver) = (Arc::clone(&shared), Arc::clone(&receiver));
            let worker = thread::Builder::new()
                .name(format!("qscope-worker-{n}"))
                .spawn(move || work(&shared, &receiver))?;
            workers.push(worker);
        }
        let stopping = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stopping);
        let acceptor = thread::Builder::new()
            .name("qscope-acceptor".into())
            .spawn(move || accept(&listener, &sender, &flag))?;
        Ok(ServerHandle { local_addr, stopping, acceptor: Some(acceptor), workers })
    }
}

/// A running server. [`shutdown`](Self::shutdown) (or dropping the handle)
/// stops accepting, lets the workers answer every connection already
/// accepted, and joins every thread.
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address the server listens on (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, finishes the connections already accepted, and
    /// returns once every thread has ended.
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Blocks the calling thread for as long as the server runs: for a
    /// server that lives until its process is stopped (accept errors are
    /// waited out, not fatal).
    pub fn wait(mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        self.stop();
    }

    fn stop(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.stopping.store(true, Ordering::SeqCst);
        // The acceptor is blocked in accept(): one connection wakes it, it
        // sees the flag and ends, dropping the queue's sender.
        let _ = TcpStream::connect_timeout(&wake_address(self.local_addr), Duration::from_secs(1));
        let _ = acceptor.join();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where to connect to reach a listener bound to `addr` (a wildcard
/// address is reached through loopback).
fn wake_address(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

struct Shared<S> {
    server: Server,
    store: S,
    request_timeout: Duration,
    max_head_bytes: usize,
}

fn accept(listener: &TcpListener, queue: &SyncSender<TcpStream>, stopping: &AtomicBool) {
    for connection in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        match connection {
            Ok(stream) => {
                if queue.send(stream).is_err() {
                    return;
                }
            }
            // Out of file descriptors, a connection reset before accept:
            // wait a moment rather than spin, then go on.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn work<S: Store>(shared: &Shared<S>, queue: &Mutex<Receiver<TcpStream>>) {
    loop {
        let next = queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).recv();
        match next {
            Ok(stream) => serve_connection(shared, stream),
            Err(_) => return, // the acceptor has ended and the queue is empty
        }
    }
}

/// Reads one request, answers it, closes the connection.
fn serve_connection<S: Store>(shared: &Shared<S>, mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(shared.request_timeout));
    let peer = stream.peer_addr().ok().map(|addr| addr.ip());
    let limits = http1::Limits {
        max_head_bytes: shared.max_head_bytes,
        max_body_bytes: shared.server.config().max_body_bytes(),
        deadline: monotonic_now() + shared.request_timeout,
    };
    let (response, request_id, head_only, body_read) =
        match http1::read_request(&mut stream, limits) {
            Ok(incoming) => {
                let request = incoming.request;
                let incoming_id = request.headers().get(REQUEST_ID_HEADER).cloned();
                let head_only = request.method() == Method::HEAD;
                match context_for(peer, incoming_id.as_ref()) {
                    Ok(ctx) => {
                        let request_id = response_request_id(incoming_id.as_ref(), &ctx);
                        // A panicking store must not take the worker with it.
                        let driven = catch_unwind(AssertUnwindSafe(|| {
                            fallback::reply_into_http(drive(
                                &shared.server,
                                &shared.store,
                                &request,
                                ctx,
                            ))
                        }));
                        let response = driven.unwrap_or_else(|_| fallback::panicked());
                        (response, request_id, head_only, incoming.body_read)
                    }
                    Err(_) => {
                        (fallback::entropy_unavailable(), fresh_id(), head_only, incoming.body_read)
                    }
                }
            }
            Err(http1::Refusal::Closed) => return,
            Err(refusal) => {
                let (status, description) = refusal.status();
                (
                    crate::response::json_error(
                        status,
                        crate::ErrorCode::InvalidRequest,
                        description,
                    ),
                    fresh_id(),
                    false,
                    false,
                )
            }
        };
    let mut response: Response<Vec<u8>> = response;
    response.headers_mut().insert(REQUEST_ID_HEADER, request_id);
    let date = http1::http_date(now().as_secs());
    if http1::write_response(&mut stream, &response, &date, head_only).is_err() {
        return;
    }
    let _ = stream.shutdown(std::net::Shutdown::Write);
    if !body_read {
        http1::drain(&mut stream, DRAIN_TIME, 1 << 20);
    }
}

/// A request id for an answer given before a context existed.
fn fresh_id() -> HeaderValue {
    context_for(None, None)
        .ok()
        .and_then(|ctx| HeaderValue::from_str(&ctx.request_id.to_string()).ok())
        .unwrap_or_else(|| HeaderValue::from_static("0"))
}

/// The monotonic clock, for read deadlines only (never handed to the core).
#[allow(
    clippy::disallowed_methods,
    reason = "the adapter times its own socket reads; the core never sees this clock"
)]
fn monotonic_now() -> Instant {
    Instant::now()
}
