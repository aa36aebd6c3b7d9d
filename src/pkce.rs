//! PKCE (RFC 7636): verifier and challenge syntax, and verification.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::store::{PkceChallenge, PkceMethod};

/// RFC 7636 §4.1: `43*128unreserved`, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
/// The challenge has the same syntax (§4.2).
pub(crate) fn is_valid_verifier(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `verifier` answers `challenge` (RFC 7636 §4.6), in constant time.
pub(crate) fn verify(challenge: &PkceChallenge, verifier: &str) -> bool {
    match challenge.method {
        PkceMethod::S256 => {
            let mut encoded = [0u8; 43];
            let digest = Sha256::digest(verifier.as_bytes());
            // 32 bytes always encode to exactly 43 base64url characters.
            let written = URL_SAFE_NO_PAD.encode_slice(digest, &mut encoded).unwrap_or(0);
            written == 43 && encoded.ct_eq(challenge.challenge.as_bytes()).into()
        }
        PkceMethod::Plain => verifier.as_bytes().ct_eq(challenge.challenge.as_bytes()).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_appendix_b() {
        let challenge = PkceChallenge { method: PkceMethod::S256, challenge: CHALLENGE.into() };
        assert!(verify(&challenge, VERIFIER));
        assert!(!verify(&challenge, &VERIFIER.replace('d', "e")));
    }

    #[test]
    fn plain_compares_verbatim() {
        let challenge = PkceChallenge { method: PkceMethod::Plain, challenge: VERIFIER.into() };
        assert!(verify(&challenge, VERIFIER));
        assert!(!verify(&challenge, CHALLENGE));
    }

    #[test]
    fn verifier_syntax() {
        assert!(is_valid_verifier(VERIFIER));
        assert!(is_valid_verifier(&"a".repeat(128)));
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(42))));
    }
}
