//! The offline basemap: the operator's PMTiles archive (`GWF_BASEMAP_PMTILES`, docs/basemap.md)
//! served from this origin, so a trade-fair screen without internet still shows roads, towns
//! and water. The browser reads it with HTTP range requests (the `pmtiles` library in
//! `web/assets/pmtiles.js`); the style that draws it is `web/assets/basemap.js`.

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentEncoding};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::api::error::ApiError;
use crate::api::AppState;

/// Where the pages find the archive (the pages' `basemapPmtiles` setting).
pub const PATH: &str = "/basemap.pmtiles";

/// The archive, whole or in byte ranges: `Range` gives 206 with `Content-Range`, a range
/// outside the file 416, `If-Range` with a stale ETag the whole file (RFC 9110). Only the
/// first of several ranges is served (the `pmtiles` reader asks for one at a time). The file
/// is streamed in chunks, never read whole into memory.
pub async fn pmtiles(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let Some(path) = &state.settings.basemap_pmtiles else {
        return Err(ApiError::NotFound(
            "no offline basemap is configured (GWF_BASEMAP_PMTILES)".to_owned(),
        ));
    };
    let owned = path.clone();
    // Opening reads metadata: off the async workers, like other file IO.
    let opened = web::block(move || NamedFile::open(owned))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("blocking pool: {e}")))?;
    let file = opened.map_err(|e| {
        // Checked at start-up; gone since (the operator replaced or removed it).
        tracing::error!(path = %path.display(), error = %e, "the offline basemap cannot be read");
        ApiError::NotFound("the offline basemap cannot be read".to_owned())
    })?;
    let mut response = file
        .set_content_type(actix_web::mime::APPLICATION_OCTET_STREAM)
        .disable_content_disposition()
        // Tiles inside are compressed already; gzip on the way would also break byte offsets.
        .set_content_encoding(ContentEncoding::Identity)
        .into_response(&req);
    // The ETag (size and modification time) tells the reader when the operator swaps the file.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}
