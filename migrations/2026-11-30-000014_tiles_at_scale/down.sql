CREATE OR REPLACE FUNCTION gwf_bump_map_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('gwf.map_data_version_bumped', true) IS DISTINCT FROM 'yes' THEN
        UPDATE map_data_version SET version = version + 1;
        PERFORM set_config('gwf.map_data_version_bumped', 'yes', true);
    END IF;
    RETURN NULL;
END
$$;
DROP INDEX plots_tile_point_idx;
ALTER TABLE plots DROP COLUMN tile_x, DROP COLUMN tile_y;
