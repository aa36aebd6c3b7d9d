//! The client's address: the connection's peer, or, when the peer is a
//! configured trusted proxy (`http.trusted_proxies`), the address that
//! proxy reports in `Forwarded` (RFC 7239) or else `X-Forwarded-For`. The
//! chain is read from the right, skipping trusted proxies, so a client
//! cannot choose its address by sending the header itself: a header from
//! a peer that is not trusted is ignored. The result keys the rate
//! limits and is the audit events' and logs' peer.

use std::net::IpAddr;

use http::HeaderMap;
use ipnet::IpNet;

/// The address of the client behind `peer`.
pub(crate) fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |addr: &IpAddr| trusted.iter().any(|net| net.contains(addr));
    if !is_trusted(&peer) {
        return peer;
    }
    let chain = forwarded_for(headers).unwrap_or_else(|| x_forwarded_for(headers));
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            Some(addr) if is_trusted(&client) => client = *addr,
            _ => break,
        }
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// The `for=` addresses of every `Forwarded` header, in order (`None` for
/// one that is not an address, such as `unknown`); `None` without the
/// header.
fn forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let values: Vec<&str> = headers
        .get_all(http::header::FORWARDED)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    if values.is_empty() {
        return None;
    }
    Some(
        values
            .iter()
            .flat_map(|value| value.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    name.eq_ignore_ascii_case("for").then(|| node_address(value))
                })
            })
            .collect(),
    )
}

/// A `Forwarded` node: `192.0.2.1`, `"192.0.2.1:80"`, `"[2001:db8::1]:80"`.
fn node_address(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let host = match node.rsplit_once(':') {
        Some((host, _port)) if !host.contains(':') => host,
        _ => node,
    };
    host.parse().ok()
}

/// The addresses of every `X-Forwarded-For` header, in order.
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|hop| hop.trim().parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_header_from_an_untrusted_peer_is_ignored() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=1.2.3.4")]);
        assert_eq!(client_address(ip("198.51.100.7"), &spoofed, &trusted), ip("198.51.100.7"));
        assert_eq!(client_address(ip("198.51.100.7"), &spoofed, &[]), ip("198.51.100.7"));
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_the_chain_is_read_from_the_right() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy = ip("10.0.0.2");
        let one = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(client_address(proxy, &one, &trusted), ip("203.0.113.9"));
        // The client put 1.2.3.4 in front; the proxy appended what it saw.
        let prefixed = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.3")]);
        assert_eq!(client_address(proxy, &prefixed, &trusted), ip("203.0.113.9"));
        let forwarded = headers(&[
            ("forwarded", "for=1.2.3.4"),
            ("forwarded", "for=\"[2001:db8::17]:4711\";proto=https, for=10.0.0.3"),
            ("x-forwarded-for", "5.6.7.8"),
        ]);
        assert_eq!(
            client_address(proxy, &forwarded, &trusted),
            ip("2001:db8::17"),
            "Forwarded wins"
        );
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client_address(proxy, &unknown, &trusted), proxy, "no address: the proxy");
        assert_eq!(client_address(proxy, &HeaderMap::new(), &trusted), proxy);
    }
}
