//! Collecting a request body within the limit, reading no further.

use bytes::Buf;
use http_body::Body;
use http_body_util::BodyExt;

use crate::adapter::kit;

/// A request body collected for the core the way
/// [`OAuthService`](super::OAuthService) does it, for a host that drives
/// an exchange itself.
///
/// The whole body when it is at most `limit` bytes (pass
/// [`Config::max_body_bytes`](crate::Config::max_body_bytes)). A longer
/// body is read no further than its size hint or the frame that crosses
/// the limit, and replaced by the kit's stand-in
/// ([`over_limit_body`](kit::over_limit_body)), so the core answers it
/// exactly as `OAuthService` would (405, 400, or 413 `invalid_request`).
/// `None` when the body fails to arrive: answer
/// [`unreadable_body`](kit::unreadable_body).
///
/// ```
/// use http_body_util::Full;
/// use qscope::adapter::tower::collect_body;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let body = Full::new(bytes::Bytes::from_static(b"grant_type=client_credentials"));
/// assert_eq!(collect_body(body, 64).await.as_deref(), Some(&b"grant_type=client_credentials"[..]));
/// let big = Full::new(bytes::Bytes::from(vec![b'a'; 65]));
/// assert_eq!(collect_body(big, 64).await, Some(vec![0; 65]), "the stand-in");
/// # });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn collect_body<B: Body>(body: B, limit: usize) -> Option<Vec<u8>> {
    match collect_within(body, limit).await {
        Ok(Some(bytes)) => Some(bytes),
        Ok(None) => Some(kit::over_limit_body(limit)),
        Err(()) => None,
    }
}

/// The whole body if it is at most `limit` bytes; `None` as soon as it is
/// known to be longer (from its size hint, before reading anything, or
/// from the frame that crosses the limit); `Err` if it fails to arrive.
pub(super) async fn collect_within<B: Body>(body: B, limit: usize) -> Result<Option<Vec<u8>>, ()> {
    let hint = body.size_hint();
    if usize::try_from(hint.lower()).map_or(true, |lower| lower > limit) {
        return Ok(None);
    }
    let capacity = usize::try_from(hint.lower()).unwrap_or(0);
    let mut collected = Vec::with_capacity(capacity);
    let mut body = std::pin::pin!(body);
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| ())?.into_data() else {
            continue; // trailers carry nothing the core reads
        };
        let mut data = data;
        if collected.len().saturating_add(data.remaining()) > limit {
            return Ok(None);
        }
        while data.has_remaining() {
            let chunk = data.chunk();
            collected.extend_from_slice(chunk);
            let read = chunk.len();
            data.advance(read);
        }
    }
    Ok(Some(collected))
}
