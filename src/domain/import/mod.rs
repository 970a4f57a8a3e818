//! Bulk import of plots, free of IO: `read` turns a file (GeoJSON, CSV) into records in the import
//! schema (`schema`), `plan` turns one record and what the database knows into a planned write
//! (create, update, unchanged) or the list of its problems, and `report` is what the caller is
//! told. `api::imports` reads the body, asks the database and writes the plans, all in one
//! transaction. Estates are imported the same way (`estates`); `locate` assigns places from
//! geometry.

pub mod estate_schema;
pub mod estates;
pub mod formula;
pub mod german;
pub mod locate;
pub mod numbers;
pub mod plan;
pub mod read;
pub mod report;
pub mod schema;

pub use plan::{Plan, Planner, PlannerContext};
pub use read::{GeometryInput, ParsedFile, Record};
pub use report::{EstateImportItem, EstateImportReport, ImportItem, ImportProblem, ImportReport};
pub use schema::{Mapping, Target};
