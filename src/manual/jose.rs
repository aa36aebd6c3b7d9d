//! # JWT access tokens and the JOSE layer (feature `jwt`)
//!
//! [`crate::jose`] signs and verifies compact JWSs (RFC 7515) with ES256,
//! EdDSA (Ed25519), RS256 and PS256 (RFC 7518, RFC 8037), reads and writes
//! JWKs and JWK Sets (RFC 7517) with RFC 7638 thumbprints, holds signing
//! keys through their rotation, and encodes RFC 9068 access tokens.
//! [`crate::resource`] verifies those tokens offline for a resource
//! server. The token endpoint issues these tokens for resources defined
//! as JWT ([`TokenFormat::Jwt`](crate::TokenFormat), see [Issuing at the
//! token endpoint](#issuing-at-the-token-endpoint)); the example below uses
//! the layer as a library.
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
//! ## Issuing at the token endpoint
//!
//! Define the resource with JWT access tokens and give the configuration
//! its keys:
//!
//! ```
//! # use qscope::jose::{Algorithm, KeySet, RotationPolicy, Signer, SigningKey};
//! # use qscope::{Config, ResourceDefinition, TokenFormat, UnixTime};
//! # use rand_chacha::rand_core::SeedableRng as _;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([42; 32]);
//! # let mut keys = KeySet::new(RotationPolicy::default());
//! # keys.publish(Signer::InProcess(SigningKey::generate(Algorithm::EdDsa, &mut rng)?),
//! #     UnixTime::from_secs(0))?;
//! let config = Config::builder("https://as.example.com")
//!     .scope("reports", "Read reports", false)
//!     .signing_keys(keys)
//!     .resource(ResourceDefinition::new("https://rs.example.com/").with_format(TokenFormat::Jwt))
//!     .build()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A token request naming `resource=https://rs.example.com/` (any grant)
//! is answered with an RFC 9068 JWT: header `typ: at+jwt`, `alg` and `kid`
//! of the key active now; claims `iss`, `sub` (the user, or the client for
//! client credentials), `aud` (the resource), `client_id`, `iat`, `exp`,
//! `jti` and `scope`. The signature is made in-process from the request's
//! entropy. Rules:
//!
//! * **Stored by hash.** The JWT is stored like an opaque token (SHA-256 of
//!   the whole string), so revocation, introspection (`aud` included),
//!   FIFO limits and family revocation work exactly as for opaque tokens,
//!   and a revoked JWT introspects `{"active":false}`.
//! * **Offline verifiers see a revocation only at expiry.** A resource
//!   server that verifies the signature alone keeps accepting a revoked
//!   JWT until its `exp`. That is why a JWT resource's tokens live
//!   [`DEFAULT_JWT_LIFETIME`](crate::DEFAULT_JWT_LIFETIME) (5 minutes)
//!   unless the definition says otherwise; use the store-backed check or
//!   introspection where a revocation must take effect at once.
//! * **One resource per JWT** (RFC 9068 §3): a request whose audience
//!   would hold a JWT resource and another is `invalid_target`; name one.
//! * **Refresh tokens stay opaque**, and keep the grant's resources.
//! * **External keys are not used yet.** When the active key is a
//!   [`Signer::External`](crate::jose::Signer), the token request is
//!   answered `500 server_error` and nothing is stored: the core's pause
//!   for the host's signature (below) is not wired into the token
//!   endpoint.
//! * The `jti` claim is random; introspection's `jti` is qscope's usual
//!   identifier derived from the token's hash, so the two differ.
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
//! | no `cnf` on a bearer token; with `with_dpop`, the DPoP scheme's proof made with the `cnf.jkt` key | `SenderConstrained`; `MissingProof`, `Proof`, `NotKeyBound`, `KeyMismatch` |
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
//! installed.
//!
//! ## DPoP proofs and client assertions
//!
//! Two verifiers for what clients sign, both pure functions (no clock, no
//! store, no fetch), not yet called by any endpoint:
//!
//! * [`DpopVerifier`](crate::jose::dpop::DpopVerifier) checks a `DPoP`
//!   header (RFC 9449 §4.3): `typ: dpop+jwt`, an allowed asymmetric `alg`,
//!   a public `jwk` in the header that the signature verifies with, `htm`
//!   and `htu` against the request (`htu` without query and fragment,
//!   after RFC 3986 syntax- and scheme-based normalization), `iat` within
//!   a window, a `jti`, `ath` when an access token is presented and
//!   `nonce` when the caller requires one. It returns the key's RFC 7638
//!   thumbprint — the `cnf.jkt` a bound token carries — with the `jti` and
//!   `iat`. [`proof_header`](crate::jose::dpop::proof_header) takes the
//!   one `DPoP` header of a request.
//! * [`DpopNonces`](crate::jose::dpop::DpopNonces) makes the server's
//!   `DPoP-Nonce` values (RFC 9449 §8, §9) without state: the index of a
//!   time bucket with an HMAC-SHA-256 tag under a 32-byte key every node
//!   shares, so node B accepts what node A sent. `current(now)` is the
//!   nonce to send, `accepted(now)` the ones to pass to
//!   `DpopRequest::requiring_nonce` (this bucket's and the last one's, and
//!   a previous key's during a key change); a nonce expires by itself.
//! * [`ClientAssertionVerifier`](crate::jose::client_assertion::ClientAssertionVerifier)
//!   checks a `private_key_jwt` `client_assertion` (RFC 7523 §3) against
//!   the client's JWK Set: `iss` = `sub` = the `client_id`, `aud` the
//!   issuer identifier (the token endpoint URL only if accepted), `exp`
//!   required and at most a maximum ahead, `nbf` and `iat` with leeway, a
//!   `jti`; the `kid`'s key decides the algorithm.
//!
//! The header `jwk` is read only on the DPoP path: a token or an
//! assertion with one is still refused
//! ([`JoseError::KeyReferenceInHeader`](crate::jose::JoseError::KeyReferenceInHeader)).
//! Neither verifier can tell a replay: the caller keeps each `jti` (at
//! most [`MAX_JTI_BYTES`](crate::jose::MAX_JTI_BYTES)) for the window —
//! the proof's `iat` window, the assertion's `exp` — as a precondition of
//! the commit that acts on it.
//!
//! ```
//! use qscope::jose::client_assertion::{ClientAssertionClaims, ClientAssertionVerifier};
//! use qscope::jose::dpop::{DpopClaims, DpopRequest, DpopVerifier};
//! use qscope::jose::{Algorithm, Audience, JwkSet, SigningKey};
//! use qscope::UnixTime;
//! use rand_chacha::rand_core::SeedableRng as _;
//!
//! let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
//! let now = UnixTime::from_secs(1_700_000_000);
//!
//! // The client proves it holds its DPoP key at the token endpoint.
//! let dpop_key = SigningKey::generate(Algorithm::Es256, &mut rng)?;
//! let proof = DpopClaims {
//!     jti: "Qm9vdHN0cmFwcGVk".into(),
//!     htm: "POST".into(),
//!     htu: "https://as.example.com/token".into(),
//!     iat: now,
//!     ath: None,
//!     nonce: None,
//! }
//! .sign(&dpop_key, &mut rng)?;
//! let request = DpopRequest::new(&http::Method::POST, "https://as.example.com/token");
//! let checked = DpopVerifier::new().verify(&proof, &request, now)?;
//! assert_eq!(checked.jkt, dpop_key.public_jwk().thumbprint()); // the token's cnf.jkt
//!
//! // And authenticates with its registered key.
//! let client_key = SigningKey::generate(Algorithm::EdDsa, &mut rng)?;
//! let client_jwks = JwkSet::new(vec![client_key.public_jwk()])?;
//! let assertion = ClientAssertionClaims {
//!     iss: "app".into(),
//!     sub: "app".into(),
//!     aud: Audience::One("https://as.example.com".into()),
//!     exp: UnixTime::from_secs(now.as_secs() + 60),
//!     iat: Some(now),
//!     nbf: None,
//!     jti: "a-unique-id".into(),
//! }
//! .sign(&client_key, &mut rng)?;
//! let client = ClientAssertionVerifier::new("https://as.example.com")
//!     .verify(&assertion, "app", &client_jwks, now)?;
//! assert_eq!((client.client_id.as_str(), client.jti.as_str()), ("app", "a-unique-id"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Each refusal is a variant of
//! [`DpopError`](crate::jose::dpop::DpopError) (answered
//! `invalid_dpop_proof`, or `use_dpop_nonce` for the two nonce variants)
//! or [`ClientAssertionError`](crate::jose::client_assertion::ClientAssertionError)
//! (always `invalid_client`, the variant only for the audit trail).
//! RFC 9449's example proofs (Figures 2, 7 and 13) verify — they carry
//! their public key — and bind to the `jkt` of its §6.1; `jsonwebtoken`
//! signs proofs qscope verifies and verifies qscope's
//! (`tests/jose_interop.rs`); the `proofs` fuzz target runs both verifiers.
//!
//! ## Publishing the keys
//!
//! [`ConfigBuilder::signing_keys`](crate::ConfigBuilder::signing_keys)
//! gives the server its [`KeySet`](crate::jose::KeySet): it then answers
//! `GET` at [`Endpoints::jwks`](crate::Endpoints::jwks) (default `/jwks`)
//! with the JWKS at the request's instant (`application/jwk-set+json`,
//! cacheable for half of `publish_ahead`, at most an hour, so a key
//! published ahead reaches every cache before it signs) and lists it as
//! `jwks_uri` in the metadata. Without keys the path is 404 and the
//! metadata has no `jwks_uri`.
//!
//! Not yet: the token endpoint issuing JWTs and resource indicators (RFC
//! 8707). Protected resource metadata (RFC 9728) is in
//! [`resource_servers`](super::resource_servers).
