//! Documentation-only schemas of geometry input for the OpenAPI document: geojson's types have
//! no `ToSchema`.

use utoipa::ToSchema;

/// Documentation-only schema of plot geometry input (GeoJSON, RFC 7946, `[lon, lat]` in
/// EPSG:4326): a Polygon or a MultiPolygon. A Feature holding one is accepted too.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
#[schema(example = json!({"type": "Polygon", "coordinates": [[[11.49, 53.31], [11.492, 53.31], [11.492, 53.311], [11.49, 53.311], [11.49, 53.31]]]}))]
pub enum GeoJsonPolygonal {
    Polygon(GeoJsonPolygon),
    MultiPolygon(GeoJsonMultiPolygon),
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub enum PolygonTag {
    Polygon,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub enum MultiPolygonTag {
    MultiPolygon,
}

/// Rings of `[lon, lat]` positions; the first ring is the exterior, the others are holes; each
/// ring is closed (last position = first).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct GeoJsonPolygon {
    r#type: PolygonTag,
    #[schema(min_items = 1)]
    coordinates: Vec<Vec<[f64; 2]>>,
    /// Ignored: the service computes extents itself.
    bbox: Option<Vec<f64>>,
}

/// Polygons, each as in `GeoJsonPolygon`; they must not overlap.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct GeoJsonMultiPolygon {
    r#type: MultiPolygonTag,
    #[schema(min_items = 1)]
    coordinates: Vec<Vec<Vec<[f64; 2]>>>,
    /// Ignored: the service computes extents itself.
    bbox: Option<Vec<f64>>,
}
