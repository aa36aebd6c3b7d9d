//! The request deadline for bodies: a request body that has not arrived
//! completely by its deadline fails, wherever it is read (by the core's
//! endpoints or the pages' forms), so a client that announces a body and
//! sends it slowly, or never, holds its connection no longer than that.
//!
//! The deadline is fixed when the headers have arrived; unlike a timeout
//! per read, trickling a byte now and then does not extend it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use http_body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

/// The body did not arrive by its deadline.
#[derive(Debug)]
pub(crate) struct TooLate;

impl fmt::Display for TooLate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the request body did not arrive by its deadline")
    }
}

impl std::error::Error for TooLate {}

/// Why a [`DeadlineBody`] failed.
#[derive(Debug)]
pub(crate) enum BodyError<E> {
    /// The body itself failed (a broken connection, bad chunking).
    Inner(E),
    /// The deadline passed first.
    Late(TooLate),
}

/// `B`, failing with [`BodyError::Late`] once `deadline` has passed.
pub(crate) struct DeadlineBody<B> {
    inner: Pin<Box<B>>,
    deadline: Pin<Box<Sleep>>,
    finished: bool,
}

impl<B> DeadlineBody<B> {
    /// `inner`, due complete by `deadline`.
    pub(crate) fn new(inner: B, deadline: Instant) -> Self {
        let deadline = tokio::time::sleep_until(tokio::time::Instant::from_std(deadline));
        Self { inner: Box::pin(inner), deadline: Box::pin(deadline), finished: false }
    }
}

impl<B: Body> Body for DeadlineBody<B> {
    type Data = B::Data;
    type Error = BodyError<B::Error>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if self.finished {
            return Poll::Ready(None);
        }
        match self.inner.as_mut().poll_frame(cx) {
            Poll::Ready(None) => {
                self.finished = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(frame)) => Poll::Ready(Some(frame.map_err(BodyError::Inner))),
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.finished = true;
                    Poll::Ready(Some(Err(BodyError::Late(TooLate))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.finished || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
