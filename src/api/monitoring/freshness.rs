//! `GET /monitoring/freshness`: stale, never confirmed and incomplete plots per municipality
//! (`domain::freshness`).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, QueryParams};
use crate::api::AppState;
use crate::db;
use crate::domain::access;
use crate::domain::freshness::{self, MunicipalityFreshness, RECOMMENDED};

/// Longest list per municipality and kind.
const MAX_LIMIT: usize = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FreshnessParams {
    /// Most plots listed per municipality in each list, 1–1000 (default 100); the counts are
    /// always complete, `truncated` says when a list was cut.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Freshness of the plot data per municipality.
#[derive(Debug, Serialize, ToSchema)]
pub struct FreshnessReport {
    /// Today in Germany, the day ages are counted to.
    #[schema(value_type = String, format = Date)]
    pub today: NaiveDate,
    /// `GWF_STALE_AFTER_DAYS`: data confirmed longer ago is stale. Units: days.
    pub stale_after_days: u32,
    /// The facts the completeness score counts, in words.
    pub recommended: Vec<&'static str>,
    pub municipalities: Vec<MunicipalityFreshness>,
}

/// Freshness of the plot data
///
/// Per municipality: plots whose data is stale (confirmed more than `stale_after_days` ago),
/// plots never confirmed since they were created, and a completeness score — the share of the
/// recommended facts filled: a price or "on request", a B-Plan status other than `none`,
/// servicing (other than `none`, or road, water, sewage and power recorded), broadband,
/// distance to the motorway (the plot's or its estate's), a contact (the plot's, estate's or
/// town's) and an English description — with the missing facts per plot. Drafts are included,
/// deleted plots not. Staff only; editors get their own municipalities.
#[utoipa::path(
    get,
    path = "/monitoring/freshness",
    tag = "monitoring",
    params(FreshnessParams),
    responses(
        (status = 200, description = "Per municipality", body = FreshnessReport),
        r::BadQuery,
        r::NeedsToken,
        (status = 403, description = "The token does not read", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn freshness_report(
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<FreshnessParams>,
) -> Result<HttpResponse, ApiError> {
    let scope = access::freshness_scope(caller.principal())?;
    let limit = match params.limit {
        None => 100,
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
        Some(_) => {
            return Err(ApiError::bad_parameter(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ))
        }
    };
    let mut conn = state.pool.get().await?;
    let plots = db::monitoring::freshness(&mut conn, scope.as_deref()).await?;
    drop(conn);
    let today = freshness::today();
    let after = state.settings.stale_after_days;
    let report = FreshnessReport {
        today,
        stale_after_days: after,
        recommended: RECOMMENDED.to_vec(),
        municipalities: freshness::report(plots, today, after, limit),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, "Authorization"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(report))
}
