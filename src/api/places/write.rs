//! Creating, changing and deleting regions, municipalities and estates, and their histories.
//! Regions and municipalities are the region's set-up (admins); estates belong to their
//! municipality's editors, as its plots do (`domain::access::authorize_place`). Every change
//! needs `If-Match` with the version read, and leaves a history entry.

use actix_web::http::header::IF_MATCH;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::core::{self, patched, respond, Schema};
use super::place_id;
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, JsonBody};
use crate::api::plots::IfMatch;
use crate::api::views::{Estate, EstateWithWarnings, HistoryEntry, Municipality, Region};
use crate::api::AppState;
use crate::db;
use crate::domain::checks::EstateRef;
use crate::domain::place::{EstateData, MunicipalityData, PlaceKind, RegionData};
use crate::domain::plausibility::Plausibility;
use crate::domain::FieldError;

/// The changes of a place, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceHistory {
    /// `region`, `municipality` or `estate`.
    pub kind: &'static str,
    pub id: i64,
    /// Newest first.
    pub items: Vec<HistoryEntry>,
}

/// The place as its readers see it now, for write responses.
async fn view(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    kind: PlaceKind,
    Written { id, slivers }: Written,
) -> Result<(i32, Value), ApiError> {
    let set = &caller.plot_set();
    let gone = || ApiError::internal(anyhow::anyhow!("{} {id} vanished", kind.as_str()));
    match kind {
        PlaceKind::Region => {
            let row = db::places::region(conn, id).await?.ok_or_else(gone)?;
            let view = Region::from(row);
            Ok((view.version, to_json(&view)?))
        }
        PlaceKind::Municipality => {
            let (row, count) = db::places::municipality_with_count(conn, set, id)
                .await?
                .ok_or_else(gone)?;
            let view = Municipality::from_row(row, count);
            Ok((view.version, to_json(&view)?))
        }
        PlaceKind::Estate => {
            let (row, count) = db::places::estate_with_count(conn, set, id)
                .await?
                .ok_or_else(gone)?;
            let estate = Estate::from_row(row, count);
            let town = estate.municipality_id;
            let spatial = crate::api::checks::estate_warnings(conn, caller, id, town).await;
            // Slivers are about the writer's own outline: told to every writer, as for plots.
            let warnings = match slivers {
                None => spatial,
                Some(slivers) => {
                    let about = EstateRef {
                        id,
                        name: estate.name.clone(),
                    };
                    let mut all = vec![slivers.into_estate_finding(town, about)];
                    all.extend(spatial.unwrap_or_default());
                    Some(all)
                }
            };
            let view = EstateWithWarnings { estate, warnings };
            Ok((view.estate.version, to_json(&view)?))
        }
    }
}

/// One `view` serves the three kinds, so it answers with the view as a JSON value.
fn to_json<T: Serialize>(view: &T) -> Result<Value, ApiError> {
    serde_json::to_value(view).map_err(ApiError::internal)
}

fn path_of(kind: PlaceKind) -> &'static str {
    match kind {
        PlaceKind::Region => "regions",
        PlaceKind::Municipality => "municipalities",
        PlaceKind::Estate => "estates",
    }
}

/// A place just written, and the slivers dropped from its outline.
pub(super) struct Written {
    pub id: i64,
    pub slivers: Option<Plausibility>,
}

pub(super) async fn answer(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    kind: PlaceKind,
    written: Written,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let id = written.id;
    let (version, body) = view(&mut conn, caller, kind, written).await?;
    Ok(respond(
        req,
        state,
        status,
        path_of(kind),
        id,
        version,
        body,
    ))
}

async fn create<S: Schema>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    let (id, slivers) = core::create::<S>(&state, &caller, body).await?;
    let written = Written { id, slivers };
    answer(&req, &state, &caller, S::KIND, written, StatusCode::CREATED).await
}

async fn replace<S: Schema>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    raw_id: &str,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    let id = place_id(raw_id, S::KIND.as_str())?;
    let if_match = req.headers().get(IF_MATCH).cloned();
    let (id, slivers) = core::change::<S>(&state, &caller, id, if_match, |_| {
        core::data_from_document(body)
    })
    .await?;
    let written = Written { id, slivers };
    answer(&req, &state, &caller, S::KIND, written, StatusCode::OK).await
}

async fn patch<S: Schema>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    raw_id: &str,
    patch: Value,
) -> Result<HttpResponse, ApiError> {
    let id = place_id(raw_id, S::KIND.as_str())?;
    if !patch.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "",
            "a merge patch must be a JSON object",
        )]));
    }
    let if_match = req.headers().get(IF_MATCH).cloned();
    let (id, slivers) = core::change::<S>(&state, &caller, id, if_match, |stored| {
        patched(stored, &patch)
    })
    .await?;
    let written = Written { id, slivers };
    answer(&req, &state, &caller, S::KIND, written, StatusCode::OK).await
}

async fn delete<S: Schema>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    raw_id: &str,
) -> Result<HttpResponse, ApiError> {
    let id = place_id(raw_id, S::KIND.as_str())?;
    let if_match = req.headers().get(IF_MATCH).cloned();
    core::delete::<S>(&state, &caller, id, if_match).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    kind: PlaceKind,
    raw_id: &str,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff_read()?;
    let id = place_id(raw_id, kind.as_str())?;
    let mut conn = state.pool.get().await?;
    let set = caller.plot_set();
    let visible = match kind {
        PlaceKind::Region => db::places::region(&mut conn, id).await?.is_some(),
        PlaceKind::Municipality => db::places::municipality(&mut conn, id).await?.is_some(),
        PlaceKind::Estate => db::places::estate(&mut conn, &set, id).await?.is_some(),
    };
    if !visible {
        return Err(ApiError::NotFound(format!(
            "no {} with id {id}",
            kind.as_str()
        )));
    }
    let items = db::place_writes::history(&mut conn, kind, id)
        .await?
        .into_iter()
        .map(HistoryEntry::from)
        .collect();
    Ok(HttpResponse::Ok().json(PlaceHistory {
        kind: kind.as_str(),
        id,
        items,
    }))
}

// The operations, one per method and kind: thin, so that each has its own documentation.

/// Create a region
///
/// Admins only. Answers `201` with the region and its `ETag`.
#[utoipa::path(post, path = "/regions", tag = "places", request_body = RegionData,
    responses((status = 201, description = "Created", body = Region, headers(("ETag" = String), ("Location" = String))),
        r::BadBody, r::NeedsToken, r::NotAdmin,
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        r::TooLarge, r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn create_region(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    create::<RegionData>(req, state, caller, body).await
}

/// Replace a region
///
/// Admins only; `If-Match` required. Absent optional fields become empty.
#[utoipa::path(put, path = "/regions/{id}", tag = "places", request_body = RegionData,
    params(("id" = i64, Path, description = "Region id"), IfMatch),
    responses((status = 200, description = "Replaced", body = Region, headers(("ETag" = String))),
        r::BadBody, r::NeedsToken, r::NotAdmin,
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::TooLarge, r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn replace_region(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    replace::<RegionData>(req, state, caller, &id, body).await
}

/// Update some fields of a region
///
/// JSON Merge Patch (RFC 7396); admins only; `If-Match` required.
#[utoipa::path(patch, path = "/regions/{id}", tag = "places",
    request_body(content((RegionData = "application/merge-patch+json"), (RegionData = "application/json"))),
    params(("id" = i64, Path, description = "Region id"), IfMatch),
    responses((status = 200, description = "Updated", body = Region, headers(("ETag" = String))),
        r::BadBody, r::NeedsToken, r::NotAdmin,
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::TooLarge, r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn patch_region(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    patch::<RegionData>(req, state, caller, &id, body).await
}

/// Delete a region
///
/// A soft delete, refused (409) while municipalities still belong to it. Admins only;
/// `If-Match` required.
#[utoipa::path(delete, path = "/regions/{id}", tag = "places",
    params(("id" = i64, Path, description = "Region id"), IfMatch),
    responses((status = 204, description = "Deleted"),
        r::BadIfMatch, r::NeedsToken, r::NotAdmin,
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Municipalities still belong to it", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn delete_region(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    delete::<RegionData>(req, state, caller, &id).await
}

/// History of a region
///
/// Every change, newest first. Staff only.
#[utoipa::path(get, path = "/regions/{id}/history", tag = "places",
    params(("id" = i64, Path, description = "Region id")),
    responses((status = 200, description = "The history", body = PlaceHistory),
        r::NeedsToken,
        (status = 403, description = "The token does not read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json"),
        r::Busy),
    security(("bearer" = [])))]
pub async fn region_history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    history(state, caller, PlaceKind::Region, &id).await
}

/// Create a municipality
///
/// Admins only. `ags` is the official 8-digit key; `outline` GeoJSON in EPSG:4326 (a copy
/// generalised to about 10 m is kept for maps). For many towns at once use
/// `gewerbeflaechen places import-municipalities` with the official VG250 file.
#[utoipa::path(post, path = "/municipalities", tag = "places", request_body = MunicipalityData,
    responses((status = 201, description = "Created", body = Municipality, headers(("ETag" = String), ("Location" = String))),
        r::BadBody, r::NeedsToken, r::NotAdmin,
        (status = 409, description = "AGS taken", body = Problem, content_type = "application/problem+json"),
        r::TooLarge, r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn create_municipality(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    create::<MunicipalityData>(req, state, caller, body).await
}

/// Replace a municipality
///
/// Admins only (changing `region_id` moves it to another region); `If-Match` required.
#[utoipa::path(put, path = "/municipalities/{id}", tag = "places", request_body = MunicipalityData,
    params(("id" = i64, Path, description = "Municipality id"), IfMatch),
    responses((status = 200, description = "Replaced", body = Municipality, headers(("ETag" = String))),
        r::BadBody, r::NeedsToken, r::NotAdmin,
        (status = 404, description = "No such municipality", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "AGS taken", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::TooLarge, r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn replace_municipality(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    replace::<MunicipalityData>(req, state, caller, &id, body).await
}

/// Update some fields of a municipality
///
/// JSON Merge Patch (RFC 7396), e.g. `{"contact_email": "…"}` or `{"region_id": 2}`; admins
/// only; `If-Match` required.
#[utoipa::path(patch, path = "/municipalities/{id}", tag = "places",
    request_body(content((MunicipalityData = "application/merge-patch+json"), (MunicipalityData = "application/json"))),
    params(("id" = i64, Path, description = "Municipality id"), IfMatch),
    responses((status = 200, description = "Updated", body = Municipality, headers(("ETag" = String))),
        r::BadBody, r::NeedsToken, r::NotAdmin,
        (status = 404, description = "No such municipality", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "AGS taken", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::TooLarge, r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn patch_municipality(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    patch::<MunicipalityData>(req, state, caller, &id, body).await
}

/// Delete a municipality
///
/// A soft delete, refused (409) while estates or plots (drafts included) belong to it. Admins
/// only; `If-Match` required.
#[utoipa::path(delete, path = "/municipalities/{id}", tag = "places",
    params(("id" = i64, Path, description = "Municipality id"), IfMatch),
    responses((status = 204, description = "Deleted"),
        r::BadIfMatch, r::NeedsToken, r::NotAdmin,
        (status = 404, description = "No such municipality", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Estates or plots still belong to it", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn delete_municipality(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    delete::<MunicipalityData>(req, state, caller, &id).await
}

/// History of a municipality
///
/// Every change, newest first. Staff only.
#[utoipa::path(get, path = "/municipalities/{id}/history", tag = "places",
    params(("id" = i64, Path, description = "Municipality id")),
    responses((status = 200, description = "The history", body = PlaceHistory),
        r::NeedsToken,
        (status = 403, description = "The token does not read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such municipality", body = Problem, content_type = "application/problem+json"),
        r::Busy),
    security(("bearer" = [])))]
pub async fn municipality_history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    history(state, caller, PlaceKind::Municipality, &id).await
}

/// Create an estate
///
/// Editors in their own municipalities, admins anywhere. New estates are drafts unless
/// `published` is true: a draft is shown to staff only, and its plots show no estate name.
/// Estate writes answer with `warnings`: spatial findings about the estate (see
/// `GET /places/checks`), which never block the write.
#[utoipa::path(post, path = "/estates", tag = "places", request_body = EstateData,
    responses((status = 201, description = "Created", body = EstateWithWarnings, headers(("ETag" = String), ("Location" = String))),
        r::BadBody, r::NeedsToken,
        (status = 403, description = "Not one of your municipalities, or a viewer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken in the municipality", body = Problem, content_type = "application/problem+json"),
        r::TooLarge, r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn create_estate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    create::<EstateData>(req, state, caller, body).await
}

/// Replace an estate
///
/// `If-Match` required. Moving an estate to another municipality is refused while plots lie
/// in it.
#[utoipa::path(put, path = "/estates/{id}", tag = "places", request_body = EstateData,
    params(("id" = i64, Path, description = "Estate id"), IfMatch),
    responses((status = 200, description = "Replaced", body = EstateWithWarnings, headers(("ETag" = String))),
        r::BadBody, r::NeedsToken,
        (status = 403, description = "Not one of your municipalities, or a viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such estate", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken, or plots still in it when moving", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::TooLarge, r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn replace_estate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    replace::<EstateData>(req, state, caller, &id, body).await
}

/// Update some fields of an estate
///
/// JSON Merge Patch (RFC 7396); `{"published": true}` publishes a draft (recorded as
/// `publish`). `If-Match` required.
#[utoipa::path(patch, path = "/estates/{id}", tag = "places",
    request_body(content((EstateData = "application/merge-patch+json"), (EstateData = "application/json"))),
    params(("id" = i64, Path, description = "Estate id"), IfMatch),
    responses((status = 200, description = "Updated", body = EstateWithWarnings, headers(("ETag" = String))),
        r::BadBody, r::NeedsToken,
        (status = 403, description = "Not one of your municipalities, or a viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such estate", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken, or plots still in it when moving", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::TooLarge, r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn patch_estate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    patch::<EstateData>(req, state, caller, &id, body).await
}

/// Delete an estate
///
/// A soft delete, refused (409) while plots (drafts included) lie in it. `If-Match` required.
#[utoipa::path(delete, path = "/estates/{id}", tag = "places",
    params(("id" = i64, Path, description = "Estate id"), IfMatch),
    responses((status = 204, description = "Deleted"),
        r::BadIfMatch, r::NeedsToken,
        (status = 403, description = "Not one of your municipalities, or a viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such estate", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Plots still lie in it", body = Problem, content_type = "application/problem+json"),
        r::Stale, r::NoIfMatch, r::Busy, r::RateLimited),
    security(("bearer" = [])))]
pub async fn delete_estate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    delete::<EstateData>(req, state, caller, &id).await
}

/// History of an estate
///
/// Every change, newest first. Staff who see the estate.
#[utoipa::path(get, path = "/estates/{id}/history", tag = "places",
    params(("id" = i64, Path, description = "Estate id")),
    responses((status = 200, description = "The history", body = PlaceHistory),
        r::NeedsToken,
        (status = 403, description = "The token does not read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such estate", body = Problem, content_type = "application/problem+json"),
        r::Busy),
    security(("bearer" = [])))]
pub async fn estate_history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    history(state, caller, PlaceKind::Estate, &id).await
}
