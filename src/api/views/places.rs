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
    #[schema(value_type = Option<MultiPolygonDoc>)]
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
    #[schema(value_type = Option<MultiPolygonDoc>)]
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
