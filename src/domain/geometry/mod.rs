//! Plot geometry: parsing GeoJSON input, validating it with `geo`, orienting it as RFC 7946
//! requires and measuring its geodesic area.
//!
//! CRS: everything here is EPSG:4326 (WGS 84), coordinates in the GeoJSON order `[lon, lat]`.

use geo::{MultiPolygon, Orient, Validation};
use geojson::{GeometryValue, PolygonType};
use serde_json::Value;

mod area;
pub mod counts;
mod doc;
mod invalid;
mod repair;
mod sliver;

pub use area::geodesic_area_m2;
pub use doc::{GeoJsonMultiPolygon, GeoJsonPolygon, GeoJsonPolygonal, MultiPolygonTag, PolygonTag};
pub use invalid::names_invalidity;
use invalid::{describe_invalidity, no_ground};
pub use repair::{Repair, REPAIR_MAX_CHANGE_M2, REPAIR_MAX_CHANGE_SHARE};
pub use sliver::{Dropped, MIN_PART_AREA_M2};

use super::FieldError;

/// Plots larger than this are almost always swapped `[lat, lon]` axes or projected metres read
/// as degrees, not real plots (the largest German industrial sites are a few km²).
/// Units: m².
pub const MAX_PLOT_AREA_M2: f64 = 50_000_000.0;

/// How large a submitted geometry may be, checked before any work that grows faster than its
/// size: validation (`geo`'s) compares every segment of a ring with every other, O(n²) in its
/// positions, so one 20,000-position ring costs seconds. Configured by `GWF_GEOMETRY_MAX_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeometryLimits {
    /// Positions in one ring (exterior or hole).
    pub ring_positions: usize,
    /// Rings of one polygon (its exterior and holes).
    pub rings: usize,
    /// Polygons of one MultiPolygon.
    pub parts: usize,
    /// Positions of the whole geometry.
    pub positions: usize,
}

impl Default for GeometryLimits {
    /// Surveyed plot and estate outlines have tens to a few hundred positions, rarely more than
    /// 2,000 per ring. The costliest geometry these admit takes ~0.3 s to validate in a release
    /// build on the 2-core reference host (five parts of 2,000; `bench/geometry_limits.sh`),
    /// against 1.8 s for the 20,000-position ring that was possible before.
    fn default() -> Self {
        GeometryLimits {
            ring_positions: 2_000,
            rings: 50,
            parts: 50,
            positions: 10_000,
        }
    }
}

/// How many positions a GeoJSON geometry (or anything holding one) has: counted on the raw
/// JSON, before anything is parsed, to price a request by its size. Linear in the input.
pub fn position_count(value: &Value) -> usize {
    match value {
        Value::Array(items) if items.first().is_some_and(Value::is_number) => 1,
        Value::Array(items) => items.iter().map(position_count).sum(),
        Value::Object(members) => members.values().map(position_count).sum(),
        _ => 0,
    }
}

impl GeometryLimits {
    /// For geometries read back from the database, which passed the limits when written.
    pub const STORED: GeometryLimits = GeometryLimits {
        ring_positions: usize::MAX,
        rings: usize::MAX,
        parts: usize::MAX,
        positions: usize::MAX,
    };

    /// The first limit `polygons` passes, as a problem at its place.
    fn check(
        &self,
        polygons: &[&PolygonType],
        coords_pointer: &dyn Fn(usize) -> String,
    ) -> Option<FieldError> {
        if polygons.len() > self.parts {
            return Some(FieldError::new(
                coords_pointer(0).trim_end_matches("/0").to_owned(),
                format!(
                    "has {} polygons; at most {} (GWF_GEOMETRY_MAX_PARTS)",
                    polygons.len(),
                    self.parts
                ),
            ));
        }
        let mut total = 0;
        for (p, rings) in polygons.iter().enumerate() {
            if rings.len() > self.rings {
                return Some(FieldError::new(
                    coords_pointer(p),
                    format!(
                        "has {} rings; at most {} per polygon (GWF_GEOMETRY_MAX_RINGS)",
                        rings.len(),
                        self.rings
                    ),
                ));
            }
            for (r, ring) in rings.iter().enumerate() {
                if ring.len() > self.ring_positions {
                    return Some(FieldError::new(
                        format!("{}/{r}", coords_pointer(p)),
                        format!(
                            "has {} positions; at most {} per ring (GWF_GEOMETRY_MAX_RING_POSITIONS)",
                            ring.len(),
                            self.ring_positions
                        ),
                    ));
                }
                total += ring.len();
            }
        }
        (total > self.positions).then(|| {
            FieldError::new(
                coords_pointer(0).trim_end_matches("/0").to_owned(),
                format!(
                    "has {total} positions; at most {} in all (GWF_GEOMETRY_MAX_POSITIONS)",
                    self.positions
                ),
            )
        })
    }
}

/// A validated plot geometry, oriented as RFC 7946 requires (exteriors counter-clockwise, holes
/// clockwise). CRS: EPSG:4326.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotGeometry {
    shape: MultiPolygon<f64>,
    area_m2: f64,
    dropped: Vec<Dropped>,
}

impl PlotGeometry {
    pub fn shape(&self) -> &MultiPolygon<f64> {
        &self.shape
    }

    /// The parts and holes of the submitted geometry dropped as slivers (under
    /// `MIN_PART_AREA_M2`), in the order met; `shape` is without them.
    pub fn dropped(&self) -> &[Dropped] {
        &self.dropped
    }

    /// Geodesic area on the WGS 84 ellipsoid (Karney's algorithm, as PostGIS `geography` uses).
    ///
    /// # Units: m²
    pub fn area_m2(&self) -> f64 {
        self.area_m2
    }

    /// The geometry as a GeoJSON MultiPolygon string, the form PostGIS `ST_GeomFromGeoJSON` reads.
    pub fn to_geojson_string(&self) -> String {
        let geometry = geojson::Geometry::new(GeometryValue::from(&self.shape));
        serde_json::to_string(&geometry).expect("a geometry always serialises")
    }

    /// Parses and validates a plot's GeoJSON Polygon or MultiPolygon, bare or wrapped in a
    /// Feature, at most `MAX_PLOT_AREA_M2` large.
    ///
    /// `pointer` is where `value` sits in the submitted document; every error is located below it.
    pub fn from_geojson_value(
        value: &Value,
        pointer: &str,
        limits: &GeometryLimits,
    ) -> Result<Self, Vec<FieldError>> {
        Self::parse(value, pointer, MAX_PLOT_AREA_M2, limits)
    }

    /// The same rules for outlines of estates and municipalities and for drawn search areas,
    /// which may be of any extent.
    pub fn outline_from_geojson_value(
        value: &Value,
        pointer: &str,
        limits: &GeometryLimits,
    ) -> Result<Self, Vec<FieldError>> {
        Self::parse(value, pointer, f64::INFINITY, limits)
    }

    // The checks in the order a reader needs their messages (structure, rings, validity, size);
    // each early return names the first thing to fix.
    fn parse(
        value: &Value,
        pointer: &str,
        max_area_m2: f64,
        limits: &GeometryLimits,
    ) -> Result<Self, Vec<FieldError>> {
        let (value, pointer) = unwrap_feature(value, pointer)?;
        // Foreign members would be dropped silently; a plot geometry has no use for them, and
        // an old-style `crs` member would mean coordinates this service would misread.
        if let Some(member) = value.as_object().and_then(|o| {
            o.keys()
                .find(|k| !matches!(k.as_str(), "type" | "coordinates" | "bbox"))
        }) {
            return Err(vec![FieldError::new(
                format!("{pointer}/{member}"),
                "unknown member: a plot geometry has `type`, `coordinates` and optionally `bbox` (EPSG:4326 only)",
            )]);
        }
        let geometry: geojson::Geometry = serde_json::from_value(value.clone()).map_err(|e| {
            vec![FieldError::new(
                pointer.clone(),
                format!("not a GeoJSON geometry: {e}"),
            )]
        })?;
        let polygons: Vec<&PolygonType> = match &geometry.value {
            GeometryValue::Polygon { coordinates } => vec![coordinates],
            GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
            other => {
                return Err(vec![FieldError::new(
                    format!("{pointer}/type"),
                    format!("must be Polygon or MultiPolygon, got {}", other.type_name()),
                )])
            }
        };
        let is_multi = matches!(geometry.value, GeometryValue::MultiPolygon { .. });
        let coords_pointer = |polygon: usize| {
            if is_multi {
                format!("{pointer}/coordinates/{polygon}")
            } else {
                format!("{pointer}/coordinates")
            }
        };

        if let Some(too_large) = limits.check(&polygons, &coords_pointer) {
            return Err(vec![too_large]);
        }
        let mut errors = Vec::new();
        if polygons.is_empty() {
            errors.push(FieldError::new(
                format!("{pointer}/coordinates"),
                "must contain at least one polygon",
            ));
        }
        for (p, rings) in polygons.iter().enumerate() {
            check_rings(rings, &coords_pointer(p), &mut errors);
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        let shape: MultiPolygon<f64> = match &geometry.value {
            GeometryValue::Polygon { .. } => {
                geo::Polygon::try_from(&geometry.value).map(|p| MultiPolygon::new(vec![p]))
            }
            _ => MultiPolygon::try_from(&geometry.value),
        }
        .map_err(|e| vec![FieldError::new(pointer.clone(), e.to_string())])?;
        // Slivers go first: a degenerate one may be invalid, and must not refuse the outline.
        let mut dropped = Vec::new();
        let (shape, origin) = sliver::drop_before_validation(shape, &mut dropped);
        if shape.0.is_empty() {
            return Err(vec![no_ground(&pointer, &dropped)]);
        }
        if let Err(problem) = shape.check_validation() {
            return Err(vec![describe_invalidity(
                &problem, is_multi, &pointer, &origin,
            )]);
        }

        // RFC 7946 output: shells counter-clockwise, holes clockwise. The area does not rely on
        // it (`geodesic_area_m2`).
        let shape = shape.orient(geo::orient::Direction::Default);
        let shape = sliver::drop_after_validation(shape, &origin, &mut dropped);
        if shape.0.is_empty() {
            return Err(vec![no_ground(&pointer, &dropped)]);
        }
        let area_m2 = geodesic_area_m2(&shape);
        if area_m2 > max_area_m2 {
            return Err(vec![FieldError::new(
                pointer,
                format!(
                    "encloses {:.0} km², more than the {:.0} km² a plot can have: are the coordinates [lon, lat] in EPSG:4326?",
                    area_m2 / 1e6,
                    max_area_m2 / 1e6
                ),
            )]);
        }
        Ok(Self {
            shape,
            area_m2,
            dropped,
        })
    }
}

fn unwrap_feature<'a>(
    value: &'a Value,
    pointer: &str,
) -> Result<(&'a Value, String), Vec<FieldError>> {
    let Some(object) = value.as_object() else {
        return Err(vec![FieldError::new(
            pointer,
            "must be a GeoJSON Polygon or MultiPolygon (or a Feature holding one)",
        )]);
    };
    if object.get("type").and_then(Value::as_str) == Some("Feature") {
        return match object.get("geometry") {
            Some(geometry) if !geometry.is_null() => Ok((geometry, format!("{pointer}/geometry"))),
            _ => Err(vec![FieldError::new(
                format!("{pointer}/geometry"),
                "the Feature has no geometry",
            )]),
        };
    }
    Ok((value, pointer.to_owned()))
}

/// Checks what `geo` cannot see once the rings are built: `geo` closes open rings silently and
/// does not know the valid range of geographic coordinates.
fn check_rings(rings: &PolygonType, pointer: &str, errors: &mut Vec<FieldError>) {
    if rings.is_empty() {
        errors.push(FieldError::new(pointer, "a polygon needs an exterior ring"));
    }
    for (r, ring) in rings.iter().enumerate() {
        let ring_pointer = format!("{pointer}/{r}");
        let role = if r == 0 { "exterior ring" } else { "hole" };
        if ring.len() < 4 {
            errors.push(FieldError::new(
                &ring_pointer,
                format!(
                    "{role} has {} positions; a closed ring needs at least 4",
                    ring.len()
                ),
            ));
            continue;
        }
        let mut in_range = true;
        for (i, position) in ring.iter().enumerate() {
            let xy = position.as_slice();
            let position_pointer = format!("{ring_pointer}/{i}");
            if xy.len() < 2 {
                errors.push(FieldError::new(
                    position_pointer,
                    "a position needs longitude and latitude",
                ));
                in_range = false;
                continue;
            }
            let (lon, lat) = (xy[0], xy[1]);
            if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
                errors.push(FieldError::new(
                    position_pointer,
                    format!(
                        "[{lon}, {lat}] is outside longitude -180..180 / latitude -90..90: coordinates must be [lon, lat] in EPSG:4326"
                    ),
                ));
                in_range = false;
            }
        }
        let (first, last) = (ring[0].as_slice(), ring[ring.len() - 1].as_slice());
        if in_range && first.get(..2) != last.get(..2) {
            errors.push(FieldError::new(
                &ring_pointer,
                format!("{role} is not closed: its last position must repeat the first"),
            ));
        }
    }
}

/// A square of `area_m2` centred on a point, for rows that give only a position: a
/// placeholder outline until the surveyed one arrives. Units: degrees in, m² for the area.
pub fn square_around(lon: f64, lat: f64, area_m2: f64) -> Value {
    let (m_per_deg_lon, m_per_deg_lat) = sliver::metres_per_degree(lat);
    let half = area_m2.sqrt() / 2.0;
    let (dx, dy) = (half / m_per_deg_lon, half / m_per_deg_lat);
    serde_json::json!({
        "type": "Polygon",
        "coordinates": [[
            [lon - dx, lat - dy], [lon + dx, lat - dy], [lon + dx, lat + dy],
            [lon - dx, lat + dy], [lon - dx, lat - dy]
        ]]
    })
}

/// WKT of a GeoJSON Polygon or MultiPolygon (for CSV exports), or `None` for anything else.
pub fn wkt_of(geojson: &Value) -> Option<String> {
    fn ring(r: &Value) -> Option<String> {
        let points: Option<Vec<String>> = r
            .as_array()?
            .iter()
            .map(|p| Some(format!("{} {}", p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
            .collect();
        Some(format!("({})", points?.join(", ")))
    }
    fn polygon(p: &Value) -> Option<String> {
        let rings: Option<Vec<String>> = p.as_array()?.iter().map(ring).collect();
        Some(format!("({})", rings?.join(", ")))
    }
    let coordinates = geojson.get("coordinates")?;
    match geojson.get("type")?.as_str()? {
        "Polygon" => Some(format!("POLYGON {}", polygon(coordinates)?)),
        "MultiPolygon" => {
            let parts: Option<Vec<String>> = coordinates.as_array()?.iter().map(polygon).collect();
            Some(format!("MULTIPOLYGON ({})", parts?.join(", ")))
        }
        _ => None,
    }
}

// The input contract of `PlotGeometry::from_geojson_value`, as a schema for the OpenAPI document
// (`PlotData` refers to it): it lives beside the code that checks it.

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn positions_are_counted_on_the_raw_json() {
        let polygon = json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]],
                                                                [[0.2, 0.1], [0.3, 0.1], [0.3, 0.2], [0.2, 0.1]]]});
        assert_eq!(position_count(&polygon), 8);
        let feature = json!({"type": "Feature", "geometry": polygon, "properties": {"n": [1, 2]}});
        assert_eq!(
            position_count(&feature),
            9,
            "a list of numbers counts as one position"
        );
        assert_eq!(position_count(&json!("nothing")), 0);
    }

    fn square(x: f64, y: f64, d: f64) -> Vec<[f64; 2]> {
        vec![[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    }

    #[test]
    fn clockwise_input_is_oriented_and_measured_positive() {
        let mut ring = square(11.5, 53.3, 0.001);
        ring.reverse();
        let g = PlotGeometry::from_geojson_value(
            &json!({"type": "Polygon", "coordinates": [ring]}),
            "/geometry",
            &GeometryLimits::default(),
        )
        .unwrap();
        // ~66 m × 111 m at 53.3° N
        assert!((g.area_m2() - 7_430.0).abs() < 100.0, "{}", g.area_m2());
    }

    #[test]
    fn hole_is_subtracted_whatever_its_winding() {
        let outer = square(11.5, 53.3, 0.002);
        let hole = square(11.5005, 53.3005, 0.001); // counter-clockwise, as many tools write it
        let with_hole = PlotGeometry::from_geojson_value(
            &json!({"type": "Polygon", "coordinates": [outer.clone(), hole]}),
            "",
            &GeometryLimits::default(),
        )
        .unwrap();
        let without = PlotGeometry::from_geojson_value(
            &json!({"type": "Polygon", "coordinates": [outer]}),
            "",
            &GeometryLimits::default(),
        )
        .unwrap();
        let ratio = with_hole.area_m2() / without.area_m2();
        assert!((ratio - 0.75).abs() < 0.001, "{ratio}");
    }

    #[test]
    fn open_ring_is_named() {
        let mut ring = square(11.5, 53.3, 0.001);
        ring.pop();
        let err = PlotGeometry::from_geojson_value(
            &json!({"type": "Polygon", "coordinates": [ring]}),
            "/geometry",
            &GeometryLimits::default(),
        )
        .unwrap_err();
        assert_eq!(err[0].pointer, "/geometry/coordinates/0");
        assert!(err[0].detail.contains("not closed"), "{err:?}");
    }

    #[test]
    fn slivers_are_dropped_and_problems_still_point_at_the_submitted_part() {
        let sliver = vec![
            [11.51, 53.3],
            [11.511, 53.3],
            [11.5105, 53.3 + 1e-11],
            [11.51, 53.3],
        ];
        let bow_tie = vec![
            [11.52, 53.3],
            [11.521, 53.301],
            [11.521, 53.3],
            [11.52, 53.301],
            [11.52, 53.3],
        ];
        let tiny_hole = vec![
            [11.5001, 53.3001],
            [11.500_105, 53.3001],
            [11.500_105, 53.300_105],
            [11.5001, 53.3001],
        ];
        let kept = PlotGeometry::from_geojson_value(
            &json!({"type": "MultiPolygon", "coordinates": [
                [sliver.clone()], [square(11.5, 53.3, 0.001), tiny_hole]]}),
            "/geometry",
            &GeometryLimits::default(),
        )
        .unwrap();
        assert_eq!(kept.shape().0.len(), 1);
        assert!(
            kept.shape().0[0].interiors().is_empty(),
            "a hole under 1 m² goes too"
        );
        let dropped: Vec<_> = kept.dropped().iter().map(|d| (d.polygon, d.hole)).collect();
        assert_eq!(dropped, [(0, None), (1, Some(0))]);

        // The bow-tie is part 2 of what was sent, though part 1 once the sliver is out.
        let err = PlotGeometry::from_geojson_value(
            &json!({"type": "MultiPolygon", "coordinates": [
                [square(11.5, 53.3, 0.001)], [sliver.clone()], [bow_tie]]}),
            "/geometry",
            &GeometryLimits::default(),
        )
        .unwrap_err();
        assert_eq!(err[0].pointer, "/geometry/coordinates/2/0");
        assert!(names_invalidity(&err[0].detail), "{err:?}");

        let err = PlotGeometry::outline_from_geojson_value(
            &json!({"type": "Polygon", "coordinates": [sliver]}),
            "/geometry",
            &GeometryLimits::default(),
        )
        .unwrap_err();
        assert!(err[0].detail.starts_with("encloses no ground"), "{err:?}");
        assert!(!names_invalidity(&err[0].detail));
    }

    #[test]
    fn wkt_and_squares() {
        let g = serde_json::json!({"type": "Polygon", "coordinates": [[[1.0, 2.0], [3.0, 2.0], [1.0, 4.0], [1.0, 2.0]]]});
        assert_eq!(wkt_of(&g).unwrap(), "POLYGON ((1 2, 3 2, 1 4, 1 2))");
        let sq = square_around(11.5, 53.3, 10_000.0);
        let geometry =
            PlotGeometry::from_geojson_value(&sq, "", &GeometryLimits::default()).unwrap();
        assert!(
            (geometry.area_m2() - 10_000.0).abs() < 20.0,
            "{}",
            geometry.area_m2()
        );
    }
}
