//! Investor search as the domain sees it: a checked `PlotQuery` (filters, sort, page, output
//! form), its cursors, and the limits a search must keep. `api::plots::params` reads the HTTP
//! parameters into it.
//!
//! Units: areas in m², prices in € per m², distances in km (attributes) and m (`radius_m`),
//! coordinates `[lon, lat]` in EPSG:4326.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::geometry::{GeometryLimits, PlotGeometry};
use super::money::Cents;
use super::plot::{PlotStatus, Servicing, Vocabulary, Zoning};
use super::FieldError;

/// Largest page of JSON / GeoJSON results.
pub const MAX_LIMIT: i64 = 1000;
pub const DEFAULT_LIMIT: i64 = 100;
/// Largest `radius_m` of a `near` search. Units: m.
pub const MAX_RADIUS_M: f64 = 500_000.0;
/// Exact totals count at most this many matches, then say "more than".
pub const COUNT_CAP: i64 = 10_000;
/// Most plots one compare request may name.
pub const MAX_COMPARE: usize = 20;
/// Most values one place filter (`region`, `municipality`, `estate`) may list: their names are
/// looked up before the search.
pub const MAX_PLACE_VALUES: usize = 100;

/// Whether a municipality filter value is an AGS (Amtlicher Gemeindeschlüssel) rather than an
/// id. The rule: exactly eight digits is an AGS (ids are far smaller in practice, and an AGS
/// may start with 0, so it is text).
pub fn is_ags(value: &str) -> bool {
    value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit())
}

/// Sort keys; every order ends with the id as tie-breaker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortKey {
    #[default]
    Reference,
    Price,
    Area,
    Updated,
    Distance,
}

impl SortKey {
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Reference => "reference",
            SortKey::Price => "price",
            SortKey::Area => "area",
            SortKey::Updated => "updated",
            SortKey::Distance => "distance",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

/// Where a page starts: after the plot with sort value `v` and id `id` (a `next` link), or, with
/// `b`, the page that ends just before it (a `prev` link: the same keyset, read backwards).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort this cursor belongs to, e.g. `-price`.
    pub s: String,
    /// Sort value of the anchor plot (text, number or timestamp as the key needs).
    pub v: Value,
    pub id: i64,
    /// Backwards: the page before the anchor. Left out of forward cursors, so that they read as
    /// they always did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub b: bool,
}

impl Cursor {
    /// Opaque to clients: hex of a small JSON document.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("a cursor always serialises");
        json.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        if !text.len().is_multiple_of(2) || text.len() > 2048 {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
            .collect();
        serde_json::from_slice(&bytes?).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    /// In `srid`'s (x, y) order: lon/lat for degrees, easting/northing for metres.
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    /// 4326, or a projected CRS of the OGC interface (`domain::ogc::OgcCrs`).
    pub srid: i32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    pub lon: f64,
    pub lat: f64,
    /// Units: m.
    pub radius_m: f64,
}

/// How a drawn area selects plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SpatialRelation {
    /// The plot shares at least one point with the area (touching counts).
    #[default]
    Intersects,
    /// The plot lies wholly inside the area (its boundary may lie on the area's boundary).
    Within,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DrawnArea {
    /// GeoJSON MultiPolygon, EPSG:4326, validated.
    pub geojson: String,
    pub relation: SpatialRelation,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GeometryForm {
    #[default]
    Full,
    Simplified,
    Centroid,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Json,
    GeoJson,
    Csv,
    CsvExcel,
    /// RFC 4180 with a UTF-8 byte-order mark, for Excel in English (or any non-German) locales.
    CsvExcelEnglish,
}

impl OutputFormat {
    pub fn is_csv(self) -> bool {
        matches!(
            self,
            OutputFormat::Csv | OutputFormat::CsvExcel | OutputFormat::CsvExcelEnglish
        )
    }
}

/// A checked search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlotQuery {
    pub statuses: Vec<PlotStatus>,
    pub zonings: Vec<Zoning>,
    pub servicing: Vec<Servicing>,
    pub region_ids: Vec<i64>,
    pub municipality_ids: Vec<i64>,
    /// Municipalities named by AGS; the API turns them into `municipality_ids` once it has
    /// checked they exist (`api::plots::filters`). Until then they filter by subquery.
    pub municipality_ags: Vec<String>,
    pub estate_ids: Vec<i64>,
    /// Only published (true) or only draft (false) plots; staff only for `false`.
    pub published: Option<bool>,
    /// Cadastral parcel identifiers (stored form): plots on any of them.
    pub parcels: Vec<String>,
    pub area_min_m2: Option<f64>,
    pub area_max_m2: Option<f64>,
    pub max_price: Option<Cents>,
    pub include_price_on_request: bool,
    pub rail_siding: Option<bool>,
    pub heavy_vehicle_access: Option<bool>,
    pub min_broadband_mbit: Option<i32>,
    pub max_dist_motorway_km: Option<f64>,
    pub max_dist_rail_station_km: Option<f64>,
    pub max_dist_port_km: Option<f64>,
    pub max_dist_airport_km: Option<f64>,
    pub available_by: Option<NaiveDate>,
    pub grw_area: Option<bool>,
    /// Only plots whose data was confirmed on or after this date (`fresh=true`: the API sets
    /// it from `GWF_STALE_AFTER_DAYS`).
    pub confirmed_since: Option<NaiveDate>,
    /// Search deleted plots (admins only; the API checks).
    pub deleted: bool,
    pub text: Option<String>,
    pub bbox: Option<Bbox>,
    pub near: Option<Near>,
    pub drawn: Option<DrawnArea>,
    pub sort: Sort,
    pub limit: i64,
    pub cursor: Option<Cursor>,
    pub count_exact: bool,
    pub geometry_form: GeometryForm,
    pub fields: Option<Vec<String>>,
    pub format: Option<OutputFormat>,
    /// Only these plots (OGC single features).
    pub ids: Vec<i64>,
    /// OGC `datetime`, against `updated_at`.
    pub updated: Option<super::ogc::TimeRange>,
    /// OGC Part 3 `filter`.
    pub filter: Option<super::ogc::cql2::Filter>,
    /// CRS of the geometries returned (OGC Part 2); CRS84 otherwise.
    pub crs: super::ogc::OgcCrs,
}

impl PlotQuery {
    /// Whether the answer shows each plot's cover: unless `fields` leaves it out.
    pub fn shows_cover(&self) -> bool {
        self.fields
            .as_ref()
            .is_none_or(|fields| fields.iter().any(|f| f == "cover"))
    }

    /// The filters alone, in one canonical text: equal for two queries that select the same
    /// plots however their parameters were written (order, repetition, paging, sort, output).
    /// Tiles are cached under it, so junk in a query string cannot multiply cache entries.
    pub fn filter_key(&self) -> String {
        let mut filters = self.clone();
        filters.sort = Sort {
            key: SortKey::Reference,
            descending: false,
        };
        filters.limit = 0;
        filters.cursor = None;
        filters.count_exact = false;
        filters.geometry_form = GeometryForm::None;
        filters.fields = None;
        filters.format = None;
        filters.crs = Default::default();
        // No filter at all (a map of every published plot): the empty key, without writing the
        // whole query out. That writing was a sixth of a cached tile's CPU (bench/RESULTS.md).
        let unfiltered = PlotQuery {
            sort: filters.sort,
            geometry_form: GeometryForm::None,
            ..PlotQuery::default()
        };
        if filters == unfiltered {
            return String::new();
        }
        filters.statuses.sort_by_key(|v| v.as_str());
        filters.statuses.dedup();
        filters.zonings.sort_by_key(|v| v.as_str());
        filters.zonings.dedup();
        filters.servicing.sort_by_key(|v| v.as_str());
        filters.servicing.dedup();
        for ids in [
            &mut filters.region_ids,
            &mut filters.municipality_ids,
            &mut filters.estate_ids,
        ] {
            ids.sort_unstable();
            ids.dedup();
        }
        filters.municipality_ags.sort();
        filters.municipality_ags.dedup();
        filters.parcels.sort();
        filters.parcels.dedup();
        format!("{filters:?}")
    }

    /// The sort as written in parameters and cursors, e.g. `-price`.
    pub fn sort_text(&self) -> String {
        format!(
            "{}{}",
            if self.sort.descending { "-" } else { "" },
            self.sort.key.as_str()
        )
    }
}

/// Checks the drawn area of a POST search. Same geometry rules as plots, any size.
pub fn drawn_area(
    geometry: &Value,
    relation: SpatialRelation,
    limits: &GeometryLimits,
) -> Result<DrawnArea, Vec<FieldError>> {
    let shape = PlotGeometry::outline_from_geojson_value(geometry, "/geometry", limits)?;
    Ok(DrawnArea {
        geojson: shape.to_geojson_string(),
        relation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_keys_ignore_how_parameters_were_written() {
        let query = |statuses: Vec<PlotStatus>, limit: i64| PlotQuery {
            statuses,
            limit,
            ..PlotQuery::default()
        };
        let a = query(vec![PlotStatus::Sold, PlotStatus::Available], 10);
        let b = query(
            vec![PlotStatus::Available, PlotStatus::Sold, PlotStatus::Sold],
            99,
        );
        assert_eq!(a.filter_key(), b.filter_key());
        assert_ne!(
            a.filter_key(),
            query(vec![PlotStatus::Sold], 10).filter_key()
        );
        // No filter: the empty key, however the output was asked for; any filter is not empty.
        let unfiltered = query(vec![], 50);
        assert_eq!(unfiltered.filter_key(), "");
        let as_geojson = PlotQuery {
            geometry_form: GeometryForm::Full,
            count_exact: true,
            ..unfiltered.clone()
        };
        assert_eq!(as_geojson.filter_key(), "");
        for filtered in [
            PlotQuery {
                published: Some(true),
                ..unfiltered.clone()
            },
            PlotQuery {
                deleted: true,
                ..unfiltered.clone()
            },
            PlotQuery {
                include_price_on_request: true,
                ..unfiltered.clone()
            },
            PlotQuery {
                ids: vec![1],
                ..unfiltered.clone()
            },
        ] {
            assert_ne!(filtered.filter_key(), "", "{filtered:?}");
        }
    }

    #[test]
    fn ogc_pages_are_as_large_as_search_pages() {
        assert_eq!(super::super::ogc::MAX_LIMIT, MAX_LIMIT);
    }

    #[test]
    fn eight_digits_are_an_ags() {
        assert!(is_ags("13076050"));
        assert!(is_ags("01001000"));
        assert!(!is_ags("1307605"));
        assert!(!is_ags("130760501"));
        assert!(!is_ags("1307605x"));
        assert!(!is_ags("12"));
    }

    fn hex_bytes(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn cursor_round_trips() {
        let c = Cursor {
            s: "-price".into(),
            v: serde_json::json!(1250),
            id: 7,
            b: false,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c.clone()));
        // A forward cursor is written as before backward ones existed (old links still work).
        assert!(!String::from_utf8_lossy(&hex_bytes(&c.encode())).contains("\"b\""));
        let back = Cursor { b: true, ..c };
        assert_eq!(Cursor::decode(&back.encode()), Some(back.clone()));
        assert_eq!(Cursor::decode("zz"), None);
    }
}
