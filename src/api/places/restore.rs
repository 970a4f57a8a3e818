//! Restoring deleted regions, municipalities and estates (admins), as deleted plots are.

use actix_web::http::header::IF_MATCH;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::core;
use super::place_id;
use super::write::answer;
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::Caller;
use crate::api::plots::IfMatch;
use crate::api::views::{EstateWithWarnings, Municipality, Region};
use crate::api::AppState;
use crate::domain::place::PlaceKind;

async fn restore(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    kind: PlaceKind,
    raw_id: &str,
) -> Result<HttpResponse, ApiError> {
    let id = place_id(raw_id, kind.as_str())?;
    let if_match = req.headers().get(IF_MATCH).cloned();
    core::restore(&state, &caller, kind, id, if_match).await?;
    let written = super::write::Written { id, slivers: None };
    answer(&req, &state, &caller, kind, written, StatusCode::OK).await
}

/// Restore a deleted region
///
/// Admins only; `If-Match` names the version it was deleted at (the newest entry of its
/// history). Refused (409) while the place it belongs to is deleted.
#[utoipa::path(post, path = "/regions/{id}/restore", tag = "places",
    params(("id" = i64, Path, description = "Region id"), IfMatch),
    responses((status = 200, description = "Restored", body = Region, headers(("ETag" = String))),
        r::BadIfMatch, r::NeedsToken, r::NotAdmin,
        (status = 404, description = "No such deleted region", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "What it belongs to is deleted", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn restore_region(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    restore(req, state, caller, PlaceKind::Region, &id).await
}

/// Restore a deleted municipality
///
/// Admins only; `If-Match` names the version it was deleted at (the newest entry of its
/// history). Refused (409) while the place it belongs to is deleted.
#[utoipa::path(post, path = "/municipalities/{id}/restore", tag = "places",
    params(("id" = i64, Path, description = "Municipality id"), IfMatch),
    responses((status = 200, description = "Restored", body = Municipality, headers(("ETag" = String))),
        r::BadIfMatch, r::NeedsToken, r::NotAdmin,
        (status = 404, description = "No such deleted municipality", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "What it belongs to is deleted", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn restore_municipality(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    restore(req, state, caller, PlaceKind::Municipality, &id).await
}

/// Restore a deleted estate
///
/// Admins only; `If-Match` names the version it was deleted at (the newest entry of its
/// history). Refused (409) while the place it belongs to is deleted. It comes back as a draft.
#[utoipa::path(post, path = "/estates/{id}/restore", tag = "places",
    params(("id" = i64, Path, description = "Estate id"), IfMatch),
    responses((status = 200, description = "Restored", body = EstateWithWarnings, headers(("ETag" = String))),
        r::BadIfMatch, r::NeedsToken, r::NotAdmin,
        (status = 404, description = "No such deleted estate", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "What it belongs to is deleted", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn restore_estate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    restore(req, state, caller, PlaceKind::Estate, &id).await
}
