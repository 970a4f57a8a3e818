DROP INDEX plots_parcels_gin;
ALTER TABLE plots DROP COLUMN parcels;
