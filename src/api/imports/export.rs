//! `GET /plots/export`: the plots in the import schema, for staff to edit and import again.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::{Map, Value};

use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{off_worker, Caller, QueryParams};
use crate::api::plots::csv::{CsvDialect, CsvWriter};
use crate::api::plots::params::SearchParams;
use crate::api::AppState;
use crate::db;
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::geometry::{wkt_of, GeometryLimits, PlotGeometry};
use crate::domain::import::german;
use crate::domain::plot::members;
use crate::domain::search::{GeometryForm, OutputFormat, PlotQuery};

/// Export plots for staff
///
/// The plots matching the filters of `GET /plots` (drafts included for staff), in the import
/// schema: `f=geojson` (default) gives a FeatureCollection, `f=gpkg` a GeoPackage (layer
/// `plots`, EPSG:4326) for QGIS (`gpkg` is missing from the pattern of `f`, which is shared
/// with `GET /plots`, where it is refused), `f=csv` a CSV with the outline as WKT, `f=csv-excel` the same for German Excel: German column names and values (`Referenz`,
/// `Status` `verfügbar`, `ja`/`nein`, `31.03.2026`, decimal commas), `;`, UTF-8 with BOM.
/// Municipalities appear as `municipality_ags` (with `municipality_name` beside it), estates as
/// `estate_name`, and `version` makes a re-import conditional; CSV adds the centroid
/// (`centroid_lon`, `centroid_lat`). Edit and import it again with `POST /imports`: the columns
/// for people to read are skipped, and an unedited export changes nothing.
#[utoipa::path(
    get,
    path = "/plots/export",
    tag = "imports",
    params(SearchParams),
    responses(
        (status = 200, description = "The plots in the import schema", content(
            (Object = "application/geo+json"),
            (String = "text/csv"),
            (super::BinaryFile = "application/geopackage+sqlite3"),
        )),
        (status = 400, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
        r::NeedsToken,
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn export_plots(
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(mut params): QueryParams<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff_read()?;
    // `gpkg` is the export's own format, not one `GET /plots` answers in.
    let gpkg = params.f.as_deref() == Some("gpkg");
    if gpkg {
        params.f = None;
    }
    let mut query = params.into_query(None).map_err(ApiError::bad_params)?;
    crate::api::plots::filters::fresh_since(&mut query, state.settings.stale_after_days);
    let format = query.format.unwrap_or(OutputFormat::GeoJson);
    if format == OutputFormat::Json {
        return Err(ApiError::bad_parameter(
            "f",
            "an export is geojson, csv, csv-excel or gpkg",
        ));
    }
    query.geometry_form = GeometryForm::Full;
    query.fields = None;
    query.cursor = None;
    let set = caller.plot_set_for(&query)?;
    let mut conn = state.pool.get().await?;
    crate::api::plots::filters::settle(&mut conn, &mut query, &set).await?;
    let records = records(&mut conn, query, &set, &caller.scope()).await?;
    drop(conn);
    let count = records.len();
    // Centroids, WKT and serialisation cost CPU per plot: off the async workers.
    let file = off_worker(state.settings.cpu_timeout, move || match (gpkg, format) {
        (true, _) => super::gpkg::write(&records).map(|body| ExportFile {
            content_type: "application/geopackage+sqlite3",
            extension: "gpkg",
            body,
        }),
        (false, OutputFormat::Csv) => Ok(csv(records, CsvDialect::Rfc4180)),
        (false, OutputFormat::CsvExcel) => Ok(csv(records, CsvDialect::ExcelGerman)),
        (false, OutputFormat::CsvExcelEnglish) => Ok(csv(records, CsvDialect::ExcelEnglish)),
        (false, OutputFormat::GeoJson | OutputFormat::Json) => geojson(records),
    })
    .await?
    .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    if count >= super::LARGE_IMPORT {
        crate::memory::release_free_memory_soon();
    }
    Ok(HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"plots-export.{}\"", file.extension),
        ))
        .body(file.body))
}

/// An export's bytes and what to call them.
struct ExportFile {
    content_type: &'static str,
    extension: &'static str,
    body: Vec<u8>,
}

/// Every matching plot in the import schema (properties, geometry): municipalities by AGS,
/// estates by name, `version` for a conditional re-import, internal facts where the reader
/// may see them.
async fn records(
    conn: &mut diesel_async::AsyncPgConnection,
    mut query: PlotQuery,
    set: &PlotSet,
    scope: &ReadScope,
) -> Result<Vec<(Map<String, Value>, Value)>, ApiError> {
    let towns: HashMap<i64, (String, String)> = db::imports::municipalities(conn)
        .await?
        .into_iter()
        .map(|(id, ags, name)| (id, (ags, name)))
        .collect();
    let mut records = Vec::new();
    loop {
        let (hits, next) = db::search::page(conn, &query, set, 1000).await?;
        for hit in hits {
            let row = hit.row;
            let mut properties = row.to_data(hit.geometry.as_deref()).to_object();
            let geometry = properties.remove("geometry").unwrap_or(Value::Null);
            properties.remove("municipality_id");
            properties.remove("estate_id");
            if !scope.internal(row.facts.municipality_id) {
                for secret in members().internal() {
                    properties.remove(secret);
                }
            }
            let town = towns.get(&row.facts.municipality_id);
            properties.insert(
                "municipality_ags".into(),
                town.map(|(ags, _)| ags.clone()).into(),
            );
            properties.insert(
                "municipality_name".into(),
                town.map(|(_, name)| name.clone()).into(),
            );
            properties.insert("estate_name".into(), row.estate_name.clone().into());
            properties.insert("version".into(), row.version.into());
            records.push((properties, geometry));
        }
        match next {
            Some(cursor) => query.cursor = Some(cursor),
            None => return Ok(records),
        }
    }
}

fn geojson(records: Vec<(Map<String, Value>, Value)>) -> Result<ExportFile, String> {
    let features: Vec<Value> = records
        .into_iter()
        .map(|(properties, geometry)| {
            serde_json::json!({"type": "Feature", "geometry": geometry, "properties": properties})
        })
        .collect();
    let body =
        serde_json::to_vec(&serde_json::json!({"type": "FeatureCollection", "features": features}))
            .map_err(|e| e.to_string())?;
    Ok(ExportFile {
        content_type: crate::api::extract::GEOJSON,
        extension: "geojson",
        body,
    })
}

/// The centroid of an outline, for people to find the plot. Units: degrees, 7 decimals (≈1 cm).
fn centroid(geometry: &Value) -> Option<(f64, f64)> {
    use geo::Centroid;
    let shape = PlotGeometry::from_geojson_value(geometry, "", &GeometryLimits::STORED).ok()?;
    let c = shape.shape().centroid()?;
    let round = |v: f64| (v * 1e7).round() / 1e7;
    Some((round(c.x()), round(c.y())))
}

/// CSV: reference and title first, the centroid and the outline as WKT last; for German Excel
/// with German names and values (`german`).
fn csv(records: Vec<(Map<String, Value>, Value)>, dialect: CsvDialect) -> ExportFile {
    let rows: Vec<Map<String, Value>> = records
        .into_iter()
        .map(|(mut properties, geometry)| {
            let (lon, lat) = centroid(&geometry).unzip();
            properties.insert("centroid_lon".into(), lon.into());
            properties.insert("centroid_lat".into(), lat.into());
            properties.insert("wkt".into(), wkt_of(&geometry).into());
            properties
        })
        .collect();
    let mut present: Vec<&str> = Vec::new();
    for properties in &rows {
        for key in properties.keys() {
            if !present.contains(&key.as_str()) {
                present.push(key);
            }
        }
    }
    let columns: Vec<String> = german::ordered(&present)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let german = dialect == CsvDialect::ExcelGerman;
    let rows: Vec<Value> = rows
        .iter()
        .map(|properties| {
            Value::Object(
                columns
                    .iter()
                    .map(|c| {
                        let value = properties.get(c).cloned().unwrap_or(Value::Null);
                        match german {
                            true => (german::header_de(c).to_owned(), german::value_de(c, value)),
                            false => (c.clone(), value),
                        }
                    })
                    .collect(),
            )
        })
        .collect();
    let headers = match german {
        true => columns
            .iter()
            .map(|c| german::header_de(c).to_owned())
            .collect(),
        false => columns,
    };
    let writer = CsvWriter::new(dialect, headers);
    let mut out = writer.header();
    out.extend(writer.rows(&rows));
    ExportFile {
        content_type: "text/csv; charset=utf-8",
        extension: "csv",
        body: out,
    }
}
