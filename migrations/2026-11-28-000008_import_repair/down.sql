DROP FUNCTION gwf_import_geometry(text, boolean, integer, boolean, double precision);
