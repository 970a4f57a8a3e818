//! Response bodies. Built from database rows by `From`; the rows themselves never leave `db/`.
//!
//! Units everywhere: areas in m², distances in km, prices in € per m² as decimal strings,
//! coordinates `[lon, lat]` in EPSG:4326.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::db::places::{EstateRow, MunicipalityRow, RegionRow};
use crate::db::plots::{PlotRow, PlotSummaryRow};
use crate::domain::access::ReadScope;
use crate::domain::money::Cents;
use crate::domain::plot::{BplanStatus, Offer, PlotStatus, Servicing, Zoning};

/// A plot as the API shows it. The same members are the `properties` of its GeoJSON Feature
/// (without `geometry`). `published` and `internal_notes` appear only for staff. A search with
/// `fields=` returns only the chosen members (and `id`), so only `id` is declared required
/// (see `api::docs`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Plot {
    #[schema(example = 17)]
    pub id: i64,
    #[schema(example = "LWL-003")]
    pub reference: String,
    pub title_de: String,
    pub title_en: Option<String>,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub region_id: i64,
    pub municipality_id: i64,
    #[schema(example = "Ludwigslust")]
    pub municipality_name: String,
    pub estate_id: Option<i64>,
    pub estate_name: Option<String>,
    /// GeoJSON MultiPolygon, `[lon, lat]` in EPSG:4326, exterior rings counter-clockwise (a
    /// Point with `geometry_form=centroid`). Only in JSON; in GeoJSON it is the Feature's
    /// `geometry`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::api::docs::PlotGeometryDoc>)]
    pub geometry: Option<Box<RawValue>>,
    /// Geodesic area of the geometry on the WGS 84 ellipsoid, rounded to 0.1. Units: m².
    #[schema(example = 14873.2)]
    pub area_computed_m2: f64,
    /// Officially stated area. Units: m².
    pub area_stated_m2: Option<i64>,
    /// The size searches and facets use: the stated area where known, else the computed one.
    /// Units: m².
    pub area_m2: f64,
    /// Distance from the `near` point of a search to the nearest point of the plot, on the
    /// WGS 84 ellipsoid; only in `near` searches. Units: m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    #[schema(value_type = PlotStatus)]
    pub status: String,
    pub available_from: Option<NaiveDate>,
    #[schema(value_type = Zoning)]
    pub zoning: String,
    #[schema(value_type = BplanStatus)]
    pub bplan_status: String,
    pub grz: Option<f64>,
    pub gfz: Option<f64>,
    pub bmz: Option<f64>,
    /// Units: m.
    pub max_height_m: Option<f64>,
    pub max_storeys: Option<i16>,
    pub operation_24h: Option<bool>,
    #[schema(value_type = Servicing)]
    pub servicing: String,
    pub road_access: Option<bool>,
    pub water: Option<bool>,
    pub sewage: Option<bool>,
    pub electricity: Option<bool>,
    /// Units: kVA.
    pub electricity_capacity_kva: Option<i32>,
    pub gas: Option<bool>,
    pub district_heating: Option<bool>,
    /// Units: Mbit/s.
    pub broadband_mbit: Option<i32>,
    pub fibre: Option<bool>,
    pub rail_siding: bool,
    /// Units: km.
    pub dist_motorway_km: Option<f64>,
    /// Units: km.
    pub dist_rail_station_km: Option<f64>,
    /// Units: km.
    pub dist_port_km: Option<f64>,
    /// Units: km.
    pub dist_airport_km: Option<f64>,
    pub price_on_request: bool,
    /// Units: € per m², decimal string.
    #[schema(example = "12.50")]
    pub price_min_eur_m2: Option<String>,
    /// Units: € per m², decimal string.
    #[schema(example = "15.00")]
    pub price_max_eur_m2: Option<String>,
    /// Units: € per m², decimal string.
    pub servicing_cost_eur_m2: Option<String>,
    #[schema(value_type = Offer)]
    pub offer: String,
    pub grw_area: bool,
    pub grw_max_rate_small_pct: Option<i16>,
    pub grw_max_rate_medium_pct: Option<i16>,
    pub grw_max_rate_large_pct: Option<i16>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// "Stand": when the data was last confirmed.
    pub data_confirmed_on: NaiveDate,
    /// Made-up demonstration data.
    pub demo: bool,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; the `ETag` of the plot.
    pub version: i32,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    /// Staff only; never public.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub internal_notes: Option<Option<String>>,
    /// Staff only; never public.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub owner_name: Option<Option<String>>,
    /// Staff only; never public.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub owner_contact: Option<Option<String>>,
    /// When the plot was deleted; only in an admin's search of deleted plots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
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

impl From<crate::db::plots::HistoryRow> for HistoryEntry {
    fn from(row: crate::db::plots::HistoryRow) -> Self {
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

fn eur(cents: Option<i64>) -> Option<String> {
    cents.map(|c| Cents(c).to_string())
}

impl Plot {
    /// Internal fields appear where `scope` allows them for the plot's municipality.
    pub fn from_row(row: PlotRow, scope: &ReadScope) -> Self {
        let staff = scope.internal(row.municipality_id);
        Plot {
            id: row.id,
            reference: row.reference,
            title_de: row.title_de,
            title_en: row.title_en,
            description_de: row.description_de,
            description_en: row.description_en,
            region_id: row.region_id,
            municipality_id: row.municipality_id,
            municipality_name: row.municipality_name,
            estate_id: row.estate_id,
            estate_name: row.estate_name,
            geometry: row
                .geometry_geojson
                .and_then(|g| RawValue::from_string(g).ok()),
            area_computed_m2: (row.area_geodesic_m2 * 10.0).round() / 10.0,
            area_stated_m2: row.area_stated_m2,
            area_m2: (row.area_m2 * 10.0).round() / 10.0,
            distance_m: None,
            status: row.status,
            available_from: row.available_from,
            zoning: row.zoning,
            bplan_status: row.bplan_status,
            grz: row.grz,
            gfz: row.gfz,
            bmz: row.bmz,
            max_height_m: row.max_height_m,
            max_storeys: row.max_storeys,
            operation_24h: row.operation_24h,
            servicing: row.servicing,
            road_access: row.road_access,
            water: row.water,
            sewage: row.sewage,
            electricity: row.electricity,
            electricity_capacity_kva: row.electricity_capacity_kva,
            gas: row.gas,
            district_heating: row.district_heating,
            broadband_mbit: row.broadband_mbit,
            fibre: row.fibre,
            rail_siding: row.rail_siding,
            dist_motorway_km: row.dist_motorway_km,
            dist_rail_station_km: row.dist_rail_station_km,
            dist_port_km: row.dist_port_km,
            dist_airport_km: row.dist_airport_km,
            price_on_request: row.price_on_request,
            price_min_eur_m2: eur(row.price_min_ct),
            price_max_eur_m2: eur(row.price_max_ct),
            servicing_cost_eur_m2: eur(row.servicing_cost_ct),
            offer: row.offer,
            grw_area: row.grw_area,
            grw_max_rate_small_pct: row.grw_max_rate_small_pct,
            grw_max_rate_medium_pct: row.grw_max_rate_medium_pct,
            grw_max_rate_large_pct: row.grw_max_rate_large_pct,
            contact_name: row.contact_name,
            contact_phone: row.contact_phone,
            contact_email: row.contact_email,
            data_confirmed_on: row.data_confirmed_on,
            demo: row.is_demo,
            updated_at: row.updated_at,
            version: row.version,
            published: staff.then_some(row.published),
            internal_notes: staff.then_some(row.internal_notes),
            owner_name: staff.then_some(row.owner_name),
            owner_contact: staff.then_some(row.owner_contact),
            deleted_at: row.deleted_at,
        }
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

/// GeoJSON Feature (RFC 7946).
#[derive(Debug, Serialize, ToSchema)]
pub struct Feature<P> {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Feature")]
    pub type_: &'static str,
    pub id: i64,
    #[schema(value_type = Option<crate::api::docs::PlotGeometryDoc>)]
    pub geometry: Option<Box<RawValue>>,
    pub properties: P,
}

/// A link (RFC 8288 relation types).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Link {
    #[schema(example = "/plots?limit=50&cursor=17")]
    pub href: String,
    #[schema(example = "next")]
    pub rel: &'static str,
    #[serde(rename = "type")]
    #[schema(example = "application/json")]
    pub type_: &'static str,
}

/// A page of plots as JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlotPage {
    pub items: Vec<Plot>,
    /// Number of items on this page.
    pub number_returned: usize,
    /// Only with `count=exact`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<crate::api::search::Total>,
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
    pub total: Option<crate::api::search::Total>,
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
    #[schema(value_type = PlotStatus)]
    pub status: String,
    #[schema(value_type = Zoning)]
    pub zoning: String,
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

/// A regional alliance of towns (e.g. Städteverbund A14).
#[derive(Debug, Serialize, ToSchema)]
pub struct Region {
    pub id: i64,
    #[schema(example = "staedteverbund-a14")]
    pub slug: String,
    #[schema(example = "Städteverbund A14")]
    pub name: String,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<RegionRow> for Region {
    fn from(row: RegionRow) -> Self {
        Region {
            id: row.id,
            slug: row.slug,
            name: row.name,
            description_de: row.description_de,
            description_en: row.description_en,
            updated_at: row.updated_at,
        }
    }
}

/// A region with its member municipalities.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDetail {
    #[serde(flatten)]
    pub region: Region,
    pub municipalities: Vec<Municipality>,
    pub links: Vec<Link>,
}

/// A municipality (Gemeinde/Stadt).
#[derive(Debug, Serialize, ToSchema)]
pub struct Municipality {
    pub id: i64,
    pub region_id: i64,
    /// Amtlicher Gemeindeschlüssel (official 8-digit municipality key).
    #[schema(example = "13076088")]
    pub ags: String,
    #[schema(example = "Ludwigslust")]
    pub name: String,
    /// Approximate outline, GeoJSON MultiPolygon in EPSG:4326 (6 decimals). JSON only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::api::docs::MultiPolygonDoc>)]
    pub outline: Option<Box<RawValue>>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// Plots the caller may see.
    pub plot_count: i64,
    pub updated_at: DateTime<Utc>,
}

impl Municipality {
    pub fn from_row(row: MunicipalityRow, plot_count: i64) -> Self {
        Municipality {
            id: row.id,
            region_id: row.region_id,
            ags: row.ags,
            name: row.name,
            outline: row
                .outline_geojson
                .and_then(|g| RawValue::from_string(g).ok()),
            contact_name: row.contact_name,
            contact_phone: row.contact_phone,
            contact_email: row.contact_email,
            plot_count,
            updated_at: row.updated_at,
        }
    }
}

/// A municipality with its estates and plots.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityDetail {
    #[serde(flatten)]
    pub municipality: Municipality,
    pub estates: Vec<Estate>,
    /// The plots the caller may see (all of them: a town markets at most a few hundred).
    pub plots: Vec<PlotSummary>,
    pub links: Vec<Link>,
}

/// An estate (Gewerbegebiet / Industriegebiet).
#[derive(Debug, Serialize, ToSchema)]
pub struct Estate {
    pub id: i64,
    pub municipality_id: i64,
    #[schema(example = "Gewerbegebiet Am Hechtsort")]
    pub name: String,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    /// Outline, GeoJSON MultiPolygon in EPSG:4326. JSON only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::api::docs::MultiPolygonDoc>)]
    pub outline: Option<Box<RawValue>>,
    /// Plots the caller may see.
    pub plot_count: i64,
    pub updated_at: DateTime<Utc>,
}

impl Estate {
    pub fn from_row(row: EstateRow, plot_count: i64) -> Self {
        Estate {
            id: row.id,
            municipality_id: row.municipality_id,
            name: row.name,
            description_de: row.description_de,
            description_en: row.description_en,
            outline: row
                .outline_geojson
                .and_then(|g| RawValue::from_string(g).ok()),
            plot_count,
            updated_at: row.updated_at,
        }
    }
}

/// An estate with its plots.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstateDetail {
    #[serde(flatten)]
    pub estate: Estate,
    pub plots: Vec<PlotSummary>,
    pub links: Vec<Link>,
}

/// Outlines of places as a GeoJSON FeatureCollection (places without an outline have a `null`
/// geometry).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceFeatureCollection<P> {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub type_: &'static str,
    pub features: Vec<Feature<P>>,
}

impl Municipality {
    pub fn into_feature(mut self) -> Feature<Municipality> {
        Feature {
            type_: "Feature",
            id: self.id,
            geometry: self.outline.take(),
            properties: self,
        }
    }
}

impl Estate {
    pub fn into_feature(mut self) -> Feature<Estate> {
        Feature {
            type_: "Feature",
            id: self.id,
            geometry: self.outline.take(),
            properties: self,
        }
    }
}
