-- qscope storage schema, version 3 — SQLite dialect.
--
-- Applied on top of version 2 (`sqlite_v2.sql`; the encodings are in the
-- header of `sqlite_v1.sql`), in the same `BEGIN IMMEDIATE` transaction as
-- any earlier migration still to run. `postgres_v3.sql` is the same change
-- in the PostgreSQL dialect. It only adds tables: the host's records (user
-- accounts, browser sessions) and consents, so that several servers on one
-- database share them.

-- User accounts (`AccountRecord`). `password_hash` is the host's hash of
-- the password (qscope's server writes argon2id PHC strings); the core
-- never reads it.
CREATE TABLE accounts (
    username      TEXT PRIMARY KEY,      -- listed in byte order
    subject       TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    revision      INTEGER NOT NULL       -- optimistic-concurrency counter
) STRICT;

-- Browser sessions (`SessionRecord`), by the SHA-256 of the session id
-- (the id is only in the browser's cookie). `pending` is a JSON array of
-- the authorization requests waiting for consent, each with what the
-- consent page shows and the interaction handle sealed by the host.
CREATE TABLE sessions (
    hash       BLOB PRIMARY KEY,
    username   TEXT,
    subject    TEXT,
    pending    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revision   INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Consents (`ConsentRecord`): which user allowed which client which scopes.
CREATE TABLE consents (
    id           TEXT PRIMARY KEY,       -- ConsentRecord::id_of(subject, client_id)
    subject      TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    granted_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    UNIQUE (subject, client_id)
) STRICT;
CREATE INDEX consents_client ON consents (client_id);

-- `RevokeGrant` finds a client and subject's codes and device grants.
CREATE INDEX codes_client_subject ON codes (client_id, subject);
CREATE INDEX device_grants_client_subject ON device_grants (client_id, subject);
