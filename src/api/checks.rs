//! `GET /places/checks`: the spatial consistency report for staff (`domain::checks`,
//! `db::checks`), and the warnings plot writes carry.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::extract::{Caller, Format, QueryParams};
use super::views::{ChecksFeatureCollection, ChecksReport};
use super::AppState;
use crate::api::error::responses as r;
use crate::db;
use crate::db::checks::Subject;
use crate::domain::access;
use crate::domain::checks::{Finding, PlotRef, MAX_FINDINGS};
use crate::domain::plausibility::Plausibility;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChecksParams {
    /// Only this municipality (id). Editors may name their own municipalities only.
    #[param(minimum = 1)]
    pub municipality: Option<i64>,
    /// Most findings returned, 1–1000 (default 1000); `truncated` says when there were more.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Response format; overrides `Accept`. `geojson` gives one Feature per finding, its
    /// geometry the ground at issue.
    #[param(pattern = "^(json|geojson)$")]
    pub f: Option<String>,
}

impl ChecksParams {
    fn limit(&self) -> Result<usize, ApiError> {
        match self.limit {
            None => Ok(MAX_FINDINGS),
            Some(n) if (1..=MAX_FINDINGS as i64).contains(&n) => Ok(n as usize),
            Some(_) => Err(ApiError::bad_parameter(
                "limit",
                format!("must be between 1 and {MAX_FINDINGS}"),
            )),
        }
    }
}

/// Spatial checks of plots and estates
///
/// Staff only (a token that reads). Finds plots outside their estate or municipality, estates
/// outside their municipality, and plots covering the same ground (two plots of one estate, or
/// of one municipality). Drafts are checked, deleted plots and places never. Editors get the
/// findings of their own municipalities, viewers and admins those of the whole region.
///
/// Tolerances (in `tolerances`): a finding fires only when both its area (m², geodesic) and its
/// share exceed the kind's limits, so that plots along a generalised municipal boundary (BKG
/// VG250, about 100 m accuracy), shared edges and survey noise stay quiet. Findings are grouped
/// per municipality, largest first within a kind; at most `limit` are returned (`truncated`).
#[utoipa::path(
    get,
    path = "/places/checks",
    tag = "places",
    params(ChecksParams),
    responses(
        (status = 200, description = "Findings per municipality", content(
            (ChecksReport = "application/json"),
            (ChecksFeatureCollection = "application/geo+json"),
        )),
        r::BadQuery,
        r::NeedsToken,
        (status = 403, description = "The token does not read, or an editor named a foreign municipality", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such municipality", body = Problem, content_type = "application/problem+json"),
        r::NotAcceptable,
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn place_checks(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<ChecksParams>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::negotiate(&req, params.f.as_deref())?;
    let limit = params.limit()?;
    if params.municipality.is_some_and(|m| m < 1) {
        return Err(ApiError::bad_parameter(
            "municipality",
            "must be an id (1 or more)",
        ));
    }
    let only = access::check_scope(caller.principal(), params.municipality)?;
    let mut conn = state.pool.get().await?;
    let towns = db::checks::towns(&mut conn, only.as_deref()).await?;
    if let Some(m) = params.municipality {
        if towns.is_empty() {
            return Err(ApiError::NotFound(format!("no municipality with id {m}")));
        }
    }
    let with_geometry = format == Format::GeoJson;
    let (found, truncated) = db::checks::run(
        &mut conn,
        &Subject::Municipalities(only),
        with_geometry,
        limit,
    )
    .await?;
    let mut response = HttpResponse::Ok();
    response.content_type(format.media_type());
    response.insert_header((header::VARY, "Accept, Authorization"));
    Ok(match format {
        Format::Json => response.json(ChecksReport::new(
            towns,
            found.into_iter().map(|m| m.finding).collect(),
            truncated,
            limit,
        )),
        Format::GeoJson => response.json(ChecksFeatureCollection::new(
            &towns, found, truncated, limit,
        )),
    })
}

/// The warnings of a plot write: its findings, or `None` when the caller's token does not read
/// the municipality's internal data (findings name drafts) or the checks could not run (a
/// timeout, say). The write has been committed by then, so a failure here is logged, not
/// returned.
pub(crate) async fn plot_warnings(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: i64,
    municipality_id: i64,
) -> Option<Vec<Finding>> {
    if !access::sees_findings(caller.principal(), municipality_id) {
        return None;
    }
    match db::checks::for_plot(conn, id).await {
        Ok(findings) => Some(findings),
        Err(error) => {
            tracing::warn!(plot_id = id, %error, "spatial checks after a plot write failed");
            None
        }
    }
}

/// The warnings of a plot write: what is implausible about the plot written (`found`,
/// `domain::plausibility`: about the caller's own data, so given to every writer), then the
/// spatial findings (`plot_warnings`). `None` when there are no plausibility findings and the
/// spatial ones are not the caller's to see or could not run.
pub(crate) async fn written_plot_warnings(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    plot: PlotRef,
    municipality_id: i64,
    found: Vec<Plausibility>,
) -> Option<Vec<Finding>> {
    let spatial = plot_warnings(conn, caller, plot.id, municipality_id).await;
    if spatial.is_none() && found.is_empty() {
        return None;
    }
    let mut all: Vec<Finding> = found
        .into_iter()
        .map(|p| p.into_finding(municipality_id, plot.clone()))
        .collect();
    all.extend(spatial.unwrap_or_default());
    Some(all)
}

/// The findings about an estate after a write to it (the estate outside its municipality, its
/// plots outside it or overlapping each other): like `plot_warnings`, never undoing the write.
pub(crate) async fn estate_warnings(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: i64,
    municipality_id: i64,
) -> Option<Vec<Finding>> {
    if !access::sees_findings(caller.principal(), municipality_id) {
        return None;
    }
    match db::checks::for_estate(conn, id).await {
        Ok(findings) => Some(findings),
        Err(error) => {
            tracing::warn!(estate_id = id, %error, "spatial checks after an estate write failed");
            None
        }
    }
}
