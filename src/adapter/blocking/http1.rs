//! Just enough HTTP/1.1 for one request per connection: a head parsed by
//! `httparse`, a `Content-Length` body, a response with `Connection:
//! close`.
//!
//! Every read is bounded in size and in time: the head by
//! `max_head_bytes`, the body by the core's body limit, and the whole
//! request by one deadline (a client trickling a byte at a time gains
//! nothing: the deadline is not renewed by progress).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use http::header::{CONNECTION, CONTENT_LENGTH, EXPECT, HOST, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Version};

/// The most header fields a request may carry.
const MAX_HEADERS: usize = 64;

/// How a request may not be read; each is answered with its status.
#[derive(Debug)]
pub(super) enum Refusal {
    /// The connection closed before a single byte arrived: nothing to answer.
    Closed,
    /// 400: the head or body is not valid HTTP/1.1.
    Malformed(&'static str),
    /// 408: the request did not arrive before the deadline.
    Timeout,
    /// 411: a chunked body; this server needs `Content-Length`.
    LengthRequired,
    /// 431: the head is larger than the limit, or has too many fields.
    HeadTooLarge,
    /// 501: a transfer coding this server does not implement.
    UnknownTransferCoding,
    /// 505: not HTTP/1.0 or HTTP/1.1.
    Version,
}

impl Refusal {
    /// The status and the `error_description` of the answer.
    pub(super) fn status(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Closed => (StatusCode::BAD_REQUEST, "connection closed"),
            Self::Malformed(why) => (StatusCode::BAD_REQUEST, why),
            Self::Timeout => (StatusCode::REQUEST_TIMEOUT, "the request did not arrive in time"),
            Self::LengthRequired => (
                StatusCode::LENGTH_REQUIRED,
                "chunked bodies are not accepted; send Content-Length",
            ),
            Self::HeadTooLarge => {
                (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "the request head is too large")
            }
            Self::UnknownTransferCoding => {
                (StatusCode::NOT_IMPLEMENTED, "the transfer coding is not supported")
            }
            Self::Version => {
                (StatusCode::HTTP_VERSION_NOT_SUPPORTED, "only HTTP/1.0 and HTTP/1.1 are served")
            }
        }
    }
}

/// Size and time bounds for reading one request.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    pub(super) max_head_bytes: usize,
    pub(super) max_body_bytes: usize,
    pub(super) deadline: Instant,
}

/// A request as read from the wire.
#[derive(Debug)]
pub(super) struct Incoming {
    /// The request, with its body (or the stand-in for an oversize body).
    pub(super) request: Request<Vec<u8>>,
    /// Whether the body was read to its end; if not, the connection must
    /// be drained before it is closed, or the client may lose the answer.
    pub(super) body_read: bool,
}

/// Reads one request from `stream` within `limits`.
pub(super) fn read_request(stream: &mut TcpStream, limits: Limits) -> Result<Incoming, Refusal> {
    let mut buf = Vec::with_capacity(1024);
    let (head, head_len) = loop {
        if read_more(stream, &mut buf, limits.deadline)? == 0 {
            return Err(if buf.is_empty() {
                Refusal::Closed
            } else {
                Refusal::Malformed("the connection closed inside the request head")
            });
        }
        match parse_head(&buf)? {
            Some(parsed) => break parsed,
            None if buf.len() >= limits.max_head_bytes => return Err(Refusal::HeadTooLarge),
            None => {}
        }
    };
    if head_len > limits.max_head_bytes {
        return Err(Refusal::HeadTooLarge);
    }
    let length = body_length(&head)?;
    if length > limits.max_body_bytes {
        // Not read: the core answers from a stand-in (see the kit).
        let body = super::super::kit::over_limit_body(limits.max_body_bytes);
        return Ok(Incoming { request: head.map(|()| body), body_read: false });
    }
    let mut body = buf.split_off(head_len);
    if body.len() < length && expects_continue(&head) {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|_| Refusal::Malformed("the connection failed"))?;
    }
    while body.len() < length {
        if read_more(stream, &mut body, limits.deadline)? == 0 {
            return Err(Refusal::Malformed("the connection closed inside the request body"));
        }
    }
    // Bytes past the body (a pipelined request) are ignored: the
    // connection closes after this response.
    body.truncate(length);
    Ok(Incoming { request: head.map(|()| body), body_read: true })
}

/// Reads what is available into `buf`, waiting no later than `deadline`.
fn read_more(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    deadline: Instant,
) -> Result<usize, Refusal> {
    let remaining = deadline.saturating_duration_since(super::monotonic_now());
    if remaining.is_zero() {
        return Err(Refusal::Timeout);
    }
    stream.set_read_timeout(Some(remaining)).map_err(|_| Refusal::Timeout)?;
    let mut chunk = [0u8; 4096];
    loop {
        return match stream.read(&mut chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                Err(Refusal::Timeout)
            }
            Err(_) => Err(Refusal::Malformed("the connection failed")),
        };
    }
}

/// The request head, once `buf` holds all of it, and its length in bytes.
fn parse_head(buf: &[u8]) -> Result<Option<(Request<()>, usize)>, Refusal> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut fields);
    let head_len = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Refusal::HeadTooLarge),
        Err(httparse::Error::Version) => return Err(Refusal::Version),
        Err(_) => return Err(Refusal::Malformed("the request head is not valid HTTP/1.1")),
    };
    let malformed = |why| Refusal::Malformed(why);
    let method = Method::from_bytes(parsed.method.unwrap_or_default().as_bytes())
        .map_err(|_| malformed("invalid method"))?;
    let version = if parsed.version == Some(0) { Version::HTTP_10 } else { Version::HTTP_11 };
    let mut request = Request::builder()
        .method(method)
        .uri(parsed.path.unwrap_or_default())
        .version(version)
        .body(())
        .map_err(|_| malformed("invalid request target"))?;
    let headers = request.headers_mut();
    for field in parsed.headers.iter() {
        let name = HeaderName::from_bytes(field.name.as_bytes())
            .map_err(|_| malformed("invalid header"))?;
        let value =
            HeaderValue::from_bytes(field.value).map_err(|_| malformed("invalid header"))?;
        headers.append(name, value);
    }
    // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request
    // without exactly one Host field.
    if version == Version::HTTP_11 && headers.get_all(HOST).iter().count() != 1 {
        return Err(malformed("HTTP/1.1 requires exactly one Host header"));
    }
    Ok(Some((request, head_len)))
}

/// The body length the head declares (RFC 9112 §6.3).
fn body_length(head: &Request<()>) -> Result<usize, Refusal> {
    let headers = head.headers();
    if headers.contains_key(TRANSFER_ENCODING) {
        if headers.contains_key(CONTENT_LENGTH) {
            // §6.3 item 3: a likely smuggling attempt; refuse and close.
            return Err(Refusal::Malformed("both Transfer-Encoding and Content-Length"));
        }
        let codings = headers.get_all(TRANSFER_ENCODING).iter();
        let last = codings.filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).last();
        return Err(match last.map(str::trim) {
            Some(coding) if coding.eq_ignore_ascii_case("chunked") => Refusal::LengthRequired,
            _ => Refusal::UnknownTransferCoding,
        });
    }
    let mut lengths = headers.get_all(CONTENT_LENGTH).iter();
    let Some(first) = lengths.next() else {
        return Ok(0); // §6.3 item 7: no framing fields, no body
    };
    let parse = |value: &HeaderValue| -> Result<usize, Refusal> {
        let text = value.to_str().map_err(|_| Refusal::Malformed("invalid Content-Length"))?;
        // Only digits (no sign, no spaces): `usize::from_str` would take "+5".
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Refusal::Malformed("invalid Content-Length"));
        }
        // Too many digits for usize: certainly over any body limit.
        Ok(text.parse().unwrap_or(usize::MAX))
    };
    let length = parse(first)?;
    for other in lengths {
        if parse(other)? != length {
            return Err(Refusal::Malformed("conflicting Content-Length values"));
        }
    }
    Ok(length)
}

fn expects_continue(head: &Request<()>) -> bool {
    head.version() == Version::HTTP_11
        && head
            .headers()
            .get(EXPECT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
}

/// Writes `response` as HTTP/1.1 with `Content-Length`, `Date` and
/// `Connection: close`; no body for a `HEAD` request.
pub(super) fn write_response(
    stream: &mut TcpStream,
    response: &Response<Vec<u8>>,
    date: &str,
    head_only: bool,
) -> io::Result<()> {
    let status = response.status();
    let mut out = Vec::with_capacity(256 + response.body().len());
    let reason = status.canonical_reason().unwrap_or("");
    write!(out, "HTTP/1.1 {} {reason}\r\n", status.as_u16())?;
    write!(out, "date: {date}\r\ncontent-length: {}\r\n", response.body().len())?;
    out.extend_from_slice(b"connection: close\r\n");
    write_fields(&mut out, response.headers());
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(response.body());
    }
    stream.write_all(&out)?;
    stream.flush()
}

fn write_fields(out: &mut Vec<u8>, headers: &HeaderMap) {
    for (name, value) in headers {
        if name == CONTENT_LENGTH || name == CONNECTION || name == http::header::DATE {
            continue; // written above, from the facts
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// After the answer: reads and discards what the client still sends, for
/// at most `time` and `max_bytes`, so that closing a socket with unread
/// data (which sends a TCP reset) does not destroy the answer before the
/// client has read it.
pub(super) fn drain(stream: &mut TcpStream, time: Duration, max_bytes: usize) {
    let deadline = super::monotonic_now() + time;
    let mut discarded = 0;
    let mut chunk = [0u8; 8192];
    while discarded < max_bytes {
        let remaining = deadline.saturating_duration_since(super::monotonic_now());
        if remaining.is_zero() || stream.set_read_timeout(Some(remaining)).is_err() {
            return;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => discarded += n,
        }
    }
}

/// `secs` since the epoch as an IMF-fixdate (RFC 9110 §5.6.7), e.g.
/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(super) fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = secs / 86_400;
    let of_day = secs % 86_400;
    // Civil date from days since 1970-01-01 (the proleptic Gregorian
    // calendar in 400-year eras of 146,097 days, starting in March).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_imf_fixdates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // RFC 9110 §5.6.7's example.
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(http_date(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT");
        assert_eq!(http_date(4_107_542_399), "Sun, 28 Feb 2100 23:59:59 GMT");
    }

    fn head(text: &str) -> Result<Option<(Request<()>, usize)>, Refusal> {
        parse_head(text.as_bytes())
    }

    fn length(text: &str) -> Result<usize, Refusal> {
        let (request, _) = head(text).unwrap().unwrap();
        body_length(&request)
    }

    #[test]
    fn parses_heads_and_framing() {
        assert!(head("POST /token HTTP/1.1\r\nHost: a\r\n").unwrap().is_none(), "partial");
        let (request, len) =
            head("POST /token?x=1 HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\nbody").unwrap().unwrap();
        assert_eq!(len, 43);
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri().path(), "/token");
        assert_eq!(request.headers()["x"], "1");
        assert!(matches!(head("POST /token HTTP/1.1\r\n\r\n"), Err(Refusal::Malformed(_))));
        assert!(matches!(head("GET / HTTP/1.0\r\n\r\n"), Ok(Some(_))), "1.0 needs no Host");
        assert!(matches!(head("GET / HTTP/2.0\r\n\r\n"), Err(Refusal::Version)));
        assert!(matches!(head("GARBAGE\r\n\r\n"), Err(Refusal::Malformed(_))));

        let h = "POST / HTTP/1.1\r\nHost: a\r\n";
        assert_eq!(length(&format!("{h}\r\n")).unwrap(), 0);
        assert_eq!(length(&format!("{h}Content-Length: 12\r\n\r\n")).unwrap(), 12);
        assert_eq!(
            length(&format!("{h}Content-Length: 3\r\nContent-Length: 3\r\n\r\n")).unwrap(),
            3
        );
        assert_eq!(
            length(&format!("{h}Content-Length: 99999999999999999999999\r\n\r\n")).unwrap(),
            usize::MAX
        );
        for bad in ["+5", "-1", "5 6", "0x10", ""] {
            let text = format!("{h}Content-Length: {bad}\r\n\r\n");
            assert!(matches!(length(&text), Err(Refusal::Malformed(_))), "{bad:?}");
        }
        let conflicting = format!("{h}Content-Length: 3\r\nContent-Length: 4\r\n\r\n");
        assert!(matches!(length(&conflicting), Err(Refusal::Malformed(_))));
        let chunked = format!("{h}Transfer-Encoding: gzip, chunked\r\n\r\n");
        assert!(matches!(length(&chunked), Err(Refusal::LengthRequired)));
        let gzip = format!("{h}Transfer-Encoding: gzip\r\n\r\n");
        assert!(matches!(length(&gzip), Err(Refusal::UnknownTransferCoding)));
        let both = format!("{h}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n");
        assert!(matches!(length(&both), Err(Refusal::Malformed(_))));
    }
}
