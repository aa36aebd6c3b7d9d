-- qscope storage schema, version 1 — PostgreSQL dialect.
--
-- This file is public API: hosts may read these tables for reporting, but
-- only qscope writes them. `sqlite_v1.sql` is the same schema in the
-- SQLite dialect; the two differ only in column types (BLOB/BYTEA,
-- INTEGER/BIGINT/BOOLEAN, rowid/identity). Applied by the store on open,
-- inside one transaction holding an advisory lock (so several servers may
-- start at once), when `schema_version` holds no row with `version >= 1`.
-- Later changes come as `postgres_v2.sql`, ...; a
-- database whose version is newer than the library knows is refused.
--
-- Encodings (the same in both dialects):
--   * hashes (`hash`, `parent`, `secret_hash`): raw SHA-256 bytes, 32 bytes;
--     no code, token or secret is ever stored in clear;
--   * `family`: the 16 raw bytes of the grant family id;
--   * times: whole seconds since the Unix epoch (the core's `UnixTime`);
--   * scopes: the space-delimited wire form, sorted, no repeats;
--   * enums: their wire names (grant types as in RFC 6749/8628, client
--     authentication methods as in RFC 7591, token kinds as the RFC 7009
--     token type hints `access_token` / `refresh_token`, PKCE methods
--     `S256` / `plain`, pending kinds and device statuses as their
--     `as_str` names);
--   * lists (`redirect_uris`, `grant_types`): a JSON array of strings.

CREATE TABLE IF NOT EXISTS schema_version (
    version    BIGINT PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Registered clients (RFC 7591/7592; `require_par`: RFC 9126 §6). `PutClient`
-- replaces a row; `DeleteClient` deletes it and revokes the client's tokens.
CREATE TABLE clients (
    client_id               TEXT COLLATE "C" PRIMARY KEY,  -- listed in byte order
    secret_hash             BYTEA,            -- NULL for public clients
    auth_method             TEXT NOT NULL,    -- client_secret_basic | client_secret_post | none
    redirect_uris           TEXT NOT NULL,    -- JSON array, exact strings
    grant_types             TEXT NOT NULL,    -- JSON array of grant type wire names
    scopes                  TEXT NOT NULL,
    name                    TEXT,
    uri                     TEXT,
    resource_server         BOOLEAN NOT NULL,
    require_par             BOOLEAN NOT NULL,
    created_at              BIGINT NOT NULL,
    logo_uri                TEXT,
    contacts                TEXT NOT NULL,    -- JSON array of strings
    software_id             TEXT,
    software_version        TEXT,
    registration_token_hash BYTEA UNIQUE,     -- RFC 7592; NULL: not self-managed
    revision                BIGINT NOT NULL   -- optimistic-concurrency counter
);

-- Authorization codes, by hash. A consumed code keeps its row (with
-- `consumed_at` set) until it expires, so a replay is detected.
CREATE TABLE codes (
    hash             BYTEA PRIMARY KEY,
    client_id        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    redirect_uri     TEXT,
    scopes           TEXT NOT NULL,
    challenge_method TEXT,                -- S256 | plain; NULL without PKCE
    challenge        TEXT,
    issued_at        BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    family           BYTEA NOT NULL,
    consumed_at      BIGINT,
    CHECK ((challenge_method IS NULL) = (challenge IS NULL))
);
CREATE INDEX codes_expires_at ON codes (expires_at);

-- Access and refresh tokens, by hash. `seq` is the insertion order, the
-- tie-breaker of FIFO trimming (oldest `issued_at` first, then lowest
-- `seq`). Rotated and revoked tokens keep their rows until they expire.
CREATE TABLE tokens (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash        BYTEA NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('access_token', 'refresh_token')),
    client_id   TEXT NOT NULL,
    subject     TEXT,                     -- NULL for client-credentials tokens
    scopes      TEXT NOT NULL,
    family      BYTEA NOT NULL,
    parent      BYTEA,                    -- hash of the refresh token it came from
    issued_at   BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    rotated_at  BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX tokens_family ON tokens (family);
CREATE INDEX tokens_parent ON tokens (parent) WHERE parent IS NOT NULL;
CREATE INDEX tokens_client ON tokens (client_id);
CREATE INDEX tokens_expires_at ON tokens (expires_at);
-- FIFO trimming ranks an owner's live tokens of one kind: these partial
-- indexes hold only unrevoked, unrotated tokens, so the cost of a trim
-- does not grow with the owner's revoked and rotated history.
CREATE INDEX tokens_live_by_client ON tokens (client_id, kind, subject, issued_at, seq)
    WHERE revoked_at IS NULL AND rotated_at IS NULL;
CREATE INDEX tokens_live_by_family ON tokens (family, kind, issued_at, seq)
    WHERE revoked_at IS NULL AND rotated_at IS NULL;

-- Pending authorization requests: pushed requests (RFC 9126) waiting for
-- their `request_uri`, and requests waiting for the host's login and
-- consent decision. By the hash of the handle (the whole `request_uri` for
-- a pushed request); taken (deleted) exactly once.
CREATE TABLE pending_authorizations (
    hash                  BYTEA PRIMARY KEY,
    kind                  TEXT NOT NULL,    -- pushed_request | interaction | pushed_interaction
    client_id             TEXT NOT NULL,
    redirect_uri          TEXT,             -- as sent, if sent
    resolved_redirect_uri TEXT NOT NULL,    -- where the response goes
    scopes                TEXT NOT NULL,
    state                 TEXT,
    challenge_method      TEXT,             -- S256 | plain; NULL without PKCE
    challenge             TEXT,
    created_at            BIGINT NOT NULL,
    expires_at            BIGINT NOT NULL,
    CHECK ((challenge_method IS NULL) = (challenge IS NULL))
);
CREATE INDEX pending_authorizations_expires_at ON pending_authorizations (expires_at);

-- Device authorizations (RFC 8628), by the hash of the device code, and
-- findable by the hash of the normalized user code (unique: a user code is
-- reused only after its grant expired, which replaces that row).
CREATE TABLE device_grants (
    device_code_hash BYTEA PRIMARY KEY,
    user_code_hash   BYTEA NOT NULL UNIQUE,
    client_id        TEXT NOT NULL,
    scopes           TEXT NOT NULL,     -- as requested
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
    subject          TEXT,              -- set on approval
    granted_scopes   TEXT,              -- set on approval; '' is the empty set
    poll_interval    BIGINT NOT NULL,   -- seconds between polls (the record's `interval`)
    last_poll_at     BIGINT,
    issued_at        BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    family           BYTEA NOT NULL
);
CREATE INDEX device_grants_expires_at ON device_grants (expires_at);

-- The audit trail, append-only, oldest first by `seq`. Never a secret.
CREATE TABLE audit_events (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          BIGINT NOT NULL,
    request_id  TEXT NOT NULL,            -- 32 lower-case hex digits
    peer        TEXT,                     -- IP address text
    action      TEXT NOT NULL,            -- e.g. token_issued, code_replayed
    client_id   TEXT,
    subject     TEXT,
    grant_type  TEXT,
    family      BYTEA,
    error       TEXT                      -- OAuth error code, for refusals
);
CREATE INDEX audit_events_at ON audit_events (at);
