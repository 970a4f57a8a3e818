//! `POST /imports`: bulk import of GeoJSON, CSV, zipped Shapefiles or GeoPackages; `export`
//! gives the same schema back (`GET /plots/export`, GeoPackage by `gpkg`), so that export →
//! edit → import round-trips.
//!
//! An import is read whole (capped by `GWF_IMPORT_MAX_BYTES` and `GWF_IMPORT_MAX_FEATURES`),
//! planned record by record by `domain::import`, and written in one transaction: all features or
//! none. Plots are matched by `reference`: a known reference updates that plot (recorded in its
//! history), an unchanged feature writes nothing, so importing the same file twice changes
//! nothing. `estates` imports estates the same way; `locate` fills in places from geometry.

pub mod estates;
pub mod export;
mod gpkg;
mod locate;
mod plausible;
mod run;
mod wgs84;

pub use run::Options;
use run::{run, Planned, PLAN_CHUNK};
use wgs84::{offer_repair, to_wgs84};

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::extract::{
    is_json_media_type, media_essence, off_worker, read_body_capped, Caller, QueryParams,
};
use super::views::Plot;
use super::AppState;
use crate::api::error::responses as r;
use crate::db;
use crate::domain::access;
use crate::domain::crs::{self, Crs};
use crate::domain::history::Via;
use crate::domain::import::read;
use crate::domain::import::upload::{self, FileOptions, Format};
use crate::domain::import::Target;
use crate::domain::import::{ImportProblem, ParsedFile};
use crate::domain::import::{ImportReport, Mapping};
use crate::domain::FieldError;

/// A binary file (zipped Shapefile, GeoPackage) as a request or response body; documentation
/// only.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct BinaryFile(Vec<u8>);

/// Query parameters of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check every feature and report, but write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// CRS of the coordinates (also as URN or OGC URL): `EPSG:4326` (default), `EPSG:4258`,
    /// `EPSG:25832`, `EPSG:25833`, `EPSG:4647`, `EPSG:5650` (UTM with zone prefix),
    /// `EPSG:31466`–`EPSG:31469` (Gauß-Krüger zones 2–5), `EPSG:3857` or `EPSG:3035` (LAEA
    /// Europe). A file may say the same (GeoJSON `crs` member, `.prj`, GeoPackage SRS); the two
    /// must agree. Without either, coordinates that are not degrees are refused with the CRS
    /// they look like; degrees in latitude-first order are refused per feature.
    pub crs: Option<String>,
    /// For files in another schema: `source:field` pairs, comma-separated, mapping their
    /// columns or properties onto import fields (before the built-in German names), e.g.
    /// `FL_NR:reference,BEZEICHNUNG:title_de,GEM_SCHL:municipality_ags`.
    pub map: Option<String>,
    /// Values for fields a plot has neither in the file nor in the database:
    /// `field:value` pairs, comma-separated, read like CSV cells, e.g.
    /// `status:verfügbar,offer:Kauf,bplan_status:rechtskräftig`. An empty cell of such a field
    /// counts as no value in the file (the stored value stays), so a file imports twice alike.
    pub defaults: Option<String>,
    /// Assign what a feature leaves out from its geometry: the municipality whose outline
    /// contains the feature's point on surface, and for plots the estate (of that
    /// municipality, visible to the importer) whose outline contains it. Never overrides what
    /// a feature or a stored plot names; each item reports what it got (`located`).
    #[serde(default)]
    pub locate: bool,
    /// Which layer of a zipped Shapefile (the `.shp` file's name without extension) or of a
    /// GeoPackage (a feature table of `gpkg_contents`) to read; needed when a zip holds
    /// several Shapefiles. A GeoPackage's first feature table is read without it.
    pub layer: Option<String>,
    /// Make invalid outlines valid instead of refusing them: PostGIS `ST_MakeValid` (method
    /// `structure`: a bow-tie becomes its two lobes, overlapping parts their union), polygons
    /// only, parts under 1 m² dropped. Refused as the feature's problem when the area changes
    /// by more than 1 % or 10 m² (whichever is larger); each repair is a warning with the area
    /// before and after.
    #[serde(default)]
    pub repair: bool,
}

/// Import plots
///
/// A GeoJSON FeatureCollection (`application/geo+json` or `application/json`) whose feature
/// properties are plot fields, CSV (`text/csv`, `,` `;` or tab separated, UTF-8 or
/// Windows-1252) with one plot per row and its outline in a `wkt` column (or a position in
/// `lon`/`lat`), a zipped Shapefile (`application/zip`: `.shp`, `.dbf`, `.prj`, `.cpg`; DBF
/// attributes are properties) or a GeoPackage (`application/geopackage+sqlite3`: the first
/// feature table or `layer`). Zips and GeoPackages are recognised by their first bytes. Field names are those of `PlotData`; instead of ids, `municipality_ags` and
/// `estate_name` may be given; German column names and values (`Gemeindeschlüssel`,
/// `Fläche (m²)`, `Status: verfügbar`, `ja`/`nein`, `0,8`, `31.03.2026`) are understood.
/// docs/imports.md lists the schema.
///
/// Plots are matched by `reference`: new references create drafts (or published plots if
/// `published` is true), known ones are updated (fields missing from the file keep their
/// values; empty cells clear them, except for fields with a `?defaults=` value), identical
/// ones stay untouched; the report lists each update's changed fields. An optional `version` column
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
        (BinaryFile = "application/zip"),
        (BinaryFile = "application/geopackage+sqlite3"),
    ), description = "GeoJSON FeatureCollection, CSV, zipped Shapefile or GeoPackage in the import schema"),
    responses(
        (status = 200, description = "Imported (or, dry run, checked)", body = ImportReport),
        (status = 400, description = "Not a FeatureCollection, CSV, zipped Shapefile or GeoPackage; unknown CRS; bad parameter", body = Problem, content_type = "application/problem+json"),
        r::NeedsToken,
        (status = 403, description = "Viewers cannot import", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File over GWF_IMPORT_MAX_BYTES or too many features", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not GeoJSON, CSV, zip or GeoPackage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some features are invalid; nothing was written; `report` lists every problem", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::RateLimited,
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
    access::authorize_import(caller.principal())?;
    let upload = read_upload(
        &req,
        &state,
        payload,
        &params,
        Target::Plots,
        Plot::read_only_members(),
    )
    .await?;
    let actor = caller.actor(Via::Import);
    let mut conn = state.pool.get().await?;
    let options = Options {
        crs: upload.crs,
        defaults: &upload.mapping.defaults,
        dry_run: params.dry_run,
        locate: params.locate,
        repair: params.repair,
        geometry: state.settings.geometry_limits,
        cpu: state.settings.cpu_timeout,
    };
    let staff_timeout = state.settings.db_timeouts.staff_statement;
    let (started, bytes) = (upload.started, upload.bytes);
    let features = upload.file.records.len();
    let report = conn
        .transaction(async |conn| {
            db::with_staff_timeout(conn, staff_timeout).await?;
            run(conn, &caller, upload.file, &options, &actor).await
        })
        .await;
    super::counters::import_done(started.elapsed().as_secs_f64(), features, bytes);
    let response = report.map(|report| HttpResponse::Ok().json(report));
    if features >= LARGE_IMPORT {
        crate::memory::release_free_memory_soon();
    }
    response
}

/// Features from which an import or export gives its memory back when it ends
/// (`crate::memory`).
pub(crate) const LARGE_IMPORT: usize = 1_000;

/// An upload read as far as the file goes: its records, CRS and `?map=`/`?defaults=`.
struct Upload {
    file: ParsedFile,
    crs: Crs,
    mapping: Mapping,
    started: std::time::Instant,
    bytes: usize,
}

/// Reads an import's body (any format `upload` reads, of `target`, capped in bytes and
/// features) and
/// settles its CRS; every failure of the file as a whole is the caller's error (4xx).
async fn read_upload(
    req: &HttpRequest,
    state: &AppState,
    payload: web::Payload,
    params: &ImportParams,
    target: Target,
    read_only: &'static [String],
) -> Result<Upload, ApiError> {
    let mapping = Mapping::parse_for(
        target,
        params.map.as_deref(),
        params.defaults.as_deref(),
        read_only,
    )
    .map_err(|(name, detail)| ApiError::bad_parameter(&name, detail))?;
    let named = upload_format(req)?;
    let limit = state.settings.import_max_bytes;
    let mut payload = payload.into_inner();
    let body = read_body_capped(req, &mut payload, limit).await?;
    let (started, bytes) = (std::time::Instant::now(), body.len());
    let format = named.settle(&body).map_err(bad_file)?;
    let reading = mapping.clone();
    let layer = params.layer.clone();
    let cpu = state.settings.cpu_timeout;
    let file = off_worker(cpu, move || {
        let options = FileOptions {
            layer: layer.as_deref(),
            max_bytes: limit,
            deadline: std::time::Instant::now() + cpu,
        };
        upload::read_file(format, &body, &reading, &options)
    })
    .await?
    .map_err(bad_file)?;
    let max = state.settings.import_max_features;
    if file.records.len() > max {
        return Err(ApiError::TooMuchContent(format!(
            "{} features; an import takes at most {max} (GWF_IMPORT_MAX_FEATURES): split the file",
            file.records.len()
        )));
    }
    let crs = crs::settle(params.crs.as_deref(), file.crs, file.first_position())
        .map_err(|(name, detail)| ApiError::bad_parameter(name, detail))?;
    let mut file = file;
    if crs.is_geographic() {
        read::refuse_swapped_axes(&mut file.records);
    }
    Ok(Upload {
        file,
        crs,
        mapping,
        started,
        bytes,
    })
}

/// The format the upload's media type names; 415 for anything else.
fn upload_format(req: &HttpRequest) -> Result<Format, ApiError> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match Format::of_media_type(&media_essence(mime)) {
        Some(format) => Ok(format),
        None if is_json_media_type(mime) => Ok(Format::GeoJson),
        None => Err(ApiError::UnsupportedMediaType(format!(
            "an import is application/geo+json, text/csv, application/zip (a zipped Shapefile) or application/geopackage+sqlite3, not `{mime}`"
        ))),
    }
}

fn bad_file(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        detail: detail.into(),
        errors: Vec::new(),
    }
}

/// The 422 of an import with `problems` among `total` features, carrying its `report`.
/// Returning it rolls back what was written before the first problem.
fn rejected(problems: &[ImportProblem], total: usize, report: Value) -> ApiError {
    let errors = problems
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
    let features = problems
        .iter()
        .filter_map(|p| p.feature)
        .collect::<HashSet<_>>()
        .len();
    let count = problems.len();
    let detail = format!(
        "{count} problem{} in {features} of {total} feature{}; nothing was imported (see `report`)",
        if count == 1 { "" } else { "s" },
        if total == 1 { "" } else { "s" },
    );
    ApiError::ImportRejected {
        detail,
        errors,
        report,
    }
}
