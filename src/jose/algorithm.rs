//! The JWS algorithms qscope signs and verifies with (RFC 7518 §3, RFC 8037 §3.1).

use std::fmt;

/// A JWS signature algorithm. Only asymmetric algorithms exist here: `none`
/// (RFC 7518 §3.6) and the HMAC family cannot be named, so no key, header
/// or configuration can select them (RFC 8725 §3.1, §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// ECDSA on P-256 with SHA-256 (RFC 7518 §3.4); signatures are
    /// `R || S`, 64 octets; nonces by RFC 6979 (RFC 8725 §3.2).
    Es256,
    /// Ed25519 (RFC 8037 §3.1), the only EdDSA curve accepted.
    EdDsa,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3), mandatory to
    /// implement for RFC 9068 §2.1. Keys of at least 2048 bits.
    Rs256,
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-octet salt
    /// (RFC 7518 §3.5). Keys of at least 2048 bits.
    Ps256,
}

impl Algorithm {
    /// Every algorithm, in the order of preference for new keys.
    pub const ALL: [Self; 4] = [Self::Es256, Self::EdDsa, Self::Rs256, Self::Ps256];

    /// The `alg` value (RFC 7518 §3.1, RFC 8037 §3.1).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
        }
    }

    /// Reads an `alg` value. `none` is [`AlgorithmRefusal::None`]; any
    /// other value outside the four is [`AlgorithmRefusal::Unsupported`]
    /// (HS256 among them: a public key is never used as an HMAC secret).
    /// Names are case-sensitive (RFC 7515 §4.1.1). Each refusal becomes
    /// the [`JoseError`](super::JoseError) of the same name.
    pub fn parse(alg: &str) -> Result<Self, AlgorithmRefusal> {
        match alg {
            "ES256" => Ok(Self::Es256),
            "EdDSA" => Ok(Self::EdDsa),
            "RS256" => Ok(Self::Rs256),
            "PS256" => Ok(Self::Ps256),
            "none" => Err(AlgorithmRefusal::None),
            _ => Err(AlgorithmRefusal::Unsupported),
        }
    }
}

/// Why an `alg` value names no [`Algorithm`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AlgorithmRefusal {
    /// `none`: unsecured JWSs are never accepted (RFC 9068 §2.1, §4).
    #[error("alg \"none\" is refused")]
    None,
    /// An algorithm qscope does not implement (HMAC among them).
    #[error("the alg is not one of ES256, EdDSA, RS256, PS256")]
    Unsupported,
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_none_and_hmac_are_refused() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::parse(alg.as_str()), Ok(alg));
        }
        assert_eq!(Algorithm::parse("none"), Err(AlgorithmRefusal::None));
        for other in ["HS256", "HS512", "es256", "EDDSA", "ES384", "RS512", ""] {
            assert_eq!(Algorithm::parse(other), Err(AlgorithmRefusal::Unsupported), "{other}");
        }
    }
}
