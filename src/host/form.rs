//! `application/x-www-form-urlencoded` decoding and encoding for the
//! demo's pages (query strings and form posts).

/// The pairs of an urlencoded string, decoded (`+` is a space); pairs that
/// do not decode to UTF-8 are dropped.
pub fn parse(input: &str) -> Vec<(String, String)> {
    input
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((decode(name)?, decode(value)?))
        })
        .collect()
}

/// The value of `name` if it occurs exactly once (a repeated field is as
/// good as a missing one: the page cannot know which was meant).
pub fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut values = pairs.iter().filter(|(n, _)| n == name);
    let (_, value) = values.next()?;
    values.next().is_none().then_some(value.as_str())
}

/// One urlencoded component, decoded (`+` is a space); `None` when it
/// does not decode to UTF-8.
pub fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `text` percent-encoded for a query or form value: everything but
/// unreserved characters (RFC 3986 §2.3) is escaped.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_refuses_bad_escapes() {
        let pairs = parse("a=1+2&b=%3Cx%3E&c&d=%zz&e=%E2%9C%93");
        let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "e"]);
        assert_eq!(single(&pairs, "a"), Some("1 2"));
        assert_eq!(single(&pairs, "b"), Some("<x>"));
        assert_eq!(single(&pairs, "c"), Some(""));
        assert_eq!(single(&pairs, "e"), Some("✓"));
        assert_eq!(single(&parse("a=1&a=2"), "a"), None, "repeated");
        assert_eq!(parse("a=%4"), vec![], "truncated escape");
        assert_eq!(encode("/consent?request=a b&c"), "%2Fconsent%3Frequest%3Da%20b%26c");
    }
}
