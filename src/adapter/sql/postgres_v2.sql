-- qscope storage schema, version 2 — PostgreSQL dialect.
--
-- Applied on top of version 1 (`postgres_v1.sql`, whose header gives the
-- encodings), in the same transaction and under the same advisory lock as
-- any earlier migration still to run. `sqlite_v2.sql` is the same change in
-- the SQLite dialect.

-- Who registered each client (`Registrant`): the redirect URIs of a client
-- that registered itself are not trusted before the user has authenticated
-- (RFC 9700 §4.11.2). A version 1 row with a registration access token came
-- from the registration endpoint, which always mints one; such a row is read
-- as self-registered, every other as an administrator's. (An administrator
-- may also have minted a token for a client: that client is then treated as
-- self-registered, the safe mistake, until an administrator rewrites it.)
ALTER TABLE clients ADD COLUMN registrant TEXT NOT NULL DEFAULT 'administrator'
    CHECK (registrant IN ('administrator', 'self_registered'));
UPDATE clients SET registrant = 'self_registered' WHERE registration_token_hash IS NOT NULL;

-- Why a refusal happened where the answer does not say (`AuditReason`, e.g.
-- `wrong_secret` for a failed client authentication); NULL otherwise and for
-- every version 1 event.
ALTER TABLE audit_events ADD COLUMN reason TEXT;
