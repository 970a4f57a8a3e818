//! Photos and documents of plots (docs/media.md): upload, list, read, change and delete items
//! here; the files themselves in `serve`.
//!
//! An upload is checked in this order, each step bounded before the next costs more: the
//! caller's rights on the plot (before the body is read), the body's size
//! (`GWF_MEDIA_MAX_BYTES`, 413), its type by its bytes (415), the item's facts (422), an
//! image's pixels by its header (`GWF_MEDIA_MAX_PIXELS`, 413), then decoding and resizing on
//! the blocking pool, a few at a time (`GWF_MEDIA_CONCURRENCY`).

pub mod estate;
mod owner;
pub mod serve;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use diesel_async::AsyncConnection;

use super::error::responses as r;
use super::error::{ApiError, Problem};
use super::extract::{off_worker, read_body_capped, Caller, JsonBody, QueryParams};
use super::plots::{merge_patch, plot_key, required_version, IfMatch};
use super::views::media::{Media, MediaList};
use super::AppState;
use crate::db;
use crate::db::media::{MediaChanges, MediaRow, NewMedia, OwnedMedia};
use crate::domain::access::{may_read_media, PlotAction};
use crate::domain::history::Via;
use crate::domain::media::process::{self, Refused};
use crate::domain::media::{
    content_hash, object_key, sniff, variants_of, MediaData, MediaKind, MediaOwner, Sniffed,
};
use crate::domain::plot::PlotKey;
use crate::domain::FieldError;

/// Upload a photo or document
///
/// The body is the file itself (any `Content-Type`: the type is decided from the bytes alone —
/// JPEG, PNG, WebP or PDF, else 415). The item's facts come as query parameters (change them
/// later with `PATCH /media/{id}`). Images are stored in three sizes as JPEG, re-encoded from
/// their pixels, so no EXIF or XMP (GPS positions, camera serials) is kept; the upload itself
/// is not stored. Images over `GWF_MEDIA_MAX_PIXELS` are refused from their header, before
/// decoding (413). On a published plot a public item needs `credit` and `licence`.
/// Whoever may change the plot may upload.
#[utoipa::path(
    post,
    path = "/plots/{key}/media",
    tag = "media",
    params(("key" = String, Path, description = "Plot id or reference"), MediaData),
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
        r::ForeignPlot,
        r::NoSuchPlot,
        (status = 413, description = "Larger than `GWF_MEDIA_MAX_BYTES`, or more pixels than `GWF_MEDIA_MAX_PIXELS`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JPEG, PNG, WebP or PDF (by its bytes)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unreadable image, or facts that break a rule", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn upload_plot_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    QueryParams(params): QueryParams<MediaData>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require_plot_writer()?;
    let key = plot_key(&key)?;
    let set = caller.plot_set();
    let plot_id = {
        let mut conn = state.pool.get().await?;
        let (row, _) = db::plots::find(&mut conn, &set, &key)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no plot {key}")))?;
        let current = row.facts.municipality_id;
        caller
            .authorize_named(&mut conn, PlotAction::EditMedia { current })
            .await?;
        row.id
    };
    let received = receive(&req, &state, payload, params).await?;

    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    let row = conn
        .transaction(async |conn| {
            let (plot, _) = db::plots::lock(conn, &PlotKey::Id(plot_id), &set)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("no plot {key}")))?;
            let current = plot.facts.municipality_id;
            caller
                .authorize_named(conn, PlotAction::EditMedia { current })
                .await?;
            let owner = MediaOwner::Plot(plot_id);
            owner::insert(conn, owner, plot.internal.published, &received, &actor).await
        })
        .await?;
    Ok(owner::created(row, &state.base_url(&req)))
}

/// An upload read, judged by its bytes, its facts checked and its files stored.
pub(super) struct Received {
    pub data: MediaData,
    pub sniffed: Sniffed,
    pub hash: String,
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

impl Received {
    /// The new row, for a plot or an estate.
    pub(super) fn row(&self, owner: MediaOwner) -> NewMedia {
        let data = &self.data;
        let (plot_id, estate_id) = match owner {
            MediaOwner::Plot(id) => (Some(id), None),
            MediaOwner::Estate(id) => (None, Some(id)),
        };
        NewMedia {
            plot_id,
            estate_id,
            kind: data
                .kind
                .unwrap_or_else(|| MediaKind::default_for(self.sniffed))
                .as_str()
                .to_owned(),
            content_hash: self.hash.clone(),
            content_type: self.sniffed.content_type().to_owned(),
            bytes: self.bytes,
            width: self.width,
            height: self.height,
            caption_de: data.caption_de.clone(),
            caption_en: data.caption_en.clone(),
            credit: data.credit.clone(),
            licence: data.licence.clone(),
            position: data.position.unwrap_or(0),
            cover: data.cover.unwrap_or(false),
            internal: data.internal.unwrap_or(false),
            inline: data.inline.unwrap_or(false),
        }
    }
}

/// The body (bounded by `GWF_MEDIA_MAX_BYTES`), its type by its bytes (415), the facts (422),
/// then the files stored (413 for too many pixels): the steps of every upload after the
/// caller's rights were checked.
pub(super) async fn receive(
    req: &HttpRequest,
    state: &AppState,
    payload: web::Payload,
    params: MediaData,
) -> Result<Received, ApiError> {
    let mut payload = payload.into_inner();
    let body = read_body_capped(req, &mut payload, state.settings.media.max_bytes).await?;
    let sniffed = sniff(&body).ok_or_else(|| {
        ApiError::UnsupportedMediaType(
            "the file is not a JPEG, PNG, WebP or PDF (judged by its content, not its name or \
             Content-Type)"
                .into(),
        )
    })?;
    let data = params.tidy();
    let errors = data.validate(sniffed.content_type());
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = content_hash(&body);
    let bytes = body.len() as i64;
    let (width, height) = store_objects(state, &hash, sniffed, body).await?;
    Ok(Received {
        data,
        sniffed,
        hash,
        bytes,
        width,
        height,
    })
}

/// Writes the files of an upload unless they are there already (the same file uploaded before,
/// to any plot): returns the image's width and height.
pub(super) async fn store_objects(
    state: &AppState,
    hash: &str,
    sniffed: Sniffed,
    body: web::Bytes,
) -> Result<(Option<i32>, Option<i32>), ApiError> {
    let variants = variants_of(sniffed.content_type());
    let known = {
        let mut conn = state.pool.get().await?;
        db::media::known(&mut conn, hash).await?
    };
    if let Some((_, _, width, height)) = known {
        let mut all_there = true;
        for variant in variants {
            all_there &= state
                .media
                .exists(&object_key(hash, *variant))
                .await
                .map_err(ApiError::internal)?;
        }
        if all_there {
            return Ok((width, height));
        }
    }
    if !sniffed.is_image() {
        state
            .media
            .put(
                &object_key(hash, crate::domain::media::Variant::Document),
                body.to_vec(),
            )
            .await
            .map_err(ApiError::internal)?;
        return Ok((None, None));
    }
    let limits = state.settings.media.pixels;
    // The header alone, on this worker: cheap, and a bomb is refused without waiting a turn.
    process::checked_dimensions(&body, sniffed, limits).map_err(refused)?;
    let wait = state.settings.cpu_timeout;
    let turn = tokio::time::timeout(wait, state.media_turns.clone().acquire_owned())
        .await
        .map_err(|_| {
            ApiError::Overloaded("too many images are being processed; try again shortly".into())
        })?
        .map_err(ApiError::internal)?;
    let derived = off_worker(wait, move || {
        // Held until the work ends, even when the request has given up waiting for it.
        let _turn = turn;
        process::derive(&body, sniffed, limits)
    })
    .await?
    .map_err(refused)?;
    for (variant, bytes) in derived.objects {
        state
            .media
            .put(&object_key(hash, variant), bytes)
            .await
            .map_err(ApiError::internal)?;
    }
    Ok((
        i32::try_from(derived.width).ok(),
        i32::try_from(derived.height).ok(),
    ))
}

fn refused(why: Refused) -> ApiError {
    match why {
        Refused::TooLarge { width, height } => ApiError::TooMuchContent(format!(
            "the image has {width} × {height} pixels; the limit is a side of at most \
             GWF_MEDIA_MAX_SIDE and at most GWF_MEDIA_MAX_PIXELS pixels in all"
        )),
        Refused::Unreadable(detail) => ApiError::Validation(vec![FieldError::new(
            "",
            format!("the image cannot be read: {detail}"),
        )]),
    }
}

/// What a history entry records of an item.
pub(super) fn summary(row: &MediaRow) -> Value {
    json!({
        "id": row.id,
        "kind": row.kind,
        "content_hash": row.content_hash,
        "caption_de": row.caption_de,
        "caption_en": row.caption_en,
        "credit": row.credit,
        "licence": row.licence,
        "position": row.position,
        "cover": row.cover,
        "internal": row.internal,
        "inline": row.inline,
    })
}

pub(super) fn media_response(
    status: actix_web::http::StatusCode,
    row: MediaRow,
    base: &str,
) -> HttpResponse {
    let version = row.version;
    let mut response = HttpResponse::build(status).json(Media::from_row(row, base));
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Authorization"));
    response
}

/// The media of a plot
///
/// In gallery order (`position`, then upload). Drafts' media are the drafts' readers' only;
/// `internal` items are for staff who read the plot's internal fields.
#[utoipa::path(
    get,
    path = "/plots/{key}/media",
    tag = "media",
    params(("key" = String, Path, description = "Plot id or reference")),
    responses(
        (status = 200, description = "The media", body = MediaList),
        r::NoSuchPlot,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn list_plot_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = plot_key(&key)?;
    let mut conn = state.pool.get().await?;
    let (row, _) = db::plots::find(&mut conn, &caller.plot_set(), &key)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no plot {key}")))?;
    let scope = caller.scope();
    let base = state.base_url(&req);
    let items = db::media::of_plots(&mut conn, &[row.id])
        .await?
        .into_iter()
        .filter(|m| {
            may_read_media(
                &scope,
                row.facts.municipality_id,
                row.internal.published,
                m.internal,
            )
        })
        .map(|m| Media::from_row(m, &base))
        .collect();
    Ok(HttpResponse::Ok().json(MediaList {
        plot_id: row.id,
        items,
    }))
}

/// Reads an item the caller may see (404 otherwise, as for plots).
pub(super) async fn readable(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    raw_id: &str,
    lock: bool,
) -> Result<OwnedMedia, ApiError> {
    let missing = || ApiError::NotFound(format!("no media item `{raw_id}`"));
    let id: i64 = raw_id.parse().map_err(|_| missing())?;
    let found = db::media::find(conn, id, lock).await?.ok_or_else(missing)?;
    if !may_read_media(
        &caller.scope(),
        found.municipality_id,
        found.published,
        found.row.internal,
    ) {
        return Err(missing());
    }
    Ok(found)
}

/// Get a photo or document's facts
#[utoipa::path(
    get,
    path = "/media/{id}",
    tag = "media",
    params(("id" = i64, Path, description = "Media id")),
    responses(
        (status = 200, description = "The item", body = Media, headers(("ETag" = String))),
        (status = 404, description = "No such item (or not visible to you)", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn get_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let found = readable(&mut conn, &caller, &id, false).await?;
    Ok(media_response(
        actix_web::http::StatusCode::OK,
        found.row,
        &state.base_url(&req),
    ))
}

/// Change a photo or document's facts
///
/// JSON Merge Patch of `MediaData` (caption, credit, licence, kind, position, cover,
/// internal, inline). `If-Match` with the item's ETag is required. Setting `cover` takes it
/// from the plot's other items.
#[utoipa::path(
    patch,
    path = "/media/{id}",
    tag = "media",
    params(("id" = i64, Path, description = "Media id"), IfMatch),
    request_body(content((MediaData = "application/merge-patch+json"), (MediaData = "application/json"))),
    responses(
        (status = 200, description = "Changed", body = Media, headers(("ETag" = String))),
        r::BadIfMatch,
        r::NeedsToken,
        r::ForeignPlot,
        (status = 404, description = "No such item (or not visible to you)", body = Problem, content_type = "application/problem+json"),
        r::Stale,
        r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::NoIfMatch,
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn patch_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(patch): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require_account()?;
    if !patch.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "",
            "a merge patch must be a JSON object",
        )]));
    }
    let if_match = req.headers().get(header::IF_MATCH).cloned();
    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    let row = conn
        .transaction(async |conn| {
            let found = readable(conn, &caller, &id, true).await?;
            owner::authorize_edit(conn, &caller, found.owner, found.municipality_id).await?;
            let expected = required_version(if_match.as_ref())?;
            if found.row.version != expected {
                return Err(ApiError::PreconditionFailed {
                    current_version: found.row.version,
                });
            }
            let before = summary(&found.row);
            let mut document = json!({
                "kind": found.row.kind,
                "caption_de": found.row.caption_de,
                "caption_en": found.row.caption_en,
                "credit": found.row.credit,
                "licence": found.row.licence,
                "position": found.row.position,
                "cover": found.row.cover,
                "internal": found.row.internal,
                "inline": found.row.inline,
            });
            merge_patch(&mut document, &patch);
            let data: MediaData = serde_json::from_value(document)
                .map_err(|e| ApiError::Validation(vec![FieldError::new("", e.to_string())]))
                .map(MediaData::tidy)?;
            let errors = data.validate(&found.row.content_type);
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            owner::check_credit(found.owner, found.published, &data)?;
            let internal = data.internal.unwrap_or(false);
            let changes = MediaChanges {
                kind: data
                    .kind
                    .map_or(found.row.kind.clone(), |k| k.as_str().to_owned()),
                caption_de: data.caption_de,
                caption_en: data.caption_en,
                credit: data.credit,
                licence: data.licence,
                position: data.position.unwrap_or(0),
                cover: data.cover.unwrap_or(false),
                internal,
                inline: data.inline.unwrap_or(false),
            };
            if changes.cover {
                db::media::clear_cover(conn, found.owner, found.row.id).await?;
            }
            let row = db::media::update(conn, found.row.id, &changes).await?;
            let after = summary(&row);
            if before != after {
                let change = json!([{"field": "media", "from": before, "to": after}]);
                owner::touch(conn, found.owner, &actor, &change).await?;
            }
            Ok::<_, ApiError>(row)
        })
        .await?;
    Ok(media_response(
        actix_web::http::StatusCode::OK,
        row,
        &state.base_url(&req),
    ))
}

/// Delete a photo or document
///
/// A soft delete: the item leaves the gallery and its links answer 404; the plot's history
/// keeps the entry. `If-Match` with the item's ETag is required.
#[utoipa::path(
    delete,
    path = "/media/{id}",
    tag = "media",
    params(("id" = i64, Path, description = "Media id"), IfMatch),
    responses(
        (status = 204, description = "Deleted"),
        r::BadIfMatch,
        r::NeedsToken,
        r::ForeignPlot,
        (status = 404, description = "No such item (or not visible to you)", body = Problem, content_type = "application/problem+json"),
        r::Stale,
        r::NoIfMatch,
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn delete_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_account()?;
    let if_match = req.headers().get(header::IF_MATCH).cloned();
    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        let found = readable(conn, &caller, &id, true).await?;
        owner::authorize_edit(conn, &caller, found.owner, found.municipality_id).await?;
        let expected = required_version(if_match.as_ref())?;
        if found.row.version != expected {
            return Err(ApiError::PreconditionFailed {
                current_version: found.row.version,
            });
        }
        db::media::soft_delete(conn, found.row.id).await?;
        let change = json!([{"field": "media", "from": summary(&found.row), "to": null}]);
        owner::touch(conn, found.owner, &actor, &change).await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The refusal of a publication while public items lack credit or licence.
pub fn uncredited_problem(rows: &[MediaRow]) -> ApiError {
    ApiError::Validation(
        rows.iter()
            .map(|row| {
                FieldError::new(
                    format!("/media/{}", row.id),
                    "give this photo or document `credit` and `licence` (PATCH /media/{id}) \
                     or make it internal before publishing",
                )
            })
            .collect(),
    )
}
