DROP TRIGGER plots_to_changes_update ON plots;
DROP TRIGGER plots_to_changes_insert ON plots;
DROP FUNCTION gwf_plot_change_write();
DROP FUNCTION gwf_plot_public(plots);
DROP TABLE plot_changes;
