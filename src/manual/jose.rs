//! # JWT access tokens and the JOSE layer (feature `jwt`)
//!
//! [`crate::jose`] signs and verifies compact JWSs (RFC 7515) with ES256,
//! EdDSA (Ed25519), RS256 and PS256 (RFC 7518, RFC 8037), reads and writes
//! JWKs and JWK Sets (RFC 7517) with RFC 7638 thumbprints, holds signing
//! keys through their rotation, and encodes RFC 9068 access tokens.
//! [`crate::resource`] verifies those tokens offline for a resource
//! server. Neither is wired into the token endpoint yet: this chapter
//! describes the layer as a library.
//!
//! ## Issuing and verifying
//!
//! ```
//! use qscope::jose::{AccessTokenClaims, Algorithm, Audience, KeySet, RotationPolicy,
//!                    SignStep, Signer, SigningKey};
//! use qscope::resource::JwtAccessVerifier;
//! use qscope::{Scopes, UnixTime};
//! use rand_chacha::rand_core::SeedableRng as _;
//!
//! // The host's CSPRNG; the core never draws randomness itself.
//! let mut rng = rand_chacha::ChaCha20Rng::from_seed([42; 32]);
//! let now = UnixTime::from_secs(1_700_000_000);
//!
//! // The authorization server: one key, signing at once (the set was empty).
//! let mut keys = KeySet::new(RotationPolicy::default());
//! keys.publish(Signer::InProcess(SigningKey::generate(Algorithm::Es256, &mut rng)?), now)?;
//! let claims = AccessTokenClaims {
//!     iss: "https://as.example.com".into(),
//!     sub: "alice".into(),
//!     aud: Audience::One("https://rs.example.com/".into()),
//!     client_id: "app".into(),
//!     iat: now,
//!     exp: UnixTime::from_secs(now.as_secs() + 300),
//!     jti: "a-unique-id".into(),
//!     scope: Scopes::from_names(["reports"]),
//!     auth_time: None,
//!     nbf: None,
//!     cnf: None,
//! };
//! let SignStep::Signed(token) = claims.begin_sign(&keys, now, &mut rng)? else {
//!     unreachable!("an in-process key signs at once");
//! };
//! let jwks_document = keys.jwks(now).to_json(); // what `jwks_uri` serves
//!
//! // The resource server, with a snapshot of that document.
//! let jwks = qscope::jose::JwkSet::parse(&jwks_document)?;
//! let verifier = JwtAccessVerifier::new(jwks, "https://as.example.com", "https://rs.example.com/");
//! let access = verifier.verify(&token, &Scopes::from_names(["reports"]), now)?;
//! assert_eq!(access.subject.as_deref(), Some("alice"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`JwtAccessVerifier::verify_request`](crate::resource::JwtAccessVerifier::verify_request)
//! takes the `http::Request` instead and answers like the store-backed
//! check ([`Input::bearer`](crate::Input::bearer)): the [`Access`](crate::Access),
//! or the RFC 6750 challenge to send — 401 `invalid_token` for every
//! failed check (RFC 9068 §4), 403 `insufficient_scope` with the required
//! `scope`, 400 `invalid_request` for malformed credentials.
//!
//! ## How verification fails
//!
//! [`JoseError`](crate::jose::JoseError) names each refusal of the JWS
//! layer, [`JwtAccessError`](crate::resource::JwtAccessError) each of the
//! access-token layer. In the order they are checked:
//!
//! | check | refusal |
//! |---|---|
//! | at most [`MAX_TOKEN_BYTES`](crate::jose::MAX_TOKEN_BYTES), three base64url parts | `TokenTooLarge`, `NotCompact`, `Base64` |
//! | the header: a JSON object, no repeated member, an `alg` | `InvalidHeader` |
//! | `alg` is not `none` and is one of the four | `AlgorithmNone`, `UnsupportedAlgorithm` |
//! | no `crit`; no `jku`, `jwk`, `x5u`, `x5c` (never followed) | `CriticalHeader`, `KeyReferenceInHeader` |
//! | a `kid` naming a key of the snapshot | `MissingKid`, `UnknownKid` |
//! | `alg` in the allow-list and equal to the key's algorithm | `AlgorithmNotAllowed`, `AlgorithmMismatch` |
//! | the signature, of the exact length | `BadSignature` |
//! | `typ` is `at+jwt` or `application/at+jwt` (any case) | `WrongType` |
//! | `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`, `jti` present, none repeated | `Claims` |
//! | `iss` exact, `aud` contains the resource | `WrongIssuer`, `WrongAudience` |
//! | `now < exp + leeway`, `nbf` and `iat` not after `now + leeway` | `Expired`, `NotYetValid`, `IssuedInFuture` |
//! | no `cnf` (a bearer verifier checks no proof of possession) | `SenderConstrained` |
//! | every required scope in `scope` | `InsufficientScope` |
//!
//! A JWK is refused when it carries a private member, has another key
//! type or curve, coordinates of the wrong size or off the curve, an RSA
//! modulus outside 2048–8192 bits or with a leading zero octet, an `alg`
//! that does not fit (an RSA JWK must name RS256 or PS256), `use` other
//! than `sig`, or `key_ops` without `verify`. A JWK Set skips (and counts)
//! the keys it cannot use, as RFC 7517 §5 advises, but is refused whole
//! for a private member, a repeated `kid`, more than
//! [`MAX_JWK_SET_KEYS`](crate::jose::MAX_JWK_SET_KEYS) keys or more than
//! [`MAX_JWK_SET_BYTES`](crate::jose::MAX_JWK_SET_BYTES).
//!
//! ## Keys: storage, rotation, several nodes
//!
//! A [`SigningKey`](crate::jose::SigningKey) is generated from the host's
//! generator or read from PKCS#8 PEM, the format every KMS, `openssl` and
//! the RustCrypto crates exchange (a private JWK would need hand-written
//! code for RSA's eight members and buys nothing). Its `kid` defaults to
//! its RFC 7638 thumbprint; its `Debug` and that of
//! [`PrivateKeyPem`](crate::jose::PrivateKeyPem) show no key material.
//!
//! A [`KeySet`](crate::jose::KeySet) decides every key's state from time
//! alone: a key added with [`publish`](crate::jose::KeySet::publish) is
//! *next* for [`RotationPolicy::publish_ahead`](crate::jose::RotationPolicy)
//! (published in the JWKS, not signing), then *active*, and its
//! predecessor *retired*: still published for `retain_retired`, then
//! dropped by [`prune`](crate::jose::KeySet::prune). Several nodes that
//! restore the same stored keys (PEM, `kid`, algorithm, `published_at`,
//! `signs_from`) with [`insert`](crate::jose::KeySet::insert) sign with the
//! same key and serve the same JWKS at every instant, with no coordination
//! and no restart. Choose `publish_ahead` above the resource servers' JWKS
//! cache time and `retain_retired` above the longest token lifetime plus
//! leeway.
//!
//! ## Keys outside the process
//!
//! A key in a KMS or HSM is a [`Signer::External`](crate::jose::Signer):
//! the core knows its public JWK. Starting a signature then yields a
//! [`SignRequest`](crate::jose::SignRequest) — the JWS Signing Input, the
//! `kid` and the algorithm — instead of a token; the host has the KMS sign
//! and calls [`resume`](crate::jose::SignRequest::resume), which checks the
//! signature against the public key before assembling the token. This is
//! the shape of a future core step `Sign`, answered like `Read` and
//! `Commit`: the core never blocks on I/O. ES256 signatures are `R || S`,
//! not the DER some KMS APIs return.
//!
//! ## Randomness and side channels
//!
//! ES256 nonces follow RFC 6979 and EdDSA is deterministic, so neither
//! draws randomness; RS256 draws only for blinding (its output is
//! deterministic, which is why RFC 7515 A.2 is reproduced byte for byte);
//! PS256 draws its salt. The `rsa` crate's RUSTSEC-2023-0071 (the Marvin
//! attack) is a timing attack on private-key operations over
//! attacker-chosen inputs, chiefly PKCS#1 v1.5 decryption: qscope never
//! decrypts, verification uses only the public key, and signing
//! exponentiates an encoded SHA-256 hash with `rsa` 0.10's constant-time
//! arithmetic and blinding. Prefer ES256 or EdDSA for new keys.
//!
//! ## RFC rows covered
//!
//! `rfc-vectors/CONFORMANCE.md` lists the requirements of RFC 7515, 7517,
//! 7518, 7519, 7638, 8037, 8725 and 9068 this layer meets, each with its
//! test or vector. The vectors (`rfc-vectors/rfc7515`, `rfc7638`,
//! `rfc8037`, `rfc9068`, run by `tests/jose_vectors.rs`): RFC 7515 A.2
//! (RS256) verifies and is signed byte for byte, A.3 (ES256) verifies, RFC
//! 8037 A.4/A.5 (Ed25519) is signed byte for byte and verifies, the RFC
//! 7638 §3.1 and RFC 8037 A.3 thumbprints match, and the RFC 9068 §3
//! token, signed with a fixed key, meets thirty §4 cases. `jsonwebtoken`
//! (`tests/jose_interop.rs`) verifies qscope's tokens from qscope's JWKS
//! for all four algorithms, and so does OpenSSL through Node where it is
//! installed. Not yet: the token endpoint issuing JWTs, `jwks_uri` in the
//! metadata, resource indicators (RFC 8707) and protected resource
//! metadata (RFC 9728).
