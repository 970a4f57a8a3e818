-- Freshness reminders as Atom feeds (GET /monitoring/reminders/{token}/atom): a staff member
-- subscribes to a digest of what is stale or incomplete in their municipalities. The token is in
-- the URL (feed readers send no headers), so only its SHA-256 is stored, and it can be revoked.
-- The feed shows what its owner may read today: an account made inactive or deleted stops it.
CREATE TABLE reminder_feeds (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX reminder_feeds_user_id_idx ON reminder_feeds (user_id);
