//! Integration tests: HTTP against the real app on real PostGIS, one database per test.

mod helpers;

mod abuse;
mod accounts;
mod authorization;
mod errors;
mod estate_pages;
mod geometry;
mod history;
mod imports;
mod maps;
mod openapi_spec;
mod parcels;
mod places;
mod plots_crud;
mod search;
mod upgrade;
mod visibility;
