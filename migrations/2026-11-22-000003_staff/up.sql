-- Staff workflows: accounts, scoped roles, bearer tokens, soft delete, owner data, and an
-- append-only change history of every plot.

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text NOT NULL CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length(email) <= 254),
    display_name    text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    -- admin: the whole region, users included; editor: the municipalities in
    -- user_municipalities; viewer: internal read of the whole region.
    role            text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    -- PHC string of Argon2id; the password itself is never stored.
    password_hash   text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    active          boolean NOT NULL DEFAULT true,
    -- Failed logins since the last success; past the threshold the account is locked until
    -- locked_until (login throttling).
    failed_logins   integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE user_municipalities (
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    municipality_id bigint NOT NULL REFERENCES municipalities (id) ON DELETE RESTRICT,
    PRIMARY KEY (user_id, municipality_id)
);

-- Bearer tokens: sessions from a login, and long-lived API tokens for scripts. Only the SHA-256
-- of a token is stored; tokens carry 256 random bits, so a fast hash is enough.
CREATE TABLE auth_tokens (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('session', 'api')),
    name            text CHECK (length(name) BETWEEN 1 AND 100),
    token_hash      bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    last_used_at    timestamptz,
    revoked_at      timestamptz,
    CHECK (kind = 'session' OR name IS NOT NULL)
);
CREATE INDEX auth_tokens_user_id_idx ON auth_tokens (user_id);

ALTER TABLE plots
    ADD COLUMN deleted_at    timestamptz,
    -- Private owner data: internal, never public.
    ADD COLUMN owner_name    text CHECK (length(owner_name) <= 300),
    ADD COLUMN owner_contact text CHECK (length(owner_contact) <= 300),
    -- Public readers filter on `published` alone; this keeps deleted plots out of it.
    ADD CONSTRAINT plots_deleted_not_published CHECK (deleted_at IS NULL OR NOT published);

CREATE TABLE plot_history (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plot_id         bigint NOT NULL REFERENCES plots (id) ON DELETE RESTRICT,
    -- The plot's version after this change.
    version         integer NOT NULL,
    action          text NOT NULL CHECK (action IN ('create', 'update', 'publish', 'unpublish', 'delete', 'restore')),
    -- NULL for changes made outside the API (seeding, the CLI).
    user_id         bigint REFERENCES users (id) ON DELETE RESTRICT,
    -- Who, as shown at the time (the user's display name, or the CLI command).
    actor           text NOT NULL,
    via             text NOT NULL CHECK (via IN ('api', 'import', 'cli')),
    changed_at      timestamptz NOT NULL DEFAULT now(),
    -- [{"field": …, "from": …, "to": …}]; geometry as {"area_m2", "geometry"} on both sides.
    changes         jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'array'),
    UNIQUE (plot_id, version)
);

-- The history is append-only, whoever connects.
CREATE FUNCTION plot_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'plot_history is append-only';
END
$$;
CREATE TRIGGER plot_history_no_update BEFORE UPDATE OR DELETE ON plot_history
    FOR EACH ROW EXECUTE FUNCTION plot_history_append_only();
CREATE TRIGGER plot_history_no_truncate BEFORE TRUNCATE ON plot_history
    FOR EACH STATEMENT EXECUTE FUNCTION plot_history_append_only();

-- Import geometry: GeoJSON or WKT in `srid`, as GeoJSON in EPSG:4326 (9 decimals, ≈0.1 mm).
-- A broken input gives its error instead of failing the whole batch.
CREATE FUNCTION gwf_import_geometry(input text, is_wkt boolean, srid integer,
                                    OUT geojson text, OUT error text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    g geometry;
BEGIN
    IF is_wkt THEN
        g := ST_GeomFromText(input, srid);
    ELSE
        g := ST_SetSRID(ST_GeomFromGeoJSON(input), srid);
    END IF;
    IF srid <> 4326 THEN
        g := ST_Transform(g, 4326);
    END IF;
    geojson := ST_AsGeoJSON(g, 9);
EXCEPTION WHEN OTHERS THEN
    error := SQLERRM;
END
$$;
