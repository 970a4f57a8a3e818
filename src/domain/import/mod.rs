//! Bulk import of plots, free of IO: `upload` reads a file (GeoJSON by `read`, CSV by `csv`; a zipped
//! Shapefile by `archive` and `shapefile`; a GeoPackage by `gpkg`) into records in the import
//! schema (`schema`), `plan` turns one record and what the database knows into a planned write
//! (create, update, unchanged) or the list of its problems, and `report` is what the caller is
//! told. `api::imports` reads the body, asks the database and writes the plans, all in one
//! transaction. Estates are imported the same way (`estates`); `locate` assigns places from
//! geometry.

pub mod archive;
pub mod bounds;
pub mod csv;
pub mod estate_schema;
pub mod estates;
pub mod formula;
pub mod german;
pub mod gpkg;
pub mod locate;
pub mod numbers;
pub mod plan;
pub mod read;
pub mod report;
pub mod schema;
pub mod shapefile;
pub mod upload;

pub use plan::{Plan, Planner, PlannerContext};
pub use read::{GeometryInput, ParsedFile, Record};
pub use report::{EstateImportItem, EstateImportReport, ImportItem, ImportProblem, ImportReport};
pub use schema::{Mapping, Target};
