DROP FUNCTION gwf_import_geometry(text, boolean, integer);
DROP TABLE plot_history;
DROP FUNCTION plot_history_append_only();
ALTER TABLE plots DROP CONSTRAINT plots_deleted_not_published,
    DROP COLUMN deleted_at, DROP COLUMN owner_name, DROP COLUMN owner_contact;
DROP TABLE auth_tokens;
DROP TABLE user_municipalities;
DROP TABLE users;
