//! One plot import after its file is read, inside its transaction: chunk by chunk, the
//! coordinates to WGS 84, the stored plots locked, places located, then each record planned
//! (`domain::import::plan`) and written at once.

use std::collections::HashMap;

use serde_json::Value;

use super::{locate, offer_repair, plausible, rejected, to_wgs84};
use crate::api::error::ApiError;
use crate::api::extract::off_worker;
use crate::api::extract::Caller;
use crate::db;
use crate::domain::access;
use crate::domain::crs::Crs;
use crate::domain::geometry::GeometryLimits;
use crate::domain::history::Actor;
use crate::domain::import::locate::Needs;
use crate::domain::import::report::summarised;
use crate::domain::import::Target;
use crate::domain::import::{ImportItem, ImportReport};
use crate::domain::import::{ImportProblem, ParsedFile, Plan, Planner, PlannerContext, Record};
use crate::domain::plot::StoredPlot;

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
pub(super) const PLAN_CHUNK: usize = 500;

/// Records whose stored plots, transformation and places are fetched together: a file is
/// worked through in such chunks so that memory holds one chunk's stored plots, not the file's
/// (100,000 plots: bench/RESULTS.md).
const DB_CHUNK: usize = 2_000;

/// How one import runs: its CRS, `?defaults=`, whether it writes or locates, and what bounds
/// its work.
pub struct Options<'a> {
    pub crs: Crs,
    pub defaults: &'a [(&'static str, Value)],
    pub dry_run: bool,
    pub locate: bool,
    pub repair: bool,
    pub geometry: GeometryLimits,
    pub cpu: std::time::Duration,
}

/// Everything after reading the file, inside the import's transaction, chunk by chunk: bring
/// the chunk's coordinates to WGS 84, lock the stored plots it names, locate what it leaves
/// out, then plan each record and write it at once (the transaction makes it all or nothing;
/// after the first problem only checking continues).
pub(super) async fn run(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    file: ParsedFile,
    options: &Options<'_>,
    actor: &Actor,
) -> Result<ImportReport, ApiError> {
    let ParsedFile {
        format,
        records,
        mut problems,
        mut warnings,
        ..
    } = file;
    db::imports::one_import_at_a_time(conn).await?;
    let total = records.len();
    if let Crs::GaussKrueger(_) = options.crs {
        warnings.push(dhdn_accuracy(conn).await?);
    }
    let places = Places::load(conn, caller).await?;
    let mut planner = planner(caller, &places, options);
    let mut items = Vec::with_capacity(records.len());
    let mut records = records.into_iter().peekable();
    while records.peek().is_some() {
        let mut chunk: Vec<Record> = records.by_ref().take(DB_CHUNK).collect();
        let mut repaired = to_wgs84(conn, &mut chunk, options.crs, options.repair).await?;
        warnings.append(&mut repaired);
        let mut stored = stored_plots(conn, caller, &chunk).await?;
        let located = match options.locate {
            true => {
                let (located, mut failed) =
                    locate_chunk(conn, &mut chunk, &stored, &places, caller, options).await?;
                problems.append(&mut failed);
                located
            }
            false => HashMap::new(),
        };
        planner.set_taken(taken(conn, &chunk, &stored).await?);
        let mut chunk = chunk.into_iter().peekable();
        while chunk.peek().is_some() {
            let part: Vec<(Record, Option<StoredPlot>)> = chunk
                .by_ref()
                .take(PLAN_CHUNK)
                .map(|record| {
                    let current = record.reference().and_then(|r| stored.remove(&r));
                    (record, current)
                })
                .collect();
            let origins = plausible::origins(part.iter().map(|(record, _)| record));
            let (returned, planned, mut part_warnings) =
                plan_chunk(planner, part, options.cpu).await?;
            planner = returned;
            warnings.append(&mut part_warnings);
            warnings.append(&mut plausible::warnings(conn, &planned, &origins).await?);
            for (feature, plan) in planned {
                match plan {
                    Ok((reference, plan)) => {
                        let write = !options.dry_run && problems.is_empty();
                        let (action, id, version, changes) =
                            apply(conn, &places, plan, write, actor).await?;
                        items.push(ImportItem {
                            feature,
                            reference,
                            action,
                            id,
                            version,
                            located: located.get(&feature).cloned(),
                            changes,
                        });
                    }
                    Err(mine) => problems.extend(mine),
                }
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

/// `?locate=true` for one chunk: what each record leaves out, given what is stored.
async fn locate_chunk(
    conn: &mut diesel_async::AsyncPgConnection,
    chunk: &mut Vec<Record>,
    stored: &HashMap<String, StoredPlot>,
    places: &Places,
    caller: &Caller,
    options: &Options<'_>,
) -> Result<
    (
        HashMap<usize, crate::domain::import::report::Located>,
        Vec<ImportProblem>,
    ),
    ApiError,
> {
    let wants = chunk
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
    locate::locate(conn, chunk, wants, caller.principal(), options).await
}

/// Of the references `chunk` names, those taken by plots the importer may not change (not
/// among `writable`), with whether the importer may read that plot.
async fn taken(
    conn: &mut diesel_async::AsyncPgConnection,
    chunk: &[Record],
    writable: &HashMap<String, StoredPlot>,
) -> Result<HashMap<String, bool>, ApiError> {
    let references: Vec<String> = chunk.iter().filter_map(Record::reference).collect();
    Ok(db::plots::taken_references(conn, &references)
        .await?
        .into_iter()
        .filter(|(reference, _)| !writable.contains_key(reference))
        .collect())
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

    /// A municipality's AGS or an estate's name by id (`field` is `municipality_id` or
    /// `estate_id`), for the changes a report lists.
    fn name_of(&self, field: &str, id: i64) -> Option<String> {
        match field {
            "municipality_id" => self
                .municipalities
                .iter()
                .find(|m| m.0 == id)
                .map(|m| m.1.clone()),
            _ => self.estates.iter().find(|e| e.0 == id).map(|e| e.2.clone()),
        }
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

/// The planner with what it may know: places and defaults (`taken` is set per chunk).
fn planner(caller: &Caller, places: &Places, options: &Options<'_>) -> Planner {
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
    Planner::new(PlannerContext {
        caller: caller.principal().cloned(),
        municipalities: places
            .municipalities
            .iter()
            .map(|(id, ags, _)| (ags.clone(), *id))
            .collect(),
        estate_names,
        estates: places
            .estates
            .iter()
            .map(|(id, m, name)| ((*m, name.to_lowercase()), *id))
            .collect(),
        defaults: options.defaults.to_vec(),
        taken: HashMap::new(),
        // Germany's day, as for plots written one by one (`api::plots::validate`).
        today: crate::domain::freshness::today(),
        geometry_limits: options.geometry,
    })
}

/// A feature's index and its plan (with the reference) or its problems.
pub(super) type Planned = (usize, Result<(String, Plan), Vec<ImportProblem>>);

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

/// An item's action, plot id, version after the import, and (updates) what changes.
type Applied = (&'static str, Option<i64>, Option<i32>, Option<Vec<Value>>);

/// Carries out a plan (or, when `write` is false, only says what it would do).
async fn apply(
    conn: &mut diesel_async::AsyncPgConnection,
    places: &Places,
    plan: Plan,
    write: bool,
    actor: &Actor,
) -> Result<Applied, ApiError> {
    Ok(match plan {
        Plan::Create { plot, changes } => {
            let id = match write {
                true => Some(
                    db::plots::insert(conn, &plot, false, actor, &Value::Array(changes)).await?,
                ),
                false => None,
            };
            ("create", id, id.map(|_| 1), None)
        }
        Plan::Unchanged { id, version } => ("unchanged", Some(id), Some(version), None),
        Plan::Update {
            id,
            version,
            plot,
            changes,
        } => {
            let listed = summarised(&changes, &|field, id| places.name_of(field, id));
            let version = match write {
                true => db::plots::update(conn, id, &plot, actor, &Value::Array(changes)).await?,
                false => version + 1,
            };
            ("update", Some(id), Some(version), Some(listed))
        }
    })
}
