//! Reading an import file into records of the import schema: a GeoJSON FeatureCollection, or CSV
//! (`,`, `;` or tab separated, quoted as RFC 4180, UTF-8 or Windows-1252 as German Excel saves
//! it). A failure of the whole file is an `Err` with the reason; a failure of one feature or
//! field is a problem in the result, so a report can list them all.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::bounds::{capped_features, Budget};
use super::formula;
use super::numbers::{Decimal, Evidence};
use super::report::ImportProblem;
use super::schema::{map_record, Column, Mapping, Target};
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

fn ignored(name: &str, line: Option<usize>) -> ImportProblem {
    ImportProblem::new(
        None,
        line,
        Some(name),
        "not a field of the import schema; ignored",
    )
}

fn shadowed(name: &str, field: &str, line: Option<usize>) -> ImportProblem {
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
fn position(x: Option<&Value>, y: Option<&Value>, what: &str) -> GeometryInput {
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

/// CSV in UTF-8, or in Windows-1252 as German Excel saves it.
fn decode_text(body: &[u8], warnings: &mut Vec<ImportProblem>) -> String {
    match std::str::from_utf8(body) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            warnings.push(ImportProblem::new(
                None,
                None,
                None,
                "the file is not UTF-8; it was read as Windows-1252 (as Excel saves CSV)",
            ));
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(body)
                .0
                .into_owned()
        }
    }
}

/// What each header cell means; refuses a header that names a field twice or has no
/// reference, and warns about what it ignores.
fn header_columns(
    header: &csv::StringRecord,
    mapping: &Mapping,
    warnings: &mut Vec<ImportProblem>,
) -> Result<Vec<(String, Column)>, String> {
    let mut columns = Vec::with_capacity(header.len());
    let mut seen = HashSet::new();
    for name in header.iter() {
        let column = mapping.column(name);
        match &column {
            Column::Unknown if !name.trim().is_empty() => warnings.push(ignored(name, Some(1))),
            Column::Shadowed(field) => warnings.push(shadowed(name, field, Some(1))),
            Column::Field(field) if !seen.insert(*field) => {
                return Err(format!("column `{name}` names `{field}` a second time"))
            }
            _ => {}
        }
        columns.push((name.to_owned(), column));
    }
    let target = mapping.target();
    if !seen.contains(target.key()) {
        return Err(match target {
            Target::Plots => "the CSV header needs a `reference` column (or Referenz, Kennung): imports match plots by reference".into(),
            Target::Estates => "the CSV header needs a `name` column (or Name, Bezeichnung, Gewerbegebiet): imports match estates by municipality and name".into(),
        });
    }
    let has_geometry = seen.contains("wkt") || (seen.contains("lon") && seen.contains("lat"));
    if !has_geometry {
        warnings.push(ImportProblem::new(
            None,
            Some(1),
            Some("geometry"),
            match target {
                Target::Plots => {
                    "no `wkt` nor `lon`/`lat` columns: only existing plots can be updated"
                }
                Target::Estates => "no `wkt` column: outlines stay as they are",
            },
        ));
    }
    Ok(columns)
}

pub fn csv(body: &[u8], mapping: &Mapping) -> Result<ParsedFile, String> {
    csv_bounded(body, mapping, &mut Budget::unbounded())
}

/// CSV, refused at its first data row over the budget's cap.
pub fn csv_bounded(
    body: &[u8],
    mapping: &Mapping,
    budget: &mut Budget,
) -> Result<ParsedFile, String> {
    let mut warnings = Vec::new();
    let text = decode_text(body, &mut warnings);
    let text = text.trim_start_matches('\u{feff}');
    // The separator German Excel, English spreadsheets or a database dump chose: the one the
    // header line has most of.
    let header_line = text.lines().next().unwrap_or_default();
    let separator = [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|s| header_line.bytes().filter(|b| b == s).count())
        .unwrap_or(b',');
    let open = || {
        csv::ReaderBuilder::new()
            .delimiter(separator)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
    };
    let mut reader = open();
    let mut rows = reader.records();
    let header = match rows.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => return Err(format!("the CSV header cannot be read: {e}")),
        None => return Err("the CSV file is empty".into()),
    };
    let columns = header_columns(&header, mapping, &mut warnings)?;
    let mapping = &mapping.with_decimal(decimal_of(
        open(),
        &header,
        mapping,
        Decimal::of_separator(separator),
    ));
    let mut records = Vec::new();
    let mut problems = Vec::new();
    let mut lines = LineCounter::default();
    for (i, row) in rows.enumerate() {
        budget.feature(i)?;
        let row = row.map_err(|e| format!("the CSV file cannot be read: {e}"))?;
        let line = row
            .position()
            .map(|p| lines.line_at(text.as_bytes(), p.byte() as usize));
        if row.len() != header.len() {
            problems.push(ImportProblem::new(
                Some(i),
                line,
                None,
                format!("{} cells, but the header has {}", row.len(), header.len()),
            ));
            continue;
        }
        let mapped = map_record(
            columns
                .iter()
                .zip(row.iter())
                .filter(|((_, c), _)| matches!(c, Column::Field(_)))
                .map(|((name, _), cell)| {
                    (name.clone(), Value::String(formula::undo(cell).to_owned()))
                }),
            mapping,
        );
        for (field, text) in mapped.problems {
            problems.push(ImportProblem::new(Some(i), line, Some(&field), text));
        }
        let mut fields = mapped.fields;
        let wkt = fields.remove("wkt");
        let lon = fields.remove("lon").filter(|v| !v.is_null());
        let lat = fields.remove("lat").filter(|v| !v.is_null());
        let geometry = match (wkt, lon, lat) {
            (Some(Value::String(w)), _, _) => GeometryInput::Wkt(w),
            (_, None, None) => GeometryInput::Missing,
            (_, lon, lat) => position(lon.as_ref(), lat.as_ref(), "`lon` and `lat`"),
        };
        records.push(Record {
            feature: i,
            line,
            fields,
            geometry,
        });
    }
    Ok(ParsedFile {
        format: "csv",
        crs: None,
        records,
        problems,
        warnings,
    })
}

/// The decimal separator of a CSV file: what its numeric cells reveal, else what its separator
/// implies (a first pass over the rows, which are in memory already).
fn decimal_of(
    mut reader: csv::Reader<&[u8]>,
    header: &csv::StringRecord,
    mapping: &Mapping,
    implied: Decimal,
) -> Decimal {
    let numeric: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, name)| mapping.reveals_locale(name))
        .map(|(i, _)| i)
        .collect();
    let mut evidence = Evidence::default();
    for row in reader.records().skip(1).flatten() {
        for &i in &numeric {
            if let Some(cell) = row.get(i) {
                evidence.see(formula::undo(cell));
            }
        }
    }
    evidence.decimal(implied)
}

/// Line numbers of records from their byte offsets. The `csv` crate's own line count runs
/// behind after a CRLF, and its offsets point at the terminator before a record: blank lines
/// and terminators are skipped here. Counts forward only, so a whole file costs one pass.
#[derive(Default)]
struct LineCounter {
    byte: usize,
    newlines: usize,
}

impl LineCounter {
    fn line_at(&mut self, text: &[u8], mut byte: usize) -> usize {
        while matches!(text.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        if byte >= self.byte {
            self.newlines += text[self.byte..byte.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.byte = byte;
        }
        self.newlines + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_quotes_semicolons_bom_and_blank_lines() {
        let file = csv(
            "\u{feff}reference;title_de;farbe\r\nA-1;\"x;\"\"y\"\"\";\r\n\r\nA-2;\"multi\nline\";z"
                .as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert_eq!(file.records.len(), 2);
        assert_eq!(file.records[0].fields["title_de"], "x;\"y\"");
        assert_eq!(file.records[0].line, Some(2));
        assert_eq!(file.records[1].fields["title_de"], "multi\nline");
        assert_eq!(file.records[1].line, Some(4));
        assert!(file
            .warnings
            .iter()
            .any(|w| w.field.as_deref() == Some("farbe")));
    }

    #[test]
    fn numbers_are_read_in_the_files_locale() {
        let area =
            |file: &ParsedFile, i: usize| file.records[i].fields.get("area_stated_m2").cloned();
        // German Excel: `;`, thousands points.
        let file = csv(
            "Referenz;Fläche (m²)\nA-1;8.000\nA-2;1.234\n".as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert_eq!(area(&file, 0), Some(serde_json::json!(8000)));
        assert!(file.problems.is_empty());
        // A `,` file that says nothing else: refused with both readings.
        let file = csv(
            "reference,area_stated_m2\nA-1,8.000\n".as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert!(file.problems[0]
            .problem
            .contains("8000 if `.` groups thousands, 8 if"));
        // ... unless another cell shows the point is the decimal one.
        let file = csv(
            "reference,area_stated_m2,grz\nA-1,8.000,0.75\n".as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        assert_eq!(area(&file, 0), Some(serde_json::json!(8)));
        // ... or a column the import skips, as the service's own exports write them.
        let file = csv(
            "reference,area_stated_m2,centroid_lon\nA-1,8.000,11.234567\n".as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        assert_eq!(area(&file, 0), Some(serde_json::json!(8)));
        // A `;` file whose cells use points for decimals.
        let file = csv(
            "reference;area_stated_m2;grz\nA-1;\"8,000\";0.75\n".as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert_eq!(area(&file, 0), Some(serde_json::json!(8000)));
    }

    #[test]
    fn a_position_needs_both_numbers() {
        let file = csv(
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

    #[test]
    fn a_mapped_column_shadows_the_one_of_the_same_name() {
        let mapping = Mapping::parse(Some("STAT:status"), None, &[]).unwrap();
        let file = csv("reference;status;STAT\nA-1;;frei\n".as_bytes(), &mapping).unwrap();
        assert_eq!(file.records[0].fields["status"], "available");
        assert!(file
            .warnings
            .iter()
            .any(|w| w.problem.contains("`?map=` gives `status`")));
    }

    #[test]
    fn windows_1252_is_read_with_a_warning() {
        let file = csv(
            b"reference,title_de\nA-1,Gro\xdfe Fl\xe4che\n",
            &Mapping::default(),
        )
        .unwrap();
        assert_eq!(file.records[0].fields["title_de"], "Große Fläche");
        assert_eq!(file.warnings.len(), 2, "not UTF-8, and no geometry columns");
    }
}
