//! Regions, municipalities and estates as responses show them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::plot::{MultiPolygonDoc, PlotSummary};
use super::{Feature, Link};
use crate::db::places::{EstateRow, MunicipalityRow, RegionRow};

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
    pub logo_url: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub website: Option<String>,
    /// Version for `If-Match` (also the `ETag` of `GET /regions/{id}`).
    pub version: i32,
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
            logo_url: row.logo_url,
            contact_name: row.contact_name,
            contact_phone: row.contact_phone,
            contact_email: row.contact_email,
            website: row.website,
            version: row.version,
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
    /// Outline generalised for maps (about 10 m), GeoJSON MultiPolygon in EPSG:4326 (6
    /// decimals); the full outline is kept for spatial checks. JSON only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<MultiPolygonDoc>)]
    pub outline: Option<Box<RawValue>>,
    /// Economic-development office.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub contact_website: Option<String>,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    /// Version for `If-Match`.
    pub version: i32,
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
            contact_website: row.contact_website,
            description_de: row.description_de,
            description_en: row.description_en,
            version: row.version,
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
    #[schema(value_type = Option<MultiPolygonDoc>)]
    pub outline: Option<Box<RawValue>>,
    /// Shown publicly; drafts only to staff of its municipality and of the region.
    pub published: bool,
    /// Units: m².
    pub gross_area_m2: Option<i64>,
    /// Units: m².
    pub net_area_m2: Option<i64>,
    pub zoning_summary: Option<String>,
    pub bplan_name: Option<String>,
    pub bplan_number: Option<String>,
    pub bplan_legal_date: Option<chrono::NaiveDate>,
    pub bplan_url: Option<String>,
    pub motorway_junction: Option<String>,
    /// Units: km.
    pub dist_motorway_km: Option<f64>,
    pub rail_station: Option<String>,
    /// Units: km.
    pub dist_rail_station_km: Option<f64>,
    pub port: Option<String>,
    /// Units: km.
    pub dist_port_km: Option<f64>,
    pub airport: Option<String>,
    /// Units: km.
    pub dist_airport_km: Option<f64>,
    /// Units: Mbit/s.
    pub broadband_mbit: Option<i32>,
    pub fibre: Option<bool>,
    pub grw_area: Option<bool>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// Version for `If-Match`.
    pub version: i32,
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
            published: row.published,
            gross_area_m2: row.gross_area_m2,
            net_area_m2: row.net_area_m2,
            zoning_summary: row.zoning_summary,
            bplan_name: row.bplan_name,
            bplan_number: row.bplan_number,
            bplan_legal_date: row.bplan_legal_date,
            bplan_url: row.bplan_url,
            motorway_junction: row.motorway_junction,
            dist_motorway_km: row.dist_motorway_km,
            rail_station: row.rail_station,
            dist_rail_station_km: row.dist_rail_station_km,
            port: row.port,
            dist_port_km: row.dist_port_km,
            airport: row.airport,
            dist_airport_km: row.dist_airport_km,
            broadband_mbit: row.broadband_mbit,
            fibre: row.fibre,
            grw_area: row.grw_area,
            contact_name: row.contact_name,
            contact_phone: row.contact_phone,
            contact_email: row.contact_email,
            version: row.version,
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
    /// Its photos and documents as the reader may see them, in gallery order, with the links to
    /// their files (docs/media.md; managed at `/estates/{id}/media`).
    pub media: Vec<super::media::Media>,
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
