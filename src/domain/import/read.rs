//! Reading an import file into records of the import schema: a GeoJSON FeatureCollection, or CSV
//! (`,`, `;` or tab separated, quoted as RFC 4180, UTF-8 or Windows-1252 as German Excel saves
//! it). A failure of the whole file is an `Err` with the reason; a failure of one feature or
//! field is a problem in the result, so a report can list them all.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::bounds::{capped_features, Budget};
use super::numbers::{Decimal, Evidence};
use super::report::ImportProblem;
use super::schema::{map_record, Column, Mapping};
use crate::domain::crs::Crs;

/// Geometry as the file gave it (and, once transformed, in EPSG:4326).
#[derive(Debug, Clone, PartialEq)]
pub enum GeometryInput {
    GeoJson(String),
    Wkt(String),
    /// A position only: `[lon, lat]` (or easting, northing before transformation).
    Point(f64, f64),
    Missing,
    /// PostGIS could not read or transform it; the reason.
    Unreadable(String),
}

/// One feature or CSV data row.
#[derive(Debug)]
pub struct Record {
    /// Index in the file, from 0.
    pub feature: usize,
    /// CSV line where the row starts (the header is line 1).
    pub line: Option<usize>,
    /// Import-schema fields, coerced.
    pub fields: Map<String, Value>,
    pub geometry: GeometryInput,
}

impl Record {
    /// The reference as plots are matched by: trimmed, upper case.
    pub fn reference(&self) -> Option<String> {
        self.fields
            .get("reference")
            .and_then(Value::as_str)
            .map(|r| r.trim().to_ascii_uppercase())
    }
}

impl GeometryInput {
    /// The first position, to tell degrees from metres; `None` for missing or unreadable
    /// geometry.
    pub fn first_position(&self) -> Option<(f64, f64)> {
        let text = match self {
            GeometryInput::Point(x, y) => return Some((*x, *y)),
            GeometryInput::GeoJson(g) => &g[g.find("coordinates")?..],
            GeometryInput::Wkt(w) => &w[w.find('(')?..],
            GeometryInput::Missing | GeometryInput::Unreadable(_) => return None,
        };
        let mut numbers = text
            .split(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
            .filter(|t| !t.is_empty() && t.chars().any(|c| c.is_ascii_digit()))
            .map(str::parse::<f64>);
        match (numbers.next(), numbers.next()) {
            (Some(Ok(x)), Some(Ok(y))) => Some((x, y)),
            _ => None,
        }
    }
}

impl ParsedFile {
    /// The first position any record has.
    pub fn first_position(&self) -> Option<(f64, f64)> {
        self.records
            .iter()
            .find_map(|r| r.geometry.first_position())
    }
}

#[derive(Debug)]
pub struct ParsedFile {
    /// `geojson`, `csv`, `shapefile` or `gpkg`.
    pub format: &'static str,
    /// The CRS the file names (GeoJSON `crs` member, `.prj`, GeoPackage SRS).
    pub crs: Option<Crs>,
    pub records: Vec<Record>,
    pub problems: Vec<ImportProblem>,
    pub warnings: Vec<ImportProblem>,
}

/// The collection with its features left unparsed (borrowed from the body): each is parsed
/// when its turn comes, so that memory holds the body and the records, never all features'
/// parsed properties besides (100,000 plots: bench/RESULTS.md).
#[derive(Deserialize)]
struct FeatureCollectionIn<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    crs: Option<Value>,
    #[serde(borrow)]
    features: &'a RawValue,
}

#[derive(Deserialize)]
struct FeatureIn {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    geometry: Option<Box<RawValue>>,
    #[serde(default)]
    properties: Option<Map<String, Value>>,
}

pub(super) fn ignored(name: &str, line: Option<usize>) -> ImportProblem {
    ImportProblem::new(
        None,
        line,
        Some(name),
        "not a field of the import schema; ignored",
    )
}

pub(super) fn shadowed(name: &str, field: &str, line: Option<usize>) -> ImportProblem {
    ImportProblem::new(
        None,
        line,
        Some(name),
        format!("ignored: `?map=` gives `{field}` from another column"),
    )
}

/// Warns once per property a file has that is not a field of the import schema.
#[derive(Default)]
pub struct UnknownColumns(HashSet<String>);

impl UnknownColumns {
    pub fn check(&mut self, name: &str, mapping: &Mapping, warnings: &mut Vec<ImportProblem>) {
        match mapping.column(name) {
            Column::Unknown if self.0.insert(name.to_owned()) => warnings.push(ignored(name, None)),
            Column::Shadowed(field) if self.0.insert(name.to_owned()) => {
                warnings.push(shadowed(name, field, None))
            }
            _ => {}
        }
    }
}

/// The record of feature `i` (of any format with named properties), its field problems added
/// to `problems`.
pub fn feature_record(
    i: usize,
    properties: Map<String, Value>,
    geometry: GeometryInput,
    mapping: &Mapping,
    problems: &mut Vec<ImportProblem>,
) -> Record {
    let mapped = map_record(properties, mapping);
    for (field, text) in mapped.problems {
        problems.push(ImportProblem::new(Some(i), None, Some(&field), text));
    }
    Record {
        feature: i,
        line: None,
        fields: mapped.fields,
        geometry,
    }
}

/// Takes note of the numbers a feature's properties write as text (JSON, DBF and SQLite numbers
/// are typed and need no locale).
fn see_numbers(evidence: &mut Evidence, properties: &Map<String, Value>, mapping: &Mapping) {
    for (name, value) in properties {
        if let Value::String(text) = value {
            if mapping.reveals_locale(name) {
                evidence.see(text);
            }
        }
    }
}

/// The records of a binary format's features (properties and geometry, in file order): as
/// `feature_record` makes them, with numbers written as text read in the locale the file's
/// other text numbers reveal, as for GeoJSON and CSV.
pub fn records_in_locale(
    features: Vec<(Map<String, Value>, GeometryInput)>,
    mapping: &Mapping,
    problems: &mut Vec<ImportProblem>,
) -> Vec<Record> {
    let mut evidence = Evidence::default();
    for (properties, _) in &features {
        see_numbers(&mut evidence, properties, mapping);
    }
    let mapping = mapping.with_decimal(evidence.decimal(Decimal::Unknown));
    features
        .into_iter()
        .enumerate()
        .map(|(i, (properties, geometry))| {
            feature_record(i, properties, geometry, &mapping, problems)
        })
        .collect()
}

/// A geometry read from a binary format (as a GeoJSON value): a Point as a position.
pub fn geometry_input(geometry: Option<Value>) -> GeometryInput {
    match geometry {
        None => GeometryInput::Missing,
        Some(g) => match (g["type"].as_str(), g["coordinates"].as_array()) {
            (Some("Point"), Some(c)) => position(c.first(), c.get(1), "coordinates"),
            _ => GeometryInput::GeoJson(g.to_string()),
        },
    }
}

/// Marks each feature whose degrees look like (latitude, longitude) unreadable, so swapped axes
/// are refused with their cause instead of landing plots in the Indian Ocean.
pub fn refuse_swapped_axes(records: &mut [Record]) {
    for record in records {
        if let Some((x, y)) = record.geometry.first_position() {
            if Crs::axes_swapped(x, y) {
                record.geometry = GeometryInput::Unreadable(format!(
                    "({x}, {y}) lies outside Germany, but would lie inside as ({y}, {x}): the axes look swapped; GeoJSON, WKT and lon/lat columns take longitude first"
                ));
            }
        }
    }
}

/// A position from two values that must both be finite numbers: a missing or unreadable one
/// is the feature's problem, never a silent 0 (which would put the plot in the Gulf of Guinea).
pub(super) fn position(x: Option<&Value>, y: Option<&Value>, what: &str) -> GeometryInput {
    let number = |v: Option<&Value>| v.and_then(Value::as_f64).filter(|n| n.is_finite());
    match (number(x), number(y)) {
        (Some(x), Some(y)) => GeometryInput::Point(x, y),
        _ => GeometryInput::Unreadable(format!("{what} must both be numbers")),
    }
}

pub fn geojson(body: &[u8], mapping: &Mapping) -> Result<ParsedFile, String> {
    geojson_bounded(body, mapping, &mut Budget::unbounded())
}

/// A GeoJSON FeatureCollection, refused at its first feature over the budget's cap.
pub fn geojson_bounded(
    body: &[u8],
    mapping: &Mapping,
    budget: &mut Budget,
) -> Result<ParsedFile, String> {
    let collection: FeatureCollectionIn = serde_json::from_slice(body)
        .map_err(|e| format!("the body is not a GeoJSON FeatureCollection with `features`: {e}"))?;
    if collection.kind != "FeatureCollection" {
        return Err(format!(
            "expected a FeatureCollection, got `{}`",
            collection.kind
        ));
    }
    // RFC 7946 dropped `crs`, but GDAL and QGIS still write the 2008 form for non-WGS 84 data.
    let crs = match &collection.crs {
        None | Some(Value::Null) => None,
        Some(member) => {
            let name = member
                .pointer("/properties/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Some(Crs::parse(name).ok_or_else(|| {
                format!(
                    "the file's crs `{name}` is not supported; use one of {}",
                    Crs::accepted()
                )
            })?)
        }
    };
    let features = capped_features(collection.features, budget)?;
    let mut records = Vec::with_capacity(features.len());
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut unknown = UnknownColumns::default();
    // Numbers written as text reveal the file's locale (`numbers`); JSON numbers need none. A
    // first pass reads only the properties, one feature at a time, and keeps nothing else.
    #[derive(Deserialize)]
    struct PropertiesOnly {
        #[serde(default)]
        properties: Option<Map<String, Value>>,
    }
    let mut evidence = Evidence::default();
    for raw in &features {
        if let Ok(PropertiesOnly {
            properties: Some(properties),
        }) = serde_json::from_str(raw.get())
        {
            see_numbers(&mut evidence, &properties, mapping);
        }
    }
    let mapping = &mapping.with_decimal(evidence.decimal(Decimal::Unknown));
    for (i, raw) in features.into_iter().enumerate() {
        let feature = match serde_json::from_str::<FeatureIn>(raw.get()) {
            Ok(feature) => feature,
            Err(e) => {
                problems.push(ImportProblem::new(
                    Some(i),
                    None,
                    None,
                    format!("not a GeoJSON Feature: {e}"),
                ));
                continue;
            }
        };
        if feature.kind.as_deref() != Some("Feature") {
            problems.push(ImportProblem::new(
                Some(i),
                None,
                None,
                "not a GeoJSON Feature",
            ));
            continue;
        }
        let properties = feature.properties.unwrap_or_default();
        for name in properties.keys() {
            unknown.check(name, mapping, &mut warnings);
        }
        let geometry = match feature.geometry {
            Some(raw) if raw.get() != "null" => point_of(raw.get())
                .map(|(x, y)| GeometryInput::Point(x, y))
                .unwrap_or_else(|| GeometryInput::GeoJson(raw.get().to_owned())),
            _ => GeometryInput::Missing,
        };
        records.push(feature_record(
            i,
            properties,
            geometry,
            mapping,
            &mut problems,
        ));
    }
    Ok(ParsedFile {
        format: "geojson",
        crs,
        records,
        problems,
        warnings,
    })
}

/// A GeoJSON Point's coordinates (some data sets mark plots by a position only).
pub fn point_of(raw: &str) -> Option<(f64, f64)> {
    if !raw.contains("Point") || raw.contains("MultiPoint") {
        return None;
    }
    let value: Value = serde_json::from_str(raw).ok()?;
    if value.get("type")?.as_str()? != "Point" {
        return None;
    }
    let c = value.get("coordinates")?;
    Some((c.get(0)?.as_f64()?, c.get(1)?.as_f64()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_numbers_of_binary_formats_are_read_in_the_files_locale() {
        let feature =
            |props: serde_json::Value| (props.as_object().unwrap().clone(), GeometryInput::Missing);
        let mut problems = Vec::new();
        let records = records_in_locale(
            vec![
                feature(serde_json::json!({"reference": "A-1", "area_stated_m2": "8.000"})),
                feature(serde_json::json!({"reference": "A-2", "grz": "0.75"})),
            ],
            &Mapping::default(),
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(records[0].fields["area_stated_m2"], 8);
        let mut problems = Vec::new();
        records_in_locale(
            vec![feature(
                serde_json::json!({"reference": "A-1", "area_stated_m2": "8.000"}),
            )],
            &Mapping::default(),
            &mut problems,
        );
        assert!(problems[0].problem.contains("8000 if"), "{problems:?}");
    }

    #[test]
    fn a_position_needs_both_numbers() {
        let file = crate::domain::import::csv::csv(
            "reference,lon,lat\nA-1,11.2,\nA-2,,\nA-3,11.2,53.4\n".as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert!(matches!(
            &file.records[0].geometry,
            GeometryInput::Unreadable(why) if why.contains("`lat`")
        ));
        assert_eq!(file.records[1].geometry, GeometryInput::Missing);
        assert_eq!(file.records[2].geometry, GeometryInput::Point(11.2, 53.4));
        let nan = geometry_input(Some(
            serde_json::json!({"type": "Point", "coordinates": [11.2]}),
        ));
        assert!(matches!(nan, GeometryInput::Unreadable(_)));
    }

    #[test]
    fn swapped_axes_are_refused_per_feature() {
        let mut records = vec![Record {
            feature: 0,
            line: None,
            fields: Map::new(),
            geometry: GeometryInput::Point(53.4, 11.2),
        }];
        refuse_swapped_axes(&mut records);
        assert!(matches!(
            &records[0].geometry,
            GeometryInput::Unreadable(why) if why.contains("swapped")
        ));
    }
}
