//! `POST /imports`: bulk import of GeoJSON or CSV; `export` gives the same schema back
//! (`GET /plots/export`), so that export → edit → import round-trips.
//!
//! An import is read whole (capped by `GWF_IMPORT_MAX_BYTES` and `GWF_IMPORT_MAX_FEATURES`),
//! planned record by record by `domain::import`, and written in one transaction: all features or
//! none. Plots are matched by `reference`: a known reference updates that plot (recorded in its
//! history), an unchanged feature writes nothing, so importing the same file twice changes
//! nothing. `estates` imports estates the same way; `locate` fills in places from geometry.

pub mod estates;
pub mod export;
mod locate;
mod plausible;
mod wgs84;

use wgs84::{offer_repair, to_wgs84};

use std::collections::{HashMap, HashSet};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
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
use crate::domain::geometry::GeometryLimits;
use crate::domain::history::{Actor, Via};
use crate::domain::import::locate::Needs;
use crate::domain::import::{crs, Target};
use crate::domain::import::{read, ImportCrs, ImportItem, ImportReport, Mapping};
use crate::domain::import::{ImportProblem, ParsedFile, Plan, Planner, PlannerContext, Record};
use crate::domain::plot::StoredPlot;
use crate::domain::FieldError;

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
    /// `EPSG:31466`–`EPSG:31469` (Gauß-Krüger zones 2–5) or `EPSG:3857`. A file may say the same
    /// (GeoJSON `crs` member); the two must agree. Without either, coordinates that are not
    /// degrees are refused with the CRS they look like.
    pub crs: Option<String>,
    /// For files in another schema: `source:field` pairs, comma-separated, mapping their
    /// columns or properties onto import fields (before the built-in German names), e.g.
    /// `FL_NR:reference,BEZEICHNUNG:title_de,GEM_SCHL:municipality_ags`.
    pub map: Option<String>,
    /// Values for fields a plot has neither in the file nor in the database:
    /// `field:value` pairs, comma-separated, read like CSV cells, e.g.
    /// `status:verfügbar,offer:Kauf,bplan_status:rechtskräftig`.
    pub defaults: Option<String>,
    /// Assign what a feature leaves out from its geometry: the municipality whose outline
    /// contains the feature's point on surface, and for plots the estate (of that
    /// municipality, visible to the importer) whose outline contains it. Never overrides what
    /// a feature or a stored plot names; each item reports what it got (`located`).
    #[serde(default)]
    pub locate: bool,
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
/// properties are plot fields, or CSV (`text/csv`, `,` `;` or tab separated, UTF-8 or
/// Windows-1252) with one plot per row and its outline in a `wkt` column (or a position in
/// `lon`/`lat`). Field names are those of `PlotData`; instead of ids, `municipality_ags` and
/// `estate_name` may be given; German column names and values (`Gemeindeschlüssel`,
/// `Fläche (m²)`, `Status: verfügbar`, `ja`/`nein`, `0,8`, `31.03.2026`) are understood.
/// docs/imports.md lists the schema.
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
        r::NeedsToken,
        (status = 403, description = "Viewers cannot import", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File over GWF_IMPORT_MAX_BYTES or too many features", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither GeoJSON nor CSV", body = Problem, content_type = "application/problem+json"),
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
    Ok(HttpResponse::Ok().json(report?))
}

/// An upload read as far as the file goes: its records, CRS and `?map=`/`?defaults=`.
struct Upload {
    file: ParsedFile,
    crs: ImportCrs,
    mapping: Mapping,
    started: std::time::Instant,
    bytes: usize,
}

/// Reads an import's body (GeoJSON or CSV of `target`, capped in bytes and features) and
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
    let is_csv = is_csv_upload(req)?;
    let limit = state.settings.import_max_bytes;
    let mut payload = payload.into_inner();
    let body = read_body_capped(req, &mut payload, limit).await?;
    let (started, bytes) = (std::time::Instant::now(), body.len());
    let reading = mapping.clone();
    let file = off_worker(state.settings.cpu_timeout, move || match is_csv {
        true => read::csv(&body, &reading),
        false => read::geojson(&body, &reading),
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
    Ok(Upload {
        file,
        crs,
        mapping,
        started,
        bytes,
    })
}

/// Whether the upload is CSV (else GeoJSON); 415 for anything else.
fn is_csv_upload(req: &HttpRequest) -> Result<bool, ApiError> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let is_csv = matches!(media_essence(mime).as_str(), "text/csv" | "application/csv");
    if !is_csv && !is_json_media_type(mime) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "an import is application/geo+json or text/csv, not `{mime}`"
        )));
    }
    Ok(is_csv)
}

fn bad_file(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        detail: detail.into(),
        errors: Vec::new(),
    }
}

/// What a Gauß-Krüger import is told about the accuracy of its transformation.
async fn dhdn_accuracy(
    conn: &mut diesel_async::AsyncPgConnection,
) -> Result<ImportProblem, ApiError> {
    let text = match db::imports::dhdn_grid(conn).await? {
        true => "DHDN (Gauß-Krüger) coordinates were transformed with the BETA2007 grid: accurate to about 1 m",
        false => "DHDN (Gauß-Krüger) coordinates were transformed without the BETA2007 grid (PROJ has no BETA2007.gsb): positions may be off by up to 3 m; install proj-data",
    };
    Ok(ImportProblem::new(None, None, None, text))
}

/// Records planned per trip to the blocking pool.
const PLAN_CHUNK: usize = 500;

/// How one import runs: its CRS, `?defaults=`, whether it writes or locates, and what bounds
/// its work.
pub struct Options<'a> {
    pub crs: ImportCrs,
    pub defaults: &'a [(&'static str, Value)],
    pub dry_run: bool,
    pub locate: bool,
    pub repair: bool,
    pub geometry: GeometryLimits,
    pub cpu: std::time::Duration,
}

/// Everything after reading the file, inside the import's transaction: plan each record and
/// write it at once (so memory does not grow with the file: the transaction makes it all or
/// nothing, and after the first problem only checking continues).
async fn run(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    file: ParsedFile,
    options: &Options<'_>,
    actor: &Actor,
) -> Result<ImportReport, ApiError> {
    let ParsedFile {
        format,
        mut records,
        mut problems,
        mut warnings,
        ..
    } = file;
    let total = records.len();
    if let ImportCrs::GaussKrueger(_) = options.crs {
        warnings.push(dhdn_accuracy(conn).await?);
    }
    let mut repaired = to_wgs84(conn, &mut records, options.crs, options.repair).await?;
    warnings.append(&mut repaired);
    let mut stored = stored_plots(conn, caller, &records).await?;
    let places = Places::load(conn, caller).await?;
    let located = match options.locate {
        true => {
            let wants = records
                .iter()
                .map(|r| {
                    let plot = r.reference().and_then(|key| stored.get(&key));
                    let needs = Needs::of(
                        &r.fields,
                        Target::Plots,
                        plot.is_some(),
                        plot.is_some_and(|p| p.data.facts.estate_id.is_some()),
                    );
                    let known = places
                        .municipality_named(&r.fields)
                        .or(plot.map(|p| p.data.facts.municipality_id));
                    (needs, known)
                })
                .collect();
            let (located, mut failed) =
                locate::locate(conn, &mut records, wants, caller.principal(), options).await?;
            problems.append(&mut failed);
            located
        }
        false => HashMap::new(),
    };
    let mut planner = planner(conn, caller, &records, &stored, places, options).await?;
    let mut items = Vec::with_capacity(records.len());
    let mut records = records.into_iter().peekable();
    while records.peek().is_some() {
        let chunk: Vec<(Record, Option<StoredPlot>)> = records
            .by_ref()
            .take(PLAN_CHUNK)
            .map(|record| {
                let current = record.reference().and_then(|r| stored.remove(&r));
                (record, current)
            })
            .collect();
        let origins = plausible::origins(chunk.iter().map(|(record, _)| record));
        let (returned, planned, mut chunk_warnings) =
            plan_chunk(planner, chunk, options.cpu).await?;
        planner = returned;
        warnings.append(&mut chunk_warnings);
        warnings.append(&mut plausible::warnings(conn, &planned, &origins).await?);
        for (feature, plan) in planned {
            match plan {
                Ok((reference, plan)) => {
                    let write = !options.dry_run && problems.is_empty();
                    let (action, id, version) = apply(conn, plan, write, actor).await?;
                    items.push(ImportItem {
                        feature,
                        reference,
                        action,
                        id,
                        version,
                        located: located.get(&feature).cloned(),
                    });
                }
                Err(mine) => problems.extend(mine),
            }
        }
    }
    offer_repair(&mut problems, options.repair);
    let count = |action: &str| items.iter().filter(|i| i.action == action).count();
    let report = ImportReport {
        dry_run: options.dry_run,
        valid: problems.is_empty(),
        format,
        crs: options.crs.name(),
        features: total,
        created: count("create"),
        updated: count("update"),
        unchanged: count("unchanged"),
        problems,
        warnings,
        items,
    };
    if !report.valid && !options.dry_run {
        let value = serde_json::to_value(&report).map_err(ApiError::internal)?;
        return Err(rejected(&report.problems, total, value));
    }
    Ok(report)
}

/// The places an import resolves names against, read once: municipalities (not deleted) and
/// the estates the importer may see (`access::import_read_scope`).
struct Places {
    /// `(id, AGS, name)`.
    municipalities: Vec<(i64, String, String)>,
    /// `(id, municipality id, name)`.
    estates: Vec<(i64, i64, String)>,
}

impl Places {
    async fn load(
        conn: &mut diesel_async::AsyncPgConnection,
        caller: &Caller,
    ) -> Result<Places, ApiError> {
        let scope = access::import_read_scope(caller.principal());
        Ok(Places {
            municipalities: db::imports::municipalities(conn).await?,
            estates: db::imports::estates(conn, &scope).await?,
        })
    }

    /// The municipality `fields` name by AGS or id, if it exists.
    fn municipality_named(&self, fields: &serde_json::Map<String, Value>) -> Option<i64> {
        let ags = fields.get("municipality_ags").and_then(Value::as_str);
        let id = fields.get("municipality_id").and_then(Value::as_i64);
        self.municipalities
            .iter()
            .find(|(m, a, _)| ags.is_some_and(|ags| ags.trim() == a) || id == Some(*m))
            .map(|(m, _, _)| *m)
    }
}

/// The planner with what it may know, read in this transaction: places, defaults, and of the
/// references it may not change only whether anyone may read their plot.
async fn planner(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    records: &[Record],
    writable: &HashMap<String, StoredPlot>,
    places: Places,
    options: &Options<'_>,
) -> Result<Planner, ApiError> {
    let references: Vec<String> = records.iter().filter_map(Record::reference).collect();
    let taken: HashMap<String, bool> = db::plots::taken_references(conn, &references)
        .await?
        .into_iter()
        .filter(|(reference, _)| !writable.contains_key(reference))
        .collect();
    let mut estate_names: HashMap<i64, (String, Vec<String>)> = places
        .municipalities
        .iter()
        .map(|(id, _, name)| (*id, (name.clone(), Vec::new())))
        .collect();
    for (_, m, name) in &places.estates {
        if let Some((_, names)) = estate_names.get_mut(m) {
            names.push(name.clone());
        }
    }
    Ok(Planner::new(PlannerContext {
        caller: caller.principal().cloned(),
        municipalities: places
            .municipalities
            .iter()
            .map(|(id, ags, _)| (ags.clone(), *id))
            .collect(),
        estate_names,
        estates: places
            .estates
            .into_iter()
            .map(|(id, m, name)| ((m, name.to_lowercase()), id))
            .collect(),
        defaults: options.defaults.to_vec(),
        taken,
        today: Utc::now().date_naive(),
        geometry_limits: options.geometry,
    }))
}

/// A feature's index and its plan (with the reference) or its problems.
type Planned = (usize, Result<(String, Plan), Vec<ImportProblem>>);

/// Plans one chunk of records off the async workers (checking is CPU work, geometry validation
/// above all), within `cpu`; returns the planner for the next chunk, the plans, and the chunk's
/// warnings.
async fn plan_chunk(
    mut planner: Planner,
    chunk: Vec<(Record, Option<StoredPlot>)>,
    cpu: std::time::Duration,
) -> Result<(Planner, Vec<Planned>, Vec<ImportProblem>), ApiError> {
    off_worker(cpu, move || {
        let mut warnings = Vec::new();
        let planned: Vec<_> = chunk
            .into_iter()
            .map(|(record, current)| {
                let plan = planner.plan(&record, current.as_ref(), &mut warnings);
                (record.feature, plan)
            })
            .collect();
        (planner, planned, warnings)
    })
    .await
}

/// The stored plots the file's references name that the importer may change (an admin: all,
/// deleted ones too; an editor: those of their municipalities), locked until the import ends.
/// Permission is decided here, before anything depends on a stored plot.
async fn stored_plots(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    records: &[Record],
) -> Result<HashMap<String, StoredPlot>, ApiError> {
    let references: Vec<String> = records.iter().filter_map(Record::reference).collect();
    let scope = access::import_scope(caller.principal());
    Ok(
        db::plots::lock_by_references(conn, &references, scope.as_deref())
            .await?
            .into_iter()
            .map(|(row, geometry)| {
                (
                    row.facts.reference.clone(),
                    row.into_stored(geometry.as_deref()),
                )
            })
            .collect(),
    )
}

/// Carries out a plan (or, when `write` is false, only says what it would do): the item's
/// action, plot id and version after it.
async fn apply(
    conn: &mut diesel_async::AsyncPgConnection,
    plan: Plan,
    write: bool,
    actor: &Actor,
) -> Result<(&'static str, Option<i64>, Option<i32>), ApiError> {
    Ok(match plan {
        Plan::Create { plot, changes } => {
            let id = match write {
                true => Some(
                    db::plots::insert(conn, &plot, false, actor, &Value::Array(changes)).await?,
                ),
                false => None,
            };
            ("create", id, id.map(|_| 1))
        }
        Plan::Unchanged { id, version } => ("unchanged", Some(id), Some(version)),
        Plan::Update {
            id,
            version,
            plot,
            changes,
        } => {
            let version = match write {
                true => db::plots::update(conn, id, &plot, actor, &Value::Array(changes)).await?,
                false => version + 1,
            };
            ("update", Some(id), Some(version))
        }
    })
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
