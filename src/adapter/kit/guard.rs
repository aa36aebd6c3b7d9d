//! The panic guard: a panic while answering (a store bug, a host
//! callback's bug) becomes a 500 and leaves the adapter serving.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use http::Response;

use super::fallback::panicked;

/// `answer()`, or the 500 of [`panicked`] if it panics. Any body type
/// that can be made from a `Vec<u8>` (`Vec<u8>` itself,
/// `http_body_util::Full<Bytes>`, axum's `Body`).
///
/// The store (and anything else `answer` touches) must itself cope with
/// whatever state the panic left it in; the
/// [`MemoryStore`](crate::store::MemoryStore) does.
///
/// ```
/// use qscope::adapter::kit::catch_panic;
///
/// let response: http::Response<Vec<u8>> = catch_panic(|| panic!("a store bug"));
/// assert_eq!(response.status(), 500);
/// let response = catch_panic(|| http::Response::new(b"fine".to_vec()));
/// assert_eq!(response.body(), b"fine");
/// ```
pub fn catch_panic<B: From<Vec<u8>>>(answer: impl FnOnce() -> Response<B>) -> Response<B> {
    catch_unwind(AssertUnwindSafe(answer)).unwrap_or_else(|_| panicked().map(B::from))
}

/// A future answering a request, guarded: it resolves to the inner
/// future's response, or to the 500 of [`panicked`] if a poll of it
/// panics (it is then dropped and never polled again). `F` may be unsized
/// (`dyn Future<Output = Response<Vec<u8>>> + Send`), so that an adapter
/// can name its response future; the body is any type made from a
/// `Vec<u8>`, as for [`catch_panic`].
///
/// ```
/// use qscope::adapter::kit::CatchPanic;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let guarded = CatchPanic::new(Box::pin(async { panic!("a store bug") }));
/// let response: http::Response<Vec<u8>> = guarded.await;
/// assert_eq!(response.status(), 500);
/// # });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CatchPanic<F: ?Sized> {
    inner: Option<Pin<Box<F>>>,
}

impl<F: ?Sized> CatchPanic<F> {
    /// Guards `future`.
    pub fn new(future: Pin<Box<F>>) -> Self {
        Self { inner: Some(future) }
    }
}

impl<F: ?Sized> std::fmt::Debug for CatchPanic<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatchPanic").field("running", &self.inner.is_some()).finish()
    }
}

impl<F, B> Future for CatchPanic<F>
where
    F: Future<Output = Response<B>> + ?Sized,
    B: From<Vec<u8>>,
{
    type Output = Response<B>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Response<B>> {
        let Some(inner) = self.inner.as_mut() else {
            // Polled after it was ready: a contract breach of the caller's;
            // answer the 500 again rather than panic.
            return Poll::Ready(panicked().map(B::from));
        };
        let polled = catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx)));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(response)) => {
                self.inner = None;
                Poll::Ready(response)
            }
            Err(_panic) => {
                self.inner = None;
                Poll::Ready(panicked().map(B::from))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guarded_future_answers_once_and_then_500() {
        let waker = std::task::Waker::noop();
        let mut cx = TaskContext::from_waker(waker);
        let fine = Box::pin(async { Response::new(Box::<[u8]>::from(&b"fine"[..])) });
        let mut guarded = CatchPanic::new(fine);
        let Poll::Ready(response) = Pin::new(&mut guarded).poll(&mut cx) else {
            panic!("a ready future answers at once");
        };
        assert_eq!(&response.body()[..], b"fine", "any body made from a Vec<u8>");
        let Poll::Ready(again) = Pin::new(&mut guarded).poll(&mut cx) else {
            panic!("a polled-again guard answers at once");
        };
        assert_eq!(again.status(), 500);
    }
}
