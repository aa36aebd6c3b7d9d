//! The JWS protected header (RFC 7515 §4): strict reading, fixed writing.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::jwk::RawJwk;
use super::{Algorithm, JoseError, PublicJwk};

/// The protected header of a verified JWS: the members qscope acts on.
/// Unknown members are ignored, as RFC 7515 §4 requires of members that
/// `crit` does not list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// `alg`: the algorithm, which equals the verifying key's.
    pub alg: Algorithm,
    /// `kid`: the key identifier, when present.
    pub kid: Option<String>,
    /// `typ`: the media type of the whole JWS, when present (RFC 7515 §4.1.9).
    pub typ: Option<String>,
    /// `cty`: the media type of the payload, when present (RFC 7515 §4.1.10).
    pub cty: Option<String>,
}

/// The header as JSON. Every member qscope names is listed, so a repeated
/// one is a serde error (`duplicate field`), and the key references are
/// read only to refuse them.
#[derive(Deserialize)]
struct RawHeader {
    alg: Option<String>,
    kid: Option<String>,
    typ: Option<String>,
    cty: Option<String>,
    crit: Option<IgnoredAny>,
    jku: Option<IgnoredAny>,
    jwk: Option<IgnoredAny>,
    x5u: Option<IgnoredAny>,
    x5c: Option<IgnoredAny>,
}

/// The header of a JWS that carries its own public key in `jwk` (a DPoP
/// proof, RFC 9449 §4.2): the same members as [`RawHeader`], `jwk` read
/// as a JWK, and the other key references still refused. Only
/// [`Header::parse_with_jwk`] reads it; the access-token path never does.
#[derive(Deserialize)]
struct RawEmbeddedKeyHeader {
    alg: Option<String>,
    kid: Option<String>,
    typ: Option<String>,
    cty: Option<String>,
    crit: Option<IgnoredAny>,
    jku: Option<IgnoredAny>,
    jwk: Option<RawJwk>,
    x5u: Option<IgnoredAny>,
    x5c: Option<IgnoredAny>,
}

impl Header {
    /// Reads a decoded protected header (RFC 7515 §5.2 steps 2–5).
    pub(crate) fn parse(json: &[u8]) -> Result<Self, JoseError> {
        let raw: RawHeader =
            serde_json::from_slice(json).map_err(|e| JoseError::InvalidHeader(e.to_string()))?;
        let alg = raw.alg.ok_or_else(|| JoseError::InvalidHeader("no \"alg\"".into()))?;
        let alg = Algorithm::parse(&alg)?;
        if raw.crit.is_some() {
            return Err(JoseError::CriticalHeader);
        }
        let references =
            [("jku", &raw.jku), ("jwk", &raw.jwk), ("x5u", &raw.x5u), ("x5c", &raw.x5c)];
        if let Some((name, _)) = references.iter().find(|(_, value)| value.is_some()) {
            return Err(JoseError::KeyReferenceInHeader(name));
        }
        Ok(Self { alg, kid: raw.kid, typ: raw.typ, cty: raw.cty })
    }

    /// Reads the decoded protected header of a JWS signed by the key it
    /// carries in `jwk` (RFC 7515 §4.1.3; RFC 9449 §4.2, §4.3 steps 5–7):
    /// `alg` as in [`parse`](Self::parse), `crit`, `jku`, `x5u` and `x5c`
    /// refused, and `jwk` required and read as a public JWK — a private
    /// member is [`JoseError::PrivateKeyMember`].
    pub(crate) fn parse_with_jwk(json: &[u8]) -> Result<(Self, PublicJwk), JoseError> {
        let raw: RawEmbeddedKeyHeader =
            serde_json::from_slice(json).map_err(|e| JoseError::InvalidHeader(e.to_string()))?;
        let alg = raw.alg.ok_or_else(|| JoseError::InvalidHeader("no \"alg\"".into()))?;
        let alg = Algorithm::parse(&alg)?;
        if raw.crit.is_some() {
            return Err(JoseError::CriticalHeader);
        }
        let references = [("jku", &raw.jku), ("x5u", &raw.x5u), ("x5c", &raw.x5c)];
        if let Some((name, _)) = references.iter().find(|(_, value)| value.is_some()) {
            return Err(JoseError::KeyReferenceInHeader(name));
        }
        let jwk = raw.jwk.as_ref().ok_or(JoseError::MissingJwk)?;
        let key = PublicJwk::from_header(jwk, alg)?;
        Ok((Self { alg, kid: raw.kid, typ: raw.typ, cty: raw.cty }, key))
    }

    /// The header's JSON, members in a fixed order (`alg`, `typ`, `cty`,
    /// `kid`) and only those present, so `{"alg":"RS256"}` is written
    /// exactly as RFC 7515 A.2 shows it.
    pub(crate) fn to_json(&self) -> String {
        let mut out = String::with_capacity(64);
        out.push_str("{\"alg\":\"");
        out.push_str(self.alg.as_str());
        out.push('"');
        for (name, value) in [("typ", &self.typ), ("cty", &self.cty), ("kid", &self.kid)] {
            if let Some(value) = value {
                out.push_str(",\"");
                out.push_str(name);
                out.push_str("\":");
                // A JSON string of a `String` always serializes.
                out.push_str(&serde_json::to_string(value).unwrap_or_default());
            }
        }
        out.push('}');
        out
    }
}

/// Whether a `typ` value names the media type `application/<subtype>`:
/// with or without the `application/` prefix, compared case-insensitively
/// (RFC 7515 §4.1.9; media type names are case-insensitive).
pub(crate) fn typ_is(typ: &str, subtype: &str) -> bool {
    let bare = match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
        _ => typ,
    };
    bare.eq_ignore_ascii_case(subtype)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Header, JoseError> {
        Header::parse(json.as_bytes())
    }

    #[test]
    fn a_minimal_header_reads_and_writes_back() {
        let header = parse(r#"{"alg":"RS256"}"#).unwrap();
        assert_eq!(header, Header { alg: Algorithm::Rs256, kid: None, typ: None, cty: None });
        assert_eq!(header.to_json(), r#"{"alg":"RS256"}"#);
        let full = parse(r#"{"kid":"k\"1","typ":"at+jwt","alg":"ES256","x5t":"ignored"}"#).unwrap();
        assert_eq!(full.to_json(), r#"{"alg":"ES256","typ":"at+jwt","kid":"k\"1"}"#);
    }

    #[test]
    fn none_hmac_crit_and_key_references_are_refused() {
        assert_eq!(parse(r#"{"alg":"none"}"#), Err(JoseError::AlgorithmNone));
        assert_eq!(parse(r#"{"alg":"HS256"}"#), Err(JoseError::UnsupportedAlgorithm));
        assert_eq!(
            parse(r#"{"alg":"ES256","crit":["exp"],"exp":1}"#),
            Err(JoseError::CriticalHeader)
        );
        for name in ["jku", "jwk", "x5u", "x5c"] {
            let json = format!(r#"{{"alg":"ES256","{name}":"https://attacker.example/k"}}"#);
            assert_eq!(parse(&json), Err(JoseError::KeyReferenceInHeader(name)), "{name}");
        }
    }

    #[test]
    fn repeated_members_wrong_types_and_non_objects_are_refused() {
        for json in [
            r#"{"alg":"ES256","alg":"none"}"#,
            r#"{"alg":"ES256","kid":"a","kid":"b"}"#,
            r#"{"alg":5}"#,
            r#"{"alg":"ES256","typ":["at+jwt"]}"#,
            r#"{"kid":"a"}"#,
            r#"["alg","ES256"]"#,
            r#"{"alg":"ES256"} trailing"#,
            "",
        ] {
            assert!(matches!(parse(json), Err(JoseError::InvalidHeader(_))), "{json}");
        }
        assert!(matches!(
            Header::parse(b"{\"alg\":\"ES256\xff\"}"),
            Err(JoseError::InvalidHeader(_))
        ));
    }

    #[test]
    fn typ_values_compare_as_media_types() {
        for typ in ["dpop+jwt", "DPoP+JWT", "application/dpop+jwt", "Application/DPOP+jwt"] {
            assert!(typ_is(typ, "dpop+jwt"), "{typ}");
        }
        for typ in ["jwt", "at+jwt", "application/", "text/dpop+jwt", "dpop+jwt ", "", "é"] {
            assert!(!typ_is(typ, "dpop+jwt"), "{typ}");
        }
    }
}
