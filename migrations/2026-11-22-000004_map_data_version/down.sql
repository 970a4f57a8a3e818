DROP TRIGGER estates_map_data_version ON estates;
DROP TRIGGER municipalities_map_data_version ON municipalities;
DROP TRIGGER plots_map_data_version ON plots;
DROP FUNCTION gwf_bump_map_data_version();
DROP TABLE map_data_version;
