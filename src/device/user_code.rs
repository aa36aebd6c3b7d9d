//! User codes (RFC 8628 §6.1): 8 characters from the base-20 alphabet
//! `BCDFGHJKLMNPQRSTVWXZ` (no vowels, so no words; no digits, so no
//! look-alikes), shown as `XXXX-XXXX`, compared after normalization.

use std::fmt;

use crate::Entropy;
use crate::secret::TokenHash;

/// The user-code alphabet of RFC 8628 §6.1.
const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Significant characters per code: 20^8 ≈ 2^34.6 codes.
const LENGTH: usize = 8;

/// A normalized user code: exactly 8 characters of the alphabet. `Debug`
/// prints only its first character: a code guessed from logs is a code
/// that can be approved.
#[derive(Clone, PartialEq, Eq)]
pub struct UserCode(String);

impl UserCode {
    /// Normalizes what a user typed: case is folded, and dashes and white
    /// space are dropped (RFC 8628 §6.1). `None` unless 8 characters of the
    /// alphabet remain.
    pub fn parse(input: &str) -> Option<Self> {
        let mut code = String::with_capacity(LENGTH);
        for c in input.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            let upper = c.to_ascii_uppercase();
            if !upper.is_ascii() || !ALPHABET.contains(&(upper as u8)) || code.len() == LENGTH {
                return None;
            }
            code.push(upper);
        }
        (code.len() == LENGTH).then_some(Self(code))
    }

    /// A fresh code from the request's entropy; `attempt` picks another
    /// one when the first collides with a live code.
    pub(crate) fn generate(entropy: &Entropy, attempt: u8) -> Self {
        let mut code = String::with_capacity(LENGTH);
        let mut round = 0u8;
        while code.len() < LENGTH {
            let bytes = entropy
                .derive(&[b'u', b's', b'e', b'r', b'-', b'c', b'o', b'd', b'e', attempt, round]);
            // Rejection sampling keeps the characters uniform: 240 = 12 × 20.
            for b in bytes.into_iter().filter(|&b| b < 240) {
                if code.len() == LENGTH {
                    break;
                }
                code.push(char::from(ALPHABET[usize::from(b % 20)]));
            }
            round = round.wrapping_add(1);
        }
        Self(code)
    }

    /// The code as shown to users: `XXXX-XXXX`.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..4], &self.0[4..])
    }

    /// The normalized code, without dash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key the device authorization is found by.
    pub(crate) fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl fmt::Debug for UserCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserCode({}…)", &self.0[..1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_dashes_and_spaces() {
        for input in ["WDJB-MJHT", "wdjb-mjht", "WDJBMJHT", " wdjb mjht ", "W-D-J-B-M-J-H-T"] {
            assert_eq!(
                UserCode::parse(input).map(|c| c.display()),
                Some("WDJB-MJHT".into()),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_other_characters_and_lengths() {
        for input in
            ["WDJB-MJH", "WDJB-MJHTB", "WDJB-MJHA", "WDJB-MJH1", "WDJB_MJHT", "", "ŴDJB-MJHT"]
        {
            assert_eq!(UserCode::parse(input), None, "{input}");
        }
    }

    #[test]
    fn generated_codes_use_the_alphabet_and_differ_per_attempt() {
        let entropy = Entropy::from_bytes([3; 32]);
        let first = UserCode::generate(&entropy, 0);
        assert_eq!(first.as_str().len(), 8);
        assert!(first.as_str().bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(UserCode::parse(&first.display()), Some(first.clone()));
        assert_ne!(first, UserCode::generate(&entropy, 1));
        assert_eq!(first, UserCode::generate(&entropy, 0), "deterministic for fixed entropy");
    }

    #[test]
    fn generated_characters_are_roughly_uniform() {
        let mut counts = [0u32; 20];
        for seed in 0..2000u32 {
            let mut bytes = [0u8; 32];
            bytes[..4].copy_from_slice(&seed.to_be_bytes());
            for b in UserCode::generate(&Entropy::from_bytes(bytes), 0).as_str().bytes() {
                counts[ALPHABET.iter().position(|&a| a == b).unwrap()] += 1;
            }
        }
        // 16,000 characters: 800 expected per letter.
        assert!(counts.iter().all(|&c| (650..950).contains(&c)), "{counts:?}");
    }

    #[test]
    fn debug_hides_the_code() {
        let code = UserCode::parse("WDJB-MJHT").unwrap();
        assert_eq!(format!("{code:?}"), "UserCode(W…)");
    }
}
