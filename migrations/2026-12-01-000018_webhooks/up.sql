-- Webhooks (issue 18): the change feed (plot_changes, migration 000015) pushed to town websites
-- and portals. Each webhook keeps its own position in the feed (`cursor`, a plot_changes.seq);
-- the service POSTs the changes after it in batches, signed with the webhook's secret, and
-- moves the position on only when the receiver answered 2xx. So nothing is lost while a
-- receiver is down: the changes wait in the feed, not in a queue of copies.
CREATE TABLE webhooks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url         text NOT NULL CHECK (length(url) <= 2000),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    -- The shared secret (`whsec_` + base64 of 32 random bytes), shown once when it is made.
    -- Kept as is: the service must sign with it.
    secret      text NOT NULL,
    -- Only these towns' plots; NULL: the whole database.
    municipality_ids bigint[],
    -- active: delivering; paused: by an admin; dead: a batch failed every attempt, nothing
    -- more is sent until an admin resumes it (from the same position: nothing is skipped).
    state       text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'dead')),
    cursor      bigint NOT NULL DEFAULT 0,
    -- Attempts of the batch after `cursor` so far, and when the next is due.
    attempts    integer NOT NULL DEFAULT 0,
    -- The last change of a batch that failed: its retries send exactly that batch again (same
    -- id, same changes), not one that grew meanwhile. NULL when no batch is pending.
    pending_last_seq bigint,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A worker delivering now (instances share the table: FOR UPDATE SKIP LOCKED + lease).
    leased_until timestamptz,
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_due ON webhooks (next_attempt_at) WHERE state = 'active';

-- Every attempt, for the admins' delivery log (kept 30 days by the worker's housekeeping).
CREATE TABLE webhook_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id  bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- The batch: changes after `after_seq` up to and including `last_seq`.
    after_seq   bigint NOT NULL,
    last_seq    bigint NOT NULL,
    changes     integer NOT NULL,
    attempt     integer NOT NULL,
    -- delivered (2xx), failed (will be tried again), dead (the last attempt failed).
    outcome     text NOT NULL CHECK (outcome IN ('delivered', 'failed', 'dead')),
    http_status integer,
    -- Why it failed, in our words (timeout, connection refused, HTTP 500); never the body.
    error       text CHECK (length(error) <= 500),
    duration_ms integer NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id DESC);
