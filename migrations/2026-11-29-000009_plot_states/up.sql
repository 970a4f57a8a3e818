-- Market monitoring (Flächenbilanz): every plot's state over time, so that the indicators for
-- any past date (`GET /monitoring?as_of=`) are a range lookup instead of a replay of the JSON
-- history per request. One row per period in which a plot's monitored facts stood still:
-- [valid_from, valid_to), valid_to NULL for the current state. Written by a trigger on plots in
-- the same transaction as the plot itself (never a batch that can lag behind); existing plots
-- are backfilled from their history below, by the same rules, so an upgraded database and one
-- built by writes give the same figures (tests/api/monitoring_states.rs compares the two).

-- Who owns the land: public (the town, its development company), private, or mixed.
ALTER TABLE plots ADD COLUMN owner_type text CHECK (owner_type IN ('public', 'private', 'mixed'));

-- The instant a change takes effect: the transaction's start, or, for seeding a dated history
-- (demo data, tests), the transaction-local setting `gwf.effective_at`. The history uses it too,
-- so history and states agree.
CREATE FUNCTION gwf_effective_at() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('gwf.effective_at', true), '')::timestamptz, now())
$$;
ALTER TABLE plot_history ALTER COLUMN changed_at SET DEFAULT gwf_effective_at();

CREATE TABLE plot_states (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plot_id          bigint NOT NULL REFERENCES plots (id) ON DELETE RESTRICT,
    valid_from       timestamptz NOT NULL,
    valid_to         timestamptz CHECK (valid_to > valid_from),
    status           text NOT NULL,
    published        boolean NOT NULL,
    deleted          boolean NOT NULL,
    municipality_id  bigint NOT NULL,
    estate_id        bigint,
    zoning           text NOT NULL,
    servicing        text NOT NULL,
    bplan_status     text NOT NULL,
    owner_type       text,
    available_from   date,
    -- Units: m². The stated area, else the geodesic one rounded to 0.1 m² (as the history
    -- records it, so the backfill finds the same figure).
    area_m2          double precision NOT NULL,
    price_on_request boolean NOT NULL,
    -- Units: euro cents per m².
    price_min_ct     bigint,
    price_max_ct     bigint,
    -- The previous state's status and whether it was listed (published and not deleted): a
    -- take-up is a state that became sold or reserved from a listed, other status.
    prev_status      text,
    prev_listed      boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX plot_states_current ON plot_states (plot_id) WHERE valid_to IS NULL;
CREATE INDEX plot_states_plot_from ON plot_states (plot_id, valid_from);
CREATE INDEX plot_states_period ON plot_states (valid_from, valid_to);
CREATE INDEX plot_states_take_up ON plot_states (valid_from)
    WHERE status IN ('sold', 'reserved') AND prev_listed;
-- Take-ups leave out plots deleted by the date: few states, looked up per take-up.
CREATE INDEX plot_states_deleted ON plot_states (plot_id, valid_from) WHERE deleted;

CREATE FUNCTION gwf_plot_state_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    at timestamptz := gwf_effective_at();
    area double precision := coalesce(NEW.area_stated_m2::double precision,
                                      round(NEW.area_geodesic_m2::numeric, 1)::double precision);
    cur plot_states%ROWTYPE;
BEGIN
    -- A new plot has no state yet: no lookup, so that an import of 100,000 new plots into a
    -- table whose statistics still say "empty" cannot run 100,000 scans of it.
    IF TG_OP = 'UPDATE' THEN
        SELECT * INTO cur FROM plot_states WHERE plot_id = NEW.id AND valid_to IS NULL FOR UPDATE;
    END IF;
    IF FOUND AND (cur.status, cur.published, cur.deleted, cur.municipality_id, cur.estate_id,
                  cur.zoning, cur.servicing, cur.bplan_status, cur.owner_type, cur.available_from,
                  cur.area_m2, cur.price_on_request, cur.price_min_ct, cur.price_max_ct)
        IS NOT DISTINCT FROM
                 (NEW.status, NEW.published, NEW.deleted_at IS NOT NULL, NEW.municipality_id,
                  NEW.estate_id, NEW.zoning, NEW.servicing, NEW.bplan_status, NEW.owner_type,
                  NEW.available_from, area, NEW.price_on_request, NEW.price_min_ct,
                  NEW.price_max_ct) THEN
        RETURN NULL;
    END IF;
    IF FOUND AND cur.valid_from >= at THEN
        -- A second change at the same instant (one transaction): the later one is the state.
        UPDATE plot_states
        SET status = NEW.status, published = NEW.published, deleted = NEW.deleted_at IS NOT NULL,
            municipality_id = NEW.municipality_id, estate_id = NEW.estate_id, zoning = NEW.zoning,
            servicing = NEW.servicing, bplan_status = NEW.bplan_status, owner_type = NEW.owner_type,
            available_from = NEW.available_from, area_m2 = area,
            price_on_request = NEW.price_on_request, price_min_ct = NEW.price_min_ct,
            price_max_ct = NEW.price_max_ct
        WHERE id = cur.id;
        RETURN NULL;
    END IF;
    IF FOUND THEN
        UPDATE plot_states SET valid_to = at WHERE id = cur.id;
    END IF;
    INSERT INTO plot_states (plot_id, valid_from, status, published, deleted, municipality_id,
                             estate_id, zoning, servicing, bplan_status, owner_type,
                             available_from, area_m2, price_on_request, price_min_ct,
                             price_max_ct, prev_status, prev_listed)
    VALUES (NEW.id, at, NEW.status, NEW.published, NEW.deleted_at IS NOT NULL, NEW.municipality_id,
            NEW.estate_id, NEW.zoning, NEW.servicing, NEW.bplan_status, NEW.owner_type,
            NEW.available_from, area, NEW.price_on_request, NEW.price_min_ct, NEW.price_max_ct,
            cur.status, coalesce(cur.published AND NOT cur.deleted, false));
    RETURN NULL;
END
$$;

-- Rebuilds plot_states from plots and plot_history (the table must be empty): each plot's
-- history is walked from today's row backwards, undoing each entry's changes (`from` values),
-- and each entry's time starts the state after it. States of one instant keep the last one;
-- consecutive equal states merge, as the trigger never writes an unchanged state. A plot whose
-- history does not reach back to its creation starts at `created_at`.
CREATE FUNCTION gwf_backfill_plot_states() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    p record;
    h record;
    c jsonb;
    s_status text; s_published boolean; s_deleted boolean; s_mun bigint; s_estate bigint;
    s_zoning text; s_servicing text; s_bplan text; s_owner text; s_from date;
    s_stated bigint; s_geo double precision; s_por boolean; s_pmin bigint; s_pmax bigint;
    upper_at timestamptz;
    created boolean;
BEGIN
    CREATE TEMP TABLE gwf_raw_states (
        plot_id bigint, valid_from timestamptz, valid_to timestamptz, status text,
        published boolean, deleted boolean, municipality_id bigint, estate_id bigint,
        zoning text, servicing text, bplan_status text, owner_type text, available_from date,
        area_m2 double precision, price_on_request boolean, price_min_ct bigint,
        price_max_ct bigint
    ) ON COMMIT DROP;
    FOR p IN SELECT * FROM plots LOOP
        s_status := p.status; s_published := p.published; s_deleted := p.deleted_at IS NOT NULL;
        s_mun := p.municipality_id; s_estate := p.estate_id; s_zoning := p.zoning;
        s_servicing := p.servicing; s_bplan := p.bplan_status; s_owner := p.owner_type;
        s_from := p.available_from; s_stated := p.area_stated_m2;
        s_geo := round(p.area_geodesic_m2::numeric, 1)::double precision;
        s_por := p.price_on_request; s_pmin := p.price_min_ct; s_pmax := p.price_max_ct;
        upper_at := NULL;
        created := false;
        FOR h IN SELECT action, changed_at, changes FROM plot_history
                 WHERE plot_id = p.id ORDER BY version DESC LOOP
            INSERT INTO gwf_raw_states VALUES (p.id, h.changed_at, upper_at, s_status, s_published,
                s_deleted, s_mun, s_estate, s_zoning, s_servicing, s_bplan, s_owner, s_from,
                coalesce(s_stated::double precision, s_geo), s_por, s_pmin, s_pmax);
            upper_at := h.changed_at;
            IF h.action = 'create' THEN
                created := true;
                EXIT;
            END IF;
            FOR c IN SELECT value FROM jsonb_array_elements(h.changes) LOOP
                CASE c->>'field'
                    WHEN 'status' THEN s_status := c->>'from';
                    WHEN 'published' THEN s_published := (c->>'from')::boolean;
                    WHEN 'deleted' THEN s_deleted := (c->>'from')::boolean;
                    WHEN 'municipality_id' THEN s_mun := (c->>'from')::bigint;
                    WHEN 'estate_id' THEN s_estate := (c->>'from')::bigint;
                    WHEN 'zoning' THEN s_zoning := c->>'from';
                    WHEN 'servicing' THEN s_servicing := c->>'from';
                    WHEN 'bplan_status' THEN s_bplan := c->>'from';
                    WHEN 'owner_type' THEN s_owner := c->>'from';
                    WHEN 'available_from' THEN s_from := (c->>'from')::date;
                    WHEN 'area_stated_m2' THEN s_stated := (c->>'from')::bigint;
                    WHEN 'geometry' THEN
                        s_geo := coalesce(round((c->'from'->>'area_m2')::numeric, 1)::double precision, s_geo);
                    WHEN 'price_on_request' THEN s_por := (c->>'from')::boolean;
                    WHEN 'price_min_eur_m2' THEN
                        s_pmin := round(replace(c->>'from', ',', '.')::numeric * 100)::bigint;
                    WHEN 'price_max_eur_m2' THEN
                        s_pmax := round(replace(c->>'from', ',', '.')::numeric * 100)::bigint;
                    ELSE NULL;
                END CASE;
            END LOOP;
        END LOOP;
        IF NOT created AND (upper_at IS NULL OR p.created_at < upper_at) THEN
            INSERT INTO gwf_raw_states VALUES (p.id, p.created_at, upper_at, s_status, s_published,
                s_deleted, s_mun, s_estate, s_zoning, s_servicing, s_bplan, s_owner, s_from,
                coalesce(s_stated::double precision, s_geo), s_por, s_pmin, s_pmax);
        END IF;
    END LOOP;

    INSERT INTO plot_states (plot_id, valid_from, valid_to, status, published, deleted,
                             municipality_id, estate_id, zoning, servicing, bplan_status,
                             owner_type, available_from, area_m2, price_on_request,
                             price_min_ct, price_max_ct, prev_status, prev_listed)
    SELECT plot_id, valid_from, valid_to, status, published, deleted, municipality_id, estate_id,
           zoning, servicing, bplan_status, owner_type, available_from, area_m2,
           price_on_request, price_min_ct, price_max_ct,
           lag(status) OVER w,
           coalesce(lag(published AND NOT deleted) OVER w, false)
    FROM (
        SELECT plot_id, min(valid_from) AS valid_from,
               CASE WHEN bool_or(valid_to IS NULL) THEN NULL ELSE max(valid_to) END AS valid_to,
               status, published, deleted, municipality_id, estate_id, zoning, servicing,
               bplan_status, owner_type, available_from, area_m2, price_on_request,
               price_min_ct, price_max_ct
        FROM (
            SELECT *, sum(starts) OVER (PARTITION BY plot_id ORDER BY valid_from) AS island
            FROM (
                SELECT *, CASE WHEN k IS DISTINCT FROM lag(k) OVER (PARTITION BY plot_id ORDER BY valid_from)
                               THEN 1 ELSE 0 END AS starts
                FROM (
                    SELECT r.*, jsonb_build_array(status, published, deleted, municipality_id,
                               estate_id, zoning, servicing, bplan_status, owner_type,
                               available_from, area_m2, price_on_request, price_min_ct,
                               price_max_ct) AS k
                    FROM gwf_raw_states r
                    WHERE valid_to IS NULL OR valid_to > valid_from
                ) keyed
            ) marked
        ) islands
        GROUP BY plot_id, island, status, published, deleted, municipality_id, estate_id, zoning,
                 servicing, bplan_status, owner_type, available_from, area_m2, price_on_request,
                 price_min_ct, price_max_ct
    ) merged
    WINDOW w AS (PARTITION BY plot_id ORDER BY valid_from);
    DROP TABLE gwf_raw_states;
END
$$;

SELECT gwf_backfill_plot_states();

CREATE TRIGGER plots_state AFTER INSERT OR UPDATE ON plots
    FOR EACH ROW EXECUTE FUNCTION gwf_plot_state_write();
