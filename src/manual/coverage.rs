//! # RFC coverage map
//!
//! What qscope implements of each RFC, what it deliberately does not offer,
//! and where the proof is. The full map — every server-side MUST and
//! SHOULD, one row each, with the test or vector that covers it — is
//! `rfc-vectors/CONFORMANCE.md` in the repository; `tests/conformance_map.rs`
//! fails when a test or vector it names is missing or a MUST row is
//! uncovered. The RFCs' examples run as vectors from `rfc-vectors/`.
//!
//! | RFC | implemented | not offered, and why |
//! |---|---|---|
//! | 6749 OAuth 2.0 | Authorization code (with PKCE), client credentials, refresh token; `client_secret_basic`, `client_secret_post`, `none`; every §4.1.2.1 and §5.2 error with its status | The implicit grant (removed by OAuth 2.1): `response_type=token` is `unsupported_response_type`. The password grant is off by default, as RFC 9700 §2.4 forbids it; a host may enable it for legacy clients ([`ConfigBuilder::grants`](crate::ConfigBuilder::grants), then per client) |
//! | 6750 Bearer tokens | The bearer check, an exchange of one read ([`Input::bearer`](crate::Input::bearer)): the `Authorization` header, the form body when [`BearerPolicy`](crate::BearerPolicy) allows it, exact `WWW-Authenticate` challenges | Tokens in the URI query (OAuth 2.1 §5.1: ignored). Audience restriction (no resource indicators yet) |
//! | 7009 Revocation | Access and refresh tokens; a refresh token takes its whole family | `unsupported_token_type` (every type is revocable); JSONP by GET (a token in a URL) |
//! | 7636 PKCE | S256 always; `plain` only when [`PkcePolicy`](crate::PkcePolicy) allows it; required for public clients and, by default, for confidential ones | — |
//! | 7662 Introspection | Confidential callers; a client sees its own tokens, a client marked `resource_server` every token; inactive answers are exactly `{"active":false}` | Introspection authorized by a bearer token; `nbf` and `aud` (tokens have neither) |
//! | 8414 Metadata | The document at the RFC 8414 §3.1 path, listing only what is enabled | `jwks_uri` (the JWKS exists behind feature `jwt`, not yet in the metadata) |
//! | 8628 Device grant | The device authorization endpoint, polling with `slow_down`, the host's verification page through [`Input::DevicePrompt`](crate::Input::DevicePrompt) and [`Input::DeviceDecision`](crate::Input::DeviceDecision) | — (throttling of typed user codes is the host's; every mismatch is audited with the peer) |
//! | 7591 Registration | Open, closed (default) or initial-access-token registration ([`RegistrationPolicy`](crate::RegistrationPolicy)); metadata validated, unknown members ignored | Software statements (ignored, as §3.1.1 allows); `jwks`, `jwks_uri`; JWT client authentication methods |
//! | 7592 Management | Read, replace and delete with the registration access token | Token rotation on read (allowed, not needed) |
//! | 9126 PAR | Pushed requests authenticated like token requests; single-use `request_uri`; PAR required per server or per client | Request objects (RFC 9101) and JWT client assertions |
//! | 9207 `iss` | `iss` on every authorization response, errors included; advertised in the metadata | — (no ID tokens) |
//! | 7515, 7517, 7518, 7519, 7638, 8037, 8725, 9068 JOSE and JWT access tokens | Feature `jwt`, as a library: compact JWS (ES256, EdDSA, RS256, PS256), JWKs and JWK Sets, thumbprints, key rotation, external signers, RFC 9068 claims and the offline resource verifier (chapter `jose` of this manual) | HMAC and `none` (by design); JWE; the token endpoint does not issue JWTs yet |
//! | 9700 Security BCP | Exact redirect matching, PKCE, single-use codes with family revocation, refresh rotation with reuse detection, no CORS at the authorization endpoint, no 307 | Sender-constrained tokens (DPoP, mTLS), audience restriction and asymmetric client authentication — SHOULDs not yet met |
//!
//! ## Not met
//!
//! No MUST is open. These SHOULDs are, each a row marked `GAP` in the map:
//!
//! * RFC 6750 §5.3, RFC 9700 §2.3: access tokens carry no audience.
//! * RFC 9700 §2.2.1: no sender-constrained access tokens.
//! * RFC 9700 §2.5: no asymmetric client authentication (`private_key_jwt`,
//!   mTLS).
//!
//! ## Readings worth knowing
//!
//! * An authorization request that fails validation after its client and
//!   redirect URI were verified is redirected to the client at once, as
//!   RFC 6749 §4.1.2.1 prescribes, before any user logs in — if the client
//!   was made by an administrator. RFC 9700 §4.11.2 asks servers to
//!   redirect automatically only to trusted URIs, and to authenticate the
//!   user first: a self-registered client's errors are therefore answered
//!   directly (JSON or HTML by `Accept`), its store failures too, and only
//!   the host's decision (the user signed in) redirects to it.
//!   [`ConfigBuilder::trust_self_registered_redirects`](crate::ConfigBuilder::trust_self_registered_redirects)
//!   trusts them as well. The SQL schema's version 2 records who registered
//!   each client; version 1 rows with a registration access token read as
//!   self-registered.
//! * A refresh, a code redemption and a device-code poll issue at most the
//!   grant's scopes that the client is still allowed: without a `scope`
//!   parameter the intersection (stored in the rotated refresh token too),
//!   a requested scope the client lost is `invalid_scope` naming it, and a
//!   grant with no scope left is `invalid_grant` (nothing revoked: it works
//!   again if the scopes come back).
//! * A refresh token that a grace-window retry replaced counts as rotated:
//!   presenting it is reuse and revokes the family.
//! * `client_uri` and `logo_uri` of a self-registered client must be on
//!   the host of every https redirect URI it registers (the stricter
//!   reading of RFC 7591 §5; a client that shows display URIs receives its
//!   codes on one web host). Shown texts may not hold control or
//!   bidirectional-text characters.
//! * Every failed client authentication gets the same answer; the cause
//!   is the audit event's `reason`.
//! * The issuer may be plain `http` only for a loopback host, for local
//!   development; everything published then follows it.
//! * A server without the authorization code grant omits
//!   `response_types_supported`: its list would be empty, and RFC 8414 §3.2
//!   omits empty members.
//!
//! ## Sizes of what qscope issues (RFC 6749 §2.2, §4.1.2, §5.1)
//!
//! Every secret value is 32 bytes from the request's entropy, base64url
//! without padding: 43 characters (256 bits). That holds for access and
//! refresh tokens, authorization codes, interaction handles, device codes,
//! client secrets and registration access tokens; a `request_uri` is
//! `urn:ietf:params:oauth:request_uri:` followed by 43 such characters.
//! Registered client identifiers are 22 characters (128 bits); user codes
//! are 8 consonants shown as `XXXX-XXXX`; the `jti` of an introspection
//! answer is 22 characters.
