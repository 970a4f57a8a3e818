//! `?locate=true` for plot and estate imports: the features that leave out their municipality
//! (plots: or their estate) get them from their geometry, found by PostGIS in one query per
//! import (`db::imports::locate`) and decided by `domain::import::locate`.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{Options, PLAN_CHUNK};
use crate::api::error::ApiError;
use crate::api::extract::off_worker;
use crate::db;
use crate::domain::access::{self, Principal};
use crate::domain::geometry::{GeometryLimits, PlotGeometry};
use crate::domain::import::locate::{decide, Needs};
use crate::domain::import::report::Located;
use crate::domain::import::{GeometryInput, ImportProblem, Record};

/// Fills in what each record needs (`wants`, in the order of `records`: what it leaves out and
/// the municipality it names otherwise): `municipality_ags` and `estate_name` are put in its
/// fields as if the file had them. Returns what each feature got, and the problems of those
/// that could not be located, which are taken out of `records` (they cannot be planned).
///
/// A feature without a valid geometry is left as it is: planning then reports its geometry
/// or its missing municipality. Where locate finds nothing but `?defaults=` gives the field,
/// the default applies.
pub(super) async fn locate(
    conn: &mut diesel_async::AsyncPgConnection,
    records: &mut Vec<Record>,
    wants: Vec<(Needs, Option<i64>)>,
    principal: Option<&Principal>,
    options: &Options<'_>,
) -> Result<(HashMap<usize, Located>, Vec<ImportProblem>), ApiError> {
    let inputs: Vec<(usize, GeometryInput)> = records
        .iter()
        .zip(&wants)
        .enumerate()
        .filter(|(_, (_, (needs, _)))| needs.any())
        .map(|(i, (r, _))| (i, r.geometry.clone()))
        .collect();
    let mut inputs = inputs.into_iter().peekable();
    let limits = options.geometry;
    // Validated first, so that PostGIS is never handed a geometry it could fail on; in chunks,
    // as planning is, each within the CPU limit.
    let mut geometries: Vec<(usize, String)> = Vec::new();
    while inputs.peek().is_some() {
        let chunk: Vec<(usize, GeometryInput)> = inputs.by_ref().take(PLAN_CHUNK).collect();
        let mut valid = off_worker(options.cpu, move || {
            chunk
                .into_iter()
                .filter_map(|(i, geometry)| Some((i, locatable(geometry, &limits)?)))
                .collect::<Vec<_>>()
        })
        .await?;
        geometries.append(&mut valid);
    }
    let texts: Vec<String> = geometries.iter().map(|(_, t)| t.clone()).collect();
    let scope = access::import_read_scope(principal);
    let around = db::imports::locate(conn, &texts, &scope).await?;
    let defaulted = |field: &str| options.defaults.iter().any(|(f, _)| *f == field);
    let mut located = HashMap::new();
    let mut problems = Vec::new();
    let mut failed = HashSet::new();
    for ((i, _), around) in geometries.iter().zip(&around) {
        let (needs, known) = wants[*i];
        let record = &mut records[*i];
        match decide(needs, known, around) {
            Ok(found) => {
                if let Some(ags) = &found.municipality_ags {
                    record
                        .fields
                        .insert("municipality_ags".into(), ags.clone().into());
                }
                if let Some(name) = &found.estate_name {
                    record
                        .fields
                        .insert("estate_name".into(), name.clone().into());
                }
                located.insert(record.feature, found);
            }
            Err((field, _)) if defaulted(field) => {}
            Err((field, text)) => {
                problems.push(ImportProblem {
                    feature: Some(record.feature),
                    line: record.line,
                    reference: record
                        .fields
                        .get("reference")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    field: Some(field.to_owned()),
                    problem: text,
                });
                failed.insert(record.feature);
            }
        }
    }
    records.retain(|r| !failed.contains(&r.feature));
    Ok((located, problems))
}

/// The geometry as PostGIS may safely read it: a valid outline, or a position.
fn locatable(geometry: GeometryInput, limits: &GeometryLimits) -> Option<String> {
    match geometry {
        GeometryInput::GeoJson(g) => {
            let value: Value = serde_json::from_str(&g).ok()?;
            let outline = PlotGeometry::outline_from_geojson_value(&value, "", limits).ok()?;
            Some(outline.to_geojson_string())
        }
        GeometryInput::Point(lon, lat) => {
            Some(serde_json::json!({"type": "Point", "coordinates": [lon, lat]}).to_string())
        }
        _ => None,
    }
}
