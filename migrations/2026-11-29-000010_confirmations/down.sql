DROP INDEX plot_history_confirmations;
ALTER TABLE plot_history DROP CONSTRAINT plot_history_action_check;
ALTER TABLE plot_history ADD CONSTRAINT plot_history_action_check
    CHECK (action IN ('create', 'update', 'publish', 'unpublish', 'delete', 'restore'));
