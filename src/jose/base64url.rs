//! Base64url without padding (RFC 7515 §2, Appendix C), strict on input.

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// The one encoding JOSE uses: the URL-safe alphabet, no `=` padding, and
/// on input no padding, no whitespace and no non-zero trailing bits, so a
/// value has exactly one encoding.
const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// `BASE64URL(bytes)`.
pub(crate) fn encode(bytes: impl AsRef<[u8]>) -> String {
    ENGINE.encode(bytes)
}

/// Appends `BASE64URL(bytes)` to `out`.
pub(crate) fn encode_into(bytes: impl AsRef<[u8]>, out: &mut String) {
    ENGINE.encode_string(bytes, out);
}

/// Decodes a base64url value; `None` for any other character, padding, or
/// a non-canonical final symbol.
pub(crate) fn decode(text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    ENGINE.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7515_appendix_c_example() {
        // RFC 7515 Appendix C: the octets [3, 236, 255, 224, 193] encode as "A-z_4ME".
        assert_eq!(encode([3, 236, 255, 224, 193]), "A-z_4ME");
        assert_eq!(decode("A-z_4ME"), Some(vec![3, 236, 255, 224, 193]));
    }

    #[test]
    fn padding_standard_alphabet_and_trailing_bits_are_refused() {
        assert_eq!(decode("A-z_4ME="), None);
        assert_eq!(decode("A+z/4ME"), None);
        assert_eq!(decode("A-z_4MF"), None, "a non-zero trailing bit");
        assert_eq!(decode("A-z_ 4ME"), None);
        assert_eq!(decode(""), Some(Vec::new()));
    }
}
