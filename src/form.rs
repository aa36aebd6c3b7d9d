//! A strict `application/x-www-form-urlencoded` parser for request bodies
//! and query strings (RFC 6749 §3.1, §3.2; WHATWG URL §5.1).
//!
//! It borrows from the input when nothing needs decoding, rejects repeated
//! parameters (RFC 6749 §3.1: "Request and response parameters MUST NOT be
//! included more than once") and treats empty values as absent.

use std::borrow::Cow;

use http::HeaderMap;
use http::header::CONTENT_TYPE;

/// Whether the media type is `application/x-www-form-urlencoded`
/// (parameters such as `charset` allowed, case-insensitive).
pub(crate) fn is_form_content_type(headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(CONTENT_TYPE).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return false;
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// The parameters that may be sent more than once: `resource` (RFC 8707
/// §2: "may be used multiple times"). Every other repeat is an error.
pub(crate) const REPEATABLE: &[&str] = &["resource"];

/// At most this many parameters are accepted in one request.
pub(crate) const MAX_PARAMS: usize = 64;

/// A parsed form: names and values in arrival order, each name once.
#[derive(Debug)]
pub(crate) struct Form<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// Why a form could not be parsed; each names what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FormError {
    /// A name or value is not valid percent-encoded UTF-8.
    Encoding,
    /// A parameter appears more than once.
    Repeated(String),
    /// More than [`MAX_PARAMS`] parameters.
    TooMany,
}

impl FormError {
    /// The `error_description` for an `invalid_request` answer.
    pub(crate) fn description(&self) -> String {
        match self {
            Self::Encoding => "request parameters are not valid form-urlencoded UTF-8".into(),
            Self::Repeated(name) => format!("parameter {name} is repeated"),
            Self::TooMany => format!("more than {MAX_PARAMS} parameters"),
        }
    }
}

impl<'a> Form<'a> {
    /// Parses `input`; empty pieces (`a=1&&b=2`) are skipped.
    pub(crate) fn parse(input: &'a [u8]) -> Result<Self, FormError> {
        Self::parse_with(input, true).map(|(form, _)| form)
    }

    /// Parses `input` like [`Form::parse`], but a repeated parameter is
    /// not an error: the first value is kept, and the (sanitized) names of
    /// the repeated parameters are returned alongside, each once, in order.
    /// The authorization endpoint needs this to read `client_id` and
    /// `redirect_uri` before it may answer `invalid_request` by redirect.
    pub(crate) fn parse_noting_repeats(input: &'a [u8]) -> Result<(Self, Vec<String>), FormError> {
        Self::parse_with(input, false)
    }

    fn parse_with(input: &'a [u8], strict: bool) -> Result<(Self, Vec<String>), FormError> {
        let mut pairs: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::with_capacity(8);
        let mut repeated: Vec<String> = Vec::new();
        for piece in input.split(|&b| b == b'&') {
            if piece.is_empty() {
                continue;
            }
            let (name, value) = match piece.iter().position(|&b| b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &piece[..0]),
            };
            let name = decode(name)?;
            let value = decode(value)?;
            if !REPEATABLE.contains(&name.as_ref()) && pairs.iter().any(|(n, _)| *n == name) {
                if strict {
                    return Err(FormError::Repeated(sanitize_name(&name)));
                }
                let name = sanitize_name(&name);
                if !repeated.contains(&name) {
                    repeated.push(name);
                }
                continue;
            }
            if pairs.len() == MAX_PARAMS {
                return Err(FormError::TooMany);
            }
            pairs.push((name, value));
        }
        Ok((Self { pairs }, repeated))
    }

    /// The value of `name`, or `None` when absent or empty (RFC 6749 §3.1:
    /// "Parameters sent without a value MUST be treated as if they were
    /// omitted from the request").
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
            .filter(|v| !v.is_empty())
    }
}

/// A parameter name fit to echo in an error description: printable ASCII
/// but `"` and `\` (RFC 6749 §5.2 allows only %x20-21 / %x23-5B / %x5D-7E
/// in `error_description`), at most 40 characters.
fn sanitize_name(name: &str) -> String {
    name.chars().filter(|&c| c.is_ascii_graphic() && c != '"' && c != '\\').take(40).collect()
}

impl Form<'_> {
    /// Every non-empty value of `name`, in arrival order: the form of a
    /// [`REPEATABLE`] parameter (for any other name, at most one).
    pub(crate) fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
            .filter(|v| !v.is_empty())
    }
}

/// Appends `value` to `out` percent-encoded for a URI query: every byte
/// but the unreserved characters (`A-Z a-z 0-9 - . _ ~`, RFC 3986 §2.3)
/// becomes `%XX`, so the result is safe in any query and in a header.
pub(crate) fn encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// Percent-decodes one name or value, `+` meaning space.
pub(crate) fn decode(raw: &[u8]) -> Result<Cow<'_, str>, FormError> {
    if !raw.iter().any(|&b| b == b'%' || b == b'+') {
        return std::str::from_utf8(raw).map(Cow::Borrowed).map_err(|_| FormError::Encoding);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).and_then(|&b| hex_value(b));
                let lo = raw.get(i + 2).and_then(|&b| hex_value(b));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(FormError::Encoding),
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map(Cow::Owned).map_err(|_| FormError::Encoding)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_may_repeat_and_keeps_every_value() {
        let form =
            Form::parse(b"resource=https%3A%2F%2Fa.example&scope=x&resource=https://b.example")
                .unwrap();
        assert_eq!(
            form.get_all("resource").collect::<Vec<_>>(),
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(form.get_all("scope").collect::<Vec<_>>(), ["x"]);
        let (_, repeated) = Form::parse_noting_repeats(b"resource=a&resource=b&state=1").unwrap();
        assert!(repeated.is_empty());
    }

    #[test]
    fn parses_rfc_6749_token_request() {
        let body = b"grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA\
&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb";
        let form = Form::parse(body).unwrap();
        assert_eq!(form.get("grant_type"), Some("authorization_code"));
        assert_eq!(form.get("code"), Some("SplxlOBeZQQYbYS6WxSbIA"));
        assert_eq!(form.get("redirect_uri"), Some("https://client.example.com/cb"));
        assert_eq!(form.get("state"), None);
    }

    #[test]
    fn empty_values_are_absent() {
        let form = Form::parse(b"scope=&state").unwrap();
        assert_eq!(form.get("scope"), None);
        assert_eq!(form.get("state"), None);
    }

    #[test]
    fn repeated_parameters_are_named() {
        assert_eq!(Form::parse(b"code=a&code=b").unwrap_err(), FormError::Repeated("code".into()));
        // Repeats are detected after decoding.
        assert_eq!(
            Form::parse(b"code=a&%63ode=b").unwrap_err(),
            FormError::Repeated("code".into())
        );
    }

    #[test]
    fn bad_encodings_are_rejected() {
        for bad in [&b"a=%"[..], b"a=%4", b"a=%zz", b"a=%ff", b"\xff=1"] {
            assert_eq!(Form::parse(bad).unwrap_err(), FormError::Encoding, "{bad:?}");
        }
    }

    #[test]
    fn plus_is_space_and_utf8_decodes() {
        let form = Form::parse(b"scope=read+write%20x&n=%C3%A9").unwrap();
        assert_eq!(form.get("scope"), Some("read write x"));
        assert_eq!(form.get("n"), Some("é"));
    }

    #[test]
    fn repeats_can_be_noted_instead_of_refused() {
        let (form, repeated) = Form::parse_noting_repeats(
            b"client_id=a&state=1&state=2&scope=x&state=3&scope=y&client_id=b",
        )
        .unwrap();
        assert_eq!(repeated, ["state", "scope", "client_id"]);
        assert_eq!(form.get("state"), Some("1"));
        assert_eq!(form.get("client_id"), Some("a"));
        let (_, repeated) = Form::parse_noting_repeats(b"a=1&b=2").unwrap();
        assert!(repeated.is_empty());
        assert_eq!(Form::parse_noting_repeats(b"a=%zz").unwrap_err(), FormError::Encoding);
    }

    #[test]
    fn encoding_keeps_only_unreserved() {
        let mut out = String::new();
        encode_into(&mut out, "https://honest.as.example a+b&c=d~é_-.");
        assert_eq!(out, "https%3A%2F%2Fhonest.as.example%20a%2Bb%26c%3Dd~%C3%A9_-.");
        // Round trip through the decoder.
        assert_eq!(decode(out.as_bytes()).unwrap(), "https://honest.as.example a+b&c=d~é_-.");
    }

    #[test]
    fn too_many_parameters() {
        let body: String = (0..=MAX_PARAMS).map(|i| format!("p{i}=1&")).collect();
        assert_eq!(Form::parse(body.as_bytes()).unwrap_err(), FormError::TooMany);
    }
}
