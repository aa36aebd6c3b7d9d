//! The `htu` comparison of RFC 9449 §4.3 step 9: both URIs without query
//! and fragment, after syntax-based (RFC 3986 §6.2.2) and scheme-based
//! (§6.2.3) normalization.

/// The longest `htu` (or request URI) compared, in bytes.
pub(crate) const MAX_HTU_BYTES: usize = 2048;

/// The normal form of an `http` or `https` URI for the `htu` comparison:
/// query and fragment dropped; scheme and host in lower case;
/// percent-encodings of unreserved characters decoded and the others in
/// upper-case hex; dot segments removed; the default port (80, 443) and an
/// empty port dropped, another port without leading zeros; an empty path
/// written `/`. `None` for anything else: another scheme, no host, user
/// information (RFC 9110 §4.2.4), characters outside RFC 3986, a broken
/// percent-encoding, a port that is not a number, more than
/// [`MAX_HTU_BYTES`].
pub(crate) fn normalize(uri: &str) -> Option<String> {
    if uri.len() > MAX_HTU_BYTES || !uri.bytes().all(is_uri_char) {
        return None;
    }
    let without_fragment = uri.split('#').next().unwrap_or_default();
    let target = without_fragment.split('?').next().unwrap_or_default();
    let (scheme, rest) = target.split_once(':')?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let rest = rest.strip_prefix("//")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.contains('@') {
        return None;
    }
    let (host, port) = split_port(authority)?;
    if host.is_empty() {
        return None;
    }
    let mut normal = scheme;
    normal.push_str("://");
    normal.push_str(&normalize_percent(host, true)?);
    if let Some(port) = port
        && port != default_port
    {
        normal.push(':');
        normal.push_str(&port.to_string());
    }
    let path = remove_dot_segments(&normalize_percent(path, false)?);
    normal.push_str(if path.is_empty() { "/" } else { &path });
    Some(normal)
}

/// The host and the port of an authority; an empty port is none.
fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, after) = authority.split_at(end + 1);
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => Some(digits.parse().ok()?),
        Some(_) => return None,
    };
    Some((host, port))
}

/// Decodes percent-encoded unreserved characters and writes the other
/// percent-encodings in upper-case hex (RFC 3986 §6.2.2.1, §6.2.2.2); with
/// `lower`, also lower-cases everything else (the host, §6.2.2.1).
fn normalize_percent(text: &str, lower: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let value = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            if is_unreserved(value) {
                out.push(char::from(if lower { value.to_ascii_lowercase() } else { value }));
            } else {
                out.push_str(&format!("%{value:02X}"));
            }
            i += 3;
        } else {
            out.push(char::from(if lower { byte.to_ascii_lowercase() } else { byte }));
            i += 1;
        }
    }
    Some(out)
}

/// RFC 3986 §5.2.4, on a path that is empty or starts with `/`.
fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut output = String::with_capacity(path.len());
    while !input.is_empty() {
        if let Some(rest) = input.strip_prefix("../") {
            input = rest;
        } else if let Some(rest) = input.strip_prefix("./") {
            input = rest;
        } else if input.starts_with("/./") {
            input = &input[2..];
        } else if input == "/." {
            input = "/";
        } else if input.starts_with("/../") {
            input = &input[3..];
            drop_last_segment(&mut output);
        } else if input == "/.." {
            input = "/";
            drop_last_segment(&mut output);
        } else if input == "." || input == ".." {
            input = "";
        } else {
            let start = usize::from(input.starts_with('/'));
            let end = input[start..].find('/').map_or(input.len(), |i| i + start);
            output.push_str(&input[..end]);
            input = &input[end..];
        }
    }
    output
}

fn drop_last_segment(output: &mut String) {
    let cut = output.rfind('/').unwrap_or(0);
    output.truncate(cut);
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// The characters of RFC 3986 (unreserved, reserved and `%`).
fn is_uri_char(byte: u8) -> bool {
    is_unreserved(byte) || b":/?#[]@!$&'()*+,;=%".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(uri: &str) -> Option<String> {
        normalize(uri)
    }

    #[test]
    fn query_fragment_case_ports_and_empty_paths_are_normalized() {
        let token = Some("https://server.example.com/token".to_owned());
        for same in [
            "https://server.example.com/token",
            "https://server.example.com/token?x=1",
            "https://server.example.com/token#frag",
            "https://server.example.com/token?x=1#frag",
            "HTTPS://Server.EXAMPLE.com/token",
            "https://server.example.com:443/token",
            "https://server.example.com:0443/token",
            "https://server.example.com:/token",
            "https://server.example.com/%74oken",
            "https://server.example.com/a/../token",
            "https://server.example.com/./token",
            "https://server.example.com/a/b/%2E%2E/../token",
        ] {
            assert_eq!(n(same), token, "{same}");
        }
        assert_eq!(n("http://a.example:80"), Some("http://a.example/".into()));
        assert_eq!(n("https://a.example?q"), Some("https://a.example/".into()));
        assert_eq!(n("http://a.example:8080/x"), Some("http://a.example:8080/x".into()));
        assert_eq!(n("https://a.example:80/x"), Some("https://a.example:80/x".into()));
        assert_eq!(n("https://[::1]:443/x"), Some("https://[::1]/x".into()));
        assert_eq!(n("https://[::1]:8443/x"), Some("https://[::1]:8443/x".into()));
        assert_eq!(
            n("https://a.example/x%2fy%c3%a9"),
            Some("https://a.example/x%2Fy%C3%A9".into())
        );
        assert_eq!(
            n("https://a.example/Token"),
            Some("https://a.example/Token".into()),
            "paths keep case"
        );
        assert_eq!(n("https://a.example/a/.."), Some("https://a.example/".into()));
        assert_eq!(n("https://a.example/a/."), Some("https://a.example/a/".into()));
    }

    #[test]
    fn uris_that_are_not_http_targets_have_no_normal_form() {
        for bad in [
            "",
            "/token",
            "server.example.com/token",
            "ftp://server.example.com/token",
            "https:/server.example.com/token",
            "https:///token",
            "https://user@server.example.com/token",
            "https://server.example.com:x/token",
            "https://server.example.com:65536/token",
            "https://[::1/token",
            "https://[::1]x/token",
            "https://server.example.com/t%6",
            "https://server.example.com/t%zz",
            "https://server.example.com/to ken",
            "https://server.example.com/tökén",
            "https://server.example.com/\\token",
        ] {
            assert_eq!(n(bad), None, "{bad:?}");
        }
        assert_eq!(n(&format!("https://a.example/{}", "a".repeat(MAX_HTU_BYTES))), None);
    }
}
