-- The search's cover lookup (db::media::cover_join, joined to each page row) for 1,000 plots, in two forms,
-- over the 100,000 plots of bench/generate.sql plus synthetic media rows (added here: 3 images
-- on every third plot, one internal on every sixth, a PDF on every fifth; rows only, no files).
--   psql "$URL" -X -q -f bench/generate.sql && psql "$URL" -X -f bench/cover_query.sql
\set ON_ERROR_STOP on
INSERT INTO media (plot_id, kind, content_hash, content_type, bytes, width, height, credit, licence, position, cover, internal)
SELECT p.id, 'photo', repeat('a', 64), 'image/jpeg', 1000, 1200, 800, 'Bench', 'CC0', k, k = 2 AND p.id % 2 = 0, k = 0 AND p.id % 6 = 0
FROM plots p, generate_series(0, 2) k
WHERE p.id % 3 = 0 AND NOT EXISTS (SELECT 1 FROM media WHERE content_hash = repeat('a', 64));
INSERT INTO media (plot_id, kind, content_hash, content_type, bytes, credit, licence, position)
SELECT p.id, 'document', repeat('b', 64), 'application/pdf', 1000, 'Bench', 'CC0', 0 FROM plots p
WHERE p.id % 5 = 0 AND NOT EXISTS (SELECT 1 FROM media WHERE content_hash = repeat('b', 64));
VACUUM ANALYZE media;
SELECT count(*) AS media_rows FROM media;
SELECT array_agg(id) AS ids FROM (SELECT id FROM plots WHERE published ORDER BY reference LIMIT 1000) s \gset
\echo 'DISTINCT ON ... WHERE plot_id = ANY (first version, not used)'
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY) SELECT DISTINCT ON (plot_id) * FROM media
WHERE plot_id = ANY(:'ids'::bigint[]) AND deleted_at IS NULL AND NOT internal AND content_type <> 'application/pdf'
ORDER BY plot_id, cover DESC, position, id;
\echo 'LATERAL per id (the form of db::media::cover_join)'
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY) SELECT m.* FROM unnest(:'ids'::bigint[]) AS p(id) CROSS JOIN LATERAL (
  SELECT media.* FROM media WHERE media.plot_id = p.id AND media.deleted_at IS NULL AND NOT media.internal
    AND media.content_type <> 'application/pdf' ORDER BY media.cover DESC, media.position, media.id LIMIT 1) AS m;
