//! Integration tests: HTTP against the real app on real PostGIS, one database per test.

mod helpers;

mod errors;
mod geometry;
mod maps;
mod openapi_spec;
mod places;
mod plots_crud;
mod search;
mod visibility;
