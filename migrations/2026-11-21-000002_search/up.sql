-- Investor search: full text, distance on the ellipsoid, and the sort orders of GET /plots.

-- German and English texts, each stemmed by its own language (Logistikflächen ~ Logistikfläche).
-- Titles weigh more than descriptions for ranking.
ALTER TABLE plots ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('german', coalesce(title_de, '')), 'A')
    || setweight(to_tsvector('english', coalesce(title_en, '')), 'A')
    || setweight(to_tsvector('german', coalesce(description_de, '')), 'B')
    || setweight(to_tsvector('english', coalesce(description_en, '')), 'B')
) STORED;
CREATE INDEX plots_search_tsv_gin ON plots USING gin (search_tsv);

-- `near=` searches in true metres use geography; this index lets ST_DWithin(geom::geography, …)
-- and KNN ordering avoid full scans.
CREATE INDEX plots_geog_gist ON plots USING gist ((geom::geography));

-- The size investors search by: the official figure where stated, else the measured one.
-- Units: m².
ALTER TABLE plots ADD COLUMN area_m2 double precision GENERATED ALWAYS AS (
    coalesce(area_stated_m2::double precision, area_geodesic_m2)
) STORED;

-- Sort orders with their id tie-breaker (keyset pagination walks these indexes).
CREATE INDEX plots_sort_price_idx ON plots ((coalesce(price_min_ct, 9223372036854775807)), id);
CREATE INDEX plots_sort_area_idx ON plots (area_m2, id);
CREATE INDEX plots_sort_updated_idx ON plots (updated_at, id);
CREATE INDEX plots_status_idx ON plots (status);
CREATE INDEX plots_zoning_idx ON plots (zoning);
-- Descending price order keeps "on request" last as well.
CREATE INDEX plots_sort_price_desc_idx ON plots ((coalesce(price_min_ct, -1)), id);
