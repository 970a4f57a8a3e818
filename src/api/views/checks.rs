//! Spatial checks as responses show them: the staff report of `GET /places/checks` and the
//! warnings of plot writes. The findings themselves are `domain::checks::Finding`.

use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::Plot;
use crate::db::checks::{Measured, Town};
use crate::domain::checks::{Finding, FindingKind};

/// A plot as a create, replace or patch answers with: the plot, and what the spatial checks
/// found about it afterwards. Warnings never block a write.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlotWithWarnings {
    #[serde(flatten)]
    pub plot: Plot,
    /// What is implausible about the plot written (`slivers_dropped`: parts or holes under
    /// 1 m² taken out of the outline; `small_outline`: under 100 m²; `area_stated_mismatch`:
    /// stated and outline area more than 10 % apart; `outline_repaired`: an invalid outline
    /// mended on request, `?repair=true`), then the spatial findings about it after
    /// the write (outside its estate or municipality, overlapping another plot); empty when
    /// there are none. The spatial findings are left out when the token does not read (`read`
    /// scope: they name drafts) or the checks could not run (the write itself succeeded);
    /// `warnings` is absent when that leaves nothing. See `GET /places/checks` for the
    /// tolerances and docs/spatial-checks.md for the plausibility thresholds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<Finding>>,
}

/// An estate as a write answers it: the estate and the spatial findings about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstateWithWarnings {
    #[serde(flatten)]
    pub estate: crate::api::views::Estate,
    /// What the write dropped from the outline (`slivers_dropped`, told to every writer), then
    /// the spatial findings after the write (the estate outside its municipality, its plots
    /// outside it or overlapping each other); empty when there are none. Absent when there were
    /// no slivers and the token does not read findings or the checks could not run (the write
    /// itself succeeded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<Finding>>,
}

/// The spatial checks of the municipalities a caller reads.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecksReport {
    /// Every municipality checked, by id, each with its findings (possibly none).
    pub municipalities: Vec<MunicipalityFindings>,
    /// Findings returned (at most `limit`).
    pub finding_count: usize,
    /// More findings exist than `limit`; the first ones by municipality, kind and size are
    /// returned.
    pub truncated: bool,
    pub limit: usize,
    /// What each kind of finding tolerates before it fires.
    pub tolerances: Vec<KindTolerance>,
}

/// One municipality and its findings.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityFindings {
    pub id: i64,
    #[schema(example = "Ludwigslust")]
    pub name: String,
    /// Amtlicher Gemeindeschlüssel.
    #[schema(example = "13076090")]
    pub ags: String,
    /// Without an outline, nothing is checked against the municipality's boundary.
    pub has_outline: bool,
    pub findings: Vec<Finding>,
}

/// The tolerance of one kind of finding: it fires when the area exceeds `max_m2` *and* the
/// share exceeds `max_share`.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindTolerance {
    pub kind: FindingKind,
    /// Units: m².
    pub max_m2: f64,
    /// A fraction 0–1 (of the plot or estate; of the smaller plot for overlaps).
    pub max_share: f64,
}

impl KindTolerance {
    pub fn all() -> Vec<KindTolerance> {
        FindingKind::ALL
            .into_iter()
            .filter_map(|kind| {
                let t = kind.tolerance()?;
                Some(KindTolerance {
                    kind,
                    max_m2: t.max_m2,
                    max_share: t.max_share,
                })
            })
            .collect()
    }
}

impl ChecksReport {
    /// Findings grouped under `towns` (in their order); findings of other towns are dropped.
    pub fn new(towns: Vec<Town>, findings: Vec<Finding>, truncated: bool, limit: usize) -> Self {
        let mut municipalities: Vec<MunicipalityFindings> = towns
            .into_iter()
            .map(|t| MunicipalityFindings {
                id: t.id,
                name: t.name,
                ags: t.ags,
                has_outline: t.has_outline,
                findings: Vec::new(),
            })
            .collect();
        let mut finding_count = 0;
        for finding in findings {
            if let Some(m) = municipalities
                .iter_mut()
                .find(|m| m.id == finding.municipality_id)
            {
                m.findings.push(finding);
                finding_count += 1;
            }
        }
        ChecksReport {
            municipalities,
            finding_count,
            truncated,
            limit,
            tolerances: KindTolerance::all(),
        }
    }
}

/// The findings as a GeoJSON FeatureCollection: each Feature's geometry is the ground at issue
/// (the part outside, or the part two plots share), EPSG:4326.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecksFeatureCollection {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub type_: &'static str,
    pub features: Vec<FindingFeature>,
    #[serde(rename = "numberReturned")]
    pub number_returned: usize,
    pub truncated: bool,
    pub limit: usize,
}

/// One finding as a GeoJSON Feature.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingFeature {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Feature")]
    pub type_: &'static str,
    #[schema(value_type = Option<super::MultiPolygonDoc>)]
    pub geometry: Option<Box<RawValue>>,
    pub properties: FindingProperties,
}

/// A finding with the name and AGS of its municipality.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingProperties {
    #[serde(flatten)]
    pub finding: Finding,
    pub municipality_name: String,
    pub ags: String,
}

impl ChecksFeatureCollection {
    pub fn new(towns: &[Town], found: Vec<Measured>, truncated: bool, limit: usize) -> Self {
        let features: Vec<FindingFeature> = found
            .into_iter()
            .filter_map(|m| {
                let town = towns.iter().find(|t| t.id == m.finding.municipality_id)?;
                Some(FindingFeature {
                    type_: "Feature",
                    geometry: m.geometry.and_then(|g| RawValue::from_string(g).ok()),
                    properties: FindingProperties {
                        municipality_name: town.name.clone(),
                        ags: town.ags.clone(),
                        finding: m.finding,
                    },
                })
            })
            .collect();
        ChecksFeatureCollection {
            type_: "FeatureCollection",
            number_returned: features.len(),
            features,
            truncated,
            limit,
        }
    }
}
