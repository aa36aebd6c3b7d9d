-- qscope storage schema, version 4 — PostgreSQL dialect.
--
-- Applied on top of version 3 (`postgres_v3.sql`), in the same transaction
-- as any earlier migration still to run; `sqlite_v4.sql` is the same change
-- in the other dialect. RFC 8707 resource indicators: every code, token,
-- pending authorization and device grant remembers its resources, a JSON
-- array of absolute URIs in the order first named (an access token's
-- audience, a refresh token's grant). Rows written before version 4 had
-- none: '[]'.

ALTER TABLE codes ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tokens ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
ALTER TABLE pending_authorizations ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
ALTER TABLE device_grants ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
