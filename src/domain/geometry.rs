//! Plot geometry: parsing GeoJSON input, validating it with `geo`, orienting it as RFC 7946
//! requires and measuring its geodesic area.
//!
//! CRS: everything here is EPSG:4326 (WGS 84), coordinates in the GeoJSON order `[lon, lat]`.

use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::{GeodesicArea, MultiPolygon, Orient, Validation};
use geojson::{GeometryValue, PolygonType};
use serde_json::Value;

use super::FieldError;

/// Plots larger than this are almost always swapped `[lat, lon]` axes or projected metres read
/// as degrees, not real plots (the largest German industrial sites are a few km²).
/// Units: m².
pub const MAX_PLOT_AREA_M2: f64 = 50_000_000.0;

/// A validated plot geometry, oriented as RFC 7946 requires (exteriors counter-clockwise, holes
/// clockwise). CRS: EPSG:4326.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotGeometry {
    shape: MultiPolygon<f64>,
    area_m2: f64,
}

impl PlotGeometry {
    pub fn shape(&self) -> &MultiPolygon<f64> {
        &self.shape
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
    pub fn from_geojson_value(value: &Value, pointer: &str) -> Result<Self, Vec<FieldError>> {
        Self::parse(value, pointer, MAX_PLOT_AREA_M2)
    }

    /// The same rules for outlines of estates and municipalities, which may be of any size.
    pub fn outline_from_geojson_value(
        value: &Value,
        pointer: &str,
    ) -> Result<Self, Vec<FieldError>> {
        Self::parse(value, pointer, f64::INFINITY)
    }

    fn parse(value: &Value, pointer: &str, max_area_m2: f64) -> Result<Self, Vec<FieldError>> {
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
        if let Err(problem) = shape.check_validation() {
            return Err(vec![describe_invalidity(&problem, is_multi, &pointer)]);
        }

        // Orientation decides the sign of the geodesic area (a counter-clockwise hole would be
        // added instead of subtracted), so orient before measuring.
        let shape = shape.orient(geo::orient::Direction::Default);
        let area_m2 = shape.geodesic_area_unsigned();
        if area_m2 <= 0.0 {
            return Err(vec![FieldError::new(pointer, "encloses no area")]);
        }
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
        Ok(Self { shape, area_m2 })
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

fn describe_invalidity(problem: &InvalidMultiPolygon, is_multi: bool, pointer: &str) -> FieldError {
    match problem {
        InvalidMultiPolygon::InvalidPolygon(index, inner) => {
            let polygon_pointer = if is_multi {
                format!("{pointer}/coordinates/{}", index.0)
            } else {
                format!("{pointer}/coordinates")
            };
            let ring = |role: &RingRole| match role {
                RingRole::Exterior => format!("{polygon_pointer}/0"),
                RingRole::Interior(i) => format!("{polygon_pointer}/{}", i + 1),
            };
            let location = match inner {
                InvalidPolygon::TooFewPointsInRing(role)
                | InvalidPolygon::SelfIntersection(role)
                | InvalidPolygon::NonFiniteCoord(role, _)
                | InvalidPolygon::InteriorRingNotContainedInExteriorRing(role)
                | InvalidPolygon::IntersectingRingsOnALine(role, _)
                | InvalidPolygon::IntersectingRingsOnAnArea(role, _) => ring(role),
            };
            FieldError::new(location, rule_text(inner))
        }
        InvalidMultiPolygon::ElementsOverlaps(a, b) => FieldError::new(
            format!("{pointer}/coordinates"),
            format!(
                "polygons {} and {} overlap: the parts of a MultiPolygon must be disjoint",
                a.0, b.0
            ),
        ),
        InvalidMultiPolygon::ElementsTouchOnALine(a, b) => FieldError::new(
            format!("{pointer}/coordinates"),
            format!(
                "polygons {} and {} share an edge: merge them into one polygon",
                a.0, b.0
            ),
        ),
    }
}

/// geo's wording, with the name of the rule first so clients and tests can tell rules apart.
fn rule_text(problem: &InvalidPolygon) -> String {
    let rule = match problem {
        InvalidPolygon::TooFewPointsInRing(_) => "too few points",
        InvalidPolygon::SelfIntersection(_) => "self-intersection",
        InvalidPolygon::NonFiniteCoord(..) => "non-finite coordinate",
        InvalidPolygon::InteriorRingNotContainedInExteriorRing(_) => "hole outside shell",
        InvalidPolygon::IntersectingRingsOnALine(..)
        | InvalidPolygon::IntersectingRingsOnAnArea(..) => "rings intersect",
    };
    format!("{rule}: {problem}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        )
        .unwrap();
        let without = PlotGeometry::from_geojson_value(
            &json!({"type": "Polygon", "coordinates": [outer]}),
            "",
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
        )
        .unwrap_err();
        assert_eq!(err[0].pointer, "/geometry/coordinates/0");
        assert!(err[0].detail.contains("not closed"), "{err:?}");
    }
}
