//! gewerbeflaechen: the shared commercial-land database (Gewerbeflächendatenbank) of a region.
//!
//! Layers, called in one direction: `api` (HTTP) → `domain` (rules, no IO) and `db` (PostGIS).

pub mod api;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod startup;
pub mod telemetry;
