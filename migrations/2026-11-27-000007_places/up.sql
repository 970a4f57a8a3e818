-- Places become editable through the API (regions, municipalities, estates): versions for
-- If-Match, soft delete, an append-only history, marketing and contact fields, estate facts
-- and drafts, and a simplified municipality outline for maps. Every existing row keeps its
-- values; existing estates stay published (they were public before).

ALTER TABLE regions
    ADD COLUMN logo_url       text CHECK (length(logo_url) <= 2000),
    ADD COLUMN contact_name   text CHECK (length(contact_name) <= 200),
    ADD COLUMN contact_phone  text CHECK (length(contact_phone) <= 100),
    ADD COLUMN contact_email  text CHECK (length(contact_email) <= 254),
    ADD COLUMN website        text CHECK (length(website) <= 2000),
    ADD COLUMN version        integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN deleted_at     timestamptz;

ALTER TABLE municipalities
    ADD COLUMN contact_website text CHECK (length(contact_website) <= 2000),
    ADD COLUMN description_de  text CHECK (length(description_de) <= 20000),
    ADD COLUMN description_en  text CHECK (length(description_en) <= 20000),
    -- The outline generalised for map display (about 10 m tolerance, topology kept); `outline`
    -- stays the full one for spatial checks. Written with every outline.
    ADD COLUMN outline_display geometry(MultiPolygon, 4326),
    ADD COLUMN version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN deleted_at      timestamptz;
UPDATE municipalities
SET outline_display = ST_Multi(ST_Transform(ST_SimplifyPreserveTopology(ST_Transform(outline, 25832), 10), 4326))
WHERE outline IS NOT NULL;

ALTER TABLE estates
    ADD COLUMN published              boolean NOT NULL DEFAULT true,
    -- Units: m². As officially stated for the whole estate.
    ADD COLUMN gross_area_m2          bigint CHECK (gross_area_m2 > 0),
    ADD COLUMN net_area_m2            bigint CHECK (net_area_m2 > 0),
    ADD COLUMN zoning_summary         text CHECK (length(zoning_summary) <= 500),
    -- B-Plan (binding land-use plan) of the estate.
    ADD COLUMN bplan_name             text CHECK (length(bplan_name) <= 300),
    ADD COLUMN bplan_number           text CHECK (length(bplan_number) <= 100),
    ADD COLUMN bplan_legal_date       date,
    ADD COLUMN bplan_url              text CHECK (length(bplan_url) <= 2000),
    -- Location facts that belong to the estate (plots show them where their own are empty).
    ADD COLUMN motorway_junction      text CHECK (length(motorway_junction) <= 200),
    -- Units: km.
    ADD COLUMN dist_motorway_km       double precision CHECK (dist_motorway_km >= 0 AND dist_motorway_km <= 2000),
    ADD COLUMN rail_station           text CHECK (length(rail_station) <= 200),
    ADD COLUMN dist_rail_station_km   double precision CHECK (dist_rail_station_km >= 0 AND dist_rail_station_km <= 2000),
    ADD COLUMN port                   text CHECK (length(port) <= 200),
    ADD COLUMN dist_port_km           double precision CHECK (dist_port_km >= 0 AND dist_port_km <= 2000),
    ADD COLUMN airport                text CHECK (length(airport) <= 200),
    ADD COLUMN dist_airport_km        double precision CHECK (dist_airport_km >= 0 AND dist_airport_km <= 2000),
    -- Units: Mbit/s.
    ADD COLUMN broadband_mbit         integer CHECK (broadband_mbit >= 0),
    ADD COLUMN fibre                  boolean,
    ADD COLUMN grw_area               boolean,
    ADD COLUMN contact_name           text CHECK (length(contact_name) <= 200),
    ADD COLUMN contact_phone          text CHECK (length(contact_phone) <= 100),
    ADD COLUMN contact_email          text CHECK (length(contact_email) <= 254),
    ADD COLUMN version                integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN deleted_at             timestamptz,
    ADD CONSTRAINT estates_net_within_gross CHECK (net_area_m2 IS NULL OR gross_area_m2 IS NULL OR net_area_m2 <= gross_area_m2),
    ADD CONSTRAINT estates_deleted_not_published CHECK (deleted_at IS NULL OR NOT published);

-- Who changed which place, when, and what: like plot_history, one table for the three kinds.
CREATE TABLE place_history (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('region', 'municipality', 'estate')),
    place_id        bigint NOT NULL,
    -- The place's version after this change.
    version         integer NOT NULL,
    action          text NOT NULL CHECK (action IN ('create', 'update', 'publish', 'unpublish', 'delete', 'restore')),
    -- NULL for changes made outside the API (seeding, the CLI).
    user_id         bigint REFERENCES users (id) ON DELETE RESTRICT,
    actor           text NOT NULL,
    via             text NOT NULL CHECK (via IN ('api', 'import', 'cli')),
    changed_at      timestamptz NOT NULL DEFAULT now(),
    -- [{"field": …, "from": …, "to": …}]; outlines as {"area_m2", "geometry"} on both sides.
    changes         jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'array'),
    UNIQUE (kind, place_id, version)
);

CREATE FUNCTION place_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'place_history is append-only';
END
$$;
CREATE TRIGGER place_history_no_update BEFORE UPDATE OR DELETE ON place_history
    FOR EACH ROW EXECUTE FUNCTION place_history_append_only();
CREATE TRIGGER place_history_no_truncate BEFORE TRUNCATE ON place_history
    FOR EACH STATEMENT EXECUTE FUNCTION place_history_append_only();
