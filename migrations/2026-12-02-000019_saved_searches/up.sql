-- Saved searches with alerts (docs/alerts.md): an investor saves a search of GET /plots (a
-- drawn area included) and learns of plots that newly match it, by an Atom feed at a secret
-- URL and, with a confirmed e-mail address, by a digest at most daily.
CREATE TABLE saved_searches (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The parameters of GET /plots as a JSON object (only filters: paging and output ones are
    -- dropped on saving), checked again by the same parser whenever the worker evaluates them.
    params          jsonb NOT NULL CHECK (jsonb_typeof(params) = 'object'),
    -- The drawn area as validated on saving (GeoJSON, EPSG:4326), and how plots relate to it.
    area            text,
    relation        text NOT NULL DEFAULT 'intersects' CHECK (relation IN ('intersects', 'within')),
    -- Personal data: the only one. NULL for a feed-only subscription.
    email           text CHECK (email IS NULL OR length(email) <= 254),
    language        text NOT NULL DEFAULT 'de' CHECK (language IN ('de', 'en')),
    consent_version text CHECK (consent_version IS NULL OR length(consent_version) <= 50),
    -- `pending` until the address is confirmed (double opt-in); feed-only ones start active.
    state           text NOT NULL CHECK (state IN ('pending', 'active')),
    -- The change feed's position up to which this search has been evaluated (plot_changes.seq).
    seq             bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    confirmed_at    timestamptz,
    -- The last read of the feed or use of one of its links (expiry of unused feed-only ones).
    used_at         timestamptz NOT NULL DEFAULT now(),
    last_digest_at  timestamptz,
    CHECK ((email IS NULL) = (consent_version IS NULL)),
    CHECK (email IS NOT NULL OR state = 'active')
);
-- The worker walks active and pending searches by id; maintenance finds old pending ones.
CREATE INDEX saved_searches_state ON saved_searches (state, created_at);
CREATE INDEX saved_searches_email ON saved_searches (lower(email)) WHERE email IS NOT NULL;

-- Secrets that open a saved search, stored as SHA-256 of the token (never the token): `owner`
-- is the one answered to POST /saved-searches (feed, manage, unsubscribe); `mail` ones are
-- made for each mail (confirm, unsubscribe), so the mails need no stored token either, and
-- only someone who reads the mailbox can confirm it.
CREATE TABLE saved_search_keys (
    token_hash      bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    saved_search_id bigint NOT NULL REFERENCES saved_searches (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('owner', 'mail')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX saved_search_keys_search ON saved_search_keys (saved_search_id);

-- The plots that match a search now: a plot entering the set is news (an entry), one leaving
-- it is removed, so a later return is news again.
CREATE TABLE saved_search_matches (
    saved_search_id bigint NOT NULL REFERENCES saved_searches (id) ON DELETE CASCADE,
    plot_id         bigint NOT NULL,
    PRIMARY KEY (saved_search_id, plot_id)
);

-- What a subscriber is told: a plot newly matching, and why as far as the change says.
CREATE TABLE saved_search_entries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    saved_search_id bigint NOT NULL REFERENCES saved_searches (id) ON DELETE CASCADE,
    plot_id         bigint NOT NULL,
    -- The change (plot_changes.seq) that made it match.
    seq             bigint NOT NULL,
    reason          text NOT NULL CHECK (reason IN ('published', 'status', 'price', 'changed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    mailed_at       timestamptz
);
CREATE INDEX saved_search_entries_search ON saved_search_entries (saved_search_id, id);
