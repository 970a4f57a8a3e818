//! Vector tiles of the plots and their TileJSON.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::tile_cache::{CachedTile, TileCache, Version};
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::QueryParams;
use crate::api::plots::filters::{check_drafts, names_places, settle};
use crate::api::plots::params::SearchParams;
use crate::api::AppState;
use crate::config::protection::Class;
use crate::db;
use crate::db::tiles::CLUSTER_MAX_ZOOM;
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::FieldError;

/// Tiles show what the public sees.
const PUBLIC: PlotSet = PlotSet::Readable(ReadScope::Public);

/// Deepest zoom served; plots are fully detailed long before.
const MAX_ZOOM: u32 = 22;

pub(crate) fn not_modified(req: &HttpRequest, etag: &HeaderValue) -> bool {
    let etag = etag.as_bytes();
    req.headers().get(header::IF_NONE_MATCH).is_some_and(|v| {
        v.as_bytes()
            .split(|b| *b == b',')
            .any(|t| t.trim_ascii() == etag || t.trim_ascii() == b"*")
    })
}

/// A coordinate that is not a number is a bad request; one outside the tile grid of its zoom
/// names a tile that does not exist.
fn tile_coordinate(name: &str, raw: Option<u32>, max: u32) -> Result<u32, ApiError> {
    let value = raw.ok_or_else(|| ApiError::BadRequest {
        detail: format!("tile coordinate `{name}` must be a whole number"),
        errors: vec![FieldError::new(name, "must be a whole number")],
    })?;
    if value > max {
        return Err(ApiError::NotFound(format!(
            "no tile with {name} = {value}: the grid at this zoom ends at {max}"
        )));
    }
    Ok(value)
}

/// `{z}/{x}/{y}.mvt` below `/tiles/plots/`, read from the path by hand: the tile route is the
/// hottest of the service, and the router's pattern matching (a regex per dynamic route) cost
/// several per cent of its CPU. Anything else below `/tiles/` is 404. Each coordinate is `None`
/// when it is not a whole number (400); `y` without `.mvt` is not one either.
pub struct TilePath(Option<u32>, Option<u32>, Option<u32>);

impl TilePath {
    fn parse(path: &str) -> Option<TilePath> {
        let mut parts = path.strip_prefix("/tiles/plots/")?.split('/');
        let (z, x, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || [z, x, y].iter().any(|p| p.is_empty()) {
            return None;
        }
        let number = |raw: &str| raw.parse::<u32>().ok();
        Some(TilePath(
            number(z),
            number(x),
            y.strip_suffix(".mvt").and_then(number),
        ))
    }
}

impl actix_web::FromRequest for TilePath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(TilePath::parse(req.path()).ok_or_else(|| not_a_tile(req)))
    }
}

fn not_a_tile(req: &HttpRequest) -> ApiError {
    ApiError::NotFound(format!(
        "no resource at `{}`; tiles are /tiles/plots/{{z}}/{{x}}/{{y}}.mvt",
        req.path()
    ))
}

/// Everything below `/tiles/` but the TileJSON: tiles for GET, 405 for other methods on a tile
/// path, 404 elsewhere.
pub async fn tiles_fallback(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: QueryParams<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let Some(path) = TilePath::parse(req.path()) else {
        return Err(not_a_tile(&req));
    };
    if req.method() != actix_web::http::Method::GET {
        return Ok(HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET"))
            .finish());
    }
    plot_tile(req, state, path, params).await
}

/// Plot vector tile
///
/// Mapbox Vector Tile (EPSG:3857 XYZ scheme) of the published plots. Up to zoom 9, layer
/// `clusters`: points, one per cell of an 8 × 8 grid per tile, with `count` (plots) and
/// `area_m2` (their total area, m²). From zoom 10, layer `plots`: outlines with the attributes a
/// map styles by and a popup first shows (`id`, `reference`, `status`, `zoning`, `area_m2`,
/// `price_min_eur`, `price_max_eur`, `price_on_request`); titles and place names are in
/// `GET /plots/{id}`. Accepts the filters of `GET /plots`. The `ETag` changes whenever a plot in
/// the tile changes; empty tiles are 204. Clients that accept gzip get the tile gzip-compressed
/// (`Content-Encoding: gzip`) under an `ETag` of its own.
#[utoipa::path(
    get,
    path = "/tiles/plots/{z}/{x}/{y}.mvt",
    tag = "maps",
    params(
        ("z" = u32, Path, description = "Zoom, 0–22", maximum = 22),
        ("x" = u32, Path, description = "Column, 0 to 2^z − 1"),
        ("y" = u32, Path, description = "Row, 0 to 2^z − 1 (XYZ, north first)"),
        SearchParams,
    ),
    responses(
        (status = 200, description = "The tile", content_type = "application/vnd.mapbox-vector-tile",
            headers(("ETag" = String), ("Cache-Control" = String), ("Vary" = String),
                ("Content-Encoding" = String, description = "`gzip` when the client accepts it"))),
        (status = 204, description = "No plot in this tile"),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 400, description = "Bad coordinate or filter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Coordinates outside the tile grid of the zoom", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::RateLimited,
    )
)]
pub async fn plot_tile(
    req: HttpRequest,
    state: web::Data<AppState>,
    TilePath(z, x, y): TilePath,
    QueryParams(params): QueryParams<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let z = match tile_coordinate("z", z, MAX_ZOOM) {
        Err(ApiError::NotFound(_)) => {
            return Err(ApiError::BadRequest {
                detail: format!("zoom must be at most {MAX_ZOOM}"),
                errors: vec![FieldError::new("z", format!("must be 0..={MAX_ZOOM}"))],
            })
        }
        other => other?,
    };
    let max = (1u32 << z) - 1;
    let x = tile_coordinate("x", x, max)?;
    let y = tile_coordinate("y", y, max)?;
    let mut query = params.into_query(None).map_err(ApiError::bad_params)?;
    crate::api::plots::filters::fresh_since(&mut query, state.settings.stale_after_days);
    // A connection only when one is needed: a cached tile under a pushed data version is
    // answered from memory (bench/RESULTS.md, issue 20 item 2). Tiles are cached under the
    // places as named, and only after they were found: a hit under the same data version needs
    // no second look, since every change to municipalities and estates moves the version
    // (their triggers). Regions have no such trigger, so a region filter is checked first.
    let mut conn = None;
    check_drafts(&query, &PUBLIC)?;
    let checked_first = !query.region_ids.is_empty();
    if checked_first {
        settle(connection(&mut conn, &state).await?, &mut query, &PUBLIC).await?;
    }
    let key = cache_key(z, x, y, &query.filter_key());
    let cache = match state.tiles.as_deref() {
        Some(cache) => Some((cache, version_to_serve(cache, &mut conn, &state).await?)),
        None => None,
    };
    let tile = match cache.and_then(|(cache, version)| cache.get(version, &key)) {
        Some(tile) => tile,
        None => {
            // Only tiles that are made count against the heavy limit: a map reloading
            // cached tiles costs next to nothing.
            let conn = connection(&mut conn, &state).await?;
            if !checked_first && names_places(&query) {
                settle(conn, &mut query, &PUBLIC).await?;
            }
            state.limits.check(Class::Heavy, state.client(&req))?;
            let bytes = db::tiles::tile(conn, &query, z, x, y).await?;
            let tile = CachedTile::compressed(bytes.into());
            if let Some((cache, version)) = cache {
                cache.put(version, key, tile.clone());
            }
            tile
        }
    };
    drop(conn);
    let gzip = tile.gzip.filter(|_| accepts_gzip(&req));
    let compressed = gzip.is_some();
    let (bytes, etag) = gzip.unwrap_or((tile.body, tile.etag));
    let unchanged = not_modified(&req, &etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else if bytes.is_empty() {
        HttpResponse::NoContent()
    } else {
        HttpResponse::Ok()
    };
    // Static header values are not copied and checked again for every tile.
    response
        .insert_header((header::ETAG, etag))
        // Short, and revalidated by ETag: staff edits reach embedded maps within seconds.
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=10, must-revalidate"),
        ))
        .insert_header((header::VARY, HeaderValue::from_static("Accept-Encoding")));
    if compressed {
        // The compression middleware leaves a body with a `Content-Encoding` alone.
        response.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")));
    }
    if unchanged || bytes.is_empty() {
        Ok(response.finish())
    } else {
        Ok(response
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.mapbox-vector-tile"),
            ))
            .body(bytes))
    }
}

/// `z/x/y?filters`, written with `itoa`: `format!` was 3 % of a cached tile's instructions.
fn cache_key(z: u32, x: u32, y: u32, filters: &str) -> String {
    let mut key = String::with_capacity(24 + filters.len());
    let mut number = itoa::Buffer::new();
    key.push_str(number.format(z));
    key.push('/');
    key.push_str(number.format(x));
    key.push('/');
    key.push_str(number.format(y));
    key.push('?');
    key.push_str(filters);
    key
}

/// Whether the client takes gzip (`Accept-Encoding`, with its q-values), as the compression
/// middleware would decide.
fn accepts_gzip(req: &HttpRequest) -> bool {
    use actix_web::http::header::ContentEncoding;
    use actix_web::http::header::{AcceptEncoding, Encoding, Header};
    if !req.headers().contains_key(header::ACCEPT_ENCODING) {
        return false;
    }
    AcceptEncoding::parse(req)
        .ok()
        .and_then(|accepted| accepted.negotiate([Encoding::gzip(), Encoding::identity()].iter()))
        == Some(Encoding::Known(ContentEncoding::Gzip))
}

/// The pool's connection in `slot`, taken on first use.
async fn connection<'a>(
    slot: &'a mut Option<db::DbConn>,
    state: &AppState,
) -> Result<&'a mut db::DbConn, ApiError> {
    if slot.is_none() {
        *slot = Some(state.pool.get().await?);
    }
    Ok(slot.as_mut().expect("filled above"))
}

/// `current_version`, taking a connection only if the version must be read.
async fn version_to_serve(
    cache: &TileCache,
    slot: &mut Option<db::DbConn>,
    state: &AppState,
) -> Result<i64, ApiError> {
    if let Version::Known(version) = cache.version() {
        return Ok(version);
    }
    current_version(cache, connection(slot, state).await?).await
}

/// The data version to serve under: pushed, or read (`tile_cache` has the rules).
pub(crate) async fn current_version(
    cache: &TileCache,
    conn: &mut diesel_async::AsyncPgConnection,
) -> Result<i64, ApiError> {
    match cache.version() {
        Version::Known(version) => Ok(version),
        Version::Ask(ticket) => {
            let version = db::tiles::map_data_version(conn).await?;
            cache.read(version, ticket);
            Ok(version)
        }
    }
}

/// After every request that may write (any method but GET, HEAD, OPTIONS) and before its
/// response leaves: the tile cache asks for the version again, so the write shows in this
/// instance's next tile even before its notification arrives.
pub async fn count_writes(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::http::Method;
    let writes = ![Method::GET, Method::HEAD, Method::OPTIONS].contains(req.method());
    let cache = writes
        .then(|| req.app_data::<web::Data<AppState>>()?.tiles.clone())
        .flatten();
    let response = next.call(req).await;
    if let Some(cache) = cache {
        cache.wrote();
    }
    response
}

/// TileJSON 3.0 of the plot tiles.
#[derive(Debug, Serialize, ToSchema)]
pub struct TileJson {
    #[schema(example = "3.0.0")]
    pub tilejson: &'static str,
    pub name: &'static str,
    /// URL template with the request's filters carried over.
    pub tiles: Vec<String>,
    pub minzoom: u32,
    pub maxzoom: u32,
    /// Extent of the matching published plots `[minLon, minLat, maxLon, maxLat]` (EPSG:4326).
    pub bounds: Vec<f64>,
    /// `[lon, lat, zoom]`.
    pub center: Vec<f64>,
    #[schema(value_type = Vec<Object>)]
    pub vector_layers: serde_json::Value,
    pub attribution: &'static str,
}

/// TileJSON of the plot tiles
///
/// Accepts the filters of `GET /plots` and passes them into the `tiles` URL template; `bounds`
/// is the extent of the matching published plots (fit a map to it).
#[utoipa::path(
    get,
    path = "/tiles/plots.json",
    tag = "maps",
    params(SearchParams),
    responses(
        (status = 200, description = "TileJSON", body = TileJson),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    )
)]
pub async fn plot_tilejson(
    req: HttpRequest,
    state: web::Data<AppState>,
    QueryParams(params): QueryParams<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let mut query = params.into_query(None).map_err(ApiError::bad_params)?;
    crate::api::plots::filters::fresh_since(&mut query, state.settings.stale_after_days);
    let mut conn = state.pool.get().await?;
    settle(&mut conn, &mut query, &PUBLIC).await?;
    let extent = db::tiles::extent(&mut conn, &query).await?;
    let bounds = match (
        extent.min_lon,
        extent.min_lat,
        extent.max_lon,
        extent.max_lat,
    ) {
        (Some(a), Some(b), Some(c), Some(d)) => vec![a, b, c, d],
        _ => vec![-180.0, -85.0511, 180.0, 85.0511],
    };
    let center = vec![
        (bounds[0] + bounds[2]) / 2.0,
        (bounds[1] + bounds[3]) / 2.0,
        12.0,
    ];
    let query_string = req.query_string();
    let suffix = if query_string.is_empty() {
        String::new()
    } else {
        format!("?{query_string}")
    };
    let fields = json!({
        "id": "Number", "reference": "String", "status": "String", "zoning": "String",
        "area_m2": "Number: m²", "price_min_eur": "Number: € per m²", "price_max_eur": "Number: € per m²",
        "price_on_request": "Boolean"
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(TileJson {
            tilejson: "3.0.0",
            name: "plots",
            tiles: vec![format!("{}/tiles/plots/{{z}}/{{x}}/{{y}}.mvt{suffix}", state.base_url(&req))],
            minzoom: 0,
            maxzoom: MAX_ZOOM,
            bounds,
            center,
            vector_layers: json!([
                {"id": "clusters", "fields": {"count": "Number", "area_m2": "Number: m², total"},
                    "minzoom": 0, "maxzoom": CLUSTER_MAX_ZOOM},
                {"id": "plots", "fields": fields, "minzoom": CLUSTER_MAX_ZOOM + 1, "maxzoom": MAX_ZOOM}
            ]),
            attribution: "Gewerbeflächen",
        }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cache_keys_read_as_the_tile_and_its_filters() {
        assert_eq!(super::cache_key(12, 2164, 1377, ""), "12/2164/1377?");
        assert_eq!(super::cache_key(0, 0, 0, "f"), "0/0/0?f");
        let max = u32::MAX;
        assert_eq!(
            super::cache_key(max, max, max, ""),
            format!("{max}/{max}/{max}?")
        );
    }
}
