-- The change feed (GET /changes): every public change of a plot — published, public facts
-- updated, unpublished, deleted — for town websites and portals that keep a copy in sync.
--
-- Gap-free with concurrent writers: change rows are numbered (`seq`) only while their
-- transaction holds the lock on the map's data version row (migration 000004), which every
-- transaction writing plots takes anyway and keeps until it commits. So the numbers commit in
-- their order: no transaction can commit a smaller number after a larger one is visible (a
-- transaction becomes visible before it releases its locks). A reader reads by number after
-- its cursor, and a client that stores its cursor sees each change exactly once; numbers left
-- unused by a rollback are only skipped. Readers never wait. Being the lock writers already
-- queue on, it adds no waiting and no new lock order (no deadlock).
--
-- Row triggers with WHEN conditions, measured against statement triggers with transition
-- tables (bench/changes.sh): the statement triggers copied every updated row, geometry and all,
-- into transition tables on every statement, drafts too, which made 10,000 one-row updates of
-- published plots 5.7 times as slow. A draft now costs nothing: the WHEN is checked without
-- calling the function.
CREATE TABLE plot_changes (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plot_id    bigint NOT NULL REFERENCES plots (id) ON DELETE RESTRICT,
    -- As the public saw them at the change (an unpublished plot's later draft edits stay
    -- private), so the feed never joins the live row.
    reference       text NOT NULL,
    municipality_id bigint NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('published', 'updated', 'unpublished', 'deleted')),
    changed_at timestamptz NOT NULL DEFAULT gwf_effective_at()
);
-- No index besides the key: every index is written on every change (bench/changes.sh), and
-- the feed and the Atom feed of new plots (newest `published` first) both walk `seq`.

-- What the public sees of a plot, as one comparable value: every column except the internal
-- ones (internal_notes, owner_name, owner_contact), the bookkeeping (created_at, updated_at,
-- version, is_demo) and what is derived from a listed column (search_tsv, area_m2, tile_x,
-- tile_y). `published` and `deleted_at` decide the kind of change instead. tests/api/changes.rs checks that every
-- column of plots is either here or in that list, so a new column cannot be forgotten.
CREATE FUNCTION gwf_plot_public(p plots) RETURNS record LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(p.reference, p.title_de, p.title_en, p.description_de, p.description_en,
               p.municipality_id, p.estate_id, p.geom, p.area_geodesic_m2, p.area_stated_m2,
               p.status, p.available_from, p.zoning, p.bplan_status, p.grz, p.gfz, p.bmz,
               p.max_height_m, p.max_storeys, p.operation_24h, p.servicing, p.road_access,
               p.water, p.sewage, p.electricity, p.electricity_capacity_kva, p.gas,
               p.district_heating, p.broadband_mbit, p.fibre, p.rail_siding,
               p.dist_motorway_km, p.dist_rail_station_km, p.dist_port_km, p.dist_airport_km,
               p.price_on_request, p.price_min_ct, p.price_max_ct, p.servicing_cost_ct, p.offer,
               p.grw_area, p.grw_max_rate_small_pct, p.grw_max_rate_medium_pct,
               p.grw_max_rate_large_pct, p.contact_name, p.contact_phone, p.contact_email,
               p.data_confirmed_on, p.parcels, p.owner_type)
$$;

CREATE FUNCTION gwf_plot_change_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change text;
BEGIN
    IF TG_OP = 'INSERT' OR NOT OLD.published THEN
        change := 'published';
    ELSIF NOT NEW.published AND NEW.deleted_at IS NOT NULL THEN
        change := 'deleted';
    ELSIF NOT NEW.published THEN
        change := 'unpublished';
    ELSIF gwf_plot_public(OLD) IS DISTINCT FROM gwf_plot_public(NEW) THEN
        change := 'updated';
    ELSE
        RETURN NULL;
    END IF;
    -- The numbering lock (see above); a no-op wait when this transaction holds it already.
    PERFORM 1 FROM map_data_version FOR UPDATE;
    INSERT INTO plot_changes (plot_id, reference, municipality_id, kind)
    VALUES (NEW.id,
            CASE WHEN NEW.published THEN NEW.reference ELSE OLD.reference END,
            CASE WHEN NEW.published THEN NEW.municipality_id ELSE OLD.municipality_id END,
            change);
    RETURN NULL;
END
$$;

CREATE TRIGGER plots_to_changes_insert AFTER INSERT ON plots
    FOR EACH ROW WHEN (NEW.published) EXECUTE FUNCTION gwf_plot_change_write();
CREATE TRIGGER plots_to_changes_update AFTER UPDATE ON plots
    FOR EACH ROW WHEN (OLD.published OR NEW.published) EXECUTE FUNCTION gwf_plot_change_write();

-- The feed starts with what is public now: a client reading from the beginning gets every
-- published plot once, then the changes. Dated by the plot's last change.
INSERT INTO plot_changes (plot_id, reference, municipality_id, kind, changed_at)
SELECT id, reference, municipality_id, 'published', updated_at FROM plots WHERE published ORDER BY id;
