//! What an import tells its caller.

use serde::Serialize;
use utoipa::ToSchema;

/// What an import did, or (dry run, rejected) would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Every feature passed. A real run wrote all of them; otherwise none.
    pub valid: bool,
    /// `geojson` or `csv`.
    pub format: &'static str,
    /// CRS the coordinates were read in.
    pub crs: &'static str,
    /// Number of features (GeoJSON) or data rows (CSV).
    pub features: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Everything that stops the import, per feature and field.
    pub problems: Vec<ImportProblem>,
    /// Things worth knowing that do not stop it (ignored columns, placeholder outlines, slivers
    /// dropped, outlines repaired, implausible outlines and areas: docs/imports.md).
    pub warnings: Vec<ImportProblem>,
    /// One per valid feature, in file order.
    pub items: Vec<ImportItem>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportProblem {
    /// Index of the feature in `features` (GeoJSON) or of the data row (CSV), from 0.
    pub feature: Option<usize>,
    /// Line in the CSV file (the header is line 1).
    pub line: Option<usize>,
    pub reference: Option<String>,
    /// Field of the import schema, e.g. `grz` or `geometry`.
    pub field: Option<String>,
    pub problem: String,
}

impl ImportProblem {
    pub fn new(
        feature: Option<usize>,
        line: Option<usize>,
        field: Option<&str>,
        text: impl Into<String>,
    ) -> ImportProblem {
        ImportProblem {
            feature,
            line,
            reference: None,
            field: field.map(str::to_owned),
            problem: text.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportItem {
    pub feature: usize,
    pub reference: String,
    /// `create`, `update` or `unchanged`.
    pub action: &'static str,
    /// Plot id (absent in a dry run for new plots).
    pub id: Option<i64>,
    /// Version after the import.
    pub version: Option<i32>,
    /// What `?locate=true` assigned (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub located: Option<Located>,
}

/// What an estate import did, or (dry run, rejected) would do: `ImportReport` with estates.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstateImportReport {
    pub dry_run: bool,
    /// Every feature passed. A real run wrote all of them; otherwise none.
    pub valid: bool,
    /// `geojson` or `csv`.
    pub format: &'static str,
    /// CRS the coordinates were read in.
    pub crs: &'static str,
    /// Number of features (GeoJSON) or data rows (CSV).
    pub features: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Everything that stops the import, per feature and field.
    pub problems: Vec<ImportProblem>,
    /// Things worth knowing that do not stop it (ignored columns).
    pub warnings: Vec<ImportProblem>,
    /// One per valid feature, in file order.
    pub items: Vec<EstateImportItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EstateImportItem {
    pub feature: usize,
    /// The estate's name as stored after the import.
    pub name: String,
    pub municipality_ags: String,
    /// `create`, `update` or `unchanged`.
    pub action: &'static str,
    /// Estate id (absent in a dry run for new estates).
    pub id: Option<i64>,
    /// Version after the import.
    pub version: Option<i32>,
    /// What `?locate=true` assigned (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub located: Option<Located>,
}

/// What locate assigned to a feature, in the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Located {
    /// The municipality whose outline contains the feature (null when the feature or its
    /// stored plot names one).
    pub municipality_ags: Option<String>,
    /// Plots: the estate of the plot's municipality whose outline contains it (null when none
    /// does, or when the feature or its stored plot names one).
    pub estate_name: Option<String>,
}
