//! [`Arrival`]: the context and the answering request id of one request,
//! made in one call.

use std::net::IpAddr;

use http::{HeaderMap, HeaderValue, Response};

use super::context::{EntropyUnavailable, REQUEST_ID_HEADER, context_for, response_request_id};
use crate::Context;

/// A request as it reaches the adapter: the [`Context`] to hand the core
/// (now, fresh entropy, its request id, the peer) and the `x-request-id`
/// value to answer with (the client's own when it was honoured, see
/// [`parse_request_id`](super::parse_request_id)).
///
/// ```
/// use qscope::adapter::kit::Arrival;
///
/// let request = http::Request::get("/token").header("x-request-id", "00ff").body(Vec::<u8>::new())?;
/// let peer: Option<std::net::IpAddr> = "192.0.2.7".parse().ok();
/// let Ok(arrival) = Arrival::of(request.headers(), peer) else {
///     return Ok(()); // answer `kit::entropy_unavailable()` instead
/// };
/// assert_eq!(arrival.context().request_id, qscope::RequestId(0xff));
/// assert_eq!(arrival.context().peer, peer);
///
/// // ... drive the exchange with `arrival.context().clone()` ...
/// let response = arrival.tag(http::Response::new(Vec::<u8>::new()));
/// assert_eq!(response.headers()["x-request-id"], "00ff");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Arrival {
    ctx: Context,
    request_id: HeaderValue,
}

impl Arrival {
    /// The arrival of a request with these `headers` from `peer`: reads
    /// the wall clock, draws entropy and a request id from the OS CSPRNG
    /// (or takes the request's valid `x-request-id`). Fails only when the
    /// OS generator does; answer [`entropy_unavailable`](super::entropy_unavailable).
    pub fn of(headers: &HeaderMap, peer: Option<IpAddr>) -> Result<Self, EntropyUnavailable> {
        let incoming = headers.get(REQUEST_ID_HEADER);
        let ctx = context_for(peer, incoming)?;
        let request_id = response_request_id(incoming, &ctx);
        Ok(Self { ctx, request_id })
    }

    /// The context to drive the request's exchange with.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The `x-request-id` value to answer with.
    pub fn request_id(&self) -> &HeaderValue {
        &self.request_id
    }

    /// The context and the answering request id, apart.
    pub fn into_parts(self) -> (Context, HeaderValue) {
        (self.ctx, self.request_id)
    }

    /// `response` with this request's `x-request-id`.
    pub fn tag<B>(&self, response: Response<B>) -> Response<B> {
        tag(response, &self.request_id)
    }
}

/// `response` with `x-request-id: request_id` (replacing any it had).
pub fn tag<B>(mut response: Response<B>, request_id: &HeaderValue) -> Response<B> {
    response.headers_mut().insert(REQUEST_ID_HEADER, request_id.clone());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arrival_honours_a_valid_id_and_replaces_another() {
        let mut headers = HeaderMap::new();
        headers.insert(
            REQUEST_ID_HEADER,
            HeaderValue::from_static("550e8400-e29b-41d4-a716-446655440000"),
        );
        let arrival = Arrival::of(&headers, None).unwrap();
        assert_eq!(arrival.context().request_id.0, 0x550e8400e29b41d4a716446655440000);
        assert_eq!(arrival.request_id(), "550e8400-e29b-41d4-a716-446655440000");

        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static("not an id"));
        let arrival = Arrival::of(&headers, None).unwrap();
        let (ctx, id) = arrival.clone().into_parts();
        assert_eq!(id.to_str().unwrap(), ctx.request_id.to_string());
        let mut response = Response::new(());
        response.headers_mut().insert(REQUEST_ID_HEADER, HeaderValue::from_static("stale"));
        let response = arrival.tag(response);
        assert_eq!(response.headers().get_all(REQUEST_ID_HEADER).iter().count(), 1);
        assert_eq!(response.headers()[REQUEST_ID_HEADER], id);
    }
}
