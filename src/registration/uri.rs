//! The URI rules for client metadata: redirect URIs (RFC 7591 §2, §5;
//! RFC 8252 §7; RFC 9700 §2.6) and the web pages shown on consent screens.
//!
//! A redirect URI is accepted when it is absolute, has no fragment (RFC 6749
//! §3.1.2), and is one of:
//!
//! * `https` with a host and no user information;
//! * `http` on the loopback IP literals `127.0.0.1` or `[::1]`, any port
//!   (RFC 8252 §7.3; `localhost` is refused as RFC 8252 §8.3 advises);
//! * a private-use scheme that is a reverse domain name such as
//!   `com.example.app` (RFC 8252 §7.1) — which also rules out `javascript:`,
//!   `data:`, `file:` and other single-label schemes.
//!
//! Every URI is ASCII, at most [`MAX_URI_BYTES`] long, with valid
//! percent-encodings; comparisons at the authorization endpoint are exact,
//! so nothing is normalized here.

/// The longest URI accepted in client metadata.
pub(crate) const MAX_URI_BYTES: usize = 2048;

/// Why a redirect URI was refused; the text completes "redirect_uris[i] …".
pub(crate) type Refusal = &'static str;

/// The pieces of an absolute URI this module looks at.
struct Parsed<'a> {
    scheme: &'a str,
    /// The authority after `//`, if the URI has one.
    authority: Option<&'a str>,
    fragment: bool,
}

/// Checks one redirect URI.
pub(crate) fn check_redirect_uri(uri: &str) -> Result<(), Refusal> {
    let parsed = parse(uri)?;
    if parsed.fragment {
        return Err("must not contain a fragment");
    }
    if parsed.scheme.eq_ignore_ascii_case("https") {
        return check_host(parsed.authority).map(|_| ());
    }
    if parsed.scheme.eq_ignore_ascii_case("http") {
        let host = check_host(parsed.authority)?;
        if host.eq_ignore_ascii_case("localhost") {
            return Err("must not use localhost; use the loopback address 127.0.0.1 or [::1]");
        }
        if host == "127.0.0.1" || host == "[::1]" {
            return Ok(());
        }
        return Err(
            "must use https (plain http only for the loopback addresses 127.0.0.1 and [::1])",
        );
    }
    let labels: Vec<&str> = parsed.scheme.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|label| label.is_empty()) {
        return Err("must use https, loopback http, or a private-use scheme that is a \
                    reverse domain name such as com.example.app");
    }
    if uri.len() == parsed.scheme.len() + 1 {
        return Err("has nothing after its scheme");
    }
    Ok(())
}

/// Checks a web page URL shown to users (`client_uri`, `logo_uri`): an
/// absolute `https` URL with a host and no user information. Returns the
/// host (without the port).
pub(crate) fn check_web_uri(uri: &str) -> Result<&str, Refusal> {
    let parsed = parse(uri)?;
    if !parsed.scheme.eq_ignore_ascii_case("https") {
        return Err("must be an https URL");
    }
    check_host(parsed.authority)
}

fn parse(uri: &str) -> Result<Parsed<'_>, Refusal> {
    if uri.len() > MAX_URI_BYTES {
        return Err("is longer than 2048 characters");
    }
    if !uri.bytes().all(is_uri_char) {
        return Err("contains characters not allowed in a URI");
    }
    let bytes = uri.as_bytes();
    for (i, _) in uri.match_indices('%') {
        let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
        if !(hex(i + 1) && hex(i + 2)) {
            return Err("contains an invalid percent-encoding");
        }
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err("is not an absolute URI");
    };
    let valid_scheme = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !valid_scheme {
        return Err("is not an absolute URI");
    }
    let authority = rest.strip_prefix("//").map(|after| {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        &after[..end]
    });
    Ok(Parsed { scheme, authority, fragment: rest.contains('#') })
}

/// The host of `authority` (port removed), refusing user information, an
/// empty host and a port that is not digits.
fn check_host(authority: Option<&str>) -> Result<&str, Refusal> {
    let Some(authority) = authority else {
        return Err("has no host");
    };
    if authority.contains('@') {
        return Err("must not contain user information");
    }
    let (host, port) = if authority.starts_with('[') {
        let Some(close) = authority.find(']') else {
            return Err("has an invalid host");
        };
        let (host, after) = authority.split_at(close + 1);
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return Err("has an invalid host"),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let bracketed = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    let name = bracketed.unwrap_or(host);
    if name.is_empty() {
        return Err("has no host");
    }
    if name.contains(['[', ']']) {
        return Err("has an invalid host");
    }
    if port.is_some_and(|port| !port.bytes().all(|b| b.is_ascii_digit())) {
        return Err("has an invalid port");
    }
    Ok(host)
}

/// RFC 3986 characters: unreserved, reserved and `%`.
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b':'
                | b'/'
                | b'?'
                | b'#'
                | b'['
                | b']'
                | b'@'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'%'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_redirect_uris() {
        for uri in [
            "https://client.example.org/callback",
            "https://client.example.org:8443/cb?tenant=a",
            "HTTPS://client.example.org/cb",
            "https://[2001:db8::1]/cb",
            "http://127.0.0.1/cb",
            "http://127.0.0.1:51004/oauth2redirect/example-provider",
            "http://[::1]:61023/oauth2redirect/example-provider",
            "com.example.app:/oauth2redirect/example-provider",
            "com.example.app://callback",
        ] {
            assert_eq!(check_redirect_uri(uri), Ok(()), "{uri}");
        }
    }

    #[test]
    fn refused_redirect_uris_say_why() {
        for (uri, why) in [
            ("/callback", "is not an absolute URI"),
            ("client.example.org/cb", "is not an absolute URI"),
            ("1https://x/cb", "is not an absolute URI"),
            ("https://client.example.org/cb#frag", "must not contain a fragment"),
            ("https://client.example.org/c b", "contains characters not allowed in a URI"),
            ("https://client.example.org/é", "contains characters not allowed in a URI"),
            ("https://client.example.org/%zz", "contains an invalid percent-encoding"),
            ("https://client.example.org/%4", "contains an invalid percent-encoding"),
            ("https:/client.example.org/cb", "has no host"),
            ("https:///cb", "has no host"),
            ("https://user:pw@client.example.org/cb", "must not contain user information"),
            ("https://client.example.org:https/cb", "has an invalid port"),
            ("https://[::1/cb", "has an invalid host"),
            (
                "http://localhost:8080/cb",
                "must not use localhost; use the loopback address 127.0.0.1 or [::1]",
            ),
            (
                "http://sketchy.example.com",
                "must use https (plain http only for the loopback addresses 127.0.0.1 and [::1])",
            ),
            (
                "http://127.0.0.2/cb",
                "must use https (plain http only for the loopback addresses 127.0.0.1 and [::1])",
            ),
            ("com.example.app:", "has nothing after its scheme"),
        ] {
            assert_eq!(check_redirect_uri(uri), Err(why), "{uri}");
        }
        for uri in [
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "myapp:/cb",
            "com..app:/cb",
        ] {
            assert!(check_redirect_uri(uri).unwrap_err().contains("reverse domain name"), "{uri}");
        }
        let long = format!("https://client.example.org/{}", "a".repeat(MAX_URI_BYTES));
        assert_eq!(check_redirect_uri(&long), Err("is longer than 2048 characters"));
    }

    #[test]
    fn web_uris_are_https_pages() {
        assert_eq!(check_web_uri("https://client.example.org/logo.png"), Ok("client.example.org"));
        assert_eq!(
            check_web_uri("https://client.example.org/about#team"),
            Ok("client.example.org")
        );
        assert_eq!(check_web_uri("http://client.example.org/"), Err("must be an https URL"));
        assert_eq!(check_web_uri("javascript:alert(1)"), Err("must be an https URL"));
        assert_eq!(check_web_uri("https://a@b/"), Err("must not contain user information"));
    }
}
