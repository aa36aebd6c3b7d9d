//! A request body that fails after its first frame: a connection lost
//! mid-body. Shared by the tower adapter's tests.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};

/// Sends `first`, then fails with "connection reset".
pub(crate) struct Broken {
    first: &'static [u8],
    sent: bool,
}

impl Broken {
    /// A body whose one good frame is `first`.
    pub(crate) fn after(first: &'static [u8]) -> Self {
        Self { first, sent: false }
    }
}

impl Body for Broken {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if std::mem::replace(&mut self.sent, true) {
            Poll::Ready(Some(Err(std::io::Error::other("connection reset"))))
        } else {
            Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(self.first)))))
        }
    }
}
