DROP TRIGGER plots_state ON plots;
DROP FUNCTION gwf_plot_state_write();
DROP FUNCTION gwf_backfill_plot_states();
DROP TABLE plot_states;
ALTER TABLE plot_history ALTER COLUMN changed_at SET DEFAULT now();
DROP FUNCTION gwf_effective_at();
ALTER TABLE plots DROP COLUMN owner_type;
