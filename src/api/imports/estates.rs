//! `POST /estates/imports`: estates (Gewerbegebiete) from a GIS, as GeoJSON or CSV, read like
//! plot imports (`super::read_upload`) and planned by `domain::import::estates`, all in one
//! transaction: all features or none. Estates are matched within their municipality by name.

use std::collections::{HashMap, HashSet};

use actix_web::{web, HttpRequest, HttpResponse};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::Value;

use super::{
    locate, offer_repair, read_upload, rejected, to_wgs84, ImportParams, Options, PLAN_CHUNK,
};
use crate::api::error::{responses as r, ApiError, Problem};
use crate::api::extract::{off_worker, Caller, QueryParams};
use crate::api::AppState;
use crate::db;
use crate::domain::access::{self, Principal};
use crate::domain::history::{Actor, Via};
use crate::domain::import::estates::{EstateContext, EstatePlan, EstatePlanner, PlannedEstate};
use crate::domain::import::locate::Needs;
use crate::domain::import::{
    EstateImportItem, EstateImportReport, ImportProblem, ParsedFile, Record, Target,
};
use crate::domain::place::PlaceKind;

/// Import estates
///
/// A GeoJSON FeatureCollection (`application/geo+json` or `application/json`) whose feature
/// properties are the members of `EstateData` and whose geometry is the estate's outline
/// (Polygon or MultiPolygon), CSV (`text/csv`) with one estate per row and its outline in a
/// `wkt` column, a zipped Shapefile or a GeoPackage; read as plot imports are (separators,
/// encodings, German column names and values, `?map=`, `?defaults=`, `?crs=`, `?layer=`). The municipality is given as `municipality_ags`
/// (or `municipality_id`), or found from the outline with `locate=true`.
///
/// Estates are matched by municipality and name (trimmed, in any case): a match is updated
/// (fields the file leaves out keep their values; a feature without geometry keeps the
/// outline), anything else is created (a draft unless `published` is true); an estate that
/// would not change stays untouched. Every write is recorded in the estate's history with
/// `via: import`.
///
/// All or nothing: if any feature has a problem, nothing is written and the answer is 422 with
/// the report. `dry_run=true` checks and reports without writing. Editors import estates of
/// their own municipalities only (a token with the `import` scope suffices).
#[utoipa::path(
    post,
    path = "/estates/imports",
    tag = "imports",
    params(ImportParams),
    request_body(content(
        (Object = "application/geo+json"),
        (String = "text/csv"),
        (super::BinaryFile = "application/zip"),
        (super::BinaryFile = "application/geopackage+sqlite3"),
    ), description = "GeoJSON FeatureCollection, CSV, zipped Shapefile or GeoPackage of estates"),
    responses(
        (status = 200, description = "Imported (or, dry run, checked)", body = EstateImportReport),
        (status = 400, description = "Not a FeatureCollection, CSV, zipped Shapefile or GeoPackage; unknown CRS; bad parameter", body = Problem, content_type = "application/problem+json"),
        r::NeedsToken,
        (status = 403, description = "Viewers cannot import; the token lacks `import`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File over GWF_IMPORT_MAX_BYTES or too many features", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not GeoJSON, CSV, zip or GeoPackage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some features are invalid; nothing was written; `report` lists every problem", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn import_estates(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<ImportParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    access::authorize_import(caller.principal())?;
    let upload = read_upload(&req, &state, payload, &params, Target::Estates, &[]).await?;
    let actor = caller.actor(Via::Import);
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
    let mut conn = state.pool.get().await?;
    let report = conn
        .transaction(async |conn| {
            db::with_staff_timeout(conn, staff_timeout).await?;
            run(conn, caller.principal(), upload.file, &options, &actor).await
        })
        .await;
    crate::api::counters::import_done(started.elapsed().as_secs_f64(), features, bytes);
    let response = report.map(|report| HttpResponse::Ok().json(report));
    if features >= super::LARGE_IMPORT {
        crate::memory::release_free_memory_soon();
    }
    response
}

/// Everything after reading the file, inside the import's transaction (also the CLI's
/// `places import-estates`): locate, look up and lock what the file names, plan each record
/// and write it at once; after the first problem only checking continues.
pub async fn run(
    conn: &mut AsyncPgConnection,
    principal: Option<&Principal>,
    file: ParsedFile,
    options: &Options<'_>,
    actor: &Actor,
) -> Result<EstateImportReport, ApiError> {
    let ParsedFile {
        format,
        mut records,
        mut problems,
        mut warnings,
        ..
    } = file;
    db::imports::one_import_at_a_time(conn).await?;
    let total = records.len();
    let mut repaired = to_wgs84(conn, &mut records, options.crs, options.repair).await?;
    warnings.append(&mut repaired);
    let municipalities = db::imports::municipalities(conn).await?;
    let ags_of: HashMap<i64, String> = municipalities
        .iter()
        .map(|(id, ags, _)| (*id, ags.clone()))
        .collect();
    let located = match options.locate {
        true => {
            let wants = records
                .iter()
                .map(|r| (Needs::of(&r.fields, Target::Estates, false, false), None))
                .collect();
            let (located, mut failed) =
                locate::locate(conn, &mut records, wants, principal, options).await?;
            problems.append(&mut failed);
            located
        }
        false => HashMap::new(),
    };
    let mut planner = EstatePlanner::new(EstateContext {
        caller: principal.cloned(),
        municipality_names: municipalities
            .iter()
            .map(|(id, _, name)| (*id, name.clone()))
            .collect(),
        municipalities: municipalities
            .into_iter()
            .map(|(id, ags, _)| (ags, id))
            .collect(),
        defaults: options.defaults.to_vec(),
        geometry_limits: options.geometry,
    });
    // Only the estates of municipalities the importer may import into are read and locked;
    // elsewhere every feature is refused before a stored estate could matter.
    let scope = access::import_scope(principal);
    let named: HashSet<i64> = records
        .iter()
        .filter_map(|r| planner.municipality(r).ok())
        .filter(|m| scope.as_ref().is_none_or(|own| own.contains(m)))
        .collect();
    let named: Vec<i64> = named.into_iter().collect();
    db::imports::lock_municipalities(conn, &named).await?;
    planner.set_stored(db::imports::lock_estates(conn, &named).await?);

    let mut items = Vec::with_capacity(records.len());
    let mut records = records.into_iter().peekable();
    while records.peek().is_some() {
        let chunk: Vec<Record> = records.by_ref().take(PLAN_CHUNK).collect();
        let (returned, planned) = plan_chunk(planner, chunk, options.cpu).await?;
        planner = returned;
        for (feature, plan) in planned {
            match plan {
                Ok(planned) => {
                    let write = !options.dry_run && problems.is_empty();
                    let municipality_ags = ags_of
                        .get(&planned.municipality_id)
                        .cloned()
                        .unwrap_or_default();
                    let name = planned.name.clone();
                    let (action, id, version) = apply(conn, planned, write, actor).await?;
                    items.push(EstateImportItem {
                        feature,
                        name,
                        municipality_ags,
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
    let report = EstateImportReport {
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

type Planned = (usize, Result<PlannedEstate, Vec<ImportProblem>>);

/// Plans one chunk off the async workers (outline validation is CPU work), within `cpu`.
async fn plan_chunk(
    mut planner: EstatePlanner,
    chunk: Vec<Record>,
    cpu: std::time::Duration,
) -> Result<(EstatePlanner, Vec<Planned>), ApiError> {
    off_worker(cpu, move || {
        let planned = chunk
            .iter()
            .map(|record| (record.feature, planner.plan(record)))
            .collect();
        (planner, planned)
    })
    .await
}

/// Carries out a plan (or, when `write` is false, only says what it would do): the action,
/// estate id and version after it.
async fn apply(
    conn: &mut AsyncPgConnection,
    planned: PlannedEstate,
    write: bool,
    actor: &Actor,
) -> Result<(&'static str, Option<i64>, Option<i32>), ApiError> {
    use db::place_writes;
    Ok(match planned.plan {
        EstatePlan::Create { data, changes } => {
            let id = match write {
                true => Some(
                    place_writes::insert(
                        conn,
                        PlaceKind::Estate,
                        &data,
                        actor,
                        &Value::Array(changes),
                    )
                    .await?,
                ),
                false => None,
            };
            ("create", id, id.map(|_| 1))
        }
        EstatePlan::Unchanged { id, version } => ("unchanged", Some(id), Some(version)),
        EstatePlan::Update {
            id,
            version,
            data,
            action,
            changes,
        } => {
            let version = match write {
                true => {
                    place_writes::update(
                        conn,
                        PlaceKind::Estate,
                        id,
                        &data,
                        action,
                        actor,
                        &Value::Array(changes),
                    )
                    .await?
                }
                false => version + 1,
            };
            ("update", Some(id), Some(version))
        }
    })
}
