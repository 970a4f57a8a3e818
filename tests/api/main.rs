//! Integration tests: HTTP against the real app on real PostGIS, one database per test.

mod helpers;

mod abuse;
mod accounts;
mod authorization;
mod boundaries;
mod errors;
mod estate_imports;
mod estate_pages;
mod freshness;
mod geometry;
mod geometry_quality;
mod gis_formats;
mod history;
mod import_concurrency;
mod import_crs;
mod imports;
mod maps;
mod monitoring;
mod monitoring_page;
mod officer_details;
mod ogc;
mod openapi_spec;
mod parcels;
mod place_checks;
mod place_writes;
mod places;
mod plots_crud;
mod region_setup;
mod reminder_mails;
mod reminders;
mod resync;
mod search;
mod upgrade;
mod visibility;
