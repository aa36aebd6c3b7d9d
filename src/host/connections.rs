//! Accepting connections: at most `max_connections` open at once, each
//! with the request deadline, until told to stop; then the requests in
//! flight are finished.
//!
//! At the cap the server stops calling `accept`: further connections wait
//! in the kernel's accept queue (the listen backlog) and are served as
//! slots free up; once the backlog is full, the kernel refuses or drops new
//! ones and clients retry. A slow client therefore holds a slot, and a file
//! descriptor, for at most the request deadline (see `host::handle`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::host::app::serve;
use crate::host::web::App;

/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// File descriptors kept free for everything but client connections (the
/// listener, the database files and their WAL, logs, the runtime).
const RESERVED_DESCRIPTORS: usize = 64;

/// `wanted`, lowered so that connections cannot use up the process's
/// open-file limit (read from `/proc/self/limits`; unchanged where that is
/// not available).
pub(crate) fn fit_to_open_file_limit(wanted: usize) -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits").ok().and_then(|limits| {
        let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
        line.split_whitespace().nth(3)?.parse::<usize>().ok()
    });
    match soft {
        Some(soft) if wanted + RESERVED_DESCRIPTORS > soft => {
            let fitted = soft.saturating_sub(RESERVED_DESCRIPTORS).max(1);
            tracing::warn!(
                wanted,
                fitted,
                open_file_limit = soft,
                "--max-connections lowered to fit the open-file limit"
            );
            fitted
        }
        _ => wanted,
    }
}

/// Serves `listener` until `stop` turns `true`, then waits (at most 30 s)
/// for the connections still open.
pub(crate) async fn accept(
    listener: TcpListener,
    app: Arc<App>,
    max_connections: usize,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(max_connections));
    let header_timeout = app.limits.request_timeout;
    loop {
        let accepted = tokio::select! {
            accepted = next(&listener, &slots) => accepted,
            _ = stop.wait_for(|stopping| *stopping) => break,
        };
        let Some((stream, peer, slot)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let app = Arc::clone(&app);
        let service = service_fn(move |request| serve(Arc::clone(&app), request, peer));
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            // Also bounds how long an idle keep-alive connection is kept.
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("stopped accepting; finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("every connection is closed"),
        () = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("gave up waiting for connections"),
    }
}

/// The next connection once a slot is free; `None` after a failed accept
/// (out of file descriptors, say), which is logged and waited out.
async fn next(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Option<(tokio::net::TcpStream, SocketAddr, tokio::sync::OwnedSemaphorePermit)> {
    let slot = Arc::clone(slots).acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, peer)) => Some((stream, peer, slot)),
        Err(error) => {
            tracing::warn!(%error, "accept failed");
            tokio::time::sleep(Duration::from_millis(50)).await;
            None
        }
    }
}
