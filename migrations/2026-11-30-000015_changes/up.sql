-- The change feed (GET /changes): every public change of a plot — published, public facts
-- updated, unpublished, deleted — for town websites and portals that keep a copy in sync.
--
-- Gap-free with concurrent writers: change rows are numbered (`seq`) while their transaction
-- holds a transaction-level advisory lock that the trigger takes first, so the numbers commit
-- in their order: no transaction can commit a smaller number after a larger one is visible
-- (a transaction becomes visible before it releases its locks). A reader reads by number after
-- its cursor, and a client that stores its cursor sees each change exactly once; numbers left
-- unused by a rollback are only skipped. Readers never wait; writers of public changes queue on
-- the lock from their first change to their commit, as they already queue on the map's data
-- version row (migration 000004). The triggers are named to fire after that one (triggers of
-- a kind fire in name order), so both locks are always taken in the same order: no deadlock.
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
-- Newest publications per plot (the Atom feed of new plots).
CREATE INDEX plot_changes_published ON plot_changes (changed_at DESC) WHERE kind = 'published';
CREATE INDEX plot_changes_plot_id ON plot_changes (plot_id);

-- What the public sees of a plot, as one comparable value: every column except the internal
-- ones (internal_notes, owner_name, owner_contact), the bookkeeping (created_at, updated_at,
-- version, is_demo) and what is derived from a listed column (search_tsv, area_m2, tile_x,
-- tile_y). `published`
-- and `deleted_at` decide the kind of change instead. tests/api/changes.rs checks that every
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

-- Statement-level with transition tables: one INSERT … SELECT per statement, so that an
-- import writing a chunk of plots in one statement pays one trigger call, not one per row.
CREATE FUNCTION gwf_plot_changes_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM new_rows WHERE published) THEN
        PERFORM pg_advisory_xact_lock(hashtext('gewerbeflaechen.plot_changes'));
    END IF;
    INSERT INTO plot_changes (plot_id, reference, municipality_id, kind)
    SELECT n.id, n.reference, n.municipality_id, 'published'
    FROM new_rows n WHERE n.published ORDER BY n.id;
    RETURN NULL;
END
$$;

CREATE FUNCTION gwf_plot_changes_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM new_rows WHERE published) OR EXISTS (SELECT FROM old_rows WHERE published) THEN
        PERFORM pg_advisory_xact_lock(hashtext('gewerbeflaechen.plot_changes'));
    END IF;
    INSERT INTO plot_changes (plot_id, reference, municipality_id, kind)
    SELECT id, reference, municipality_id, kind FROM (
        SELECT n.id,
               CASE WHEN n.published THEN n.reference ELSE o.reference END AS reference,
               CASE WHEN n.published THEN n.municipality_id ELSE o.municipality_id END
                   AS municipality_id,
               CASE
                   WHEN n.published AND NOT o.published THEN 'published'
                   WHEN o.published AND NOT n.published AND n.deleted_at IS NOT NULL THEN 'deleted'
                   WHEN o.published AND NOT n.published THEN 'unpublished'
                   WHEN n.published AND gwf_plot_public(o) IS DISTINCT FROM gwf_plot_public(n)
                       THEN 'updated'
               END AS kind
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.published OR o.published
    ) AS c
    WHERE kind IS NOT NULL
    ORDER BY id;
    RETURN NULL;
END
$$;

CREATE TRIGGER plots_to_changes_insert AFTER INSERT ON plots
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gwf_plot_changes_insert();
CREATE TRIGGER plots_to_changes_update AFTER UPDATE ON plots
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gwf_plot_changes_update();

-- The feed starts with what is public now: a client reading from the beginning gets every
-- published plot once, then the changes. Dated by the plot's last change.
INSERT INTO plot_changes (plot_id, reference, municipality_id, kind, changed_at)
SELECT id, reference, municipality_id, 'published', updated_at FROM plots WHERE published ORDER BY id;
