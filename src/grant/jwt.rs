//! RFC 9068 JWT access tokens minted at the token endpoint (feature
//! `jwt`): the claims of the grant, signed in-process by the key of the
//! configuration's key set active now.
//!
//! The signature's randomness (RSA blinding, the PSS salt; ES256 and EdDSA
//! are deterministic) comes from the request's [`Entropy`](crate::Entropy)
//! through a SHA-256 counter stream, so the core draws no randomness of its
//! own. A key held outside the process ([`Signer::External`]) is refused
//! with `server_error` for now: the pause for the host's signature is not
//! wired into the token endpoint yet.
//!
//! [`Signer::External`]: crate::jose::Signer::External

use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

use crate::error::OAuthError;
use crate::jose::{AccessTokenClaims, Audience, SignStep};
use crate::secret::encode_secret;
use crate::{Config, Context, ErrorCode, Scopes, UnixTime};

/// What goes into the token besides the configuration's issuer.
pub(super) struct Claims<'a> {
    pub(super) client_id: &'a str,
    pub(super) subject: Option<&'a str>,
    pub(super) resources: &'a [String],
    pub(super) scopes: &'a Scopes,
    pub(super) expires_at: UnixTime,
}

/// The signed JWT, or `server_error` when no key can sign now.
pub(super) fn mint(
    config: &Config,
    ctx: &Context,
    claims: &Claims<'_>,
) -> Result<String, OAuthError> {
    let unavailable = |why: &'static str| OAuthError::new(ErrorCode::ServerError, why);
    let keys =
        config.signing_keys().ok_or_else(|| unavailable("no signing keys are configured"))?;
    let aud = match claims.resources {
        [one] => Audience::One(one.clone()),
        many => Audience::Many(many.to_vec()),
    };
    let claims = AccessTokenClaims {
        iss: config.issuer().to_owned(),
        // RFC 9068 §2.2: without a resource owner, `sub` is the client.
        sub: claims.subject.unwrap_or(claims.client_id).to_owned(),
        aud,
        client_id: claims.client_id.to_owned(),
        iat: ctx.now,
        exp: claims.expires_at,
        jti: encode_secret(&ctx.entropy.derive(b"jwt-jti")),
        scope: claims.scopes.clone(),
        auth_time: None,
        nbf: None,
        cnf: None,
    };
    let mut rng = EntropyStream::new(ctx.entropy.derive(b"jwt-signature"));
    match claims.begin_sign(keys, ctx.now, &mut rng) {
        Ok(SignStep::Signed(jwt)) => Ok(jwt),
        Ok(SignStep::Sign(_)) => Err(unavailable(
            "the active signing key is external, which the token endpoint cannot use yet",
        )),
        Err(_) => Err(unavailable("no signing key is active")),
    }
}

/// SHA-256 over a 32-byte seed and a block counter: the bytes the signature
/// needs, drawn from the request's entropy alone.
struct EntropyStream {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl EntropyStream {
    fn new(seed: [u8; 32]) -> Self {
        Self { seed, counter: 0, block: [0; 32], used: 32 }
    }

    fn refill(&mut self) {
        let mut hasher = Sha256::new();
        hasher.update(self.seed);
        hasher.update(self.counter.to_be_bytes());
        self.block = hasher.finalize().into();
        self.counter += 1;
        self.used = 0;
    }
}

impl RngCore for EntropyStream {
    fn next_u32(&mut self) -> u32 {
        let mut bytes = [0; 4];
        self.fill_bytes(&mut bytes);
        u32::from_le_bytes(bytes)
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0; 8];
        self.fill_bytes(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for byte in dst {
            if self.used == self.block.len() {
                self.refill();
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
    }
}

/// The seed is 256 bits from the host's CSPRNG, used for one signature.
impl CryptoRng for EntropyStream {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_depends_on_its_seed_and_does_not_repeat_blocks() {
        let mut a = EntropyStream::new([1; 32]);
        let mut b = EntropyStream::new([2; 32]);
        let (mut x, mut y) = ([0u8; 64], [0u8; 64]);
        a.fill_bytes(&mut x);
        b.fill_bytes(&mut y);
        assert_ne!(x, y);
        assert_ne!(x[..32], x[32..]);
    }
}
