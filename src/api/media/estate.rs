//! Photos and documents of estates (docs/media.md): upload and list here; reading, changing and
//! deleting one item is `/media/{id}` as for plots. Rights are the estate's
//! (`PlaceAction::EditEstateMedia`); changes go to the estate's history.

use actix_web::{web, HttpRequest, HttpResponse};
use diesel_async::AsyncConnection;

use super::{owner, receive};
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, QueryParams};
use crate::api::views::media::{EstateMediaList, Media};
use crate::api::AppState;
use crate::db;
use crate::domain::access::{self, may_read_media};
use crate::domain::history::Via;
use crate::domain::media::{MediaData, MediaOwner};
use crate::domain::place::PlaceKind;

fn estate_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::NotFound(format!("no estate with id {raw}")))
}

/// Upload a photo or document of an estate
///
/// As `POST /plots/{key}/media` (the body is the file, the facts are query parameters), for
/// staff who may change the estate. An estate's public item needs `credit` and `licence`
/// whenever it is public (422 naming the missing one; internal items need neither).
#[utoipa::path(
    post,
    path = "/estates/{id}/media",
    tag = "media",
    params(("id" = i64, Path, description = "Estate id"), MediaData),
    request_body(content(
        (Vec<u8> = "image/jpeg"),
        (Vec<u8> = "image/png"),
        (Vec<u8> = "image/webp"),
        (Vec<u8> = "application/pdf"),
    )),
    responses(
        (status = 201, description = "Stored", body = Media, headers(("Location" = String), ("ETag" = String))),
        r::BadQuery,
        r::NeedsToken,
        (status = 403, description = "Not an estate of your municipalities, or a viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such estate (or not visible to you)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than `GWF_MEDIA_MAX_BYTES`, or more pixels than `GWF_MEDIA_MAX_PIXELS`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JPEG, PNG, WebP or PDF (by its bytes)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unreadable image, a public item without credit or licence, or facts that break a rule", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn upload_estate_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    QueryParams(params): QueryParams<MediaData>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    access::authorize_place_writes(caller.principal())?;
    let id = estate_id(&id)?;
    let missing = || ApiError::NotFound(format!("no estate with id {id}"));
    let owner = MediaOwner::Estate(id);
    {
        let mut conn = state.pool.get().await?;
        let estate = db::places::estate(&mut conn, &caller.plot_set(), id)
            .await?
            .ok_or_else(missing)?;
        owner::authorize_edit(&mut conn, &caller, owner, estate.municipality_id).await?;
    }
    let received = receive(&req, &state, payload, params).await?;

    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    let row = conn
        .transaction(async |conn| {
            // Locked, and its rights asked again: it may have moved meanwhile.
            let estate = db::place_writes::lock(conn, PlaceKind::Estate, id)
                .await?
                .ok_or_else(missing)?;
            let municipality = estate.data.get("municipality_id").and_then(|m| m.as_i64());
            let published = estate.data.get("published").and_then(|p| p.as_bool());
            let (Some(municipality), Some(published)) = (municipality, published) else {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "estate {id} without municipality or state"
                )));
            };
            owner::authorize_edit(conn, &caller, owner, municipality).await?;
            owner::insert(conn, owner, published, &received, &actor).await
        })
        .await?;
    Ok(owner::created(row, &state.base_url(&req)))
}

/// The media of an estate
///
/// In gallery order (`position`, then upload). A draft estate's media are its readers' only;
/// `internal` items are for staff of its municipality.
#[utoipa::path(
    get,
    path = "/estates/{id}/media",
    tag = "media",
    params(("id" = i64, Path, description = "Estate id")),
    responses(
        (status = 200, description = "The media", body = EstateMediaList),
        (status = 404, description = "No such estate (or not visible to you)", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn list_estate_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = estate_id(&id)?;
    let mut conn = state.pool.get().await?;
    let estate = db::places::estate(&mut conn, &caller.plot_set(), id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no estate with id {id}")))?;
    let items = readable_of_estate(&mut conn, &caller, &estate, &state.base_url(&req)).await?;
    Ok(HttpResponse::Ok().json(EstateMediaList {
        estate_id: id,
        items,
    }))
}

/// The items of an estate that the caller may see, with links below `base` (`""`: relative,
/// for pages).
pub async fn readable_of_estate(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    estate: &db::places::EstateRow,
    base: &str,
) -> Result<Vec<Media>, ApiError> {
    let scope = caller.scope();
    Ok(db::media::of_estate(conn, estate.id)
        .await?
        .into_iter()
        .filter(|m| may_read_media(&scope, estate.municipality_id, estate.published, m.internal))
        .map(|m| Media::from_row(m, base))
        .collect())
}
