-- Push instead of poll: every new map data version is announced on channel `gwf_map_data`
-- (payload: the version), so the tile cache of each instance learns of a change without
-- asking the database on every request (api::maps::tile_listener). A notification is sent
-- when its transaction commits and dropped with it (or with its savepoint) on rollback, like
-- the version itself; transactions that change the version commit in version order (they
-- queue on its row), so announcements arrive in that order too.
CREATE OR REPLACE FUNCTION gwf_bump_map_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bumped bigint;
BEGIN
    IF current_setting('gwf.map_data_version_bumped', true) IS DISTINCT FROM 'yes' THEN
        UPDATE map_data_version SET version = version + 1 RETURNING version INTO bumped;
        PERFORM set_config('gwf.map_data_version_bumped', 'yes', true);
        PERFORM pg_notify('gwf_map_data', bumped::text);
    END IF;
    RETURN NULL;
END
$$;

-- Where a plot is drawn as a point at low zooms (api::maps::tiles: clusters): the centre of its
-- bounding box in Web Mercator (EPSG:3857; latitude clamped to the projection's ±85.05°).
-- Units: m. Stored, with an index that holds what a cluster needs, so a tile over a whole
-- country counts its plots from the index alone instead of decoding 100,000 outlines.
ALTER TABLE plots
    ADD COLUMN tile_x double precision GENERATED ALWAYS AS (
        (ST_XMin(geom::box2d) + ST_XMax(geom::box2d)) * 0.5 * 111319.49079327357) STORED,
    ADD COLUMN tile_y double precision GENERATED ALWAYS AS (
        ln(tan(pi() / 4 + radians(least(greatest((ST_YMin(geom::box2d) + ST_YMax(geom::box2d)) * 0.5,
            -85.0511287798), 85.0511287798)) / 2)) * 6378137) STORED;
CREATE INDEX plots_tile_point_idx ON plots (tile_x, tile_y)
    INCLUDE (area_m2, status, zoning, municipality_id) WHERE published;
