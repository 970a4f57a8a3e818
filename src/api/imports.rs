//! `POST /imports` (bulk import of GeoJSON or CSV) and `GET /plots/export` (the same schema
//! back), so that export → edit → import round-trips.
//!
//! An import is read whole (capped by `GWF_IMPORT_MAX_BYTES` and `GWF_IMPORT_MAX_FEATURES`),
//! checked feature by feature, and written in one transaction: all features or none. Plots are
//! matched by `reference`: a known reference updates that plot (recorded in its history), an
//! unchanged feature writes nothing, so importing the same file twice changes nothing.

use std::collections::{HashMap, HashSet};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Problem};
use super::extract::{
    is_json_media_type, media_essence, parse_json, read_body_capped, Caller, QueryParams,
};
use super::plots::plot_data_of;
use super::AppState;
use crate::db;
use crate::db::plots::{PlotRow, Via};
use crate::domain::access::{self, PlotAction};
use crate::domain::geometry::PlotGeometry;
use crate::domain::history::{diff, Snapshot};
use crate::domain::import::{self as schema, Column, ImportCrs};
use crate::domain::plot::{PlotData, INTERNAL_FIELDS};
use crate::domain::search::{OutputFormat, SearchParams};
use crate::domain::FieldError;

/// Query parameters of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check every feature and report, but write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// CRS of the coordinates: `EPSG:4326` (default), `EPSG:25832` or `EPSG:25833` (also as
    /// URN). A GeoJSON file may say the same in its `crs` member; the two must agree.
    #[param(example = "EPSG:25833")]
    pub crs: Option<String>,
    /// For files in another schema: `source:field` pairs, comma-separated, mapping their
    /// columns or properties onto import fields (before the built-in German names).
    #[param(example = "FL_NR:reference,BEZEICHNUNG:title_de,GEM_SCHL:municipality_ags")]
    pub map: Option<String>,
    /// Values for fields a plot has neither in the file nor in the database:
    /// `field:value` pairs, comma-separated, read like CSV cells.
    #[param(example = "status:verfügbar,offer:Kauf,bplan_status:rechtskräftig")]
    pub defaults: Option<String>,
}

/// What an import did, or (dry run, rejected) would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Every feature passed. A real run wrote all of them; otherwise none.
    pub valid: bool,
    /// `geojson` or `csv`.
    pub format: &'static str,
    /// CRS the coordinates were read in.
    pub crs: &'static str,
    /// Number of features (GeoJSON) or data rows (CSV).
    pub features: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Everything that stops the import, per feature and field.
    pub problems: Vec<ImportProblem>,
    /// Things worth knowing that do not stop it (ignored columns, placeholder outlines).
    pub warnings: Vec<ImportProblem>,
    /// One per valid feature, in file order.
    pub items: Vec<ImportItem>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportProblem {
    /// Index of the feature in `features` (GeoJSON) or of the data row (CSV), from 0.
    pub feature: Option<usize>,
    /// Line in the CSV file (the header is line 1).
    pub line: Option<usize>,
    pub reference: Option<String>,
    /// Field of the import schema, e.g. `grz` or `geometry`.
    pub field: Option<String>,
    pub problem: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportItem {
    pub feature: usize,
    pub reference: String,
    /// `create`, `update` or `unchanged`.
    pub action: &'static str,
    /// Plot id (absent in a dry run for new plots).
    pub id: Option<i64>,
    /// Version after the import.
    pub version: Option<i32>,
}

/// Geometry as the file gave it.
enum GeometryInput {
    GeoJson(String),
    Wkt(String),
    Point(f64, f64),
    Missing,
}

struct Record {
    feature: usize,
    line: Option<usize>,
    fields: Map<String, Value>,
    geometry: GeometryInput,
}

struct ParsedFile {
    format: &'static str,
    crs: Option<ImportCrs>,
    records: Vec<Record>,
    problems: Vec<ImportProblem>,
    warnings: Vec<ImportProblem>,
}

fn problem(
    feature: Option<usize>,
    line: Option<usize>,
    field: Option<&str>,
    text: impl Into<String>,
) -> ImportProblem {
    ImportProblem {
        feature,
        line,
        reference: None,
        field: field.map(str::to_owned),
        problem: text.into(),
    }
}

fn bad_file(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        detail: detail.into(),
        errors: Vec::new(),
    }
}

#[derive(Deserialize)]
struct FeatureCollectionIn {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    crs: Option<Value>,
    features: Vec<FeatureIn>,
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

fn parse_geojson(body: &[u8], mapping: &schema::Mapping) -> Result<ParsedFile, ApiError> {
    let collection: FeatureCollectionIn = serde_json::from_slice(body).map_err(|e| {
        bad_file(format!(
            "the body is not a GeoJSON FeatureCollection with `features`: {e}"
        ))
    })?;
    if collection.kind != "FeatureCollection" {
        return Err(bad_file(format!(
            "expected a FeatureCollection, got `{}`",
            collection.kind
        )));
    }
    // RFC 7946 dropped `crs`, but GDAL and QGIS still write the 2008 form for non-WGS 84 data.
    let crs = match &collection.crs {
        None | Some(Value::Null) => None,
        Some(member) => {
            let name = member
                .pointer("/properties/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Some(ImportCrs::parse(name).ok_or_else(|| {
                bad_file(format!(
                    "the file's crs `{name}` is not supported; use EPSG:4326, EPSG:25832 or EPSG:25833"
                ))
            })?)
        }
    };
    let mut records = Vec::with_capacity(collection.features.len());
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut unknown: HashSet<String> = HashSet::new();
    for (i, feature) in collection.features.into_iter().enumerate() {
        if feature.kind.as_deref() != Some("Feature") {
            problems.push(problem(Some(i), None, None, "not a GeoJSON Feature"));
            continue;
        }
        let properties = feature.properties.unwrap_or_default();
        for name in properties.keys() {
            if mapping.column(name) == Column::Unknown && unknown.insert(name.clone()) {
                warnings.push(problem(
                    None,
                    None,
                    Some(name),
                    "not a field of the import schema; ignored",
                ));
            }
        }
        let mapped = schema::map_record(properties, mapping);
        for (field, text) in mapped.problems {
            problems.push(problem(Some(i), None, Some(&field), text));
        }
        let geometry = match feature.geometry {
            Some(raw) if raw.get() != "null" => point_of(raw.get())
                .map(|(x, y)| GeometryInput::Point(x, y))
                .unwrap_or_else(|| GeometryInput::GeoJson(raw.get().to_owned())),
            _ => GeometryInput::Missing,
        };
        records.push(Record {
            feature: i,
            line: None,
            fields: mapped.fields,
            geometry,
        });
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
fn point_of(raw: &str) -> Option<(f64, f64)> {
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
            warnings.push(problem(
                None,
                None,
                None,
                "the file is not UTF-8; it was read as Windows-1252 (as Excel saves CSV)",
            ));
            body.iter().map(|&b| windows_1252(b)).collect()
        }
    }
}

fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

fn parse_csv_file(body: &[u8], mapping: &schema::Mapping) -> Result<ParsedFile, ApiError> {
    let mut warnings = Vec::new();
    let text = decode_text(body, &mut warnings);
    let rows = schema::parse_csv(&text).map_err(bad_file)?;
    let mut rows = rows.into_iter();
    let (_, header) = rows
        .next()
        .ok_or_else(|| bad_file("the CSV file is empty"))?;
    let mut columns = Vec::with_capacity(header.len());
    let mut seen = HashSet::new();
    for name in &header {
        let column = mapping.column(name);
        match &column {
            Column::Unknown if !name.trim().is_empty() => warnings.push(problem(
                None,
                Some(1),
                Some(name),
                "not a field of the import schema; ignored",
            )),
            Column::Field(field) if !seen.insert(*field) => {
                return Err(bad_file(format!(
                    "column `{name}` names `{field}` a second time"
                )))
            }
            _ => {}
        }
        columns.push((name.clone(), column));
    }
    if !seen.contains("reference") {
        return Err(bad_file(
            "the CSV header needs a `reference` column (or Referenz, Kennung): imports match plots by reference",
        ));
    }
    let has_geometry = seen.contains("wkt") || (seen.contains("lon") && seen.contains("lat"));
    if !has_geometry {
        warnings.push(problem(
            None,
            Some(1),
            Some("geometry"),
            "no `wkt` nor `lon`/`lat` columns: only existing plots can be updated",
        ));
    }
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (i, (line, cells)) in rows.enumerate() {
        if cells.len() != header.len() {
            problems.push(problem(
                Some(i),
                Some(line),
                None,
                format!("{} cells, but the header has {}", cells.len(), header.len()),
            ));
            continue;
        }
        let mapped = schema::map_record(
            columns
                .iter()
                .zip(cells)
                .filter(|((_, c), _)| matches!(c, Column::Field(_)))
                .map(|((name, _), cell)| (name.clone(), Value::String(cell))),
            mapping,
        );
        for (field, text) in mapped.problems {
            problems.push(problem(Some(i), Some(line), Some(&field), text));
        }
        let mut fields = mapped.fields;
        let wkt = fields.remove("wkt");
        let lon = fields.remove("lon");
        let lat = fields.remove("lat");
        let geometry = match (wkt, lon, lat) {
            (Some(Value::String(w)), _, _) => GeometryInput::Wkt(w),
            (_, Some(lon), Some(lat)) if lon.is_f64() || lon.is_i64() => GeometryInput::Point(
                lon.as_f64().unwrap_or_default(),
                lat.as_f64().unwrap_or_default(),
            ),
            _ => GeometryInput::Missing,
        };
        records.push(Record {
            feature: i,
            line: Some(line),
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

/// Import plots
///
/// A GeoJSON FeatureCollection (`application/geo+json` or `application/json`) whose feature
/// properties are plot fields, or CSV (`text/csv`, `,` `;` or tab separated, UTF-8 or
/// Windows-1252) with one plot per row and its outline in a `wkt` column (or a position in
/// `lon`/`lat`). Field names are those of `PlotData`; instead of ids, `municipality_ags` and
/// `estate_name` may be given; German column names and values (`Gemeindeschlüssel`,
/// `Fläche (m²)`, `Status: verfügbar`, `ja`/`nein`, `0,8`, `31.03.2026`) are understood. The
/// README lists the schema.
///
/// Plots are matched by `reference`: new references create drafts (or published plots if
/// `published` is true), known ones are updated (fields missing from the file keep their
/// values; empty cells clear them), identical ones stay untouched. An optional `version` column
/// makes an update conditional, as `If-Match` does. Coordinates in EPSG:25832/25833 are
/// transformed by PostGIS. A row with only a position gets a square placeholder outline of
/// its `area_stated_m2` (or keeps its outline if the position lies in it).
///
/// All or nothing: if any feature has a problem, nothing is written and the answer is 422 with
/// the report. `dry_run=true` checks and reports without writing. Editors import into their
/// own municipalities only.
#[utoipa::path(
    post,
    path = "/imports",
    tag = "imports",
    params(ImportParams),
    request_body(content(
        (Object = "application/geo+json"),
        (String = "text/csv"),
    ), description = "GeoJSON FeatureCollection or CSV in the import schema"),
    responses(
        (status = 200, description = "Imported (or, dry run, checked)", body = ImportReport),
        (status = 400, description = "Not a FeatureCollection or CSV, unknown CRS, bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot import", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File over GWF_IMPORT_MAX_BYTES or too many features", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither GeoJSON nor CSV", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some features are invalid; nothing was written; `report` lists every problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn import_plots(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<ImportParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.require_account()?;
    if principal.role == access::Role::Viewer {
        return Err(ApiError::Forbidden("viewers cannot import".into()));
    }
    let crs_param = match params.crs.as_deref() {
        None => None,
        Some(name) => Some(ImportCrs::parse(name).ok_or_else(|| {
            ApiError::bad_parameter("crs", "use EPSG:4326, EPSG:25832 or EPSG:25833")
        })?),
    };
    let mapping = schema::Mapping::parse(params.map.as_deref(), params.defaults.as_deref())
        .map_err(|(name, detail)| ApiError::bad_parameter(&name, detail))?;
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let is_csv = matches!(
        media_essence(&mime).as_str(),
        "text/csv" | "application/csv"
    );
    if !is_csv && !is_json_media_type(&mime) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "an import is application/geo+json or text/csv, not `{mime}`"
        )));
    }
    let limit = state.settings.import_max_bytes;
    let mut payload = payload.into_inner();
    let body = read_body_capped(&req, &mut payload, limit).await?;
    let mut file = if is_csv {
        parse_csv_file(&body, &mapping)?
    } else {
        parse_geojson(&body, &mapping)?
    };
    drop(body);
    let max = state.settings.import_max_features;
    if file.records.len() > max {
        return Err(ApiError::BadRequest {
            detail: format!(
                "{} features; an import takes at most {max} (GWF_IMPORT_MAX_FEATURES): split the file",
                file.records.len()
            ),
            errors: Vec::new(),
        });
    }
    let crs = match (crs_param, file.crs) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::bad_parameter(
                "crs",
                format!("the file says {} but crs says {}", b.name(), a.name()),
            ))
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => ImportCrs::Wgs84,
    };
    file.crs = Some(crs);
    let actor = caller.actor(Via::Import);
    let mut conn = state.pool.get().await?;
    let dry_run = params.dry_run;
    let report = conn
        .transaction(async |conn| {
            run(conn, &caller, file, crs, &mapping.defaults, dry_run, &actor).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Everything after parsing, inside the import's transaction.
async fn run(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    file: ParsedFile,
    crs: ImportCrs,
    defaults: &[(&'static str, Value)],
    dry_run: bool,
    actor: &db::plots::Actor,
) -> Result<ImportReport, ApiError> {
    let ParsedFile {
        format,
        records,
        mut problems,
        mut warnings,
        ..
    } = file;
    let total = records.len();

    // Coordinates: PostGIS reads WKT and transforms UTM; plain GeoJSON in WGS 84 needs neither.
    let mut inputs: Vec<(String, bool)> = Vec::new();
    let mut slot: Vec<Option<usize>> = Vec::with_capacity(records.len());
    for r in &records {
        let input = match &r.geometry {
            GeometryInput::GeoJson(g) if crs != ImportCrs::Wgs84 => Some((g.clone(), false)),
            GeometryInput::Wkt(w) => Some((w.clone(), true)),
            GeometryInput::Point(x, y) if crs != ImportCrs::Wgs84 => {
                Some((format!("POINT({x} {y})"), true))
            }
            _ => None,
        };
        slot.push(input.map(|i| {
            inputs.push(i);
            inputs.len() - 1
        }));
    }
    let transformed = db::imports::to_wgs84(conn, &inputs, crs.srid()).await?;
    drop(inputs);

    let municipalities: HashMap<String, i64> = db::imports::municipalities(conn)
        .await?
        .into_iter()
        .map(|(id, ags)| (ags, id))
        .collect();
    let estates: HashMap<(i64, String), i64> = db::imports::estates(conn)
        .await?
        .into_iter()
        .map(|(id, m, name)| ((m, name.to_lowercase()), id))
        .collect();
    let references: Vec<String> = records
        .iter()
        .filter_map(|r| r.fields.get("reference").and_then(Value::as_str))
        .map(|r| r.trim().to_ascii_uppercase())
        .collect();
    let existing: HashMap<String, PlotRow> = db::search::lock_by_references(conn, &references)
        .await?
        .into_iter()
        .map(|row| (row.reference.clone(), row))
        .collect();

    let today = Utc::now().date_naive();
    let mut seen: HashSet<String> = HashSet::new();
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    let mut items = Vec::with_capacity(records.len());
    for (record, slot) in records.into_iter().zip(slot) {
        let at = |field: Option<&str>, text: String| ImportProblem {
            feature: Some(record.feature),
            line: record.line,
            reference: record
                .fields
                .get("reference")
                .and_then(Value::as_str)
                .map(str::to_owned),
            field: field.map(str::to_owned),
            problem: text,
        };
        let mut mine = Vec::new();
        let Some(reference) = record
            .fields
            .get("reference")
            .and_then(Value::as_str)
            .map(|r| r.trim().to_ascii_uppercase())
        else {
            problems.push(at(
                Some("reference"),
                "required: imports match plots by reference".into(),
            ));
            continue;
        };
        if !seen.insert(reference.clone()) {
            problems.push(at(
                Some("reference"),
                "appears earlier in the file already".into(),
            ));
            continue;
        }
        let current = existing.get(&reference);
        if current.is_some_and(|row| row.deleted_at.is_some()) {
            problems.push(at(
                Some("reference"),
                format!("plot {reference} was deleted; an admin can restore it before it is imported again"),
            ));
            continue;
        }

        // The plot as stored (an update keeps what the file leaves out), overlaid with the file.
        let stored = current.map(plot_data_of);
        let mut document: Map<String, Value> = match stored.as_ref().map(serde_json::to_value) {
            Some(Ok(Value::Object(m))) => m,
            _ => Map::new(),
        };
        let mut fields = record.fields.clone();
        fields.insert("reference".into(), Value::String(reference.clone()));
        // Hectares, as many data sets give areas. Units: ha → m².
        if let Some(ha) = fields.remove("area_stated_ha").and_then(|v| v.as_f64()) {
            if fields.get("area_stated_m2").is_none_or(|v| v.is_null()) {
                fields.insert(
                    "area_stated_m2".into(),
                    ((ha * 10_000.0).round() as i64).into(),
                );
            }
        }
        for (field, value) in defaults {
            let stored_as = match *field {
                "municipality_ags" => "municipality_id",
                "estate_name" => "estate_id",
                other => other,
            };
            let in_file = fields.get(*field).is_some_and(|v| !v.is_null());
            let in_store = document.get(stored_as).is_some_and(|v| !v.is_null());
            if !in_file && !in_store {
                fields.insert((*field).to_owned(), value.clone());
            }
        }
        let expected_version = fields.remove("version").and_then(|v| v.as_i64());
        if let Some(ags) = fields.remove("municipality_ags") {
            match ags.as_str().map(str::trim) {
                Some(ags) => match municipalities.get(ags) {
                    Some(id) => {
                        let given = fields.get("municipality_id").and_then(Value::as_i64);
                        if given.is_some_and(|g| g != *id) {
                            mine.push(at(
                                Some("municipality_ags"),
                                "names another municipality than municipality_id".into(),
                            ));
                        }
                        fields.insert("municipality_id".into(), (*id).into());
                    }
                    None => mine.push(at(
                        Some("municipality_ags"),
                        format!("no municipality with AGS {ags}"),
                    )),
                },
                None => mine.push(at(Some("municipality_ags"), "must not be empty".into())),
            }
        }
        let estate_name = fields.get("estate_name").cloned();
        for (key, value) in fields {
            if value.is_null() {
                document.remove(&key);
            } else if key != "estate_name" {
                document.insert(key, value);
            }
        }
        if let Some(name) = &estate_name {
            let municipality = document.get("municipality_id").and_then(Value::as_i64);
            match (name.as_str(), municipality) {
                (None, _) => {
                    document.remove("estate_id");
                }
                (Some(name), Some(m)) => match estates.get(&(m, name.trim().to_lowercase())) {
                    Some(id) => {
                        document.insert("estate_id".into(), (*id).into());
                    }
                    None => mine.push(at(
                        Some("estate_name"),
                        format!("no estate `{name}` in municipality {m}"),
                    )),
                },
                (Some(_), None) => {}
            }
        }

        let geometry = match (&record.geometry, slot) {
            (_, Some(i)) => match &transformed[i] {
                Ok(g) => match serde_json::from_str::<Value>(g) {
                    Ok(v) if v.get("type").and_then(Value::as_str) == Some("Point") => {
                        let c = v.get("coordinates");
                        let lon = c.and_then(|c| c.get(0)).and_then(Value::as_f64);
                        let lat = c.and_then(|c| c.get(1)).and_then(Value::as_f64);
                        match (lon, lat) {
                            (Some(lon), Some(lat)) => Some(GeometryInput::Point(lon, lat)),
                            _ => None,
                        }
                    }
                    Ok(v) => Some(GeometryInput::GeoJson(v.to_string())),
                    Err(_) => None,
                },
                Err(e) => {
                    mine.push(at(
                        Some("geometry"),
                        format!("cannot be read in {}: {e}", crs.name()),
                    ));
                    None
                }
            },
            (GeometryInput::GeoJson(g), None) => Some(GeometryInput::GeoJson(g.clone())),
            (GeometryInput::Point(x, y), None) => Some(GeometryInput::Point(*x, *y)),
            _ => None,
        };
        match geometry {
            Some(GeometryInput::GeoJson(g)) => match serde_json::from_str::<Value>(&g) {
                Ok(v) => {
                    document.insert("geometry".into(), v);
                }
                Err(e) => mine.push(at(Some("geometry"), format!("not JSON: {e}"))),
            },
            Some(GeometryInput::Point(lon, lat)) => {
                let inside = current
                    .and_then(|row| row.geometry_geojson.as_deref())
                    .and_then(|g| serde_json::from_str::<Value>(g).ok())
                    .and_then(|g| PlotGeometry::from_geojson_value(&g, "").ok())
                    .is_some_and(|g| {
                        use geo::Contains;
                        g.shape().contains(&geo::Point::new(lon, lat))
                    });
                if !inside {
                    match document.get("area_stated_m2").and_then(Value::as_f64) {
                        Some(area) if area > 0.0 => {
                            document.insert("geometry".into(), schema::square_around(lon, lat, area));
                            warnings.push(at(
                                Some("geometry"),
                                "only a position: the outline is a square of area_stated_m2 around it; replace it with the surveyed outline".into(),
                            ));
                        }
                        _ => mine.push(at(
                            Some("geometry"),
                            "a position alone needs area_stated_m2 to outline the plot; better give `wkt`".into(),
                        )),
                    }
                }
            }
            Some(GeometryInput::Wkt(_)) | Some(GeometryInput::Missing) | None => {
                if current.is_none() && !mine.iter().any(|p| p.field.as_deref() == Some("geometry"))
                {
                    mine.push(at(Some("geometry"), "a new plot needs an outline".into()));
                }
            }
        }
        if !mine.is_empty() {
            problems.extend(mine);
            continue;
        }

        let bytes = serde_json::to_vec(&document).map_err(ApiError::internal)?;
        let data: PlotData = match parse_json(&bytes) {
            Ok(d) => d,
            Err(ApiError::Validation(errors)) | Err(ApiError::BadRequest { errors, .. }) => {
                problems.extend(
                    errors
                        .iter()
                        .map(|e| at(Some(field_of(&e.pointer)), e.detail.clone())),
                );
                continue;
            }
            Err(other) => return Err(other),
        };
        let action = match current {
            None => PlotAction::Create {
                target: data.municipality_id,
            },
            Some(row) => PlotAction::Update {
                current: row.municipality_id,
                target: data.municipality_id,
            },
        };
        if let Err(denied) = access::authorize(caller.principal(), action) {
            let text = match denied {
                access::Denied::Forbidden(why) => why,
                access::Denied::Unauthenticated => "needs an account".into(),
            };
            problems.push(at(Some("municipality_id"), text));
            continue;
        }
        if let (Some(expected), Some(row)) = (expected_version, current) {
            if expected != i64::from(row.version) {
                problems.push(at(
                    Some("version"),
                    format!(
                        "the plot changed since version {expected} (now {}): export it again",
                        row.version
                    ),
                ));
                continue;
            }
        }
        let plot = match data.validate(today) {
            Ok(p) => p,
            Err(errors) => {
                problems.extend(
                    errors
                        .iter()
                        .map(|e| at(Some(field_of(&e.pointer)), e.detail.clone())),
                );
                continue;
            }
        };
        let after = Snapshot::of_valid(&plot);
        let before = stored
            .as_ref()
            .zip(current)
            .map(|(data, row)| Snapshot::new(data, row.area_geodesic_m2));
        let changes = diff(before.as_ref(), &after);
        // Written as it goes, so memory does not grow with the file: the transaction makes it
        // all or nothing, and after the first problem only checking continues.
        let write = !dry_run && problems.is_empty();
        let (action, id, version) = match current {
            None => {
                created += 1;
                let id = if write {
                    Some(
                        db::plots::insert(conn, &plot, false, actor, &Value::Array(changes))
                            .await?,
                    )
                } else {
                    None
                };
                ("create", id, id.map(|_| 1))
            }
            Some(row) if changes.is_empty() => {
                unchanged += 1;
                ("unchanged", Some(row.id), Some(row.version))
            }
            Some(row) => {
                updated += 1;
                let version = if write {
                    db::plots::update(conn, row.id, &plot, actor, &Value::Array(changes)).await?
                } else {
                    row.version + 1
                };
                ("update", Some(row.id), Some(version))
            }
        };
        items.push(ImportItem {
            feature: record.feature,
            reference,
            action,
            id,
            version,
        });
    }

    let valid = problems.is_empty();
    let report = ImportReport {
        dry_run,
        valid,
        format,
        crs: crs.name(),
        features: total,
        created,
        updated,
        unchanged,
        problems,
        warnings,
        items,
    };
    if !valid && !dry_run {
        let errors = report
            .problems
            .iter()
            .map(|p| {
                FieldError::new(
                    format!(
                        "/features/{}/{}",
                        p.feature.map(|f| f.to_string()).unwrap_or_default(),
                        p.field.clone().unwrap_or_default()
                    ),
                    p.problem.clone(),
                )
            })
            .collect();
        let detail = format!(
            "{} problems in {} of {} features; nothing was imported (see `report`)",
            report.problems.len(),
            report
                .problems
                .iter()
                .filter_map(|p| p.feature)
                .collect::<HashSet<_>>()
                .len(),
            total
        );
        // Returning an error rolls back what was written before the first problem.
        return Err(ApiError::ImportRejected {
            detail,
            errors,
            report: serde_json::to_value(&report).map_err(ApiError::internal)?,
        });
    }
    Ok(report)
}

/// The import-schema field a `PlotData` pointer names: `/geometry/coordinates/0` → `geometry`.
fn field_of(pointer: &str) -> &str {
    pointer
        .trim_start_matches('/')
        .split('/')
        .next()
        .filter(|f| !f.is_empty())
        .unwrap_or("feature")
}

/// Export plots for staff
///
/// The plots matching the filters of `GET /plots` (drafts included for staff), in the import
/// schema: `f=geojson` (default) gives a FeatureCollection, `f=csv` or `f=csv-excel` a CSV with
/// the outline as WKT. Municipalities appear as `municipality_ags`, estates as `estate_name`,
/// and `version` makes a re-import conditional. Edit and import it again with `POST /imports`.
#[utoipa::path(
    get,
    path = "/plots/export",
    tag = "imports",
    params(SearchParams),
    responses(
        (status = 200, description = "The plots in the import schema", content(
            (Object = "application/geo+json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn export_plots(
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require_account()?;
    let mut query = params.into_query(None).map_err(super::search::bad_params)?;
    let format = query.format.unwrap_or(OutputFormat::GeoJson);
    if format == OutputFormat::Json {
        return Err(ApiError::bad_parameter(
            "f",
            "an export is geojson, csv or csv-excel",
        ));
    }
    query.geometry_form = crate::domain::search::GeometryForm::Full;
    query.fields = None;
    query.cursor = None;
    let visibility = super::search::visibility_for(&caller, &query)?;
    let scope = caller.scope();
    let mut conn = state.pool.get().await?;
    let ags: HashMap<i64, String> = db::imports::municipalities(&mut conn)
        .await?
        .into_iter()
        .collect();
    let mut records: Vec<(Map<String, Value>, Value)> = Vec::new();
    loop {
        let (hits, next) = db::search::page(&mut conn, &query, &visibility, 1000).await?;
        for hit in hits {
            let row = hit.row;
            let internal = scope.internal(row.municipality_id);
            let Ok(Value::Object(mut properties)) = serde_json::to_value(plot_data_of(&row)) else {
                continue;
            };
            let geometry = properties.remove("geometry").unwrap_or(Value::Null);
            properties.remove("municipality_id");
            properties.remove("estate_id");
            if !internal {
                for secret in INTERNAL_FIELDS {
                    properties.remove(*secret);
                }
            }
            properties.insert(
                "municipality_ags".into(),
                ags.get(&row.municipality_id).cloned().into(),
            );
            properties.insert("estate_name".into(), row.estate_name.clone().into());
            properties.insert("version".into(), row.version.into());
            records.push((properties, geometry));
        }
        match next {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    match format {
        OutputFormat::GeoJson | OutputFormat::Json => {
            let features: Vec<Value> = records
                .into_iter()
                .map(|(properties, geometry)| {
                    serde_json::json!({"type": "Feature", "geometry": geometry, "properties": properties})
                })
                .collect();
            Ok(HttpResponse::Ok()
                .content_type(super::extract::GEOJSON)
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"plots-export.geojson\"",
                ))
                .json(serde_json::json!({"type": "FeatureCollection", "features": features})))
        }
        OutputFormat::Csv | OutputFormat::CsvExcel => {
            let dialect = if format == OutputFormat::CsvExcel {
                super::csv::CsvDialect::ExcelGerman
            } else {
                super::csv::CsvDialect::Rfc4180
            };
            let mut columns: Vec<String> = Vec::new();
            for (properties, _) in &records {
                for key in properties.keys() {
                    if !columns.contains(key) {
                        columns.push(key.clone());
                    }
                }
            }
            columns.push("wkt".into());
            let writer = super::csv::CsvWriter::new(dialect, columns);
            let mut out = Vec::new();
            writer.header(&mut out);
            for (mut properties, geometry) in records {
                properties.insert("wkt".into(), schema::wkt_of(&geometry).into());
                writer.record(&Value::Object(properties), &mut out);
            }
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"plots-export.csv\"",
                ))
                .body(out))
        }
    }
}
