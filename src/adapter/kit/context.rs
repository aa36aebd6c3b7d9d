//! What a runtime adapter hands the core with every request: the wall
//! clock, fresh entropy from the operating system, a request id and the
//! peer address; and the request id it answers with.
//!
//! This is the only place in the crate that reads the wall clock or the
//! OS random number generator; the core itself takes both as inputs (see
//! `clippy.toml`). [`Arrival`](super::Arrival) puts these together for one
//! request; the functions below are its parts, for an adapter that needs
//! only one of them.

use std::fmt;
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderValue;
#[allow(
    clippy::disallowed_types,
    reason = "adapters are where OS randomness enters the crate"
)]
use rand_core::{OsRng, TryRngCore};

use crate::{Context, Entropy, RequestId, UnixTime};

/// The header that carries the request id, in requests and responses.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The OS random number generator failed; no request can be answered
/// safely without fresh entropy.
#[derive(Debug)]
pub struct EntropyUnavailable;

impl fmt::Display for EntropyUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operating system's random number generator failed")
    }
}

impl std::error::Error for EntropyUnavailable {}

/// The current wall-clock time, in whole seconds since the epoch (zero for
/// a clock set before 1970).
#[allow(
    clippy::disallowed_methods,
    reason = "the adapter is the host: it reads the clock so the core does not have to"
)]
pub fn now() -> UnixTime {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    UnixTime::from_secs(since_epoch.as_secs())
}

/// A context for a request arriving now from `peer`.
///
/// One draw of 48 bytes from the OS CSPRNG gives the exchange's 32 bytes
/// of [`Entropy`] and, when `incoming` is not a usable request id (see
/// [`parse_request_id`]), a fresh 128-bit request id.
pub fn context_for(
    peer: Option<IpAddr>,
    incoming: Option<&HeaderValue>,
) -> Result<Context, EntropyUnavailable> {
    let mut bytes = [0u8; 48];
    #[allow(
        clippy::disallowed_types,
        reason = "adapters are where OS randomness enters the crate"
    )]
    OsRng.try_fill_bytes(&mut bytes).map_err(|_| EntropyUnavailable)?;
    let mut entropy = [0u8; 32];
    entropy.copy_from_slice(&bytes[..32]);
    let mut generated = [0u8; 16];
    generated.copy_from_slice(&bytes[32..]);
    let request_id = incoming
        .and_then(parse_request_id)
        .unwrap_or_else(|| RequestId(u128::from_be_bytes(generated)));
    let context = Context::new(now(), Entropy::from_bytes(entropy)).with_request_id(request_id);
    Ok(match peer {
        Some(peer) => context.with_peer(peer),
        None => context,
    })
}

/// The request id of an incoming `x-request-id` value, if it is one we
/// honour: 1 to 32 hexadecimal digits, or a UUID in its hyphenated form
/// (8-4-4-4-12 hex digits). Anything else (too long, other characters,
/// other separators) is replaced by a generated id, so a client cannot
/// inject text into logs or audit records through it.
pub fn parse_request_id(value: &HeaderValue) -> Option<RequestId> {
    let text = value.to_str().ok()?;
    let digits: String = if is_hyphenated_uuid(text) {
        text.chars().filter(|c| *c != '-').collect()
    } else {
        text.to_owned()
    };
    let valid = (1..=32).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid {
        return None;
    }
    u128::from_str_radix(&digits, 16).ok().map(RequestId)
}

fn is_hyphenated_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A request id for an answer given before any context existed (a
/// request the adapter could not even parse): 32 fresh lowercase hex
/// digits, or `0` when the OS generator fails.
pub fn fresh_request_id() -> HeaderValue {
    context_for(None, None)
        .ok()
        .and_then(|ctx| HeaderValue::from_str(&ctx.request_id.to_string()).ok())
        .unwrap_or_else(|| HeaderValue::from_static("0"))
}

/// The `x-request-id` value to answer with: the client's own value when it
/// was honoured (so it can correlate by string equality), otherwise the
/// context's id as 32 lowercase hex digits.
pub fn response_request_id(incoming: Option<&HeaderValue>, ctx: &Context) -> HeaderValue {
    match incoming {
        Some(value) if parse_request_id(value) == Some(ctx.request_id) => value.clone(),
        _ => HeaderValue::from_str(&ctx.request_id.to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("0")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<u128> {
        parse_request_id(&HeaderValue::from_str(text).unwrap()).map(|id| id.0)
    }

    #[test]
    fn honours_hex_and_uuids_only() {
        assert_eq!(parse("ff"), Some(255));
        assert_eq!(
            parse("0123456789abcdefABCDEF0123456789"),
            Some(0x0123456789abcdefabcdef0123456789)
        );
        assert_eq!(
            parse("550e8400-e29b-41d4-a716-446655440000"),
            Some(0x550e8400e29b41d4a716446655440000)
        );
        assert_eq!(parse(""), None);
        assert_eq!(parse("0123456789abcdef0123456789abcdef0"), None, "33 digits");
        assert_eq!(parse("550e8400e29b-41d4-a716-446655440000-"), None);
        assert_eq!(parse("550e8400_e29b_41d4_a716_446655440000"), None);
        assert_eq!(parse("12 34"), None);
        assert_eq!(parse("+ff"), None, "from_str_radix would accept a sign");
        assert_eq!(parse("req-1"), None);
    }

    #[test]
    fn contexts_carry_fresh_entropy_and_ids() {
        let peer: IpAddr = "192.0.2.7".parse().unwrap();
        let a = context_for(Some(peer), None).unwrap();
        let b = context_for(None, None).unwrap();
        assert_ne!(a.entropy, b.entropy);
        assert_ne!(a.request_id, b.request_id);
        assert_eq!(a.peer, Some(peer));
        assert_eq!(b.peer, None);
        assert!(a.now.as_secs() > 1_700_000_000, "the wall clock, not zero");

        let incoming = HeaderValue::from_static("550e8400-e29b-41d4-a716-446655440000");
        let c = context_for(None, Some(&incoming)).unwrap();
        assert_eq!(c.request_id, RequestId(0x550e8400e29b41d4a716446655440000));
        assert_eq!(response_request_id(Some(&incoming), &c), incoming);

        let bogus = HeaderValue::from_static("<script>");
        let d = context_for(None, Some(&bogus)).unwrap();
        let echoed = response_request_id(Some(&bogus), &d);
        assert_eq!(echoed.to_str().unwrap(), d.request_id.to_string());
        assert_eq!(echoed.len(), 32);
    }

    #[test]
    fn fresh_ids_are_32_hex_digits_and_differ() {
        let (a, b) = (fresh_request_id(), fresh_request_id());
        assert_ne!(a, b);
        for id in [a, b] {
            let text = id.to_str().unwrap();
            assert_eq!(text.len(), 32, "{text}");
            assert!(text.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        }
    }
}
