//! # Resource servers: checking tokens and publishing RFC 9728 metadata
//!
//! An API that accepts qscope's access tokens needs three things: a check
//! of the token on every request, the RFC 6750 challenge when the check
//! fails, and — for clients that arrive knowing only the API's URL, as
//! Model Context Protocol clients do — a document saying which
//! authorization server to ask (RFC 9728).
//!
//! ## The two checks
//!
//! | | store-backed | offline |
//! |---|---|---|
//! | how | [`Input::bearer`](crate::Input::bearer) through a driver, or [`StoreCheck`](crate::adapter) in the layer | [`JwtAccessVerifier`](crate::resource) (feature `jwt`) |
//! | tokens | every qscope access token | RFC 9068 JWT access tokens |
//! | needs | the authorization server's store | a JWKS snapshot |
//! | revocation | seen on the next request | seen at expiry only |
//! | answers | [`Reply::Access`](crate::Reply::Access) or [`Reply::Http`](crate::Reply::Http) with the challenge | the same |
//!
//! Both challenge exactly alike (RFC 6750 §3): 401 with no error for a
//! request without a token, 400 `invalid_request` for malformed
//! credentials, 401 `invalid_token` for an unknown, expired or revoked
//! token (or, offline, a bad signature, issuer or audience), 403
//! `insufficient_scope` with the required `scope`.
//!
//! ## Audience: tokens for this resource only (RFC 8707)
//!
//! The authorization server defines each resource
//! ([`ConfigBuilder::resource`](crate::ConfigBuilder::resource) with a
//! [`ResourceDefinition`](crate::ResourceDefinition): the indicator, opaque
//! or JWT tokens, their lifetime, the scopes they may carry). A client that
//! names `resource=<indicator>` at the authorization, PAR, device or token
//! endpoint gets tokens whose audience is that resource; an unknown or
//! malformed one is `invalid_target`. A token request may narrow the
//! grant's resources, never widen them; refresh tokens keep the grant's.
//!
//! A resource server states its indicator so that a token for another API
//! is refused (RFC 6750 §5.3, RFC 9700 §2.3):
//! [`Input::bearer_for`](crate::Input::bearer_for) for the store-backed
//! check, `StoreCheck::for_resource` in the layer, and the audience given
//! to `JwtAccessVerifier::new` offline. A token for another resource, or
//! one requested without `resource`, is then `401 invalid_token` ("The
//! access token is not for this resource"). Introspection returns the
//! audience as `aud`.
//!
//! ## Describing the resource
//!
//! A [`ProtectedResource`](crate::resource::ProtectedResource) is the
//! resource identifier (an `https` URL without fragment), the issuers
//! whose tokens it accepts, its scopes and name. It gives:
//!
//! * [`metadata_path`](crate::resource::ProtectedResource::metadata_path):
//!   where the document lives — `/.well-known/oauth-protected-resource`
//!   inserted between the host and the path, so
//!   `https://api.example.com/reports` publishes at
//!   `/.well-known/oauth-protected-resource/reports` (RFC 9728 §3.1);
//! * [`metadata_response`](crate::resource::ProtectedResource::metadata_response):
//!   `200 application/json`, members without a value omitted (§3.2);
//! * [`bearer_policy`](crate::resource::ProtectedResource::bearer_policy):
//!   the [`BearerPolicy`](crate::BearerPolicy) whose challenges carry
//!   `resource_metadata="<document URL>"` (§5.1). Give it to the server's
//!   [`ConfigBuilder::bearer`](crate::ConfigBuilder::bearer) for the
//!   store-backed check, or to
//!   `JwtAccessVerifier::with_bearer_policy` for the offline one.
//!
//! ## The tower layer (feature `tower`)
//!
//! `qscope::adapter::protect::ProtectLayer::new(check, required_scopes)`
//! wraps a route (an axum `Router`'s routes, a hyper service, any tower
//! service whose response body is `From<Vec<u8>>`):
//!
//! * `GET` at the metadata path is answered with the document, without a
//!   token, when the layer was given the resource
//!   (`.with_metadata(&resource)`);
//! * a request whose token passes reaches the route with the
//!   [`Access`](crate::Access) (client, subject, scopes) in its
//!   extensions; with axum, take it as `Extension<Access>`;
//! * any other request is answered by the layer with the challenge, and
//!   the route never runs.
//!
//! The layer reads the `Authorization` header only: a token in a form
//! body would need the body buffered before the route reads it. The
//! request body reaches the route untouched. The peer address for the
//! check's context comes from a `SocketAddr` in the request extensions.
//!
//! ## DPoP-bound tokens (feature `jwt`)
//!
//! [`JwtAccessVerifier::with_dpop`](crate::resource::JwtAccessVerifier::with_dpop)
//! makes the offline check accept sender-constrained tokens (RFC 9449 §7)
//! besides bearer tokens: `Authorization: DPoP <token>` with one `DPoP`
//! proof for the request's method and URI (the origin you give plus the
//! request path; the query is ignored), carrying `ath` = the token's hash,
//! made with the key whose thumbprint is the token's `cnf.jkt`. Give it
//! [`DpopNonces`](crate::jose::dpop::DpopNonces) to require a nonce.
//!
//! ```
//! # #[cfg(feature = "jwt")] {
//! # use qscope::jose::JwkSet;
//! use qscope::jose::dpop::DpopVerifier;
//! use qscope::resource::JwtAccessVerifier;
//! # let jwks = JwkSet::new(Vec::new()).unwrap();
//! let verifier = JwtAccessVerifier::new(jwks, "https://as.example.com", "https://api.example.com/")
//!     .with_dpop(DpopVerifier::new(), "https://api.example.com", None);
//! # }
//! ```
//!
//! What it answers:
//!
//! | request | answer |
//! |---|---|
//! | a bound token with a valid proof | the [`Access`](crate::Access) |
//! | `DPoP` scheme, no proof, two proofs, or a proof for another method, URI or token | 401 `DPoP error="invalid_dpop_proof"`, `algs` |
//! | a valid proof by another key than `cnf.jkt` | 401 `DPoP error="invalid_token", error_description="Invalid DPoP key binding"` (RFC 9449 Figure 16) |
//! | `DPoP` scheme with an unbound token | 401 `invalid_token` |
//! | a bound token sent as `Bearer` | 401 `Bearer … invalid_token` (§7.2) and `DPoP algs=…` |
//! | nonces required, proof without the current one | 401 `use_dpop_nonce` with a fresh `DPoP-Nonce` |
//! | no credentials | 401 with `Bearer realm=…` and `DPoP algs=…` (Figure 15) |
//!
//! The verifier keeps no state, so a proof resent within its `iat`
//! window (one minute by default) with the same request and token passes
//! again; [`verify_dpop`](crate::resource::JwtAccessVerifier::verify_dpop)
//! returns the proof's `jti` for a host that tracks them, and nonces
//! shorten the window. The store-backed check does not take DPoP yet.
//!
//! ## How it fails
//!
//! * A resource identifier that is not `https`, has user information or a
//!   fragment, or an issuer with a query: [`ResourceError`](crate::resource::ResourceError)
//!   when the resource is built, not at the first request.
//! * A `resource_metadata` URL that a challenge cannot carry (not `https`,
//!   a space, `"` or `\`): [`ConfigError::ResourceMetadata`](crate::ConfigError::ResourceMetadata)
//!   at [`ConfigBuilder::build`](crate::ConfigBuilder::build).
//! * The store failing during a store-backed check: `503
//!   temporarily_unavailable` with `Retry-After: 1`, or `500`, as JSON —
//!   the token was not judged, so no challenge.
//! * The OS random source failing (the layer draws the request id and
//!   context as every adapter does): `500`.
//!
//! ## RFC rows
//!
//! RFC 9728 §1.2, §2, §3, §3.1, §3.2, §3.3 and §5.1, RFC 8707 §2 for the
//! audience, RFC 6750 §3 and §5.3 for the challenges, and RFC 9449 §6,
//! §7, §7.1, §7.2 and §9 for DPoP: see
//! `rfc-vectors/CONFORMANCE.md`.
