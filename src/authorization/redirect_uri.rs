//! Choosing the redirect URI of an authorization request (RFC 6749
//! §3.1.2, OAuth 2.1 §2.3.1, RFC 8252 §7.3, RFC 9700 §4.1.3).
//!
//! The sent `redirect_uri` must equal a registered one character for
//! character. The single exception is the port of a loopback IP literal
//! (`http://127.0.0.1:<port>`, `http://[::1]:<port>`), which a native app
//! picks at run time. `localhost` gets no exception (RFC 8252 §8.3).

use crate::store::ClientRecord;

/// Resolves where the response to `client`'s request goes, given the
/// `redirect_uri` parameter as sent. On failure the description says why;
/// the caller must then answer directly and never redirect.
pub(crate) fn resolve(client: &ClientRecord, sent: Option<&str>) -> Result<String, &'static str> {
    let registered = client.redirect_uris.iter().map(String::as_str).filter(|r| is_usable(r));
    match sent {
        Some(sent) => {
            if sent.contains('#') {
                return Err("redirect_uri must not contain a fragment");
            }
            if !is_usable(sent) {
                return Err("redirect_uri is not an absolute URI");
            }
            let mut registered = registered;
            if registered.any(|r| r == sent || loopback_match(r, sent)) {
                Ok(sent.to_owned())
            } else {
                Err("redirect_uri is not registered for this client")
            }
        }
        None => {
            // OAuth 2.1 §2.3.2: optional only when exactly one is registered.
            let mut all = client.redirect_uris.iter();
            match (all.next(), all.next()) {
                (Some(only), None) if is_usable(only) => Ok(only.clone()),
                (Some(_), None) => Err("the client's registered redirect_uri is not usable"),
                (None, _) => Err("the client has no registered redirect_uri"),
                (Some(_), Some(_)) => {
                    Err("redirect_uri is required: the client has several registered")
                }
            }
        }
    }
}

/// Whether `uri` can be redirected to: `scheme ":" …` (RFC 3986 §3.1),
/// visible ASCII only (so it is a valid `Location` header value) and no
/// fragment (RFC 6749 §3.1.2).
fn is_usable(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    let mut chars = scheme.bytes();
    chars.next().is_some_and(|b| b.is_ascii_alphabetic())
        && chars.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !rest.is_empty()
        && uri.bytes().all(|b| b.is_ascii_graphic() && b != b'#')
}

/// RFC 8252 §7.3: a loopback IP redirect URI matches whatever the port.
/// Both must be `http://127.0.0.1` or `http://[::1]` (same host), and
/// everything after the port must be identical.
fn loopback_match(registered: &str, sent: &str) -> bool {
    match (loopback_parts(registered), loopback_parts(sent)) {
        (Some((host_r, rest_r)), Some((host_s, rest_s))) => host_r == host_s && rest_r == rest_s,
        _ => false,
    }
}

/// Splits a loopback IP URI into its host and what follows the port.
fn loopback_parts(uri: &str) -> Option<(&'static str, &str)> {
    let after_scheme = uri.strip_prefix("http://")?;
    let (host, after_host) = ["127.0.0.1", "[::1]"]
        .into_iter()
        .find_map(|host| after_scheme.strip_prefix(host).map(|rest| (host, rest)))?;
    let rest = match after_host.strip_prefix(':') {
        Some(port_and_rest) => {
            let digits = port_and_rest.bytes().take_while(u8::is_ascii_digit).count();
            let port = &port_and_rest[..digits];
            if port.is_empty() || port.len() > 5 || port.parse::<u32>().ok()? > 65_535 {
                return None;
            }
            &port_and_rest[digits..]
        }
        None => after_host,
    };
    (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')).then_some((host, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(uris: &[&str]) -> ClientRecord {
        ClientRecord::public("c").with_redirect_uris(uris.iter().copied())
    }

    #[test]
    fn exact_match_only() {
        let c = client(&["https://client.example.com/cb", "https://client.example.com/cb2?x=1"]);
        assert_eq!(
            resolve(&c, Some("https://client.example.com/cb")).as_deref(),
            Ok("https://client.example.com/cb")
        );
        assert_eq!(
            resolve(&c, Some("https://client.example.com/cb2?x=1")).as_deref(),
            Ok("https://client.example.com/cb2?x=1")
        );
        for near in [
            "https://client.example.com/cb/",
            "https://client.example.com/Cb",
            "https://CLIENT.example.com/cb",
            "https://client.example.com/cb?x=1",
            "https://client.example.com/c",
            "https://client.example.com/cbb",
            "http://client.example.com/cb",
            "https://client.example.com:443/cb",
            "https://client.example.com/cb2?x=2",
            "https://client.example.com/cb2?x=1&y=2",
            "https://client.example.com/%63b",
        ] {
            assert_eq!(
                resolve(&c, Some(near)),
                Err("redirect_uri is not registered for this client"),
                "{near}"
            );
        }
        assert_eq!(
            resolve(&c, Some("https://client.example.com/cb#x")),
            Err("redirect_uri must not contain a fragment")
        );
        assert_eq!(resolve(&c, Some("/cb")), Err("redirect_uri is not an absolute URI"));
        assert_eq!(
            resolve(&c, Some("https://client.example.com/c b")),
            Err("redirect_uri is not an absolute URI")
        );
    }

    #[test]
    fn omitted_only_with_one_registered() {
        let one = client(&["https://client.example.com/cb"]);
        assert_eq!(resolve(&one, None).as_deref(), Ok("https://client.example.com/cb"));
        let two = client(&["https://a.example/cb", "https://b.example/cb"]);
        assert_eq!(
            resolve(&two, None),
            Err("redirect_uri is required: the client has several registered")
        );
        assert_eq!(resolve(&client(&[]), None), Err("the client has no registered redirect_uri"));
        let broken = client(&["https://a.example/cb#frag"]);
        assert_eq!(
            resolve(&broken, None),
            Err("the client's registered redirect_uri is not usable")
        );
        assert_eq!(
            resolve(&broken, Some("https://a.example/cb#frag")),
            Err("redirect_uri must not contain a fragment")
        );
    }

    #[test]
    fn rfc8252_7_3_loopback_port_may_differ() {
        let c = client(&[
            "http://127.0.0.1/oauth2redirect/example-provider",
            "http://[::1]:61023/oauth2redirect/example-provider",
        ]);
        for ok in [
            "http://127.0.0.1:51004/oauth2redirect/example-provider",
            "http://127.0.0.1/oauth2redirect/example-provider",
            "http://[::1]:61023/oauth2redirect/example-provider",
            "http://[::1]:1/oauth2redirect/example-provider",
            "http://[::1]/oauth2redirect/example-provider",
        ] {
            assert_eq!(resolve(&c, Some(ok)).as_deref(), Ok(ok), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:51004/oauth2redirect/example-provider/",
            "http://127.0.0.1:51004/oauth2redirect/Example-provider",
            "http://127.0.0.1:51004/oauth2redirect/example-provider?x",
            "http://127.0.0.2:51004/oauth2redirect/example-provider",
            "http://localhost:51004/oauth2redirect/example-provider",
            "https://127.0.0.1:51004/oauth2redirect/example-provider",
            "http://127.0.0.1:65536/oauth2redirect/example-provider",
            "http://127.0.0.1:/oauth2redirect/example-provider",
            "http://127.0.0.1:80x/oauth2redirect/example-provider",
            "http://127.0.0.1.evil.example/oauth2redirect/example-provider",
            "http://127.0.0.1@evil.example/oauth2redirect/example-provider",
            "http://[::1]:61023/oauth2redirect/example-provider#f",
            "http://[::2]:61023/oauth2redirect/example-provider",
        ] {
            assert!(resolve(&c, Some(bad)).is_err(), "{bad}");
        }
        // localhost gets no port exception.
        let c = client(&["http://localhost:8080/cb"]);
        assert!(resolve(&c, Some("http://localhost:8081/cb")).is_err());
        assert!(resolve(&c, Some("http://localhost:8080/cb")).is_ok());
    }
}
