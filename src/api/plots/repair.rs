//! `?repair=true` on plot writes: an invalid outline is made valid by PostGIS, as
//! `POST /imports?repair=true` does (the same SQL function and the same bound on the change of
//! area, `domain::geometry::Repair`), instead of being refused. Costs nothing unless the outline
//! is invalid: only then does the write ask PostGIS.

use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::error::ApiError;
use crate::api::AppState;
use crate::db;
use crate::db::imports::InWgs84;
use crate::domain::geometry::{names_invalidity, MIN_PART_AREA_M2};
use crate::domain::plausibility::{self, Plausibility};
use crate::domain::plot::{PlotData, ValidPlot};
use crate::domain::FieldError;

/// Query parameters of plot writes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WriteParams {
    /// Make an invalid outline (self-intersection, overlapping parts, …) valid instead of
    /// refusing it: PostGIS `ST_MakeValid` (method `structure`), polygons only, parts under
    /// 1 m² dropped. Refused when the area changes by more than 1 % or 10 m² (whichever is
    /// larger); a repair shows as the warning `outline_repaired` with the areas before and
    /// after.
    #[serde(default)]
    pub repair: bool,
}

/// `PlotData::validate`; when only the outline's validity fails and `repair` is asked for, the
/// outline is repaired by PostGIS and the plot validated again. Returns the plot and what the
/// repair did (as a plausibility finding). Without `repair`, the refusal of an invalid outline
/// says that it exists.
pub(super) async fn validate_or_repair(
    state: &AppState,
    conn: Option<&mut AsyncPgConnection>,
    data: PlotData,
    repair: bool,
) -> Result<(ValidPlot, Vec<Plausibility>), ApiError> {
    let errors = match super::validate(state, data.clone()).await {
        Ok(plot) => return Ok((plot, Vec::new())),
        Err(ApiError::Validation(errors)) => errors,
        Err(other) => return Err(other),
    };
    let broken = errors
        .iter()
        .any(|e| e.pointer.starts_with("/geometry") && names_invalidity(&e.detail));
    if !broken {
        return Err(ApiError::Validation(errors));
    }
    if !repair {
        return Err(ApiError::Validation(offer(errors)));
    }
    // The outline passed the size limits (checked before validity), so PostGIS gets a bounded
    // input. A Feature is unwrapped as `PlotGeometry` does.
    let geometry = match data.geometry.get("type").and_then(|t| t.as_str()) {
        Some("Feature") => data.geometry["geometry"].clone(),
        _ => data.geometry.clone(),
    };
    // Only a repair needs the database: a caller outside a transaction passes no connection,
    // so a write refused by validation never holds one of the pool's.
    let mut pooled;
    let conn = match conn {
        Some(conn) => conn,
        None => {
            pooled = state.pool.get().await?;
            &mut *pooled
        }
    };
    let out = db::imports::to_wgs84(
        conn,
        &[(geometry.to_string(), false)],
        4326,
        true,
        MIN_PART_AREA_M2,
    )
    .await?;
    // GEOS may find valid what `geo` does not: then there is nothing to repair.
    let Some(Ok(InWgs84 {
        geojson,
        repair: Some(repaired),
    })) = out.into_iter().next()
    else {
        return Err(ApiError::Validation(errors));
    };
    let text = repaired
        .judge()
        .map_err(|why| ApiError::Validation(vec![FieldError::new("/geometry", why)]))?;
    let mut data = data;
    data.geometry = serde_json::from_str(&geojson).map_err(ApiError::internal)?;
    let plot = super::validate(state, data).await?;
    Ok((plot, vec![plausibility::repaired(&repaired, text)]))
}

/// The errors, with a pointer to `?repair=true` after each that names a broken outline.
fn offer(mut errors: Vec<FieldError>) -> Vec<FieldError> {
    for e in &mut errors {
        if e.pointer.starts_with("/geometry") && names_invalidity(&e.detail) {
            e.detail.push_str(
                "; send the write with `?repair=true` to make the outline valid (ST_MakeValid; what changed is reported)",
            );
        }
    }
    errors
}
