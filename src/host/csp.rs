//! The pages' `Content-Security-Policy`: nothing may load but the
//! server's own stylesheet and images (and a logo's origin where
//! `[branding]` or a client names one: [`add_source`]), no script runs, no
//! page may be framed, and forms may post only to this server
//! (`form-action 'self'`).
//!
//! Browsers apply `form-action` to the redirects that follow a form's
//! submission too (CSP Level 3 §6.4.1), so the consent page, whose Allow
//! and Deny answer with a 303 to the client's redirect URI, also names the
//! origin of that one URI ([`insert_for_redirect`]): `scheme://host[:port]`
//! for `https` and loopback `http` (the port the resolved redirect URI
//! carries, RFC 8252 §7.3), or the scheme source `com.example.app:` for a
//! private-use scheme (RFC 8252 §7.1). Anything the CSP grammar cannot
//! name exactly (an IPv6 literal, a host with other characters) adds
//! nothing: the policy stays `'self'`, and no character of a URI ever
//! reaches the header unchecked.

use http::{HeaderMap, HeaderValue};

/// The header's name.
const NAME: &str = "content-security-policy";

/// The policy of every page.
const SELF_ONLY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of every page: forms post to this server only.
pub(crate) fn insert(headers: &mut HeaderMap) {
    headers.insert(NAME, HeaderValue::from_static(SELF_ONLY));
}

/// The policy of a page whose forms end in a redirect to `redirect_uri`:
/// `form-action` names its origin too. Returns `false` (and leaves forms
/// to this server only) when that origin cannot be named exactly.
pub(crate) fn insert_for_redirect(headers: &mut HeaderMap, redirect_uri: &str) -> bool {
    if !headers.contains_key(NAME) {
        insert(headers);
    }
    match origin_source(redirect_uri) {
        Some(source) => add_source(headers, "form-action", &source),
        None => false,
    }
}

/// Adds `source` (an [`origin_source`]) to `directive` of the policy
/// `headers` carry (the pages' policy when they carry none). Returns
/// `false` and changes nothing when `source` has a character a source
/// expression from [`origin_source`] never has, or the policy has no such
/// directive.
pub(crate) fn add_source(headers: &mut HeaderMap, directive: &str, source: &str) -> bool {
    let plain = !source.is_empty()
        && source
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".:/-+".contains(&b));
    let current = headers.get(NAME).and_then(|v| v.to_str().ok()).unwrap_or(SELF_ONLY).to_owned();
    let mut found = false;
    let policy: Vec<String> = current
        .split("; ")
        .map(|part| {
            if plain && part.split(' ').next() == Some(directive) {
                found = true;
                format!("{part} {source}")
            } else {
                part.to_owned()
            }
        })
        .collect();
    if !found {
        return false;
    }
    match HeaderValue::from_str(&policy.join("; ")) {
        Ok(value) => {
            headers.insert(NAME, value);
            true
        }
        Err(_) => false,
    }
}

/// The CSP source expression matching exactly the origin of `uri`, or
/// `None` when the grammar of CSP Level 3 §2.3.1 cannot express it with
/// the characters this function lets through.
pub(crate) fn origin_source(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once(':')?;
    let valid_scheme = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !valid_scheme {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    if scheme == "http" || scheme == "https" {
        let authority = rest.strip_prefix("//")?;
        let end = authority.find(['/', '?', '#']).unwrap_or(authority.len());
        let (host, port) = host_and_port(&authority[..end])?;
        return Some(match port {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        });
    }
    // A private-use scheme is a reverse domain name; single-label schemes
    // (`javascript`, `data`, `file`, ...) are never a form's target.
    scheme.contains('.').then(|| format!("{scheme}:"))
}

/// The lowercase host and the port of an authority: a domain name or IPv4
/// address (labels of letters, digits and `-`), an optional port of 1 to 5
/// digits up to 65535. User information and IP literals in brackets are
/// refused.
fn host_and_port(authority: &str) -> Option<(String, Option<&str>)> {
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, "")) => (host, None),
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let label_ok = |label: &str| {
        !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if host.len() > 253 || !host.split('.').all(label_ok) {
        return None;
    }
    if let Some(port) = port {
        let digits =
            !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
        if !digits || port.parse::<u32>().ok()? > 65_535 {
            return None;
        }
    }
    Some((host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(redirect_uri: Option<&str>) -> (bool, String) {
        let mut headers = HeaderMap::new();
        let named = match redirect_uri {
            Some(uri) => insert_for_redirect(&mut headers, uri),
            None => {
                insert(&mut headers);
                false
            }
        };
        (named, headers[NAME].to_str().unwrap().to_owned())
    }

    #[test]
    fn pages_post_to_this_server_only() {
        assert_eq!(
            policy(None),
            (
                false,
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'"
                    .to_owned()
            )
        );
    }

    #[test]
    fn the_consent_page_may_also_reach_its_redirect_uris_origin() {
        assert_eq!(
            policy(Some("https://client.example.com:8443/cb?x=1")),
            (
                true,
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' \
                 https://client.example.com:8443; frame-ancestors 'none'; base-uri 'none'"
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_logo_origin_joins_img_src_only() {
        let mut headers = HeaderMap::new();
        insert(&mut headers);
        assert!(add_source(&mut headers, "img-src", "https://cdn.example.com"));
        assert!(insert_for_redirect(&mut headers, "https://app.example.com/cb"));
        assert_eq!(
            headers[NAME],
            "default-src 'none'; style-src 'self'; img-src 'self' https://cdn.example.com; \
             form-action 'self' https://app.example.com; frame-ancestors 'none'; base-uri 'none'"
        );
        let before = headers[NAME].clone();
        assert!(!add_source(&mut headers, "img-src", "https://x.example; script-src *"));
        assert!(!add_source(&mut headers, "img-src", "'unsafe-inline'"));
        assert!(!add_source(&mut headers, "script-src", "https://x.example"));
        assert_eq!(headers[NAME], before);
    }

    #[test]
    fn origins_are_exact() {
        for (uri, source) in [
            ("https://client.example.com/cb", "https://client.example.com"),
            ("HTTPS://Client.Example.COM/cb", "https://client.example.com"),
            ("https://client.example.com:443/cb", "https://client.example.com:443"),
            ("https://client.example.com?x=1", "https://client.example.com"),
            ("https://client.example.com:/cb", "https://client.example.com"),
            ("http://127.0.0.1/callback", "http://127.0.0.1"),
            ("http://127.0.0.1:51004/callback", "http://127.0.0.1:51004"),
            ("https://xn--bcher-kva.example/cb", "https://xn--bcher-kva.example"),
            ("com.example.app:/oauth2redirect", "com.example.app:"),
            ("com.Example.App://callback/path", "com.example.app:"),
        ] {
            assert_eq!(origin_source(uri).as_deref(), Some(source), "{uri}");
        }
    }

    #[test]
    fn what_cannot_be_named_exactly_adds_nothing() {
        for uri in [
            // CSP host sources have no IPv6 literals.
            "http://[::1]:8080/cb",
            "https://user@client.example.com/cb",
            "https://client.example.com:99999/cb",
            "https://client.example.com:8o/cb",
            "https://client_example.com/cb",
            "https://client.example.com./cb",
            "https://client..example.com/cb",
            "https://cli%65nt.example.com/cb",
            "https://*.example.com/cb",
            "https:client.example.com",
            "https:///cb",
            "javascript:alert(1)",
            "data:text/html,x",
            "1com.example.app:/cb",
            "no-scheme",
            "",
        ] {
            assert_eq!(origin_source(uri), None, "{uri}");
        }
    }

    #[test]
    fn no_value_breaks_out_of_the_header() {
        for uri in [
            "https://client.example.com; script-src *",
            "https://client.example.com 'unsafe-inline'/cb",
            "https://client.example.com,https://evil.example/cb",
            "https://client.example.com\r\nSet-Cookie: x=y",
            "https://client.example.com'/cb",
            "com.example.app;script-src:/cb",
        ] {
            assert_eq!(policy(Some(uri)), (false, policy(None).1), "{uri:?}");
        }
    }
}
