-- One number that changes, in the same transaction, with everything a map tile shows: plots,
-- and the names of municipalities and estates. A tile cached under one version is served only
-- while the version is unchanged (api::maps). Being a row, the new number becomes visible
-- exactly when the change commits: a tile made from older data can never be stored under it.
-- Trade-off: concurrent writing transactions queue on this row from their first change to
-- their commit. Writes are staff edits and imports, a few per minute.
CREATE TABLE map_data_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL
);
INSERT INTO map_data_version (version) VALUES (1);

-- Once per transaction: an import of 10,000 plots is 10,000 statements, and one new row
-- version per statement would leave a long chain of dead versions for readers to walk.
-- The flag is transaction-local and rolls back with a savepoint, like the update itself.
CREATE FUNCTION gwf_bump_map_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('gwf.map_data_version_bumped', true) IS DISTINCT FROM 'yes' THEN
        UPDATE map_data_version SET version = version + 1;
        PERFORM set_config('gwf.map_data_version_bumped', 'yes', true);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER plots_map_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plots
    FOR EACH STATEMENT EXECUTE FUNCTION gwf_bump_map_data_version();
CREATE TRIGGER municipalities_map_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON municipalities
    FOR EACH STATEMENT EXECUTE FUNCTION gwf_bump_map_data_version();
CREATE TRIGGER estates_map_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON estates
    FOR EACH STATEMENT EXECUTE FUNCTION gwf_bump_map_data_version();
