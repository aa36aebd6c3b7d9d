//! # Threat model, mapped to RFC 9700 (OAuth 2.0 Security Best Current Practice)
//!
//! What an attacker can do against an authorization server, and what in
//! qscope stands in the way. Sections are RFC 9700's. Where qscope relies on
//! the host (TLS, pages, rate limits) the entry says so.
//!
//! | RFC 9700 | threat | qscope |
//! |---|---|---|
//! | §2.1, §4.1 | redirect URI manipulation | Registered redirect URIs are compared as exact strings; only the port of a loopback IP redirect may vary (RFC 8252 §7.3). An unknown client or unmatched URI is answered directly, never redirected. |
//! | §2.1.1, §4.5 | authorization code injection | PKCE is required for public clients and, by default, for confidential ones (`PkcePolicy`); the verifier is checked in constant time at the token endpoint. |
//! | §2.1.1, §4.8 | PKCE downgrade | A token request with `code_verifier` for a code issued without a challenge is refused (`invalid_request`, OAuth 2.1 §3.2.4); `plain` is off unless configured. |
//! | §2.1.2 | implicit grant | Not offered: `response_type=token` is `unsupported_response_type`. |
//! | §2.4 | resource owner password credentials | Off by default; when a host enables it per server and per client, the user check is asked only after the client authenticated, and no password reaches an effect, an audit event or `Debug`. |
//! | §2.2.2, §4.14 | refresh token theft and replay | Refresh tokens rotate on every use; a rotated token presented again revokes its whole family (one family, never every token of the client). An optional grace window tolerates a lost response while keeping at most one live successor. FIFO limits cap live refresh tokens per client and per client + subject. |
//! | §4.5, RFC 6749 §4.1.2 | authorization code replay | Single use is a store-side precondition (`CodeUnconsumed`) applied in the same transaction as the issue, so two concurrent redemptions yield one token response on any conforming backend; the loser's request revokes the winner's tokens. |
//! | §4.4 | mix-up | The authorization response carries `iss` (RFC 9207), also on errors. |
//! | §4.7 | CSRF against the redirect URI | PKCE binds the code to the client's session; `state` is echoed. Host pages must protect their own forms (the demo server does). |
//! | §4.2, §4.3 | leakage through Referer or history | Codes are single use and short-lived (60 s default, 10 min at most); no token ever appears in a URL. |
//! | §4.10 | misuse of stolen access tokens | Access tokens are short-lived (1 h default) and revocable (RFC 7009); resource servers can introspect (RFC 7662). Sender-constrained tokens (DPoP, mTLS) are not implemented yet. |
//! | §4.11, §4.12 | open redirection, 307 | Redirects go only to verified client URIs: 302 for the request's own errors, 303 after the host's decision (never 307). |
//! | §4.15 | client impersonating a resource owner | Client-credentials tokens carry no subject. |
//! | §4.16 | clickjacking | A host concern; the demo server sends `X-Frame-Options: DENY` and `Content-Security-Policy: frame-ancestors 'none'`, and its forms may post only to itself (`form-action 'self'`, plus the one redirect origin of the consent page). |
//! | RFC 6749 §10.10 | guessing tokens and codes | Every token, code and handle carries 256 bits from the host's CSPRNG (guessing probability 2^-256, above the RFC's 2^-128 floor). |
//! | RFC 6749 §10.3, §10.5 | stolen database | Tokens, codes, handles and registration tokens are stored only as SHA-256 hashes; client secrets as domain-separated SHA-256 hashes of 256-bit random values. |
//! | RFC 6749 §10.2 | client impersonation by guessing secrets | Secret comparison is constant time (`subtle`); an unknown client costs the same hash as a wrong secret, and both get the same answer. |
//! | — | secrets in logs | `Debug` of every secret-holding type is redacted; audit events hold ids, subjects, grant types, family ids and error codes only. |
//! | — | denial of service through input | Bodies above `max_body_bytes` are refused (413), forms are capped at 64 parameters, every exchange ends within `MAX_STEPS`, and the fuzzer checks that no input panics the core. Rate limiting is the host's (the demo server limits per IP). |
