//! Shapefile parts every reader needs: the DBF encoding a `.cpg` names (or the DBF header's
//! language driver id), DBF values, and shapes as GeoJSON geometry.

use serde_json::{json, Map, Number, Value};
use shapefile::dbase::encoding::{DynEncoding, EncodingRs};
use shapefile::dbase::{self, CodePageMark, FieldValue};
use shapefile::record::traits::HasXY;
use shapefile::{PolygonRing, Shape};

use geo::{Area, Intersects};

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
pub fn shape_geojson(shape: &Shape) -> Option<Value> {
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
    Some(match shape {
        Shape::NullShape => return None,
        Shape::Point(p) => point(p),
        Shape::PointM(p) => point(p),
        Shape::PointZ(p) => point(p),
        Shape::Multipoint(m) => points(m.points()),
        Shape::MultipointM(m) => points(m.points()),
        Shape::MultipointZ(m) => points(m.points()),
        Shape::Polyline(l) => lines(l.parts()),
        Shape::PolylineM(l) => lines(l.parts()),
        Shape::PolylineZ(l) => lines(l.parts()),
        Shape::Polygon(p) => polygon_geojson(p.rings()),
        Shape::PolygonM(p) => polygon_geojson(p.rings()),
        Shape::PolygonZ(p) => polygon_geojson(p.rings()),
        // 3D surfaces: nothing a plot outline is made of; the planner refuses the type.
        Shape::Multipatch(_) => json!({"type": "GeometryCollection", "geometries": []}),
    })
}

/// A Shapefile polygon as a GeoJSON Polygon (one outer ring) or MultiPolygon. A Shapefile
/// lists rings without saying which outer ring a hole belongs to; a hole goes to the smallest
/// outer ring it touches (the preceding outer ring if none does). PostGIS makes the result
/// valid afterwards.
pub fn polygon_geojson<P: HasXY>(rings: &[PolygonRing<P>]) -> Value {
    let line = |points: &[P]| -> geo::LineString {
        points
            .iter()
            .map(|p| geo::coord! { x: p.x(), y: p.y() })
            .collect()
    };
    let mut polygons: Vec<(geo::Polygon, Vec<geo::LineString>)> = Vec::new();
    for ring in rings {
        match ring {
            PolygonRing::Outer(points) => {
                polygons.push((geo::Polygon::new(line(points), Vec::new()), Vec::new()))
            }
            PolygonRing::Inner(points) => {
                let hole = line(points);
                let owner = hole.0.first().and_then(|first| {
                    polygons
                        .iter()
                        .enumerate()
                        .filter(|(_, (outer, _))| outer.intersects(first))
                        .min_by(|(_, (a, _)), (_, (b, _))| {
                            a.unsigned_area().total_cmp(&b.unsigned_area())
                        })
                        .map(|(i, _)| i)
                });
                match owner.or(polygons.len().checked_sub(1)) {
                    Some(i) => polygons[i].1.push(hole),
                    None => polygons.push((geo::Polygon::new(hole, Vec::new()), Vec::new())),
                }
            }
        }
    }
    let ring_coordinates =
        |ring: &geo::LineString| -> Value { ring.0.iter().map(|c| json!([c.x, c.y])).collect() };
    let mut coordinates: Vec<Value> = polygons
        .iter()
        .map(|(outer, holes)| {
            std::iter::once(outer.exterior())
                .chain(holes)
                .map(ring_coordinates)
                .collect()
        })
        .collect();
    match coordinates.len() {
        1 => json!({"type": "Polygon", "coordinates": coordinates.remove(0)}),
        _ => json!({"type": "MultiPolygon", "coordinates": coordinates}),
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

    #[test]
    fn shapefile_holes_go_to_the_outer_ring_around_them() {
        let big = ring(&[(0., 0.), (0., 10.), (10., 10.), (10., 0.), (0., 0.)]);
        let island = ring(&[(20., 0.), (20., 1.), (21., 1.), (21., 0.), (20., 0.)]);
        let hole = ring(&[(2., 2.), (3., 2.), (3., 3.), (2., 3.), (2., 2.)]);
        // The hole comes after the island, not after its own outer ring.
        let rings = vec![
            PolygonRing::Outer(big.clone()),
            PolygonRing::Outer(island),
            PolygonRing::Inner(hole.clone()),
        ];
        let geojson = polygon_geojson(&rings);
        let polygons = geojson["coordinates"].as_array().unwrap();
        assert_eq!(polygons.len(), 2);
        assert_eq!(polygons[0].as_array().unwrap().len(), 2, "{geojson}");
        assert_eq!(polygons[1].as_array().unwrap().len(), 1);
        let single = polygon_geojson(&[PolygonRing::Outer(big), PolygonRing::Inner(hole)]);
        assert_eq!(single["type"], "Polygon");
        assert_eq!(single["coordinates"].as_array().unwrap().len(), 2);
    }
}
