//! Shapefile parts every reader needs: the DBF encoding a `.cpg` names (or the DBF header's
//! language driver id), DBF values, and shapes as GeoJSON geometry.

use serde_json::{json, Map, Number, Value};
use shapefile::dbase::encoding::{DynEncoding, EncodingRs};
use shapefile::dbase::{self, CodePageMark, FieldValue};
use shapefile::record::traits::HasXY;
use shapefile::{PolygonRing, Shape};

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{Area, BoundingRect};

use crate::domain::geometry::counts as bounds;
use crate::domain::geometry::GeometryLimits;

/// The encoding of a DBF's text. encoding_rs has the Windows and ISO code pages; the DOS code
/// pages (CP850, which German dBASE and older ArcView wrote, and CP437) come from `yore`,
/// which `dbase` brings along for them (no dependencies of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbfEncoding {
    Rs(&'static encoding_rs::Encoding),
    Cp850,
    Cp437,
}

impl DbfEncoding {
    pub const UTF_8: DbfEncoding = DbfEncoding::Rs(encoding_rs::UTF_8);
    pub const WINDOWS_1252: DbfEncoding = DbfEncoding::Rs(encoding_rs::WINDOWS_1252);

    pub fn name(self) -> &'static str {
        match self {
            DbfEncoding::Rs(e) => e.name(),
            DbfEncoding::Cp850 => "CP850",
            DbfEncoding::Cp437 => "CP437",
        }
    }

    /// The decoder the `dbase` reader takes.
    pub fn decoder(self) -> DynEncoding {
        match self {
            DbfEncoding::Rs(e) => EncodingRs::from(e).into(),
            DbfEncoding::Cp850 => dbase::yore::code_pages::CP850.into(),
            DbfEncoding::Cp437 => dbase::yore::code_pages::CP437.into(),
        }
    }

    /// The encoding a DBF header's language driver id (byte 29) names, if it names one.
    pub fn of_language_driver(id: u8) -> Option<DbfEncoding> {
        // 0x57 (ESRI's "ANSI", ISO-8859-1 for GDAL, which writes it by default) is missing
        // from dbase's table.
        if id == 0x57 {
            return Some(DbfEncoding::WINDOWS_1252);
        }
        Some(match CodePageMark::from(id) {
            CodePageMark::Utf8 => DbfEncoding::UTF_8,
            CodePageMark::CP850 => DbfEncoding::Cp850,
            CodePageMark::CP437 => DbfEncoding::Cp437,
            CodePageMark::CP1252 => DbfEncoding::WINDOWS_1252,
            CodePageMark::CP1250 => DbfEncoding::Rs(encoding_rs::WINDOWS_1250),
            _ => return None,
        })
    }
}

/// The DBF encoding a `.cpg` file names (ESRI writes e.g. `UTF-8`, `ISO-8859-1`, `1252`; GDAL
/// `CP850` or `850`).
pub fn encoding_of_cpg(label: &str) -> Result<DbfEncoding, String> {
    let label = label.trim().trim_start_matches('\u{feff}');
    let code = label
        .strip_prefix("ANSI ")
        .unwrap_or(label)
        .replace(['_', ' '], "-")
        .to_ascii_uppercase();
    let by_number = match code.as_str() {
        "65001" => Some(DbfEncoding::UTF_8),
        "1252" | "88591" | "8859-1" | "28591" => Some(DbfEncoding::WINDOWS_1252),
        "1250" => Some(DbfEncoding::Rs(encoding_rs::WINDOWS_1250)),
        "850" | "CP850" | "IBM850" | "OEM-850" => Some(DbfEncoding::Cp850),
        "437" | "CP437" | "IBM437" | "OEM-437" => Some(DbfEncoding::Cp437),
        _ => None,
    };
    by_number
        .or_else(|| encoding_rs::Encoding::for_label(code.as_bytes()).map(DbfEncoding::Rs))
        .ok_or_else(|| format!("unknown DBF encoding `{label}` in the .cpg file"))
}

/// A DBF value as text: trimmed, `None` when empty.
pub fn dbf_text(value: Option<&FieldValue>) -> Option<String> {
    match value? {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => {
            Some(s.trim().to_owned()).filter(|s| !s.is_empty())
        }
        FieldValue::Numeric(Some(n)) | FieldValue::Double(n) => Some(format!("{n}")),
        FieldValue::Integer(n) => Some(n.to_string()),
        _ => None,
    }
}

pub fn dbf_integer(value: Option<&FieldValue>) -> Option<i64> {
    match value? {
        FieldValue::Numeric(Some(n)) | FieldValue::Double(n) => Some(n.round() as i64),
        FieldValue::Float(Some(n)) => Some(n.round() as i64),
        FieldValue::Integer(n) => Some(i64::from(*n)),
        FieldValue::Character(Some(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The DBF field named `key` in any case.
pub fn dbf_field<'a>(
    record: &'a dbase::Record,
    names: &[String],
    key: &str,
) -> Option<&'a FieldValue> {
    names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(key))
        .and_then(|n| record.get(n))
}

/// A DBF value as a JSON value, as a GeoJSON property would be: text trimmed (DBF pads it with
/// blanks), whole numbers as integers, dates as `YYYY-MM-DD`, empty values `null`.
pub fn dbf_value(value: &FieldValue) -> Value {
    let number = |n: f64| {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            Value::from(n as i64)
        } else {
            Number::from_f64(n).map_or(Value::Null, Value::Number)
        }
    };
    match value {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => match s.trim() {
            "" => Value::Null,
            t => Value::String(t.to_owned()),
        },
        FieldValue::Numeric(Some(n)) | FieldValue::Double(n) => number(*n),
        FieldValue::Float(Some(n)) => number(f64::from(*n)),
        FieldValue::Integer(n) => Value::from(*n),
        FieldValue::Currency(n) => number(*n),
        FieldValue::Logical(Some(b)) => Value::Bool(*b),
        FieldValue::Date(Some(d)) => {
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        FieldValue::DateTime(dt) => {
            let d = dt.date();
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        _ => Value::Null,
    }
}

/// A DBF record's fields in file order, as JSON values.
pub fn dbf_properties(record: dbase::Record, names: &[String]) -> Map<String, Value> {
    let mut record = record;
    names
        .iter()
        .map(|name| {
            let value = record.remove(name).map_or(Value::Null, |v| dbf_value(&v));
            (name.clone(), value)
        })
        .collect()
}

/// A shape as a GeoJSON geometry (in the file's CRS; Z and M dropped); `None` for a null shape.
/// A polygon over `limits` is refused before its rings are assembled (which compares rings
/// pairwise).
pub fn shape_geojson(shape: &Shape, limits: &GeometryLimits) -> Result<Option<Value>, String> {
    fn position<P: HasXY>(p: &P) -> Value {
        json!([p.x(), p.y()])
    }
    fn line<P: HasXY>(points: &[P]) -> Value {
        points.iter().map(position).collect()
    }
    fn point<P: HasXY>(p: &P) -> Value {
        json!({"type": "Point", "coordinates": position(p)})
    }
    fn points<P: HasXY>(points: &[P]) -> Value {
        json!({"type": "MultiPoint", "coordinates": line(points)})
    }
    fn lines<P: HasXY>(parts: &[Vec<P>]) -> Value {
        match parts {
            [one] => json!({"type": "LineString", "coordinates": line(one)}),
            _ => {
                json!({"type": "MultiLineString", "coordinates": parts.iter().map(|p| line(p)).collect::<Vec<_>>()})
            }
        }
    }
    Ok(Some(match shape {
        Shape::NullShape => return Ok(None),
        Shape::Point(p) => point(p),
        Shape::PointM(p) => point(p),
        Shape::PointZ(p) => point(p),
        Shape::Multipoint(m) => points(m.points()),
        Shape::MultipointM(m) => points(m.points()),
        Shape::MultipointZ(m) => points(m.points()),
        Shape::Polyline(l) => lines(l.parts()),
        Shape::PolylineM(l) => lines(l.parts()),
        Shape::PolylineZ(l) => lines(l.parts()),
        Shape::Polygon(p) => polygon_geojson(p.rings(), limits)?,
        Shape::PolygonM(p) => polygon_geojson(p.rings(), limits)?,
        Shape::PolygonZ(p) => polygon_geojson(p.rings(), limits)?,
        // 3D surfaces: nothing a plot outline is made of; the planner refuses the type.
        Shape::Multipatch(_) => json!({"type": "GeometryCollection", "geometries": []}),
    }))
}

/// A Shapefile polygon as a GeoJSON Polygon (one outer ring) or MultiPolygon, or the first of
/// `limits` it passes (checked before any ring is compared with another).
///
/// A Shapefile lists rings without saying which outer ring a hole belongs to, and the
/// orientation that should tell holes from outer rings is wrong in files of non-conforming
/// writers (counter-clockwise outer rings). So rings are classified by nesting, as GDAL does
/// for such files: a ring inside an even number of others is an outer ring, inside an odd
/// number a hole, which goes to the smallest ring around it; a hole inside no outer ring is an
/// outer ring. Bounding boxes decide most pairs before a point-in-polygon test. PostGIS makes
/// the result valid afterwards.
pub fn polygon_geojson<P: HasXY>(
    rings: &[PolygonRing<P>],
    limits: &GeometryLimits,
) -> Result<Value, String> {
    let max_rings = limits.parts.saturating_mul(limits.rings);
    if rings.len() > max_rings {
        return Err(format!(
            "the polygon has {} rings; at most {} polygons of {} rings (GWF_GEOMETRY_MAX_PARTS, GWF_GEOMETRY_MAX_RINGS)",
            rings.len(),
            limits.parts,
            limits.rings
        ));
    }
    let mut total = 0usize;
    for ring in rings {
        let n = ring.points().len();
        bounds::check_ring(n, limits)?;
        total += n;
    }
    bounds::check_total(total, limits)?;
    let shapes: Vec<Ring> = rings.iter().map(|r| Ring::new(r.points())).collect();
    // Pass 1: what each ring lies in.
    let containers: Vec<Vec<usize>> = (0..shapes.len())
        .map(|i| {
            (0..shapes.len())
                .filter(|&j| j != i && shapes[j].contains(&shapes[i]))
                .collect()
        })
        .collect();
    // Pass 2: holes to the smallest ring around them.
    let mut polygons: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut owner_of: Vec<Option<usize>> = vec![None; shapes.len()];
    for (i, around) in containers.iter().enumerate() {
        if around.len() % 2 == 1 {
            owner_of[i] = around
                .iter()
                .copied()
                .min_by(|&a, &b| shapes[a].area.total_cmp(&shapes[b].area));
        }
    }
    for (i, owner) in owner_of.iter().enumerate() {
        if owner.is_none() {
            polygons.push((i, Vec::new()));
        }
    }
    for (i, owner) in owner_of.iter().enumerate() {
        if let Some(owner) = owner {
            match polygons.iter_mut().find(|(outer, _)| outer == owner) {
                Some((_, holes)) => holes.push(i),
                None => polygons.push((i, Vec::new())),
            }
        }
    }
    if polygons.len() > limits.parts {
        return Err(bounds::too_many_parts(polygons.len(), limits));
    }
    if let Some((_, holes)) = polygons.iter().find(|(_, h)| h.len() + 1 > limits.rings) {
        return Err(bounds::too_many_rings(holes.len() + 1, limits));
    }
    let ring_coordinates = |i: usize| -> Value {
        shapes[i]
            .polygon
            .exterior()
            .0
            .iter()
            .map(|c| json!([c.x, c.y]))
            .collect()
    };
    let mut coordinates: Vec<Value> = polygons
        .iter()
        .map(|(outer, holes)| {
            std::iter::once(*outer)
                .chain(holes.iter().copied())
                .map(ring_coordinates)
                .collect()
        })
        .collect();
    Ok(match coordinates.len() {
        1 => json!({"type": "Polygon", "coordinates": coordinates.remove(0)}),
        _ => json!({"type": "MultiPolygon", "coordinates": coordinates}),
    })
}

/// One ring, with what containment tests need.
struct Ring {
    polygon: geo::Polygon,
    bbox: Option<geo::Rect>,
    area: f64,
}

impl Ring {
    fn new<P: HasXY>(points: &[P]) -> Ring {
        let line: geo::LineString = points
            .iter()
            .map(|p| geo::coord! { x: p.x(), y: p.y() })
            .collect();
        let polygon = geo::Polygon::new(line, Vec::new());
        Ring {
            bbox: polygon.bounding_rect(),
            area: polygon.unsigned_area(),
            polygon,
        }
    }

    /// Whether `other` lies inside: its first vertex not on this ring's boundary is inside.
    /// A ring of the same area (a duplicate) is not inside, so two never contain each other.
    fn contains(&self, other: &Ring) -> bool {
        let (Some(a), Some(b)) = (self.bbox, other.bbox) else {
            return false;
        };
        let boxed = a.min().x <= b.min().x
            && a.min().y <= b.min().y
            && a.max().x >= b.max().x
            && a.max().y >= b.max().y;
        if !boxed || other.area >= self.area {
            return false;
        }
        other
            .polygon
            .exterior()
            .0
            .iter()
            .map(|c| self.polygon.coordinate_position(c))
            .find(|p| *p != CoordPos::OnBoundary)
            == Some(CoordPos::Inside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shapefile::Point;

    #[test]
    fn cpg_labels() {
        assert_eq!(encoding_of_cpg("UTF-8\n"), Ok(DbfEncoding::UTF_8));
        assert_eq!(encoding_of_cpg("65001"), Ok(DbfEncoding::UTF_8));
        assert_eq!(encoding_of_cpg("ISO-8859-1"), Ok(DbfEncoding::WINDOWS_1252));
        assert_eq!(encoding_of_cpg("ANSI 1252"), Ok(DbfEncoding::WINDOWS_1252));
        assert_eq!(encoding_of_cpg("CP850"), Ok(DbfEncoding::Cp850));
        assert_eq!(encoding_of_cpg("850"), Ok(DbfEncoding::Cp850));
        assert!(encoding_of_cpg("klingon").is_err());
    }

    #[test]
    fn cp850_is_decoded() {
        use shapefile::dbase::encoding::Encoding;
        // "Größe" in CP850: ö = 0x94, ß = 0xE1.
        let text = DbfEncoding::Cp850
            .decoder()
            .decode(b"Gr\x94\xe1e")
            .unwrap()
            .into_owned();
        assert_eq!(text, "Größe");
        assert_eq!(
            DbfEncoding::of_language_driver(0x02),
            Some(DbfEncoding::Cp850)
        );
        assert_eq!(
            DbfEncoding::of_language_driver(0x57),
            Some(DbfEncoding::WINDOWS_1252)
        );
        assert_eq!(DbfEncoding::of_language_driver(0), None);
    }

    #[test]
    fn dbf_values_as_json() {
        assert_eq!(
            dbf_value(&FieldValue::Character(Some("  A-1 ".into()))),
            json!("A-1")
        );
        assert_eq!(dbf_value(&FieldValue::Character(None)), Value::Null);
        assert_eq!(dbf_value(&FieldValue::Numeric(Some(20000.0))), json!(20000));
        assert_eq!(dbf_value(&FieldValue::Numeric(Some(0.8))), json!(0.8));
        assert_eq!(dbf_value(&FieldValue::Logical(Some(true))), json!(true));
    }

    fn ring(points: &[(f64, f64)]) -> Vec<Point> {
        points.iter().map(|&(x, y)| Point::new(x, y)).collect()
    }

    fn square(x: f64, y: f64, size: f64) -> Vec<Point> {
        ring(&[
            (x, y),
            (x, y + size),
            (x + size, y + size),
            (x + size, y),
            (x, y),
        ])
    }

    fn assemble(rings: &[PolygonRing<Point>]) -> Value {
        polygon_geojson(rings, &GeometryLimits::default()).unwrap()
    }

    /// Rings per polygon of a GeoJSON Polygon or MultiPolygon.
    fn shape_of(geojson: &Value) -> Vec<usize> {
        let c = geojson["coordinates"].as_array().unwrap();
        match geojson["type"].as_str() {
            Some("Polygon") => vec![c.len()],
            _ => c.iter().map(|p| p.as_array().unwrap().len()).collect(),
        }
    }

    #[test]
    fn shapefile_holes_go_to_the_outer_ring_around_them() {
        let big = square(0., 0., 10.);
        let hole = square(2., 2., 1.);
        // The hole comes after the island, not after its own outer ring.
        let rings = vec![
            PolygonRing::Outer(big.clone()),
            PolygonRing::Outer(square(20., 0., 1.)),
            PolygonRing::Inner(hole.clone()),
        ];
        let geojson = assemble(&rings);
        assert_eq!(shape_of(&geojson), vec![2, 1], "{geojson}");
        let single = assemble(&[PolygonRing::Outer(big), PolygonRing::Inner(hole)]);
        assert_eq!(single["type"], "Polygon");
        assert_eq!(shape_of(&single), vec![2]);
    }

    #[test]
    fn a_hole_before_its_shell_is_still_its_hole() {
        let rings = vec![
            PolygonRing::Inner(square(2., 2., 1.)),
            PolygonRing::Outer(square(0., 0., 10.)),
        ];
        let geojson = assemble(&rings);
        assert_eq!(geojson["type"], "Polygon", "{geojson}");
        // The shell first, then the hole.
        assert_eq!(geojson["coordinates"][0][2], json!([10., 10.]));
        assert_eq!(geojson["coordinates"][1][0], json!([2., 2.]));
    }

    #[test]
    fn counter_clockwise_shells_of_non_conforming_writers_keep_their_holes() {
        // Orientation reversed: the shell reads as a hole, the hole as an outer ring.
        let rings = vec![
            PolygonRing::Inner(square(0., 0., 10.)),
            PolygonRing::Outer(square(2., 2., 1.)),
            PolygonRing::Inner(square(20., 0., 5.)),
        ];
        let geojson = assemble(&rings);
        assert_eq!(shape_of(&geojson), vec![2, 1], "{geojson}");
        assert_eq!(geojson["coordinates"][0][0][2], json!([10., 10.]));
    }

    #[test]
    fn a_hole_goes_to_the_smallest_ring_around_it_and_an_island_in_a_hole_is_a_shell() {
        let rings = vec![
            PolygonRing::Outer(square(0., 0., 100.)),
            PolygonRing::Inner(square(10., 10., 50.)),
            PolygonRing::Outer(square(20., 20., 30.)),
            PolygonRing::Inner(square(30., 30., 5.)),
            // A hole inside no outer ring is one.
            PolygonRing::Inner(square(200., 0., 1.)),
        ];
        let geojson = assemble(&rings);
        assert_eq!(shape_of(&geojson), vec![2, 2, 1], "{geojson}");
        assert_eq!(geojson["coordinates"][1][0][0], json!([20., 20.]));
        assert_eq!(geojson["coordinates"][1][1][0], json!([30., 30.]));
    }

    #[test]
    fn the_geometry_limits_apply_before_rings_are_assembled() {
        let limits = GeometryLimits {
            ring_positions: 5,
            rings: 2,
            parts: 2,
            positions: 100,
        };
        let many: Vec<PolygonRing<Point>> = (0..5)
            .map(|i| PolygonRing::Outer(square(f64::from(i) * 10., 0., 1.)))
            .collect();
        let err = polygon_geojson(&many, &limits).unwrap_err();
        assert!(err.contains("GWF_GEOMETRY_MAX_PARTS"), "{err}");
        let three = &many[..3];
        let err = polygon_geojson(three, &limits).unwrap_err();
        assert!(err.contains("3 polygons"), "{err}");
        let long = ring(&[(0., 0.), (0., 1.), (1., 2.), (2., 1.), (1., 0.), (0., 0.)]);
        let err = polygon_geojson(&[PolygonRing::Outer(long)], &limits).unwrap_err();
        assert!(err.contains("GWF_GEOMETRY_MAX_RING_POSITIONS"), "{err}");
        let holes = vec![
            PolygonRing::Outer(square(0., 0., 10.)),
            PolygonRing::Inner(square(1., 1., 1.)),
            PolygonRing::Inner(square(3., 3., 1.)),
        ];
        let err = polygon_geojson(&holes, &limits).unwrap_err();
        assert!(err.contains("GWF_GEOMETRY_MAX_RINGS"), "{err}");
        let shape = Shape::Polygon(shapefile::Polygon::with_rings(holes));
        assert!(shape_geojson(&shape, &limits).is_err());
    }
}
