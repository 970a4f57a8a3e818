//! gewerbeflaechen: the shared commercial-land database (Gewerbeflächendatenbank) of a region.
//!
//! Layers, called in one direction: `startup` → `api` (HTTP) → `db` (PostGIS queries) →
//! `domain` (types and rules, no IO) → `schema` (the tables). docs/architecture.md draws them.

pub mod alerts;
pub mod api;
pub mod basemap;
pub mod boundaries;
pub mod config;
pub mod db;
pub mod demo;
pub mod demo_media;
pub mod domain;
pub mod mail;
pub mod media_store;
pub mod memory;
pub mod reminders;
pub mod schema;
pub mod startup;
pub mod telemetry;
pub mod webhooks;
