//! Reading the municipality layer from GeoJSON text or a Shapefile's `.shp`/`.dbf` (any
//! `Read + Seek`, so tests read bytes and the command reads files). Only the rows asked for
//! keep their geometry, so a file of all of Germany costs its rows of interest, not its size.

use std::io::{Read, Seek};

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use shapefile::dbase::{self, FieldValue};
use shapefile::Shape;

use super::{BoundaryFile, BoundaryRow};
use crate::domain::crs::{self, Crs};
use crate::domain::formats::shapefile::{
    dbf_field, dbf_integer, dbf_text, polygon_geojson, DbfEncoding,
};
use crate::domain::geometry::GeometryLimits;

/// Boundary files are official (BKG's VG250) and read by an operator's CLI command; municipality
/// outlines have far more positions than a plot may, so no plot limit applies.
const ALL: &GeometryLimits = &GeometryLimits::STORED;

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

/// The rows of a Shapefile whose AGS `wanted` accepts. `prj` is the `.prj` file's text; the
/// DBF is read in `encoding` (from the `.cpg` file; VG250 without one is ISO-8859-1).
pub fn read_shapefile<S, D>(
    shp: S,
    dbf: D,
    prj: &str,
    encoding: DbfEncoding,
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
        .with_encoding(encoding.decoder())
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
            Shape::Polygon(p) => polygon_geojson(p.rings(), ALL)?.to_string(),
            Shape::PolygonM(p) => polygon_geojson(p.rings(), ALL)?.to_string(),
            Shape::PolygonZ(p) => polygon_geojson(p.rings(), ALL)?.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
