-- Freshness: "checked, still true" (POST /plots/{key}/confirm) is a history entry of its own,
-- `confirm`, that changes only data_confirmed_on. Existing entries are untouched.
ALTER TABLE plot_history DROP CONSTRAINT plot_history_action_check;
ALTER TABLE plot_history ADD CONSTRAINT plot_history_action_check
    CHECK (action IN ('create', 'update', 'publish', 'unpublish', 'delete', 'restore', 'confirm'));

-- The freshness report finds plots whose confirmation date was never changed after creation.
CREATE INDEX plot_history_confirmations ON plot_history (plot_id)
    WHERE action = 'confirm' OR (action = 'update' AND changes @> '[{"field": "data_confirmed_on"}]');
