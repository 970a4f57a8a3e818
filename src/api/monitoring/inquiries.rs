//! `GET /monitoring/inquiries`: demand against supply from the inquiries (`domain::inquiry::
//! stats`). Anonymous aggregates, so they are read like the other monitoring figures.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::Caller;
use crate::api::AppState;
use crate::db;
use crate::domain::access;
use crate::domain::inquiry::stats::DemandReport;

/// Demand figures from the inquiries
///
/// Per year: requested against offered size classes and types of use; over all years: why
/// deals were lost, the pipeline's statuses, and the median time to the first response.
/// Counts only, nothing about a person or an inquiry. Staff whose token reads, or everyone
/// when `GWF_MONITORING_PUBLIC=true`.
#[utoipa::path(
    get,
    path = "/monitoring/inquiries",
    tag = "monitoring",
    responses(
        (status = 200, description = "The figures", body = DemandReport),
        r::NeedsToken,
        (status = 403, description = "The token does not read", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn demand(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    access::authorize_monitoring(caller.principal(), state.settings.monitoring_public)?;
    let mut conn = state.pool.get().await?;
    let report = db::inquiry_demand::demand(&mut conn).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, max-age=60"))
        .json(report))
}
