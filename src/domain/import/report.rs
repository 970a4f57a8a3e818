//! What an import tells its caller.

use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

/// What an import did, or (dry run, rejected) would do. Items of updates list what changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Every feature passed. A real run wrote all of them; otherwise none.
    pub valid: bool,
    /// `geojson`, `csv`, `shapefile` or `gpkg`.
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
    /// `update` only, dry run or not: each field that changes, `{"field", "from", "to"}`, in
    /// the names of `PlotData` as the plot's history records them, except places, named as a
    /// file names them (`municipality_ags` with AGS, `estate_name` with names). An outline
    /// change is summarised by its area on both sides (`{"area_m2": 8000.0}`, m²), not the
    /// outlines.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub changes: Option<Vec<Value>>,
}

/// The changes of an update as a report lists them: as in the plot's history (`history::diff`),
/// but outlines by their area alone, so that a report of many updates stays small, and places
/// by the names a file gives them (`municipality_id` as `municipality_ags`, `estate_id` as
/// `estate_name`; `name_of(field, id)` gives the AGS or name, where known).
pub fn summarised(changes: &[Value], name_of: &dyn Fn(&str, i64) -> Option<String>) -> Vec<Value> {
    changes
        .iter()
        .map(|change| match change.get("field").and_then(Value::as_str) {
            Some(field @ ("municipality_id" | "estate_id")) => {
                let side = |side: &str| match change.get(side) {
                    Some(Value::Number(id)) => id
                        .as_i64()
                        .and_then(|id| name_of(field, id))
                        .map_or_else(|| Value::Number(id.clone()), Value::String),
                    other => other.cloned().unwrap_or(Value::Null),
                };
                let named = match field {
                    "municipality_id" => "municipality_ags",
                    _ => "estate_name",
                };
                json!({"field": named, "from": side("from"), "to": side("to")})
            }
            Some(field @ ("geometry" | "outline")) => {
                let area = |side: &str| match change.get(side).and_then(|s| s.get("area_m2")) {
                    Some(a) => json!({ "area_m2": a }),
                    None => Value::Null,
                };
                json!({"field": field, "from": area("from"), "to": area("to")})
            }
            _ => change.clone(),
        })
        .collect()
}

/// What an estate import did, or (dry run, rejected) would do: `ImportReport` with estates.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstateImportReport {
    pub dry_run: bool,
    /// Every feature passed. A real run wrote all of them; otherwise none.
    pub valid: bool,
    /// `geojson`, `csv`, `shapefile` or `gpkg`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlines_are_summarised_by_their_area() {
        let outline = json!({"type": "MultiPolygon", "coordinates": []});
        let changes = [
            json!({"field": "title_de", "from": "A", "to": "B"}),
            json!({"field": "geometry", "from": {"area_m2": 8000.0, "geometry": outline},
                   "to": {"area_m2": 7999.2, "geometry": outline}}),
            json!({"field": "estate_id", "from": null, "to": 7}),
            json!({"field": "municipality_id", "from": 1, "to": 2}),
        ];
        let name_of = |field: &str, id: i64| match (field, id) {
            ("estate_id", 7) => Some("GE Nord".to_owned()),
            ("municipality_id", 2) => Some("13076090".to_owned()),
            _ => None,
        };
        assert_eq!(
            summarised(&changes, &name_of),
            [
                changes[0].clone(),
                json!({"field": "geometry", "from": {"area_m2": 8000.0}, "to": {"area_m2": 7999.2}}),
                json!({"field": "estate_name", "from": null, "to": "GE Nord"}),
                json!({"field": "municipality_ags", "from": 1, "to": "13076090"}),
            ]
        );
    }
}
