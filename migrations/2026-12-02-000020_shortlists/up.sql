-- Shortlists (issue 18 point 3): plots a visitor collected, behind a short unguessable code
-- (`/s/{code}`). Immutable once made: a changed collection is a new code, so a shared link
-- never changes under its recipient. No personal data: who made it is not stored.
CREATE TABLE shortlists (
    -- 12 characters of Crockford's base32 alphabet in lower case (60 bits from the OS's CSPRNG).
    code         text PRIMARY KEY CHECK (code ~ '^[0-9a-hjkmnp-tv-z]{12}$'),
    -- In the visitor's order, without duplicates; published plots when made (checked by the
    -- service; a plot unpublished later stays here and is shown as no longer available).
    plot_ids     bigint[] NOT NULL CHECK (cardinality(plot_ids) BETWEEN 1 AND 12),
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Moved forward (at most once a day) when the shortlist is opened; `maintenance run`
    -- deletes shortlists unused for GWF_SHORTLIST_RETENTION_DAYS.
    last_used_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shortlists_last_used ON shortlists (last_used_at);

-- An inquiry sent from a shortlist names it (its plots are in `plot_ids` as for any
-- inquiry). Plain text, no foreign key: the inquiry outlives the shortlist's retention.
ALTER TABLE inquiries ADD COLUMN shortlist_code text;
