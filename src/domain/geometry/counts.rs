//! How large a geometry is, counted on its text before anything parses it: parts, rings per
//! polygon, positions per ring and in all, against `GeometryLimits` (`GWF_GEOMETRY_MAX_*`).
//! Imports check every geometry a file has this way before it goes to PostGIS.

use super::GeometryLimits;

/// The first limit a GeoJSON geometry passes, counted on its text (linear, nothing parsed:
/// a parsed 100 MB outline would take a gigabyte): an array holding numbers is a position, one
/// holding positions a ring (or line), one holding rings a polygon, one holding polygons a
/// MultiPolygon.
pub fn check_geojson(text: &str, limits: &GeometryLimits) -> Result<(), String> {
    let mut stack: Vec<Level> = Vec::new();
    let mut total = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.bytes() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' => open(&mut stack),
            b']' => {
                let Some(level) = stack.pop() else { break };
                let kind = if level.numbers {
                    0
                } else if level.holds == 0 && level.children > 0 {
                    check_ring(level.children, limits)?;
                    total += level.children;
                    check_total(total, limits)?;
                    1
                } else {
                    level.close(true, limits)?
                };
                if let Some(parent) = stack.last_mut() {
                    parent.holds = parent.holds.max(kind);
                }
            }
            b'0'..=b'9' => {
                if let Some(level) = stack.last_mut() {
                    level.numbers = true;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[derive(Default)]
struct Level {
    children: usize,
    commas: usize,
    numbers: bool,
    /// What its child lists were: 0 positions (JSON), 1 rings, 2 polygons.
    holds: u8,
}

fn open(stack: &mut Vec<Level>) {
    if let Some(parent) = stack.last_mut() {
        parent.children += 1;
    }
    stack.push(Level::default());
}

impl Level {
    /// Closing a list of rings (a polygon) or of polygons; what it was.
    fn close(&self, polygonal: bool, limits: &GeometryLimits) -> Result<u8, String> {
        if polygonal && self.holds == 1 {
            if self.children > limits.rings {
                return Err(too_many_rings(self.children, limits));
            }
            return Ok(2);
        }
        if polygonal && self.holds == 2 && self.children > limits.parts {
            return Err(too_many_parts(self.children, limits));
        }
        Ok(3)
    }
}

pub fn too_many_parts(n: usize, limits: &GeometryLimits) -> String {
    format!(
        "the geometry has {n} polygons; at most {} (GWF_GEOMETRY_MAX_PARTS)",
        limits.parts
    )
}

pub fn too_many_rings(n: usize, limits: &GeometryLimits) -> String {
    format!(
        "a polygon has {n} rings; at most {} per polygon (GWF_GEOMETRY_MAX_RINGS)",
        limits.rings
    )
}

pub fn check_ring(positions: usize, limits: &GeometryLimits) -> Result<(), String> {
    if positions > limits.ring_positions {
        return Err(format!(
            "a ring has {positions} positions; at most {} per ring (GWF_GEOMETRY_MAX_RING_POSITIONS)",
            limits.ring_positions
        ));
    }
    Ok(())
}

pub fn check_total(positions: usize, limits: &GeometryLimits) -> Result<(), String> {
    if positions > limits.positions {
        return Err(format!(
            "the geometry has {positions} positions; at most {} in all (GWF_GEOMETRY_MAX_POSITIONS)",
            limits.positions
        ));
    }
    Ok(())
}

/// The first limit a WKT geometry passes: counted on the text (linear, nothing parsed), by
/// its parentheses: a list holding numbers is a ring (or line), its commas separate positions.
pub fn check_wkt(wkt: &str, limits: &GeometryLimits) -> Result<(), String> {
    // `SRID=25832;POLYGON(...)` (EWKT) names its type after the semicolon.
    let body = wkt.rsplit_once(';').map_or(wkt, |(_, b)| b).trim_start();
    let kind = body
        .split(|c: char| c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let polygonal = kind == "POLYGON" || kind == "MULTIPOLYGON";
    let mut stack: Vec<Level> = Vec::new();
    let mut total = 0usize;
    for c in body.chars() {
        match c {
            '(' => open(&mut stack),
            ')' => {
                let Some(level) = stack.pop() else { break };
                let kind_of_level = if level.numbers {
                    let n = level.commas + 1;
                    check_ring(n, limits)?;
                    total += n;
                    check_total(total, limits)?;
                    1
                } else {
                    level.close(polygonal, limits)?
                };
                if let Some(parent) = stack.last_mut() {
                    parent.holds = parent.holds.max(kind_of_level);
                }
            }
            ',' => {
                if let Some(level) = stack.last_mut() {
                    level.commas += 1;
                }
            }
            c if c.is_ascii_digit() => {
                if let Some(level) = stack.last_mut() {
                    level.numbers = true;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn small() -> GeometryLimits {
        GeometryLimits {
            ring_positions: 5,
            rings: 2,
            parts: 2,
            positions: 12,
        }
    }

    #[test]
    fn wkt_is_measured_by_its_text() {
        let l = small();
        assert!(check_wkt("POLYGON((0 0,1 0,1 1,0 0))", &l).is_ok());
        assert!(check_wkt(
            "SRID=25832;POLYGON((0 0,1 0,1 1,0 0),(0 0,1 0,1 1,0 0))",
            &l
        )
        .is_ok());
        let long = check_wkt("POLYGON((0 0,1 0,1 1,2 2,3 3,0 0))", &l).unwrap_err();
        assert!(long.contains("GWF_GEOMETRY_MAX_RING_POSITIONS"), "{long}");
        let rings = check_wkt("POLYGON((0 0,1 0,0 0),(0 0,1 0,0 0),(0 0,1 0,0 0))", &l);
        assert!(rings.unwrap_err().contains("GWF_GEOMETRY_MAX_RINGS"));
        let parts = check_wkt(
            "MULTIPOLYGON(((0 0,1 0,0 0)),((0 0,1 0,0 0)),((0 0,1 0,0 0)))",
            &l,
        );
        assert!(parts.unwrap_err().contains("GWF_GEOMETRY_MAX_PARTS"));
        let total = check_wkt(
            "MULTIPOLYGON(((0 0,1 0,1 1,0 0),(0 0,1 0,1 1,0 0)),((0 0,1 0,1 1,0 0),(0 0,1 0,1 1,0 0)))",
            &l,
        );
        assert!(total.unwrap_err().contains("GWF_GEOMETRY_MAX_POSITIONS"));
        // Points of a MultiPoint are no rings.
        assert!(check_wkt("MULTIPOINT((0 0),(1 1),(2 2))", &l).is_ok());
    }

    #[test]
    fn geojson_is_measured_by_its_structure() {
        let l = small();
        let ring = json!([[0, 0], [1, 0], [1, 1], [0, 0]]);
        let check = |v: Value| check_geojson(&v.to_string(), &l);
        assert!(
            check(json!({"type": "Polygon", "coordinates": [ring], "bbox": [0, 0, 1, 1]})).is_ok()
        );
        let three = json!({"type": "MultiPolygon", "coordinates": [[ring], [ring], [ring]]});
        assert!(check(three).unwrap_err().contains("GWF_GEOMETRY_MAX_PARTS"));
        let holes = json!({"type": "Polygon", "coordinates": [ring, ring, ring]});
        assert!(check(holes).unwrap_err().contains("GWF_GEOMETRY_MAX_RINGS"));
        let long = json!({"type": "LineString", "coordinates": (0..6).map(|i| [i, i]).collect::<Vec<_>>()});
        assert!(check(long)
            .unwrap_err()
            .contains("GWF_GEOMETRY_MAX_RING_POSITIONS"));
        let many = json!({"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]], [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]], [[0, 0], [1, 1], [2, 2]]]});
        let many = check_geojson(&many.to_string(), &GeometryLimits { rings: 9, ..l });
        assert!(many.unwrap_err().contains("GWF_GEOMETRY_MAX_POSITIONS"));
        // Brackets in strings are text.
        assert!(check(json!({"type": "Point", "coordinates": [1, 2], "x": "[[[[[[[["})).is_ok());
    }
}
