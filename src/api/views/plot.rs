//! Plots as responses show them: single plots, pages, history and the short form in place
//! listings.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use std::sync::OnceLock;

use super::{keys_in_order, Feature, Link};
use crate::db::plots::{HistoryRow, PlotRow, PlotSummaryRow};
use crate::domain::access::ReadScope;
use crate::domain::plot::{
    example_plot_data, InternalFacts, PlotData, PlotFacts, PlotStatus, Zoning,
};

fn example_data() -> PlotData {
    match example_plot_data() {
        serde_json::Value::Object(example) => {
            PlotData::from_object(example).expect("the example is valid PlotData")
        }
        _ => unreachable!("the example is an object"),
    }
}

/// A plot as the API shows it. The same members are the `properties` of its GeoJSON Feature
/// (without `geometry`). `published`, `internal_notes` and the owner appear only for staff. A
/// search with `fields=` returns only the chosen members (and `id`), so only `id` is declared
/// required (see `api::docs`).
// Its facts are `domain::plot::facts`, flattened in; the rest is what the service adds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Plot {
    #[schema(example = 17)]
    pub id: i64,
    #[serde(flatten)]
    pub facts: PlotFacts,
    pub region_id: i64,
    #[schema(example = "Ludwigslust")]
    pub municipality_name: String,
    pub estate_name: Option<String>,
    /// GeoJSON MultiPolygon, `[lon, lat]` in EPSG:4326, exterior rings counter-clockwise (a
    /// Point with `geometry_form=centroid`). Only in JSON; in GeoJSON it is the Feature's
    /// `geometry`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<PlotGeometryDoc>)]
    pub geometry: Option<Box<RawValue>>,
    /// Geodesic area of the geometry on the WGS 84 ellipsoid, rounded to 0.1. Units: m².
    #[schema(example = 14873.2)]
    pub area_computed_m2: f64,
    /// The size searches and facets use: the stated area where known, else the computed one.
    /// Units: m².
    pub area_m2: f64,
    /// Distance from the `near` point of a search to the nearest point of the plot, on the
    /// WGS 84 ellipsoid; only in `near` searches. Units: m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    /// Made-up demonstration data.
    pub demo: bool,
    /// Days since the data was last confirmed (`data_confirmed_on`, "Stand"), counted in
    /// Germany's calendar; a plot is stale past `GWF_STALE_AFTER_DAYS` (default 365).
    #[schema(example = 42)]
    pub data_age_days: i64,
    #[serde(serialize_with = "crate::domain::wire_text::timestamp")]
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; the `ETag` of the plot.
    pub version: i32,
    /// Staff only (with internal read rights for the plot's municipality).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub internal: Option<InternalFacts>,
    /// When the plot was deleted; only in an admin's search of deleted plots.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::domain::wire_text::optional_timestamp"
    )]
    pub deleted_at: Option<DateTime<Utc>>,
    /// Its photos and documents as the reader may see them, in gallery order, with the links to
    /// their files (docs/media.md); only when one plot is read (`GET /plots/{key}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Vec<super::media::Media>>,
    /// Searches only (`GET /plots`, `POST /plots/search`, JSON and GeoJSON): the plot's cover
    /// image as the reader may see it, or `null` when it has none (docs/media.md). With
    /// `fields=`, only when `cover` is named.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<super::media::MediaCover>)]
    pub cover: Option<Option<super::media::MediaCover>>,
}

/// A plot's change history.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlotHistory {
    pub plot_id: i64,
    pub reference: String,
    /// Current version (the newest entry's).
    pub version: i32,
    /// Soft-deleted (an admin can restore it).
    pub deleted: bool,
    /// Newest first.
    pub items: Vec<HistoryEntry>,
}

/// One change of a plot.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// The plot's version after this change.
    pub version: i32,
    /// `create`, `update`, `publish`, `unpublish`, `delete` or `restore`.
    pub action: String,
    pub changed_at: DateTime<Utc>,
    /// Account that made the change; absent for changes outside the API (seeding).
    pub user_id: Option<i64>,
    /// Who, as named at the time.
    pub actor: String,
    /// `api`, `import` or `cli`.
    pub via: String,
    /// Each changed field: `{"field", "from", "to"}` in the names of `PlotData`. Geometry
    /// changes hold `{"area_m2", "geometry"}` on both sides (m², GeoJSON in EPSG:4326).
    #[schema(value_type = Vec<Object>)]
    pub changes: serde_json::Value,
}

impl From<HistoryRow> for HistoryEntry {
    fn from(row: HistoryRow) -> Self {
        HistoryEntry {
            version: row.version,
            action: row.action,
            changed_at: row.changed_at,
            user_id: row.user_id,
            actor: row.actor,
            via: row.via,
            changes: row.changes,
        }
    }
}

impl From<crate::db::place_writes::PlaceHistoryRow> for HistoryEntry {
    fn from(row: crate::db::place_writes::PlaceHistoryRow) -> Self {
        HistoryEntry {
            version: row.version,
            action: row.action,
            changed_at: row.changed_at,
            user_id: row.user_id,
            actor: row.actor,
            via: row.via,
            changes: row.changes,
        }
    }
}

impl Plot {
    /// Internal facts appear where `scope` allows them for the plot's municipality.
    pub fn from_row(mut row: PlotRow, geometry: Option<String>, scope: &ReadScope) -> Self {
        let staff = scope.internal(row.facts.municipality_id);
        // A draft estate stays unnamed (`estate_name` comes only from published estates) and,
        // for readers outside its municipality, unreferenced.
        if !staff && row.estate_name.is_none() {
            row.facts.estate_id = None;
        }
        Plot {
            id: row.id,
            region_id: row.region_id,
            municipality_name: row.municipality_name,
            estate_name: row.estate_name,
            geometry: geometry.and_then(|g| RawValue::from_string(g).ok()),
            area_computed_m2: (row.area_geodesic_m2 * 10.0).round() / 10.0,
            area_m2: (row.area_m2 * 10.0).round() / 10.0,
            distance_m: None,
            demo: row.is_demo,
            data_age_days: crate::domain::freshness::data_age_days(
                row.facts.data_confirmed_on,
                crate::domain::freshness::today(),
            ),
            updated_at: row.updated_at,
            version: row.version,
            internal: staff.then_some(row.internal),
            deleted_at: row.deleted_at,
            facts: row.facts,
            media: None,
            cover: None,
        }
    }

    /// Every member, in the order JSON and CSV give them: read off a full example as serde
    /// writes it, so the list follows the declarations.
    pub fn members() -> &'static [String] {
        static MEMBERS: OnceLock<Vec<String>> = OnceLock::new();
        MEMBERS.get_or_init(|| keys_in_order(&Plot::example()))
    }

    /// A plot with every member set (from the documented example), for the member list and
    /// tests.
    pub fn example() -> Plot {
        let data = example_data();
        Plot {
            id: 1,
            facts: data.facts,
            region_id: 1,
            municipality_name: String::new(),
            estate_name: None,
            geometry: RawValue::from_string("null".into()).ok(),
            area_computed_m2: 0.0,
            area_m2: 0.0,
            distance_m: Some(0.0),
            demo: false,
            data_age_days: 0,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
            version: 1,
            internal: Some(data.internal),
            deleted_at: Some(DateTime::<Utc>::UNIX_EPOCH),
            // Not a member of searches, CSV or `fields`: single reads only.
            media: None,
            // Searches add it: not a member of CSV or of other reads.
            cover: None,
        }
    }

    /// Members of the read form that are not editable: clients may send them back unchanged
    /// (a GET, edited, PUT back), imports skip them silently.
    pub fn read_only_members() -> &'static [String] {
        static MEMBERS: OnceLock<Vec<String>> = OnceLock::new();
        MEMBERS.get_or_init(|| {
            let editable = keys_in_order(&example_data());
            Plot::members()
                .iter()
                .filter(|m| !editable.contains(m))
                .cloned()
                .collect()
        })
    }

    /// Units: m (rounded to 0.1).
    pub fn with_distance(mut self, distance_m: Option<f64>) -> Self {
        self.distance_m = distance_m.map(|d| (d * 10.0).round() / 10.0);
        self
    }

    /// The plot as a GeoJSON Feature: geometry moves out of the properties.
    pub fn into_feature(mut self) -> Feature<Plot> {
        let geometry = self.geometry.take();
        Feature {
            type_: "Feature",
            id: self.id,
            geometry,
            properties: self,
        }
    }
}

/// A page of plots as JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlotPage {
    pub items: Vec<Plot>,
    /// Number of items on this page.
    pub number_returned: usize,
    /// Only with `count=exact`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<super::Total>,
    /// Position after this page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// `self` and, when there are more plots, `next`.
    pub links: Vec<Link>,
}

/// A page of plots as a GeoJSON FeatureCollection, with OGC API-style `links` and
/// `numberReturned` members.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlotFeatureCollection {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub type_: &'static str,
    pub features: Vec<Feature<Plot>>,
    #[serde(rename = "numberReturned")]
    pub number_returned: usize,
    /// Exact number of matches (OGC API Features), with `count=exact` when below the cap.
    #[serde(rename = "numberMatched", skip_serializing_if = "Option::is_none")]
    pub number_matched: Option<i64>,
    /// Only with `count=exact`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<super::Total>,
    /// Position after this page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    pub links: Vec<Link>,
}

/// A short line per plot, for the plot lists of municipalities and estates.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlotSummary {
    pub id: i64,
    pub reference: String,
    pub title_de: String,
    pub title_en: Option<String>,
    pub status: PlotStatus,
    pub zoning: Zoning,
    /// Units: m².
    pub area_computed_m2: f64,
    /// Units: m².
    pub area_stated_m2: Option<i64>,
    pub estate_id: Option<i64>,
    /// The plot resource.
    #[schema(example = "/plots/17")]
    pub href: String,
}

impl From<PlotSummaryRow> for PlotSummary {
    fn from(row: PlotSummaryRow) -> Self {
        PlotSummary {
            href: format!("/plots/{}", row.id),
            id: row.id,
            reference: row.reference,
            title_de: row.title_de,
            title_en: row.title_en,
            status: row.status,
            zoning: row.zoning,
            area_computed_m2: (row.area_geodesic_m2 * 10.0).round() / 10.0,
            area_stated_m2: row.area_stated_m2,
            estate_id: row.estate_id,
        }
    }
}

/// Documentation-only schema of a GeoJSON MultiPolygon (RFC 7946) as the service writes it.
#[derive(ToSchema)]
#[schema(example = json!({"type": "MultiPolygon", "coordinates": [[[[11.49, 53.31], [11.492, 53.31], [11.492, 53.311], [11.49, 53.311], [11.49, 53.31]]]]}))]
pub struct MultiPolygonDoc {
    #[schema(example = "MultiPolygon")]
    pub r#type: String,
    /// Polygons → rings → `[lon, lat]` positions, EPSG:4326.
    pub coordinates: Vec<Vec<Vec<Vec<f64>>>>,
}

/// Documentation-only schema of a GeoJSON Point (a plot's centroid with `geometry_form=centroid`).
#[derive(ToSchema)]
#[schema(example = json!({"type": "Point", "coordinates": [11.491, 53.3105]}))]
pub struct PointDoc {
    #[schema(example = "Point")]
    pub r#type: String,
    /// `[lon, lat]`, EPSG:4326.
    #[schema(min_items = 2, max_items = 2)]
    pub coordinates: Vec<f64>,
}

/// Documentation-only: a plot's geometry as served — its outline (full or simplified), or its
/// centroid when `geometry_form=centroid`.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub enum PlotGeometryDoc {
    MultiPolygon(MultiPolygonDoc),
    Point(PointDoc),
}
