//! An import's geometry into EPSG:4326 and, with `?repair=true`, into validity: PostGIS in
//! batches (`db::imports::to_wgs84`, the SQL function `gwf_import_geometry`), what a repair
//! may change judged by `domain::geometry::Repair`.

use crate::api::error::ApiError;
use crate::db;
use crate::domain::crs::Crs;
use crate::domain::geometry::{names_invalidity, MIN_PART_AREA_M2};
use crate::domain::import::{read, GeometryInput, ImportProblem, Record};

/// Coordinates into EPSG:4326: PostGIS reads WKT and transforms UTM, in one batch; plain GeoJSON
/// in WGS 84 needs neither, unless `repair` asks PostGIS to make invalid outlines valid. Returns
/// the warnings of the repairs made; a repair that changes too much (`Repair::judge`) leaves
/// the feature unreadable, with why.
pub(super) async fn to_wgs84(
    conn: &mut diesel_async::AsyncPgConnection,
    records: &mut [Record],
    crs: Crs,
    repair: bool,
) -> Result<Vec<ImportProblem>, ApiError> {
    let mut inputs: Vec<(String, bool)> = Vec::new();
    let mut slots: Vec<usize> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let input = match &r.geometry {
            GeometryInput::GeoJson(g) if crs.needs_transform() || repair => {
                Some((g.clone(), false))
            }
            GeometryInput::Wkt(w) => Some((w.clone(), true)),
            GeometryInput::Point(x, y) if crs.needs_transform() => {
                Some((format!("POINT({x} {y})"), true))
            }
            _ => None,
        };
        if let Some(input) = input {
            inputs.push(input);
            slots.push(i);
        }
    }
    let transformed =
        db::imports::to_wgs84(conn, &inputs, crs.srid(), repair, MIN_PART_AREA_M2).await?;
    let mut warnings = Vec::new();
    for (slot, result) in slots.into_iter().zip(transformed) {
        let record = &mut records[slot];
        record.geometry = match result {
            Ok(out) => match (read::point_of(&out.geojson), out.repair) {
                (Some((lon, lat)), _) => GeometryInput::Point(lon, lat),
                (None, None) => GeometryInput::GeoJson(out.geojson),
                (None, Some(repair)) => match repair.judge() {
                    Ok(text) => {
                        warnings.push(ImportProblem {
                            reference: record.reference(),
                            ..ImportProblem::new(
                                Some(record.feature),
                                record.line,
                                Some("geometry"),
                                text,
                            )
                        });
                        GeometryInput::GeoJson(out.geojson)
                    }
                    Err(text) => GeometryInput::Unreadable(text),
                },
            },
            Err(e) => GeometryInput::Unreadable(format!("cannot be read in {}: {e}", crs.name())),
        };
    }
    Ok(warnings)
}

/// Points each problem that names a broken outline to `repair=true` (when it was not given).
pub(super) fn offer_repair(problems: &mut [ImportProblem], repair: bool) {
    if repair {
        return;
    }
    for p in problems {
        if names_invalidity(&p.problem) {
            p.problem.push_str(
                "; import with `?repair=true` to make such outlines valid (ST_MakeValid; what changed is reported)",
            );
        }
    }
}
