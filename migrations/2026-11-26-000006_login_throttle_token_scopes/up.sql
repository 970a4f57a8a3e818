-- Login throttling per e-mail address, known or not: an address that is no account locks and
-- answers exactly like one that is, so the answers tell nothing about which accounts exist.
-- `key` is the SHA-256 of the trimmed, lower-cased address (the address itself is not kept).
-- The count leaks: one failure is forgotten every 10 minutes (domain::credentials::LockRules).
CREATE TABLE login_throttle (
    key             bytea PRIMARY KEY CHECK (length(key) = 32),
    failures        integer NOT NULL CHECK (failures >= 0),
    last_failure_at timestamptz,
    locked_until    timestamptz
);

-- The counters move from the accounts into the new table, keeping current locks.
INSERT INTO login_throttle (key, failures, last_failure_at, locked_until)
SELECT sha256(convert_to(lower(btrim(email)), 'UTF8')), failed_logins, now(), locked_until
FROM users
WHERE failed_logins > 0 OR locked_until IS NOT NULL;

ALTER TABLE users DROP COLUMN failed_logins, DROP COLUMN locked_until;

-- What a token may do, within its owner's role: `read` internal data, `write` plots, `import`,
-- `admin` (accounts). Existing tokens keep every right they had.
ALTER TABLE auth_tokens
    ADD COLUMN scopes text[] NOT NULL DEFAULT '{read,write,import,admin}'
        CHECK (scopes <@ ARRAY['read', 'write', 'import', 'admin']);
