-- 100,000 plausible synthetic plots for the benchmark: 5,000 estates of 20 plots each, spread
-- over Germany (lon 6–15 E, lat 47.4–54.7 N), in 500 municipalities of one region.
-- Deterministic (setseed). Geometry EPSG:4326; areas in m², prices in euro cents per m².
\set ON_ERROR_STOP on
BEGIN;
SELECT setseed(0.4242);

INSERT INTO regions (slug, name, description_en)
VALUES ('bench', 'Benchmark Deutschland', 'Synthetic data for bench/run.sh');

INSERT INTO municipalities (region_id, ags, name)
SELECT r.id, (19000000 + g)::text, 'Benchstadt ' || g
FROM regions r, generate_series(1, 500) g
WHERE r.slug = 'bench';

CREATE TEMP TABLE bench_estates AS
SELECT g AS n, 6.0 + random() * 9.0 AS lon, 47.4 + random() * 7.3 AS lat,
       (SELECT id FROM municipalities WHERE ags = (19000000 + 1 + (g % 500))::text) AS municipality_id
FROM generate_series(1, 5000) g;

INSERT INTO estates (municipality_id, name, outline)
SELECT municipality_id, 'Gewerbegebiet ' || n,
       ST_Multi(ST_MakeEnvelope(lon, lat, lon + 0.0125, lat + 0.006, 4326))
FROM bench_estates;

CREATE TEMP TABLE bench_plots AS
SELECT e.n AS estate_n, e.municipality_id, es.id AS estate_id, i,
       ST_Multi(ST_Rotate(
           ST_MakeEnvelope(x, y, x + 0.0025 * s, y + 0.0015 * s, 4326),
           (random() - 0.5) * 0.2, ST_SetSRID(ST_MakePoint(x, y), 4326)))::geometry(MultiPolygon, 4326) AS geom,
       random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
FROM bench_estates e
JOIN estates es ON es.name = 'Gewerbegebiet ' || e.n AND es.municipality_id = e.municipality_id
CROSS JOIN LATERAL (
    SELECT i, e.lon + (i % 5) * 0.0025 AS x, e.lat + (i / 5) * 0.0015 AS y, 0.6 + random() * 0.35 AS s
    FROM generate_series(0, 19) i
) cell;

INSERT INTO plots (
    reference, title_de, title_en, description_de, description_en, municipality_id, estate_id,
    geom, area_geodesic_m2, area_stated_m2, status, available_from, zoning, bplan_status, grz, gfz,
    servicing, broadband_mbit, fibre, rail_siding, dist_motorway_km, dist_rail_station_km,
    dist_port_km, dist_airport_km, price_on_request, price_min_ct, price_max_ct, offer, grw_area,
    data_confirmed_on, published)
SELECT
    'B' || lpad((estate_n * 20 + i)::text, 6, '0'),
    (ARRAY['Logistikfläche', 'Gewerbefläche', 'Industriefläche', 'Baufeld', 'Handwerkerhof'])[1 + (r1 * 5)::int % 5]
        || ' ' || (estate_n * 20 + i),
    (ARRAY['Logistics site', 'Commercial plot', 'Industrial plot', 'Building plot', 'Craft yard'])[1 + (r1 * 5)::int % 5]
        || ' ' || (estate_n * 20 + i),
    'Synthetische Fläche für den Lasttest, voll erschlossen, nahe der Autobahn.',
    'Synthetic plot for the load test, fully serviced, close to the motorway.',
    municipality_id, estate_id, geom, ST_Area(geom::geography),
    CASE WHEN r2 < 0.7 THEN (round(ST_Area(geom::geography) / 100) * 100)::bigint END,
    (ARRAY['available', 'available', 'available', 'reserved', 'under_negotiation', 'sold', 'planned'])[1 + (r2 * 7)::int % 7],
    CASE WHEN r3 < 0.1 THEN DATE '2027-01-01' + (r4 * 700)::int END,
    (ARRAY['GI', 'GE', 'GE', 'GE-e', 'MI', 'SO', 'other'])[1 + (r3 * 7)::int % 7],
    (ARRAY['legally_binding', 'legally_binding', 'in_preparation', 'section_34', 'none'])[1 + (r4 * 5)::int % 5],
    0.6 + round((r5 * 0.4)::numeric, 1)::float8, 1.2 + round((r5 * 1.2)::numeric, 1)::float8,
    (ARRAY['full', 'full', 'partial', 'none'])[1 + (r5 * 4)::int % 4],
    (ARRAY[50, 100, 250, 1000])[1 + (r1 * 4)::int % 4], r1 > 0.5, r4 < 0.05,
    round((r3 * 30)::numeric, 1)::float8, round((r4 * 20)::numeric, 1)::float8,
    round((r5 * 400)::numeric, 1)::float8, round((r2 * 200)::numeric, 1)::float8,
    r5 < 0.1,
    CASE WHEN r5 >= 0.1 THEN 500 + (r4 * 4000)::int END,
    CASE WHEN r5 >= 0.1 AND r1 < 0.5 THEN 4500 + (r4 * 1000)::int END,
    (ARRAY['sale', 'lease', 'sale_or_lease'])[1 + (r4 * 3)::int % 3],
    r2 < 0.7,
    DATE '2024-01-01' + (r3 * 1000)::int,
    r4 > 0.05
FROM bench_plots;

COMMIT;
ANALYZE;
