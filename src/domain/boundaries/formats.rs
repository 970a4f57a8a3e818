//! Reading the municipality layer from GeoJSON text or a Shapefile's `.shp`/`.dbf` (any
//! `Read + Seek`, so tests read bytes and the command reads files). Only the rows asked for
//! keep their geometry, so a file of all of Germany costs its rows of interest, not its size.

use std::io::{Read, Seek};

use geo::{Area, Intersects};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use shapefile::dbase::{self, FieldValue};
use shapefile::record::traits::HasXY;
use shapefile::{PolygonRing, Shape};

use super::{BoundaryFile, BoundaryRow};
use crate::domain::crs::{self, Crs};

/// The attribute of `key` (any case: VG250 writes `AGS`, some exports `ags`).
fn property<'a>(properties: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    properties
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An AGS written as a number has lost its leading zero (Schleswig-Holstein is 01, Hamburg 02).
fn ags_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Number(n) => n.as_u64().map(|n| format!("{n:08}")),
        other => text_of(Some(other)),
    }
}

fn integer_of(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[derive(Deserialize)]
struct Collection<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    crs: Option<CrsMember>,
    #[serde(borrow, default)]
    features: Vec<Feature<'a>>,
}

#[derive(Deserialize)]
struct CrsMember {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    properties: Map<String, Value>,
}

#[derive(Deserialize)]
struct Feature<'a> {
    #[serde(default)]
    properties: Option<Map<String, Value>>,
    #[serde(borrow, default)]
    geometry: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct GeometryType {
    #[serde(rename = "type")]
    kind: String,
}

/// The rows of a GeoJSON FeatureCollection whose AGS `wanted` accepts. Without a `crs` member
/// the coordinates are EPSG:4326 (RFC 7946).
pub fn read_geojson(text: &str, wanted: impl Fn(&str) -> bool) -> Result<BoundaryFile, String> {
    let collection: Collection = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| format!("not a GeoJSON FeatureCollection: {e}"))?;
    if collection.kind != "FeatureCollection" {
        return Err(format!(
            "a GeoJSON FeatureCollection is needed, this is a {}",
            collection.kind
        ));
    }
    let crs = match &collection.crs {
        None => Crs::Wgs84,
        Some(member) => match text_of(member.properties.get("name")) {
            Some(name) if member.kind == "name" => Crs::parse(&name).ok_or_else(|| {
                format!(
                    "unsupported CRS `{name}` in the GeoJSON `crs` member: use one of {}",
                    Crs::accepted()
                )
            })?,
            _ => return Err("the GeoJSON `crs` member names no CRS".into()),
        },
    };
    let mut file = BoundaryFile {
        crs,
        rows: Vec::new(),
        rows_read: collection.features.len(),
        first_ags: None,
    };
    let empty = Map::new();
    for (index, feature) in collection.features.into_iter().enumerate() {
        let properties = feature.properties.as_ref().unwrap_or(&empty);
        let Some(ags) = ags_of(property(properties, "AGS")) else {
            return Err(format!(
                "feature {index} has no AGS attribute: is the file the municipality layer VG250_GEM?"
            ));
        };
        file.first_ags.get_or_insert_with(|| ags.clone());
        if !wanted(&ags) {
            continue;
        }
        let Some(geometry) = feature.geometry else {
            continue;
        };
        let kind = serde_json::from_str::<GeometryType>(geometry.get())
            .map(|g| g.kind)
            .unwrap_or_default();
        if kind != "Polygon" && kind != "MultiPolygon" {
            return Err(format!(
                "feature {index} (AGS {ags}) is a {kind}, not a Polygon or MultiPolygon"
            ));
        }
        file.rows.push(BoundaryRow {
            name: text_of(property(properties, "GEN")).unwrap_or_default(),
            kind: text_of(property(properties, "BEZ")),
            geofactor: integer_of(property(properties, "GF")),
            population: integer_of(property(properties, "EWZ")),
            ags,
            geometry: geometry.get().to_owned(),
        });
    }
    Ok(file)
}

/// The DBF encoding a `.cpg` file names (ESRI writes e.g. `UTF-8`, `ISO-8859-1`, `1252`).
pub fn encoding_of_cpg(label: &str) -> Result<&'static encoding_rs::Encoding, String> {
    let label = label.trim().trim_start_matches('\u{feff}');
    let code = label
        .strip_prefix("ANSI ")
        .unwrap_or(label)
        .replace(['_', ' '], "-");
    let by_number = match code.as_str() {
        "65001" => Some(encoding_rs::UTF_8),
        "1252" | "88591" | "8859-1" | "28591" => Some(encoding_rs::WINDOWS_1252),
        "1250" => Some(encoding_rs::WINDOWS_1250),
        _ => None,
    };
    by_number
        .or_else(|| encoding_rs::Encoding::for_label(code.as_bytes()))
        .ok_or_else(|| format!("unknown DBF encoding `{label}` in the .cpg file"))
}

fn dbf_text(value: Option<&FieldValue>) -> Option<String> {
    match value? {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => {
            Some(s.trim().to_owned()).filter(|s| !s.is_empty())
        }
        FieldValue::Numeric(Some(n)) | FieldValue::Double(n) => Some(format!("{n}")),
        FieldValue::Integer(n) => Some(n.to_string()),
        _ => None,
    }
}

fn dbf_integer(value: Option<&FieldValue>) -> Option<i64> {
    match value? {
        FieldValue::Numeric(Some(n)) | FieldValue::Double(n) => Some(n.round() as i64),
        FieldValue::Float(Some(n)) => Some(n.round() as i64),
        FieldValue::Integer(n) => Some(i64::from(*n)),
        FieldValue::Character(Some(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The DBF field named `key` in any case.
fn dbf_field<'a>(record: &'a dbase::Record, names: &[String], key: &str) -> Option<&'a FieldValue> {
    names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(key))
        .and_then(|n| record.get(n))
}

/// The rows of a Shapefile whose AGS `wanted` accepts. `prj` is the `.prj` file's text; the
/// DBF is read in `encoding` (from the `.cpg` file; VG250 without one is ISO-8859-1).
pub fn read_shapefile<S, D>(
    shp: S,
    dbf: D,
    prj: &str,
    encoding: &'static encoding_rs::Encoding,
    wanted: impl Fn(&str) -> bool,
) -> Result<BoundaryFile, String>
where
    S: Read + Seek,
    D: Read + Seek,
{
    let crs = crs::from_prj(prj).map_err(|e| format!(".prj: {e}"))?;
    let shapes =
        shapefile::ShapeReader::new(shp).map_err(|e| format!("not a Shapefile (.shp): {e}"))?;
    let table = dbase::ReaderBuilder::new()
        .with_encoding(dbase::encoding::EncodingRs::from(encoding))
        .build(dbf)
        .map_err(|e| format!("cannot read the .dbf file: {e}"))?;
    let names: Vec<String> = table.fields().iter().map(|f| f.name().to_owned()).collect();
    for required in ["AGS", "GEN"] {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(required)) {
            return Err(format!(
                "the .dbf file has no {required} field (it has {}): is the file the municipality layer VG250_GEM?",
                names.join(", ")
            ));
        }
    }
    let mut reader = shapefile::Reader::new(shapes, table);
    let mut file = BoundaryFile {
        crs,
        rows: Vec::new(),
        rows_read: 0,
        first_ags: None,
    };
    for (index, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| format!("record {index}: {e}"))?;
        file.rows_read += 1;
        let ags = match dbf_field(&record, &names, "AGS") {
            // See `ags_of`.
            Some(FieldValue::Numeric(Some(n))) if n.fract() == 0.0 && *n >= 0.0 => {
                format!("{:08}", *n as u64)
            }
            other => dbf_text(other).unwrap_or_default(),
        };
        file.first_ags.get_or_insert_with(|| ags.clone());
        if !wanted(&ags) {
            continue;
        }
        let geometry = match shape {
            Shape::NullShape => continue,
            Shape::Polygon(p) => multipolygon_geojson(p.rings()),
            Shape::PolygonM(p) => multipolygon_geojson(p.rings()),
            Shape::PolygonZ(p) => multipolygon_geojson(p.rings()),
            other => {
                return Err(format!(
                    "record {index} (AGS {ags}) is a {}, not a polygon: is the file the municipality layer VG250_GEM?",
                    other.shapetype()
                ))
            }
        };
        file.rows.push(BoundaryRow {
            name: dbf_text(dbf_field(&record, &names, "GEN")).unwrap_or_default(),
            kind: dbf_text(dbf_field(&record, &names, "BEZ")),
            geofactor: dbf_integer(dbf_field(&record, &names, "GF")),
            population: dbf_integer(dbf_field(&record, &names, "EWZ")),
            ags,
            geometry,
        });
    }
    Ok(file)
}

/// A Shapefile polygon as a GeoJSON MultiPolygon. A Shapefile lists rings without saying which
/// outer ring a hole belongs to; a hole goes to the smallest outer ring it touches (the
/// preceding outer ring if none does). PostGIS makes the result valid afterwards.
fn multipolygon_geojson<P: HasXY>(rings: &[PolygonRing<P>]) -> String {
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
    let ring_coordinates = |ring: &geo::LineString| -> Value {
        ring.0
            .iter()
            .map(|c| serde_json::json!([c.x, c.y]))
            .collect()
    };
    let coordinates: Vec<Value> = polygons
        .iter()
        .map(|(outer, holes)| {
            std::iter::once(outer.exterior())
                .chain(holes)
                .map(ring_coordinates)
                .collect()
        })
        .collect();
    serde_json::json!({"type": "MultiPolygon", "coordinates": coordinates}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shapefile::Point;

    #[test]
    fn geojson_rows_asked_for_keep_their_attributes_and_geometry() {
        let text = r#"{"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
            "features": [
              {"type": "Feature", "properties": {"AGS": "13076090", "GEN": "Ludwigslust", "BEZ": "Stadt", "GF": 4, "EWZ": "12311"},
               "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}},
              {"type": "Feature", "properties": {"ags": 1001000, "gen": "Flensburg"},
               "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}
            ]}"#;
        let file = read_geojson(text, |ags| ags == "13076090").unwrap();
        assert_eq!(file.crs, Crs::Utm32);
        assert_eq!((file.rows_read, file.rows.len()), (2, 1));
        let row = &file.rows[0];
        assert_eq!(row.name, "Ludwigslust");
        assert_eq!(
            (row.geofactor, row.population, row.kind.as_deref()),
            (Some(4), Some(12311), Some("Stadt"))
        );
        assert!(row.geometry.contains("Polygon"));
        let second = &read_geojson(text, |_| true).unwrap().rows[1];
        assert_eq!(
            (second.ags.as_str(), second.name.as_str()),
            ("01001000", "Flensburg")
        );
    }

    #[test]
    fn geojson_that_is_not_the_layer_is_refused() {
        let points = r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"AGS": "13076090"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}"#;
        assert!(read_geojson(points, |_| true)
            .unwrap_err()
            .contains("not a Polygon"));
        let no_ags = r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"name": "x"}, "geometry": null}]}"#;
        assert!(read_geojson(no_ags, |_| true)
            .unwrap_err()
            .contains("VG250_GEM"));
        assert!(read_geojson(r#"{"type": "Point"}"#, |_| true).is_err());
        assert!(read_geojson("\u{0}garbage", |_| true).is_err());
        let gk = r#"{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:2056"}}, "features": []}"#;
        assert!(read_geojson(gk, |_| true)
            .unwrap_err()
            .contains("unsupported"));
    }

    #[test]
    fn cpg_labels() {
        assert_eq!(encoding_of_cpg("UTF-8\n"), Ok(encoding_rs::UTF_8));
        assert_eq!(encoding_of_cpg("65001"), Ok(encoding_rs::UTF_8));
        assert_eq!(encoding_of_cpg("ISO-8859-1"), Ok(encoding_rs::WINDOWS_1252));
        assert_eq!(encoding_of_cpg("ANSI 1252"), Ok(encoding_rs::WINDOWS_1252));
        assert!(encoding_of_cpg("klingon").is_err());
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
            PolygonRing::Outer(big),
            PolygonRing::Outer(island),
            PolygonRing::Inner(hole),
        ];
        let geojson: Value = serde_json::from_str(&multipolygon_geojson(&rings)).unwrap();
        let polygons = geojson["coordinates"].as_array().unwrap();
        assert_eq!(polygons.len(), 2);
        assert_eq!(polygons[0].as_array().unwrap().len(), 2, "{geojson}");
        assert_eq!(polygons[1].as_array().unwrap().len(), 1);
    }
}
