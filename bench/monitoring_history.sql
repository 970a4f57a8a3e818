-- A five-year history for the 100,000 bench plots (bench/generate.sql, loaded with
-- gwf.effective_at set to 2021-11-27): their creation entries, then four changes per plot at
-- random moments from December 2021 to October 2026, in time order, each in the plot's history
-- and (through the trigger of migration 000009) its states. Three in four change the status
-- (to available, reserved, under negotiation or sold, so plots are sold, reserved and
-- reopened), the others the price (plots with a price) or, for plots on request, the status.
-- 100,000 + 400,000 = 500,000 history rows. Deterministic (setseed).
\set ON_ERROR_STOP on
BEGIN;
SELECT setseed(0.1717);

INSERT INTO plot_history (plot_id, version, action, actor, via, changed_at, changes)
SELECT id, version, 'create', 'bench', 'cli', timestamptz '2021-11-27 08:00+01', '[]'
FROM plots;

CREATE TEMP TABLE bench_events AS
SELECT p.id AS plot_id,
       timestamptz '2021-12-01 00:00+01' + random() * interval '1795 days' AS at,
       random() AS kind, random() AS r
FROM plots p, generate_series(1, 4);

DO $$
DECLARE
    e record;
    old record;
    new_status text;
    changes jsonb;
BEGIN
    FOR e IN SELECT * FROM bench_events ORDER BY at LOOP
        PERFORM set_config('gwf.effective_at', e.at::text, true);
        SELECT status, price_on_request, price_min_ct, price_max_ct INTO old
        FROM plots WHERE id = e.plot_id;
        IF e.kind < 0.75 OR old.price_on_request THEN
            new_status := (ARRAY['available', 'available', 'reserved', 'under_negotiation',
                                 'sold', 'sold'])[1 + floor(e.r * 6)::int];
            IF new_status = old.status THEN
                new_status := CASE WHEN old.status = 'sold' THEN 'available' ELSE 'sold' END;
            END IF;
            UPDATE plots SET status = new_status, version = version + 1 WHERE id = e.plot_id;
            changes := jsonb_build_array(jsonb_build_object(
                'field', 'status', 'from', old.status, 'to', new_status));
        ELSE
            UPDATE plots SET price_min_ct = price_min_ct + 100,
                             price_max_ct = price_max_ct + 100,
                             version = version + 1
            WHERE id = e.plot_id;
            changes := jsonb_build_array(jsonb_build_object(
                'field', 'price_min_eur_m2',
                'from', to_char(old.price_min_ct / 100.0, 'FM999990.00'),
                'to', to_char((old.price_min_ct + 100) / 100.0, 'FM999990.00')));
            IF old.price_max_ct IS NOT NULL THEN
                changes := changes || jsonb_build_array(jsonb_build_object(
                    'field', 'price_max_eur_m2',
                    'from', to_char(old.price_max_ct / 100.0, 'FM999990.00'),
                    'to', to_char((old.price_max_ct + 100) / 100.0, 'FM999990.00')));
            END IF;
        END IF;
        INSERT INTO plot_history (plot_id, version, action, actor, via, changes)
        SELECT e.plot_id, version, 'update', 'bench', 'cli', changes FROM plots WHERE id = e.plot_id;
    END LOOP;
END
$$;

COMMIT;
ANALYZE;
