//! # The `qscope` server
//!
//! [`qscope::host`](crate::host) (feature `server`) is the authorization
//! server people deploy: the `qscope` binary, a TOML configuration, user
//! accounts, browser sessions and consents in the database, the sign-in,
//! consent and device pages, operational endpoints and administration
//! commands. Every protocol decision stays in the core; the host is an
//! adapter (it builds each request's context with the
//! [`kit`](crate::adapter::kit)'s `Arrival`, drives the core with
//! [`drive_async`](crate::drive_async) and answers the core's
//! interactions with its pages). `docs/deployment.md` is the operator's
//! guide (one node on SQLite, several on PostgreSQL behind a proxy, TLS,
//! backups, upgrades, metrics, a systemd unit); this chapter is the map.
//!
//! ## Running it
//!
//! ```text
//! cargo install --path . --features server
//! qscope serve --demo                              # SQLite qscope.sqlite3, demo client, alice/wonderland
//! qscope check-config --config /etc/qscope.toml    # validates, prints what it would serve
//! qscope serve --config /etc/qscope.toml
//! ```
//!
//! Every key of `docs/qscope.example.toml` can also be set by a flag, by
//! `--set KEY=VALUE` or by `QSCOPE_SECTION__KEY` in the environment
//! (flags win over the environment, which wins over the file).
//!
//! ## Administration
//!
//! The commands work on the server's database, also while servers run on
//! it, and commit each change under a precondition, with its audit event:
//!
//! | command | does |
//! |---|---|
//! | `client create\|list\|show\|update\|delete\|rotate-secret` | clients, through the core's [`admin`](crate::admin) API (the secret is printed once; only its hash is stored) |
//! | `user create\|list\|show\|set-password\|disable\|enable\|delete` | accounts (argon2id; the password is asked for or read from stdin, never an argument) |
//! | `grant list [--user U] [--client C]`, `grant revoke ID` | consents; revoking one revokes every token, unredeemed code and approved device authorization of its user and client ([`Effect::RevokeGrant`](crate::store::Effect::RevokeGrant)) |
//! | `scope list`, `purge`, `initial-access-token` | the configured scopes; removing what expired; a token for open registration |
//!
//! `user disable` and `user delete` also revoke every grant the user
//! consented to, in the same transaction, and the user's browser sessions
//! end at their next request: a session acts only for an account that
//! still exists, is enabled and has the subject it signed in as.
//!
//! ## Sessions across nodes
//!
//! Sessions (only the SHA-256 of their id is stored), the authorization
//! requests waiting in them, and consents are store records, so any
//! number of `serve` processes on one PostgreSQL database serve one
//! user: signing in on node A and approving on node B works without
//! sticky sessions (`scripts/multinode.sh` does it through the pages).
//! Rate-limit counters stay per process.
//!
//! ## How it fails
//!
//! * **Invalid configuration**: `serve` and `check-config` exit non-zero
//!   with one line naming the key and the reason; an unknown key is
//!   refused.
//! * **An administration command on a missing SQLite file**: refused
//!   (`--db` with a typo does not create an empty database).
//! * **The database goes away**: `GET /readyz` answers `503` (take the
//!   node out of the balancer), `GET /healthz` stays `200`, and the
//!   endpoints answer `503 temporarily_unavailable` with `Retry-After: 1`
//!   without losing anything that was committed; when the database is
//!   back, the pool reconnects and `/readyz` is `200` again, without a
//!   restart (`tests/readiness.rs`).
//! * **Slow or hostile clients**: headers and bodies must arrive within
//!   the request timeout, answers are given up after twice that (`503`),
//!   connections are capped, and sign-ins and token requests are rate
//!   limited per address and per client (`scripts/faults.sh`).
//! * **SIGTERM**: the server stops accepting, finishes the requests in
//!   flight, writes the audit events still queued and exits `0`
//!   (`tests/cli.rs`).
//! * **A panic while answering**: that request gets a 500; the server
//!   goes on.
//!
//! ## Which RFC rows it covers
//!
//! The protocol rows are the core's ([`coverage`](super::coverage)); the
//! host adds the parts RFC 6749 leaves to the authorization server: the
//! resource owner's authentication (§3.1, §10.1), the consent decision
//! (§4.1.1, §10.2), CSRF protection of its own forms (§10.12), and
//! clickjacking protection of its pages (§10.13: `frame-ancestors 'none'`
//! and `X-Frame-Options: DENY`). RFC 8628 §5.4's remote-phishing warning
//! is on the device page.
