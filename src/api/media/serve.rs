//! The files of photos and documents: `GET /media/{id}/{hash}/{file}`. The URL names the
//! content, so an answer never changes: cached for a year (`immutable`) with an `ETag`. The
//! reader's rights are those of the item (`may_read_media`), asked on every request; what the
//! public reads may be kept by shared caches, the rest only by the reader's browser.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use super::readable;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::Caller;
use crate::api::AppState;
use crate::domain::access::{may_read_media, ReadScope};
use crate::domain::media::{is_hash, object_key, variants_of, Variant};

/// A photo or document file
///
/// `file` is `thumb.jpg` (within 160 px), `400.jpg`, `1200.jpg` (images) or `document.pdf`.
/// Take the URLs from an item's `links`. PDFs come as downloads (`Content-Disposition:
/// attachment`) unless the item is `inline`; every file carries `Content-Security-Policy:
/// sandbox`, so a hostile PDF runs no script in this origin.
#[utoipa::path(
    get,
    path = "/media/{id}/{hash}/{file}",
    tag = "media",
    params(
        ("id" = i64, Path, description = "Media id"),
        ("hash" = String, Path, description = "The item's content hash"),
        ("file" = String, Path, description = "thumb.jpg, 400.jpg, 1200.jpg or document.pdf"),
    ),
    responses(
        (status = 200, description = "The file", content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "application/pdf"),
        ), headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such file (or not visible to you)", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
pub async fn media_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (raw_id, hash, file) = path.into_inner();
    let missing = || ApiError::NotFound("no such media file".into());
    let variant = Variant::parse(&file).ok_or_else(missing)?;
    if !is_hash(&hash) {
        return Err(missing());
    }
    let found = {
        let mut conn = state.pool.get().await?;
        readable(&mut conn, &caller, &raw_id, false).await?
    };
    if found.row.content_hash != hash || !variants_of(&found.row.content_type).contains(&variant) {
        return Err(missing());
    }
    let public = may_read_media(
        &ReadScope::Public,
        found.municipality_id,
        found.published,
        found.row.internal,
    );
    let etag = format!("\"{}-{}\"", &hash[..16], variant.file_name());
    let cache = if public {
        "public, max-age=31536000, immutable"
    } else {
        "private, max-age=31536000, immutable"
    };
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if matches {
        HttpResponse::NotModified().finish()
    } else {
        let bytes = state
            .media
            .get(&object_key(&hash, variant))
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!(
                    "media object {} is missing (run `gewerbeflaechen media check`)",
                    object_key(&hash, variant)
                ))
            })?;
        let mut builder = HttpResponse::Ok();
        builder.content_type(variant.content_type());
        if variant == Variant::Document {
            let disposition = if found.row.inline {
                "inline"
            } else {
                "attachment"
            };
            builder.insert_header((
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"document-{}.pdf\"", found.row.id),
            ));
        }
        builder.body(bytes)
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        ),
    );
    Ok(response)
}
